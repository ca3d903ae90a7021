"""The filters every report takes, read from the URL so that a report can be bookmarked and shared."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select

from ..accounts.models import OrgUnit, User
from ..bookings.models import Session, SessionFacilitator
from ..core.trees import subtree_ids

MODES = {"in_person": "In person", "online": "Online", "hybrid": "Hybrid", "self_paced": "Self-paced course"}
FIELDS = ("date_from", "date_to", "course", "session", "instrument", "unit", "facilitator", "mode")


@dataclass(frozen=True)
class ReportFilters:
    date_from: date | None = None
    date_to: date | None = None
    course: int | None = None
    session: int | None = None
    instrument: int | None = None
    unit: int | None = None
    facilitator: int | None = None
    mode: str | None = None
    #: librarians who are not managers see only the sessions they facilitate
    own_sessions_of: int | None = None

    def query_args(self) -> dict[str, str]:
        """The filters as URL query arguments (only those that are set)."""
        return {name: value.isoformat() if isinstance(value, date) else str(value)
                for name, value in asdict(self).items() if value not in (None, "") and name in FIELDS}

    def scoped_to(self, user_id: int | None) -> ReportFilters:
        return replace(self, own_sessions_of=user_id)

    def utc_bounds(self, zone: str) -> tuple[datetime | None, datetime | None]:
        """The date range as UTC instants: from the start of the first day to the end of the last (local time)."""
        tz = ZoneInfo(zone)

        def start_of(day: date) -> datetime:
            return datetime.combine(day, time(0), tz).astimezone(timezone.utc)

        return (start_of(self.date_from) if self.date_from else None,
                start_of(self.date_to + timedelta(days=1)) if self.date_to else None)


def parse(args, valid_modes=MODES) -> tuple[ReportFilters, dict[str, str]]:
    """Read the filters from query arguments; bad values are left out and explained, field by field."""
    values, errors = {}, {}
    for name in ("date_from", "date_to"):
        raw = (args.get(name) or "").strip()
        if raw:
            try:
                values[name] = date.fromisoformat(raw)
            except ValueError:
                errors[name] = "Enter a date as YYYY-MM-DD, for example 2026-09-01."
            else:
                # The first and last days the time-zone arithmetic can handle, with room to spare.
                if not date(1900, 1, 1) <= values[name] <= date(2999, 12, 31):
                    errors[name] = "Enter a date between 1900 and 2999."
                    values.pop(name)
    for name in ("course", "session", "instrument", "unit", "facilitator"):
        raw = (args.get(name) or "").strip()
        if raw and raw != "0":
            # ASCII digits only ("²" is a digit to str.isdigit but not to int) and no larger than an id can be.
            if raw.isascii() and raw.isdigit() and int(raw) <= 2**31 - 1:
                values[name] = int(raw)
            else:
                errors[name] = "Choose one from the list."
    mode = (args.get("mode") or "").strip()
    if mode:
        if mode in valid_modes:
            values["mode"] = mode
        else:
            errors["mode"] = "Choose a way of delivery from the list."
    if values.get("date_from") and values.get("date_to") and values["date_to"] < values["date_from"]:
        errors["date_to"] = "The end date must be on or after the start date."
        values.pop("date_to")
    return ReportFilters(**values), errors


def session_conditions(filters: ReportFilters, session_id_column):
    """Conditions on a session id column for the session-level filters (None when none apply)."""
    conditions = []
    if filters.session:
        conditions.append(session_id_column == filters.session)
    if filters.course:
        conditions.append(session_id_column.in_(select(Session.id).where(Session.course_id == filters.course)))
    if filters.mode and filters.mode != "self_paced":
        conditions.append(session_id_column.in_(select(Session.id).where(Session.mode == filters.mode)))
    for facilitator in (filters.facilitator, filters.own_sessions_of):
        if facilitator:
            conditions.append(exists().where(SessionFacilitator.session_id == session_id_column,
                                             SessionFacilitator.user_id == facilitator))
    return and_(*conditions) if conditions else None


def unit_condition(filters: ReportFilters, user_id_column):
    """The person belongs to the chosen organisation unit or one beneath it."""
    if not filters.unit:
        return None
    return user_id_column.in_(select(User.id).where(User.org_unit_id.in_(subtree_ids(OrgUnit, filters.unit))))


def context_condition(filters: ReportFilters, course_id_column, session_id_column):
    """For rows that belong to a course or a live session (assessment participants, for example)."""
    course_side = None
    if not (filters.session or filters.facilitator or filters.own_sessions_of
            or (filters.mode and filters.mode != "self_paced")):
        course_side = course_id_column.is_not(None)
        if filters.course:
            course_side = course_id_column == filters.course
    session_side = None
    if filters.mode != "self_paced":
        session_side = session_id_column.is_not(None)
        extra = session_conditions(filters, session_id_column)
        if extra is not None:
            session_side = and_(session_side, extra)
    sides = [side for side in (course_side, session_side) if side is not None]
    if not sides:
        return course_id_column.is_(None) & session_id_column.is_(None)  # nothing can match
    return or_(*sides) if len(sides) > 1 else sides[0]
