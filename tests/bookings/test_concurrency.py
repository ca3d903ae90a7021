"""No overbooking: hundreds of learners book the same session at once through a real HTTP server.

The server is Werkzeug's threaded server in this process, on a database the test commits to (SQLite
file and PostgreSQL). A control run with the session lock removed shows that the test can fail.
"""
from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import select

from lit_platform import create_app
from lit_platform.bookings import services
from lit_platform.bookings.models import Booking
from lit_platform.core.database import begin_writes_immediately
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

from ..browser.conftest import LiveServer, empty_all_tables
from ..conftest import app_config
from .conftest import SessionFactory
from .live import learners, post_form, storm

REQUESTS = 200
PLACES = 20
CANCELLATIONS = 5


@pytest.fixture
def live_app(committed_url):
    # Errors become 500 responses, as in production, so the control run can count them.
    app = create_app(app_config(committed_url, TESTING=False, PROPAGATE_EXCEPTIONS=False))
    yield app
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


class Make:
    """Factories on the committed database, shaped like the `make` fixture."""

    def __init__(self, app):
        self.app = app

    def user(self, roles=("learner",), **fields):
        from ..factories import Factories

        return Factories(self.app).user(roles=roles, **fields)


def _state(app, session_id):
    with app.app_context():
        bookings = list(db.session.scalars(select(Booking).where(Booking.session_id == session_id)
                                           .order_by(Booking.position)))
        mail = Counter((m.user_id, m.subject.split(":")[0]) for m in db.session.scalars(select(OutboxMessage)))
        db.session.expunge_all()
        return bookings, mail


def test_a_booking_storm_never_overbooks_and_keeps_arrival_order(live_app):
    session = SessionFactory(live_app, Make(live_app))(capacity=PLACES)
    browsers = learners(live_app, REQUESTS)
    with LiveServer(live_app) as server:
        started = time.monotonic()
        statuses = storm(server.port, lambda b: f"/sessions/{session.id}/book", browsers)
        elapsed = time.monotonic() - started
        assert Counter(statuses) == {302: REQUESTS}, Counter(statuses)

        bookings, mail = _state(live_app, session.id)
        confirmed = [b for b in bookings if b.status == "confirmed"]
        waiting = [b for b in bookings if b.status == "waitlisted"]
        assert len(bookings) == REQUESTS and len(confirmed) == PLACES and len(waiting) == REQUESTS - PLACES
        # Arrival order is the order in which requests took the lock: positions 1..200 without gaps,
        # the first 20 confirmed, and the booking times rising with the positions.
        assert [b.position for b in bookings] == list(range(1, REQUESTS + 1))
        assert {b.position for b in confirmed} == set(range(1, PLACES + 1))
        assert [b.booked_at for b in bookings] == sorted(b.booked_at for b in bookings)
        # One message each: a confirmation for a place, a waiting-list notice for the rest.
        assert mail == Counter({(b.user_id, "Booking confirmed"): 1 for b in confirmed}) + \
            Counter({(b.user_id, "On the waiting list"): 1 for b in waiting})

        # Five people with places cancel at the same moment: exactly the next five are promoted.
        cancelling = {b.user_id for b in confirmed[:CANCELLATIONS]}
        statuses = storm(server.port, lambda b: f"/sessions/{session.id}/cancel",
                         [br for br in browsers if br.user_id in cancelling])
        assert Counter(statuses) == {302: CANCELLATIONS}
        after, mail = _state(live_app, session.id)
        by_user = {b.user_id: b for b in after}
        assert sum(b.status == "confirmed" for b in after) == PLACES
        assert {u for u in cancelling if by_user[u].status == "cancelled"} == cancelling
        promoted = [b.user_id for b in waiting[:CANCELLATIONS]]
        assert all(by_user[u].status == "confirmed" for u in promoted)
        assert all(by_user[b.user_id].status == "waitlisted" for b in waiting[CANCELLATIONS:])
        assert all(mail[(u, "A place is yours")] == 1 for u in promoted)
        assert sum(n for (u, kind), n in mail.items() if kind == "A place is yours") == CANCELLATIONS
        assert all(mail[(u, "Booking cancelled")] == 1 for u in cancelling)

        # A latecomer joins the back of the queue, after everyone already waiting.
        late = learners(live_app, 1, prefix="late")[0]
        assert post_form(server.port, f"/sessions/{session.id}/book", late) == 302
        final, _ = _state(live_app, session.id)
        assert final[-1].user_id == late.user_id and final[-1].status == "waitlisted"
    print(f"\n{REQUESTS} concurrent bookings in {elapsed:.2f} s")


def test_control_without_the_lock_the_same_storm_goes_wrong(live_app, monkeypatch):
    """With the row lock (PostgreSQL) or BEGIN IMMEDIATE (SQLite) removed, the storm overbooks or fails."""
    monkeypatch.setattr(services, "LOCK_SESSION_ROWS", False)
    live_app.before_request_funcs[None] = [f for f in live_app.before_request_funcs[None]
                                           if f is not begin_writes_immediately]
    original = services.count_confirmed

    def slow_count(session_id):
        count = original(session_id)
        time.sleep(0.02)  # widen the gap between counting and inserting, as a busy server would
        return count

    monkeypatch.setattr(services, "count_confirmed", slow_count)
    session = SessionFactory(live_app, Make(live_app))(capacity=PLACES)
    browsers = learners(live_app, REQUESTS)
    with LiveServer(live_app) as server:
        statuses = storm(server.port, lambda b: f"/sessions/{session.id}/book", browsers)
    bookings, _ = _state(live_app, session.id)
    confirmed = sum(b.status == "confirmed" for b in bookings)
    errors = sum(status != 302 for status in statuses)
    assert confirmed > PLACES or errors > 0, "the control run should overbook or fail"
    if live_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert confirmed > PLACES, f"without the lock PostgreSQL should overbook; {confirmed} confirmed"
