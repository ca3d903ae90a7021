#!/usr/bin/env python
"""Time the learning report on a large synthetic service against one raw SQL statement over the same data.

    python benchmarks/report_learning.py [--database sqlite|postgresql] [--learners 100000] [--seed 1]
                                         [--repeat 3] [--reuse URL] [--keep]

Generates the service with `lit demo-data` in its own process (not timed as part of the report), then,
in a fresh process, times (a) one raw SQL statement that computes the mean pre-test score, the mean
post-test score and the number of pairs from the item responses, and (b) the whole learning report as
JSON through the app (GET /api/v1/reports/learning with a manager's token: every query, the statistics
and the JSON encoding; the JSON has no charts). Both are run once to warm the caches and then
`--repeat` times; the medians are reported, with their ratio, and the peak resident memory of the
measuring process. See benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS_DIR = HERE / "results"
POSTGRES_ADMIN_URL = os.environ.get("LIT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

# Mean pre, mean post and the number of pairs, from the item responses, in one statement, by the
# report's own pairing rule: each handed-in attempt's percentage is summed from its responses; a
# participant's first attempt in each phase counts (by hand-in time, then id); an anonymous
# participant with two attempts in one phase is a conflict and is left out of the pairs.
RAW_STATEMENT = """
WITH attempt_scores AS (
    SELECT aa.participant_id, ap.phase, a.id AS attempt_id, a.submitted_at,
           100.0 * SUM(r.score) / SUM(r.points) AS percent
    FROM responses r
    JOIN attempts a ON a.id = r.attempt_id
    JOIN assessment_attempts aa ON aa.attempt_id = a.id
    JOIN assessment_points ap ON ap.id = aa.point_id
    WHERE ap.phase IN ('pre', 'post') AND a.status <> 'in_progress'
    GROUP BY aa.participant_id, ap.phase, a.id, a.submitted_at
), ranked AS (
    SELECT participant_id, phase, percent,
           ROW_NUMBER() OVER (PARTITION BY participant_id, phase ORDER BY submitted_at, attempt_id) AS nth,
           COUNT(*) OVER (PARTITION BY participant_id, phase) AS taken
    FROM attempt_scores
), per_participant AS (
    SELECT participant_id,
           MAX(CASE WHEN phase = 'pre' AND nth = 1 THEN percent END) AS pre,
           MAX(CASE WHEN phase = 'post' AND nth = 1 THEN percent END) AS post,
           MAX(taken) AS most_taken
    FROM ranked GROUP BY participant_id
)
SELECT AVG(pp.pre), AVG(pp.post), COUNT(*)
FROM per_participant pp JOIN assessment_participants p ON p.id = pp.participant_id
WHERE pp.pre IS NOT NULL AND pp.post IS NOT NULL AND NOT (p.user_id IS NULL AND pp.most_taken > 1)
"""


def log(message: str) -> None:
    print(f"[report] {message}", file=sys.stderr, flush=True)


def create_database(kind: str, tmp: Path, cleanup: contextlib.ExitStack) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'report.sqlite3'}"
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"lit_report_{secrets.token_hex(5)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"dropped database {name}")

    cleanup.callback(drop)
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def generate(url: str, learners: int, seed: int) -> float:
    env = dict(os.environ, LIT_DATABASE_URL=url, LIT_SECRET_KEY="benchmark-" + "x" * 40)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from lit_platform.cli import main; main()", "demo-data",
                    "--learners", str(learners), "--seed", str(seed)], env=env, check=True, cwd=ROOT)
    return time.perf_counter() - started


def measure(url: str, repeat: int) -> dict:
    """Runs in its own process, so that its peak memory is the report's alone."""
    from sqlalchemy import func, select, text

    from lit_platform import create_app
    from lit_platform.accounts.models import User, UserRole
    from lit_platform.bookings.tokens import create_api_token
    from lit_platform.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark-" + "x" * 40})
    with app.app_context():
        manager = db.session.scalar(select(User).join(UserRole, UserRole.user_id == User.id)
                                    .where(UserRole.role == "manager").order_by(User.id))
        token = create_api_token(manager, "benchmark")[1]
        db.session.commit()
        responses = db.session.scalar(select(func.count()).select_from(text("responses")))
        # the test with the most participants: one test in scope adds the item-level sections and
        # the performance tasks' rubric criteria
        busiest = db.session.execute(text("select instrument_id, count(*) from assessment_results "
                                          "group by instrument_id order by 2 desc, 1")).first()
        version = db.session.execute(text("select sqlite_version()" if url.startswith("sqlite")
                                          else "show server_version")).scalar()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def run_raw():
        with app.app_context():
            return tuple(db.session.execute(text(RAW_STATEMENT)).one())

    def run_report():
        response = client.get("/api/v1/reports/learning", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return response.get_json()

    def run_one_test():
        response = client.get(f"/api/v1/reports/learning?instrument={busiest[0]}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return response.get_json()

    def timed(function):
        started = time.perf_counter()
        result = function()
        return time.perf_counter() - started, result

    raw_result = run_raw()  # warm the caches
    report = run_report()
    one_test = run_one_test()
    raw_times, report_times, one_test_times = [], [], []
    for _ in range(repeat):
        raw_times.append(timed(run_raw)[0])
        report_times.append(timed(run_report)[0])
        one_test_times.append(timed(run_one_test)[0])
    tasks = one_test["sections"].get("performance", {}).get("data", {}).get("tasks", [])
    paired = report["sections"]["summary"]["data"]["paired"]
    # Both compute the same defined figures (the report's pairing rule), so the ratio compares equal work.
    assert raw_result[2] == paired["n"], (raw_result, paired)
    assert abs(float(raw_result[0]) - paired["mean_pre"]) < 1e-9, (raw_result, paired)
    assert abs(float(raw_result[1]) - paired["mean_post"]) < 1e-9, (raw_result, paired)
    return {
        "database": ("SQLite " if url.startswith("sqlite") else "PostgreSQL ") + str(version).split()[0],
        "responses": responses,
        "raw_seconds": statistics.median(raw_times),
        "report_seconds": statistics.median(report_times),
        "raw_times": raw_times,
        "report_times": report_times,
        "one_test_seconds": statistics.median(one_test_times),
        "one_test_times": one_test_times,
        "one_test_participants": busiest[1],
        "performance_tasks": [{"key": t["key"], "learners": t["learners"]} for t in tasks],
        "raw_result": {"mean_pre": float(raw_result[0]), "mean_post": float(raw_result[1]), "pairs": raw_result[2]},
        "report_result": {"mean_pre": paired["mean_pre"], "mean_post": paired["mean_post"], "pairs": paired["n"]},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", metavar="URL", help="measure a database generated earlier (with --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the generated database and print its URL")
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.measure, args.repeat)))
        return 0

    with contextlib.ExitStack() as cleanup:
        generated = None
        if args.reuse:
            url = args.reuse
        else:
            tmp = Path(tempfile.mkdtemp(prefix="lit-report-bench-")) if args.keep else Path(
                cleanup.enter_context(tempfile.TemporaryDirectory(prefix="lit-report-bench-")))
            url = create_database(args.database, tmp, contextlib.ExitStack() if args.keep else cleanup)
            log(f"generating {args.learners} learners (seed {args.seed}) in {url}")
            generated = generate(url, args.learners, args.seed)
            log(f"generated in {generated:.0f} s")
        output = subprocess.run([sys.executable, __file__, "--measure", url, "--repeat", str(args.repeat)],
                                check=True, capture_output=True, text=True, cwd=ROOT)
        result = json.loads(output.stdout.strip().splitlines()[-1])
        result.update(learners=args.learners, seed=args.seed, generate_seconds=generated,
                      ratio=result["report_seconds"] / result["raw_seconds"],
                      when=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                      machine=f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
        RESULTS_DIR.mkdir(exist_ok=True)
        name = f"report-{result['database'].split()[0].lower()}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
        (RESULTS_DIR / name).write_text(json.dumps(result, indent=2))
        print("| database | learners | item responses | raw statement (s) | learning report (s) | "
              "report / raw | peak memory (MB) |")
        print("|---|--:|--:|--:|--:|--:|--:|")
        print(f"| {result['database']} | {args.learners:,} | {result['responses']:,} | {result['raw_seconds']:.2f} | "
              f"{result['report_seconds']:.2f} | {result['ratio']:.2f} | {result['peak_rss_mb']:.0f} |")
        print(f"\nraw statement: {result['raw_result']}\nreport:        {result['report_result']}")
        print(f"one test ({result['one_test_participants']:,} participants; item-level sections and performance "
              f"tasks {result['performance_tasks']}): {result['one_test_seconds']:.2f} s, "
              f"{result['one_test_seconds'] / result['raw_seconds']:.2f} x the raw statement")
        if args.keep and not args.reuse:
            print(f"\nkept: --reuse {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
