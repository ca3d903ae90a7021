"""CPU time per request through the whole WSGI stack, in one process, with an optional profile.

    python benchmarks/inprocess.py                      # the read rows, best of 5 rounds of 150 requests
    python benchmarks/inprocess.py --profile module-page  # and where module-page's time goes (cProfile)

Werkzeug's test client calls the same app as benchmarks/wsgi.py serves (production settings, the
reference apps beside it) on a fresh SQLite demo database, signed in as the demo learner. It leaves
out wrk, accepting connections and gunicorn, which run.py's figures include, and it does not wait
for a core, so it is steadier than run.py on a busy machine: use it to find and check a saving, and
run.py to quote one. Rows are interleaved round by round, and each row's ratio is taken against the
Flask-SQLAlchemy reference route measured in the same round.
"""
from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (benchmarks/run.py: the demo database and the autosave attempt)

ROWS = {
    "flask": ("GET", "/_ref/flask/baseline", None),
    "flask-sqlalchemy": ("GET", "/_ref/orm/baseline", None),
    "baseline": ("GET", "/_bench/baseline", None),
    "home-learner": ("GET", "/", "learner"),
    "module-page": ("GET", f"/courses/{run.MODULE_COURSE}/keywords-and-boolean", "learner"),
    "my-learning": ("GET", "/learning", "learner"),
    "autosave-short": ("POST", "LIT_BENCH_AUTOSAVE_SHORT", "learner"),
    "autosave-search": ("POST", "LIT_BENCH_AUTOSAVE_SEARCH", "learner"),
}


def local_client(app):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = run.USER_AGENT
    return client


BASE = "http://127.0.0.1"  # a trusted host under the benchmark app's settings


def signed_in_client(app, email: str, password: str):
    client = local_client(app)
    page = client.get("/account/login", base_url=BASE).get_data(as_text=True)
    response = client.post("/account/login", base_url=BASE, data={"email": email, "password": password,
                                                   "csrf_token": run.csrf_token(page)})
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in as {email}")
    token = run.csrf_token(client.get("/account/profile", base_url=BASE).get_data(as_text=True))
    return client, token


def requester(app, clients, row: str):
    method, path, role = ROWS[row]
    client, token = clients[role] if role else (local_client(app), None)
    if method == "GET":
        return lambda: client.get(path, base_url=BASE)
    bodies = [dict(parse_qsl(os.environ[f"{path}_BODY"])), dict(parse_qsl(os.environ[f"{path}_BODY_2"]))]
    url, turn = os.environ[f"{path}_PATH"], [0]

    def post():
        turn[0] += 1
        return client.post(url, base_url=BASE, data=bodies[turn[0] % 2], headers={"X-CSRFToken": token})
    return post


def cpu_ms(call, count: int) -> float:
    start = time.process_time()
    for _ in range(count):
        response = call()
        if response.status_code != 200:
            raise RuntimeError(f"{response.request.path}: {response.status_code}")
    return (time.process_time() - start) * 1000 / count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", default=list(ROWS), choices=list(ROWS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--profile", choices=list(ROWS), help="profile this row afterwards and print the top calls")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as cleanup:
        database_url, version = run.create_database("sqlite", Path(tmp), cleanup)
        os.environ.setdefault("LIT_SECRET_KEY", secrets.token_hex(32))
        os.environ["LIT_DATABASE_URL"] = database_url
        os.environ.setdefault("LIT_REDIS_URL", "redis://127.0.0.1:6379/0")
        os.environ["LIT_BENCH_RATELIMIT_PREFIX"] = f"lit-inprocess-{secrets.token_hex(4)}"
        accounts = run.load_demo(database_url)
        import wsgi

        app = wsgi.platform_app
        app.wsgi_app = wsgi.with_references(app)
        clients = {"learner": signed_in_client(app, *accounts["learner"])}
        calls = {row: requester(app, clients, row) for row in args.rows}
        for call in calls.values():
            cpu_ms(call, 20)  # warm caches and compile templates
        best = {row: float("inf") for row in args.rows}
        ratios = {row: [] for row in args.rows}
        for _ in range(args.rounds):
            reference = cpu_ms(requester(app, clients, "flask-sqlalchemy"), args.requests)
            for row, call in calls.items():
                spent = cpu_ms(call, args.requests)
                best[row] = min(best[row], spent)
                ratios[row].append(reference / spent)
        print(f"{version}; best of {args.rounds} rounds of {args.requests} requests; CPU ms per request")
        print("| row | CPU ms/req | x flask-sqlalchemy (range over rounds) |")
        print("|---|--:|--:|")
        for row in args.rows:
            print(f"| {row} | {best[row]:.2f} | {min(ratios[row]):.2f}-{max(ratios[row]):.2f} |")
        if args.profile:
            call = requester(app, clients, args.profile)
            profile = cProfile.Profile()
            profile.runcall(cpu_ms, call, args.requests)
            pstats.Stats(profile).sort_stats(os.environ.get("LIT_PROFILE_SORT", "cumulative")).print_stats(45)
    return 0


if __name__ == "__main__":
    sys.exit(main())
