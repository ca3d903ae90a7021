"""Every state change to sessions and bookings.

Booking, cancelling, promotion, adding or removing by hand, attendance and check-in first lock the
session row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the transaction holds the database's
write lock from its BEGIN IMMEDIATE), then count again under the lock, so two requests can never
both take the last place. The unique (session, user) constraint backs this up. E-mails go to the
outbox in the same transaction. Functions flush; the caller commits once.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, update

from ..accounts.models import User, UserRole
from ..accounts.queries import unit_and_descendant_ids
from ..audit import record_event
from ..core.database import start_write_transaction
from ..core.markdown import render_markdown
from ..core.types import utcnow
from ..extensions import db
from . import messages, rules
from .models import (ATTENDANCE, FREQUENCIES, MODES, Booking, Session, SessionFacilitator, SessionSeries, SessionUnit,
                     SurveyResponse)
from .settings import setting, zone_name
from .times import LocalTimeError, ambiguity_note, combine, resolve_local, series_dates, to_local

#: The control test switches this off to show that, without the row lock, concurrent bookings overbook.
LOCK_SESSION_ROWS = True
CHECKIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_CAPACITY = 10_000
STAFF_ROLES = ("librarian", "manager", "admin")


class BookingError(ValueError):
    """A request that cannot be carried out, with a message fit to show the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AlreadyBooked(BookingError):
    """The learner already holds a place or a place in the queue."""


# Locking and counting ------------------------------------------------------------------------

def lock_session(session_id: int) -> Session:
    """Load the session for update; every booking change starts here.

    :raises BookingError: there is no such session.
    """
    bind = db.session.get_bind()
    if bind.dialect.name == "sqlite" and not db.session().in_transaction():
        # Outside a web POST (CLI, scripts) take the write lock now rather than on the first write.
        db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    query = select(Session).where(Session.id == session_id).execution_options(populate_existing=True)
    if LOCK_SESSION_ROWS and bind.dialect.name == "postgresql":
        query = query.with_for_update()
    session = db.session.scalar(query)
    if session is None:
        raise BookingError("There is no such session.")
    return session


def count_confirmed(session_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Booking)
                             .where(Booking.session_id == session_id, Booking.status == "confirmed"))


def _next_position(session_id: int) -> int:
    return (db.session.scalar(select(func.max(Booking.position)).where(Booking.session_id == session_id)) or 0) + 1


def waitlist_position(booking: Booking) -> int:
    """1 for the first person waiting, and so on."""
    return db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.session_id == booking.session_id, Booking.status == "waitlisted",
        Booking.position <= booking.position))


def _own_booking(session_id: int, user_id: int) -> Booking | None:
    return db.session.scalar(select(Booking).where(Booking.session_id == session_id, Booking.user_id == user_id)
                             .execution_options(populate_existing=True))


def cutoff_hours(session: Session) -> int:
    return session.cancel_cutoff_hours if session.cancel_cutoff_hours is not None \
        else setting("LIT_BOOKING_CANCEL_CUTOFF_HOURS")


# Audience ------------------------------------------------------------------------------------

def may_attend(session: Session, user) -> bool:
    """Open sessions are for everyone; restricted ones for members of their units or of units inside them."""
    if not session.is_restricted:
        return True
    if user.org_unit_id is None:
        return False
    return any(user.org_unit_id in unit_and_descendant_ids(unit_id) for unit_id in session.unit_ids)


# Booking and cancelling ----------------------------------------------------------------------

def book_session(session_id: int, user: User, now: datetime | None = None, actor: User | None = None,
                 over_capacity: bool = False) -> Booking:
    """Give the user a place, or a place on the waitlist when the session is full.

    With an `actor` (a librarian adding someone by hand) the booking window and audience do not apply,
    and `over_capacity` confirms the place even when the session is full.
    :raises AlreadyBooked: the user already has a place or is already waiting.
    :raises BookingError: booking is closed, the user is outside the audience, or it is full without a waitlist.
    """
    session = lock_session(session_id)
    now = now or utcnow()  # read under the lock, so booking times follow the order places were given
    if actor is None:
        reason = rules.booking_closed_reason(now, session.starts_at, session.booking_opens_at,
                                             session.booking_closes_at, session.is_cancelled)
        if reason:
            raise BookingError(reason)
        if not may_attend(session, user):
            raise BookingError("This session is open only to members of particular teams or departments.")
    else:
        if session.is_cancelled:
            raise BookingError("This session has been cancelled.")
        if now >= session.ends_at:
            raise BookingError("This session has already ended.")
    booking = _own_booking(session.id, user.id)
    if booking is not None and booking.is_active:
        raise AlreadyBooked("You already have a place on this session." if booking.status == "confirmed" else
                            "You are already on the waiting list for this session.")
    _, confirmed = _fill_places(session, now)
    outcome = "confirmed" if over_capacity else rules.booking_outcome(confirmed, session.capacity,
                                                                     session.waitlist_enabled)
    if outcome is None:
        raise BookingError("This session is full and has no waiting list.")
    position = _next_position(session.id)
    if booking is None:
        booking = Booking(session_id=session.id, user_id=user.id, ical_sequence=0, status=outcome, position=position)
        db.session.add(booking)
    else:
        booking.ical_sequence += 1
        booking.cancelled_at = booking.attendance = booking.attendance_marked_at = None
        booking.checked_in_at = booking.reminded_at = None
    booking.status = outcome
    booking.position = position
    booking.booked_at = now
    booking.confirmed_at = now if outcome == "confirmed" else None
    booking.added_by_id = actor.id if actor is not None else None
    db.session.flush()
    if outcome == "confirmed":
        messages.send_confirmed(booking)
    else:
        messages.send_waitlisted(booking, waitlist_position(booking))
    record_event("booking.created", actor or user, "booking", booking.id, session_id=session.id, user_id=user.id,
                 status=outcome, by_hand=actor is not None)
    return booking


def cancel_booking(booking_id: int, actor: User, now: datetime | None = None, by_staff: bool = False,
                   reason: str = "") -> Booking:
    """Cancel a place (or leave the waitlist), then promote the first person waiting.

    :raises BookingError: not the actor's booking, already cancelled, or past the cancellation cut-off.
    """
    now = now or utcnow()
    found = db.session.get(Booking, booking_id)
    if found is None or (not by_staff and found.user_id != actor.id):
        raise BookingError("There is no such booking.")
    if found.user_id is None:
        raise BookingError("This booking belongs to a learner whose data was erased; it can no longer be changed.")
    session = lock_session(found.session_id)
    booking = db.session.scalar(select(Booking).where(Booking.id == booking_id)
                                .execution_options(populate_existing=True))
    if not booking.is_active:
        raise BookingError("This booking has already been cancelled.")
    if not by_staff and not rules.can_cancel(now, session.starts_at, cutoff_hours(session), booking.status):
        raise BookingError(f"Places can be cancelled online until {cutoff_hours(session)} hours before the start. "
                           "Contact the library to cancel now.")
    was = booking.status
    booking.status = "cancelled"
    booking.cancelled_at = now
    booking.ical_sequence += 1
    db.session.flush()
    messages.send_cancelled(booking, was, by_staff, reason)
    record_event("booking.removed" if by_staff else "booking.cancelled", actor, "booking", booking.id,
                 session_id=session.id, user_id=booking.user_id, was=was)
    promote_waitlist(session, now)
    return booking


def promote_waitlist(session: Session, now: datetime | None = None) -> list[Booking]:
    """Give free places to the people waiting longest. The caller holds the session's lock."""
    now = now or utcnow()
    if session.is_cancelled or now >= session.starts_at:
        return []
    return _fill_places(session, now)[0]


def _fill_places(session: Session, now: datetime) -> tuple[list[Booking], int]:
    """Promote the longest waiting into free places; returns them and the number of confirmed places after."""
    confirmed = count_confirmed(session.id)
    if confirmed >= session.capacity:
        return [], confirmed
    waiting = list(db.session.scalars(
        select(Booking).where(Booking.session_id == session.id, Booking.status == "waitlisted")
        .order_by(Booking.position).limit(session.capacity - confirmed)
        .execution_options(populate_existing=True)))
    for booking in waiting:
        booking.status = "confirmed"
        booking.confirmed_at = now
        db.session.flush()
        messages.send_promoted(booking)
        record_event("booking.promoted", None, "booking", booking.id, session_id=session.id, user_id=booking.user_id)
    return waiting, confirmed + len(waiting)


def add_booking_by_hand(session_id: int, user: User, actor: User, over_capacity: bool = False,
                        now: datetime | None = None) -> Booking:
    """A librarian books a learner in: a place if one is free (or always, with `over_capacity`), else the waitlist."""
    return book_session(session_id, user, now=now, actor=actor, over_capacity=over_capacity)


def remove_booking(booking_id: int, actor: User, reason: str = "", now: datetime | None = None) -> Booking:
    """A librarian cancels a learner's place or waitlist entry; the learner is told."""
    return cancel_booking(booking_id, actor, now=now, by_staff=True, reason=reason)


# Attendance ----------------------------------------------------------------------------------

def mark_attendance(session_id: int, marks: dict[int, str | None], actor: User, now: datetime | None = None) -> int:
    """Record attended / late / absent (or clear) for confirmed bookings of the session; returns how many changed.

    :raises BookingError: the register is not open yet, or a mark is unknown.
    """
    now = now or utcnow()
    session = lock_session(session_id)
    if not rules.register_open(now, session.starts_at):
        raise BookingError(f"The register opens {rules.REGISTER_OPENS_MINUTES} minutes before the session starts.")
    bookings = {b.id: b for b in db.session.scalars(select(Booking).where(
        Booking.session_id == session.id, Booking.status == "confirmed"))}
    changed = 0
    for booking_id, mark in marks.items():
        mark = mark or None
        if mark is not None and mark not in ATTENDANCE:
            raise BookingError(f"Unknown attendance mark {mark}.")
        booking = bookings.get(booking_id)
        if booking is None or booking.attendance == mark:
            continue
        booking.attendance = mark
        booking.attendance_marked_at = now
        changed += 1
    db.session.flush()
    record_event("session.register_taken", actor, "session", session.id, changed=changed)
    return changed


def check_in(session_id: int, user: User, code: str, now: datetime | None = None) -> Booking:
    """A learner checks themselves in with the code shown in the room; it works only while the session runs.

    :raises BookingError: wrong code, outside the session, or no confirmed place.
    """
    now = now or utcnow()
    session = lock_session(session_id)
    if session.is_cancelled or not rules.checkin_open(now, session.starts_at, session.ends_at):
        raise BookingError("Checking in is possible only while the session is running.")
    if not secrets.compare_digest((code or "").strip().upper().replace(" ", ""), session.checkin_code):
        raise BookingError("That code is not right. Check the code shown by the facilitator.")
    booking = _own_booking(session.id, user.id)
    if booking is None or booking.status != "confirmed":
        raise BookingError("You do not have a confirmed place on this session. Ask the facilitator to add you.")
    if booking.checked_in_at is None:
        booking.checked_in_at = now
        booking.attendance = rules.checkin_attendance(now, session.starts_at)
        booking.attendance_marked_at = now
        record_event("booking.checked_in", user, "booking", booking.id, session_id=session.id)
    db.session.flush()
    return booking


def new_checkin_code() -> str:
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(6))


# Sessions ------------------------------------------------------------------------------------

@dataclass
class SessionData:
    """What a librarian enters for a session; times are naive local wall-clock times."""

    title: str
    day: date
    start_time: time
    end_time: time
    capacity: int
    mode: str = "in_person"
    description: str = ""
    course_id: int | None = None
    facilitator_ids: list[int] = field(default_factory=list)
    location: str = ""
    online_url: str = ""
    booking_opens: datetime | None = None
    booking_closes: datetime | None = None
    cancel_cutoff_hours: int | None = None
    is_restricted: bool = False
    unit_ids: list[int] = field(default_factory=list)
    waitlist_enabled: bool = True


@dataclass
class Timing:
    starts_at: datetime
    ends_at: datetime
    opens_at: datetime | None
    closes_at: datetime | None
    notes: list[str] = field(default_factory=list)


def _resolve(local: datetime, field_name: str, notes: list[str]) -> datetime:
    try:
        resolved = resolve_local(local, zone_name())
    except LocalTimeError as error:
        raise BookingError(str(error), field_name) from None
    if resolved.ambiguous:
        notes.append(ambiguity_note(local, zone_name()))
    return resolved.utc


def resolve_timing(data: SessionData) -> Timing:
    """Local times to UTC, checked.

    :raises BookingError: with `field` set to the form field at fault.
    """
    notes: list[str] = []
    starts_at = _resolve(combine(data.day, data.start_time), "start_time", notes)
    ends_at = _resolve(combine(data.day, data.end_time), "end_time", notes)
    if ends_at <= starts_at:
        raise BookingError("The session must end after it starts (on the same day).", "end_time")
    opens_at = _resolve(data.booking_opens, "booking_opens", notes) if data.booking_opens else None
    closes_at = _resolve(data.booking_closes, "booking_closes", notes) if data.booking_closes else None
    if opens_at and opens_at >= starts_at:
        raise BookingError("Booking must open before the session starts.", "booking_opens")
    if closes_at and closes_at > starts_at:
        raise BookingError("Booking must close at the latest when the session starts.", "booking_closes")
    if opens_at and closes_at and closes_at <= opens_at:
        raise BookingError("Booking must close after it opens.", "booking_closes")
    return Timing(starts_at, ends_at, opens_at, closes_at, notes)


def _check(data: SessionData, actor: User) -> None:
    if not data.title.strip():
        raise BookingError("Enter a title.", "title")
    if data.mode not in MODES:
        raise BookingError("Choose in person, online or hybrid.", "mode")
    if data.mode in ("in_person", "hybrid") and not data.location.strip():
        raise BookingError("Say where the session takes place.", "location")
    if data.mode in ("online", "hybrid") and not data.online_url.strip():
        raise BookingError("Give the link for joining online.", "online_url")
    if data.online_url and not data.online_url.startswith(("https://", "http://")):
        raise BookingError("The joining link must start with https:// (or http://).", "online_url")
    if not 1 <= data.capacity <= MAX_CAPACITY:
        raise BookingError(f"The number of places must be between 1 and {MAX_CAPACITY}.", "capacity")
    if data.is_restricted and not data.unit_ids:
        raise BookingError("Choose at least one team or department, or open the session to everyone.", "unit_ids")
    if not data.facilitator_ids:
        raise BookingError("Choose at least one facilitator.", "facilitator_ids")
    staff = set(db.session.scalars(select(UserRole.user_id).where(
        UserRole.user_id.in_(data.facilitator_ids), UserRole.role.in_(STAFF_ROLES))))
    if staff != set(data.facilitator_ids):
        raise BookingError("Choose facilitators from the list.", "facilitator_ids")
    if not actor.has_role("manager", "admin") and actor.id not in data.facilitator_ids:
        raise BookingError("Include yourself as a facilitator: librarians manage the sessions they facilitate.",
                           "facilitator_ids")


def _apply(session: Session, data: SessionData, timing: Timing) -> None:
    session.title = data.title.strip()
    session.description = data.description or ""
    session.description_html = str(render_markdown(session.description))
    session.course_id = data.course_id or None
    session.starts_at, session.ends_at = timing.starts_at, timing.ends_at
    session.booking_opens_at, session.booking_closes_at = timing.opens_at, timing.closes_at
    session.mode = data.mode
    session.location = data.location.strip() if data.mode != "online" else ""
    session.online_url = data.online_url.strip() if data.mode != "in_person" else ""
    session.capacity = data.capacity
    session.cancel_cutoff_hours = data.cancel_cutoff_hours
    session.is_restricted = data.is_restricted
    session.waitlist_enabled = data.waitlist_enabled
    if set(data.facilitator_ids) != session.facilitator_ids:
        session.facilitator_rows = [SessionFacilitator(user_id=i) for i in sorted(set(data.facilitator_ids))]
    unit_ids = set(data.unit_ids) if data.is_restricted else set()
    if unit_ids != session.unit_ids:
        session.unit_rows = [SessionUnit(unit_id=i) for i in sorted(unit_ids)]


def _new_session(data: SessionData, timing: Timing, actor: User, series: SessionSeries | None = None) -> Session:
    session = Session(ical_uid=f"{uuid.uuid4().hex}@lit-platform", ical_sequence=0, status="scheduled",
                      checkin_code=new_checkin_code(), created_by_id=actor.id, series=series, cancel_reason="")
    _apply(session, data, timing)
    db.session.add(session)
    return session


def create_session(data: SessionData, actor: User) -> tuple[Session, list[str]]:
    """Schedule one session; returns it and notes about ambiguous local times."""
    _check(data, actor)
    timing = resolve_timing(data)
    session = _new_session(data, timing, actor)
    db.session.flush()
    record_event("session.created", actor, "session", session.id, title=session.title)
    return session, timing.notes


def create_series(data: SessionData, frequency: str, actor: User, count: int | None = None,
                  until: date | None = None) -> tuple[list[Session], list[str]]:
    """Schedule a repeating series: the same local time on every date (so it stays at 10:00 across clock changes).

    The booking window keeps the same distance from each start as it has from the first.
    """
    _check(data, actor)
    if frequency not in FREQUENCIES:
        raise BookingError("Choose how often the session repeats.", "repeat")
    try:
        dates = series_dates(data.day, frequency, count, until)
    except LocalTimeError as error:
        raise BookingError(str(error), "repeat_count") from None
    first = resolve_timing(data)
    opens_before = first.starts_at - first.opens_at if first.opens_at else None
    closes_before = first.starts_at - first.closes_at if first.closes_at else None
    series = SessionSeries(frequency=frequency, created_by_id=actor.id)
    db.session.add(series)
    sessions, notes, problems = [], list(first.notes), []
    for day in dates:
        occurrence = SessionData(**{**data.__dict__, "day": day, "booking_opens": None, "booking_closes": None})
        try:
            timing = resolve_timing(occurrence)
        except BookingError as error:
            problems.append(str(error))
            continue
        notes.extend(n for n in timing.notes if n not in notes)
        timing.opens_at = timing.starts_at - opens_before if opens_before is not None else None
        timing.closes_at = timing.starts_at - closes_before if closes_before is not None else None
        sessions.append(_new_session(occurrence, timing, actor, series))
    if problems:
        raise BookingError(" ".join(problems), "start_time")
    db.session.flush()
    record_event("session.series_created", actor, "session_series", series.id, frequency=frequency,
                 sessions=[s.id for s in sessions])
    return sessions, notes


def _changes(session: Session, before: dict) -> list[str]:
    """What a learner needs to hear about, in words."""
    from ..templating import local_time

    changes = []
    if (session.starts_at, session.ends_at) != (before["starts_at"], before["ends_at"]):
        changes.append(f"New time: {messages.when(session)} (was "
                       f"{local_time(before['starts_at'], '%A %-d %B %Y, %H:%M')} to "
                       f"{local_time(before['ends_at'], '%H:%M')})")
    if session.title != before["title"]:
        changes.append(f"New title: {session.title} (was {before['title']})")
    if session.mode != before["mode"]:
        changes.append(f"Now: {session.mode_label}")
    if session.location != before["location"]:
        changes.append(f"New place: {session.location or 'none (online only)'}")
    if session.online_url != before["online_url"]:
        changes.append("New joining link (confirmed places see it in the calendar entry and on the session page)")
    return changes


def _snapshot(session: Session) -> dict:
    return {name: getattr(session, name) for name in
            ("starts_at", "ends_at", "title", "mode", "location", "online_url", "capacity")}


def _bookings_to_tell(session_id: int, statuses: tuple[str, ...]) -> list[Booking]:
    """The session's bookings in these statuses that have a person to write to, in arrival order (a booking
    kept after its learner's data was erased has nobody)."""
    return list(db.session.scalars(select(Booking).where(
        Booking.session_id == session_id, Booking.status.in_(statuses), Booking.user_id.is_not(None))
        .order_by(Booking.position)))


def _notify_change(session: Session, changes: list[str], now: datetime) -> int:
    if not changes:
        return 0
    session.ical_sequence += 1
    bookings = _bookings_to_tell(session.id, ("confirmed", "waitlisted"))
    for booking in bookings:
        messages.send_changed(booking, changes)
        if any(change.startswith("New time") for change in changes):
            booking.reminded_at = None  # remind again before the new time
    return len(bookings)


def update_session(session_id: int, data: SessionData, actor: User, scope: str = "one",
                   now: datetime | None = None) -> tuple[list[Session], list[str]]:
    """Change a session (or it and the later sessions of its series); everyone booked or waiting is told of
    changes to time, place, link, mode or title, with an updated calendar entry.

    For the rest of a series, each later session keeps its own date, moved by as many days as this one
    moved, and takes the new times of day and every other field.
    """
    now = now or utcnow()
    _check(data, actor)
    session = lock_session(session_id)
    if session.is_cancelled:
        raise BookingError("A cancelled session cannot be changed.")
    timing = resolve_timing(data)
    targets = [session]
    if scope == "following" and session.series_id:
        later = db.session.scalars(select(Session.id).where(
            Session.series_id == session.series_id, Session.starts_at > session.starts_at,
            Session.status == "scheduled").order_by(Session.starts_at)).all()
        targets += [lock_session(i) for i in later]
    old_day = to_local(session.starts_at, zone_name()).date()
    day_shift = data.day - old_day
    notes = list(timing.notes)
    for target in targets:
        before = _snapshot(target)
        if target is session:
            target_timing = timing
        else:
            own = SessionData(**{**data.__dict__, "day": to_local(target.starts_at, zone_name()).date() + day_shift,
                                 "booking_opens": None, "booking_closes": None})
            target_timing = resolve_timing(own)
            notes.extend(n for n in target_timing.notes if n not in notes)
            if timing.opens_at:
                target_timing.opens_at = target_timing.starts_at - (timing.starts_at - timing.opens_at)
            if timing.closes_at:
                target_timing.closes_at = target_timing.starts_at - (timing.starts_at - timing.closes_at)
        _apply(target, data, target_timing)
        target.updated_at = now
        db.session.flush()
        told = _notify_change(target, _changes(target, before), now)
        promoted = promote_waitlist(target, now) if target.capacity > before["capacity"] else []
        record_event("session.updated", actor, "session", target.id, notified=told, promoted=len(promoted),
                     scope=scope)
    db.session.flush()
    return targets, notes


def cancel_session(session_id: int, actor: User, reason: str = "", now: datetime | None = None) -> int:
    """Cancel a session; everyone booked or waiting is told (with a calendar cancellation for places)."""
    now = now or utcnow()
    session = lock_session(session_id)
    if session.is_cancelled:
        raise BookingError("This session is already cancelled.")
    session.status = "cancelled"
    session.cancel_reason = reason.strip()
    session.ical_sequence += 1
    session.updated_at = now
    bookings = _bookings_to_tell(session.id, ("confirmed", "waitlisted"))
    for booking in bookings:
        messages.send_session_cancelled(booking, session.cancel_reason)
    db.session.flush()
    record_event("session.cancelled", actor, "session", session.id, notified=len(bookings))
    return len(bookings)


def message_attendees(session_id: int, subject: str, text: str, actor: User, include_waitlist: bool = False) -> int:
    """E-mail everyone with a place (and, if asked, everyone waiting) through the outbox."""
    statuses = ("confirmed", "waitlisted") if include_waitlist else ("confirmed",)
    bookings = _bookings_to_tell(session_id, statuses)
    if not bookings:
        raise BookingError("Nobody is booked on this session yet.")
    for booking in bookings:
        messages.send_message(booking, subject.strip(), text.strip(), actor.name)
    record_event("session.messaged", actor, "session", session_id, recipients=len(bookings),
                 include_waitlist=include_waitlist)
    return len(bookings)


# Reminders -----------------------------------------------------------------------------------

def queue_reminders(now: datetime | None = None, hours: int | None = None) -> int:
    """Queue a reminder for each confirmed place on a scheduled session starting within `hours`; never twice.

    Each booking is claimed with a conditional UPDATE, so two runs at once cannot both remind it: on
    PostgreSQL the second run's UPDATE waits for the first to commit and then matches nothing; on SQLite
    the write lock is taken before reading.
    """
    now = now or utcnow()
    start_write_transaction()
    hours = setting("LIT_REMINDER_HOURS") if hours is None else hours
    due = db.session.scalars(
        select(Booking.id).join(Session).where(
            Booking.status == "confirmed", Booking.reminded_at.is_(None), Booking.user_id.is_not(None),
            Session.status == "scheduled",
            Session.starts_at > now, Session.starts_at <= now + timedelta(hours=hours))
        .order_by(Session.starts_at, Booking.position)).all()
    queued = 0
    for booking_id in due:
        claimed = db.session.execute(
            update(Booking).where(Booking.id == booking_id, Booking.reminded_at.is_(None),
                                  Booking.status == "confirmed").values(reminded_at=now)
            .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        booking = db.session.scalar(select(Booking).where(Booking.id == booking_id)
                                    .execution_options(populate_existing=True))
        messages.send_reminder(booking)
        queued += 1
    if queued:
        record_event("reminders.queued", None, count=queued, hours=hours)
    return queued


# Reaction survey -----------------------------------------------------------------------------

SURVEY_OPENS_BEFORE_END = timedelta(minutes=15)


def survey_closed_reason(session: Session, booking: Booking | None, now: datetime) -> str | None:
    if booking is None or booking.status != "confirmed" or booking.attendance == "absent":
        return "The feedback form is for people who came to the session."
    if now < session.ends_at - SURVEY_OPENS_BEFORE_END:
        return "The feedback form opens at the end of the session."
    return None


def submit_survey(session_id: int, user: User, usefulness: int, confidence: int, would_recommend: bool,
                  comment: str = "", now: datetime | None = None) -> SurveyResponse:
    """Record an attendee's reaction; one response each."""
    now = now or utcnow()
    session = db.session.get(Session, session_id)
    if session is None:
        raise BookingError("There is no such session.")
    reason = survey_closed_reason(session, _own_booking(session_id, user.id), now)
    if reason:
        raise BookingError(reason)
    if db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.session_id == session_id,
                                                         SurveyResponse.user_id == user.id)):
        raise BookingError("You have already given feedback on this session. Thank you!")
    for name, value in (("usefulness", usefulness), ("confidence", confidence)):
        if value not in range(1, 6):
            raise BookingError("Choose a number from 1 to 5.", name)
    response = SurveyResponse(session_id=session_id, user_id=user.id, usefulness=usefulness, confidence=confidence,
                              would_recommend=bool(would_recommend), comment=(comment or "").strip()[:4000],
                              created_at=now)
    db.session.add(response)
    db.session.flush()
    record_event("session.feedback_given", user, "session", session_id)
    return response
