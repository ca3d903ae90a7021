"""Erasure: the person's identity is gone from every table, protected records are kept with their reason,
their sign-ins and tokens stop working, and the learning report's figures do not move."""
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.assessments.models import Participant
from lit_platform.assessments.queries import pseudonym
from lit_platform.assessments.results import rebuild_all
from lit_platform.audit import AuditEvent
from lit_platform.bookings import services as booking_services, tokens
from lit_platform.bookings.models import ERASED_LEARNER, Booking
from lit_platform.core.types import utcnow
from lit_platform.courses.models import Enrolment
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.privacy import requests
from lit_platform.privacy.erasure import ERASED_NAME, ErasureError, check_erasable, erase_user
from lit_platform.privacy.models import PrivacyRequest
from lit_platform.privacy.registry import KEEP, declarations
from lit_platform.reports import reach
from lit_platform.reports.api import document_json
from lit_platform.reports.filters import ReportFilters
from lit_platform.reports.learning import build

from ..bookings.conftest import SessionFactory, in_days
from ..conftest import Actions
from .conftest import take_test
from .test_export import export_of

TEXT_TYPES = (sa.String, sa.Text, sa.JSON)


def learning_figures(app) -> dict:
    with app.test_request_context():
        sections = document_json(build(ReportFilters(), "Europe/London", 1, {}))["sections"]
    return {key: section["data"] for key, section in sections.items()}


def references(app, user_id: int) -> dict[str, int]:
    """Rows in any table whose foreign key to users holds this id: {"table.column": rows}."""
    found = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for fk in table.foreign_keys:
                if fk.column.table.name == "users":
                    count = db.session.scalar(select(sa.func.count()).select_from(table)
                                              .where(fk.parent == user_id))
                    if count:
                        found[f"{table.name}.{fk.parent.name}"] = count
    return found


def text_dump(app) -> str:
    """Every text and JSON value in the database, one per line."""
    lines = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, TEXT_TYPES)
                       or isinstance(getattr(c.type, "impl", None), TEXT_TYPES)]
            if columns:
                for row in db.session.execute(select(*columns)):
                    lines += [f"{table.name}: {value}" for value in row if value is not None]
    return "\n".join(lines)


@pytest.fixture
def more_learners(app, make, course_id):
    """Two more learners with different scores, so that the report's figures are not trivial."""
    with app.app_context():
        for k, (before, after) in enumerate((((False, False), (True, False)), ((True, False), (False, True)))):
            user = make.user(f"learner{k}.more@example.org", f"More Learner {k}")
            take_test(user.id, course_id, "pre", before, confidence="2")
            take_test(user.id, course_id, "post", after, confidence="4")
        db.session.commit()


def test_erasure_leaves_no_trace_keeps_what_is_protected_and_changes_no_figure(app, two_people, more_learners,
                                                                               neutral):
    ada, brendan = two_people
    ada_browser = app.test_client()
    assert Actions(ada_browser).login(ada.email).status_code == 302
    with app.app_context():
        user = db.session.get(User, ada.user_id)
        _, api_token = tokens.create_api_token(user, "Phone")
        feed_token = tokens.create_feed_token(user)
        db.session.commit()
    assert app.test_client().get("/api/v1/sessions", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200
    assert app.test_client().get(f"/feeds/{feed_token}.ics").status_code == 200
    before = learning_figures(app)
    assert before["summary"]["paired"]["n"] == 4
    with app.app_context():
        pseudonyms = {pid: pseudonym(pid) for pid in ada.participant_ids}
    brendan_before = export_of(app, brendan.user_id)[0]
    assert ada.name in text_dump(app)

    with app.app_context():
        request = PrivacyRequest(kind="erasure", user_id=ada.user_id, received_on=date.today(), due_on=date.today())
        db.session.add(request)
        db.session.flush()
        changed = requests.carry_out_erasure(request, "Asked to be forgotten.", db.session.get(User, neutral.id),
                                             app.config)
        request_id = request.id
        db.session.commit()
    assert changed["bookings"] == 2 and changed["attempts"] == len(ada.attempt_ids)

    # Nothing refers to the person any more, except the protected records, which keep only the account number.
    protected = {f"{d.table}.{link.column}" for d in declarations(app.config) for link in d.links
                 if d.protected and link.erase == KEEP and link.to == "user"}
    left = references(app, ada.user_id)
    assert set(left) <= protected and set(left) == {"audit_events.actor_id", "privacy_requests.user_id"}
    dump = text_dump(app)
    for value in (ada.name, ada.email, ada.email.split("@")[0]):
        assert value.lower() not in dump.lower(), value
    assert brendan.name in dump  # the dump does see names
    assert "The Boolean exercise helped." in dump  # Brendan's comment, while Ada's is gone
    assert dump.count("The Boolean exercise helped.") == 1

    with app.app_context():
        tombstone = db.session.get(User, ada.user_id)
        assert (tombstone.name, tombstone.is_active, tombstone.password_hash, tombstone.roles) == (
            ERASED_NAME, False, None, set())
        # The participants stay, detached, under the same pseudonyms.
        kept = db.session.scalars(select(Participant).where(Participant.id.in_(ada.participant_ids))).all()
        assert [p.user_id for p in kept] == [None] * len(ada.participant_ids)
        assert {p.id: pseudonym(p.id) for p in kept} == pseudonyms
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.erased"))
        assert (event.actor_id, event.object_type, event.object_id) == (neutral.id, "user", str(ada.user_id))
        assert db.session.get(PrivacyRequest, request_id).status == "completed"

    # The report's figures are exactly the same, even once every results row is rebuilt from the attempts;
    # Brendan's data is untouched.
    assert learning_figures(app) == before
    with app.app_context():
        rebuild_all()
        db.session.commit()
    assert learning_figures(app) == before
    assert export_of(app, brendan.user_id)[0] == brendan_before
    # Signed out everywhere; the API token and the calendar feed no longer work.
    assert ada_browser.get("/account/profile").status_code == 302
    assert app.test_client().get("/api/v1/sessions", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    assert app.test_client().get(f"/feeds/{feed_token}.ics").status_code == 404
    assert Actions(app.test_client()).login(ada.email).status_code != 302


def test_erasure_asks_for_the_grounds_and_a_confirmation(app, make, sign_in):
    learner = make.user("erin.erase@example.org", "Erin Erase")
    admin, admin_user = sign_in("admin")
    actions = Actions(admin)
    response = actions.post("/admin/privacy/requests", {"kind": "erasure", "email": learner.email,
                                                        "received_on": date.today().isoformat()},
                            page="/admin/privacy/requests")
    detail = response.headers["Location"]
    assert f'href="{detail}/erase"' in admin.get(detail).get_data(as_text=True)
    page = admin.get(f"{detail}/erase").get_data(as_text=True)
    assert "Erase Erin Erase" in page and "Your account" in page and "cannot be undone" in page
    assert '<th scope="row">Your roles</th>' in page

    response = actions.post(f"{detail}/erase", {"reason": ""}, page=f"{detail}/erase")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="reason-error"' in html and 'id="confirm-error"' in html
    assert "Tick the box to confirm" in html
    with app.app_context():
        assert db.session.get(User, learner.id).name == "Erin Erase"

    response = actions.post(f"{detail}/erase", {"reason": "Withdrew from the course.", "confirm": "y"},
                            page=f"{detail}/erase")
    assert response.status_code == 302
    html = admin.get(detail).get_data(as_text=True)
    assert "Completed" in html and "Withdrew from the course." in html and "Erin Erase" not in html
    with app.app_context():
        assert db.session.get(User, learner.id).name == ERASED_NAME
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.erased"))
        assert event.actor_id == admin_user.id and event.object_id == str(learner.id)
        assert "Withdrew" not in str(event.details)
    # An erased account cannot be the subject of another request.
    html = actions.post("/admin/privacy/requests", {"kind": "access", "email": learner.email,
                                                    "received_on": date.today().isoformat()},
                        page="/admin/privacy/requests").get_data(as_text=True)
    assert "There is no account with this e-mail address." in html


def test_administrators_cannot_erase_themselves_or_the_last_administrator(app, make):
    admin = make.user("only.admin@example.org", "Only Admin", roles=["admin"])
    other = make.user("other.admin@example.org", "Other Admin", roles=["admin"], active=False)
    with app.app_context():
        only, inactive = db.session.get(User, admin.id), db.session.get(User, other.id)
        with pytest.raises(ErasureError, match="your own account"):
            check_erasable(only, only)
        with pytest.raises(ErasureError, match="only active administrator"):
            check_erasable(only, inactive)
        erase_user(inactive, only, app.config)
        with pytest.raises(ErasureError, match="already been erased"):
            erase_user(db.session.get(User, other.id), only, app.config)


def test_a_place_freed_by_erasure_goes_to_the_first_on_the_waiting_list(app, make):
    admin = make.user("places.admin@example.org", "Pat Admin", roles=["admin"])
    leaving, waiting = make.user("leaving@example.org", "Lee Leaving"), make.user("waiting@example.org", "Wyn Waiting")
    session = SessionFactory(app, make)(starts_at=in_days(7), capacity=1, title="Appraising trials")
    with app.app_context():
        for person in (leaving, waiting):
            booking_services.book_session(session.id, db.session.get(User, person.id))
        db.session.commit()
        erase_user(db.session.get(User, leaving.id), db.session.get(User, admin.id), app.config)
        db.session.commit()
        bookings = db.session.scalars(select(Booking).where(Booking.session_id == session.id)
                                      .order_by(Booking.position)).all()
        # The erased place is kept, cancelled and without the person; the next in the queue has it.
        assert [(b.user_id, b.status) for b in bookings] == [(None, "cancelled"), (waiting.id, "confirmed")]
        subjects = db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.to_address == waiting.email))
        assert any("place" in subject.lower() for subject in subjects)
        assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == leaving.email)).all()


def reach_figures(app, now) -> dict:
    with app.test_request_context():
        document = reach.build(ReportFilters(), "Europe/London", 1, {}, now, {})
        return {key: section["data"] for key, section in document_json(document)["sections"].items()}


def test_erasure_keeps_bookings_and_enrolments_without_the_person_so_attendance_and_completions_hold(
        app, make, sign_in, course_id):
    admin = make.user("reach.admin@example.org", "Ray Admin", roles=["admin"])
    librarian, librarian_user = sign_in("librarian", name="Lib Rarian")
    leaving = make.user("leaving.learner@example.org", "Lena Leaving")
    others = [make.user(f"stayer{k}@example.org", f"Stella Stayer {k}") for k in range(2)]
    held = SessionFactory(app, make)(librarian_user, starts_at=in_days(-2), title="Boolean basics")
    coming = SessionFactory(app, make)(librarian_user, starts_at=in_days(5), capacity=1, title="Citation chasing")
    now = utcnow()
    with app.app_context():
        for position, (person, mark) in enumerate(zip([leaving, *others], ("attended", "late", "absent")), 1):
            db.session.add(Booking(session_id=held.id, user_id=person.id, status="confirmed", position=position,
                                   attendance=mark, checked_in_at=now))
            db.session.add(Enrolment(course_id=course_id, user_id=person.id, enrolled_at=in_days(-30),
                                     completed_at=in_days(-10) if person is not others[1] else None))
        for person in (leaving, others[0]):
            booking_services.book_session(coming.id, db.session.get(User, person.id))
        db.session.commit()
    before = reach_figures(app, now)
    assert before["delivery"]["totals"]["attended"] == 2 and before["delivery"]["totals"]["no_shows"] == 1

    with app.app_context():
        erase_user(db.session.get(User, leaving.id), db.session.get(User, admin.id), app.config)
        db.session.commit()
        kept = db.session.scalars(select(Booking).where(Booking.user_id.is_(None))).all()
        assert sorted((b.session_id, b.status, b.attendance) for b in kept) == sorted(
            [(held.id, "confirmed", "attended"), (coming.id, "cancelled", None)])
        assert db.session.scalar(select(sa.func.count()).select_from(Enrolment)
                                 .where(Enrolment.user_id.is_(None), Enrolment.completed_at.is_not(None))) == 1
        # The place on the session still to come went to the learner waiting for it.
        promoted = db.session.scalar(select(Booking).where(Booking.session_id == coming.id,
                                                           Booking.user_id == others[0].id))
        assert promoted.status == "confirmed"
    assert set(references(app, leaving.id)) <= {"audit_events.actor_id"}  # the protected audit log only
    assert reach_figures(app, now) == before

    # Staff pages name the kept booking without anyone's name, and nothing is sent to it.
    page = librarian.get(f"/manage/sessions/{held.id}").get_data(as_text=True)
    assert ERASED_LEARNER in page and leaving.name not in page and others[0].name in page
    csv = librarian.get(f"/manage/sessions/{held.id}/export.csv").get_data(as_text=True)
    assert f"{ERASED_LEARNER},," in csv and leaving.email not in csv
    register = librarian.get(f"/manage/sessions/{held.id}/register").get_data(as_text=True)
    assert ERASED_LEARNER in register
    sheet = librarian.get(f"/manage/sessions/{held.id}/sign-in-sheet").get_data(as_text=True)
    assert ERASED_LEARNER in sheet
    with app.app_context():
        sent = booking_services.message_attendees(held.id, "Slides", "The slides are on the course page.",
                                                  db.session.get(User, librarian_user.id))
        db.session.commit()
        assert sent == 2
        kept_id = db.session.scalar(select(Booking.id).where(Booking.session_id == held.id, Booking.user_id.is_(None)))
        with pytest.raises(booking_services.BookingError, match="erased"):
            booking_services.remove_booking(kept_id, db.session.get(User, librarian_user.id))
