"""Question bank, quizzes and attempts.

A Question has a stable key and immutable versions; every attempt's responses point at the
version that was shown, so editing a question never rewrites history.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.types import UTCDateTime, utcnow
from ..extensions import db


class QuestionCategory(db.Model):
    __tablename__ = "question_categories"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("question_categories.id", ondelete="RESTRICT"))

    parent: Mapped[QuestionCategory | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[QuestionCategory]] = relationship(back_populates="parent")

    @property
    def path(self) -> str:
        names, category = [], self
        while category is not None:
            names.append(category.name)
            category = category.parent
        return "/".join(reversed(names))


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable identity across versions; from course files, or generated for bank-made questions
    key: Mapped[str] = mapped_column(String(200), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_categories.id", ondelete="RESTRICT"), index=True)
    is_retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, name="fk_questions_current_version_id_question_versions",
                   ondelete="SET NULL"))

    category: Mapped[QuestionCategory] = relationship()
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question", foreign_keys="QuestionVersion.question_id", order_by="QuestionVersion.number")
    current: Mapped[QuestionVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)
    tag_rows: Mapped[list[QuestionTag]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def tags(self) -> list[str]:
        return sorted(row.tag for row in self.tag_rows)


class QuestionTag(db.Model):
    __tablename__ = "question_tags"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class QuestionVersion(db.Model):
    """One immutable version of a question: what a learner saw and how it was scored."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(255), default="")
    #: Markdown source; rendered and sanitised when shown
    stem: Mapped[str] = mapped_column(Text)
    #: the type's answer spec (see quizzes/types.py)
    spec: Mapped[dict] = mapped_column(JSON)
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    feedback_correct: Mapped[str] = mapped_column(Text, default="")
    feedback_partial: Mapped[str] = mapped_column(Text, default="")
    feedback_incorrect: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[float] = mapped_column(Float, default=1.0)
    #: learning-outcome code, e.g. SE3
    outcome: Mapped[str | None] = mapped_column(String(40))
    #: hash of the content, so re-importing unchanged files makes no new version
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    question: Mapped[Question] = relationship(back_populates="versions", foreign_keys=[question_id])


class Quiz(db.Model):
    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    #: 0 = unlimited
    attempts_allowed: Mapped[int] = mapped_column(default=0)
    #: percent needed to pass; None = no pass mark
    pass_mark: Mapped[float | None] = mapped_column(Float)
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_choices: Mapped[bool] = mapped_column(default=True)
    #: immediate (check each question as you go) or deferred (feedback after submitting)
    feedback_mode: Mapped[str] = mapped_column(String(20), default="deferred")
    questions_per_page: Mapped[int] = mapped_column(default=5)
    #: what learners may see when reviewing a submitted attempt
    review_score: Mapped[bool] = mapped_column(default=True)
    review_feedback: Mapped[bool] = mapped_column(default=True)
    review_right_answers: Mapped[bool] = mapped_column(default=True)
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    slots: Mapped[list[QuizSlot]] = relationship(back_populates="quiz", order_by="QuizSlot.position",
                                                 cascade="all, delete-orphan")


class QuizSlot(db.Model):
    """One place in a quiz: a fixed question, or a rule drawing N random questions."""

    __tablename__ = "quiz_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    #: marks for the question here; None = the question's own points
    points: Mapped[float | None] = mapped_column(Float)
    random_category_id: Mapped[int | None] = mapped_column(ForeignKey("question_categories.id", ondelete="RESTRICT"))
    random_tag: Mapped[str | None] = mapped_column(String(60))
    random_count: Mapped[int] = mapped_column(default=0)

    quiz: Mapped[Quiz] = relationship(back_populates="slots")
    question: Mapped[Question | None] = relationship()
    random_category: Mapped[QuestionCategory | None] = relationship()

    @property
    def is_random(self) -> bool:
        return self.question_id is None


class QuizExtension(db.Model):
    """Extra time on a quiz's time limit for one learner (e.g. a reasonable adjustment)."""

    __tablename__ = "quiz_extensions"
    __table_args__ = (UniqueConstraint("quiz_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    extra_minutes: Mapped[int] = mapped_column(Integer)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    #: in_progress, submitted
    status: Mapped[str] = mapped_column(String(20), default="in_progress", index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the time limit (with any extension) runs out; None = no limit
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    #: True while an essay waits for a librarian's mark
    needs_marking: Mapped[bool] = mapped_column(Boolean, default=False)

    quiz: Mapped[Quiz] = relationship()
    user = relationship("User")
    responses: Mapped[list[Response]] = relationship(back_populates="attempt", order_by="Response.position",
                                                     cascade="all, delete-orphan")

    @property
    def percent(self) -> float | None:
        if self.score is None or not self.max_score:
            return None
        return 100 * self.score / self.max_score

    @property
    def passed(self) -> bool | None:
        if self.quiz.pass_mark is None or self.percent is None or self.needs_marking:
            return None
        return self.percent + 1e-9 >= self.quiz.pass_mark

    @property
    def page_count(self) -> int:
        return max((r.page for r in self.responses), default=1)


class Response(db.Model):
    """One question as shown in one attempt, with the learner's answer and its score."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    page: Mapped[int] = mapped_column(Integer, default=1)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="RESTRICT"),
                                                     index=True)
    #: the version first shown, kept when a librarian regrades against a corrected version
    shown_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id", ondelete="RESTRICT"))
    points: Mapped[float] = mapped_column(Float, default=1.0)
    #: display order of choices / items for this learner (ids), when shuffled
    display_order: Mapped[list | None] = mapped_column(JSON)
    answer: Mapped[object | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_flagged: Mapped[bool] = mapped_column(default=False)
    #: True once the learner pressed "Check" (immediate feedback); the answer is then final
    is_checked: Mapped[bool] = mapped_column(default=False)
    fraction: Mapped[float | None] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    feedback: Mapped[list | None] = mapped_column(JSON)
    #: rubric types: the fraction earned per criterion, {criterion id: 0..1}
    criteria: Mapped[dict | None] = mapped_column(JSON)
    marker_comment: Mapped[str | None] = mapped_column(Text)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempt: Mapped[Attempt] = relationship(back_populates="responses")
    version: Mapped[QuestionVersion] = relationship(foreign_keys=[question_version_id])
    shown_version: Mapped[QuestionVersion] = relationship(foreign_keys=[shown_version_id])

    @property
    def is_answered(self) -> bool:
        return self.answer is not None
