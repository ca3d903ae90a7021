"""A booking's calendar entry from the site, and cancelling through the platform's own confirmation page."""
import re
from datetime import timedelta

import vobject

from lit_platform.accounts.models import User
from lit_platform.bookings import services
from lit_platform.bookings.models import Session
from lit_platform.bookings.times import to_local
from lit_platform.core.types import utcnow
from lit_platform.extensions import db

from ..conftest import Actions
from .conftest import book, bookings_of, in_days, outbox


def _calendar_link(html: str) -> str:
    match = re.search(r'href="(/bookings/\d+/calendar\.ics)" download', html)
    assert match, "no calendar link on the page"
    return match.group(1)


def _move_by_half_an_hour(app, session_id: int, librarian_id: int) -> None:
    with app.app_context():
        s = db.session.get(Session, session_id)
        local, end = to_local(s.starts_at, "Europe/London"), to_local(s.ends_at, "Europe/London")
        data = services.SessionData(title=s.title, day=local.date(), start_time=local.time(),
                                    end_time=(end + timedelta(minutes=30)).time(), capacity=s.capacity,
                                    location="Room 9", facilitator_ids=[librarian_id])
        services.update_session(session_id, data, db.session.get(User, librarian_id))
        db.session.commit()


def test_download_matches_the_emailed_invitation_after_a_change(sign_in, make, make_session, app):
    librarian = make.user(roles=["librarian"])
    session = make_session(facilitator=librarian, title="Finding the evidence")
    client, learner = sign_in("learner")
    book(app, session.id, learner)
    _move_by_half_an_hour(app, session.id, librarian.id)

    from_session_page = _calendar_link(client.get(f"/sessions/{session.id}").get_data(as_text=True))
    from_my_bookings = _calendar_link(client.get("/bookings").get_data(as_text=True))
    assert from_session_page == from_my_bookings
    response = client.get(from_session_page)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    downloaded = vobject.readOne(response.get_data(as_text=True)).vevent
    latest_mail = vobject.readOne(outbox(app, learner.email)[-1].ics).vevent
    assert downloaded.uid.value == latest_mail.uid.value
    assert int(downloaded.sequence.value) == int(latest_mail.sequence.value) == 1
    assert downloaded.location.value == "Room 9" and downloaded.summary.value == "Finding the evidence"
    assert downloaded.dtstart.value == latest_mail.dtstart.value


def test_only_the_owner_of_a_place_can_download_its_entry(sign_in, make, make_session, app):
    session = make_session(capacity=1)
    owner_client, owner = sign_in("learner")
    book(app, session.id, owner)
    waiting_client, waiting = sign_in("learner")
    waiting_id, status = book(app, session.id, waiting)
    assert status == "waitlisted"
    link = _calendar_link(owner_client.get("/bookings").get_data(as_text=True))
    other_client, _ = sign_in("learner")
    librarian_client, _ = sign_in("librarian", "admin")
    assert other_client.get(link).status_code == 404
    assert librarian_client.get(link).status_code == 404
    assert app.test_client().get(link).status_code in (302, 401)
    waiting_page = waiting_client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "calendar.ics" not in waiting_page  # a waiting-list place has no calendar entry yet
    assert waiting_client.get(f"/bookings/{waiting_id}/calendar.ics").status_code == 404
    assert owner_client.get(link).status_code == 200


def test_cancelling_asks_on_a_page_of_its_own_and_keeps_the_place_on_no(sign_in, make_session, app):
    session = make_session(title="Appraising trials", starts_at=in_days(10))
    client, learner = sign_in("learner")
    book(app, session.id, learner)
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "data-confirm" not in page
    assert f'href="/sessions/{session.id}/cancel"' in page
    confirm = client.get(f"/sessions/{session.id}/cancel")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "<h1>Cancel your place?</h1>" in html
    assert "Yes, cancel my place" in html and f'href="/sessions/{session.id}"' in html
    assert bookings_of(app, session.id)[0][1] == "confirmed"  # asking changes nothing
    Actions(client).post(f"/sessions/{session.id}/cancel", page=f"/sessions/{session.id}/cancel")
    assert bookings_of(app, session.id)[0][1] == "cancelled"
    assert client.get(f"/sessions/{session.id}/cancel").status_code == 404  # nothing left to cancel


def test_cancel_page_for_the_waiting_list_and_after_the_cut_off(sign_in, make, make_session, app):
    full = make_session(capacity=1)
    book(app, full.id, make.user())
    client, learner = sign_in("learner")
    book(app, full.id, learner)
    html = client.get(f"/sessions/{full.id}/cancel").get_data(as_text=True)
    assert "<h1>Leave the waiting list?</h1>" in html and "Yes, leave the waiting list" in html
    soon = make_session(starts_at=utcnow() + timedelta(hours=5), cancel_cutoff_hours=24)
    book(app, soon.id, learner)
    html = client.get(f"/sessions/{soon.id}/cancel").get_data(as_text=True)
    assert "too late to cancel online" in html and "Yes, cancel" not in html
    stranger, _ = sign_in("learner")
    assert stranger.get(f"/sessions/{soon.id}/cancel").status_code == 404


def test_feed_page_explains_itself(sign_in):
    client, _ = sign_in("learner")
    html = client.get("/account/calendar").get_data(as_text=True)
    for words in ("Outlook", "Google Calendar", "Apple Calendar", "Subscribe from web", "From URL",
                  "anyone who has it can see your sessions", "the old one stops working"):
        assert words in html
