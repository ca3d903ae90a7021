"""Helpers for the bookings tests: sessions made through the real services."""
from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.bookings import services
from lit_platform.bookings.models import Booking, Session
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

_numbers = itertools.count(1)


def in_days(days: float, hour: int = 10) -> datetime:
    """A UTC time `days` from now at a fixed hour, so tests never depend on the clock's minute."""
    base = datetime.now(timezone.utc).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


class SessionFactory:
    def __init__(self, app, make):
        self.app = app
        self.make = make

    def librarian(self, **fields):
        return self.make.user(roles=["librarian"], **fields)

    def __call__(self, facilitator=None, starts_at: datetime | None = None, minutes: int = 90, capacity: int = 20,
                 **overrides) -> Session:
        """Schedule a session through create_session, then set UTC times directly (tests think in UTC)."""
        facilitator = facilitator or self.librarian()
        with self.app.app_context():
            actor = db.session.get(User, facilitator.id)
            starts_at = starts_at or in_days(7)
            fields = dict(title=f"Workshop {next(_numbers)}", day=(starts_at + timedelta(days=3)).date(),
                          start_time=time(10), end_time=time(11), capacity=capacity, location="Room 1",
                          facilitator_ids=[facilitator.id])
            fields.update({k: v for k, v in overrides.items() if k in services.SessionData.__dataclass_fields__})
            session, _ = services.create_session(services.SessionData(**fields), actor)
            session.starts_at = starts_at
            session.ends_at = starts_at + timedelta(minutes=minutes)
            for name in ("booking_opens_at", "booking_closes_at", "cancel_cutoff_hours", "online_url"):
                if name in overrides:
                    setattr(session, name, overrides[name])
            db.session.commit()
            db.session.refresh(session)
            session.facilitator_rows, session.unit_rows  # load before detaching
            db.session.expunge_all()
            return session


@pytest.fixture
def make_session(app, make):
    return SessionFactory(app, make)


def book(app, session_id: int, user, now=None):
    with app.app_context():
        booking = services.book_session(session_id, db.session.get(User, user.id), now=now)
        db.session.commit()
        return booking.id, booking.status


def bookings_of(app, session_id: int) -> list[tuple[int, str, int]]:
    """(user id, status, position) in arrival order."""
    with app.app_context():
        return [(b.user_id, b.status, b.position) for b in db.session.scalars(
            select(Booking).where(Booking.session_id == session_id).order_by(Booking.position))]


def outbox(app, to: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            query = query.where(OutboxMessage.to_address == to)
        found = list(db.session.scalars(query))
        db.session.expunge_all()
        return found
