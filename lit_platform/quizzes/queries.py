"""Read-only selects for quizzes, with the access rules for who may see what."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import abort
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..extensions import db
from .models import Attempt, Question, QuestionCategory, QuestionTag, QuestionVersion, Quiz, QuizExtension, QuizSlot, Response

STAFF_ROLES = ("librarian", "manager", "admin")


def is_staff(user) -> bool:
    return user.is_authenticated and user.has_role(*STAFF_ROLES)


def quiz_for_user(quiz_id: int, user) -> Quiz:
    """A quiz the user may take (published) or manage (staff); 404 otherwise."""
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or (not quiz.is_published and not is_staff(user)):
        abort(404)
    return quiz


@cache
def _own_attempt_query():
    """Built once, on first use: building it costs as much as running it (submitting is the busiest write)."""
    return (select(Attempt).where(Attempt.id == bindparam("attempt_id"))
            .options(joinedload(Attempt.quiz), joinedload(Attempt.responses).joinedload(Response.version)))


def own_attempt(attempt_id: int, user) -> Attempt:
    """The user's own attempt, with its quiz, responses and their versions loaded; 404 for anyone else's."""
    attempt = db.session.execute(_own_attempt_query(), {"attempt_id": attempt_id}).unique().scalar_one_or_none()
    if attempt is None or attempt.user_id != user.id:
        abort(404)
    return attempt


def attempt_for_staff(attempt_id: int) -> Attempt:
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.id == attempt_id)
        .options(selectinload(Attempt.responses).selectinload(Response.version))
    )
    if attempt is None:
        abort(404)
    return attempt


def attempts_of(quiz: Quiz, user) -> list[Attempt]:
    return list(db.session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
                                   .order_by(Attempt.number)))


def attempts_for_quiz(quiz: Quiz) -> list[Attempt]:
    return list(db.session.scalars(select(Attempt).where(Attempt.quiz_id == quiz.id)
                                   .options(selectinload(Attempt.user)).order_by(Attempt.started_at.desc())))


def essays_to_mark(quiz: Quiz) -> list[Response]:
    return list(db.session.scalars(
        select(Response).join(Attempt).join(Response.version)
        .where(Attempt.quiz_id == quiz.id, Attempt.status == "submitted", QuestionVersion.type == "essay",
               Response.answer.is_not(None), Response.fraction.is_(None))
        .order_by(Attempt.submitted_at)
    ))


def extensions_for(quiz: Quiz) -> list[QuizExtension]:
    return list(db.session.scalars(select(QuizExtension).where(QuizExtension.quiz_id == quiz.id)))


def all_quizzes() -> list[Quiz]:
    return list(db.session.scalars(select(Quiz).order_by(Quiz.title)))


def categories_in_order() -> list[QuestionCategory]:
    return sorted(db.session.scalars(select(QuestionCategory)).all(), key=lambda c: c.path.lower())


def search_questions(text: str = "", category_id: int = 0, tag: str = "", qtype: str = "",
                     include_retired: bool = False, page: int = 1, per_page: int = 50):
    query = select(Question).join(Question.current).options(selectinload(Question.current),
                                                            selectinload(Question.category))
    if not include_retired:
        query = query.where(Question.is_retired.is_(False))
    if text:
        like = f"%{text.lower()}%"
        query = query.where(or_(func.lower(QuestionVersion.stem).like(like), func.lower(QuestionVersion.title).like(like),
                                func.lower(Question.key).like(like)))
    if category_id:
        query = query.where(Question.category_id == category_id)
    if tag:
        query = query.where(Question.id.in_(select(QuestionTag.question_id).where(QuestionTag.tag == tag.lower())))
    if qtype:
        query = query.where(QuestionVersion.type == qtype)
    return db.paginate(query.order_by(Question.id.desc()), page=page, per_page=per_page, error_out=False)


def all_tags() -> list[str]:
    return list(db.session.scalars(select(QuestionTag.tag).distinct().order_by(QuestionTag.tag)))


def published_quizzes_with_progress(user) -> list[tuple[Quiz, int, float | None]]:
    """Published quizzes with the user's attempt count and best percentage, in one query."""
    best = func.max(Attempt.score * 100.0 / func.nullif(Attempt.max_score, 0))
    rows = db.session.execute(
        select(Quiz, func.count(Attempt.id), best)
        .outerjoin(Attempt, (Attempt.quiz_id == Quiz.id) & (Attempt.user_id == user.id))
        .where(Quiz.is_published.is_(True))
        .group_by(Quiz.id)
        .order_by(Quiz.title)
    ).all()
    return [(quiz, count, best_percent) for quiz, count, best_percent in rows]


def has_passed(quiz: Quiz, user) -> bool:
    """Whether the user has a submitted attempt that meets the pass mark (any submitted attempt if none)."""
    query = select(Attempt.id).where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id,
                                     Attempt.status == "submitted")
    if quiz.pass_mark is not None:
        query = query.where(Attempt.needs_marking.is_(False),
                            Attempt.score * 100 >= (quiz.pass_mark - 1e-9) * Attempt.max_score)
    return db.session.scalar(query.limit(1)) is not None


@dataclass(frozen=True)
class LastAttempt:
    """A learner's latest handed-in attempt at a quiz, as a page beside the quiz shows it."""
    id: int
    submitted_at: datetime
    score: float | None
    max_score: float | None
    needs_marking: bool
    pass_mark: float | None

    @property
    def percent(self) -> float | None:
        return None if self.score is None or not self.max_score else 100 * self.score / self.max_score

    @property
    def passed(self) -> bool | None:
        if self.pass_mark is None or self.percent is None or self.needs_marking:
            return None
        return self.percent + 1e-9 >= self.pass_mark


@dataclass(frozen=True)
class QuizForLearner:
    """A quiz as a module page shows it: its summary, whether the learner has passed it (see has_passed), and
    the learner's latest handed-in attempt."""
    id: int
    title: str
    pass_mark: float | None
    review_score: bool
    questions: int
    passed: bool
    last_attempt: LastAttempt | None


@cache
def _quiz_for_learner_query():
    """Built once, on first use: the module page is the busiest page and building costs as much as running."""
    user_attempts = (Attempt.quiz_id == Quiz.id) & (Attempt.user_id == bindparam("user_id")) \
        & (Attempt.status == "submitted")
    passed = select(Attempt.id).where(user_attempts, or_(
        Quiz.pass_mark.is_(None),
        (Attempt.needs_marking.is_(False)) & (Attempt.score * 100 >= (Quiz.pass_mark - 1e-9) * Attempt.max_score)))
    latest = (select(Attempt.id).where(user_attempts)
              .order_by(Attempt.submitted_at.desc(), Attempt.id.desc()).limit(1).scalar_subquery())
    last = aliased(Attempt)
    return (select(Quiz.id, Quiz.title, Quiz.pass_mark, Quiz.review_score,
                   select(func.count(QuizSlot.id)).where(QuizSlot.quiz_id == Quiz.id).scalar_subquery(),
                   passed.exists(), last.id, last.submitted_at, last.score, last.max_score, last.needs_marking)
            .outerjoin(last, last.id == latest)
            .where(Quiz.id == bindparam("quiz_id")))


def quiz_for_learner(quiz_id: int, user) -> QuizForLearner | None:
    """The quiz, the learner's pass and the learner's latest attempt, in one prebuilt query."""
    row = db.session.execute(_quiz_for_learner_query(), {"quiz_id": quiz_id, "user_id": user.id}).one_or_none()
    if row is None:
        return None
    quiz_id, title, pass_mark, review_score, questions, passed, last_id, *last = row
    last_attempt = LastAttempt(last_id, *last, pass_mark) if last_id is not None else None
    return QuizForLearner(quiz_id, title, pass_mark, review_score, questions, bool(passed), last_attempt)


def question_by_key(key: str) -> Question | None:
    return db.session.scalar(select(Question).where(Question.key == key))
