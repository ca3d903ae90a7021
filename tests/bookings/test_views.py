"""Learners' and librarians' pages through HTTP, with the access rules (no IDOR)."""
import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lit_platform.bookings.models import Booking, Session
from lit_platform.core.types import utcnow
from lit_platform.extensions import db

from ..conftest import Actions
from .conftest import book, bookings_of, outbox


def post(client, url, data=None, page="/sessions"):
    return Actions(client).post(url, data or {}, page=page)


# Learners ------------------------------------------------------------------------------------

def test_browse_filters_and_book_then_cancel(sign_in, make_session, app):
    client, learner = sign_in("learner")
    online = make_session(title="Searching PubMed online", mode="online", online_url="https://meet.example.org/abc",
                          location="", capacity=1)
    room = make_session(title="Critical appraisal", location="Room 4")
    html = client.get("/sessions").get_data(as_text=True)
    assert "Searching PubMed online" in html and "Critical appraisal" in html and "2 sessions." in html
    html = client.get("/sessions?mode=online").get_data(as_text=True)
    assert "Searching PubMed online" in html and "Critical appraisal" not in html
    assert "Critical appraisal" in client.get("/sessions?q=apprais").get_data(as_text=True)
    assert "1 place free" in client.get("/sessions?availability=places&mode=online").get_data(as_text=True)

    page = client.get(f"/sessions/{online.id}").get_data(as_text=True)
    assert "meet.example.org" not in page  # the link is for confirmed places only
    response = post(client, f"/sessions/{online.id}/book", page=f"/sessions/{online.id}")
    assert response.status_code == 302
    page = client.get(f"/sessions/{online.id}").get_data(as_text=True)
    assert "You have a place on this session." in page and "https://meet.example.org/abc" in page
    assert "You have a place" in client.get("/sessions").get_data(as_text=True)
    assert "Waiting list only" not in client.get("/sessions?availability=waitlist").get_data(as_text=True)
    assert "Searching PubMed online" in client.get("/sessions?availability=waitlist").get_data(as_text=True)

    html = client.get("/bookings").get_data(as_text=True)
    assert "Searching PubMed online" in html and "Confirmed" in html
    post(client, f"/sessions/{online.id}/cancel")
    assert bookings_of(app, online.id)[0][1] == "cancelled"
    assert "Your booking has been cancelled" in client.get(f"/sessions/{online.id}").get_data(as_text=True)
    assert room.id


def test_double_booking_shows_a_message(sign_in, make_session, app):
    client, _ = sign_in("learner")
    session = make_session()
    post(client, f"/sessions/{session.id}/book")
    post(client, f"/sessions/{session.id}/book")
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "You already have a place on this session." in html
    assert len(bookings_of(app, session.id)) == 1


def test_waitlist_page_shows_position(sign_in, make, make_session, app):
    session = make_session(capacity=1)
    book(app, session.id, make.user())
    client, _ = sign_in("learner")
    assert "Join the waiting list" in client.get(f"/sessions/{session.id}").get_data(as_text=True)
    post(client, f"/sessions/{session.id}/book")
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "You are number 1 on the waiting list" in html and "Leave the waiting list" in html
    assert "Waiting list, number 1" in client.get("/bookings").get_data(as_text=True)


def test_restricted_session_is_hidden_from_others(sign_in, make, make_session):
    unit = make.unit("Nursing")
    session = make_session(title="Nursing only", is_restricted=True, unit_ids=[unit.id])
    insider, _ = sign_in("learner", org_unit="Nursing / Year 2")
    outsider, _ = sign_in("learner")
    assert "Nursing only" in insider.get("/sessions").get_data(as_text=True)
    assert "Nursing only" not in outsider.get("/sessions").get_data(as_text=True)
    assert outsider.get(f"/sessions/{session.id}").status_code == 404
    assert post(outsider, f"/sessions/{session.id}/book").status_code == 404


def test_learner_cannot_cancel_anothers_booking_over_http(sign_in, make_session, app):
    owner_client, owner = sign_in("learner")
    intruder_client, _ = sign_in("learner")
    session = make_session()
    post(owner_client, f"/sessions/{session.id}/book")
    assert post(intruder_client, f"/sessions/{session.id}/cancel").status_code == 404
    assert bookings_of(app, session.id)[0][1] == "confirmed"


def test_cut_off_message_on_the_page(sign_in, make_session, app):
    client, _ = sign_in("learner")
    session = make_session(starts_at=utcnow() + timedelta(hours=3))
    post(client, f"/sessions/{session.id}/book")
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "too late to cancel online" in html and "Cancel my place" not in html
    post(client, f"/sessions/{session.id}/cancel")
    assert bookings_of(app, session.id)[0][1] == "confirmed"


def test_check_in_and_feedback_pages(sign_in, make_session, app):
    client, learner = sign_in("learner")
    session = make_session(starts_at=utcnow() - timedelta(minutes=50), minutes=60)
    with app.app_context():
        db.session.add(Booking(session_id=session.id, user_id=learner.id, status="confirmed", position=1))
        db.session.commit()
        code = db.session.get(Session, session.id).checkin_code
    page = client.get(f"/sessions/{session.id}/check-in?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in page
    response = post(client, f"/sessions/{session.id}/check-in", {"code": "NOPE"}, page=f"/sessions/{session.id}/check-in")
    assert "That code is not right" in response.get_data(as_text=True)
    response = post(client, f"/sessions/{session.id}/check-in", {"code": code})
    assert response.status_code == 302
    assert "You checked in at" in client.get(f"/sessions/{session.id}").get_data(as_text=True)

    form = client.get(f"/sessions/{session.id}/feedback").get_data(as_text=True)
    assert "How useful was the session for you?" in form
    response = post(client, f"/sessions/{session.id}/feedback", {"usefulness": "4"}, page=f"/sessions/{session.id}/feedback")
    html = response.get_data(as_text=True)
    assert "There are problems" in html and "Choose how confident you feel." in html
    response = post(client, f"/sessions/{session.id}/feedback", {"usefulness": "4", "confidence": "5",
                                                                 "would_recommend": "yes", "comment": "Great"})
    assert response.status_code == 302
    assert "already given feedback" in client.get(f"/sessions/{session.id}/feedback").get_data(as_text=True)


# Librarians ----------------------------------------------------------------------------------

def session_form(librarian_id, **changes):
    data = {"title": "Finding grey literature", "description": "Bring a *laptop*.", "course": "0",
            "facilitators": str(librarian_id), "day": "2030-03-14", "start_time": "14:00", "end_time": "15:30",
            "mode": "in_person", "location": "Training room", "online_url": "", "capacity": "12",
            "waitlist_enabled": "y", "booking_opens": "", "booking_closes": "", "cancel_cutoff_hours": "",
            "audience": "open", "repeat": "", "repeat_count": "", "repeat_until": "", "scope": "one"}
    data.update(changes)
    return data


def test_librarian_creates_edits_duplicates_and_cancels(sign_in, app, make):
    client, librarian = sign_in("librarian")
    assert "Schedule a session" in client.get("/manage/sessions/new").get_data(as_text=True)
    response = post(client, "/manage/sessions/new", session_form(librarian.id), page="/manage/sessions/new")
    assert response.status_code == 302
    with app.app_context():
        session = db.session.scalar(select(Session).where(Session.title == "Finding grey literature"))
        assert session.starts_at.hour == 14 and session.starts_at.tzinfo is not None  # 14:00 GMT in March
        assert session.description_html == "<p>Bring a <em>laptop</em>.</p>"
        session_id = session.id
    page = client.get(f"/manage/sessions/{session_id}").get_data(as_text=True)
    assert "Confirmed places (0 of 12)" in page and "Self check-in" in page
    assert '<svg class="qr" role="img"' in client.get(f"/manage/sessions/{session_id}/check-in-code").get_data(as_text=True)
    learner = make.user(email="lena@example.org")
    book(app, session_id, learner)
    response = post(client, f"/manage/sessions/{session_id}/edit",
                    session_form(librarian.id, start_time="15:00", end_time="16:30"),
                    page=f"/manage/sessions/{session_id}/edit")
    assert response.status_code == 302
    assert outbox(app, "lena@example.org")[-1].subject == "Session changed: Finding grey literature"
    duplicate = client.get(f"/manage/sessions/new?from={session_id}").get_data(as_text=True)
    assert 'value="Finding grey literature"' in duplicate and "Bookings are not copied" in duplicate
    response = post(client, f"/manage/sessions/{session_id}/cancel", {"reason": "Room flooded"},
                    page=f"/manage/sessions/{session_id}/cancel")
    assert response.status_code == 302
    assert "Room flooded" in outbox(app, "lena@example.org")[-1].body_text
    assert "Cancelled" in client.get("/manage/sessions/?when=cancelled").get_data(as_text=True)


def test_form_errors_sit_next_to_fields_with_a_summary(sign_in):
    client, librarian = sign_in("librarian")
    response = post(client, "/manage/sessions/new", session_form(librarian.id, day="2026-03-29", start_time="01:30",
                                                                 end_time="02:30"), page="/manage/sessions/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and 'href="#start_time"' in html
    assert re.search(r'id="start_time-error".*?01:30 on 29 March 2026 does not exist in Europe/London', html, re.S)
    response = post(client, "/manage/sessions/new", session_form(librarian.id, title="", mode="online"),
                    page="/manage/sessions/new")
    html = response.get_data(as_text=True)
    assert "Enter a title." in html


def test_ambiguous_time_is_accepted_with_a_note(sign_in, app):
    client, librarian = sign_in("librarian")
    response = post(client, "/manage/sessions/new", session_form(librarian.id, day="2026-10-25", start_time="01:30",
                                                                 end_time="02:30"), page="/manage/sessions/new")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "happens twice in Europe/London" in page and "(BST, before the change) was used" in page


def test_series_from_the_form(sign_in, app):
    client, librarian = sign_in("librarian")
    response = post(client, "/manage/sessions/new", session_form(librarian.id, repeat="fortnightly", repeat_count="3"),
                    page="/manage/sessions/new")
    assert response.status_code == 302
    with app.app_context():
        assert len(db.session.scalars(select(Session)).all()) == 3
    response = post(client, "/manage/sessions/new", session_form(librarian.id, repeat="weekly"),
                    page="/manage/sessions/new")
    assert "Give the number of sessions, or the date to repeat until." in response.get_data(as_text=True)


def test_bookings_waitlist_add_remove_message_register_export(sign_in, make, make_session, app):
    client, librarian = sign_in("librarian")
    session = make_session(facilitator=librarian, capacity=1, starts_at=utcnow() + timedelta(minutes=10))
    first, second = make.user(name="Ann Early", email="ann@example.org"), make.user(name="Bo Later")
    book(app, session.id, first)
    base = f"/manage/sessions/{session.id}"
    response = post(client, f"{base}/bookings", {"email": second.email}, page=base)
    assert response.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Confirmed places (1 of 1)" in page and "Waiting list (1)" in page
    tables = page[page.index("Confirmed places"):]
    assert tables.index("Ann Early") < tables.index("Waiting list (1)") < tables.index("Bo Later")
    response = post(client, f"{base}/bookings", {"email": "nobody@example.org"}, page=base)
    assert response.status_code == 400 and "no active account" in response.get_data(as_text=True)

    response = post(client, f"{base}/message", {"subject": "Room change", "body": "We are in room 5 now."},
                    page=f"{base}/message")
    assert response.status_code == 302
    assert [m.subject for m in outbox(app, "ann@example.org")][-1] == f"Room change ({session.title})"

    with app.app_context():
        ids = {b.user_id: b.id for b in db.session.scalars(select(Booking).where(Booking.session_id == session.id))}
    register = client.get(f"{base}/register").get_data(as_text=True)
    assert 'name="b%d"' % ids[first.id] in register and "Bo Later" not in register
    response = post(client, f"{base}/register", {f"b{ids[first.id]}": "late"}, page=f"{base}/register")
    assert response.status_code == 302
    assert "Late" in client.get(base).get_data(as_text=True)

    export = client.get(f"{base}/export.csv")
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["name"], r["status"], r["attendance"]) for r in rows] == [("Ann Early", "confirmed", "late"),
                                                                       ("Bo Later", "waitlisted", "")]
    sheet = client.get(f"{base}/sign-in-sheet").get_data(as_text=True)
    assert "Ann Early" in sheet and "Signature" in sheet and "Bo Later" not in sheet

    response = post(client, f"{base}/bookings/{ids[first.id]}/remove", {"reason": "Asked to"}, page=base)
    assert response.status_code == 302
    assert [s for _, s, _ in bookings_of(app, session.id)] == ["cancelled", "confirmed"]


STAFF_PAGES = ["", "/edit", "/register", "/message", "/cancel", "/export.csv", "/sign-in-sheet", "/check-in-code"]


@pytest.mark.parametrize("suffix", STAFF_PAGES)
def test_librarians_manage_only_their_own_sessions(sign_in, make_session, suffix):
    owner_client, owner = sign_in("librarian")
    other_client, _ = sign_in("librarian")
    manager_client, _ = sign_in("manager")
    learner_client, _ = sign_in("learner")
    session = make_session(facilitator=owner)
    url = f"/manage/sessions/{session.id}{suffix}"
    assert owner_client.get(url).status_code == 200
    assert manager_client.get(url).status_code == 200
    assert other_client.get(url).status_code == 403
    assert learner_client.get(url).status_code == 403
    assert owner_client.get(f"/manage/sessions/999999{suffix}").status_code == 404


def test_other_librarian_cannot_change_bookings_by_post(sign_in, make, make_session, app):
    owner_client, owner = sign_in("librarian")
    other_client, _ = sign_in("librarian")
    session = make_session(facilitator=owner)
    booking_id, _ = book(app, session.id, make.user())
    base = f"/manage/sessions/{session.id}"
    for url, data in [(f"{base}/bookings/{booking_id}/remove", {}), (f"{base}/bookings", {"email": "x@example.org"}),
                      (f"{base}/cancel", {}), (f"{base}/message", {"subject": "s", "body": "b"}),
                      (f"{base}/register", {f"b{booking_id}": "absent"})]:
        assert post(other_client, url, data).status_code == 403, url
    mine = make_session(facilitator=make.user(roles=["librarian"]))
    # A booking id from another session cannot be removed through this one.
    assert post(owner_client, f"{base.replace(str(session.id), str(session.id))}/bookings/{booking_id + 999}/remove"
                ).status_code == 404
    assert mine.id
    assert bookings_of(app, session.id)[0][1] == "confirmed"


def test_listing_shows_only_own_sessions_to_librarians(sign_in, make_session):
    client, librarian = sign_in("librarian")
    manager, _ = sign_in("manager")
    make_session(facilitator=librarian, title="Mine")
    make_session(title="Someone else's")
    html = client.get("/manage/sessions/").get_data(as_text=True)
    assert "Mine" in html and "Someone else&#39;s" not in html
    assert "Someone else&#39;s" in manager.get("/manage/sessions/").get_data(as_text=True)


def test_librarian_must_stay_a_facilitator(sign_in, make):
    client, librarian = sign_in("librarian")
    colleague = make.user(roles=["librarian"])
    response = post(client, "/manage/sessions/new", session_form(colleague.id), page="/manage/sessions/new")
    assert response.status_code == 400 and "Include yourself as a facilitator" in response.get_data(as_text=True)


def test_learners_cannot_reach_management(sign_in):
    client, _ = sign_in("learner")
    assert client.get("/manage/sessions/").status_code == 403
    assert client.get("/manage/sessions/new").status_code == 403
