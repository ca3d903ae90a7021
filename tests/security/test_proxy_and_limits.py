"""Rate limits in a normal deployment (issue 17, point 4): behind a reverse proxy, with several app processes.

The app reads the client's address from X-Forwarded-For only as many hops back as LIT_PROXY_HOPS says
(ProxyFix), so limits and the audit log see each client, not the proxy, and a client cannot pick its own
address. Counts kept in memory are per process, so production refuses several workers without Redis.
The last test runs the real thing: nginx in front of two gunicorn processes sharing Redis.
"""
from __future__ import annotations

import http.client
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from lit_platform import create_app
from lit_platform.audit import AuditEvent
from lit_platform.config import ConfigurationError, check_rate_limit_storage, declared_workers
from lit_platform.extensions import db

from ..conftest import PROJECT_ROOT, Actions, app_config
from ..factories import PASSWORD, Factories
from ..servers import free_port, stop, wait_for_port

PRODUCTION = {"LIT_ENV": "production", "LIT_BASE_URL": "https://learning.library.example", "LIT_REDIS_URL": ""}


def failed_sign_in_addresses(app, email=None) -> list[str]:
    """The addresses of failed sign-ins in the audit log (for one unknown account's address, when given)."""
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")
                                    .order_by(AuditEvent.id)).all()
        return [e.ip_address for e in events if email is None or (e.details or {}).get("email") == email]


def fail_sign_in(client, email, headers=None):
    token = Actions(client).token("/account/login")
    return client.post("/account/login", data={"email": email, "password": "not the password",
                                               "csrf_token": token}, headers=headers or {})


# The address the app sees ----------------------------------------------------------------------------

def test_without_a_proxy_a_forged_forwarded_for_is_ignored(app, client):
    """LIT_PROXY_HOPS=0 (the default): the header is the client's own word, so it counts for nothing."""
    app.config["LIT_LOGIN_ADDRESS_RATE_LIMIT"] = "3 per minute"
    email = "hops-zero@example.org"
    statuses = [fail_sign_in(client, email, {"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]  # a new forged address each time does not escape the limit
    assert failed_sign_in_addresses(app, email) == ["127.0.0.1"] * 3


def test_behind_one_proxy_the_client_address_is_the_one_the_proxy_added(make_app):
    """LIT_PROXY_HOPS=1: the last X-Forwarded-For entry (the one the proxy appended) is the client; anything the
    client wrote before it is ignored."""
    app = make_app(LIT_PROXY_HOPS="1", LIT_LOGIN_ADDRESS_RATE_LIMIT="2 per minute")
    client = app.test_client()
    email = "hops-one@example.org"
    try:
        # What nginx sends for a client at 192.0.2.10 that forged "203.0.113.7" itself.
        through_proxy = {"X-Forwarded-For": "203.0.113.7, 192.0.2.10"}
        assert [fail_sign_in(client, email, through_proxy).status_code for _ in range(3)] == [200, 200, 429]
        # Another client behind the same proxy (the same REMOTE_ADDR) is not affected.
        assert fail_sign_in(client, email, {"X-Forwarded-For": "192.0.2.11"}).status_code == 200
        assert failed_sign_in_addresses(app, email) == ["192.0.2.10", "192.0.2.10", "192.0.2.11"]
    finally:  # this app commits on the session's database: leave no events for other tests to count
        with app.app_context():
            db.session.execute(delete(AuditEvent).where(AuditEvent.ip_address.in_(["192.0.2.10", "192.0.2.11"])))
            db.session.commit()


@pytest.mark.parametrize("value", ["two", "-1", "1.5"])
def test_a_proxy_hop_count_that_is_not_a_whole_number_is_refused(value):
    with pytest.raises(ConfigurationError, match="LIT_PROXY_HOPS"):
        create_app(app_config("sqlite://", LIT_PROXY_HOPS=value))


# Several processes without Redis -------------------------------------------------------------------

@pytest.mark.parametrize("argv, environ, workers", [
    (["gunicorn", "--workers", "4", "lit_platform:create_app()"], {}, 4),
    (["/usr/bin/gunicorn", "-w", "2", "-k", "gthread", "lit_platform:create_app()"], {}, 2),
    (["gunicorn", "lit_platform:create_app()"], {"WEB_CONCURRENCY": "3"}, 3),
    (["gunicorn", "lit_platform:create_app()"], {"GUNICORN_CMD_ARGS": "--workers=5"}, 5),
    (["gunicorn", "lit_platform:create_app()"], {}, 1),
    (["/venv/lib/python3.11/site-packages/gunicorn/__main__.py", "-w", "3", "x:y"], {}, 3),  # python -m gunicorn
    (["gunicorn", "-c", "deploy/gunicorn.conf.py", "lit_platform:create_app()"], {}, None),
    (["uwsgi", "--processes", "4"], {}, None),
])
def test_the_worker_count_is_read_as_gunicorn_reads_it(monkeypatch, argv, environ, workers):
    for name in ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert declared_workers({}, argv) == workers
    assert declared_workers({"LIT_WORKERS": "6"}, argv) == 6  # LIT_WORKERS, when set, is taken as it is


def test_production_refuses_several_workers_without_redis_and_warns_when_it_cannot_tell(monkeypatch, caplog):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    several = ["gunicorn", "--workers", "4", "lit_platform:create_app()"]
    with pytest.raises(ConfigurationError, match="4 worker processes and no LIT_REDIS_URL"):
        check_rate_limit_storage(PRODUCTION, several)
    with pytest.raises(ConfigurationError, match="LIT_REDIS_URL"):
        check_rate_limit_storage({**PRODUCTION, "LIT_WORKERS": "2"}, ["python"])
    # Redis shared, one worker, or not production: nothing to say.
    with caplog.at_level(logging.WARNING, logger="lit_platform"):
        check_rate_limit_storage({**PRODUCTION, "LIT_REDIS_URL": "redis://127.0.0.1:6379/0"}, several)
        check_rate_limit_storage(PRODUCTION, ["gunicorn", "--workers", "1", "lit_platform:create_app()"])
        check_rate_limit_storage({**PRODUCTION, "LIT_ENV": "testing"}, several)
        check_rate_limit_storage(PRODUCTION, ["/usr/local/bin/lit", "outbox", "send"])  # cron jobs serve nothing
        assert caplog.records == []
        # A server whose process count cannot be known: start, saying why limits may be per process.
        check_rate_limit_storage(PRODUCTION, ["uwsgi"])
    [warning] = caplog.records
    assert "rate limits are counted in this process's memory" in warning.getMessage()


# The real deployment: nginx, two gunicorn processes, Redis -------------------------------------------

def find_nginx() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


NGINX_CONF = """\
{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream lit {{
        server 127.0.0.1:{first};
        server 127.0.0.1:{second};
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://lit;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def production_environment(database_url: str, redis_url: str, **extra) -> dict:
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith("LIT_") and key not in ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS")}
    environ.update({
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "PYTHONUNBUFFERED": "1",  # the access log is read while the servers run
        "LIT_ENV": "production",
        "LIT_SECRET_KEY": "proxy-test-secret-key-0123456789abcdef0123456789",
        "LIT_PSEUDONYM_KEY": "proxy-test-pseudonym-key-0123456789abcdef012345",
        "LIT_BASE_URL": "https://learning.library.example",
        "LIT_DATABASE_URL": database_url,
        "LIT_REDIS_URL": redis_url,
        "LIT_PROXY_HOPS": "1",
        "LIT_LOGIN_RATE_LIMIT": "100 per minute",
        "LIT_LOGIN_ADDRESS_RATE_LIMIT": "4 per minute",
    })
    environ.update(extra)
    return environ


def gunicorn(port: int, environ: dict, log: Path, workers: int = 1) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
                                 str(workers), "--access-logfile", "-", "lit_platform:create_app()"],
                                cwd=str(PROJECT_ROOT), env=environ, stdout=output, stderr=subprocess.STDOUT)


class Browser:
    """A client at its own loopback address (127.0.0.2, 127.0.0.3 ...), so the proxy sees a distinct client,
    keeping its cookies and the CSRF token of its sign-in page."""

    def __init__(self, port: int, source: str):
        self.port = port
        self.source = source
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                                source_address=(self.source, 0))
        sent = {"Host": "learning.library.example"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response, text

    def sign_in(self, password: str, headers: dict | None = None):
        if not self.token:
            response, text = self.request("GET", "/account/login")
            assert response.status == 200, text[:500]
            self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text).group(1)
        from urllib.parse import urlencode

        body = urlencode({"email": "pat@example.org", "password": password, "csrf_token": self.token})
        response, _ = self.request("POST", "/account/login", body, headers)
        return response


@pytest.fixture
def deployment(committed_url, redis_server, tmp_path):
    """nginx on a free port in front of two gunicorn processes (LIT_ENV=production, LIT_PROXY_HOPS=1) that share
    one Redis; the database is migrated to head and committed."""
    nginx = find_nginx()
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light): the real-proxy test needs it")
    import redis

    redis.Redis.from_url(redis_server).flushdb()
    app = create_app(app_config(committed_url))
    Factories(app).user("pat@example.org", "Pat Proxy")
    ports = [free_port(), free_port()]
    environ = production_environment(committed_url, redis_server)
    servers = [gunicorn(port, environ, tmp_path / f"gunicorn-{n}.log") for n, port in enumerate(ports)]
    proxy_port = free_port()
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, tmp=tmp_path, first=ports[0], second=ports[1], port=proxy_port))
    proxy = None
    try:
        for n, (server, port) in enumerate(zip(servers, ports)):
            wait_for_port(port, server, "gunicorn", tmp_path / f"gunicorn-{n}.log")
        with (tmp_path / "nginx.out").open("w") as output:
            command = [nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "error.log"),
                       "-g", "daemon off;"]
            proxy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=output)
        try:
            wait_for_port(proxy_port, proxy, "nginx", tmp_path / "nginx.out", seconds=20)
        except pytest.fail.Exception as problem:
            pytest.skip(f"nginx could not be started here: {problem}")
        yield app, proxy_port, [tmp_path / f"gunicorn-{n}.log" for n in range(2)]
    finally:
        if proxy is not None:
            stop(proxy)
        for server in servers:
            stop(server)
        with app.app_context():
            from ..browser.conftest import empty_all_tables

            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


def test_behind_nginx_two_processes_and_redis_count_each_client_and_log_its_address(deployment):
    app, port, logs = deployment
    alice, bob = Browser(port, "127.0.0.2"), Browser(port, "127.0.0.3")
    # Alice's failures, alternating between the two processes, are counted together: four, then 429.
    answers = [alice.sign_in("wrong password") for _ in range(5)]
    assert [a.status for a in answers] == [200, 200, 200, 200, 429]
    assert 1 <= int(answers[4].getheader("Retry-After")) <= 61
    # Writing another address into X-Forwarded-For does not help: nginx appends the real one, which is read.
    assert alice.sign_in("wrong password", {"X-Forwarded-For": "127.0.0.9"}).status == 429
    # Bob, behind the same proxy, is another client: he fails once and then signs in.
    assert bob.sign_in("wrong password").status == 200
    assert bob.sign_in(PASSWORD).status == 302
    # Both processes served the sign-ins (nginx alternates), so the count was shared through Redis.
    for _ in range(50):  # gunicorn writes an access-log line just after the response has gone
        served = [log.read_text().count('"POST /account/login') for log in logs]
        if sum(served) == 8:
            break
        time.sleep(0.1)
    assert min(served) >= 2 and sum(served) == 8, served
    # The audit log records each client's own address, never the proxy's.
    assert failed_sign_in_addresses(app) == ["127.0.0.2"] * 4 + ["127.0.0.3"]  # this database has no others


def test_production_gunicorn_with_two_workers_and_no_redis_refuses_to_start(tmp_path):
    log = tmp_path / "gunicorn.log"
    environ = production_environment(f"sqlite:///{tmp_path / 'lit.sqlite3'}", "")
    process = gunicorn(free_port(), environ, log, workers=2)
    try:
        process.wait(90)
    except subprocess.TimeoutExpired:
        stop(process)
        pytest.fail("gunicorn kept running with two workers and no LIT_REDIS_URL")
    assert process.returncode != 0
    assert "2 worker processes and no LIT_REDIS_URL" in log.read_text()
