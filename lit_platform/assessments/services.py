"""State changes for assessments."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..quizzes.models import Question
from .models import ConfidenceItem, Instrument, InstrumentItem


def save_instrument(key: str, title: str, items: list[tuple[str, str | None]],
                    confidence: list[tuple[str, str, str]], course_id: int | None = None) -> Instrument:
    """Create or update an instrument from question keys (with their form) and confidence statements.

    The questions must already be in the bank; their own versions keep history, so replacing the
    item list here changes only which questions the next attempts use.
    """
    instrument = db.session.scalar(select(Instrument).where(Instrument.key == key))
    if instrument is None:
        instrument = Instrument(key=key)
        db.session.add(instrument)
    instrument.title = title
    instrument.course_id = course_id
    questions = {q.key: q for q in db.session.scalars(select(Question).where(Question.key.in_([k for k, _ in items])))}
    missing = [k for k, _ in items if k not in questions]
    if missing:
        raise ValueError(f"questions not in the bank: {', '.join(missing)}")
    wanted = [(questions[k].id, form) for k, form in items]
    if [(i.question_id, i.form) for i in instrument.items] != wanted:
        instrument.items.clear()
        db.session.flush()
        instrument.items.extend(InstrumentItem(question_id=qid, form=form, position=n)
                                for n, (qid, form) in enumerate(wanted, 1))
    current = [(c.key, c.outcome, c.statement) for c in instrument.confidence_items]
    if current != list(confidence):
        instrument.confidence_items.clear()
        db.session.flush()
        instrument.confidence_items.extend(ConfidenceItem(key=k, outcome=o, statement=s, position=n)
                                           for n, (k, o, s) in enumerate(confidence, 1))
    db.session.flush()
    return instrument
