"""Each participant's counted results in one row (AssessmentResult), rebuilt from their attempts.

The services call `refresh` whenever a participant's attempts change (hand-in, a librarian closing a
test, marking, regrading), and `lit assessments rebuild-results` rebuilds every row. The pairing rules
are those of pairing.py: the first handed-in attempt of each phase counts, and an anonymous code with
two pre-tests or two post-tests is a conflict.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from sqlalchemy import delete, insert, select

from ..extensions import db
from ..quizzes.models import Attempt, QuestionVersion, Response
from ..quizzes.signals import scores_changed
from .models import AssessmentAttempt, AssessmentPoint, AssessmentResult, ConfidenceItem, InstrumentItem, Participant

CHUNK = 500
REBUILD_CHUNK = 4000  # fewer, larger round trips when every row is rebuilt
PHASES = ("pre", "post", "delayed")


def refresh(participant_ids: Iterable[int]) -> int:
    """Rebuild the result rows of these participants; returns how many rows were written."""
    ids = sorted(set(participant_ids))
    written = 0
    layouts = _Layouts()
    for start in range(0, len(ids), CHUNK):
        written += _refresh_chunk(ids[start:start + CHUNK], layouts)
    return written


def rebuild_all(progress=None) -> int:
    """Rebuild every participant's row (after an upgrade, or to check the kept rows)."""
    db.session.execute(delete(AssessmentResult))
    ids = db.session.scalars(select(Participant.id).order_by(Participant.id)).all()
    layouts = _Layouts()
    written = 0
    for start in range(0, len(ids), REBUILD_CHUNK):
        written += _refresh_chunk(ids[start:start + REBUILD_CHUNK], layouts, replace=False)
        if progress is not None:
            progress(min(REBUILD_CHUNK, len(ids) - start))
    return written


def refresh_for_attempts(attempt_ids: Iterable[int]) -> int:
    """After scores of these quiz attempts changed (marking, regrading): refresh their participants."""
    attempt_ids = list(attempt_ids)
    if not attempt_ids:
        return 0
    participants = db.session.scalars(select(AssessmentAttempt.participant_id)
                                      .where(AssessmentAttempt.attempt_id.in_(attempt_ids))).all()
    return refresh(participants) if participants else 0


class _Layouts:
    """Per instrument: its question ids and confidence item ids, in order (read once per rebuild)."""

    def __init__(self):
        self._items: dict[int, list[int]] = {}
        self._confidence: dict[int, list[int]] = {}

    def items(self, instrument_id: int) -> list[int]:
        if instrument_id not in self._items:
            self._items[instrument_id] = db.session.scalars(
                select(InstrumentItem.question_id).where(InstrumentItem.instrument_id == instrument_id)
                .order_by(InstrumentItem.position)).all()
        return self._items[instrument_id]

    def confidence(self, instrument_id: int) -> list[tuple[int, str]]:
        if instrument_id not in self._confidence:
            self._confidence[instrument_id] = db.session.execute(
                select(ConfidenceItem.id, ConfidenceItem.key).where(ConfidenceItem.instrument_id == instrument_id)
                .order_by(ConfidenceItem.position)).all()
        return self._confidence[instrument_id]


def _refresh_chunk(ids: list[int], layouts: _Layouts, replace: bool = True) -> int:
    if replace:
        db.session.execute(delete(AssessmentResult).where(AssessmentResult.participant_id.in_(ids)))
    rows = db.session.execute(
        select(Participant.id, Participant.course_id, Participant.session_id, Participant.user_id,
               AssessmentPoint.phase, AssessmentPoint.instrument_id, Attempt.id, Attempt.submitted_at,
               Attempt.score, Attempt.max_score, AssessmentAttempt.form, AssessmentAttempt.confidence)
        .join(AssessmentAttempt, AssessmentAttempt.participant_id == Participant.id)
        .join(AssessmentPoint, AssessmentPoint.id == AssessmentAttempt.point_id)
        .join(Attempt, Attempt.id == AssessmentAttempt.attempt_id)
        .where(Participant.id.in_(ids), Attempt.status != "in_progress")
        .order_by(Participant.id, Attempt.submitted_at, Attempt.id)).all()
    results: dict[int, dict] = {}
    for (pid, course_id, session_id, user_id, phase, instrument_id, attempt_id, submitted_at, score, max_score,
         form, confidence) in rows:
        result = results.setdefault(pid, {
            "participant_id": pid, "instrument_id": instrument_id, "course_id": course_id,
            "session_id": session_id, "user_id": user_id, "counts": defaultdict(int), "counted": {}})
        result["counts"][phase] += 1
        if phase not in result["counted"]:
            percent = 100.0 * (score or 0.0) / max_score if max_score else None
            result["counted"][phase] = (attempt_id, submitted_at, percent, form, confidence or {})
    marks = _marks([a[0] for r in results.values() for p, a in r["counted"].items() if p in ("pre", "post")])

    inserts = []
    for result in results.values():
        counts, counted = result.pop("counts"), result.pop("counted")
        anonymous = result["user_id"] is None
        item_ids = layouts.items(result["instrument_id"])
        confidence_items = layouts.confidence(result["instrument_id"])
        row = dict(result, conflict=anonymous and (counts["pre"] > 1 or counts["post"] > 1),
                   repeated=sum(count - 1 for count in counts.values() if count > 1),
                   item_ids=np.asarray(item_ids, dtype=np.int32).tobytes(),
                   confidence_ids=np.asarray([cid for cid, _ in confidence_items], dtype=np.int32).tobytes())
        for phase in PHASES:
            attempt_id, taken_at, percent, form, confidence = counted.get(phase, (None,) * 5)
            row[f"{phase}_attempt_id"], row[f"{phase}_at"], row[f"{phase}_percent"] = attempt_id, taken_at, percent
            if phase == "delayed":
                continue
            row[f"{phase}_form"] = form
            got, available = _vector(marks.get(attempt_id, {}), item_ids)
            row[f"{phase}_marks"], row[f"{phase}_max"] = got.tobytes(), available.tobytes()
            row[f"{phase}_confidence"] = np.asarray(
                [int((confidence or {}).get(key) or 0) for _, key in confidence_items], dtype=np.int8).tobytes()
        row["last_at"] = max((t for t in (row["pre_at"], row["post_at"]) if t is not None), default=None)
        inserts.append(row)
    if inserts:
        db.session.execute(insert(AssessmentResult), inserts)
    return len(inserts)


def _marks(attempt_ids: list[int]) -> dict[int, dict[int, tuple[float, float]]]:
    """Attempt id -> {question id: (mark, marks available)} for the scored items."""
    found: dict[int, dict[int, tuple[float, float]]] = defaultdict(dict)
    for start in range(0, len(attempt_ids), 5000):
        for attempt_id, question_id, score, points in db.session.execute(
                select(Response.attempt_id, QuestionVersion.question_id, Response.score, Response.points)
                .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
                .where(Response.attempt_id.in_(attempt_ids[start:start + 5000]),
                       QuestionVersion.type != "description", Response.points > 0)):
            found[attempt_id][question_id] = (float(score or 0.0), float(points))
    return found


def _vector(marks: dict[int, tuple[float, float]], item_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    got = np.full(len(item_ids), np.nan, dtype=np.float32)
    available = np.zeros(len(item_ids), dtype=np.float32)
    for k, question_id in enumerate(item_ids):
        if question_id in marks:
            got[k], available[k] = marks[question_id]
    return got, available


@scores_changed.connect_via(None, weak=False)
def _on_scores_changed(sender, attempt_ids=(), **extra):
    refresh_for_attempts(attempt_ids)
