"""Building a report for a user: who may see what, the filters' names, and the comment moderation."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, current_app
from sqlalchemy import select

from ..accounts.models import OrgUnit, User, UserRole
from ..assessments.models import Instrument
from ..audit import record_event
from ..bookings.models import Session, SessionFacilitator, SurveyResponse
from ..core.database import reading_reports
from ..core.types import utcnow
from ..courses.models import Course
from ..extensions import db
from . import learning, reach, reaction
from .document import ReportDocument
from .filters import MODES, ReportFilters

KINDS = {"learning": "Learning", "reaction": "Reaction", "reach": "Reach and delivery"}
MANAGER_ROLES = ("manager", "admin")


def sees_everything(user) -> bool:
    return user.has_role(*MANAGER_ROLES)


def may_see_reports(user) -> bool:
    return user.is_authenticated and user.has_role("librarian", *MANAGER_ROLES)


def scoped_filters(filters: ReportFilters, user) -> ReportFilters:
    """Managers see the whole service; a librarian who is not a manager sees one session they facilitate.

    :raises Forbidden: (403) for anyone else, and for a librarian asking for anything but such a session.
    """
    if not may_see_reports(user):
        abort(403)
    if sees_everything(user):
        return filters
    if not filters.session or not facilitates(user, filters.session):
        abort(403)
    return filters.scoped_to(user.id)


def facilitates(user, session_id: int) -> bool:
    return db.session.scalar(select(SessionFacilitator.user_id).where(
        SessionFacilitator.session_id == session_id, SessionFacilitator.user_id == user.id)) is not None


def build_report(kind: str, filters: ReportFilters, user, for_moderation: bool = False) -> ReportDocument:
    """The report; `for_moderation` (the page only) lists hidden comments too, so they can be shown again."""
    if kind not in KINDS:
        abort(404)
    with reading_reports():
        return _build(kind, filters, for_moderation)


def _build(kind: str, filters: ReportFilters, for_moderation: bool) -> ReportDocument:
    zone = current_app.config["LIT_TIMEZONE"]
    min_group = current_app.config["LIT_REPORT_MIN_GROUP"]
    labels = filter_labels(filters)
    now = utcnow()
    if kind == "learning":
        return learning.build(filters, zone, min_group, labels)
    if kind == "reach":
        return reach.build(filters, zone, min_group, labels, now, facilitator_names())
    return reaction.build(filters, zone, min_group, labels, now, include_hidden=for_moderation)


def filter_labels(filters: ReportFilters) -> dict[str, str]:
    """Names for the ids in the filters, for the report's heading and exports."""
    labels = {}
    lookups = {"course": (Course, "title"), "session": (Session, "title"), "instrument": (Instrument, "title"),
               "unit": (OrgUnit, "name"), "facilitator": (User, "name")}
    for name, (model, attribute) in lookups.items():
        ident = getattr(filters, name)
        if ident:
            row = db.session.get(model, ident)
            labels[name] = getattr(row, attribute) if row is not None else f"#{ident} (not found)"
    if filters.mode:
        labels["mode"] = MODES[filters.mode]
    return labels


def facilitator_names() -> dict[int, str]:
    return dict(db.session.execute(
        select(User.id, User.name).where(User.id.in_(select(SessionFacilitator.user_id)))).all())


def filter_choices(user) -> dict[str, list[tuple[int | str, str]]]:
    """The options of the filter form (a librarian's sessions only, for a librarian)."""
    sessions = select(Session.id, Session.title, Session.starts_at).where(Session.starts_at <= utcnow())
    if not sees_everything(user):
        sessions = sessions.where(Session.id.in_(select(SessionFacilitator.session_id)
                                                 .where(SessionFacilitator.user_id == user.id)))
    tz = ZoneInfo(current_app.config["LIT_TIMEZONE"])
    return {
        "course": [(c.id, c.title) for c in db.session.scalars(select(Course).order_by(Course.title))],
        "session": [(sid, f"{title} ({starts.astimezone(tz):%d %b %Y})") for sid, title, starts in
                    db.session.execute(sessions.order_by(Session.starts_at.desc()).limit(300))],
        "instrument": [(i.id, i.title) for i in db.session.scalars(select(Instrument).order_by(Instrument.title))],
        "unit": [(u.id, u.name) for u in db.session.scalars(select(OrgUnit).order_by(OrgUnit.name))],
        "facilitator": list(db.session.execute(
            select(User.id, User.name).where(User.id.in_(select(UserRole.user_id).where(
                UserRole.role.in_(("librarian",))))).order_by(User.name)).all()),
        "mode": list(MODES.items()),
    }


def set_comment_hidden(response_id: int, hidden: bool, actor) -> SurveyResponse:
    """Hide a survey comment from reports (or show it again); managers, or the session's facilitator."""
    response = db.session.get(SurveyResponse, response_id)
    if response is None:
        abort(404)
    if not sees_everything(actor) and not facilitates(actor, response.session_id):
        abort(403)
    response.comment_hidden = hidden
    response.comment_hidden_by_id = actor.id if hidden else None
    record_event("survey.comment_hidden" if hidden else "survey.comment_shown", actor, "survey_response",
                 response.id, session_id=response.session_id)
    return response
