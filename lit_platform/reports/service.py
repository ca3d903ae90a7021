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
from . import cache, freshness, learning, reach, reaction
from .document import Chart, ReportDocument, Section
from .filters import MODES, ReportFilters

KINDS = {"learning": "Learning", "reaction": "Reaction", "reach": "Reach and delivery"}
MANAGER_ROLES = ("manager", "admin")
#: reports whose page shows each section's sentences and charts, its tables on a page of their own: whole,
#: they run past the page-weight budget (60 KB of HTML, CSS and JS)
SPLIT_KINDS = frozenset({"learning", "reaction"})


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
    # Only the reaction report differs for moderation (it lists hidden comments too).
    variant = "moderation" if for_moderation and kind == "reaction" else ""
    with reading_reports():
        # The versions are read before the report, so a change committed in between makes the next
        # request build again rather than keeping older figures under a newer version.
        versions = freshness.versions_for(kind, freshness.current_versions())
        key = cache.report_key(kind, variant, filters, viewer_scope(user), versions)
        return cache.report_cache().fetch(key, lambda: _build(kind, filters, for_moderation))


def methods_of(kind: str) -> list[tuple[str, str]]:
    """The (term, explanation) pairs of a report's methods.

    :raises NotFound: (404) for a report that does not exist.
    """
    if kind not in KINDS:
        abort(404)
    return {"learning": learning, "reaction": reaction, "reach": reach}[kind].METHODS


def viewer_scope(user) -> str:
    """What the viewer may see: the whole service, or the sessions one librarian facilitates."""
    return "service" if sees_everything(user) else f"facilitator:{user.id}"


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


def find_section(document: ReportDocument, key: str) -> Section:
    """The report's section called `key`.

    :raises NotFound: (404) when the report has no such section (for these filters).
    """
    for section in document.sections:
        if section.key == key:
            return section
    abort(404)


def find_chart(document: ReportDocument, section_key: str, number: int) -> Chart:
    """The report's `number`th chart (from 1) of a section.

    :raises NotFound: (404) when there is no such chart.
    """
    section = find_section(document, section_key)
    if not 1 <= number <= len(section.charts):
        abort(404)
    return section.charts[number - 1]


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


#: sessions offered in the filter form: the latest this many up to the chosen end date (a service runs
#: thousands; every option weighs on every report page), and the chosen one
SESSION_CHOICES = 40


def filter_choices(user, filters: ReportFilters | None = None) -> dict[str, list[tuple[int | str, str]]]:
    """The options of the filter form (a librarian's sessions only, for a librarian); the sessions within the
    chosen dates, latest first, at most SESSION_CHOICES of them, and always the chosen session."""
    zone = current_app.config["LIT_TIMEZONE"]
    start, end = filters.utc_bounds(zone) if filters else (None, None)
    now = utcnow()
    sessions = select(Session.id, Session.title, Session.starts_at).where(
        Session.starts_at <= (min(end, now) if end else now))
    if start:
        sessions = sessions.where(Session.starts_at >= start)
    if not sees_everything(user):
        sessions = sessions.where(Session.id.in_(select(SessionFacilitator.session_id)
                                                 .where(SessionFacilitator.user_id == user.id)))
    rows = list(db.session.execute(sessions.order_by(Session.starts_at.desc()).limit(SESSION_CHOICES)))
    if filters and filters.session and filters.session not in {row[0] for row in rows}:
        rows += db.session.execute(select(Session.id, Session.title, Session.starts_at)
                                   .where(Session.id == filters.session)).all()
    tz = ZoneInfo(zone)
    return {
        "course": [(c.id, c.title) for c in db.session.scalars(select(Course).order_by(Course.title))],
        "session": [(sid, f"{title} ({starts.astimezone(tz):%d %b %Y})") for sid, title, starts in rows],
        "instrument": [(i.id, i.title) for i in db.session.scalars(select(Instrument).order_by(Instrument.title))],
        "unit": [(u.id, u.name) for u in db.session.scalars(select(OrgUnit).order_by(OrgUnit.name))],
        "facilitator": list(db.session.execute(
            select(User.id, User.name).where(User.id.in_(select(UserRole.user_id).where(
                UserRole.role.in_(("librarian",))))).order_by(User.name)).all()),
        "mode": list(MODES.items()),
    }


def set_comments_hidden(listed: list[int], hidden: set[int], actor) -> tuple[int, int]:
    """The comments a moderation form listed: hide those ticked, show the others. Managers moderate every
    comment, a librarian those on sessions they facilitate; every listed comment must be one the actor may
    moderate. Only comments whose state changes are touched (and audited).
    Returns (newly hidden, shown again)."""
    responses = db.session.scalars(select(SurveyResponse).where(SurveyResponse.id.in_(listed))).all()
    if len(responses) != len(set(listed)):
        abort(404)
    if not sees_everything(actor):
        for session_id in {response.session_id for response in responses}:
            if not facilitates(actor, session_id):
                abort(403)
    hid = shown = 0
    for response in responses:
        hide = response.id in hidden
        if response.comment_hidden == hide:
            continue
        response.comment_hidden = hide
        response.comment_hidden_by_id = actor.id if hide else None
        record_event("survey.comment_hidden" if hide else "survey.comment_shown", actor, "survey_response",
                     response.id, session_id=response.session_id)
        hid, shown = (hid + 1, shown) if hide else (hid, shown + 1)
    return hid, shown
