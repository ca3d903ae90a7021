"""Running in production: request ids, JSON logs, Prometheus metrics and the readiness check."""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import sys
import time
from datetime import datetime, timezone
from functools import cache

from flask import abort, current_app, g, has_request_context, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, disable_created_metrics,
                               generate_latest)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select, text

from .config import ConfigurationError, resource_path
from .extensions import db

#: an incoming X-Request-ID is kept when it looks like an id (a proxy's or load balancer's), else replaced
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
LOG_FORMATS = ("plain", "json")
#: methods are a label: anything unusual is counted as "other", so no client can add label values at will
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

# A `_created` timestamp beside every series doubles their number and no dashboard here reads it.
disable_created_metrics()
REQUESTS = Counter("lit_http_requests", "HTTP requests answered, by endpoint (route), method and status",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("lit_http_request_duration_seconds", "Time to answer HTTP requests, by endpoint and method",
                    ["endpoint", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


# Request ids and logs ------------------------------------------------------------------------

def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


def _start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()
    g.request_started = time.perf_counter()


@cache
def _request_counter(endpoint: str, method: str, status: int):
    """The counter of one endpoint, method and status (a bounded set: routes x known methods x statuses)."""
    return REQUESTS.labels(endpoint, method, str(status))


@cache
def _latency_histogram(endpoint: str, method: str):
    return LATENCY.labels(endpoint, method)


def _finish_request(response):
    response.headers["X-Request-ID"] = g.get("request_id") or ""
    started = g.get("request_started")
    endpoint = request.endpoint or "none"
    method = request.method if request.method in KNOWN_METHODS else "other"
    _request_counter(endpoint, method, response.status_code).inc()
    if started is not None:
        _latency_histogram(endpoint, method).observe(time.perf_counter() - started)
    return response


class RequestIdFilter(logging.Filter):
    """Adds the current request's id (or None outside a request) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter("{asctime}{levelname}{name}{message}{request_id}", style="{",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         datefmt="%Y-%m-%dT%H:%M:%S%z")


def configure_logging(app) -> None:
    """LIT_LOG_FORMAT=json: one JSON object a line on standard error, each with the request's id."""
    log_format = app.config.get("LIT_LOG_FORMAT") or "plain"
    if log_format not in LOG_FORMATS:
        raise ConfigurationError(f"LIT_LOG_FORMAT is {log_format!r}: it must be one of {', '.join(LOG_FORMATS)}.")
    if log_format != "json":
        return
    from flask.logging import default_handler

    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "lit_json", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.lit_json = True
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)


# Metrics -------------------------------------------------------------------------------------

def _outbox_metrics():
    """The outbox's state, read on each scrape with one grouped query."""
    from .outbox.models import OutboxMessage

    try:
        rows = db.session.execute(
            select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
            .group_by(OutboxMessage.status)).all()
    except Exception:  # the request metrics are still worth having while the database is down
        current_app.logger.exception("Metrics: the outbox could not be read")
        return
    finally:
        db.session.rollback()
    by_status = {status: (count, oldest) for status, count, oldest in rows}
    pending, oldest = by_status.get("pending", (0, None))
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=timezone.utc)
    age = (datetime.now(timezone.utc) - oldest).total_seconds() if oldest else 0.0
    yield GaugeMetricFamily("lit_outbox_queue_depth", "E-mail messages waiting to be sent", value=pending)
    yield GaugeMetricFamily("lit_outbox_oldest_message_age_seconds",
                            "Age of the oldest message waiting to be sent (0 when none waits)", value=max(age, 0.0))
    yield GaugeMetricFamily("lit_outbox_failed_deliveries",
                            "Messages given up on after the maximum number of tries", value=by_status.get("failed",
                                                                                                        (0,))[0])


class _Scrape:
    """What one scrape exposes: this process's metrics (or, under gunicorn, every worker's) and the outbox."""

    def collect(self):
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if directory:
            from prometheus_client import CollectorRegistry, multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=directory)
            yield from registry.collect()
        else:
            yield from REGISTRY.collect()
        yield from _outbox_metrics()


def _address_allowed(networks) -> bool:
    # Behind a reverse proxy that Flask has not been told about, the address is the proxy's: it says nothing
    # about who asked, so only the token is accepted then.
    if "X-Forwarded-For" in request.headers and "werkzeug.proxy_fix.orig" not in request.environ:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def _token_allowed(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                              token.encode())


def metrics():
    """Prometheus metrics, for the configured addresses or the bearer token only; 404 to anyone else."""
    config = current_app.config
    if not (_token_allowed(config["LIT_METRICS_TOKEN"]) or _address_allowed(config["LIT_METRICS_NETWORKS"])):
        abort(404)
    return generate_latest(_Scrape()), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"}


metrics.access = "public"  # the view checks its own credentials (addresses or token)


def _networks(value: str):
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigurationError(f"LIT_METRICS_ALLOW: {item!r} is not an address or network (CIDR).") from None
    return tuple(networks)


# Readiness -----------------------------------------------------------------------------------

@cache
def migration_heads(directory: str) -> frozenset[str]:
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(directory).get_heads())


@cache
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def readiness() -> dict[str, str]:
    """Each check's result: "ok" (or "not configured"), else a short reason that reveals no settings."""
    from alembic.runtime.migration import MigrationContext

    checks = {}
    try:
        connection = db.session.connection()
        connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
        current = frozenset(MigrationContext.configure(connection).get_current_heads())
        heads = migration_heads(str(resource_path("migrations")))
        checks["migrations"] = "ok" if current == heads else "not at head (run: lit db upgrade)"
    except Exception:
        current_app.logger.exception("Readiness: the database check failed")
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    finally:
        db.session.rollback()
    url = current_app.config.get("LIT_REDIS_URL")
    if not url:
        checks["redis"] = "not configured"
    else:
        try:
            _redis_client(url).ping()
            checks["redis"] = "ok"
        except Exception:
            current_app.logger.exception("Readiness: Redis did not answer")
            checks["redis"] = "unreachable"
    return checks


def init_observability(app) -> None:
    app.config.setdefault("LIT_LOG_FORMAT", os.environ.get("LIT_LOG_FORMAT", "plain"))
    app.config.setdefault("LIT_METRICS_ALLOW", os.environ.get("LIT_METRICS_ALLOW", "127.0.0.1,::1"))
    app.config.setdefault("LIT_METRICS_TOKEN", os.environ.get("LIT_METRICS_TOKEN", ""))
    token = app.config["LIT_METRICS_TOKEN"]
    if token and len(token) < 32:
        raise ConfigurationError("LIT_METRICS_TOKEN must be a random value of at least 32 characters.")
    app.config["LIT_METRICS_NETWORKS"] = _networks(app.config["LIT_METRICS_ALLOW"])
    configure_logging(app)
    # First, so that every other hook and every log line of the request has the id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    app.add_url_rule("/metrics", "metrics", metrics)
