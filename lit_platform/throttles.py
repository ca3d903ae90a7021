"""Throttles beyond sign-in: the API, booking and cancelling, exports, check-in codes, and e-mail to one address.

Each limit is read from a LIT_*_RATE_LIMIT setting when a request arrives, and is set far above what a
class does (thirty people on one building's address, each booking, checking in and downloading now and
then) and far below what a script does. A refused request gets 429 with Retry-After (the page or JSON
comes from the app's and the API's 429 handlers). Counts live in the limiter's store: LIT_REDIS_URL when
several processes serve the site, so that they share them.
"""
from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, request
from flask_login import current_user

from .extensions import limiter


def _setting(name: str):
    return lambda: current_app.config[name]


def client_address() -> str:
    """The client's address: after ProxyFix (LIT_PROXY_HOPS), the one the trusted proxy saw."""
    return "address:" + (request.remote_addr or "-")


def account() -> str:
    """The signed-in account, else the API token presented (hashed), else the client's address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    header = request.headers.get("Authorization", "")
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return client_address()


def _anonymous() -> bool:
    """No account and no token: the view refuses the request itself (a sign-in page or 401)."""
    return not current_user.is_authenticated and not request.headers.get("Authorization")


def _submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower()


def mail_target() -> str:
    """The address a form asks the site to e-mail: counted whoever asks, from however many addresses."""
    return "to:" + hashlib.sha256(_submitted_email().encode()).hexdigest()[:32]


def _per_account_and_address(setting: str, scope: str, methods=None, anonymous_exempt=True):
    """`setting` per account (or API token), and LIT_ADDRESS_RATE_LIMIT per client address, each shared by every
    view with this scope."""
    per_account = limiter.shared_limit(_setting(setting), scope=scope, key_func=account, methods=methods,
                                       exempt_when=_anonymous if anonymous_exempt else None)
    per_address = limiter.shared_limit(_setting("LIT_ADDRESS_RATE_LIMIT"), scope=scope + "-address",
                                       key_func=client_address, methods=methods)

    def decorate(view):
        return per_address(per_account(view))

    return decorate


#: every API call: per token (or signed-in browser, or address when neither is sent), and per address
api = _per_account_and_address("LIT_API_RATE_LIMIT", "api", anonymous_exempt=False)
#: booking and cancelling, on the site and through the API (each sends e-mail)
booking = _per_account_and_address("LIT_BOOKING_RATE_LIMIT", "booking", methods=["POST", "DELETE"])
#: CSV, XLSX, PDF and GIFT downloads, and certificates
export = _per_account_and_address("LIT_EXPORT_RATE_LIMIT", "export")
#: tries at a session's six-character check-in code
check_in = _per_account_and_address("LIT_CHECKIN_RATE_LIMIT", "check-in", methods=["POST"])
#: registration and password-reset e-mails to one address, whoever asks
mail_to_address = limiter.shared_limit(_setting("LIT_MAIL_RATE_LIMIT"), scope="mail-to-address",
                                       key_func=mail_target, methods=["POST"],
                                       exempt_when=lambda: not _submitted_email())


def retry_after() -> int:
    """Seconds until the limit this request broke lets requests through again (for Retry-After)."""
    limit = limiter.current_limit
    try:
        reset_at = limit.reset_at if limit is not None else None
    except Exception:  # the store (Redis) went away meanwhile: a minute is a fair guess
        reset_at = None
    if reset_at is None:
        return 60
    return max(1, math.ceil(reset_at - time.time()))


def wait_phrase(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes" if minutes < 90 else f"{math.ceil(minutes / 60)} hours"


def skip_the_limiters_request_check(app) -> None:
    """Every limit here decorates a view, and a decorated view checks its own limits when it is called. The
    limiter's before-request check only adds app-wide, default and blueprint limits, of which there are none, so
    it would look up the view's limits for nothing on every request: it is left out while that stays so."""
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits or getattr(manager, "_blueprint_limits", True):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
