"""`lit serve` with the benchmark routes (/_bench/baseline, /_bench/insert) added, for the load test.

    python benchmarks/loadtest/serve.py serve [lit serve's options]

Everything else is the product's own production server: the same command, settings and checks.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/, for baseline_routes

import lit_platform  # noqa: E402
from baseline_routes import bench  # noqa: E402

_create_app = lit_platform.create_app


def create_app(config=None):
    app = _create_app(config)
    app.register_blueprint(bench)
    return app


# `lit serve` and its gunicorn workers build the app through lit_platform.create_app.
lit_platform.create_app = create_app

if __name__ == "__main__":
    from lit_platform.cli import main

    main()
