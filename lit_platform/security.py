"""Who may do what, sign-in sessions, security headers and error pages."""
from __future__ import annotations

import time
from functools import cache, wraps

from flask import (Flask, Request, abort, current_app, flash, g, make_response, redirect, render_template, request,
                   session, url_for)
from flask.globals import request_ctx
from flask.sessions import SecureCookieSessionInterface
from flask_login import AnonymousUserMixin, current_user, logout_user, user_logged_in
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from .extensions import db, limiter, login_manager

#: the largest id a table holds (PostgreSQL INTEGER)
MAX_ID = 2**31 - 1

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_SECURITY_HEADERS_BY_KEY = [(name.lower(), (name, value)) for name, value in SECURITY_HEADERS.items()]


# Access declarations -------------------------------------------------------------------------

def public(view):
    """Anyone, signed in or not, may use this view."""
    view.access = "public"
    return view


def login_required(view):
    """Any signed-in user may use this view."""
    return roles_required()(view)


def public_when(allowed):
    """Anyone may use this view while `allowed()` is true (a setting an administrator changes); otherwise only
    signed-in users, and visitors are sent to sign in."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated and not allowed():
                return login_manager.unauthorized()
            return view(*args, **kwargs)

        wrapped.access = "public-when-allowed"
        return wrapped

    return decorator


class Visitor(AnonymousUserMixin):
    """Someone who has not signed in: holds no role, so pages can ask `current_user.has_role` of anyone."""

    id = None

    def has_role(self, *roles) -> bool:
        return False


def roles_required(*roles):
    """Only signed-in users holding one of `roles` (any role when none are named) may use this view."""
    wanted = tuple(r.value if hasattr(r, "value") else r for r in roles)

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if wanted and not current_user.has_role(*wanted):
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = wanted or "authenticated"
        return wrapped

    return decorator


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


# Sessions ------------------------------------------------------------------------------------

@cache
def _user_with_roles():
    """Every signed-in request loads its user: one query, built once, roles joined."""
    from .accounts.models import User

    return select(User).where(User.id == bindparam("user_id")).options(joinedload(User.role_rows))


@login_manager.user_loader
def load_user(user_id: str):
    ident, _, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.execute(_user_with_roles(), {"user_id": int(ident)}).unique().scalar_one_or_none()
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per set of keys instead of on
    every request (it derives nothing from the request)."""

    def __init__(self):
        self._serializers: dict = {}

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                self._serializers = {keys: serializer}  # only the current keys are kept
        return serializer

    def save_session(self, app: Flask, session, response) -> None:
        if g.get("leave_session_cookie"):
            return
        super().save_session(app, session, response)


def leave_session_cookie_alone() -> None:
    """Send no session cookie with this response. For a page that answers another site's POST: the browser
    sent it without its cookies (SameSite=Lax), so the session here is a new, empty one, and saving it would
    replace the browser's own."""
    g.leave_session_cookie = True


def session_ends_at() -> int | None:
    """When the signed-in session ends whatever the activity (seconds since the epoch), or None."""
    hours = current_app.config.get("LIT_SESSION_MAX_HOURS") or 0
    signed_in = session.get("signed_in")
    return int(signed_in + hours * 3600) if hours and signed_in else None


def _enforce_idle_timeout():
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    idle_minutes = current_app.config["LIT_IDLE_MINUTES"]
    now = int(time.time())
    if "signed_in" not in session:
        session["signed_in"] = now  # a session from before the limit existed: its clock starts now
    ends_at = session_ends_at()
    if ends_at and now > ends_at:
        hours = current_app.config["LIT_SESSION_MAX_HOURS"]
        logout_user()
        session.clear()
        flash(f"You were signed out because you signed in more than {hours:g} hours ago. Sign in again to carry "
              "on; your saved work is kept.", "info")
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
    last_seen = session.get("seen")
    if idle_minutes and last_seen and now - last_seen > idle_minutes * 60:
        logout_user()
        session.clear()
        flash(f"You were signed out after {idle_minutes} minutes without activity. Sign in again to carry on.",
              "info")
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
    if not last_seen or now - last_seen >= 60:
        # Once a minute is precise enough, and spares re-signing the cookie on every request.
        session["seen"] = now
    return None


def _start_idle_clock(sender, user, **extra):
    session["seen"] = session["signed_in"] = int(time.time())


def _set_headers(response):
    # A header the view set itself is kept; the others are added in one go.
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    headers.extend([header for key, header in _SECURITY_HEADERS_BY_KEY if key not in present])
    hsts = current_app.config.get("LIT_HSTS_SECONDS") or 0
    if hsts and current_app.config.get("LIT_ENV") == "production" and "strict-transport-security" not in present:
        headers["Strict-Transport-Security"] = f"max-age={hsts}"
    # The user loaded for this request, if any: reading its attributes here could reload it from the
    # database after the view's commit, so only its class is looked at.
    user = g.get("_login_user")
    if user is not None and not user.is_anonymous and request.endpoint != "static" \
            and not headers.get("Cache-Control", "").startswith("private"):
        # A view that marked its answer private (a report's chart file) may be kept by this browser alone.
        response.headers["Cache-Control"] = "no-store"
    return response


# Errors --------------------------------------------------------------------------------------

#: refusals audited per address: enough to see an attack, too few for one to flood the log
AUDITED_REFUSALS = "30/minute"


def _audit_refusal(action: str, status: int) -> None:
    """Record a refused request (403, 404 on an object, CSRF) in the audit log, at most AUDITED_REFUSALS per address."""
    from limits import parse

    from .audit import record_event

    address = request.remote_addr or "-"
    try:
        if not limiter.limiter.hit(parse(AUDITED_REFUSALS), "audited-refusals", address):
            return
    except Exception:  # the limiter's store (Redis) is unreachable: the request's own answer matters more
        return
    user = g.get("_login_user")
    actor = user.id if user is not None and not user.is_anonymous else None
    db.session.rollback()
    record_event(action, actor, ip_address=request.remote_addr, status=status, method=request.method,
                 path=request.path[:300], endpoint=request.endpoint)
    db.session.commit()

def _error_page(status: int, title: str, message: str):
    if request_ctx.url_adapter is None:
        # The request named a host this site does not answer to (TRUSTED_HOSTS): no links can be built for it.
        return (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{title}</title>'
                f"<h1>{title}</h1><p>{message}</p></html>", status, {"Content-Type": "text/html; charset=utf-8"})
    return render_template("errors/error.html", status=status, title=title, message=message), status


class DatabaseId(IntegerConverter):
    """`<int:...>` in every route. A number too large for the database's INTEGER columns is read as 0, an id
    no row has, so the view answers its usual 404 (JSON in the API) instead of failing in the database."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


def database_int(value: str) -> int:
    """`int` for query and form values: a number no INTEGER column can hold is not a valid value."""
    number = int(value)
    if not -MAX_ID - 1 <= number <= MAX_ID:
        raise ValueError(f"{value} is out of range")
    return number


class Parameters(ImmutableMultiDict):
    """Query and form values: `get(name, type=int)` gives the default for a number out of the database's range,
    as it does for one that is not a number, instead of a value that fails in the database."""

    def get(self, key, default=None, type=None):
        return super().get(key, default, database_int if type is int else type)


class LitRequest(Request):
    parameter_storage_class = Parameters


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}  # the bodies Werkzeug reads into form


def _refuse_nul_characters():
    """No database stores a NUL character in text (PostgreSQL refuses it): answer 400, not a failed write."""
    query = request.query_string
    # A NUL reaches a query value only as %00 or as the raw byte; most requests have neither, or no form.
    suspects = [request.args] if b"%00" in query or b"\x00" in query else []
    if request.mimetype in FORM_TYPES:
        suspects.append(request.form)
    for values in suspects:
        if any("\x00" in value for _, value in values.items(multi=True)):
            return _error_page(400, "Bad request", "A field held a character that cannot be stored (a NUL "
                                                   "character, often from pasting binary data). Nothing was saved.")
    return None


def init_security(app) -> None:
    app.request_class = LitRequest
    app.session_interface = SessionInterface()
    # Before any blueprint is registered: rules pick their converters when they are added.
    app.url_map.converters["int"] = DatabaseId
    app.before_request(_refuse_nul_characters)
    login_manager.login_view = "accounts.login"
    login_manager.anonymous_user = Visitor
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(_enforce_idle_timeout)
    user_logged_in.connect(_start_idle_clock, app)
    app.jinja_env.globals["session_ends_at"] = session_ends_at
    app.after_request(_set_headers)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        _audit_refusal("request.csrf_refused", 400)
        return _error_page(400, "The form could not be sent",
                           "The form was out of date or did not come from this site. Go back, reload the "
                           "page and try again; nothing was changed.")

    @app.errorhandler(400)
    def bad_request(error):
        return _error_page(400, "Bad request", "The request could not be understood.")

    @app.errorhandler(403)
    def forbidden(error):
        _audit_refusal("request.forbidden", 403)
        return _error_page(403, "Not allowed", "Your account does not have access to this page. If you think "
                           "it should, ask a library administrator.")

    @app.errorhandler(404)
    def not_found(error):
        if request.view_args and request.endpoint != "static":  # a route naming an object found none to show
            _audit_refusal("request.not_found", 404)
        return _error_page(404, "Page not found", "There is nothing at this address. Check the link, or start "
                           "again from the home page.")

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _error_page(405, "Not allowed", "This page cannot be used that way.")

    @app.errorhandler(413)
    def too_large(error):
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        return _error_page(413, "Too large to send",
                           f"What you sent is larger than this site accepts ({limit / 1024 / 1024:.0f} MB at most), so "
                           "nothing was saved. Go back, make the text or file smaller, and send it again.")

    @app.errorhandler(429)
    def too_many_requests(error):
        from .throttles import retry_after, wait_phrase

        seconds = retry_after()
        response = make_response(_error_page(
            429, "Too many attempts", "There have been too many attempts from here in a short time. Wait "
            f"{wait_phrase(seconds)} and try again; nothing was changed."))
        response.headers["Retry-After"] = str(seconds)
        return response

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _error_page(500, "Something went wrong", "The page could not be shown because of an error on our "
                           "side. It has been logged. Nothing you entered before this page was lost.")
