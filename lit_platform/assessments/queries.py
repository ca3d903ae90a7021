"""Read-only selects for pre/post assessment, and the results built from them."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from flask import abort, current_app
from sqlalchemy import func, select

from ..bookings.models import Session
from ..config import pseudonym_key
from ..courses.models import Course
from ..extensions import db
from ..quizzes.models import Attempt, Question, QuestionVersion, Response
from .models import AssessmentAttempt, AssessmentPoint, Participant
from .pairing import ParticipantResult, PhaseAttempt, PairingSummary, pair_attempts, summarise


def point_by_code(code: str) -> AssessmentPoint | None:
    return db.session.scalar(select(AssessmentPoint).where(AssessmentPoint.join_code == code.strip().upper()))


def course_points(course_id: int) -> dict[str, AssessmentPoint]:
    return {p.phase: p for p in db.session.scalars(select(AssessmentPoint).where(
        AssessmentPoint.course_id == course_id, AssessmentPoint.is_open.is_(True)))}


def session_points(session_id: int) -> dict[str, AssessmentPoint]:
    return {p.phase: p for p in db.session.scalars(select(AssessmentPoint).where(
        AssessmentPoint.session_id == session_id))}


def open_session_point(session_id: int) -> AssessmentPoint | None:
    """The live session's pre- or post-test that is open now, if any (for its booking page)."""
    return db.session.scalar(select(AssessmentPoint).where(AssessmentPoint.session_id == session_id,
                                                           AssessmentPoint.is_open.is_(True)))


def entry_or_404(entry_id: int) -> AssessmentAttempt:
    entry = db.session.get(AssessmentAttempt, entry_id)
    if entry is None:
        abort(404)
    return entry


def user_participant(user, course_id: int | None = None, session_id: int | None = None) -> Participant | None:
    query = select(Participant).where(Participant.user_id == user.id)
    query = query.where(Participant.course_id == course_id if course_id else Participant.session_id == session_id)
    return db.session.scalar(query)


@dataclass(frozen=True)
class Outcome:
    code: str
    text: str


def instrument_outcomes(instrument) -> list[Outcome]:
    """The outcomes an instrument measures: its course's, with their wording, or the codes on its items."""
    if instrument.course_id is not None:
        course = db.session.get(Course, instrument.course_id)
        if course is not None:
            return [Outcome(o.code, o.text) for o in course.outcomes]
    codes = sorted({item.question.current.outcome for item in instrument.items if item.question.current.outcome})
    return [Outcome(code, code) for code in codes]


def builder_questions(question_ids: list[int], category_id: int = 0) -> list[Question]:
    """For the instrument builder: these questions in this order, then the category's other live ones."""
    found = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(question_ids)))} \
        if question_ids else {}
    ordered = [found[i] for i in question_ids if i in found]
    if category_id:
        ordered += db.session.scalars(
            select(Question).where(Question.category_id == category_id, Question.is_retired.is_(False),
                                   Question.id.not_in(list(found) or [0]))
            .order_by(Question.id)).all()
    return ordered


def pseudonym(participant_id: int) -> str:
    """A stable identifier for reports that says nothing about who the participant is.

    Keyed with LIT_PSEUDONYM_KEY (config.pseudonym_key), kept outside the database and apart from the
    session signing key.
    """
    digest = hmac.new(pseudonym_key(current_app.config), f"participant:{participant_id}".encode(),
                      hashlib.sha256).hexdigest()
    return f"P-{digest[:8].upper()}"


def outcome_scores(attempt_ids: list[int]) -> dict[int, dict[str, tuple[float, float]]]:
    """Per attempt, per learning outcome: (marks scored, marks available), summed in the database."""
    if not attempt_ids:
        return {}
    rows = db.session.execute(
        select(Response.attempt_id, QuestionVersion.outcome,
               func.sum(func.coalesce(Response.score, 0.0)), func.sum(Response.points))
        .join(QuestionVersion, QuestionVersion.id == Response.question_version_id)
        .where(Response.attempt_id.in_(attempt_ids), QuestionVersion.type != "description")
        .group_by(Response.attempt_id, QuestionVersion.outcome)).all()
    scores: dict[int, dict[str, tuple[float, float]]] = {}
    for attempt_id, outcome, scored, available in rows:
        scores.setdefault(attempt_id, {})[outcome or ""] = (float(scored or 0.0), float(available or 0.0))
    return scores


@dataclass
class ContextResults:
    """Everything a librarian's summary of one course or session shows."""
    participants: dict[int, ParticipantResult]
    summary: PairingSummary
    anonymous: set[int]
    users: dict[int, object] = field(default_factory=dict)
    entries: dict[int, AssessmentAttempt] = field(default_factory=dict)  # attempt id -> entry
    outcomes: list[dict] = field(default_factory=list)
    confidence: list[dict] = field(default_factory=list)


def context_results(course_id: int | None = None, session_id: int | None = None) -> ContextResults:
    """Pair every participant's attempts in a course or session and summarise them per outcome."""
    context = (AssessmentPoint.course_id == course_id) if course_id else (AssessmentPoint.session_id == session_id)
    rows = db.session.execute(
        select(AssessmentAttempt, AssessmentPoint.phase, Participant, Attempt)
        .join(AssessmentPoint, AssessmentPoint.id == AssessmentAttempt.point_id)
        .join(Participant, Participant.id == AssessmentAttempt.participant_id)
        .join(Attempt, Attempt.id == AssessmentAttempt.attempt_id)
        .where(context, Attempt.status != "in_progress")
        .order_by(AssessmentAttempt.id)).all()
    phase_attempts, anonymous, users, entries = [], set(), {}, {}
    for entry, phase, participant, attempt in rows:
        if participant.is_anonymous:
            anonymous.add(participant.id)
        else:
            users[participant.id] = participant.user
        entries[attempt.id] = entry
        phase_attempts.append(PhaseAttempt(
            participant_id=participant.id, phase=phase, attempt_id=attempt.id, submitted_at=attempt.submitted_at,
            score=(attempt.score or 0.0) / attempt.max_score if attempt.max_score else 0.0,
            complete=entry.is_complete))
    participants = pair_attempts(phase_attempts, anonymous)
    results = ContextResults(participants, summarise(participants), anonymous, users, entries)
    paired = [r for r in participants.values() if r.is_paired]
    scores = outcome_scores([r.counted[p].attempt_id for r in paired for p in ("pre", "post")])
    results.outcomes = _outcome_table(paired, scores)
    results.confidence = _confidence_table(paired, entries)
    return results


def _outcome_table(paired: list[ParticipantResult], scores) -> list[dict]:
    """Class-level mean per outcome before and after, over paired participants only."""
    sums: dict[str, dict[str, list[float]]] = {}
    for result in paired:
        for phase in ("pre", "post"):
            for outcome, (scored, available) in scores.get(result.counted[phase].attempt_id, {}).items():
                if available:
                    sums.setdefault(outcome, {"pre": [], "post": []})[phase].append(scored / available)
    return [{"outcome": outcome or "(no outcome)",
             "pre": sum(v["pre"]) / len(v["pre"]) if v["pre"] else None,
             "post": sum(v["post"]) / len(v["post"]) if v["post"] else None,
             "n": min(len(v["pre"]), len(v["post"]))}
            for outcome, v in sorted(sums.items())]


def _confidence_table(paired: list[ParticipantResult], entries: dict[int, AssessmentAttempt]) -> list[dict]:
    ratings: dict[str, dict[str, list[int]]] = {}
    for result in paired:
        for phase in ("pre", "post"):
            for key, value in (entries[result.counted[phase].attempt_id].confidence or {}).items():
                ratings.setdefault(key, {"pre": [], "post": []})[phase].append(value)
    return [{"key": key, "pre": sum(v["pre"]) / len(v["pre"]) if v["pre"] else None,
             "post": sum(v["post"]) / len(v["post"]) if v["post"] else None}
            for key, v in sorted(ratings.items())]


def phases_to_show(results: ContextResults, hide) -> set[str]:
    """The phases whose scores may be shown (`hide` is the small-group Suppressor): those at least the
    minimum group took, so that no score comes from a handful of people."""
    taken: dict[str, int] = {}
    for result in results.participants.values():
        for phase in result.counted:
            taken[phase] = taken.get(phase, 0) + 1
    return {phase for phase, people in taken.items() if hide.enough(people)}


def pairs_csv_rows(results: ContextResults, with_names: bool, shown_phases: set[str]) -> list[list]:
    """One row per participant: pseudonym (names only for viewers with rights to them), scores, status.

    A phase not in `shown_phases` (too few took it) has its scores left empty."""
    header = ["participant"] + (["name", "email"] if with_names else []) + [
        "anonymous", "status", "pre_score_percent", "pre_form", "pre_complete", "post_score_percent", "post_form",
        "post_complete", "delayed_score_percent", "repeated_attempts"]
    rows = [header]
    for participant_id, result in sorted(results.participants.items()):
        user = results.users.get(participant_id)
        row = [pseudonym(participant_id)]
        if with_names:
            row += [user.name, user.email] if user else ["", ""]
        row += ["yes" if participant_id in results.anonymous else "no", result.status]
        for phase in ("pre", "post"):
            counted = result.counted.get(phase)
            entry = results.entries.get(counted.attempt_id) if counted else None
            score = f"{counted.score * 100:.1f}" if counted and phase in shown_phases else ""
            row += [score, (entry.form or "") if entry else "",
                    ("yes" if counted.complete else "no") if counted else ""]
        delayed = result.counted.get("delayed")
        row += [f"{delayed.score * 100:.1f}" if delayed and "delayed" in shown_phases else "",
                sum(result.repeated.values())]
        rows.append(row)
    return rows


@dataclass
class OutcomeResult:
    code: str
    text: str
    pre: float | None
    post: float | None
    confidence_pre: float | None = None
    confidence_post: float | None = None
    modules: list = field(default_factory=list)

    @property
    def to_revisit(self) -> bool:
        return self.post is not None and self.post < 0.7

    @property
    def improved(self) -> bool:
        return self.pre is not None and self.post is not None and self.post > self.pre


def learner_outcomes(participant: Participant, outcomes: list, modules: list) -> list[OutcomeResult]:
    """The learner's own before/after per outcome, with the modules that teach the ones to revisit.

    `outcomes` are the course's LearningOutcome rows; `modules` its active modules.
    """
    counted = _counted_entries(participant)
    scores = outcome_scores([e.attempt_id for e in counted.values()])
    confidence_outcome = {item.key: item.outcome for e in counted.values()
                          for item in e.point.instrument.confidence_items}
    results = []
    for outcome in outcomes:
        def fraction(phase):
            entry = counted.get(phase)
            scored, available = scores.get(entry.attempt_id, {}).get(outcome.code, (0.0, 0.0)) if entry else (0, 0)
            return scored / available if available else None

        def confidence(phase):
            entry = counted.get(phase)
            values = [v for k, v in ((entry.confidence or {}).items() if entry else [])
                      if confidence_outcome.get(k) == outcome.code]
            return sum(values) / len(values) if values else None

        results.append(OutcomeResult(outcome.code, outcome.text, fraction("pre"), fraction("post"),
                                     confidence("pre"), confidence("post"),
                                     [m for m in modules if outcome.code in (m.outcome_codes or [])]))
    return results


def _counted_entries(participant: Participant) -> dict[str, AssessmentAttempt]:
    """The participant's first handed-in attempt in each phase (the pairing rule)."""
    rows = db.session.execute(
        select(AssessmentAttempt, AssessmentPoint.phase)
        .join(AssessmentPoint, AssessmentPoint.id == AssessmentAttempt.point_id)
        .join(Attempt, Attempt.id == AssessmentAttempt.attempt_id)
        .where(AssessmentAttempt.participant_id == participant.id, Attempt.status != "in_progress")
        .order_by(Attempt.submitted_at, Attempt.id)).all()
    counted: dict[str, AssessmentAttempt] = {}
    for entry, phase in rows:
        counted.setdefault(phase, entry)
    return counted


def phases_taken(participant: Participant | None) -> dict[str, AssessmentAttempt]:
    return _counted_entries(participant) if participant else {}


def in_progress_entry(participant: Participant | None, point: AssessmentPoint | None) -> AssessmentAttempt | None:
    if participant is None or point is None:
        return None
    return db.session.scalar(
        select(AssessmentAttempt).join(Attempt, Attempt.id == AssessmentAttempt.attempt_id)
        .where(AssessmentAttempt.participant_id == participant.id, AssessmentAttempt.point_id == point.id,
               Attempt.status == "in_progress"))


PHASE_NAMES = {"pre": "Before", "post": "After", "delayed": "Follow-up"}


def score_shown(phase: str, phases_taken: set[str]) -> bool:
    """Whether a learner sees the score of their own test: the pre-test's only once the post-test is in
    (they are read side by side; before that the pre-test is a baseline, not a mark)."""
    return phase != "pre" or "post" in phases_taken


@dataclass(frozen=True)
class TakenTest:
    context: str
    phase: str
    submitted_at: object
    #: False while the learner may not see the score yet (see score_shown)
    shown: bool
    percent: float | None


def tests_taken(user) -> list[TakenTest]:
    """The user's own handed-in pre/post/follow-up tests in courses and sessions, latest first."""
    found = []
    for participant in db.session.scalars(select(Participant).where(Participant.user_id == user.id)):
        counted = _counted_entries(participant)
        if participant.course_id:
            context = db.session.get(Course, participant.course_id).title
        else:
            context = db.session.get(Session, participant.session_id).title
        for phase, entry in counted.items():
            shown = score_shown(phase, set(counted))
            found.append(TakenTest(context, PHASE_NAMES.get(phase, phase), entry.attempt.submitted_at, shown,
                                   entry.attempt.percent if shown else None))
    return sorted(found, key=lambda t: t.submitted_at, reverse=True)
