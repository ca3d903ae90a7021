"""Requests about personal data: logging them with their deadline, extending, completing, and carrying out
an erasure. Each function flushes and records an audit event (never with the person's name or address)."""
from __future__ import annotations

from datetime import date, datetime

from ..audit import record_event
from ..core.types import utcnow
from ..extensions import db
from . import erasure
from .dates import response_due
from .models import REQUEST_KINDS, PrivacyRequest

MAX_EXTENSION_MONTHS = 2


class RequestError(ValueError):
    """A change to a request that cannot be made, with a message fit to show beside the field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def log_request(kind: str, user, received_on: date, actor, today: date) -> PrivacyRequest:
    """Record a request received on `received_on`; it is due one calendar month later (dates.response_due)."""
    if kind not in REQUEST_KINDS:
        raise RequestError("Choose what the person asked for.", "kind")
    if received_on > today:
        raise RequestError("The date received cannot be in the future.", "received_on")
    if erasure.is_erased(user):
        raise RequestError("This account has been erased; there is no data left to ask about.", "email")
    request = PrivacyRequest(kind=kind, user_id=user.id, received_on=received_on, due_on=response_due(received_on),
                             logged_by_id=getattr(actor, "id", None))
    db.session.add(request)
    db.session.flush()
    record_event("privacy.request_logged", actor, "privacy_request", request.id, kind=kind,
                 due_on=request.due_on.isoformat())
    return request


def extend_request(request: PrivacyRequest, months: int, reason: str, actor) -> PrivacyRequest:
    """Extend the deadline to `months` further months (1 or 2 in all) after the first, with the reason."""
    if not request.is_open:
        raise RequestError("This request has been completed.")
    reason = (reason or "").strip()
    if months not in range(1, MAX_EXTENSION_MONTHS + 1):
        raise RequestError("Choose one or two further months.", "months")
    if months <= request.extension_months:
        raise RequestError(f"The deadline is already extended by {request.extension_months} month(s); "
                           "choose a longer extension.", "months")
    if not reason:
        raise RequestError("Say why the request needs longer (for example, it is complex or one of several).",
                           "reason")
    request.extension_months = months
    request.extended_to = response_due(request.received_on, 1 + months)
    request.extension_reason = reason
    db.session.flush()
    record_event("privacy.request_extended", actor, "privacy_request", request.id, months=months,
                 due_on=request.extended_to.isoformat())
    return request


def complete_request(request: PrivacyRequest, actor, now: datetime | None = None) -> PrivacyRequest:
    if not request.is_open:
        raise RequestError("This request has already been completed.")
    request.status = "completed"
    request.completed_at = now or utcnow()
    request.completed_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_event("privacy.request_completed", actor, "privacy_request", request.id, kind=request.kind)
    return request


def record_export(request: PrivacyRequest, actor) -> None:
    """An administrator downloaded the copy of the person's data for this request."""
    record_event("privacy.export_downloaded", actor, "privacy_request", request.id)


def carry_out_erasure(request: PrivacyRequest, reason: str, actor, config, now: datetime | None = None) -> dict:
    """Erase the person the request is about, record the grounds on the request and complete it."""
    reason = (reason or "").strip()
    if request.kind != "erasure":
        raise RequestError("Only an erasure request can be carried out this way.")
    if not request.is_open:
        raise RequestError("This request has been completed.")
    if not reason:
        raise RequestError("Give the grounds for erasing the data, without naming the person.", "reason")
    try:
        changed = erasure.erase_user(request.user, actor, config, request_id=request.id)
    except erasure.ErasureError as error:
        raise RequestError(str(error)) from None
    request.reason = reason
    complete_request(request, actor, now)
    return changed
