"""JSON API for library systems and dashboards, under /api/v1, described by openapi.json.

Callers authenticate with a personal API token (`Authorization: Bearer <token>`). Those calls are
exempt from CSRF checks, since a browser never adds the header by itself. A browser that is signed in
may call the API with its cookie too, and then CSRF protection applies as on every other form.
"""
from __future__ import annotations

import json
from functools import wraps
from pathlib import Path

from flask import Blueprint, Response, g, jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from .. import throttles
from ..core.database import start_write_transaction
from ..core.types import utcnow
from ..extensions import csrf, db
from ..security import public
from . import queries, rules, services, tokens
from .models import Booking, Session
from .settings import zone_name

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
OPENAPI_PATH = Path(__file__).with_name("openapi.json")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def error(status: int, code: str, message: str, **headers) -> Response:
    response = jsonify(error={"status": status, "code": code, "message": message})
    response.status_code = status
    response.headers.update(headers)
    return response


def api_user():
    return g.api_user


def token_required(view):
    """A bearer token, or a signed-in browser (with its CSRF token for anything that changes data)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            found = tokens.user_for_api_token(token.strip()) if scheme.lower() == "bearer" else None
            if found is None:
                return error(401, "invalid_token", "The API token is missing, wrong or revoked.",
                             **{"WWW-Authenticate": 'Bearer error="invalid_token"'})
            g.api_user, row = found
            now = utcnow()
            if tokens.needs_touch(row.last_used_at, now):
                if request.method in SAFE_METHODS:
                    start_write_transaction()  # a read that writes now and then (at most hourly)
                    g.api_user, row = tokens.user_for_api_token(token.strip())
                    row.last_used_at = now
                    db.session.commit()
                else:
                    row.last_used_at = now  # committed with the request's own change
        elif current_user.is_authenticated:
            if request.method not in SAFE_METHODS:
                try:
                    csrf.protect()
                except CSRFError:
                    return error(400, "csrf_failed", "Signed-in browser requests need a CSRF token "
                                 "(X-CSRFToken header); other clients should use an API token.")
            g.api_user = current_user._get_current_object()
        else:
            return error(401, "unauthenticated", "Send an API token: Authorization: Bearer <token>.",
                         **{"WWW-Authenticate": "Bearer"})
        response = view(*args, **kwargs)
        response.headers["Cache-Control"] = "no-store"
        return response

    wrapped.access = "api-token"
    return throttles.api(wrapped)


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def session_json(row: queries.SessionRow, detail: bool = False) -> dict:
    session: Session = row.session
    data = {
        "id": session.id,
        "title": session.title,
        "starts_at": _iso(session.starts_at),
        "ends_at": _iso(session.ends_at),
        "timezone": zone_name(),
        "mode": session.mode,
        "location": session.location,
        "status": session.status,
        "url": url_for("bookings.session", session_id=session.id, _external=True),
    }
    if detail:
        now = utcnow()
        data.update({
            "description": session.description,
            "course": {"slug": session.course.slug, "title": session.course.title} if session.course else None,
            "facilitators": [u.name for u in session.facilitators],
            "capacity": session.capacity,
            "confirmed": row.confirmed,
            "waitlisted": row.waitlisted,
            "places_left": row.places_left,
            "waitlist_enabled": session.waitlist_enabled,
            "booking_open": rules.booking_closed_reason(now, session.starts_at, session.booking_opens_at,
                                                        session.booking_closes_at, session.is_cancelled) is None,
            "restricted": session.is_restricted,
        })
    return data


def booking_json(booking: Booking, position: int | None = None) -> dict:
    session = booking.session
    return {
        "id": booking.id,
        "session_id": session.id,
        "status": booking.status,
        "position": position,
        "booked_at": _iso(booking.booked_at),
        "attendance": booking.attendance,
        "session": {"id": session.id, "title": session.title, "starts_at": _iso(session.starts_at),
                    "ends_at": _iso(session.ends_at), "status": session.status},
        "online_url": session.online_url if booking.status == "confirmed" and session.online_url else None,
    }


@bp.route("/openapi.json")
@public
def openapi():
    spec = json.loads(OPENAPI_PATH.read_text("utf-8"))
    spec["servers"] = [{"url": url_for("api.openapi", _external=True).rsplit("/", 1)[0]}]
    return jsonify(spec)


@bp.route("/sessions")
@token_required
def sessions():
    return jsonify(sessions=[session_json(row) for row in queries.api_sessions(api_user())])


@bp.route("/sessions/<int:session_id>")
@token_required
def session_detail(session_id):
    row = queries.api_session(session_id, api_user())
    if row is None:
        return error(404, "not_found", "There is no session with that id.")
    return jsonify(session_json(row, detail=True))


@bp.route("/sessions/<int:session_id>/bookings", methods=["POST"])
@throttles.booking
@token_required
def book(session_id):
    user = api_user()
    if queries.api_session(session_id, user) is None:
        return error(404, "not_found", "There is no session with that id.")
    try:
        booking = services.book_session(session_id, user)
        position = services.waitlist_position(booking) if booking.status == "waitlisted" else None
        data = booking_json(booking, position)
        db.session.commit()
    except services.AlreadyBooked as problem:
        db.session.rollback()
        return error(409, "already_booked", str(problem))
    except services.BookingError as problem:
        db.session.rollback()
        return error(409, "cannot_book", str(problem))
    except IntegrityError:
        db.session.rollback()
        return error(409, "already_booked", "You already have a booking on this session.")
    response = jsonify(data)
    response.status_code = 201
    response.headers["Location"] = url_for("api.my_bookings")
    return response


@bp.route("/sessions/<int:session_id>/bookings", methods=["DELETE"])
@throttles.booking
@token_required
def cancel(session_id):
    user = api_user()
    booking = queries.booking_of(session_id, user.id)
    if booking is None or not booking.is_active:
        return error(404, "not_found", "You have no booking on this session.")
    try:
        booking = services.cancel_booking(booking.id, user)
        data = booking_json(booking)
        db.session.commit()
    except services.BookingError as problem:
        db.session.rollback()
        return error(409, "cannot_cancel", str(problem))
    return jsonify(data)


@bp.route("/me/bookings")
@token_required
def my_bookings():
    user = api_user()
    upcoming, past = queries.my_bookings(user)
    positions = queries.waitlist_positions(user)
    return jsonify(bookings=[booking_json(b, positions.get(b.id)) for b in upcoming + past])


@bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@public
def not_found(anything):
    return error(404, "not_found", f"There is no API endpoint {request.path}. See {url_for('api.openapi')}.")


@bp.errorhandler(404)
def _not_found(_):
    return error(404, "not_found", "Not found.")


@bp.errorhandler(429)
def _too_many_requests(_):
    seconds = throttles.retry_after()
    return error(429, "rate_limited", f"Too many requests. Wait {throttles.wait_phrase(seconds)} and try again.",
                 **{"Retry-After": str(seconds)})


@bp.errorhandler(500)
def _server_error(_):
    db.session.rollback()
    return error(500, "server_error", "Something went wrong on our side.")
