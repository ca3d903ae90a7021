"""The app that benchmarks/run.py serves with gunicorn: the product app plus its baseline routes,
and the reference apps of reference.py beside it.

Configuration comes from the usual LIT_* variables (run.py sets LIT_DATABASE_URL and
LIT_SECRET_KEY); the overrides below exist only here, never in the product.
"""
from __future__ import annotations

import os

import reference
from lit_platform import create_app

from baseline_routes import ROWS, SECTIONS, bench

BENCHMARK_CONFIG = {
    # Production settings, as a real site runs: rate limits shared through Redis, trusted hosts, HSTS.
    "LIT_ENV": "production",
    "LIT_BASE_URL": os.environ.get("LIT_BASE_URL") or "http://127.0.0.1",
    "RATELIMIT_KEY_PREFIX": os.environ.get("LIT_BENCH_RATELIMIT_PREFIX", "lit-bench"),
    # run.py signs in once per role; the product's 10 per minute would refuse a re-run.
    "LIT_LOGIN_RATE_LIMIT": "100000 per minute",
    # served over plain HTTP on 127.0.0.1: the session cookie must not be marked Secure.
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SECURE": False,
}


def create_benchmark_app():
    if not os.environ.get("LIT_DATABASE_URL"):
        raise RuntimeError("Set LIT_DATABASE_URL: the benchmark app never falls back to the development database.")
    if not os.environ.get("LIT_REDIS_URL"):
        raise RuntimeError("Set LIT_REDIS_URL: production settings with several workers share rate limits through Redis.")
    app = create_app(BENCHMARK_CONFIG)
    app.register_blueprint(bench)
    return app


def with_references(platform):
    """/_ref/flask/* and /_ref/orm/* go to the reference apps (reference.py), everything else to the platform."""
    database_url, site_name = platform.config["SQLALCHEMY_DATABASE_URI"], platform.config["LIT_SITE_NAME"]
    static = platform.static_folder
    bare = reference.bare_flask(database_url, SECTIONS, ROWS, site_name, static).wsgi_app
    orm = reference.flask_sqlalchemy(database_url, SECTIONS, ROWS, site_name, static).wsgi_app
    served = platform.wsgi_app

    def dispatch(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_ref/"):
            return (bare if path.startswith("/_ref/flask/") else orm)(environ, start_response)
        return served(environ, start_response)

    return dispatch


platform_app = create_benchmark_app()
app = with_references(platform_app)
