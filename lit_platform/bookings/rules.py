"""Booking rules as plain functions of plain values: who gets a place, when booking and cancelling are open."""
from __future__ import annotations

from datetime import datetime, timedelta

CHECKIN_OPENS_MINUTES = 15
LATE_AFTER_MINUTES = 10
REGISTER_OPENS_MINUTES = 30


def booking_outcome(confirmed: int, capacity: int, waitlist_enabled: bool) -> str | None:
    """'confirmed' while places are free, else 'waitlisted' if there is a waitlist, else None (full)."""
    if confirmed < capacity:
        return "confirmed"
    return "waitlisted" if waitlist_enabled else None


def places_to_fill(confirmed: int, capacity: int, waiting: int) -> int:
    """How many people to promote from the waitlist."""
    return max(0, min(capacity - confirmed, waiting))


def booking_closed_reason(now: datetime, starts_at: datetime, opens_at: datetime | None,
                          closes_at: datetime | None, cancelled: bool) -> str | None:
    """Why a learner cannot book now, or None when booking is open."""
    if cancelled:
        return "This session has been cancelled."
    if now >= starts_at:
        return "This session has already started."
    if opens_at is not None and now < opens_at:
        return "Booking has not opened yet."
    if closes_at is not None and now >= closes_at:
        return "Booking has closed."
    return None


def cancel_deadline(starts_at: datetime, cutoff_hours: int) -> datetime:
    return starts_at - timedelta(hours=cutoff_hours)


def can_cancel(now: datetime, starts_at: datetime, cutoff_hours: int, status: str) -> bool:
    """A waitlisted learner may always leave before the start; a confirmed one only until the cut-off."""
    if now >= starts_at:
        return False
    if status == "waitlisted":
        return True
    return now < cancel_deadline(starts_at, cutoff_hours)


def checkin_open(now: datetime, starts_at: datetime, ends_at: datetime) -> bool:
    """Learners check in from a little before the start until the end."""
    return starts_at - timedelta(minutes=CHECKIN_OPENS_MINUTES) <= now < ends_at


def checkin_attendance(now: datetime, starts_at: datetime) -> str:
    return "late" if now > starts_at + timedelta(minutes=LATE_AFTER_MINUTES) else "attended"


def register_open(now: datetime, starts_at: datetime) -> bool:
    return now >= starts_at - timedelta(minutes=REGISTER_OPENS_MINUTES)
