"""`lit sessions import`: a term's timetable from CSV; every bad row is reported and nothing is imported.

A row's key is its title (capitals ignored), start and place: a session already scheduled with the same key
is left alone, so importing the same file twice schedules nothing twice.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from ..accounts.models import User, UserRole
from ..accounts.services import normalise_email
from ..audit import record_event
from ..core.types import utcnow
from ..courses.models import Course
from ..extensions import db
from .models import MODES, Session
from .services import MAX_CAPACITY, STAFF_ROLES, BookingError, SessionData, _check, _new_session, resolve_timing

HEADER = ["title", "start", "minutes", "capacity", "mode", "location", "facilitator_email", "course"]


@dataclass
class ImportResult:
    created: list[Session] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: rows whose session was already scheduled (same title, start and place), left alone
    unchanged: int = 0


def _already_scheduled(title: str, starts_at: datetime, place: str) -> bool:
    return db.session.scalar(select(Session.id).where(
        func.lower(Session.title) == title.lower(), Session.starts_at == starts_at,
        func.lower(Session.location) == place.lower()).limit(1)) is not None


def _split_location(mode: str, location: str) -> tuple[str, str]:
    """A place, a link, or for hybrid sessions 'place | link'."""
    parts = [p.strip() for p in location.split("|")]
    place = next((p for p in parts if p and not p.startswith(("http://", "https://"))), "")
    link = next((p for p in parts if p.startswith(("http://", "https://"))), "")
    return place, link


def import_sessions_csv(text: str, filename: str = "sessions.csv", actor: User | None = None) -> ImportResult:
    """Schedule one session per row. Rows are checked in full first; with any error nothing is created."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [h for h in HEADER if h not in header and h != "course"]
    if missing:
        result.errors.append(f"{filename}, line 1: the header lacks {', '.join(missing)} "
                             f"(expected {','.join(HEADER)})")
        return result
    staff = {}
    rows = []
    keys: dict[tuple, int] = {}
    now = utcnow()
    for row in reader:
        line = reader.line_num
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        problems = []
        title = row.get("title", "")
        if not title:
            problems.append("the title is empty")
        try:
            start = datetime.strptime(row.get("start", ""), "%Y-%m-%d %H:%M")
        except ValueError:
            start = None
            problems.append(f"start '{row.get('start', '')}' is not a date and time like 2026-01-31 14:00")
        minutes = row.get("minutes", "")
        if not minutes.isdigit() or not 5 <= int(minutes) <= 24 * 60:
            problems.append(f"minutes '{minutes}' is not a whole number from 5 to 1440")
        capacity = row.get("capacity", "")
        if not capacity.isdigit() or not 1 <= int(capacity) <= MAX_CAPACITY:
            problems.append(f"capacity '{capacity}' is not a whole number from 1 to {MAX_CAPACITY}")
        mode = row.get("mode", "")
        if mode not in MODES:
            problems.append(f"mode '{mode}' is not one of {', '.join(MODES)}")
        email = normalise_email(row.get("facilitator_email", ""))
        if email not in staff:
            staff[email] = db.session.scalar(
                select(User).where(User.email == email, User.is_active.is_(True),
                                   User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(STAFF_ROLES)))))
        if staff[email] is None:
            problems.append(f"no active librarian, manager or administrator has the e-mail address '{email}'")
        course = None
        course_ref = row.get("course", "")
        if course_ref:
            course = db.session.scalar(select(Course).where(
                or_(Course.slug == course_ref, func.lower(Course.title) == course_ref.lower())))
            if course is None:
                problems.append(f"there is no course '{course_ref}' (give its slug or title)")
        place, link = _split_location(mode, row.get("location", ""))
        if not problems:
            end = start + timedelta(minutes=int(minutes))
            data = SessionData(title=title, day=start.date(), start_time=start.time(), end_time=end.time(),
                               capacity=int(capacity), mode=mode, location=place, online_url=link,
                               course_id=course.id if course else None, facilitator_ids=[staff[email].id])
            if end.date() != start.date():
                problems.append("the session would end after midnight; split it or shorten it")
            else:
                try:
                    _check(data, staff[email])
                    timing = resolve_timing(data)
                except BookingError as error:
                    problems.append(_row_message(error))
                else:
                    key = (title.lower(), timing.starts_at, place.lower())
                    if timing.starts_at <= now:
                        problems.append(f"start '{row.get('start', '')}' is in the past")
                    elif key in keys:
                        problems.append(f"the same session (title, start and place) is already on line {keys[key]}")
                    elif _already_scheduled(title, timing.starts_at, place):
                        result.unchanged += 1
                    else:
                        rows.append((data, timing, staff[email]))
                    keys.setdefault(key, line)
        for problem in problems:
            result.errors.append(f"{filename}, line {line}: {problem}")
    if result.errors:
        return result
    if not rows:
        if not result.unchanged:
            result.errors.append(f"{filename}: no sessions in the file")
        return result
    for data, timing, facilitator in rows:
        result.created.append(_new_session(data, timing, actor or facilitator))
    db.session.flush()
    record_event("sessions.imported", actor, count=len(result.created), unchanged=result.unchanged, file=filename)
    return result


def _row_message(error: BookingError) -> str:
    text = str(error)
    if error.field == "location":
        return "location is empty; in-person and hybrid sessions need a place"
    if error.field == "online_url":
        return "location needs a link (https://...) for online and hybrid sessions (hybrid: 'place | link')"
    return text[0].lower() + text[1:]
