"""The second round of hardening: each test names the weakness it closes."""
import re
import time
from email import message_from_bytes

import pytest
from sqlalchemy import select

from lit_platform import create_app
from lit_platform.cli import _server_name
from lit_platform.config import ConfigurationError
from lit_platform.core.urls import safe_next
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.outbox.services import build_email, texts_as_sent

from ..conftest import Actions, app_config

EVIL_TARGETS = ["/\\evil.example/phish", "/%5Cevil.example/phish", "//evil.example", "https://evil.example/",
                "javascript:alert(1)", "/\\/evil.example", "\\\\evil.example", "/\t/evil.example",
                "http:/evil.example", "evil.example", "/%09/evil.example"]


def reset_links(app, address):
    with app.app_context():
        bodies = [texts_as_sent(message)[0] for message in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id))]
    return [re.search(r"(\S+/account/password/reset/\S+)", body).group(1) for body in bodies]


# 1. Links in e-mail follow LIT_BASE_URL, never the Host header ---------------------------------------

def test_a_reset_link_is_built_on_the_base_url_whatever_host_the_request_names(app, client, make):
    make.user(email="hana@example.org")
    app.config["LIT_BASE_URL"] = "https://learning.library.example"
    forged = {"base_url": "http://attacker.example"}
    form = client.get("/account/password/forgot", **forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    answer = client.post("/account/password/forgot", data={"email": "hana@example.org", "csrf_token": token}, **forged)
    assert answer.status_code == 200
    [link] = reset_links(app, "hana@example.org")
    assert link.startswith("https://learning.library.example/account/password/reset/")


def test_production_answers_only_its_own_host_and_needs_a_base_url(make_app, monkeypatch):
    monkeypatch.setenv("LIT_ENV", "production")
    with pytest.raises(ConfigurationError, match="LIT_BASE_URL must be set"):
        make_app(LIT_ENV="production", SECRET_KEY="k" * 40, LIT_BASE_URL="")
    app = make_app(LIT_ENV="production", SECRET_KEY="k" * 40, LIT_BASE_URL="https://learning.library.example",
                   LIT_TRUSTED_HOSTS="lit.internal.example")
    client = app.test_client()
    assert client.get("/account/password/forgot", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/account/password/forgot", base_url="https://learning.library.example").status_code == 200
    assert client.get("/account/password/forgot", base_url="https://lit.internal.example").status_code == 200


def test_using_a_reset_link_voids_every_other_one(app, client, actions, make):
    user = make.user(email="ivo@example.org")
    for _ in range(2):
        actions.post("/account/password/forgot", {"email": "ivo@example.org"})
    older, newer = [link.removeprefix("http://localhost") for link in reset_links(app, "ivo@example.org")]
    assert actions.post(newer, {"password": "amber quarry lantern"}, page=newer).status_code == 302
    assert client.get(older).status_code == 404
    # Changing the password while signed in voids outstanding links too.
    actions.post("/account/password/forgot", {"email": "ivo@example.org"})
    pending = reset_links(app, "ivo@example.org")[-1].removeprefix("http://localhost")
    signed_in = Actions(app.test_client())
    signed_in.login(user.email, "amber quarry lantern")
    signed_in.post("/account/password", {"current_password": "amber quarry lantern",
                                         "new_password": "cobalt meadow thistle"}, page="/account/password")
    assert client.get(pending).status_code == 404


# 2. LIT_ENV fails closed --------------------------------------------------------------------------

@pytest.mark.parametrize("env", ["Production", "prod", "PRODUCTION", "live", ""])
def test_an_unknown_environment_is_refused(env):
    with pytest.raises(ConfigurationError, match="LIT_ENV"):
        create_app(app_config("sqlite://", LIT_ENV=env))


@pytest.mark.parametrize("key", ["development-only-secret-key", "short-key"])
def test_the_development_key_is_refused_outside_development(key):
    with pytest.raises(ConfigurationError, match="LIT_SECRET_KEY"):
        create_app(app_config("sqlite://", SECRET_KEY=key))
    assert create_app(app_config("sqlite://", LIT_ENV="development", SECRET_KEY=key)).config["LIT_ENV"] == "development"


# 5. An absolute session lifetime -------------------------------------------------------------------

def test_a_session_ends_after_the_maximum_hours_however_active(app, sign_in):
    client, _ = sign_in("learner")
    page = client.get("/account/profile").get_data(as_text=True)
    ends = int(re.search(r'data-session-ends="(\d+)"', page).group(1))
    assert abs(ends - (time.time() + 12 * 3600)) < 120
    assert 'id="session-end-warning"' in page
    with client.session_transaction() as session:
        session["signed_in"] -= 11 * 3600
        session["seen"] = int(time.time())
    assert client.get("/account/profile").status_code == 200
    with client.session_transaction() as session:
        session["signed_in"] -= 2 * 3600
        session["seen"] = int(time.time())  # active a moment ago: the idle limit is not what ends it
    response = client.get("/account/profile")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert "signed in more than 12 hours ago" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/account/profile").status_code == 302


# 6. Redirects stay on the site ---------------------------------------------------------------------

@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_no_redirect_parameter_leaves_the_site(app, make, target):
    assert safe_next(target) is None
    user = make.user()
    client = app.test_client()
    response = Actions(client).post(f"/account/login?next={target}", {"email": user.email,
                                                                      "password": "correct horse battery staple"},
                                    page="/account/login")
    location = response.headers.get("Location", "")
    assert response.status_code == 302 and location in ("/", "http://localhost/"), location


def test_the_quiz_review_link_back_to_the_module_stays_on_the_site(app, make, sign_in):
    quiz = make.quiz(is_published=True)
    client, _ = sign_in("learner")
    for target in EVIL_TARGETS:
        client.get(f"/quizzes/{quiz.id}", query_string={"return_to": target})
        with client.session_transaction() as session:
            assert str(quiz.id) not in session.get("quiz_return", {}), target
    client.get(f"/quizzes/{quiz.id}", query_string={"return_to": "/courses/searching/boolean"})
    with client.session_transaction() as session:
        assert session["quiz_return"][str(quiz.id)] == "/courses/searching/boolean"
    assert [t for t in ("/courses/x", "/courses/x?y=1#z") if safe_next(t) != t] == []


# 9. Transport ----------------------------------------------------------------------------------------

def test_production_sends_hsts_and_host_prefixed_cookies(make_app, monkeypatch):
    monkeypatch.setenv("LIT_ENV", "production")
    app = make_app(LIT_ENV="production", SECRET_KEY="k" * 40, LIT_BASE_URL="https://localhost")
    response = app.test_client().get("/account/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert app.config["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"
    quiet = make_app(LIT_ENV="production", SECRET_KEY="k" * 40, LIT_BASE_URL="https://localhost", LIT_HSTS_SECONDS=0)
    assert "Strict-Transport-Security" not in quiet.test_client().get("/account/login").headers


def test_development_sends_no_hsts_and_the_dev_server_names_no_versions(client):
    assert "Strict-Transport-Security" not in client.get("/account/login").headers
    assert _server_name(None) == "lit-platform"


# 14. Calendars -----------------------------------------------------------------------------------------

def test_calendar_attachments_and_feeds_state_their_charset_once():
    message = OutboxMessage(to_address="a@example.org", subject="Booked", body_text="Booked.",
                            ics="BEGIN:VCALENDAR\r\nSUMMARY:Café\r\nEND:VCALENDAR\r\n", ics_method="REQUEST")
    parsed = message_from_bytes(build_email(message, "lib@example.org").as_bytes())
    [calendar] = [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]
    assert calendar.get_content_charset() == "utf-8" and calendar.get_param("method") == "REQUEST"
    assert "Café" in calendar.get_payload(decode=True).decode(calendar.get_content_charset())


def test_the_public_feed_names_its_charset_once(client):
    content_type = client.get("/feeds/sessions.ics").headers["Content-Type"]
    assert content_type == "text/calendar; charset=utf-8"


# 11. Refusals and unknown accounts in the audit log --------------------------------------------------

def audit(app, action, after_id=0):
    from lit_platform.audit import AuditEvent
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.id > after_id)
                                  .order_by(AuditEvent.id)).all()


def test_refused_requests_and_unknown_sign_ins_are_audited_without_flooding(app, sign_in, client):
    from functools import partial

    from sqlalchemy import func

    from lit_platform.audit import AuditEvent
    with app.app_context():  # other tests' apps may have committed events to the same database
        audit = partial(globals()["audit"], after_id=db.session.scalar(select(func.max(AuditEvent.id))) or 0)
    learner_client, learner = sign_in("learner")
    assert learner_client.get("/admin/users").status_code == 403
    [forbidden] = audit(app, "request.forbidden")
    assert forbidden.actor_id == learner.id and forbidden.details["path"] == "/admin/users"
    assert forbidden.ip_address == "127.0.0.1"
    assert learner_client.get("/quizzes/987654").status_code == 404
    assert audit(app, "request.not_found")[0].details["path"] == "/quizzes/987654"
    assert learner_client.get("/no/such/page").status_code == 404
    assert len(audit(app, "request.not_found")) == 1  # only routes that name an object
    assert learner_client.post("/account/logout", data={"csrf_token": "forged"}).status_code == 400
    assert audit(app, "request.csrf_refused")[0].details["path"] == "/account/logout"

    Actions(client).post("/account/login", {"email": " Nobody.Here@Example.org", "password": "guess"},
                         page="/account/login")
    [unknown] = audit(app, "login.failed")
    assert unknown.details == {"reason": "unknown account", "email": "nobody.here@example.org"}

    for _ in range(60):
        learner_client.get("/admin/users")
    refusals = sum(len(audit(app, action)) for action in
                   ("request.forbidden", "request.not_found", "request.csrf_refused"))
    assert refusals == 30  # AUDITED_REFUSALS per address and minute
