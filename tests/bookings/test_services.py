"""The booking engine through its service functions, on both databases."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.audit import AuditEvent
from lit_platform.bookings import services
from lit_platform.bookings.models import Booking, Session
from lit_platform.core.types import utcnow
from lit_platform.extensions import db

from .conftest import book, bookings_of, outbox


def _user(user_id):
    return db.session.get(User, user_id)


def test_places_then_waitlist_in_arrival_order(app, make, make_session):
    session = make_session(capacity=2)
    learners = [make.user() for _ in range(4)]
    statuses = [book(app, session.id, learner)[1] for learner in learners]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [(u, s) for u, s, _ in bookings_of(app, session.id)] == [
        (learners[0].id, "confirmed"), (learners[1].id, "confirmed"),
        (learners[2].id, "waitlisted"), (learners[3].id, "waitlisted")]
    subjects = [m.subject for m in outbox(app)]
    assert subjects == [f"Booking confirmed: {session.title}"] * 2 + [f"On the waiting list: {session.title}"] * 2
    assert "number 2" in outbox(app, learners[3].email)[0].body_text


def test_the_same_learner_cannot_book_twice(app, make, make_session):
    session = make_session(capacity=1)
    learner = make.user()
    book(app, session.id, learner)
    with pytest.raises(services.AlreadyBooked):
        book(app, session.id, learner)
    other = make.user()
    book(app, session.id, other)
    with pytest.raises(services.AlreadyBooked, match="waiting list"):
        book(app, session.id, other)


def test_unique_constraint_backs_up_the_lock(ctx, make, make_session):
    session = make_session()
    learner = make.user()
    db.session.add(Booking(session_id=session.id, user_id=learner.id, status="confirmed", position=1))
    db.session.flush()
    db.session.add(Booking(session_id=session.id, user_id=learner.id, status="confirmed", position=2))
    with pytest.raises(Exception) as raised:
        db.session.flush()
    assert "unique" in str(raised.value).lower()
    db.session.rollback()


def test_full_without_a_waitlist_is_refused(app, make, make_session):
    session = make_session(capacity=1, waitlist_enabled=False)
    book(app, session.id, make.user())
    with pytest.raises(services.BookingError, match="full and has no waiting list"):
        book(app, session.id, make.user())


def test_cancelling_promotes_the_first_waiting_with_an_invitation(app, make, make_session):
    session = make_session(capacity=1)
    first, second, third = make.user(), make.user(), make.user()
    booking_id, _ = book(app, session.id, first)
    book(app, session.id, second)
    book(app, session.id, third)
    with app.app_context():
        services.cancel_booking(booking_id, _user(first.id))
        db.session.commit()
    assert [s for _, s, _ in bookings_of(app, session.id)] == ["cancelled", "confirmed", "waitlisted"]
    cancel_mail = outbox(app, first.email)[-1]
    assert cancel_mail.subject.startswith("Booking cancelled") and cancel_mail.ics_method == "CANCEL"
    promoted = outbox(app, second.email)[-1]
    assert promoted.subject == f"A place is yours: {session.title}" and promoted.ics_method == "REQUEST"
    event = Calendar.from_ical(promoted.ics).walk("VEVENT")[0]
    assert str(event["ATTENDEE"]) == f"mailto:{second.email}"
    assert len(outbox(app, third.email)) == 1  # still waiting, now first in line


def test_learner_cannot_cancel_anothers_booking(app, make, make_session):
    session = make_session()
    owner, intruder = make.user(), make.user()
    booking_id, _ = book(app, session.id, owner)
    with app.app_context(), pytest.raises(services.BookingError, match="no such booking"):
        services.cancel_booking(booking_id, _user(intruder.id))
    assert bookings_of(app, session.id)[0][1] == "confirmed"


def test_cut_off_applies_to_places_but_not_to_the_waitlist(app, make, make_session):
    session = make_session(starts_at=utcnow() + timedelta(hours=10), capacity=1, cancel_cutoff_hours=12)
    holder, waiting = make.user(), make.user()
    place, _ = book(app, session.id, holder)
    queued, _ = book(app, session.id, waiting)
    with app.app_context():
        with pytest.raises(services.BookingError, match="until 12 hours before"):
            services.cancel_booking(place, _user(holder.id))
        services.cancel_booking(queued, _user(waiting.id))
        db.session.commit()
        # The site-wide default applies when the session sets none.
        db.session.get(Session, session.id).cancel_cutoff_hours = None
        db.session.commit()
    app.config["LIT_BOOKING_CANCEL_CUTOFF_HOURS"] = 6
    with app.app_context():
        services.cancel_booking(place, _user(holder.id))
        db.session.commit()


def test_booking_window_and_start(app, make, make_session):
    opens = utcnow() + timedelta(days=1)
    session = make_session(booking_opens_at=opens, booking_closes_at=opens + timedelta(days=2))
    learner = make.user()
    with pytest.raises(services.BookingError, match="not opened yet"):
        book(app, session.id, learner)
    with pytest.raises(services.BookingError, match="closed"):
        book(app, session.id, learner, now=opens + timedelta(days=3))
    assert book(app, session.id, learner, now=opens + timedelta(hours=1))[1] == "confirmed"
    started = make_session(starts_at=utcnow() - timedelta(minutes=5))
    with pytest.raises(services.BookingError, match="already started"):
        book(app, started.id, learner)


def test_audience_restricted_to_units_includes_units_inside_them(app, make, make_session):
    faculty = make.unit("Faculty of Health")
    make.unit("Faculty of Health / Nursing / Year 1")
    make.unit("Law School")
    session = make_session(is_restricted=True, unit_ids=[faculty.id])
    inside = make.user(org_unit="Faculty of Health / Nursing / Year 1")
    outside = make.user(org_unit="Law School")
    nowhere = make.user()
    assert book(app, session.id, inside)[1] == "confirmed"
    for learner in (outside, nowhere):
        with pytest.raises(services.BookingError, match="open only to members"):
            book(app, session.id, learner)


def test_librarian_adds_by_hand_even_over_capacity_and_removes(app, make, make_session):
    librarian = make.user(roles=["librarian"])
    session = make_session(facilitator=librarian, capacity=1)
    a, b, c = make.user(), make.user(), make.user()
    book(app, session.id, a)
    with app.app_context():
        assert services.add_booking_by_hand(session.id, _user(b.id), _user(librarian.id)).status == "waitlisted"
        booking = services.add_booking_by_hand(session.id, _user(c.id), _user(librarian.id), over_capacity=True)
        assert booking.status == "confirmed" and booking.added_by_id == librarian.id
        db.session.commit()
        services.remove_booking(booking.id, _user(librarian.id), "Wrong session")
        db.session.commit()
    # c's extra place is gone; a holds the only place, so b keeps waiting.
    assert [s for _, s, _ in bookings_of(app, session.id)] == ["confirmed", "waitlisted", "cancelled"]
    assert "Reason: Wrong session" in outbox(app, c.email)[-1].body_text


def test_rebooking_after_cancelling_goes_to_the_back_and_bumps_the_calendar_sequence(app, make, make_session):
    session = make_session(capacity=5)
    learner = make.user()
    booking_id, _ = book(app, session.id, learner)
    book(app, session.id, make.user())
    with app.app_context():
        services.cancel_booking(booking_id, _user(learner.id))
        db.session.commit()
    book(app, session.id, learner)
    sequences = [int(Calendar.from_ical(m.ics).walk("VEVENT")[0]["SEQUENCE"]) for m in outbox(app, learner.email)]
    assert sequences == [0, 1, 2]
    uids = {str(Calendar.from_ical(m.ics).walk("VEVENT")[0]["UID"]) for m in outbox(app, learner.email)}
    assert len(uids) == 1
    assert bookings_of(app, session.id)[-1][0] == learner.id


def test_register_and_self_check_in(app, make, make_session):
    librarian = make.user(roles=["librarian"])
    start = utcnow() + timedelta(minutes=5)
    session = make_session(facilitator=librarian, starts_at=start, minutes=60)
    on_time, late, absent, not_booked = make.user(), make.user(), make.user(), make.user()
    ids = {u.id: book(app, session.id, u)[0] for u in (on_time, late, absent)}
    with app.app_context():
        code = db.session.get(Session, session.id).checkin_code
        with pytest.raises(services.BookingError, match="only while the session is running"):
            services.check_in(session.id, _user(on_time.id), code, now=start - timedelta(minutes=30))
        with pytest.raises(services.BookingError, match="not right"):
            services.check_in(session.id, _user(on_time.id), "WRONG1", now=start)
        with pytest.raises(services.BookingError, match="confirmed place"):
            services.check_in(session.id, _user(not_booked.id), code, now=start)
        assert services.check_in(session.id, _user(on_time.id), code.lower(), now=start).attendance == "attended"
        assert services.check_in(session.id, _user(late.id), code, now=start + timedelta(minutes=20)).attendance == "late"
        with pytest.raises(services.BookingError, match="only while"):
            services.check_in(session.id, _user(absent.id), code, now=start + timedelta(minutes=61))
        changed = services.mark_attendance(session.id, {ids[absent.id]: "absent", ids[on_time.id]: "attended",
                                                        999999: "attended"}, _user(librarian.id), now=start)
        assert changed == 1
        with pytest.raises(services.BookingError, match="Unknown"):
            services.mark_attendance(session.id, {ids[late.id]: "sleeping"}, _user(librarian.id), now=start)
        db.session.commit()
        marks = dict(db.session.execute(select(Booking.user_id, Booking.attendance)
                                        .where(Booking.session_id == session.id)).all())
    assert marks == {on_time.id: "attended", late.id: "late", absent.id: "absent"}


def test_register_opens_shortly_before_the_start(app, make, make_session):
    librarian = make.user(roles=["librarian"])
    session = make_session(facilitator=librarian)
    with app.app_context(), pytest.raises(services.BookingError, match="register opens"):
        services.mark_attendance(session.id, {}, _user(librarian.id))


def test_reminders_are_queued_once_and_never_for_cancelled(app, make, make_session):
    librarian = make.user(roles=["librarian"])
    soon = make_session(starts_at=utcnow() + timedelta(hours=20))
    later = make_session(starts_at=utcnow() + timedelta(hours=40))
    cancelled_session = make_session(facilitator=librarian, starts_at=utcnow() + timedelta(hours=10))
    keeper, leaver, waiting, far, unlucky = (make.user() for _ in range(5))
    with app.app_context():
        db.session.get(Session, soon.id).capacity = 2
        db.session.commit()
    book(app, soon.id, keeper)
    leaver_booking, _ = book(app, soon.id, leaver)
    book(app, soon.id, make.user())
    book(app, soon.id, waiting)  # waitlisted: no reminder
    book(app, later.id, far)
    book(app, cancelled_session.id, unlucky)
    with app.app_context():
        services.cancel_booking(leaver_booking, _user(leaver.id), now=utcnow() - timedelta(days=10))
        services.cancel_session(cancelled_session.id, _user(librarian.id))
        db.session.commit()
        assert services.queue_reminders(hours=24) == 2  # keeper, and whoever was promoted into leaver's place
        db.session.commit()
        assert services.queue_reminders(hours=24) == 0
        assert services.queue_reminders(hours=48) == 1  # far
        db.session.commit()
    reminded = {m.to_address for m in outbox(app) if m.subject.startswith("Reminder")}
    assert keeper.email in reminded and far.email in reminded
    assert not reminded & {leaver.email, waiting.email, unlucky.email}


def test_rescheduling_tells_everyone_and_bumps_the_sequence(app, make, make_session):
    librarian = make.user(roles=["librarian"])
    session = make_session(facilitator=librarian, capacity=1)
    confirmed, waiting = make.user(), make.user()
    book(app, session.id, confirmed)
    book(app, session.id, waiting)
    with app.app_context():
        data = services.SessionData(title="Renamed workshop", day=date(2030, 6, 3), start_time=time(14),
                                    end_time=time(15, 30), capacity=1, location="Room 2",
                                    facilitator_ids=[librarian.id])
        services.update_session(session.id, data, _user(librarian.id))
        db.session.commit()
        assert db.session.get(Session, session.id).ical_sequence == 1
    change = outbox(app, confirmed.email)[-1]
    assert change.subject == "Session changed: Renamed workshop" and change.ics_method == "REQUEST"
    assert "New time: Monday 3 June 2030, 14:00 to 15:30" in change.body_text and "Room 2" in change.body_text
    event = Calendar.from_ical(change.ics).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1 and event["DTSTART"].dt.hour == 14
    waiting_mail = outbox(app, waiting.email)[-1]
    assert waiting_mail.subject.startswith("Session changed") and waiting_mail.ics is None


def test_saving_without_a_change_tells_nobody(app, make, make_session):
    librarian = make.user(roles=["librarian"])
    session = make_session(facilitator=librarian)
    learner = make.user()
    book(app, session.id, learner)
    with app.app_context():
        s = db.session.get(Session, session.id)
        from lit_platform.bookings.times import to_local
        local = to_local(s.starts_at, "Europe/London")
        end = to_local(s.ends_at, "Europe/London")
        data = services.SessionData(title=s.title, day=local.date(), start_time=local.time(), end_time=end.time(),
                                    capacity=s.capacity, location=s.location, facilitator_ids=[librarian.id])
        services.update_session(session.id, data, _user(librarian.id))
        db.session.commit()
        assert db.session.get(Session, session.id).ical_sequence == 0
    assert len(outbox(app, learner.email)) == 1


def test_raising_capacity_promotes_the_waiting(app, make, make_session):
    librarian = make.user(roles=["librarian"])
    session = make_session(facilitator=librarian, capacity=1)
    learners = [make.user() for _ in range(3)]
    for learner in learners:
        book(app, session.id, learner)
    with app.app_context():
        s = db.session.get(Session, session.id)
        from lit_platform.bookings.times import to_local
        local, end = to_local(s.starts_at, "Europe/London"), to_local(s.ends_at, "Europe/London")
        services.update_session(session.id, services.SessionData(
            title=s.title, day=local.date(), start_time=local.time(), end_time=end.time(), capacity=2,
            location=s.location, facilitator_ids=[librarian.id]), _user(librarian.id))
        db.session.commit()
    assert [s for _, s, _ in bookings_of(app, session.id)] == ["confirmed", "confirmed", "waitlisted"]


def test_cancelling_a_session_tells_booked_and_waiting(app, make, make_session):
    librarian = make.user(roles=["librarian"])
    session = make_session(facilitator=librarian, capacity=1)
    confirmed, waiting = make.user(), make.user()
    book(app, session.id, confirmed)
    book(app, session.id, waiting)
    with app.app_context():
        assert services.cancel_session(session.id, _user(librarian.id), "Facilitator unwell") == 2
        db.session.commit()
        with pytest.raises(services.BookingError, match="cancelled"):
            services.book_session(session.id, _user(make.user().id))
    mail = outbox(app, confirmed.email)[-1]
    assert mail.subject == f"Session cancelled: {session.title}" and mail.ics_method == "CANCEL"
    assert "Facilitator unwell" in mail.body_text
    event = Calendar.from_ical(mail.ics).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    assert outbox(app, waiting.email)[-1].ics is None


def test_series_stays_at_the_same_local_time_across_the_clock_change(app, make):
    librarian = make.user(roles=["librarian"])
    with app.app_context():
        data = services.SessionData(title="Weekly clinic", day=date(2026, 3, 19), start_time=time(10),
                                    end_time=time(11), capacity=8, location="Library",
                                    facilitator_ids=[librarian.id],
                                    booking_opens=datetime(2026, 3, 12, 9, 0))
        sessions, notes = services.create_series(data, "weekly", _user(librarian.id), count=3)
        db.session.commit()
        assert notes == []
        assert [s.starts_at for s in sessions] == [datetime(2026, 3, 19, 10, tzinfo=timezone.utc),
                                                   datetime(2026, 3, 26, 10, tzinfo=timezone.utc),
                                                   datetime(2026, 4, 2, 9, tzinfo=timezone.utc)]
        assert len({s.series_id for s in sessions}) == 1 and len({s.ical_uid for s in sessions}) == 3
        assert [s.starts_at - s.booking_opens_at for s in sessions] == [timedelta(days=7, hours=1)] * 3


def test_series_refuses_dates_in_the_spring_gap(app, make):
    librarian = make.user(roles=["librarian"])
    with app.app_context(), pytest.raises(services.BookingError, match="29 March 2026 does not exist") as raised:
        services.create_series(services.SessionData(
            title="Night owls", day=date(2026, 3, 22), start_time=time(1, 30), end_time=time(2, 45), capacity=5,
            location="Online", facilitator_ids=[librarian.id]), "weekly", _user(librarian.id), count=2)
    assert raised.value.field == "start_time"


def test_editing_this_and_following_moves_the_rest_of_the_series(app, make):
    librarian = make.user(roles=["librarian"])
    learner = make.user()
    with app.app_context():
        base = dict(title="Clinic", start_time=time(10), end_time=time(11), capacity=8, location="Library",
                    facilitator_ids=[librarian.id])
        sessions, _ = services.create_series(services.SessionData(day=date(2030, 1, 7), **base), "weekly",
                                             _user(librarian.id), count=4)
        db.session.commit()
        ids = [s.id for s in sessions]
    book(app, ids[3], learner)
    with app.app_context():
        services.update_session(ids[1], services.SessionData(**{**base, "day": date(2030, 1, 15), "start_time": time(13),
                                                              "end_time": time(14, 30), "location": "Room 9"}),
                                _user(librarian.id), scope="following")
        db.session.commit()
        found = [db.session.get(Session, i) for i in ids]
        assert [s.starts_at for s in found] == [datetime(2030, 1, 7, 10, tzinfo=timezone.utc),
                                                datetime(2030, 1, 15, 13, tzinfo=timezone.utc),
                                                datetime(2030, 1, 22, 13, tzinfo=timezone.utc),
                                                datetime(2030, 1, 29, 13, tzinfo=timezone.utc)]
        assert [s.location for s in found] == ["Library", "Room 9", "Room 9", "Room 9"]
        assert [s.ical_sequence for s in found] == [0, 1, 1, 1]
    assert outbox(app, learner.email)[-1].subject == "Session changed: Clinic"


def test_session_checks(app, make):
    librarian, other = make.user(roles=["librarian"]), make.user(roles=["librarian"])
    learner = make.user()
    with app.app_context():
        def data(**changes):
            fields = dict(title="T", day=date(2030, 1, 7), start_time=time(10), end_time=time(11), capacity=8,
                          location="Library", facilitator_ids=[librarian.id])
            fields.update(changes)
            return services.SessionData(**fields)

        for changes, field_name in [({"end_time": time(9)}, "end_time"), ({"mode": "online"}, "online_url"),
                                    ({"location": ""}, "location"), ({"capacity": 0}, "capacity"),
                                    ({"is_restricted": True}, "unit_ids"),
                                    ({"facilitator_ids": [learner.id]}, "facilitator_ids"),
                                    ({"facilitator_ids": [other.id]}, "facilitator_ids"),
                                    ({"mode": "online", "online_url": "javascript:alert(1)"}, "online_url"),
                                    ({"booking_closes": datetime(2030, 1, 8)}, "booking_closes")]:
            with pytest.raises(services.BookingError) as raised:
                services.create_session(data(**changes), _user(librarian.id))
            assert raised.value.field == field_name, changes
        session, notes = services.create_session(data(description="**Bring** a laptop <script>x()</script>",
                                                      mode="online", online_url="https://meet.example.org/x",
                                                      location="ignored"), _user(librarian.id))
        assert "<strong>Bring</strong>" in session.description_html and "<script" not in session.description_html
        assert session.location == "" and len(session.checkin_code) == 6
        ambiguous, notes = services.create_session(data(day=date(2026, 10, 25), start_time=time(1, 30),
                                                        end_time=time(2, 30)), _user(librarian.id))
        assert ambiguous.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)
        assert notes and "happens twice" in notes[0]
        db.session.rollback()


def test_survey_once_per_attendee_after_the_session(app, make, make_session):
    session = make_session(starts_at=utcnow() - timedelta(hours=2), minutes=60)
    attendee, absentee, stranger = make.user(), make.user(), make.user()
    with app.app_context():
        for learner, mark in ((attendee, "attended"), (absentee, "absent")):
            db.session.add(Booking(session_id=session.id, user_id=learner.id, status="confirmed",
                                   position=learner.id, attendance=mark))
        db.session.commit()
        services.submit_survey(session.id, _user(attendee.id), 5, 4, True, "Very clear")
        db.session.commit()
        with pytest.raises(services.BookingError, match="already"):
            services.submit_survey(session.id, _user(attendee.id), 5, 4, True)
        for learner in (absentee, stranger):
            with pytest.raises(services.BookingError, match="people who came"):
                services.submit_survey(session.id, _user(learner.id), 3, 3, False)
        from lit_platform.bookings.queries import survey_summary
        summary = survey_summary(session.id)
        assert summary.responses == 1 and summary.usefulness[5] == 1 and summary.recommend_yes == 1
        assert summary.comments == ["Very clear"]


def test_every_change_is_audited(app, make, make_session):
    session = make_session(capacity=1)
    learner = make.user()
    booking_id, _ = book(app, session.id, learner)
    with app.app_context():
        services.cancel_booking(booking_id, _user(learner.id))
        db.session.commit()
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"session.created", "booking.created", "booking.cancelled"} <= actions
