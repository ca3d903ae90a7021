"""Closing attempts whose time ran out while nobody had their page open.

A timed attempt is submitted when its page is next opened after the deadline (plus GRACE). A learner
who closes the tab never opens it again, so `close_overdue_attempts` does the same on the server:
from cron (`lit attempts close-overdue`), and before staff read a quiz's attempts. Several machines
may run it at once: on PostgreSQL each takes the rows it closes with FOR UPDATE SKIP LOCKED, and on
SQLite the write transaction is taken before the rows are read.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from ..core.database import start_write_transaction
from ..core.types import utcnow
from ..extensions import db
from .attempts import GRACE, finish_if_overdue
from .models import Attempt, Quiz
from .signals import scores_changed

BATCH = 200


def overdue_attempts(now: datetime, quiz_id: int | None = None):
    """Unfinished attempts whose deadline, or whose quiz's closing time, passed more than GRACE ago."""
    cut_off = now - GRACE
    query = (select(Attempt.id).join(Quiz, Quiz.id == Attempt.quiz_id)
             .where(Attempt.status == "in_progress",
                    or_(and_(Attempt.deadline_at.is_not(None), Attempt.deadline_at < cut_off),
                        and_(Quiz.closes_at.is_not(None), Quiz.closes_at < cut_off))))
    return query.where(Attempt.quiz_id == quiz_id) if quiz_id is not None else query


def has_overdue_attempts(quiz_id: int | None = None, now: datetime | None = None) -> bool:
    return db.session.scalar(overdue_attempts(now or utcnow(), quiz_id).limit(1)) is not None


def close_overdue_attempts(now: datetime | None = None, quiz_id: int | None = None) -> int:
    """Submit every overdue attempt with the answers saved before its time ran out; returns how many.

    Commits after each batch, so a long run holds no lock for long and a crash keeps what was closed.
    """
    now = now or utcnow()
    closed = 0
    while True:
        start_write_transaction()
        ids = db.session.scalars(overdue_attempts(now, quiz_id).order_by(Attempt.id).limit(BATCH)
                                 .with_for_update(skip_locked=True, of=Attempt)).all()
        finished = [attempt.id for attempt in db.session.scalars(select(Attempt).where(Attempt.id.in_(ids)))
                    if finish_if_overdue(attempt, now)] if ids else []
        if finished:
            db.session.flush()
            scores_changed.send(None, attempt_ids=finished)
        db.session.commit()
        closed += len(finished)
        if len(ids) < BATCH or not finished:
            return closed
