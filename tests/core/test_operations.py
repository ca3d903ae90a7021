"""What an operator relies on: health and readiness probes, request ids, JSON logs and Prometheus metrics."""
from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from lit_platform import create_app
from lit_platform.config import ConfigurationError
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

from ..conftest import app_config
from ..servers import free_port

TOKEN = "metrics-token-" + "t" * 32


def _no_cookie_no_store(response) -> None:
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def _metric(body: str, name: str, **labels) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = "^" + re.escape(name + (f"{{{wanted}}}" if labels else "")) + r" (\S+)$"
    match = re.search(pattern, body, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


# Probes ------------------------------------------------------------------------------------------

def test_healthz_answers_without_a_cookie_or_caching(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    _no_cookie_no_store(response)


def test_readyz_reports_each_check(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "migrations": "ok",
                                                        "redis": "not configured"}}
    _no_cookie_no_store(response)


def test_readyz_fails_when_the_database_is_behind_the_migrations(app, client):
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["database"] == "ok"
    assert response.json["checks"]["migrations"].startswith("not at head")
    _no_cookie_no_store(response)


def test_readyz_fails_when_the_database_is_unreachable(caplog):
    port = free_port()  # nothing listens there
    app = create_app(app_config(f"postgresql://postgres@127.0.0.1:{port}/nothing"))
    with caplog.at_level(logging.CRITICAL, logger="lit_platform"):
        response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "unreachable", "migrations": "unknown",
                                       "redis": "not configured"}
    assert str(port) not in response.get_data(as_text=True)  # no connection details for the public
    with app.app_context():
        db.engine.dispose()


def test_readyz_checks_redis_when_configured(make_app, redis_server, caplog):
    response = make_app(LIT_REDIS_URL=redis_server).test_client().get("/readyz")
    assert response.status_code == 200 and response.json["checks"]["redis"] == "ok"
    dead = f"redis://127.0.0.1:{free_port()}/0"
    with caplog.at_level(logging.CRITICAL, logger="lit_platform"):
        response = make_app(LIT_REDIS_URL=dead).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "migrations": "ok", "redis": "unreachable"}


# Request ids and logs -----------------------------------------------------------------------------

def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c21-0001"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a9c21-0001"
    for junk in ("x", "has space in it", "a" * 200, "<script>alert(1)</script>", "\u00e9t\u00e9-1234567"):
        replaced = client.get("/healthz", headers={"X-Request-ID": junk}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", replaced), junk


@pytest.fixture
def json_log(database_url):
    """An app logging JSON, and what it wrote."""
    stream = io.StringIO()
    app = create_app(app_config(database_url, LIT_LOG_FORMAT="json"))
    root = logging.getLogger()
    (handler,) = [h for h in root.handlers if getattr(h, "lit_json", False)]
    handler.setStream(stream)

    @app.route("/test-only/log")
    def log_something():
        app.logger.warning("a booking was %s", "refused")
        app.logger.info("and explained")
        return "logged"

    log_something.access = "public"
    try:
        yield app, stream
    finally:
        root.removeHandler(handler)
        with app.app_context():
            db.engine.dispose()


def test_json_logs_carry_the_request_id_on_every_line(json_log):
    app, stream = json_log
    response = app.test_client().get("/test-only/log", headers={"X-Request-ID": "req-0123456789"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "req-0123456789"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["a booking was refused", "and explained"]
    assert all(line["request_id"] == "req-0123456789" for line in lines)
    assert {line["level"] for line in lines} == {"WARNING", "INFO"}
    assert all(line["logger"] == "lit_platform" and "time" in line for line in lines)


def test_an_unknown_log_format_is_refused(database_url):
    with pytest.raises(ConfigurationError, match="LIT_LOG_FORMAT"):
        create_app(app_config(database_url, LIT_LOG_FORMAT="xml"))


# Metrics -----------------------------------------------------------------------------------------

def test_metrics_count_requests_by_endpoint_not_by_address(client):
    before = client.get("/metrics").get_data(as_text=True)
    for slug in ("one", "two", "three"):
        client.get(f"/courses/{slug}/files/missing.png")
    client.get("/no/such/page")
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    _no_cookie_no_store(response)
    after = response.get_data(as_text=True)
    labels = {"endpoint": "courses.course_file", "method": "GET", "status": "404"}
    assert _metric(after, "lit_http_requests_total", **labels) - _metric(before, "lit_http_requests_total",
                                                                         **labels) == 3
    assert "/courses/one" not in after  # one series for the route, whatever the address
    assert _metric(after, "lit_http_requests_total", endpoint="none", method="GET", status="404") >= 1
    count = {"endpoint": "courses.course_file", "method": "GET"}
    assert _metric(after, "lit_http_request_duration_seconds_count", **count) - _metric(
        before, "lit_http_request_duration_seconds_count", **count) == 3


def test_metrics_show_the_outbox_queue(app, client):
    with app.app_context():
        now = utcnow()
        db.session.add_all([
            OutboxMessage(to_address="a@example.org", subject="s", body_text="b", status="pending",
                          created_at=now - timedelta(minutes=30)),
            OutboxMessage(to_address="b@example.org", subject="s", body_text="b", status="pending",
                          created_at=now - timedelta(minutes=5)),
            OutboxMessage(to_address="c@example.org", subject="s", body_text="b", status="failed", tries=5),
            OutboxMessage(to_address="d@example.org", subject="s", body_text="b", status="sent", sent_at=now),
        ])
        db.session.commit()
    body = client.get("/metrics").get_data(as_text=True)
    assert _metric(body, "lit_outbox_queue_depth") == 2
    assert 30 * 60 <= _metric(body, "lit_outbox_oldest_message_age_seconds") < 31 * 60
    assert _metric(body, "lit_outbox_failed_deliveries") == 1


def test_an_empty_outbox_has_no_age(client):
    body = client.get("/metrics").get_data(as_text=True)
    assert _metric(body, "lit_outbox_queue_depth") == 0
    assert "lit_outbox_oldest_message_age_seconds 0.0" in body


def test_metrics_are_hidden_from_other_addresses_unless_the_token_is_given(make_app):
    app = make_app(LIT_METRICS_TOKEN=TOKEN)
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.7"}
    response = client.get("/metrics", environ_base=outside)
    assert response.status_code == 404 and "lit_http" not in response.get_data(as_text=True)
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": "Bearer wrong-" + "t" * 40}).status_code == 404
    assert client.get("/metrics", environ_base=outside,
                      headers={"Authorization": f"Basic {TOKEN}"}).status_code == 404
    allowed = client.get("/metrics", environ_base=outside, headers={"Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200 and "lit_http_requests_total" in allowed.get_data(as_text=True)
    # Through a reverse proxy the site was not told about, 127.0.0.1 is the proxy: the address proves nothing.
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"}).status_code == 404
    assert client.get("/metrics").status_code == 200


def test_metrics_addresses_and_networks_are_configurable(make_app):
    client = make_app(LIT_METRICS_ALLOW="10.20.0.0/16, 2001:db8::1").test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.3.4"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "2001:db8::1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.21.0.1"}).status_code == 404
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is no longer listed


def test_bad_metrics_settings_are_refused(database_url):
    with pytest.raises(ConfigurationError, match="LIT_METRICS_ALLOW: 'intranet'"):
        create_app(app_config(database_url, LIT_METRICS_ALLOW="127.0.0.1,intranet"))
    with pytest.raises(ConfigurationError, match="LIT_METRICS_TOKEN"):
        create_app(app_config(database_url, LIT_METRICS_TOKEN="short"))
