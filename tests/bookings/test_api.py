"""The JSON API with personal tokens; CSRF applies only to cookie-authenticated calls."""
from datetime import timedelta

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from lit_platform.bookings.models import ApiToken
from lit_platform.cli import main as lit
from lit_platform.core.types import utcnow
from lit_platform.extensions import db

from ..conftest import Actions
from .conftest import bookings_of


def token_for(app, email):
    result = CliRunner().invoke(lit, ["tokens", "create", "--email", email], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_openapi_document_is_served_and_lists_the_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/sessions", "/sessions/{id}", "/sessions/{id}/bookings", "/me/bookings",
                                  "/reports/{kind}"}
    assert set(spec["paths"]["/sessions/{id}/bookings"]) >= {"post", "delete"}
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_token_is_printed_last_and_only_its_hash_is_stored(app, make):
    user = make.user(email="api@example.org")
    token = token_for(app, "api@example.org")
    assert token.startswith("lit_") and len(token) > 40
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
        assert row.token_hash != token and token not in row.token_hash and row.prefix == token[:12]
    result = CliRunner().invoke(lit, ["tokens", "create", "--email", "nobody@example.org"],
                                obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 1 and "no active account" in result.output


def test_sessions_detail_book_conflict_cancel_and_my_bookings(app, make, make_session, client):
    make.user(email="kim@example.org")
    token = token_for(app, "kim@example.org")
    session = make_session(title="API workshop", capacity=1, mode="online", location="",
                           online_url="https://meet.example.org/api")
    listing = client.get("/api/v1/sessions", headers=auth(token))
    assert listing.status_code == 200 and listing.headers["Cache-Control"] == "no-store"
    assert [(s["id"], s["title"]) for s in listing.get_json()["sessions"]] == [(session.id, "API workshop")]
    detail = client.get(f"/api/v1/sessions/{session.id}", headers=auth(token)).get_json()
    assert (detail["capacity"], detail["confirmed"], detail["waitlisted"]) == (1, 0, 0)
    assert "meet.example.org" not in str(detail)

    created = client.post(f"/api/v1/sessions/{session.id}/bookings", headers=auth(token))
    assert created.status_code == 201
    assert created.get_json()["status"] == "confirmed" and created.get_json()["online_url"] == "https://meet.example.org/api"
    again = client.post(f"/api/v1/sessions/{session.id}/bookings", headers=auth(token))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_booked"

    make.user(email="lee@example.org")
    other = token_for(app, "lee@example.org")
    waiting = client.post(f"/api/v1/sessions/{session.id}/bookings", headers=auth(other)).get_json()
    assert waiting["status"] == "waitlisted" and waiting["position"] == 1 and waiting["online_url"] is None
    detail = client.get(f"/api/v1/sessions/{session.id}", headers=auth(token)).get_json()
    assert (detail["confirmed"], detail["waitlisted"]) == (1, 1)

    cancelled = client.delete(f"/api/v1/sessions/{session.id}/bookings", headers=auth(token))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert client.delete(f"/api/v1/sessions/{session.id}/bookings", headers=auth(token)).status_code == 404
    mine = client.get("/api/v1/me/bookings", headers=auth(other)).get_json()["bookings"]
    assert [(b["session_id"], b["status"], b["position"]) for b in mine] == [(session.id, "confirmed", None)]


def test_errors_are_json(app, make, make_session, client):
    make.user(email="err@example.org")
    token = token_for(app, "err@example.org")
    no_token = client.get("/api/v1/sessions")
    assert no_token.status_code == 401 and no_token.get_json()["error"]["code"] == "unauthenticated"
    assert "Bearer" in no_token.headers["WWW-Authenticate"]
    wrong = client.get("/api/v1/sessions", headers=auth("lit_wrong"))
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "invalid_token"
    assert client.get("/api/v1/sessions", headers={"Authorization": "Basic abc"}).status_code == 401
    missing = client.get("/api/v1/sessions/999999", headers=auth(token))
    assert missing.status_code == 404 and missing.get_json()["error"]["message"]
    assert client.get("/api/v1/nothing", headers=auth(token)).get_json()["error"]["code"] == "not_found"
    past = make_session(starts_at=utcnow() - timedelta(hours=1), minutes=120)
    closed = client.post(f"/api/v1/sessions/{past.id}/bookings", headers=auth(token))
    assert closed.status_code == 409 and "already started" in closed.get_json()["error"]["message"]


def test_restricted_sessions_are_invisible_to_outsiders(app, make, make_session, client):
    unit = make.unit("Radiology")
    make.user(email="out@example.org")
    token = token_for(app, "out@example.org")
    session = make_session(is_restricted=True, unit_ids=[unit.id])
    assert client.get("/api/v1/sessions", headers=auth(token)).get_json()["sessions"] == []
    assert client.get(f"/api/v1/sessions/{session.id}", headers=auth(token)).status_code == 404
    assert client.post(f"/api/v1/sessions/{session.id}/bookings", headers=auth(token)).status_code == 404


def test_revoked_tokens_stop_working_and_users_manage_their_own(app, sign_in, client):
    browser, user = sign_in("learner")
    page = Actions(browser).post("/account/api-tokens", {"name": "Dashboard"}, page="/account/calendar")
    html = page.get_data(as_text=True)
    token = html[html.index('id="new-token">') + len('id="new-token">'):html.index("</code>", html.index('id="new-token">'))]
    assert client.get("/api/v1/me/bookings", headers=auth(token)).status_code == 200
    tokens_page = browser.get("/account/calendar").get_data(as_text=True)
    assert "Dashboard" in tokens_page and "Never" not in tokens_page  # last used: just now
    assert token not in browser.get("/account/calendar").get_data(as_text=True)  # shown once only
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    intruder, _ = sign_in("learner")
    assert Actions(intruder).post(f"/account/api-tokens/{token_id}/revoke", {}, page="/account/calendar").status_code == 404
    assert client.get("/api/v1/me/bookings", headers=auth(token)).status_code == 200
    Actions(browser).post(f"/account/api-tokens/{token_id}/revoke", {}, page="/account/calendar")
    assert client.get("/api/v1/me/bookings", headers=auth(token)).status_code == 401


def test_csrf_applies_to_cookie_calls_but_not_to_token_calls(app, sign_in, make_session, client):
    browser, user = sign_in("learner")
    session = make_session()
    refused = browser.post(f"/api/v1/sessions/{session.id}/bookings")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    assert bookings_of(app, session.id) == []
    token = Actions(browser).token("/sessions")
    accepted = browser.post(f"/api/v1/sessions/{session.id}/bookings", headers={"X-CSRFToken": token})
    assert accepted.status_code == 201
    assert browser.get("/api/v1/me/bookings").status_code == 200  # reading needs no token
    # A bearer call needs no CSRF token, and HTML forms still do.
    other = make_session()
    assert client.post(f"/sessions/{other.id}/book").status_code in (302, 400)
    signed_in_form = browser.post(f"/sessions/{other.id}/book")
    assert signed_in_form.status_code == 400
