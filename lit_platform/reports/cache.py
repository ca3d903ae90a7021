"""Built reports and drawn charts, kept for a while: in Redis when LIT_REDIS_URL is set (shared by every
worker and server), else in this process's memory.

A report's key holds everything that decides its content: the report, the filters in force (which
hold the viewer's scope: a librarian's own sessions), the viewer's scope again, the installation's
small-group size and time zone, and the versions of the data it reads (reports/freshness.py). A change
to that data gives it a new version in the same transaction, so the next request builds the report
afresh; LIT_REPORT_CACHE_SECONDS (default 300) bounds how long anything is kept, which also covers what
changes with time alone (a session passing into "delivered").

A chart's key is a hash of its drawing (the function, its plain-value arguments and the charts code),
so equal charts are drawn once, and the key serves as its file's ETag.

Values are signed JSON (codec.py): a value that is not signed with this site's key, or was altered,
is refused (logged, and built again), never trusted.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app

from . import codec

log = logging.getLogger(__name__)
EXTENSION = "lit_report_cache"
PREFIX = "lit:reports:"


class MemoryStore:
    """A bounded, time-limited map of keys to bytes, for one process."""

    def __init__(self, max_entries: int = 256):
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: str, value: bytes, seconds: int) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)


class RedisStore:
    """The same in Redis; an unreachable Redis is a miss (the report is built), logged, never an error page."""

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def get(self, key: str) -> bytes | None:
        try:
            return self.client.get(key)
        except Exception:
            log.warning("The report cache (Redis) did not answer; building the report", exc_info=True)
            return None

    def set(self, key: str, value: bytes, seconds: int) -> None:
        try:
            self.client.set(key, value, ex=max(1, seconds))
        except Exception:
            log.warning("The report cache (Redis) did not answer; the report was not kept", exc_info=True)


class ReportCache:
    def __init__(self, store, secret_key: str, seconds: int):
        self.store = store
        self.key = codec.signing_key(secret_key)
        self.seconds = seconds

    def fetch(self, key: str, build: Callable[[], object]):
        """The value kept under `key`, or `build()`'s (kept for next time)."""
        if self.seconds <= 0:
            return build()
        data = self.store.get(PREFIX + key)
        if data is not None:
            try:
                return codec.unseal(data, self.key)
            except codec.RefusedValue as refusal:
                log.warning("A cached report value was refused (%s); building it again", refusal)
        value = build()
        self.store.set(PREFIX + key, codec.seal(value, self.key), self.seconds)
        return value


def init_app(app) -> None:
    """Give the app its cache (memory, or Redis when LIT_REDIS_URL is set)."""
    url = app.config.get("LIT_REDIS_URL")
    store = RedisStore(url) if url else MemoryStore()
    app.extensions[EXTENSION] = ReportCache(store, app.config["SECRET_KEY"],
                                            int(app.config.get("LIT_REPORT_CACHE_SECONDS", 300)))


def report_cache() -> ReportCache:
    return current_app.extensions[EXTENSION]


def report_key(kind: str, variant: str, filters, scope: str, versions: dict[str, str]) -> str:
    """The key of one report as one viewer sees it, at these data versions."""
    config = current_app.config
    parts = [kind, variant, scope, {name: str(value) for name, value in dataclasses.asdict(filters).items()
                                    if value is not None}, versions, config["LIT_REPORT_MIN_GROUP"],
             config["LIT_TIMEZONE"]]
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return "report:" + hashlib.sha256(text.encode()).hexdigest()


def chart_svg(chart) -> str:
    """The chart's SVG, drawn only if no process has drawn it within the time limit."""
    if isinstance(chart.svg_source, str):
        return chart.svg_source
    return report_cache().fetch("chart:" + chart.key, lambda: chart.svg)
