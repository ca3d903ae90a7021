"""State changes for pre/post assessment: instruments, points, participants and their attempts."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ..audit import record_event
from ..core.database import start_write_transaction
from ..core.types import utcnow
from ..courses.models import Course, Enrolment
from ..courses.services import enrol
from ..extensions import db
from ..outbox.services import queue_message
from ..quizzes import attempts as quiz_attempts
from ..quizzes.models import Attempt, Question, Quiz
from ..quizzes.services import save_quiz, set_fixed_questions
from .models import AssessmentAttempt, AssessmentPoint, ConfidenceItem, Instrument, InstrumentItem, Participant
from . import results
from .pairing import assign_form, other_form

#: join codes avoid letters and digits that are easily confused (0/O, 1/I/L)
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6

#: what learners may see after an instrument attempt: their score, not the right answers (the same
#: questions come back in the post-test)
INSTRUMENT_QUIZ_SETTINGS = {"feedback_mode": "deferred", "review_score": True, "review_feedback": False,
                            "review_right_answers": False, "shuffle_questions": False, "shuffle_choices": True,
                            "attempts_allowed": 0, "pass_mark": None, "time_limit_minutes": None,
                            "is_published": False}


class AssessmentError(ValueError):
    """A step that cannot be taken, with a message for the participant or librarian."""


# Instruments ---------------------------------------------------------------------------------

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
    _sync_quizzes(instrument, [questions[k] for k, _ in items], [form for _, form in items])
    return instrument


def _sync_quizzes(instrument: Instrument, questions: list[Question], forms: list[str | None]) -> None:
    """One quiz per parallel form (or one quiz of every item), which attempts are taken in."""
    ids = {}
    for form in ("A", "B") if any(forms) else ("A",):
        label = f" (form {form})" if any(forms) else ""
        quiz = save_quiz(f"instrument.{instrument.key}.{form}",
                         {**INSTRUMENT_QUIZ_SETTINGS, "title": f"{instrument.title}{label}",
                          "questions_per_page": max(1, len(questions))})
        set_fixed_questions(quiz, [q for q, f in zip(questions, forms) if f in (None, form)])
        ids[form] = quiz.id
    instrument.quiz_a_id, instrument.quiz_b_id = ids["A"], ids.get("B")


def quiz_for_form(instrument: Instrument, form: str | None) -> Quiz:
    quiz_id = instrument.quiz_b_id if form == "B" and instrument.quiz_b_id else instrument.quiz_a_id
    if quiz_id is None:
        raise AssessmentError("This test has no questions yet.")
    return db.session.get(Quiz, quiz_id)


# Points --------------------------------------------------------------------------------------

def ensure_course_points(course, instrument: Instrument) -> dict[str, AssessmentPoint]:
    """The course's pre, post and (when the course asks for one) delayed points; always open."""
    phases = ["pre", "post"] + (["delayed"] if course.delayed_post_weeks else [])
    points = {p.phase: p for p in db.session.scalars(
        select(AssessmentPoint).where(AssessmentPoint.course_id == course.id))}
    for phase in phases:
        point = points.get(phase)
        if point is None:
            point = points[phase] = AssessmentPoint(course_id=course.id, phase=phase, instrument_id=instrument.id,
                                                    is_open=True, opened_at=utcnow())
            db.session.add(point)
        point.instrument_id = instrument.id
        point.is_open = True
    for phase, point in points.items():
        if phase not in phases:
            point.is_open = False
    db.session.flush()
    return points


def ensure_session_points(session, instrument: Instrument) -> dict[str, AssessmentPoint]:
    """A live session's pre and post points, closed until the librarian opens them."""
    points = {p.phase: p for p in db.session.scalars(
        select(AssessmentPoint).where(AssessmentPoint.session_id == session.id))}
    if any(p.instrument_id != instrument.id for p in points.values()) and _has_attempts(points.values()):
        raise AssessmentError("People have already answered this session's test, so its instrument cannot change.")
    for phase in ("pre", "post"):
        point = points.get(phase)
        if point is None:
            point = points[phase] = AssessmentPoint(session_id=session.id, phase=phase, is_open=False,
                                                    join_code=new_join_code())
            db.session.add(point)
        point.instrument_id = instrument.id
    db.session.flush()
    return points


def _has_attempts(points) -> bool:
    ids = [p.id for p in points]
    return bool(ids) and db.session.scalar(
        select(func.count()).select_from(AssessmentAttempt).where(AssessmentAttempt.point_id.in_(ids))) > 0


def new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(select(AssessmentPoint.id).where(AssessmentPoint.join_code == code)) is None:
            return code


def open_point(point: AssessmentPoint, actor, now: datetime | None = None) -> None:
    """Open a live session's test; opening the post-test closes the pre-test (and the reverse)."""
    now = now or utcnow()
    for other in db.session.scalars(select(AssessmentPoint).where(
            AssessmentPoint.session_id == point.session_id, AssessmentPoint.id != point.id,
            AssessmentPoint.is_open.is_(True))):
        close_point(other, actor, now)
    point.is_open = True
    point.opened_at = now
    point.closed_at = None
    record_event("assessment.opened", actor, "assessment_point", point.id, phase=point.phase)


def close_point(point: AssessmentPoint, actor, now: datetime | None = None) -> int:
    """Close a test: unfinished attempts keep what was saved and are marked incomplete. Returns how many."""
    now = now or utcnow()
    unfinished = db.session.scalars(
        select(AssessmentAttempt).join(Attempt, Attempt.id == AssessmentAttempt.attempt_id)
        .where(AssessmentAttempt.point_id == point.id, Attempt.status == "in_progress")).all()
    for entry in unfinished:
        quiz_attempts.close_attempt(entry.attempt, now)
        entry.is_complete = False
    db.session.flush()
    results.refresh(entry.participant_id for entry in unfinished)
    point.is_open = False
    point.closed_at = now
    record_event("assessment.closed", actor, "assessment_point", point.id, phase=point.phase,
                 unfinished=len(unfinished))
    return len(unfinished)


# Participants --------------------------------------------------------------------------------

def _forms_used(point: AssessmentPoint) -> dict[str, int]:
    context = (Participant.course_id == point.course_id if point.course_id
               else Participant.session_id == point.session_id)
    rows = db.session.execute(select(Participant.first_form, func.count()).where(context)
                              .group_by(Participant.first_form)).all()
    return {form: count for form, count in rows if form}


def participant_for_user(point: AssessmentPoint, user) -> Participant:
    """The signed-in user's participant record in the point's course or session, created on first use."""
    query = select(Participant).where(Participant.user_id == user.id)
    query = query.where(Participant.course_id == point.course_id if point.course_id
                        else Participant.session_id == point.session_id)
    participant = db.session.scalar(query)
    if participant is None:
        participant = _new_participant(point, user_id=user.id)
    return participant


def participant_for_code(point: AssessmentPoint, code: str) -> Participant:
    """The anonymous participant with this self-generated code in the point's live session."""
    if point.session_id is None:
        raise AssessmentError("Anonymous codes are only used in live sessions.")
    participant = db.session.scalar(select(Participant).where(Participant.session_id == point.session_id,
                                                              Participant.code == code))
    if participant is None:
        participant = _new_participant(point, code=code)
    return participant


def _new_participant(point: AssessmentPoint, user_id: int | None = None, code: str | None = None) -> Participant:
    has_forms = point.instrument.quiz_b_id is not None
    participant = Participant(course_id=point.course_id, session_id=point.session_id, user_id=user_id, code=code,
                              first_form=assign_form(_forms_used(point)) if has_forms else None)
    db.session.add(participant)
    db.session.flush()
    return participant


def form_for(participant: Participant, phase: str) -> str | None:
    """Pre-test: the participant's first form; post-test: the other one; delayed: the first again.

    The delayed test repeats the pre-test's form, not the post-test's, so it is never the form
    the participant saw most recently.
    """
    if participant.first_form is None:
        return None
    return other_form(participant.first_form) if phase == "post" else participant.first_form


# Attempts ------------------------------------------------------------------------------------

def attempts_at(point: AssessmentPoint, participant: Participant) -> list[AssessmentAttempt]:
    return db.session.scalars(select(AssessmentAttempt).where(
        AssessmentAttempt.point_id == point.id, AssessmentAttempt.participant_id == participant.id)
        .order_by(AssessmentAttempt.id)).all()


def start(point: AssessmentPoint, participant: Participant, owned: set[int] = frozenset(),
          now: datetime | None = None) -> AssessmentAttempt:
    """Resume the participant's unfinished attempt at this point, or start one.

    A signed-in participant takes each point once. An anonymous code may be shared by two people
    without knowing it: a browser that does not hold the unfinished attempt (`owned` lists the
    attempts this browser started) gets a new one, and the pairing rules flag the conflict.
    """
    now = now or utcnow()
    if not point.is_open:
        raise AssessmentError("This test is not open at the moment.")
    earlier = attempts_at(point, participant)
    for entry in earlier:
        if entry.attempt.status == "in_progress" and (not participant.is_anonymous or entry.id in owned):
            return entry
    if earlier and not participant.is_anonymous:
        raise AssessmentError("You have already taken this test.")
    form = form_for(participant, point.phase)
    quiz = quiz_for_form(point.instrument, form)
    # Numbered per quiz and user: the delayed test reuses the pre-test's form, so its quiz.
    number = quiz_attempts.attempts_used(quiz, participant.user) + 1 if participant.user else len(earlier) + 1
    attempt = quiz_attempts.create_attempt(quiz, participant.user, number=number, now=now)
    entry = AssessmentAttempt(point_id=point.id, participant_id=participant.id, attempt_id=attempt.id, form=form,
                              confidence={}, created_at=now)
    db.session.add(entry)
    db.session.flush()
    return entry


def save_confidence(entry: AssessmentAttempt, ratings: dict[str, str]) -> dict[str, str]:
    """Store the confidence ratings given (1-5 per item); returns {item key: error} for bad values."""
    if entry.attempt.status != "in_progress":
        raise AssessmentError("This test has been handed in, so its answers can no longer change.")
    errors, values = {}, dict(entry.confidence or {})
    for item in entry.point.instrument.confidence_items:
        raw = ratings.get(item.key)
        if raw in (None, ""):
            continue
        if raw not in ("1", "2", "3", "4", "5"):
            errors[item.key] = "Choose a rating from 1 to 5."
            continue
        values[item.key] = int(raw)
    entry.confidence = values
    return errors


def submit(entry: AssessmentAttempt, user, now: datetime | None = None) -> AssessmentAttempt:
    """Hand in the attempt: score it with the quiz engine, and record the pre-test on the enrolment."""
    now = now or utcnow()
    if not entry.point.is_open:
        raise AssessmentError("This test has been closed; the answers you saved were kept.")
    quiz_attempts.submit_attempt(entry.attempt, user, now)
    db.session.flush()
    results.refresh([entry.participant_id])
    if entry.point.course_id and entry.point.phase == "pre" and user is not None:
        mark_pretest_done(entry.point.course_id, user, now)
    return entry


def mark_pretest_done(course_id: int, user, now: datetime | None = None) -> None:
    """Let the learner into the modules: they took the pre-test (or skipped it where that is allowed)."""
    enrolment = enrol(db.session.get(Course, course_id), user, now)
    if enrolment.pretest_done_at is None:
        enrolment.pretest_done_at = now or utcnow()


# Delayed post-test ---------------------------------------------------------------------------

def delayed_due_at(enrolment, weeks: int) -> datetime | None:
    return enrolment.completed_at + timedelta(weeks=weeks) if enrolment.completed_at and weeks else None


def queue_delayed_invitations(link_for, now: datetime | None = None) -> int:
    """E-mail every learner whose delayed post-test has come due, once. `link_for(course)` gives the test's URL.

    Due means: the course asks for a delayed test, the learner completed the course at least that
    many weeks ago and has not taken the delayed test. Returns how many invitations were queued.

    Safe to run on several machines at once: each participant is claimed with a conditional UPDATE
    before its message is queued (on SQLite the write lock is taken first), so only one run invites them.
    """
    now = now or utcnow()
    start_write_transaction()
    candidates = db.session.execute(
        select(Participant, Enrolment, Course)
        .join(Course, Course.id == Participant.course_id)
        .join(Enrolment, (Enrolment.course_id == Participant.course_id) & (Enrolment.user_id == Participant.user_id))
        .join(AssessmentPoint, (AssessmentPoint.course_id == Course.id) & (AssessmentPoint.phase == "delayed"))
        .where(Participant.user_id.is_not(None), Participant.delayed_invited_at.is_(None),
               Course.delayed_post_weeks > 0, AssessmentPoint.is_open.is_(True),
               Enrolment.completed_at.is_not(None))).all()
    queued = 0
    for participant, enrolment, course in candidates:
        due = delayed_due_at(enrolment, course.delayed_post_weeks)
        if due is None or due > now or _took_phase(participant, "delayed"):
            continue
        user = participant.user
        if not user.is_active:
            continue
        claimed = db.session.execute(
            update(Participant).where(Participant.id == participant.id, Participant.delayed_invited_at.is_(None))
            .values(delayed_invited_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        queue_message(
            user.email, f"A short follow-up test for {course.title}",
            f"Hello {user.name},\n\n{course.delayed_post_weeks} weeks ago you completed {course.title}. "
            "A short follow-up test shows what has stayed with you since. It has the same kind of "
            "questions as before and takes about ten minutes; your answers help us improve the course.\n\n"
            f"Take the follow-up test: {link_for(course)}\n", user_id=user.id)
        participant.delayed_invited_at = now
        record_event("assessment.delayed_invited", None, "participant", participant.id, course=course.slug)
        queued += 1
    return queued


def _took_phase(participant: Participant, phase: str) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(AssessmentAttempt)
        .join(AssessmentPoint, AssessmentPoint.id == AssessmentAttempt.point_id)
        .join(Attempt, Attempt.id == AssessmentAttempt.attempt_id)
        .where(AssessmentAttempt.participant_id == participant.id, AssessmentPoint.phase == phase,
               Attempt.status != "in_progress")) > 0
