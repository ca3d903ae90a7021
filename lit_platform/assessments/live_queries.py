"""Read-only selects for the librarian's pages of a live session's (or course's) pre/post test."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..quizzes.models import Attempt
from .models import AssessmentAttempt, AssessmentPoint, Instrument
from .queries import ContextResults, instrument_outcomes, pseudonym

STATUS_ORDER = {"paired": 0, "pre only": 1, "post only": 2, "conflict": 3, "no attempts": 4}
STATUS_LABELS = {"paired": "Paired", "pre only": "Before only", "post only": "After only",
                 "conflict": "Same code used twice", "no attempts": "No tests handed in"}


def instruments() -> list[Instrument]:
    return list(db.session.scalars(select(Instrument).order_by(Instrument.title, Instrument.id)))


def default_instrument(session) -> Instrument | None:
    """The instrument of the session's linked course, if it has one."""
    if session.course_id is None:
        return None
    return db.session.scalar(select(Instrument).where(Instrument.course_id == session.course_id)
                             .order_by(Instrument.id).limit(1))


@dataclass
class PhaseCounts:
    started: int = 0
    handed_in: int = 0
    answering: int = 0
    #: attempts that were still open when the librarian closed the test
    unfinished: int = 0


def point_counts(points: dict[str, AssessmentPoint]) -> dict[str, PhaseCounts]:
    """For each phase: how many started, handed in, are still answering, or were closed unfinished."""
    counts = {phase: PhaseCounts() for phase in points}
    by_id = {point.id: phase for phase, point in points.items()}
    if not by_id:
        return counts
    rows = db.session.execute(
        select(AssessmentAttempt.point_id, Attempt.status, AssessmentAttempt.is_complete, func.count())
        .join(Attempt, Attempt.id == AssessmentAttempt.attempt_id)
        .where(AssessmentAttempt.point_id.in_(by_id))
        .group_by(AssessmentAttempt.point_id, Attempt.status, AssessmentAttempt.is_complete)).all()
    for point_id, status, complete, number in rows:
        phase = counts[by_id[point_id]]
        phase.started += number
        if status == "in_progress":
            phase.answering += number
        elif complete:
            phase.handed_in += number
        else:
            phase.unfinished += number
    return counts


def entries_at(point: AssessmentPoint, entry_ids: set[int]) -> list[AssessmentAttempt]:
    """Which of these attempts (the ones this browser started) were taken at the point, newest first."""
    if not entry_ids:
        return []
    return list(db.session.scalars(select(AssessmentAttempt).where(
        AssessmentAttempt.point_id == point.id, AssessmentAttempt.id.in_(entry_ids))
        .order_by(AssessmentAttempt.id.desc())))


def outcome_texts(instrument: Instrument | None) -> dict[str, str]:
    """Outcome code -> wording, where the instrument's course gives one (codes alone need none)."""
    if instrument is None:
        return {}
    return {o.code: o.text for o in instrument_outcomes(instrument) if o.text != o.code}


@dataclass
class ParticipantRow:
    pseudonym: str
    name: str | None
    anonymous: bool
    status: str
    pre: float | None
    post: float | None
    delayed: float | None
    unfinished: list[str]
    repeated: dict[str, int]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def participant_rows(results: ContextResults, with_names: bool) -> list[ParticipantRow]:
    """One row per participant, paired first; names only when the viewer may see them (never for codes)."""
    rows = []
    for participant_id, result in results.participants.items():
        user = results.users.get(participant_id)

        def score(phase):
            counted = result.counted.get(phase)
            return counted.score if counted else None

        rows.append(ParticipantRow(
            pseudonym=pseudonym(participant_id), name=user.name if with_names and user else None,
            anonymous=participant_id in results.anonymous, status=result.status,
            pre=score("pre"), post=score("post"), delayed=score("delayed"),
            unfinished=[phase for phase, counted in result.counted.items() if not counted.complete],
            repeated=dict(result.repeated)))
    return sorted(rows, key=lambda row: (STATUS_ORDER.get(row.status, 9), row.pseudonym))
