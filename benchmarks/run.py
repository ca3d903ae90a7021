#!/usr/bin/env python
"""Load-test lit-platform pages with wrk and compare them with a baseline route measured in the same run.

    python benchmarks/run.py [--database sqlite|postgresql] [--duration SECONDS] [--connections N]
                             [--scenario NAME ...]

Creates a fresh database with the demo accounts, serves benchmarks/wsgi.py with gunicorn on
127.0.0.1, signs in once per role, measures each scenario with wrk, prints a Markdown table and
writes JSON to benchmarks/results/. See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS_DIR = HERE / "results"
POSTGRES_ADMIN_URL = os.environ.get("LIT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LIT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")  # the rate limits' shared store
GUNICORN_WORKERS, GUNICORN_THREADS = 2, 4
WEIGHT_LIMIT = 60 * 1024  # bytes of HTML + CSS + JS per page
USER_AGENT = "lit-benchmark"  # sent by the sign-in client and by wrk alike (Flask-Login ties sessions to it)
SIGNED_IN_CHECK = "/account/profile"  # any signed-in user gets 200 here; anyone else a redirect


# Scenarios -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    name: str  # what --scenario selects
    path: str
    role: str | None = None  # demo role to sign in as; None for an anonymous visitor
    lua: str | None = None  # wrk script in benchmarks/, for anything but a plain GET (see README)
    baseline: str = "flask-sqlalchemy"  # the row its ratio is taken against


# Reference routes outside the platform (benchmarks/reference.py), served by the same workers: bare
# Flask with the database driver, and bare Flask + Flask-SQLAlchemy. Reads are compared with the latter.
BARE_FLASK = Scenario("flask", "/_ref/flask/baseline", baseline="flask-sqlalchemy")
REFERENCE = Scenario("flask-sqlalchemy", "/_ref/orm/baseline", baseline="flask-sqlalchemy")
# The platform's own baseline (benchmarks/wsgi.py only): the same read and template through the app's hooks.
BASELINE = Scenario("baseline", "/_bench/baseline", baseline="flask-sqlalchemy")
# Writes are compared with a route that inserts one row and commits, in bare Flask + Flask-SQLAlchemy.
BARE_FLASK_INSERT = Scenario("flask-insert", "/_ref/flask/insert", lua="insert.lua",
                             baseline="flask-sqlalchemy-insert")
REFERENCE_INSERT = Scenario("flask-sqlalchemy-insert", "/_ref/orm/insert", lua="insert.lua",
                            baseline="flask-sqlalchemy-insert")
INSERT_BASELINE = Scenario("insert-baseline", "/_bench/insert", lua="insert.lua", baseline="flask-sqlalchemy-insert")
READ_REFERENCES = [BARE_FLASK, REFERENCE, BASELINE]
WRITE_REFERENCES = [BARE_FLASK_INSERT, REFERENCE_INSERT, INSERT_BASELINE]
WRITE_BASELINE = REFERENCE_INSERT.name

MODULE_COURSE = "searching"

SCENARIOS = [
    Scenario("login", "/account/login"),
    Scenario("home-learner", "/", "learner"),
    Scenario("home-librarian", "/", "librarian"),
    Scenario("home-manager", "/", "manager"),
    Scenario("home-admin", "/", "admin"),
    Scenario("catalogue", "/courses", "learner"),
    Scenario("module-page", f"/courses/{MODULE_COURSE}/keywords-and-boolean", "learner"),
    Scenario("my-learning", "/learning", "learner"),
    # A signed-in, CSRF-checked POST that does nothing else: the fixed cost every form post carries.
    Scenario("keepalive-post", "/session/keepalive", "learner", lua="keepalive.lua", baseline=WRITE_BASELINE),
    # Each request submits a different prepared 10-question attempt through the real route
    # (benchmarks/submissions.py); scoring and storing happen in one transaction.
    Scenario("submit-attempt", "/attempts/<id>/submit", lua="submit.lua", baseline=WRITE_BASELINE),
    # Autosaving answers in the module 5 quiz: a short answer, and a search strategy whose checks
    # (parse, syntax and concept checks, tree, translation) come back with the save. Compared with
    # the read reference, as the targets for saving an answer are set against it.
    Scenario("autosave-short", "/attempts/<id>/responses/<id>", "learner", lua="autosave_short.lua"),
    Scenario("autosave-search", "/attempts/<id>/responses/<id>", "learner", lua="autosave_search.lua"),
]
AUTOSAVE_QUIZ = "searching-05-check"
SUBMIT = "submit-attempt"


# Database ------------------------------------------------------------------------------------

def create_database(kind: str, tmp: Path, cleanup: contextlib.ExitStack) -> tuple[str, str]:
    """A fresh, empty database; returns its URL and the server version. Dropped by `cleanup`."""
    if kind == "sqlite":
        import sqlite3

        return f"sqlite:///{tmp / 'bench.sqlite3'}", f"SQLite {sqlite3.sqlite_version}"
    import psycopg

    name = f"lit_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({error}).\nStart it with: "
                 "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start")
    cleanup.callback(drop_postgres_database, name)
    url = urllib.parse.urlsplit(POSTGRES_ADMIN_URL)._replace(path=f"/{name}").geturl()
    return url, f"PostgreSQL {version.split()[0]}"


def drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    log(f"dropped database {name}")


def prepare_submissions(database_url: str, secret_key: str, count: int, tmp: Path) -> None:
    """Answered attempts for submit-attempt, signed with the server's key; wrk reads the file."""
    from lit_platform import create_app
    from submissions import prepare

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LIT_ENV": "testing", "SECRET_KEY": secret_key})
    log(f"preparing {count} answered attempts for {SUBMIT}")
    os.environ["LIT_BENCH_SUBMISSIONS"] = str(prepare(app, count, tmp / "submissions.tsv"))


def count_submitted(database_url: str) -> int:
    from lit_platform import create_app
    from submissions import submitted_count

    return submitted_count(create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LIT_ENV": "testing",
                                       "SECRET_KEY": "x" * 32}))


def load_demo(database_url: str) -> dict[str, tuple[str, str]]:
    """Migrate and add the demo accounts; returns {role: (email, password)}."""
    from lit_platform import create_app
    from lit_platform.demo import set_up_demo
    from lit_platform.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LIT_ENV": "testing",
                      "SECRET_KEY": secrets.token_hex(32)})
    with app.app_context():
        accounts = set_up_demo(echo=log)
        # module-page reads a module as a learner who has taken the course's pre-test (else: redirect).
        from sqlalchemy import select

        from lit_platform.accounts.models import User
        from lit_platform.assessments.services import mark_pretest_done
        from lit_platform.courses.models import Course

        learner = db.session.scalar(select(User).where(User.email == dict((r, e) for r, e, _ in accounts)["learner"]))
        mark_pretest_done(db.session.scalar(select(Course.id).where(Course.slug == MODULE_COURSE)), learner)
        prepare_autosave(learner)
        db.session.commit()
        db.engine.dispose()
    return {role: (email, password) for role, email, password in accounts}


def prepare_autosave(learner) -> None:
    """An open attempt at the module 5 quiz for the learner; the autosave scenarios' routes and bodies."""
    from urllib.parse import urlencode

    from sqlalchemy import select

    from lit_platform.extensions import db
    from lit_platform.quizzes.attempts import start_attempt
    from lit_platform.quizzes.models import Quiz

    attempt = start_attempt(db.session.scalar(select(Quiz).where(Quiz.key == AUTOSAVE_QUIZ)), learner)
    by_type = {response.version.type: response for response in attempt.responses}
    search, short = by_type["search_strategy"], by_type["short_answer"]
    spec = search.version.spec
    fields = {f"r{search.id}.syntax": "ovid", f"r{search.id}.search": spec["model"]["ovid"]}
    for n, concept in enumerate(spec["concepts"][:4], 1):
        fields[f"r{search.id}.plan.{n}.name"] = concept["name"]
        fields[f"r{search.id}.plan.{n}.terms"] = "\n".join(concept.get("terms", []) + concept.get("headings", []))
    # Two answers each, sent in turn, so that every request changes the saved answer (a real write); the
    # search's two texts differ by their last plan row, and each is checked once per process (then cached).
    shorter_plan = {k: v for k, v in fields.items() if not k.startswith(f"r{search.id}.plan.4.")}
    os.environ["LIT_BENCH_AUTOSAVE_SEARCH_PATH"] = f"/attempts/{attempt.id}/responses/{search.id}"
    os.environ["LIT_BENCH_AUTOSAVE_SEARCH_BODY"] = urlencode(fields)
    os.environ["LIT_BENCH_AUTOSAVE_SEARCH_BODY_2"] = urlencode(shorter_plan)
    os.environ["LIT_BENCH_AUTOSAVE_SHORT_PATH"] = f"/attempts/{attempt.id}/responses/{short.id}"
    os.environ["LIT_BENCH_AUTOSAVE_SHORT_BODY"] = urlencode({f"r{short.id}": "MeSH"})
    os.environ["LIT_BENCH_AUTOSAVE_SHORT_BODY_2"] = urlencode({f"r{short.id}": "Medical Subject Headings"})
    log(f"autosave scenarios: attempt {attempt.id}, a {len(spec['model']['ovid'].splitlines())}-line Ovid search")


# Server --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, tmp: Path, cleanup: contextlib.ExitStack,
                   secret_key: str) -> tuple[str, int, Path]:
    """Serve benchmarks/wsgi.py on a free port of 127.0.0.1; returns the base URL, its pid and the log file."""
    port, logfile = free_port(), tmp / "gunicorn.log"
    env = dict(os.environ, LIT_DATABASE_URL=database_url, LIT_SECRET_KEY=secret_key,
               LIT_INSTANCE_PATH=str(tmp / "instance"), LIT_BASE_URL=f"http://127.0.0.1:{port}",
               LIT_REDIS_URL=REDIS_URL, LIT_PSEUDONYM_KEY=secrets.token_hex(32),
               LIT_BENCH_RATELIMIT_PREFIX=f"lit-bench-{secrets.token_hex(4)}")
    command = [sys.executable, "-m", "gunicorn", "-k", "gthread", "--workers", str(GUNICORN_WORKERS),
               "--threads", str(GUNICORN_THREADS), "--bind", f"127.0.0.1:{port}", "--chdir", str(HERE),
               "--graceful-timeout", "5", "--error-logfile", str(logfile), "wsgi:app"]
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    cleanup.callback(stop_process, process)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(OSError):
            if fetch(base + "/healthz")[0] == 200:
                log(f"gunicorn {GUNICORN_WORKERS} workers x {GUNICORN_THREADS} threads on {base} (pid {process.pid})")
                return base, process.pid, logfile
        time.sleep(0.2)
    tail = logfile.read_text(errors="replace")[-3000:] if logfile.exists() else ""
    raise RuntimeError(f"gunicorn did not start:\n{tail}")


def workers_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) used so far by gunicorn's workers, from /proc (Linux)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (comm)": state, ppid, ...
            if int(fields[1]) == master_pid:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log(f"stopped gunicorn (pid {process.pid})")


# HTTP client (standard library) --------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_plain = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, cookie: str | None = None) -> tuple[int, bytes]:
    """GET without following redirects; returns (status, body)."""
    headers = {"User-Agent": USER_AGENT, **({"Cookie": f"session={cookie}"} if cookie else {})}
    try:
        with _plain.open(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def sign_in(base: str, email: str, password: str) -> dict:
    """Sign in as a browser would; returns the session cookie and the CSRF token that goes with it."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    form_page = opener.open(base + "/account/login", timeout=30).read().decode()
    token = csrf_token(form_page)
    body = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
    # The redirect to the home page is followed, which also clears the "Signed in as" message from
    # the session, so that wrk's requests do not all render it.
    home = opener.open(base + "/account/login", data=body, timeout=30).read().decode()
    cookie = next((c.value for c in jar if c.name == "session"), None)
    if cookie is None or fetch(base + SIGNED_IN_CHECK, cookie)[0] != 200:
        raise RuntimeError(f"could not sign in as {email}")
    return {"cookie": cookie, "csrf_token": csrf_token(home)}


def csrf_token(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    if not match:
        raise RuntimeError("no <meta name=\"csrf-token\"> on the page")
    return match.group(1)


# Page weight ---------------------------------------------------------------------------------

class _Resources(HTMLParser):
    """Collects stylesheets and scripts (counted in the weight) and every other URL the page loads."""

    def __init__(self):
        super().__init__()
        self.assets: list[str] = []
        self.others: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "link" and "stylesheet" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            self.assets.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.assets.append(attrs["src"])
        elif tag in {"link", "img", "iframe", "source", "audio", "video", "embed", "track"}:
            self.others += [attrs[a] for a in ("href", "src") if attrs.get(a)]


def page_weight(base: str, path: str, cookie: str | None) -> dict:
    """Bytes of the page's HTML and of the CSS and JS it loads; third-party hosts it would contact."""
    status, html = fetch(base + path, cookie)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}, not 200")
    parser = _Resources()
    parser.feed(html.decode("utf-8", errors="replace"))
    own_host = urllib.parse.urlsplit(base).netloc
    sizes, third_party = {"html": len(html), "css": 0, "js": 0}, set()
    queue, seen = [urllib.parse.urljoin(base + path, url) for url in parser.assets], set()
    third_party.update(urllib.parse.urljoin(base + path, url) for url in parser.others)
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if urllib.parse.urlsplit(url).netloc != own_host:
            third_party.add(url)  # flagged, never fetched: only 127.0.0.1 is a target
            continue
        status, body = fetch(url)
        if status != 200:
            raise RuntimeError(f"{url} (loaded by {path}) answered {status}")
        kind = "js" if url.split("?")[0].endswith(".js") else "css"
        sizes[kind] += len(body)
        if kind == "css":  # what a stylesheet loads in turn: @import is weight, url() only host-checked
            text = body.decode("utf-8", errors="replace")
            queue += [urllib.parse.urljoin(url, u) for u in re.findall(r"""@import\s+(?:url\()?['"]?([^'")\s;]+)""", text)]
            third_party.update(urllib.parse.urljoin(url, u)
                               for u in re.findall(r"""url\(\s*['"]?([^'")]+)""", text) if not u.startswith("data:"))
    hosts = sorted({urllib.parse.urlsplit(u).netloc for u in third_party} - {own_host})
    total = sum(sizes.values())
    return {"bytes": total, **{f"{k}_bytes": v for k, v in sizes.items()}, "files": len(seen) + 1,
            "over_limit": total > WEIGHT_LIMIT, "third_party_hosts": hosts}


# Load ----------------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def run_wrk(base: str, scenario: Scenario, session: dict | None, duration: int, args) -> dict:
    command = ["wrk", "--threads", str(min(args.wrk_threads, args.connections)), "--connections",
               str(args.connections), "--duration", f"{duration}s", "--timeout", "10s", "--latency",
               "-H", f"User-Agent: {USER_AGENT}", "-H", "Connection: close"]
    # One connection per request, as behind a reverse proxy that does not keep upstream connections
    # alive (nginx's default). With keep-alive, gunicorn's gthread workers do not share a fixed set
    # of connections fairly: one worker often takes all 8 and serves them alone while the other
    # idles, halving req/s at random from one wrk run to the next (README, "Reading the figures").
    if session:
        command += ["-H", f"Cookie: session={session['cookie']}"]
    if scenario.lua:
        command += ["--script", str(HERE / scenario.lua)]
    command.append(base + scenario.path)
    env = dict(os.environ, LIT_BENCH_CSRF_TOKEN=session["csrf_token"] if session else "")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=duration + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed for {scenario.name}:\n{done.stdout}{done.stderr}")
    return parse_wrk(done.stdout)


def parse_wrk(output: str) -> dict:
    def number(pattern):
        match = re.search(pattern, output)
        return float(match.group(1)) if match else 0.0

    percentiles = {p: float(v) * _UNITS_MS[u]
                   for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.M)}
    if "50" not in percentiles or "99" not in percentiles:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    errors_line = re.search(r"Socket errors: (.*)", output)  # connect 0, read 0, write 0, timeout 0
    socket_errors = sum(int(n) for n in re.findall(r"\d+", errors_line.group(1))) if errors_line else 0
    return {"rps": number(r"Requests/sec:\s+([\d.]+)"), "requests": int(number(r"(\d+) requests in")),
            "p50_ms": percentiles.get("50"), "p75_ms": percentiles.get("75"), "p90_ms": percentiles.get("90"),
            "p99_ms": percentiles.get("99"), "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
            "socket_errors": socket_errors, "wrk_output": output}


def measure(base: str, server_pid: int, scenarios: list[Scenario], sessions: dict, args) -> dict[str, list[dict]]:
    """wrk runs in rounds: the baseline, then each scenario, for duration // rounds seconds each.

    Interleaving spreads any interference from other work on the machine over every row, and pairs
    each page with a baseline measured a few seconds before it.
    """
    runs: dict[str, list[dict]] = {s.name: [] for s in scenarios}
    seconds = args.duration // args.rounds
    for number in range(1, args.rounds + 1):
        for scenario in scenarios:
            session = sessions.get(scenario.role)
            if number == 1 and args.warmup:
                run_wrk(base, scenario, session, args.warmup, args)
            log(f"round {number}/{args.rounds}: {scenario.name} ({scenario.path}) for {seconds} s")
            cpu_before = workers_cpu_seconds(server_pid)
            result = run_wrk(base, scenario, session, seconds, args)
            runs[scenario.name].append({**result, "server_cpu_s": workers_cpu_seconds(server_pid) - cpu_before})
            if session and fetch(base + SIGNED_IN_CHECK, session["cookie"])[0] != 200:
                raise RuntimeError(f"{scenario.name}: the {scenario.role} session was lost during the run")
    return runs


def summarise(runs: list[dict], baseline_runs: list[dict]) -> dict:
    """One row's figures: medians over the rounds; the ratio is the median of per-round ratios."""
    def median(values):
        return statistics.median(values) if values else 0.0

    return {"rps": median([r["rps"] for r in runs]),
            "ratio": median([r["rps"] / b["rps"] for r, b in zip(runs, baseline_runs) if b["rps"]]),
            "p50_ms": median([r["p50_ms"] for r in runs]), "p99_ms": median([r["p99_ms"] for r in runs]),
            "rps_min": min(r["rps"] for r in runs), "rps_max": max(r["rps"] for r in runs),
            "cpu_ms": 1000 * sum(r["server_cpu_s"] for r in runs) / max(1, sum(r["requests"] for r in runs)),
            "errors": sum(r["non_2xx_3xx"] + r["socket_errors"] for r in runs), "rounds": runs}


# Machine -------------------------------------------------------------------------------------

def machine(database_version: str) -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    cpu = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    memory_kb = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    return {"cores": os.cpu_count(), "cpu": cpu.group(1).strip() if cpu else platform.processor(),
            "memory_gib": round(int(memory_kb.group(1)) / 1024 ** 2, 1) if memory_kb else None,
            "os": platform.platform(), "python": platform.python_version(), "database": database_version,
            "wrk": wrk_version.split(" Copyright")[0], "gunicorn": metadata.version("gunicorn"),
            "flask": metadata.version("flask"), "load_average_end": round(os.getloadavg()[0], 2)}


# Report --------------------------------------------------------------------------------------

def markdown(report: dict) -> str:
    m, s = report["machine"], report["settings"]
    lines = [
        f"### {m['database']}, {report['started'][:16].replace('T', ' ')} UTC",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}; Python {m['python']}, "
        f"{m['database']}, {m['wrk']}, gunicorn {m['gunicorn']}. gunicorn gthread {s['workers']} workers x "
        f"{s['threads']} threads; wrk {s['wrk_threads']} thread(s), {s['connections']} connections, "
        f"{s['duration'] // s['rounds'] * s['rounds']} s per row in {s['rounds']} interleaved rounds, after "
        f"{s['warmup']} s warm-up. "
        "wrk runs on the same cores as the server. "
        f"Load average (1 min) {report['load_average_start']:.2f} before the run (other work on the machine), "
        f"{m['load_average_end']:.2f} at the end (including this run's).",
        "",
        "| scenario | path | signed in as | req/s | x reference | against | p50 ms | p99 ms | req/s range "
        "| CPU ms/req | errors | weight KB (HTML+CSS+JS) | flags |",
        "|---|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for row in report["results"]:
        w = row.get("weight")
        weight = (f"{w['bytes'] / 1024:.1f} ({w['html_bytes'] / 1024:.1f}+{w['css_bytes'] / 1024:.1f}"
                  f"+{w['js_bytes'] / 1024:.1f})" if w else "")
        flags = []
        if w and w["over_limit"]:
            flags.append(f"over {WEIGHT_LIMIT // 1024} KB")
        if w and w["third_party_hosts"]:
            flags.append("third-party: " + ", ".join(w["third_party_hosts"]))
        lines.append(f"| {row['name']} | `{row['path']}` | {row['role'] or '-'} | {row['rps']:.0f} | "
                     f"{row['ratio']:.2f} | {row['baseline']} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
                     f"{row['rps_min']:.0f}-{row['rps_max']:.0f} | {row['cpu_ms']:.2f} | {row['errors']} | {weight} | "
                     f"{'; '.join(flags)} |")
    for row in report["results"]:
        if "attempts_submitted" in row:
            lines += ["", f"{row['name']}: {row['requests_sent']} requests measured (plus warm-up), "
                      f"{row['attempts_submitted']} attempts submitted in all; ratio against {row['baseline']}."
                      + (" Some requests re-submitted an attempt: raise --submissions." if
                         row["attempts_submitted"] < row["requests_sent"] else "")]
    baseline = next(row for row in report["results"] if row["name"] == REFERENCE.name)
    if baseline["rps_max"] > 1.2 * baseline["rps_min"] or report["load_average_start"] > 0.5:
        lines += ["", f"Noisy run: the reference route ranged over {baseline['rps_min']:.0f}-{baseline['rps_max']:.0f} req/s "
                  f"and/or the machine was busy before it started (load average {report['load_average_start']:.2f}); "
                  "treat differences between rows with care, or repeat the run when the machine is quiet."]
    if report["server_log_problems"]:
        lines += ["", f"Server log: {report['server_log_problems']} line(s) with ERROR or Traceback."]
    return "\n".join(lines)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# Main ----------------------------------------------------------------------------------------

def parse_args(argv=None):
    names = [s.name for s in SCENARIOS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per row (default 10)")
    parser.add_argument("--rounds", type=int, default=5, help="split each row's duration over this many "
                        "interleaved rounds (default 5)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each row")
    parser.add_argument("--connections", type=int, default=8, help="open connections in wrk (default 8)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--submissions", type=int, default=6000, help="attempts prepared for submit-attempt "
                        "(default 6000; each is submitted once, so keep it above the requests wrk sends)")
    parser.add_argument("--scenario", nargs="+", choices=names, default=names, metavar="NAME",
                        help=f"scenarios to run (default all: {', '.join(names)}); the reference rows always run")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration < args.rounds:  # wrk takes whole seconds only
        parser.error("--duration must be at least --rounds seconds")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the clean-up below still runs
    scenarios = [s for s in SCENARIOS if s.name in args.scenario]
    started, load_average_start = dt.datetime.now(dt.timezone.utc), round(os.getloadavg()[0], 2)
    with contextlib.ExitStack() as cleanup:
        tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="lit-bench-")))
        database_url, database_version = create_database(args.database, tmp, cleanup)
        accounts = load_demo(database_url)
        secret_key = secrets.token_hex(32)
        if any(s.name == SUBMIT for s in scenarios):
            prepare_submissions(database_url, secret_key, args.submissions, tmp)
        base, server_pid, server_log = start_gunicorn(database_url, tmp, cleanup, secret_key)
        sessions = {role: sign_in(base, *accounts[role]) for role in sorted({s.role for s in scenarios} - {None})}

        writes = any(s.baseline == WRITE_BASELINE for s in scenarios)
        rows = [*READ_REFERENCES, *(WRITE_REFERENCES if writes else []), *scenarios]
        weights = {s.name: None if s.lua else page_weight(base, s.path, s.role and sessions[s.role]["cookie"])
                   for s in rows}
        runs = measure(base, server_pid, rows, sessions, args)
        results = [{**asdict(s), "weight": weights[s.name], **summarise(runs[s.name], runs[s.baseline])}
                   for s in rows]
        for row in results:
            if row["name"] == SUBMIT:
                row["attempts_submitted"] = count_submitted(database_url)
                row["requests_sent"] = sum(r["requests"] for r in runs[SUBMIT])
        log_text = server_log.read_text(errors="replace")
        report = {
            "started": started.isoformat(timespec="seconds"), "database": args.database,
            "load_average_start": load_average_start,
            "machine": machine(database_version),
            "settings": {"workers": GUNICORN_WORKERS, "threads": GUNICORN_THREADS, "connections": args.connections,
                         "wrk_threads": min(args.wrk_threads, args.connections), "duration": args.duration,
                         "rounds": args.rounds, "warmup": args.warmup, "weight_limit_bytes": WEIGHT_LIMIT},
            "server_log_problems": sum(1 for line in log_text.splitlines() if "[ERROR]" in line or "Traceback" in line),
            "results": results,
        }
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"{started:%Y%m%d-%H%M%S}-{args.database}.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(markdown(report))
    log(f"results written to {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
