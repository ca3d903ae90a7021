"""The life of an attempt: start, save each answer as it is given, check, flag, submit, mark.

Every function checks that the attempt belongs to the user and may still change, and raises
AttemptError with a message fit for the learner when it may not.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..audit import record_event
from ..core.trees import subtree_ids
from ..core.types import utcnow
from ..extensions import db
from .models import Attempt, Question, QuestionCategory, QuestionTag, QuestionVersion, Quiz, QuizExtension, Response
from .signals import scores_changed
from .types import ResponseError, Scored, get_type

#: answers arriving this long after the time limit still count (network delays, slow devices)
GRACE = timedelta(seconds=60)


class AttemptError(ValueError):
    """An action on an attempt that is refused, with a message for the learner."""


@dataclass(frozen=True)
class AnsweredSummary:
    """How far through an attempt the learner is, shown before hand-in."""
    answerable: list
    unanswered: list

    @property
    def answered_count(self) -> int:
        return len(self.answerable) - len(self.unanswered)


def answered_summary(responses) -> AnsweredSummary:
    """The questions that take an answer (not descriptions), and those of them still unanswered."""
    answerable = [r for r in responses if get_type(r.version.type).takes_response]
    return AnsweredSummary(answerable, [r for r in answerable if not r.is_answered])


# Starting ------------------------------------------------------------------------------------

def quiz_availability(quiz: Quiz, now: datetime) -> str | None:
    """Why the quiz cannot be taken now, or None if it can."""
    if not quiz.is_published:
        return "This quiz is not open yet."
    if quiz.opens_at and now < quiz.opens_at:
        return "This quiz is not open yet."
    if quiz.closes_at and now > quiz.closes_at:
        return "This quiz has closed."
    return None


def in_progress_attempt(quiz: Quiz, user) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id,
                                                   Attempt.status == "in_progress"))


def attempts_used(quiz: Quiz, user) -> int:
    return db.session.scalar(select(func.count()).select_from(Attempt)
                             .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)) or 0


def start_attempt(quiz: Quiz, user, now: datetime | None = None, rng: random.Random | None = None) -> Attempt:
    """Resume the learner's open attempt, or start a new one with its questions fixed now."""
    now = now or utcnow()
    current = in_progress_attempt(quiz, user)
    if current is not None:
        finish_if_overdue(current, now)
        if current.status == "in_progress":
            return current
    reason = quiz_availability(quiz, now)
    if reason:
        raise AttemptError(reason)
    used = attempts_used(quiz, user)
    if quiz.attempts_allowed and used >= quiz.attempts_allowed:
        raise AttemptError(f"You have used all {quiz.attempts_allowed} attempt(s) allowed on this quiz.")
    return create_attempt(quiz, user, number=used + 1, now=now, rng=rng,
                          deadline_at=_deadline(quiz, user, now))


def create_attempt(quiz: Quiz, user, number: int = 1, now: datetime | None = None,
                   rng: random.Random | None = None, deadline_at: datetime | None = None) -> Attempt:
    """A new attempt with its questions fixed now, without the quiz's own availability rules.

    For callers that decide themselves who may start when (pre/post assessment points). `user` is
    None for an anonymous participant; such an attempt can only be changed with user None.
    """
    rng = rng or random.Random()
    chosen = choose_questions(quiz, rng)
    if not chosen:
        raise AttemptError("This quiz has no questions yet.")
    attempt = Attempt(quiz=quiz, user_id=_owner_id(user), number=number, started_at=now or utcnow(),
                      deadline_at=deadline_at)
    per_page = max(1, quiz.questions_per_page or 1)
    for index, (question, points) in enumerate(chosen):
        version = question.current
        attempt.responses.append(Response(
            position=index + 1, page=index // per_page + 1, question_version_id=version.id,
            shown_version_id=version.id, points=version.points if points is None else points,
            display_order=_display_order(version, quiz.shuffle_choices, rng),
        ))
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _owner_id(user) -> int | None:
    return None if user is None else user.id


def _deadline(quiz: Quiz, user, now: datetime) -> datetime | None:
    if not quiz.time_limit_minutes:
        return None
    extra = db.session.scalar(select(QuizExtension.extra_minutes).where(
        QuizExtension.quiz_id == quiz.id, QuizExtension.user_id == user.id)) or 0
    deadline = now + timedelta(minutes=quiz.time_limit_minutes + extra)
    if quiz.closes_at and quiz.closes_at < deadline:
        deadline = quiz.closes_at
    return deadline


def choose_questions(quiz: Quiz, rng: random.Random) -> list[tuple[Question, float | None]]:
    """The questions for a new attempt: fixed slots, plus random draws that avoid repeats."""
    chosen: list[tuple[Question, float | None]] = []
    fixed_ids = {slot.question_id for slot in quiz.slots if not slot.is_random}
    used_ids = set(fixed_ids)
    for slot in quiz.slots:
        if not slot.is_random:
            if slot.question.current is not None and not slot.question.is_retired:
                chosen.append((slot.question, slot.points))
            continue
        pool = [q for q in _random_pool(slot.random_category, slot.random_tag) if q.id not in used_ids]
        for question in rng.sample(pool, min(slot.random_count, len(pool))):
            used_ids.add(question.id)
            chosen.append((question, slot.points))
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return chosen


def _random_pool(category: QuestionCategory | None, tag: str | None) -> list[Question]:
    query = select(Question).where(Question.is_retired.is_(False), Question.current_version_id.is_not(None))
    if category is not None:
        query = query.where(Question.category_id.in_(subtree_ids(QuestionCategory, category.id)))
    if tag:
        query = query.where(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == tag.lower())))
    return list(db.session.scalars(query.order_by(Question.id)))


def _display_order(version, shuffle: bool, rng: random.Random) -> list | None:
    spec = version.spec
    if version.type in ("single_choice", "multiple_response"):
        ids = [c["id"] for c in spec["choices"]]
        if shuffle:
            rng.shuffle(ids)
        return ids
    if version.type == "ordering":
        ids = [i["id"] for i in spec["items"]]
        while len(ids) > 1 and ids == [i["id"] for i in spec["items"]]:
            rng.shuffle(ids)  # never show the items already in the right order
        return ids
    return None


# Access and state ----------------------------------------------------------------------------

def _require_changeable(attempt: Attempt, user, now: datetime) -> None:
    if attempt.user_id != _owner_id(user):
        raise AttemptError("This is not your attempt.")
    finish_if_overdue(attempt, now)
    if attempt.status != "in_progress":
        raise AttemptError("This attempt has been submitted, so its answers can no longer change.")


def is_overdue(attempt: Attempt, now: datetime) -> bool:
    return past_cut_off(attempt.deadline_at, attempt.quiz.closes_at, now)


def past_cut_off(deadline_at: datetime | None, closes_at: datetime | None, now: datetime) -> bool:
    cut_off = deadline_at
    if closes_at and (cut_off is None or closes_at < cut_off):
        cut_off = closes_at
    return cut_off is not None and now > cut_off + GRACE


def close_attempt(attempt: Attempt, now: datetime | None = None) -> None:
    """End an unfinished attempt because its time is over (e.g. a librarian closed the test), scoring what was saved."""
    if attempt.status == "in_progress":
        _finish(attempt, now or utcnow())
        record_event("attempt.closed", None, "attempt", attempt.id)


def finish_if_overdue(attempt: Attempt, now: datetime) -> bool:
    """Submit an attempt whose time is up, with every answer saved before then."""
    if attempt.status == "in_progress" and is_overdue(attempt, now):
        _finish(attempt, now)
        record_event("attempt.auto_submitted", None, "attempt", attempt.id)
        return True
    return False


def response_of(attempt: Attempt, response_id: int) -> Response:
    response = next((r for r in attempt.responses if r.id == response_id), None)
    if response is None:
        raise AttemptError("That question is not part of this attempt.")
    return response


# Answering -----------------------------------------------------------------------------------

def save_answer(attempt: Attempt, response_id: int, values, user, now: datetime | None = None) -> Response:
    """Store one answer as soon as it is given. `values` is a list of strings, or {pair id: text} for matching."""
    now = now or utcnow()
    _require_changeable(attempt, user, now)
    response = response_of(attempt, response_id)
    if response.is_checked:
        raise AttemptError("You have already checked this answer, so it can no longer change.")
    question_type = get_type(response.version.type)
    if not question_type.takes_response:
        return response
    try:
        answer = question_type.read_response(response.version.spec, values)
    except ResponseError as error:
        raise AttemptError(str(error)) from None
    if answer != response.answer:
        response.answer = answer
        response.answered_at = now if answer is not None else None
    return response


def set_flag(attempt: Attempt, response_id: int, flagged: bool, user, now: datetime | None = None) -> Response:
    now = now or utcnow()
    _require_changeable(attempt, user, now)
    response = response_of(attempt, response_id)
    response.is_flagged = flagged
    return response


def check_answer(attempt: Attempt, response_id: int, user, now: datetime | None = None) -> Response:
    """Immediate-feedback quizzes: score one answer now and fix it."""
    now = now or utcnow()
    _require_changeable(attempt, user, now)
    if attempt.quiz.feedback_mode != "immediate":
        raise AttemptError("Answers in this quiz are checked when you submit it.")
    response = response_of(attempt, response_id)
    if response.answer is None:
        raise AttemptError("Answer the question before checking it.")
    _score(response)
    response.is_checked = True
    return response


def _scored_values(response: Response) -> dict:
    """The fraction, score and feedback `response` earns (fraction and score stay None until marked)."""
    version = response.version
    return score_answer(version.type, version.spec, response.answer, response.points,
                        (version.feedback_correct, version.feedback_partial, version.feedback_incorrect))


def score_answer(type_name: str, spec: dict, answer, points: float, overall_feedback: tuple[str, str, str]) -> dict:
    """The fraction, score and feedback an answer earns (pure). Overall feedback: (correct, partial, incorrect)."""
    question_type = get_type(type_name)
    if answer is None or not question_type.auto_scored:
        scored = Scored(None if not question_type.auto_scored else 0.0)
    else:
        scored = question_type.score(spec, answer)
    overall = dict(zip(("correct", "partial", "incorrect"), overall_feedback)).get(scored.state, "")
    values = {"feedback": [text for text in [*scored.feedback, overall] if text]}
    if question_type.auto_scored:
        values.update(fraction=scored.fraction, score=scored.fraction * points, criteria=scored.criteria)
    return values


def _score(response: Response) -> None:
    for name, value in _scored_values(response).items():
        setattr(response, name, value)


def submit_attempt(attempt: Attempt, user, now: datetime | None = None) -> Attempt:
    """Score every answer on the server and close the attempt."""
    now = now or utcnow()
    if attempt.user_id != _owner_id(user):
        raise AttemptError("This is not your attempt.")
    if attempt.status != "in_progress":
        raise AttemptError("This attempt has already been submitted.")
    _finish(attempt, now)
    return attempt


# Built once; the columns to set come from the parameters of each execution.
_responses, _attempts = Response.__table__, Attempt.__table__
SAVE_SCORES = update(_responses).where(_responses.c.id == bindparam("response_id"))
CLOSE_ATTEMPT = update(_attempts).where(_attempts.c.id == bindparam("attempt_id"))
_versions = QuestionVersion.__table__
#: everything submitting needs, as plain rows: one per response (submitting is the busiest write)
SUBMISSION = (
    select(_attempts.c.user_id, _attempts.c.status, _responses.c.id, _responses.c.answer, _responses.c.points, _versions.c.type, _versions.c.spec,
           _versions.c.feedback_correct, _versions.c.feedback_partial, _versions.c.feedback_incorrect)
    .select_from(_attempts.outerjoin(_responses, _responses.c.attempt_id == _attempts.c.id)
                 .outerjoin(_versions, _versions.c.id == _responses.c.question_version_id))
    .where(_attempts.c.id == bindparam("attempt_id")))


class NotYourAttempt(LookupError):
    """No such attempt, or someone else's: the caller answers 404."""


def submit_own_attempt(attempt_id: int, user, now: datetime | None = None) -> None:
    """Submit the user's attempt by id, scoring from plain rows: the same rules as `submit_attempt`.

    :raises NotYourAttempt: no such attempt, or another person's.
    :raises AttemptError: it has already been submitted.
    """
    now = now or utcnow()
    rows = db.session.execute(SUBMISSION, {"attempt_id": attempt_id}).all()
    if not rows or rows[0].user_id != _owner_id(user):
        raise NotYourAttempt(attempt_id)
    first = rows[0]
    if first.status != "in_progress":
        raise AttemptError("This attempt has already been submitted.")
    scored = [(row, score_answer(row.type, row.spec, row.answer, row.points,
                                 (row.feedback_correct, row.feedback_partial, row.feedback_incorrect)))
              for row in rows if row.id is not None]
    if scored:
        db.session.execute(SAVE_SCORES, [{"response_id": row.id, "fraction": values.get("fraction"),
                                          "score": values.get("score"), "feedback": values["feedback"],
                                          "criteria": values.get("criteria")}
                                         for row, values in scored])
    db.session.execute(CLOSE_ATTEMPT, {
        "attempt_id": attempt_id, "status": "submitted", "submitted_at": now,
        **attempt_totals((row.type, row.points, row.answer, values.get("fraction"), values.get("score"))
                         for row, values in scored)})


def _finish(attempt: Attempt, now: datetime) -> None:
    # Submitting is the busiest write: plain UPDATEs (one executed for all the scores) spare the
    # unit of work's per-object bookkeeping. The loaded objects are given the same values.
    rows = []
    for response in attempt.responses:
        for name, value in _scored_values(response).items():
            set_committed_value(response, name, value)
        rows.append({"response_id": response.id, "fraction": response.fraction, "score": response.score,
                     "feedback": response.feedback, "criteria": response.criteria})
    if rows:
        db.session.execute(SAVE_SCORES, rows)
    values = {"status": "submitted", "submitted_at": now, **_totals(attempt)}
    db.session.execute(CLOSE_ATTEMPT, {"attempt_id": attempt.id, **values})
    for name, value in values.items():
        set_committed_value(attempt, name, value)


def _totals(attempt: Attempt) -> dict:
    return attempt_totals((r.version.type, r.points, r.answer, r.fraction, r.score) for r in attempt.responses)


def attempt_totals(responses) -> dict:
    """An attempt's score, maximum and whether it awaits marking, from (type, points, answer, fraction,
    score) per response (pure)."""
    counted = [r for r in responses if get_type(r[0]).takes_response]
    return {"max_score": sum(points for _, points, _, _, _ in counted),
            "needs_marking": any(kind == "essay" and answer is not None and fraction is None
                                 for kind, _, answer, fraction, _ in counted),
            "score": sum(score or 0.0 for *_, score in counted)}


def _total(attempt: Attempt) -> None:
    for name, value in _totals(attempt).items():
        setattr(attempt, name, value)


# Marking and regrading -----------------------------------------------------------------------

def mark_response(response: Response, points: float, comment: str, marker, now: datetime | None = None) -> None:
    """A librarian's mark for an essay (or an override for any answer)."""
    if response.attempt.status != "submitted":
        raise AttemptError("Only submitted attempts can be marked.")
    if not 0 <= points <= response.points:
        raise AttemptError(f"Give a mark between 0 and {response.points:g}.")
    response.fraction = points / response.points if response.points else 0.0
    response.score = points
    response.marker_comment = comment.strip() or None
    response.marked_by_id = marker.id
    response.marked_at = now or utcnow()
    _total(response.attempt)
    record_event("attempt.marked", marker, "response", response.id, points=points)
    db.session.flush()
    scores_changed.send(None, attempt_ids=[response.attempt_id])


def regrade_question(quiz: Quiz, question: Question, actor) -> int:
    """Re-score every submitted answer to `question` in `quiz` with its current (corrected) version."""
    responses = db.session.scalars(
        select(Response).join(Attempt).join(Response.version)
        .where(Attempt.quiz_id == quiz.id, Attempt.status == "submitted")
        .where(Response.version.has(question_id=question.id))
    ).all()
    for response in responses:
        response.question_version_id = question.current_version_id
        db.session.flush()
        db.session.refresh(response, ["version"])
        # A librarian's mark stands; an answer that is gone (never given, or removed under the retention
        # policy with its score kept) keeps the score it had.
        if response.marked_by_id is None and response.answer is not None:
            _score(response)
        _total(response.attempt)
    record_event("quiz.regraded", actor, "quiz", quiz.id, question=question.key, responses=len(responses))
    db.session.flush()
    scores_changed.send(None, attempt_ids=sorted({response.attempt_id for response in responses}))
    return len(responses)
