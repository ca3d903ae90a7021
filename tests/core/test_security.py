import pytest
from sqlalchemy import delete, func, select

from lit_platform import create_app
from lit_platform.audit import AuditEvent
from lit_platform.config import ConfigurationError
from lit_platform.extensions import db


PUBLIC_PAGES = ["/", "/account/login", "/account/register", "/account/password/forgot", "/accessibility"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_security_headers_on_every_page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    for directive in ["script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]:
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.get_data(as_text=True)  # no inline scripts for the CSP to block


def test_headers_on_error_pages_and_static_files(client):
    for path in ["/no-such-page", "/static/site.css"]:
        assert "frame-ancestors 'none'" in client.get(path).headers["Content-Security-Policy"]


def test_session_cookie_is_httponly_and_samesite(client):
    cookie = client.get("/account/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_secure_outside_development(make_app, monkeypatch):
    monkeypatch.delenv("LIT_ENV", raising=False)
    app = make_app(LIT_ENV="production", SECRET_KEY="x" * 40, LIT_BASE_URL="https://localhost")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    cookie = app.test_client().get("/account/login").headers["Set-Cookie"]
    assert "Secure" in cookie


def test_production_refuses_to_start_without_a_real_secret(monkeypatch):
    monkeypatch.setenv("LIT_ENV", "production")
    monkeypatch.delenv("LIT_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="LIT_SECRET_KEY"):
        create_app()
    monkeypatch.setenv("LIT_SECRET_KEY", "short")
    with pytest.raises(ConfigurationError):
        create_app()


def test_personal_pages_are_not_cached(sign_in):
    client, _ = sign_in("learner")
    assert client.get("/account/profile").headers["Cache-Control"] == "no-store"


def test_not_found_page_is_friendly_and_leaks_nothing(client):
    response = client.get("/admin/users/999999")
    assert response.status_code == 302  # anonymous: sent to sign in first
    response = client.get("/nothing/here")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "Page not found" in html and "Traceback" not in html


def test_server_error_page_leaks_nothing(make_app):
    app = make_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html and "secret internal detail" not in html and "Traceback" not in html


def test_every_view_declares_who_may_use_it(app):
    undeclared = [rule.endpoint for rule in app.url_map.iter_rules()
                  if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "access")]
    assert undeclared == []


def test_state_changing_routes_accept_only_post(app):
    """Only routes that show pages or forms answer GET; every action route is POST-only."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in {"accounts.logout", "core.keepalive", "admin.user_status", "sso.unlink",
                             "sso.link", "sso.unlink_mine"}:
            assert rule.methods - {"OPTIONS"} == {"POST"}, rule


def test_rate_limits_are_shared_through_redis_when_configured(make_app):
    """Two app servers sharing one Redis see each other's attempts."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    from ..conftest import Actions

    servers = [make_app(RATELIMIT_STORAGE_URI=url, LIT_LOGIN_RATE_LIMIT="3 per minute") for _ in range(2)]
    with servers[0].app_context():
        last_event = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    statuses = []
    try:
        for i in range(4):
            client = servers[i % 2].test_client()
            token = Actions(client).token("/account/login")
            statuses.append(client.post("/account/login", data={"email": "x@example.org", "password": "wrong",
                                                                "csrf_token": token}).status_code)
        assert statuses == [200, 200, 200, 429]
    finally:
        redis.Redis.from_url(url).flushdb()
        # These servers commit on the session's database: leave no audit events for other tests to count.
        with servers[0].app_context():
            db.session.execute(delete(AuditEvent).where(AuditEvent.id > last_event))
            db.session.commit()
