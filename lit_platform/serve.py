"""`lit serve`: the production server (gunicorn, threaded workers)."""
from __future__ import annotations

import os
import traceback
from pathlib import Path

from gunicorn import glogging
from gunicorn.app.base import BaseApplication

#: gunicorn's combined format, followed by the request's id (the X-Request-ID the app answered with)
PLAIN_ACCESS_FORMAT = '%(h)s - - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)ss %({x-request-id}o)s'


def default_workers() -> int:
    """gunicorn's rule of thumb (2 x cores + 1), at most 12: the database, not the CPU, limits beyond that."""
    return min(2 * (os.cpu_count() or 1) + 1, 12)


class JsonLogger(glogging.Logger):
    """gunicorn's own and access log lines as JSON objects, the access line with the request's id."""

    def setup(self, cfg):
        super().setup(cfg)
        from .observability import json_formatter

        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(json_formatter())

    def access(self, resp, req, environ, request_time):
        atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
        try:
            self.access_log.info("request", extra={
                "request_id": atoms["{x-request-id}o"], "remote_addr": atoms["h"], "method": atoms["m"],
                "path": atoms["U"], "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
                "bytes": atoms["B"], "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "user_agent": atoms["a"]})
        except Exception:
            self.error(traceback.format_exc())


def _child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class LitServer(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app()


def prepare_metrics_directory(instance_path: Path) -> Path:
    """Several worker processes share their metrics through files (prometheus-client's multiprocess mode):
    PROMETHEUS_MULTIPROC_DIR if set, else instance/prometheus. Its metric files (*.db) are removed at start,
    as the library asks; nothing else in it is touched."""
    directory = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or instance_path / "prometheus")
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def gunicorn_options(bind: str, workers: int, threads: int, log_format: str) -> dict:
    options = {
        "bind": [part.strip() for part in bind.split(",") if part.strip()],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": PLAIN_ACCESS_FORMAT,
        # A report export or a PDF may take a while; a stuck worker is replaced after this.
        "timeout": 120,
        "graceful_timeout": 30,
        "keepalive": 5,
        # No max_requests: a gthread worker restarting after its quota resets the connections it has accepted
        # but not yet served (gunicorn issue 3038, still so in 23.0), and each such visitor gets an error page.
        "child_exit": _child_exit,
        "proc_name": "lit-platform",
    }
    if log_format == "json":
        options["logger_class"] = JsonLogger
    return options
