#!/usr/bin/env python
"""A whole-service load test: simulated learners, librarians and a manager against two production servers.

    python benchmarks/loadtest/run.py [--minutes 10] [--users N] [--learners 1500]

Starts a fresh PostgreSQL database (the synthetic service of `lit demo-data`, plus accounts and sessions
for the simulated users), its own Redis, an SMTP server that records every message, two `lit serve`
servers behind nginx and two `lit outbox send --loop` workers, all on 127.0.0.1. A short calibration
finds the number of users at which the baseline route's p99 is about 50 ms; the mix then runs there
for --minutes with Locust. Prints each endpoint's figures beside the baseline, then checks that no
write was lost: answers, submitted attempts, bookings, registers, and booking confirmations in the
outbox and at the SMTP server exactly once. Exit status 1 when a write was lost or duplicated.
Everything started is stopped, and the database dropped, also on Ctrl+C or failure. See
benchmarks/README.md ("Whole-service load test").
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from email.parser import BytesHeaderParser
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RESULTS_DIR = HERE.parent / "results"
POSTGRES_ADMIN_URL = os.environ.get("LIT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SERVERS, WORKERS, THREADS = 2, 2, 4  # app servers, gunicorn workers each, threads per worker
TARGET_BASELINE_P99_MS = 50
TARGET_P99_MS = 250
BASELINE = "GET /_bench/baseline"
AUTOSAVE = "POST /attempts/[id]/responses/[id] (autosave)"
#: rows that are not learner pages: staff pages, the baseline, and the learners' form posts
NOT_LEARNER_PAGES = ("GET /manage/", "GET /reports/", BASELINE)
#: settings of the run that differ from a default production site (see the README)
RATE_LIMITS = {
    # Every simulated user comes from 127.0.0.1, as a site's learners do from one building's address. The
    # per-address allowance shared by booking, the API, downloads and check-in codes (600 a minute) is
    # meant for one class, not a whole site; each account's own limits keep their product values.
    "LIT_ADDRESS_RATE_LIMIT": "100000 per minute",
}

sys.path.insert(0, str(HERE))
from checks import check_answers, check_bookings, check_register  # noqa: E402
from data import generate_reports_data, prepare  # noqa: E402


def log(message: str) -> None:
    print(f"[loadtest] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_until(check, what: str, seconds: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process stopped (exit status {process.returncode})")
        with contextlib.suppress(OSError):
            if check():
                return
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not come up within {seconds:.0f} s")


# Processes -------------------------------------------------------------------------------------

def start(command: list[str], name: str, tmp: Path, cleanup: contextlib.ExitStack, env: dict | None = None,
          stop_signal: int = signal.SIGTERM) -> subprocess.Popen:
    """A process of the run, its output in tmp/<name>.log, stopped (then killed) when the run ends."""
    out = open(tmp / f"{name}.log", "wb")
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True, cwd=ROOT)

    def stop():
        if process.poll() is None:
            process.send_signal(stop_signal)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        out.close()
        log(f"stopped {name} (pid {process.pid})")

    cleanup.callback(stop)
    return process


def create_database(cleanup: contextlib.ExitStack) -> tuple[str, str]:
    import psycopg

    name = f"lit_load_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error}).")

    def drop():
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")

    cleanup.callback(drop)
    return urllib.parse.urlsplit(POSTGRES_ADMIN_URL)._replace(path=f"/{name}").geturl(), version.split()[0]


def start_redis(tmp: Path, cleanup) -> str:
    port = free_port()
    process = start(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", str(tmp)], "redis", tmp, cleanup)

    def ready():
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    wait_until(ready, "redis-server", 20, process)
    return f"redis://127.0.0.1:{port}/0"


def start_smtp(cleanup) -> tuple[int, list[dict]]:
    """An SMTP server in this process that keeps each message's Message-ID, recipients and subject."""
    from aiosmtpd.controller import Controller

    received: list[dict] = []
    lock = threading.Lock()

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
            with lock:
                received.append({"message_id": headers.get("Message-ID", ""), "to": list(envelope.rcpt_tos),
                                 "subject": headers.get("Subject", "")})
            return "250 Message accepted for delivery"

    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    cleanup.callback(controller.stop)
    return port, received


NGINX_CONF = """\
{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    proxy_buffers 32 16k;
    upstream lit {{ {servers} }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://lit;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def start_nginx(port: int, server_ports: list[int], tmp: Path, cleanup) -> None:
    """nginx on `port` as the load balancer in front of the app servers (round robin, its default)."""
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user="user root;\n" if os.geteuid() == 0 else "", tmp=tmp, port=port,
                                      servers=" ".join(f"server 127.0.0.1:{p};" for p in server_ports)))
    process = start(["nginx", "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "nginx-error.log")], "nginx", tmp,
                    cleanup, stop_signal=signal.SIGQUIT)
    wait_until(lambda: get(f"http://127.0.0.1:{port}/healthz") == 200, "nginx", 20, process)


def production_env(database_url: str, redis_url: str, secret_key: str, base_url: str, smtp_port: int,
                   instance: Path) -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
                LIT_ENV="production", LIT_DATABASE_URL=database_url, LIT_REDIS_URL=redis_url,
                LIT_SECRET_KEY=secret_key, LIT_PSEUDONYM_KEY=secrets.token_hex(32), LIT_BASE_URL=base_url,
                LIT_INSECURE_COOKIES="1", LIT_PROXY_HOPS="1", LIT_SMTP_HOST="127.0.0.1", LIT_SMTP_PORT=str(smtp_port),
                LIT_MAIL_FROM="library-learning@loadtest.example", LIT_INSTANCE_PATH=str(instance), **RATE_LIMITS)


# Locust ----------------------------------------------------------------------------------------

def run_locust(host: str, plan: Path, tmp: Path, name: str, extra_env: dict, args: list[str],
               cleanup) -> subprocess.Popen:
    env = dict(os.environ, LOADTEST_PLAN=str(plan), LOADTEST_RECORD=str(tmp / f"{name}-record.json"), **extra_env)
    command = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--host", host,
               "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "90", "--csv", str(tmp / name), *args]
    return start(command, f"locust-{name}", tmp, cleanup, env=env, stop_signal=signal.SIGINT)


def calibrate(host: str, plan: Path, tmp: Path, cleanup, args) -> tuple[int, list[dict]]:
    """Grow the load in steps until the baseline's p99 passes the target; the users where it crosses it."""
    results_file = tmp / "calibration.json"
    steps = f"{args.first_users},{args.step_factor},{args.steps},{args.step_seconds},{args.step_seconds // 2}"
    log(f"calibration: {args.first_users} users and x{args.step_factor} every {args.step_seconds} s, "
        f"until the baseline's p99 passes {TARGET_BASELINE_P99_MS} ms")
    process = run_locust(host, plan, tmp, "calibration", {"LOADTEST_STEPS": steps, "LOADTEST_CALIBRATION": str(
        results_file), "LOADTEST_TARGET_MS": str(TARGET_BASELINE_P99_MS)}, [], cleanup)
    process.wait()
    steps_done = json.loads(results_file.read_text()) if results_file.exists() else []
    for step in steps_done:
        log(f"  {step['users']} users: baseline p99 {step['baseline_p99_ms']:.0f} ms ({step['baseline_requests']} requests)")
    return users_at_target(steps_done), steps_done


def users_at_target(steps: list[dict]) -> int:
    """The users where the baseline's p99 reaches the target, interpolated between the steps around it."""
    if not steps:
        raise RuntimeError("the calibration measured nothing")
    for before, after in zip([None, *steps], steps):
        if after["baseline_p99_ms"] > TARGET_BASELINE_P99_MS:
            if before is None:
                return after["users"]
            rise = after["baseline_p99_ms"] - before["baseline_p99_ms"]
            share = (TARGET_BASELINE_P99_MS - before["baseline_p99_ms"]) / rise if rise > 0 else 1
            return int(round(before["users"] + share * (after["users"] - before["users"])))
    return steps[-1]["users"]


def read_stats(prefix: Path) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] != "Aggregated"]
    return [{"name": f"{row['Type']} {row['Name']}" if not row["Name"].startswith(row["Type"]) else row["Name"],
             "requests": int(row["Request Count"]), "errors": int(row["Failure Count"]),
             "rps": float(row["Requests/s"]), "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]),
             "p99_ms": float(row["99%"])} for row in rows]


def read_failures(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, newline="") as handle:
        return [{"name": row["Name"], "error": row["Error"], "count": int(row["Occurrences"])}
                for row in csv.DictReader(handle)]


def merge_records(*paths: Path) -> dict:
    """What the simulated users recorded, the calibration's first: later saves replace earlier ones."""
    merged = {"answers": {}, "unconfirmed": {}, "submitted": [], "bookings": [], "register": {}}
    for path in paths:
        record = json.loads(path.read_text())
        merged["unconfirmed"] = {k: v for k, v in merged["unconfirmed"].items() if k not in record["answers"]}
        for key in ("answers", "unconfirmed", "register"):
            merged[key].update(record[key])
        merged["submitted"] += record["submitted"]
        merged["bookings"] += record["bookings"]
    return merged


def wait_for_outbox(app, seconds: float = 180) -> int:
    """Until no message is waiting to be sent; returns how many still wait."""
    from sqlalchemy import func, select

    from lit_platform.extensions import db
    from lit_platform.outbox.models import OutboxMessage

    deadline = time.monotonic() + seconds
    with app.app_context():
        while True:
            pending = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                        .where(OutboxMessage.status == "pending"))
            db.session.rollback()
            if not pending or time.monotonic() > deadline:
                db.session.remove()
                return pending
            time.sleep(1)


def server_problems(tmp: Path) -> dict:
    """5xx answers in the servers' access logs, ERROR/Traceback lines in their logs, and nginx's complaints about
    them (502s: a server closed or refused the connection)."""
    errors = server_5xx = 0
    for n in range(SERVERS):
        for line in (tmp / f"server{n + 1}.log").read_text(errors="replace").splitlines():
            if "[ERROR]" in line or "Traceback" in line:
                errors += 1
            elif re.search(r'" 5\d\d \d', line):
                server_5xx += 1
    nginx_log = tmp / "nginx-error.log"
    upstream = sum(1 for line in (nginx_log.read_text(errors="replace").splitlines() if nginx_log.exists() else [])
                   if "upstream" in line)
    return {"error_lines": errors, "responses_5xx": server_5xx, "nginx_upstream_errors": upstream}


# Report ----------------------------------------------------------------------------------------

def targets(rows: list[dict], checks: dict) -> dict:
    pages = [r for r in rows if r["name"].startswith("GET ") and not r["name"].startswith(NOT_LEARNER_PAGES)]
    worst_page = max(pages, key=lambda r: r["p99_ms"]) if pages else None
    autosave = next((r for r in rows if r["name"] == AUTOSAVE), None)
    return {"errors": sum(r["errors"] for r in rows),
            "lost_writes": sum(v for k, v in checks.items() if k.endswith(("_lost", "_duplicated"))),
            "worst_learner_page": worst_page, "autosave": autosave}


def markdown(report: dict) -> str:
    m, t = report["machine"], report["targets"]
    baseline = next(r for r in report["rows"] if r["name"] == BASELINE)
    lines = [
        f"### {report['started'][:16].replace('T', ' ')} UTC, {report['users']} users for {report['minutes']} min",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}; Python {m['python']}, "
        f"PostgreSQL {m['postgresql']}, Redis {m['redis']}, nginx {m['nginx']}, gunicorn {m['gunicorn']}, "
        f"Locust {m['locust']}. Load average (1 min) {report['load_average_start']:.2f} before the run, "
        f"{report['load_average_end']:.2f} at the end. {SERVERS} `lit serve` servers ({WORKERS} workers x {THREADS} "
        f"threads each) behind nginx, 2 outbox workers, Locust, PostgreSQL and Redis all on the same cores.",
        "",
        f"Calibration (users: baseline p99 ms): " + ", ".join(
            f"{s['users']}: {s['baseline_p99_ms']:.0f}" for s in report["calibration"])
        + (f"; ran at {report['users']} users." if report["calibrated"] else
           f"; skipped, --users {report['users']} given."),
        "",
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | p99 x baseline | errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in sorted(report["rows"], key=lambda r: (r["name"] != BASELINE, -r["requests"])):
        ratio = row["p99_ms"] / baseline["p99_ms"] if baseline["p99_ms"] else 0
        lines.append(f"| {row['name']} | {row['requests']} | {row['rps']:.1f} | {row['p50_ms']:.0f} | "
                     f"{row['p95_ms']:.0f} | {row['p99_ms']:.0f} | {ratio:.1f} | {row['errors']} |")
    total = sum(r["rps"] for r in report["rows"])
    lines += ["", f"All requests: {total:.1f} per second."]
    c = report["checks"]
    worst, autosave = t["worst_learner_page"], t["autosave"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    lines += [
        "",
        "| target | figure | |",
        "|---|---|---|",
        f"| 0 errors | {t['errors']} (server: {report['server']['responses_5xx']} 5xx, "
        f"{report['server']['error_lines']} error lines; nginx: {report['server']['nginx_upstream_errors']} "
        f"upstream errors) | {verdict(t['errors'] == 0)} |",
        f"| 0 lost or duplicated writes | {t['lost_writes']} | {verdict(t['lost_writes'] == 0)} |",
        f"| baseline p99 about {TARGET_BASELINE_P99_MS} ms | {baseline['p99_ms']:.0f} ms | |",
    ]
    if worst:
        lines.append(f"| learner pages p99 < {TARGET_P99_MS} ms | worst: {worst['name']} {worst['p99_ms']:.0f} ms | "
                     f"{verdict(worst['p99_ms'] < TARGET_P99_MS)} |")
    if autosave:
        lines.append(f"| answer saves p99 < {TARGET_P99_MS} ms | {autosave['p99_ms']:.0f} ms | "
                     f"{verdict(autosave['p99_ms'] < TARGET_P99_MS)} |")
    lines += [
        "",
        f"Writes checked afterwards: {c['answers_saved']} answers saved (last per question per attempt), "
        f"{c['answers_lost']} lost; {c['attempts_submitted']} attempts submitted, {c['submits_lost']} lost; "
        f"{c['bookings_changed']} bookings and cancellations, {c['booking_states_lost']} lost; "
        f"{c['confirmations_expected']} booking confirmations expected, {c['confirmations_in_outbox']} in the outbox "
        f"({c['confirmations_lost']} lost, {c['confirmations_duplicated']} duplicated, {c['confirmations_not_sent']} "
        f"not sent), delivered: {c['deliveries_lost']} lost, {c['deliveries_duplicated']} twice; "
        f"{c['marks_saved']} register marks, {c['marks_lost']} lost. Outbox: {c['outbox_by_status']}; the SMTP "
        f"server received {c['messages_received']} messages, {c['messages_received_twice']} of them a second time.",
    ]
    if report["failures"]:
        lines += ["", "Errors: " + "; ".join(f"{f['name']}: {f['error'][:120]} (x{f['count']})"
                                             for f in report["failures"][:8])]
    return "\n".join(lines)


def version_of(command: list[str], pattern: str) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except OSError:
        return "?"
    match = re.search(pattern, result.stdout + result.stderr)
    return match.group(1) if match else "?"


def machine(postgresql: str) -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    cpu = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    memory = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    return {"cores": os.cpu_count(), "cpu": cpu.group(1).strip() if cpu else platform.processor(),
            "memory_gib": round(int(memory.group(1)) / 1024 ** 2, 1) if memory else None,
            "os": platform.platform(), "python": platform.python_version(), "postgresql": postgresql,
            "redis": version_of(["redis-server", "--version"], r"v=(\S+)"),
            "nginx": version_of(["nginx", "-v"], r"nginx/(\S+)"),
            "gunicorn": metadata.version("gunicorn"), "locust": metadata.version("locust")}


# Main ------------------------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="length of the measured run (default 10)")
    parser.add_argument("--users", type=int, help="run at this many users and skip the calibration")
    parser.add_argument("--learners", type=int, default=1500, help="learner accounts for the simulated learners "
                        "(default 1500; at least the number of users)")
    parser.add_argument("--report-learners", type=int, default=2000,
                        help="learners of the synthetic service behind the reports (lit demo-data; default 2000)")
    parser.add_argument("--first-users", type=int, default=20, help="calibration: users in the first step")
    parser.add_argument("--step-factor", type=float, default=1.5, help="calibration: users x this each step")
    parser.add_argument("--steps", type=int, default=9, help="calibration: at most this many steps")
    parser.add_argument("--step-seconds", type=int, default=30, help="calibration: seconds per step")
    parser.add_argument("--ramp-seconds", type=int, default=30, help="seconds to start the users before measuring")
    args = parser.parse_args(argv)
    for tool in ("redis-server", "nginx"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} is not installed")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the clean-up below still runs
    started, load_start = dt.datetime.now(dt.timezone.utc), round(os.getloadavg()[0], 2)
    with contextlib.ExitStack() as cleanup:
        tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="lit-loadtest-")))
        tmp.chmod(0o755)
        database_url, postgresql = create_database(cleanup)
        generate_reports_data(database_url, args.report_learners, tmp / "instance-setup", log)
        secret_key = secrets.token_hex(32)
        from lit_platform import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LIT_ENV": "development",
                          "SECRET_KEY": secret_key, "LIT_REDIS_URL": ""})
        most_users = args.users or int(args.first_users * args.step_factor ** (args.steps - 1)) + 1
        learners = max(args.learners, most_users)
        log(f"{learners} learner accounts and {most_users // 20 + 5} librarians with a register each")
        plan = prepare(app, learners, most_users // 20 + 5)
        plan_file = tmp / "plan.json"
        plan_file.write_text(json.dumps(plan))

        redis_url = start_redis(tmp, cleanup)
        smtp_port, received = start_smtp(cleanup)
        server_ports = [free_port() for _ in range(SERVERS)]
        nginx_port = free_port()
        host = f"http://127.0.0.1:{nginx_port}"  # the site's address: what learners use and e-mail links name
        env = production_env(database_url, redis_url, secret_key, host, smtp_port, tmp / "instance")
        for n, port in enumerate(server_ports, 1):
            process = start([sys.executable, str(HERE / "serve.py"), "serve", "--bind", f"127.0.0.1:{port}",
                             "--workers", str(WORKERS), "--threads", str(THREADS)], f"server{n}", tmp, cleanup,
                            env=dict(env, LIT_INSTANCE_PATH=str(tmp / f"instance{n}")))
            wait_until(lambda port=port: get(f"http://127.0.0.1:{port}/readyz") == 200, f"server {n}", 60, process)
        start_nginx(nginx_port, server_ports, tmp, cleanup)
        for n in (1, 2):
            start([sys.executable, "-m", "lit_platform.cli", "outbox", "send", "--loop", "1"], f"outbox{n}", tmp,
                  cleanup, env=dict(env, LIT_INSTANCE_PATH=str(tmp / f"instance-outbox{n}")))
        log(f"{SERVERS} servers on ports {', '.join(map(str, server_ports))} behind nginx on {host}; "
            f"Redis {redis_url}; SMTP on {smtp_port}; 2 outbox workers")

        calibration, records = [], []
        users = args.users
        if users is None:
            users, calibration = calibrate(host, plan_file, tmp, cleanup, args)
            records.append(tmp / "calibration-record.json")
        seconds = int(args.ramp_seconds + args.minutes * 60)
        log(f"the mix: {users} users (+ the manager and the baseline probe) for {args.minutes} min after "
            f"{args.ramp_seconds} s of start-up")
        process = run_locust(host, plan_file, tmp, "run", {}, [
            "-u", str(users + 2), "-r", str(max(1, (users + 2) / args.ramp_seconds)), "-t", f"{seconds}s",
            "--reset-stats"], cleanup)
        process.wait()
        records.append(tmp / "run-record.json")
        rows, failures = read_stats(tmp / "run"), read_failures(tmp / "run")

        log("waiting for the outbox workers to send everything")
        still_pending = wait_for_outbox(app)
        time.sleep(2)
        record = merge_records(*records)
        checks = {**check_answers(app, record), **check_bookings(app, record, list(received)),
                  **check_register(app, record), "outbox_still_pending": still_pending}
        report = {"started": started.isoformat(timespec="seconds"), "minutes": args.minutes, "users": users,
                  "calibrated": args.users is None, "calibration": calibration,
                  "load_average_start": load_start, "load_average_end": round(os.getloadavg()[0], 2),
                  "machine": machine(postgresql), "rate_limits": RATE_LIMITS, "rows": rows, "failures": failures,
                  "checks": checks, "server": server_problems(tmp)}
        report["targets"] = targets(rows, checks)
        if checks["answers_lost"]:
            log(f"answers lost, for example: {checks['examples']}")
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{started:%Y%m%d-%H%M%S}-loadtest.json"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(markdown(report))
    log(f"results written to {out.relative_to(ROOT)}")
    return 1 if report["targets"]["lost_writes"] else 0


if __name__ == "__main__":
    sys.exit(main())
