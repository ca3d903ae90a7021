"""A real HTTP server on a committed database, and signed-in clients for it (for concurrency tests)."""
from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from itsdangerous import URLSafeTimedSerializer

from lit_platform.accounts.models import User, UserRole
from lit_platform.extensions import db


@dataclass
class Browser:
    """What a signed-in browser holds: the user's session cookie and a CSRF token valid for it."""

    user_id: int
    cookie: str
    csrf_token: str


def learners(app, count: int, prefix: str = "storm") -> list[Browser]:
    """Create `count` learners and forge the session each would have after signing in."""
    serializer = app.session_interface.get_signing_serializer(app)
    csrf = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
    with app.app_context():
        users = [User(email=f"{prefix}{n}@example.org", name=f"Learner {n:03d}", role_rows=[UserRole(role="learner")])
                 for n in range(count)]
        db.session.add_all(users)
        db.session.commit()
        browsers = []
        for user in users:
            raw = f"csrf-{prefix}-{user.id}"
            cookie = serializer.dumps({"_user_id": f"{user.id}:{user.session_version}", "_fresh": True,
                                       "csrf_token": raw, "seen": int(time.time())})
            browsers.append(Browser(user.id, cookie, csrf.dumps(raw)))
        return browsers


def post_form(port: int, path: str, browser: Browser, fields: dict | None = None) -> int:
    body = urllib.parse.urlencode({"csrf_token": browser.csrf_token, **(fields or {})})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"session={browser.cookie}",
            "Connection": "close"})
        return connection.getresponse().status
    finally:
        connection.close()


def storm(port: int, path_for, browsers: list[Browser]) -> list[int]:
    """Every browser posts at the same moment (a barrier releases them together); returns the statuses."""
    barrier = threading.Barrier(len(browsers))

    def one(browser):
        barrier.wait(timeout=60)
        return post_form(port, path_for(browser), browser)

    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        return list(pool.map(one, browsers))
