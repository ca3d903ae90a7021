#!/usr/bin/env python
"""Load-test the report pages, built afresh and taken from the report cache, with their weights and charts.

    python benchmarks/report_pages.py [--database sqlite|postgresql] [--duration SECONDS] [--connections N]

Creates a fresh database with the demo (its synthetic service of 300 learners gives every report figures),
serves benchmarks/wsgi.py twice with gunicorn on 127.0.0.1: once as configured (reports and charts cached
in Redis, shared by the workers) and once with LIT_REPORT_CACHE_SECONDS=0 (every request builds its
report: the cold cost). Measures each report page and a chart file of each on both, against the
Flask-SQLAlchemy reference route of run.py measured in the same rounds, prints a Markdown table and
writes JSON to benchmarks/results/. See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import run
from run import REFERENCE, Scenario, fetch, log, page_weight, run_wrk, sign_in, summarise, workers_cpu_seconds

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Row:
    name: str
    path: str
    role: str | None
    server: str  # "cached" (the configured cache) or "cold" (LIT_REPORT_CACHE_SECONDS=0)
    headers: tuple[str, ...] = ()


def report_rows(session_id: int) -> list[tuple[str, str, str]]:
    """(name, path, role) of every report page measured."""
    return [("learning", "/reports/learning", "manager"),
            ("reaction", "/reports/reaction", "manager"),
            ("reach", "/reports/reach", "manager"),
            ("session-learning", f"/reports/learning?session={session_id}", "librarian"),
            ("dashboard", "/reports", "manager")]


def librarian_session(database_url: str, email: str) -> int:
    """The latest past session the demo librarian facilitates: 'a session's report'."""
    from sqlalchemy import select

    from lit_platform import create_app
    from lit_platform.accounts.models import User
    from lit_platform.bookings.models import Session, SessionFacilitator
    from lit_platform.core.types import utcnow
    from lit_platform.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "LIT_ENV": "testing", "SECRET_KEY": "x" * 32})
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        session_id = db.session.scalar(
            select(Session.id).join(SessionFacilitator, SessionFacilitator.session_id == Session.id)
            .where(SessionFacilitator.user_id == user_id, Session.starts_at < utcnow())
            .order_by(Session.starts_at.desc()))
        db.engine.dispose()
    if session_id is None:
        raise RuntimeError("the demo librarian facilitates no past session")
    return session_id


def chart_sources(base: str, path: str, cookie: str) -> list[str]:
    status, html = fetch(base + path, cookie)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    return [src.replace("&amp;", "&") for src in re.findall(r'<img src="(/reports/[^"]+\.svg[^"]*)"', html.decode())]


def section_paths(base: str, path: str, cookie: str) -> list[str]:
    """The pages of the report's sections (where a report shows its tables one link away)."""
    status, html = fetch(base + path, cookie)
    kind_path, _, query = path.partition("?")
    return [f"{kind_path}/{key}" + (f"?{query}" if query else "")
            for key in re.findall(r'<section aria-labelledby="(\w+)-title"', html.decode()) if key != "methods"]


def chart_weights(base: str, sources: list[str], cookie: str) -> list[int]:
    sizes = []
    for src in sources:
        status, body = fetch(base + src, cookie)
        if status != 200:
            raise RuntimeError(f"{src} answered {status}")
        sizes.append(len(body))
    return sizes


def wrk_with_headers(base: str, row: Row, session: dict | None, seconds: int, args) -> dict:
    scenario = Scenario(row.name, row.path, row.role)
    if not row.headers:
        return run_wrk(base, scenario, session, seconds, args)
    # run_wrk takes no extra headers: a Lua script adds them (If-None-Match for the 304 row).
    handle, name = tempfile.mkstemp(suffix=".lua", dir=HERE)
    os.close(handle)
    script = Path(name)
    try:
        script.write_text("".join(f'wrk.headers["{name}"] = "{value}"\n'
                                  for name, value in (h.split(": ", 1) for h in row.headers)))
        return run_wrk(base, Scenario(row.name, row.path, row.role, lua=script.name), session, seconds, args)
    finally:
        script.unlink()


def measure(servers: dict, rows: list[Row], sessions: dict, args) -> dict[str, list[dict]]:
    """Interleaved rounds, as run.py: the reference, then every row, for duration // rounds seconds each."""
    runs: dict[str, list[dict]] = {row.name: [] for row in rows}
    seconds = args.duration // args.rounds
    for number in range(1, args.rounds + 1):
        for row in rows:
            base, pid = servers[row.server]
            session = sessions.get(row.role)
            if number == 1 and args.warmup:
                wrk_with_headers(base, row, session, args.warmup, args)
            log(f"round {number}/{args.rounds}: {row.name} ({row.server} server) for {seconds} s")
            before = workers_cpu_seconds(pid)
            result = wrk_with_headers(base, row, session, seconds, args)
            runs[row.name].append({**result, "server_cpu_s": workers_cpu_seconds(pid) - before})
    return runs


def markdown(report: dict) -> str:
    m, s = report["machine"], report["settings"]
    lines = [
        f"### Report pages, {m['database']}, {report['started'][:16].replace('T', ' ')} UTC",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB; Python {m['python']}, {m['database']}, "
        f"{m['wrk']}, gunicorn {m['gunicorn']}. Two servers, each gunicorn gthread {s['workers']} workers x "
        f"{s['threads']} threads: `cached` as configured (Redis), `cold` with LIT_REPORT_CACHE_SECONDS=0. "
        f"wrk {s['connections']} connections, {s['duration'] // s['rounds'] * s['rounds']} s per row in "
        f"{s['rounds']} interleaved rounds after {s['warmup']} s warm-up, on the same cores. Load average (1 min) "
        f"{report['load_average_start']:.2f} before, {m['load_average_end']:.2f} at the end.",
        "",
        "| row | path | server | signed in as | req/s | x reference | p50 ms | p99 ms | req/s range | CPU ms/req "
        "| errors | weight KB (HTML+CSS+JS) | charts KB | flags |",
        "|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for row in report["results"]:
        w = row.get("weight")
        weight = (f"{w['bytes'] / 1024:.1f} ({w['html_bytes'] / 1024:.1f}+{w['css_bytes'] / 1024:.1f}"
                  f"+{w['js_bytes'] / 1024:.1f})" if w else "")
        charts = row.get("charts")
        chart_text = (" + ".join(f"{size / 1024:.1f}" for size in charts) if charts else "") if w else ""
        flags = []
        if w and w["over_limit"]:
            flags.append(f"over {run.WEIGHT_LIMIT // 1024} KB")
        if w and w["third_party_hosts"]:
            flags.append("third-party: " + ", ".join(w["third_party_hosts"]))
        if charts and max(charts) > run.WEIGHT_LIMIT:
            flags.append("a chart over 60 KB")
        lines.append(f"| {row['name']} | `{row['path']}` | {row['server']} | {row['role'] or '-'} | {row['rps']:.1f} | "
                     f"{row['ratio']:.3f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
                     f"{row['rps_min']:.1f}-{row['rps_max']:.1f} | {row['cpu_ms']:.1f} | {row['errors']} | {weight} | "
                     f"{chart_text} | {'; '.join(flags)} |")
    lines += ["", "Each section's own page (its tables), weight only:", "",
              "| section page | signed in as | weight KB (HTML+CSS+JS) | flags |", "|---|---|--:|---|"]
    for path, w in report["section_pages"].items():
        flags = [f"over {run.WEIGHT_LIMIT // 1024} KB"] if w["over_limit"] else []
        if w["third_party_hosts"]:
            flags.append("third-party: " + ", ".join(w["third_party_hosts"]))
        lines.append(f"| `{path}` | {w['role']} | {w['bytes'] / 1024:.1f} ({w['html_bytes'] / 1024:.1f}+"
                     f"{w['css_bytes'] / 1024:.1f}+{w['js_bytes'] / 1024:.1f}) | {'; '.join(flags)} |")
    if report["load_average_start"] > 0.5:
        lines += ["", f"Busy machine: load average {report['load_average_start']:.2f} before the run; latencies "
                      "include waiting for a core. CPU ms/req is the steadier column."]
    if report["server_log_problems"]:
        lines += ["", f"Server logs: {report['server_log_problems']} line(s) with ERROR or Traceback."]
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per row (default 10)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load before each row")
    parser.add_argument("--connections", type=int, default=8, help="open connections in wrk (default 8)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration < args.rounds:
        parser.error("--duration must be at least --rounds seconds")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started, load_average_start = dt.datetime.now(dt.timezone.utc), round(os.getloadavg()[0], 2)
    with contextlib.ExitStack() as cleanup:
        tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="lit-bench-reports-")))
        database_url, database_version = run.create_database(args.database, tmp, cleanup)
        accounts = run.load_demo(database_url)
        session_id = librarian_session(database_url, accounts["librarian"][0])
        secret_key = secrets.token_hex(32)
        servers, logs = {}, []
        for name, seconds in (("cached", None), ("cold", "0")):
            environ = dict(os.environ)
            if seconds is not None:
                os.environ["LIT_REPORT_CACHE_SECONDS"] = seconds
            try:
                (tmp / name).mkdir()
                base, pid, logfile = run.start_gunicorn(database_url, tmp / name, cleanup, secret_key)
            finally:
                os.environ.clear()
                os.environ.update(environ)
            servers[name] = (base, pid)
            logs.append(logfile)
        cached_base = servers["cached"][0]
        # One sign-in per role serves both servers: the same key signs the session cookie.
        sessions = {role: sign_in(cached_base, *accounts[role]) for role in ("manager", "librarian")}

        rows, weights, charts = [Row(REFERENCE.name, REFERENCE.path, None, "cached")], {}, {}
        section_weights: dict[str, dict] = {}
        for name, path, role in report_rows(session_id):
            cookie = sessions[role]["cookie"]
            weights[name] = page_weight(cached_base, path, cookie)
            sources = chart_sources(cached_base, path, cookie)
            charts[name] = chart_weights(cached_base, sources, cookie)
            rows += [Row(f"{name}-cold", path, role, "cold"), Row(name, path, role, "cached")]
            if name != "dashboard":
                for section in section_paths(cached_base, path, cookie):
                    section_weights[section] = {"role": role, **page_weight(cached_base, section, cookie)}
            if sources and name in ("learning", "session-learning"):
                etag = run_etag(cached_base + sources[0], cookie)
                rows += [Row(f"{name}-chart-cold", sources[0], role, "cold"),
                         Row(f"{name}-chart", sources[0], role, "cached"),
                         Row(f"{name}-chart-304", sources[0], role, "cached", (f"If-None-Match: {etag}",))]
        runs = measure(servers, rows, sessions, args)
        results = []
        for row in rows:
            figures = summarise(runs[row.name], runs[REFERENCE.name])
            results.append({"name": row.name, "path": row.path, "role": row.role, "server": row.server,
                            "weight": weights.get(row.name), "charts": charts.get(row.name), **figures})
        problems = sum(1 for logfile in logs for line in logfile.read_text(errors="replace").splitlines()
                       if "[ERROR]" in line or "Traceback" in line)
        report = {"started": started.isoformat(timespec="seconds"), "database": args.database,
                  "load_average_start": load_average_start, "machine": run.machine(database_version),
                  "settings": {"workers": run.GUNICORN_WORKERS, "threads": run.GUNICORN_THREADS,
                               "connections": args.connections, "duration": args.duration, "rounds": args.rounds,
                               "warmup": args.warmup, "session_id": session_id},
                  "server_log_problems": problems, "results": results, "section_pages": section_weights}
    run.RESULTS_DIR.mkdir(exist_ok=True)
    out = run.RESULTS_DIR / f"{started:%Y%m%d-%H%M%S}-report-pages-{args.database}.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(markdown(report))
    log(f"results written to {out.relative_to(HERE.parent)}")
    return 0


def run_etag(url: str, cookie: str) -> str:
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": run.USER_AGENT, "Cookie": f"session={cookie}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["ETag"]


if __name__ == "__main__":
    sys.exit(main())
