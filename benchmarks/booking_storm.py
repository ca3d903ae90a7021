#!/usr/bin/env python
"""The booking storm: many learners book the same session at the same moment, over HTTP.

    python benchmarks/booking_storm.py [--requests 500] [--places 50] [--database postgresql|sqlite]

Creates a fresh database, one session with --places places and --requests learners (each with the
session cookie and CSRF token their browser would hold after signing in), serves benchmarks/wsgi.py
with gunicorn (gthread, 2 workers x 4 threads) on 127.0.0.1, then releases every request at once
through the product's own booking form. It reports bookings per second, latency percentiles and the
exact counts, checks that nobody was overbooked, that the waiting list is in arrival order and that
each learner got exactly one e-mail, prints a Markdown summary and writes JSON to
benchmarks/results/. Only 127.0.0.1 is requested; the run is bounded by --requests. See
benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
POSTGRES_ADMIN_URL = os.environ.get("LIT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
GUNICORN_WORKERS, GUNICORN_THREADS = 2, 4  # as in run.py and the README's deployment example


def log(message: str) -> None:
    print(f"[storm] {message}", file=sys.stderr, flush=True)


# Database and server (self-contained, so that this script does not depend on run.py's internals) --

def create_database(kind: str, tmp: Path, cleanup: contextlib.ExitStack) -> tuple[str, str]:
    """A fresh, empty database; returns its URL and the server's version. Dropped by `cleanup`."""
    if kind == "sqlite":
        import sqlite3

        return f"sqlite:///{tmp / 'storm.sqlite3'}", f"SQLite {sqlite3.sqlite_version}"
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"lit_storm_{secrets.token_hex(5)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        version = conn.execute("show server_version").fetchone()[0]

    def drop():
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")

    cleanup.callback(drop)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    return url, f"PostgreSQL {version.split()[0]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, tmp: Path, cleanup: contextlib.ExitStack, secret_key: str) -> tuple[int, Path]:
    """Serve benchmarks/wsgi.py on a free port of 127.0.0.1; returns the port and the error log."""
    port, logfile = free_port(), tmp / "gunicorn.log"
    env = dict(os.environ, LIT_DATABASE_URL=database_url, LIT_SECRET_KEY=secret_key,
               LIT_INSTANCE_PATH=str(tmp / "instance"), LIT_BASE_URL=f"http://127.0.0.1:{port}",
               LIT_REDIS_URL=os.environ.get("LIT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
               LIT_PSEUDONYM_KEY=secrets.token_hex(32), LIT_BENCH_RATELIMIT_PREFIX=f"lit-storm-{secrets.token_hex(4)}")
    command = [sys.executable, "-m", "gunicorn", "-k", "gthread", "--workers", str(GUNICORN_WORKERS),
               "--threads", str(GUNICORN_THREADS), "--bind", f"127.0.0.1:{port}", "--chdir", str(HERE),
               "--backlog", "2048", "--graceful-timeout", "5", "--error-logfile", str(logfile), "wsgi:app"]
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, start_new_session=True)

    def stop():
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log(f"stopped gunicorn (pid {process.pid})")

    cleanup.callback(stop)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                log(f"gunicorn {GUNICORN_WORKERS} workers x {GUNICORN_THREADS} threads on 127.0.0.1:{port}")
                return port, logfile
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start:\n" + (logfile.read_text(errors="replace")[-3000:]
                                                        if logfile.exists() else ""))


def prepare(database_url: str, secret_key: str, requests: int, places: int):
    """Migrate, add a librarian, a session and the learners; returns the session id and each learner's
    (user id, cookie, CSRF token)."""
    from datetime import time as clock

    from flask_migrate import upgrade
    from itsdangerous import URLSafeTimedSerializer

    from lit_platform import create_app
    from lit_platform.accounts.models import User, UserRole
    from lit_platform.accounts.services import create_user
    from lit_platform.bookings import services
    from lit_platform.core.types import utcnow
    from lit_platform.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LIT_ENV": "testing", "SECRET_KEY": secret_key})
    serializer = app.session_interface.get_signing_serializer(app)
    csrf = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token")
    with app.app_context():
        upgrade()
        librarian = create_user("storm-librarian@example.org", "Storm Librarian", None, ["librarian"])
        day = (utcnow() + dt.timedelta(days=14)).date()
        session, _ = services.create_session(services.SessionData(
            title="Booking storm", day=day, start_time=clock(10), end_time=clock(11), capacity=places,
            location="Lecture theatre", facilitator_ids=[librarian.id]), librarian)
        users = [User(email=f"storm{n}@example.org", name=f"Storm {n:04d}", role_rows=[UserRole(role="learner")])
                 for n in range(requests)]
        db.session.add_all(users)
        db.session.commit()
        learners = []
        for user in users:
            raw = f"storm-csrf-{user.id}"
            cookie = serializer.dumps({"_user_id": f"{user.id}:{user.session_version}", "_fresh": True,
                                       "csrf_token": raw, "seen": int(time.time())})
            learners.append((user.id, cookie, csrf.dumps(raw)))
        session_id = session.id
        db.session.remove()
        db.engine.dispose()
    return session_id, learners


def book(port: int, session_id: int, learner, barrier: threading.Barrier) -> tuple[int, float]:
    _, cookie, token = learner
    body = urllib.parse.urlencode({"csrf_token": token})
    barrier.wait(timeout=120)
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("POST", f"/sessions/{session_id}/book", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"session={cookie}",
            "Connection": "close", "User-Agent": "lit-benchmark"})
        status = connection.getresponse().status
    except OSError:
        status = 0
    finally:
        connection.close()
    return status, time.perf_counter() - started


def check(database_url: str, session_id: int, places: int, requests: int) -> dict:
    """The exact counts, read back from the database."""
    from sqlalchemy import func, select

    from lit_platform import create_app
    from lit_platform.bookings.models import Booking
    from lit_platform.extensions import db
    from lit_platform.outbox.models import OutboxMessage

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LIT_ENV": "testing", "SECRET_KEY": "x" * 32})
    with app.app_context():
        rows = db.session.execute(select(Booking.user_id, Booking.status, Booking.position, Booking.booked_at)
                                  .where(Booking.session_id == session_id).order_by(Booking.position)).all()
        mail = dict(db.session.execute(select(OutboxMessage.user_id, func.count()).group_by(OutboxMessage.user_id))
                    .all())
        db.engine.dispose()
    statuses = Counter(status for _, status, _, _ in rows)
    confirmed_positions = {position for _, status, position, _ in rows if status == "confirmed"}
    return {
        "bookings": len(rows),
        "confirmed": statuses["confirmed"],
        "waitlisted": statuses["waitlisted"],
        "positions_contiguous": [r[2] for r in rows] == list(range(1, len(rows) + 1)),
        "first_arrivals_confirmed": confirmed_positions == set(range(1, places + 1)),
        "times_follow_positions": [r[3] for r in rows] == sorted(r[3] for r in rows),
        "one_email_each": len(mail) == requests and set(mail.values()) == {1},
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--places", type=int, default=50)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    if not 1 <= args.places <= args.requests <= 2000:
        parser.error("need 1 <= --places <= --requests <= 2000")
    secret_key = secrets.token_hex(32)
    with contextlib.ExitStack() as cleanup:
        tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="lit-storm-")))
        database_url, database_version = create_database(args.database, tmp, cleanup)
        log(f"preparing {args.requests} learners and a session with {args.places} places")
        session_id, learners = prepare(database_url, secret_key, args.requests, args.places)
        port, logfile = start_gunicorn(database_url, tmp, cleanup, secret_key)
        barrier = threading.Barrier(len(learners))
        log(f"releasing {len(learners)} booking requests at once")
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=len(learners)) as pool:
            results = list(pool.map(lambda learner: book(port, session_id, learner, barrier), learners))
        elapsed = time.perf_counter() - started
        counts = check(database_url, session_id, args.places, args.requests)
        errors = sum(status != 302 for status, _ in results)
        gunicorn_errors = sum(line.count("[ERROR]") + line.count("Traceback")
                              for line in logfile.read_text(errors="replace").splitlines()) if logfile.exists() else 0
    latencies = [seconds * 1000 for _, seconds in results]
    summary = {
        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "database": database_version,
        "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}, "
                   f"gunicorn {metadata.version('gunicorn')} gthread {GUNICORN_WORKERS} workers x "
                   f"{GUNICORN_THREADS} threads",
        "requests": args.requests, "places": args.places, "seconds": round(elapsed, 2),
        "bookings_per_second": round(args.requests / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1), "p90_ms": round(percentile(latencies, 0.9), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies), 1),
        "http_errors": errors, "server_errors_logged": gunicorn_errors, **counts,
    }
    ok = (errors == 0 and counts["confirmed"] == args.places and counts["waitlisted"] == args.requests - args.places
          and counts["positions_contiguous"] and counts["first_arrivals_confirmed"] and counts["one_email_each"])
    summary["result"] = "pass" if ok else "FAIL"
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{dt.datetime.now():%Y%m%d-%H%M%S}-booking-storm-{args.database}.json"
    out.write_text(json.dumps(summary, indent=2, default=str) + "\n", "utf-8")
    print(f"Booking storm on {database_version}, {summary['when']}: {summary['machine']}.\n")
    print("| requests | places | seconds | bookings/s | p50 ms | p90 ms | p99 ms | max ms | confirmed | waitlisted "
          "| HTTP errors | arrival order | one e-mail each | result |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|---|")
    print(f"| {args.requests} | {args.places} | {summary['seconds']} | {summary['bookings_per_second']} | "
          f"{summary['p50_ms']} | {summary['p90_ms']} | {summary['p99_ms']} | {summary['max_ms']} | "
          f"{counts['confirmed']} | {counts['waitlisted']} | {errors} | "
          f"{'yes' if counts['first_arrivals_confirmed'] and counts['times_follow_positions'] else 'NO'} | "
          f"{'yes' if counts['one_email_each'] else 'NO'} | {summary['result']} |")
    log(f"wrote {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
