"""The e-mails the bookings area sends, each queued in the outbox with its calendar entry where it has one."""
from __future__ import annotations

from flask import current_app

from ..outbox.services import queue_message
from .ical import EventInfo, Person, build_calendar
from .models import Booking, Session
from ..core.urls import external_url
from .settings import zone_name

SUBJECTS = {
    "confirmed": "Booking confirmed",
    "waitlisted": "On the waiting list",
    "promoted": "A place is yours",
    "cancelled": "Booking cancelled",
    "left_waitlist": "You have left the waiting list",
    "removed": "Your booking has been cancelled",
    "changed": "Session changed",
    "session_cancelled": "Session cancelled",
    "reminder": "Reminder",
}


def when(session: Session) -> str:
    from ..templating import local_time

    return f"{local_time(session.starts_at, '%A %-d %B %Y, %H:%M')} to {local_time(session.ends_at, '%H:%M')} " \
           f"({zone_name()})"


def organizer(session: Session) -> Person:
    facilitators = session.facilitators
    if facilitators:
        return Person(facilitators[0].email, facilitators[0].name)
    return Person(current_app.config["LIT_MAIL_FROM"], current_app.config["LIT_SITE_NAME"])


def booking_uid(booking: Booking) -> str:
    """A learner's calendar entry for a session: stable for the booking."""
    return f"booking-{booking.id}-{booking.session.ical_uid}"


def booking_event(booking: Booking, cancelled: bool = False) -> EventInfo:
    """The learner's calendar entry; the online link only for a confirmed place."""
    session = booking.session
    page = external_url("bookings.session", session_id=session.id)
    online = session.online_url if booking.status == "confirmed" and not cancelled else ""
    where = [session.location] if session.location else []
    if session.mode in ("online", "hybrid"):
        where.append("Online")
    description = f"{session.title}\n{page}"
    if online:
        description += f"\nJoin online: {online}"
    return EventInfo(
        uid=booking_uid(booking),
        sequence=session.ical_sequence + booking.ical_sequence,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        description=description,
        location=", ".join(where),
        url=online or page,
        organizer=organizer(session),
        attendees=[Person(booking.user.email, booking.user.name)],
        status="CANCELLED" if cancelled or session.is_cancelled else "CONFIRMED",
    )


def session_event(session: Session, with_link: bool = False) -> EventInfo:
    """The session as a facilitator's (or the public feed's) calendar shows it."""
    page = external_url("bookings.session", session_id=session.id)
    online = session.online_url if with_link else ""
    where = [session.location] if session.location else []
    if session.mode in ("online", "hybrid"):
        where.append("Online")
    return EventInfo(
        uid=session.ical_uid, sequence=session.ical_sequence, title=session.title, starts_at=session.starts_at,
        ends_at=session.ends_at, description=f"{session.title}\n{page}" + (f"\nJoin online: {online}" if online else ""),
        location=", ".join(where), url=online or page, organizer=organizer(session),
        status="CANCELLED" if session.is_cancelled else "CONFIRMED")


def _details(booking: Booking) -> str:
    session = booking.session
    lines = [f"Session: {session.title}", f"When: {when(session)}", f"How: {session.mode_label}"]
    if session.location:
        lines.append(f"Where: {session.location}")
    if session.online_url and booking.status == "confirmed":
        lines.append(f"Join online: {session.online_url}")
    lines.append(f"Details: {external_url('bookings.session', session_id=session.id)}")
    return "\n".join(lines)


def _send(booking: Booking, kind: str, opening: str, closing: str = "", method: str | None = None) -> None:
    user = booking.user
    body = f"Hello {user.name},\n\n{opening}\n\n{_details(booking)}\n"
    if closing:
        body += f"\n{closing}\n"
    body += f"\nYour bookings: {external_url('bookings.my_bookings')}\n"
    ics = None
    if method:
        ics = build_calendar([booking_event(booking, cancelled=method == "CANCEL")], zone_name(), method=method)
    queue_message(user.email, f"{SUBJECTS[kind]}: {booking.session.title}", body, ics=ics, ics_method=method,
                  user_id=user.id)


def send_confirmed(booking: Booking) -> None:
    _send(booking, "confirmed", "Your place is booked.",
          "The attached calendar entry adds it to your calendar. If you cannot come, cancel your place so that "
          "someone else can have it.", method="REQUEST")


def send_waitlisted(booking: Booking, position: int) -> None:
    _send(booking, "waitlisted", f"The session is full, so you are on the waiting list, number {position}. "
          "If a place frees up, it goes to the first person on the list and we e-mail you straight away.")


def send_promoted(booking: Booking) -> None:
    _send(booking, "promoted", "A place has come free and it is yours: your booking is now confirmed.",
          "The attached calendar entry adds it to your calendar. If you can no longer come, cancel your place so "
          "that the next person can have it.", method="REQUEST")


def send_cancelled(booking: Booking, was: str, by_staff: bool, reason: str = "") -> None:
    if by_staff:
        opening = "A librarian has cancelled your booking." + (f"\n\nReason: {reason}" if reason else "")
        kind = "removed"
    elif was == "waitlisted":
        opening, kind = "You are no longer on the waiting list for this session.", "left_waitlist"
    else:
        opening, kind = "Your booking has been cancelled.", "cancelled"
    _send(booking, kind, opening, method="CANCEL" if was == "confirmed" else None)


def send_changed(booking: Booking, changes: list[str]) -> None:
    change_text = "\n".join(f"- {change}" for change in changes)
    if booking.status == "confirmed":
        _send(booking, "changed", f"The session you booked has changed:\n{change_text}",
              "The attached calendar entry updates your calendar.", method="REQUEST")
    else:
        _send(booking, "changed", f"A session you are on the waiting list for has changed:\n{change_text}")


def send_session_cancelled(booking: Booking, reason: str) -> None:
    opening = "We are sorry: this session has been cancelled." + (f"\n\nReason: {reason}" if reason else "")
    _send(booking, "session_cancelled", opening, "Look at the other sessions on the site for another date.",
          method="CANCEL" if booking.status == "confirmed" else None)


def send_reminder(booking: Booking) -> None:
    _send(booking, "reminder", "This is a reminder of your session.",
          "If you can no longer come, cancel your place so that someone else can have it.")


def send_message(booking: Booking, subject: str, text: str, sender_name: str) -> None:
    user = booking.user
    body = (f"Hello {user.name},\n\n{text}\n\n{sender_name}\n\n{_details(booking)}\n")
    queue_message(user.email, f"{subject} ({booking.session.title})", body, user_id=user.id)
