"""Cron on two machines: `lit reminders queue` started at the same moment queues each reminder once."""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from lit_platform.bookings import services
from lit_platform.bookings.models import Booking
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage

from ..conftest import PROJECT_ROOT, run_at_once
from .conftest import SessionFactory, book
from .test_concurrency import Make

LEARNERS = 24


def booked_sessions(app) -> list[int]:
    """Two sessions starting in a few hours, LEARNERS confirmed places between them; returns the booking ids."""
    make = Make(app)
    sessions = SessionFactory(app, make)
    soon = [sessions(starts_at=utcnow() + timedelta(hours=hours), capacity=LEARNERS) for hours in (3, 5)]
    ids = []
    for n in range(LEARNERS):
        booking_id, status = book(app, soon[n % 2].id, make.user())
        assert status == "confirmed"
        ids.append(booking_id)
    return ids


def reminders(app) -> Counter:
    with app.app_context():
        found = Counter(db.session.scalars(select(OutboxMessage.user_id).where(
            OutboxMessage.subject.like("Reminder:%"))))
        db.session.remove()
        return found


def test_three_runs_started_together_queue_each_reminder_once(committed):
    _, app = committed
    ids = booked_sessions(app)
    counts = run_at_once(app, lambda: services.queue_reminders(hours=24))
    assert sum(counts) == LEARNERS
    sent = reminders(app)
    assert len(sent) == LEARNERS and set(sent.values()) == {1}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Booking).where(
            Booking.id.in_(ids), Booking.reminded_at.is_not(None))) == LEARNERS


def test_two_lit_reminders_queue_commands_at_once_queue_each_reminder_once(committed, tmp_path):
    url, app = committed
    booked_sessions(app)
    env = {**os.environ, "LIT_DATABASE_URL": url, "LIT_ENV": "development", "LIT_INSTANCE_PATH": str(tmp_path),
           "PYTHONPATH": str(PROJECT_ROOT)}
    runs = [subprocess.Popen([sys.executable, "-m", "lit_platform.cli", "reminders", "queue", "--hours", "24"],
                             env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err
    queued = [int(out.split("Queued ")[1].split(" ")[0]) for out, _ in outputs]
    assert sum(queued) == LEARNERS
    sent = reminders(app)
    assert len(sent) == LEARNERS and set(sent.values()) == {1}
