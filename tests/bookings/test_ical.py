"""Calendar entries in e-mails and feeds: parsed back with icalendar and, independently, with vobject;
feed events are stored by a real CalDAV server (Radicale)."""
import base64
import http.client
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import vobject
from icalendar import Calendar

from lit_platform.accounts.models import User
from lit_platform.bookings import ical, services
from lit_platform.bookings.models import Session
from lit_platform.extensions import db

from ..conftest import Actions
from ..servers import free_port, stop, wait_for_port
from .conftest import book, outbox


def test_builder_writes_a_request_with_tzid_and_vtimezone():
    info = ical.EventInfo(uid="abc@lit", sequence=3, title="Searching, well", description="Line one\nLine two",
                          starts_at=datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc),
                          ends_at=datetime(2026, 3, 29, 2, 0, tzinfo=timezone.utc), location="Room 1; Block B",
                          url="https://example.org/s/1", organizer=ical.Person("lib@example.org", "Lou, Librarian"),
                          attendees=[ical.Person("ann@example.org", "Ann")])
    text = ical.build_calendar([info], "Europe/London", method="REQUEST")
    parsed = vobject.readOne(text)
    assert parsed.method.value == "REQUEST" and parsed.vtimezone.tzid.value == "Europe/London"
    event = parsed.vevent
    assert event.uid.value == "abc@lit" and event.sequence.value == "3"
    assert "DTSTART;TZID=Europe/London:20260329T003000" in text
    assert event.dtstart.params["X-VOBJ-ORIGINAL-TZID"] == ["Europe/London"]
    # 00:30 UTC is 00:30 GMT; 02:00 UTC is 03:00 BST: the clocks changed in between.
    assert event.dtstart.value.replace(tzinfo=None) == datetime(2026, 3, 29, 0, 30)
    assert event.dtend.value.replace(tzinfo=None) == datetime(2026, 3, 29, 3, 0)
    assert event.dtend.value.astimezone(timezone.utc) == datetime(2026, 3, 29, 2, 0, tzinfo=timezone.utc)
    assert event.organizer.value == "mailto:lib@example.org" and event.organizer.params["CN"] == ["Lou, Librarian"]
    assert event.attendee.value == "mailto:ann@example.org" and event.attendee.params["PARTSTAT"] == ["ACCEPTED"]
    assert event.location.value == "Room 1; Block B" and event.description.value == "Line one\nLine two"
    again = Calendar.from_ical(text)
    assert again.walk("VEVENT")[0]["DTSTART"].dt.tzinfo is not None


def test_autumn_clock_change_keeps_the_right_instant():
    info = ical.EventInfo(uid="x", sequence=0, title="Late", starts_at=datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc),
                          ends_at=datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc))
    event = vobject.readOne(ical.build_calendar([info], "Europe/London")).vevent
    # 00:30 UTC = the first 01:30 (BST); 01:30 UTC = the second 01:30 (GMT): both written in UTC.
    assert event.dtstart.value == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)
    assert event.dtend.value == datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"])
def test_every_half_hour_around_the_clock_changes_reads_back_the_same_in_vobject(zone):
    days = [datetime(2026, month, day, tzinfo=timezone.utc) for month, day in
            [(3, 8), (3, 28), (3, 29), (4, 5), (10, 4), (10, 24), (10, 25), (11, 1)]]
    for day in days:
        for half_hours in range(48):
            start = day + timedelta(minutes=30 * half_hours)
            info = ical.EventInfo(uid="x", sequence=0, title="T", starts_at=start, ends_at=start + timedelta(hours=1))
            event = vobject.readOne(ical.build_calendar([info], zone)).vevent
            assert event.dtstart.value.astimezone(timezone.utc) == start, (zone, start)
            assert event.dtend.value.astimezone(timezone.utc) == start + timedelta(hours=1), (zone, start)


def test_vtimezone_uses_yearly_rules_from_the_last_sunday():
    text = ical.build_calendar([ical.EventInfo(uid="x", sequence=0, title="T",
                                               starts_at=datetime(2026, 6, 1, 9, tzinfo=timezone.utc),
                                               ends_at=datetime(2026, 6, 1, 10, tzinfo=timezone.utc))], "Europe/London")
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text and "DTSTART:20250330T010000" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text and "DTSTART:20251026T020000" in text


def _events(message):
    return vobject.readOne(message.ics)


def test_confirmation_change_and_cancellation_share_a_uid_with_rising_sequence(app, make, make_session):
    librarian = make.user(roles=["librarian"], name="Lou Librarian", email="lou@example.org")
    session = make_session(facilitator=librarian, mode="hybrid", location="Room 2",
                           online_url="https://meet.example.org/room")
    learner = make.user(email="kai@example.org", name="Kai")
    book(app, session.id, learner)
    with app.app_context():
        s = db.session.get(Session, session.id)
        from lit_platform.bookings.times import to_local
        local, end = to_local(s.starts_at, "Europe/London"), to_local(s.ends_at, "Europe/London")
        data = services.SessionData(title=s.title, day=local.date(), start_time=local.time(),
                                    end_time=(end + timedelta(minutes=30)).time(), capacity=s.capacity, mode="hybrid",
                                    location="Room 3", online_url=s.online_url, facilitator_ids=[librarian.id])
        services.update_session(session.id, data, db.session.get(User, librarian.id))
        services.cancel_session(session.id, db.session.get(User, librarian.id), "Sorry")
        db.session.commit()
    invite, change, cancel = outbox(app, "kai@example.org")
    parsed = [_events(m) for m in (invite, change, cancel)]
    assert [p.method.value for p in parsed] == ["REQUEST", "REQUEST", "CANCEL"]
    assert [m.ics_method for m in (invite, change, cancel)] == ["REQUEST", "REQUEST", "CANCEL"]
    assert len({p.vevent.uid.value for p in parsed}) == 1
    assert [int(p.vevent.sequence.value) for p in parsed] == [0, 1, 2]
    assert parsed[0].vevent.organizer.value == "mailto:lou@example.org"
    assert parsed[0].vevent.attendee.value == "mailto:kai@example.org"
    assert parsed[0].vevent.location.value == "Room 2, Online"
    assert parsed[0].vevent.url.value == "https://meet.example.org/room"
    assert parsed[1].vevent.location.value == "Room 3, Online"
    assert parsed[2].vevent.status.value == "CANCELLED"
    assert all(p.vtimezone.tzid.value == "Europe/London" for p in parsed)


def test_waitlisted_learners_get_the_link_only_once_promoted(app, make, make_session):
    session = make_session(capacity=1, mode="online", location="", online_url="https://meet.example.org/secret")
    first, second = make.user(), make.user()
    booking_id, _ = book(app, session.id, first)
    book(app, session.id, second)
    waiting_mail = outbox(app, second.email)[-1]
    assert "secret" not in waiting_mail.body_text and waiting_mail.ics is None
    with app.app_context():
        services.cancel_booking(booking_id, db.session.get(User, first.id))
        db.session.commit()
    promoted = outbox(app, second.email)[-1]
    assert "https://meet.example.org/secret" in promoted.body_text
    assert _events(promoted).vevent.url.value == "https://meet.example.org/secret"
    cancelled = _events(outbox(app, first.email)[-1]).vevent
    assert not hasattr(cancelled, "url") or "secret" not in cancelled.url.value


# Feeds ---------------------------------------------------------------------------------------

def _feed_url(client) -> str:
    html = Actions(client).post("/account/calendar/feed", {}, page="/account/calendar").get_data(as_text=True)
    start = html.index('id="feed-url">') + len('id="feed-url">')
    return html[start:html.index("</code>", start)]


def test_personal_feed_lists_places_and_facilitated_sessions(sign_in, make, make_session, app, client):
    learner_client, learner = sign_in("learner")
    librarian_client, librarian = sign_in("librarian")
    mine = make_session(title="Booked one", mode="online", location="", online_url="https://meet.example.org/m")
    waiting_for = make_session(title="Waiting one", capacity=1)
    run_by_librarian = make_session(facilitator=librarian, title="Facilitated one")
    book(app, mine.id, learner)
    book(app, waiting_for.id, make.user())
    book(app, waiting_for.id, learner)
    url = _feed_url(learner_client)
    path = url.split("localhost", 1)[1]
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = vobject.readOne(response.get_data(as_text=True))
    assert not hasattr(calendar, "method")
    titles = [e.summary.value for e in calendar.vevent_list]
    assert titles == ["Booked one"]  # the waitlist is not in the calendar
    assert calendar.vevent.url.value == "https://meet.example.org/m"
    staff = vobject.readOne(client.get(_feed_url(librarian_client).split("localhost", 1)[1]).get_data(as_text=True))
    assert [e.summary.value for e in staff.vevent_list] == ["Facilitated one"]
    assert run_by_librarian.id


def test_feed_address_is_secret_revocable_and_regenerable(sign_in, make_session, app, client):
    learner_client, learner = sign_in("learner")
    other_client, _ = sign_in("learner")
    first = _feed_url(learner_client).split("localhost", 1)[1]
    assert client.get(first).status_code == 200
    second = _feed_url(learner_client).split("localhost", 1)[1]
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    other = _feed_url(other_client).split("localhost", 1)[1]
    assert other != second
    Actions(learner_client).post("/account/calendar/feed/revoke", {}, page="/account/calendar")
    assert client.get(second).status_code == 404
    assert client.get("/feeds/not-a-token.ics").status_code == 404
    assert "Create a feed address" in learner_client.get("/account/calendar").get_data(as_text=True)


def test_public_feed_has_open_sessions_without_links(make, make_session, client):
    unit = make.unit("Law")
    make_session(title="Open to all", mode="online", location="", online_url="https://meet.example.org/private")
    make_session(title="Lawyers only", is_restricted=True, unit_ids=[unit.id])
    response = client.get("/feeds/sessions.ics")
    text = response.get_data(as_text=True)
    calendar = vobject.readOne(text)
    assert [e.summary.value for e in calendar.vevent_list] == ["Open to all"]
    assert "meet.example.org/private" not in text


# Radicale ------------------------------------------------------------------------------------

@pytest.fixture
def radicale(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{port}", "--auth-type", "none",
         "--storage-filesystem-folder", str(tmp_path / "collections"), "--logging-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, "Radicale", seconds=20)
        yield port
    finally:
        stop(process)


def _dav(port, method, path, body=b"", content_type="text/calendar; charset=utf-8"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    auth = base64.b64encode(b"ann:x").decode()
    connection.request(method, path, body=body, headers={"Authorization": f"Basic {auth}",
                                                         "Content-Type": content_type})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def test_radicale_accepts_the_feed_events(sign_in, make_session, app, client, radicale):
    learner_client, learner = sign_in("learner")
    sessions = [make_session(title=f"Session {n}", starts_at=datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)
                             + timedelta(days=n * 150)) for n in range(2)]
    for session in sessions:
        book(app, session.id, learner)
    feed = Calendar.from_ical(client.get(_feed_url(learner_client).split("localhost", 1)[1]).get_data())
    timezones = feed.walk("VTIMEZONE")
    assert _dav(radicale, "MKCALENDAR", "/ann/sessions/", b"", "application/xml")[0] == 201
    for n, event in enumerate(feed.walk("VEVENT")):
        single = Calendar()
        single.add("prodid", ical.PRODID)
        single.add("version", "2.0")
        for tz in timezones:
            single.add_component(tz)
        single.add_component(event)
        status, body = _dav(radicale, "PUT", f"/ann/sessions/event{n}.ics", single.to_ical())
        assert status == 201, body
    status, body = _dav(radicale, "GET", "/ann/sessions/event0.ics")
    assert status == 200
    stored = vobject.readOne(body.decode())
    assert stored.vevent.summary.value == "Session 0"
    assert stored.vevent.dtstart.value.astimezone(timezone.utc) == datetime(2027, 10, 31, 0, 30, tzinfo=timezone.utc)
    # The e-mailed invitation is the same event: Radicale refuses it beside the feed's copy (same UID)...
    invite = Calendar.from_ical(outbox(app, learner.email)[0].ics)
    del invite["METHOD"]  # as clients do when they file an invitation
    assert _dav(radicale, "PUT", "/ann/sessions/invite.ics", invite.to_ical())[0] == 409
    # ...and accepts it as a valid calendar object in a calendar of its own.
    assert _dav(radicale, "MKCALENDAR", "/ann/invites/", b"", "application/xml")[0] == 201
    assert _dav(radicale, "PUT", "/ann/invites/invite.ics", invite.to_ical())[0] == 201
