"""Throttles outside sign-in (issue 17, point 7): the API, booking and cancelling, exports, check-in codes and
e-mail to one address. With the shipped limits a class working from one building's address never meets
one, and a script always does: it gets 429 with Retry-After, a page in words (JSON from the API), and
nothing changes."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from lit_platform.bookings.models import Booking, Session
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

from ..bookings.conftest import SessionFactory
from ..bookings.test_api import auth, token_for
from ..conftest import Actions
from ..factories import PASSWORD


def assert_refused(response, within: int = 60):
    """429 with a Retry-After of at most `within` seconds, and a page (or JSON) that says what to do."""
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= within + 1  # the store rounds the window's end up to a whole second
    if response.is_json:
        assert response.get_json()["error"]["code"] == "rate_limited"
    else:
        text = response.get_data(as_text=True)
        assert "Too many attempts" in text and re.search(r"Wait \d+ (seconds?|minutes|hours) and try again", text)


def ongoing_session(app, make, capacity=40, facilitator=None):
    """A session that started ten minutes ago, so its check-in is open."""
    return SessionFactory(app, make)(facilitator, starts_at=utcnow() - timedelta(minutes=10), minutes=90,
                                     capacity=capacity)


def checkin_code(app, session_id):
    with app.app_context():
        return db.session.get(Session, session_id).checkin_code


def booked_on(app, session_id, user_id, position=1):
    """A confirmed place, made before the session started (booking closes at the start)."""
    with app.app_context():
        db.session.add(Booking(session_id=session_id, user_id=user_id, status="confirmed", position=position))
        db.session.commit()


def confirmed(app, session_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Booking).where(
            Booking.session_id == session_id, Booking.status.in_(["confirmed", "attended", "late"])))


def test_a_class_on_one_address_books_checks_in_and_downloads_without_meeting_a_limit(app, make):
    """Thirty learners on the building's one address, with the shipped limits: each signs in, mistypes today's
    check-in code once and then checks in, and books next week's session; the facilitator downloads the
    register now and then."""
    lead = make.user("lead@example.org", roles=["librarian"])
    today = ongoing_session(app, make, facilitator=lead)
    next_week = SessionFactory(app, make)(lead, capacity=40)
    code = checkin_code(app, today.id)
    for n in range(30):
        learner = make.user(f"class{n}@example.org")
        booked_on(app, today.id, learner.id, position=n + 1)
        actions = Actions(app.test_client())
        assert actions.login(learner.email).status_code == 302
        url = f"/sessions/{today.id}/check-in"
        wrong = actions.post(url, {"code": "ZZZZZZ"}, page=url)
        assert wrong.status_code == 200 and "not right" in wrong.get_data(as_text=True)
        assert actions.post(url, {"code": code}, page=url).status_code == 302
        page = f"/sessions/{next_week.id}"
        assert actions.post(f"{page}/book", page=page).status_code == 302
    assert confirmed(app, next_week.id) == 30
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Booking).where(
            Booking.session_id == today.id, Booking.checked_in_at.is_not(None))) == 30
    facilitator = Actions(app.test_client())
    facilitator.login(lead.email)
    for session in (today, next_week, today):
        assert facilitator.client.get(f"/manage/sessions/{session.id}/export.csv").status_code == 200


def test_a_script_guessing_a_check_in_code_is_stopped(app, make, sign_in):
    session = ongoing_session(app, make)
    client, learner = sign_in("learner")
    booked_on(app, session.id, learner.id)
    actions = Actions(client)
    url = f"/sessions/{session.id}/check-in"
    token = actions.token(url)
    answers = [client.post(url, data={"code": f"AAAA{n:02d}", "csrf_token": token}) for n in range(11)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    assert_refused(answers[10])
    # The right code is refused too until the minute is over: guessing cannot go on alongside.
    assert_refused(client.post(url, data={"code": checkin_code(app, session.id), "csrf_token": token}))
    # Someone else in the room (the same address) checks in as usual.
    other, someone = sign_in("learner")
    booked_on(app, session.id, someone.id, position=2)
    other_actions = Actions(other)
    assert other_actions.post(url, {"code": checkin_code(app, session.id)}, page=url).status_code == 302


def test_a_script_booking_and_cancelling_in_a_loop_is_stopped(app, make, sign_in):
    session = SessionFactory(app, make)()
    client, _ = sign_in("learner")
    actions = Actions(client)
    token = actions.token(f"/sessions/{session.id}")
    statuses = []
    for n in range(21):
        action = "book" if n % 2 == 0 else "cancel"
        statuses.append(client.post(f"/sessions/{session.id}/{action}", data={"csrf_token": token}))
    assert [s.status_code for s in statuses[:20]] == [302] * 20
    assert_refused(statuses[20])
    assert confirmed(app, session.id) == 0  # the refused booking was not made
    with app.app_context():
        mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert mails <= 20


def test_an_api_script_gets_429_in_json_and_a_dashboard_never_does(app, make, client):
    make.user(email="script@example.org")
    make.user(email="dashboard@example.org")
    script = auth(token_for(app, "script@example.org"))
    dashboard = auth(token_for(app, "dashboard@example.org"))
    answers = [client.get("/api/v1/me/bookings", headers=script) for _ in range(301)]
    assert {a.status_code for a in answers[:300]} == {200}
    assert_refused(answers[300])
    # Another caller on the same address, polling as a dashboard does, is not affected.
    assert client.get("/api/v1/sessions", headers=dashboard).status_code == 200
    assert_refused(client.get("/api/v1/sessions", headers=script))


def test_api_booking_shares_the_booking_limit_and_token_guessing_meets_the_address_limit(app, make, client):
    session = SessionFactory(app, make)()
    make.user(email="api-booker@example.org")
    headers = auth(token_for(app, "api-booker@example.org"))
    url = f"/api/v1/sessions/{session.id}/bookings"
    answers = [(client.post if n % 2 == 0 else client.delete)(url, headers=headers) for n in range(21)]
    assert [a.status_code for a in answers[:20]] == [201, 200] * 10
    assert_refused(answers[20])

    app.config["LIT_ADDRESS_RATE_LIMIT"] = "25 per minute"
    guesses = [client.get("/api/v1/sessions", headers=auth(f"lit_guess{n:04d}"))
               for n in range(25)]
    assert {g.status_code for g in guesses} == {401}
    assert_refused(client.get("/api/v1/sessions", headers=auth("lit_guess9999")))


def test_exports_are_limited_per_account_across_every_kind(app, make, sign_in):
    client, librarian = sign_in("librarian")
    session = SessionFactory(app, make)(facilitator=librarian)
    answers = [client.get(f"/manage/sessions/{session.id}/export.csv") for _ in range(31)]
    assert {a.status_code for a in answers[:30]} == {200}
    assert answers[0].mimetype == "text/csv"
    assert_refused(answers[30])
    # The same allowance covers every download, so a script cannot move on to another kind.
    assert_refused(client.get("/bank/gift/export"))
    other, _ = sign_in("librarian")
    assert other.get("/bank/gift/export").status_code == 200


def test_reset_mail_to_one_address_is_limited_whoever_asks_and_from_wherever(app, make):
    """Many requests for one victim's address from many client addresses: five e-mails, then 429 - the same
    for an address with an account and one without, so the refusal tells nothing about accounts."""
    make.user(email="victim@example.org")

    def ask(email, address):
        client = app.test_client()
        token = Actions(client).token("/account/password/forgot")
        return client.post("/account/password/forgot", data={"email": email, "csrf_token": token},
                           environ_base={"REMOTE_ADDR": address})

    for email in ("victim@example.org", "nobody-here@example.org"):
        answers = [ask(email.upper() if n % 2 else email, f"198.51.100.{n + 1}") for n in range(6)]
        assert [a.status_code for a in answers[:5]] == [200] * 5
        assert_refused(answers[5], within=3600)
    with app.app_context():
        sent = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.to_address == "victim@example.org"))
    assert sent == 5
    # Registration e-mails to the same address share the allowance.
    client = app.test_client()
    token = Actions(client).token("/account/register")
    response = client.post("/account/register", data={"email": "victim@example.org", "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "198.51.100.99"})
    assert_refused(response, within=3600)
    # Someone else asking for their own address is not affected.
    assert ask("someone.else@example.org", "198.51.100.1").status_code == 200


def test_the_sign_in_limit_says_when_to_come_back(app, client):
    app.config["LIT_LOGIN_RATE_LIMIT"] = "2 per minute"
    actions = Actions(client)
    token = actions.token("/account/login")
    answers = [client.post("/account/login", data={"email": "x@example.org", "password": PASSWORD,
                                                    "csrf_token": token}) for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_refused(answers[2])
