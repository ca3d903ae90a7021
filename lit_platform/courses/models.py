"""Courses imported from files, their modules and outcomes, and each learner's progress."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.types import UTCDateTime, utcnow
from ..extensions import db


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text, default="")
    #: rendered and sanitised at import
    description_html: Mapped[str] = mapped_column(Text, default="")
    topics: Mapped[list] = mapped_column(JSON, default=list)
    audience: Mapped[list] = mapped_column(JSON, default=list)
    level: Mapped[str] = mapped_column(String(20), default="introductory")
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    #: required, optional or none: whether learners take the pre-test before the first module
    pretest: Mapped[str] = mapped_column(String(10), default="none")
    #: weeks after completion when learners are invited to take the post-test again; 0 = never
    delayed_post_weeks: Mapped[int] = mapped_column(Integer, default=0)
    #: key of the pre/post instrument's questions (see assessments)
    assessment_key: Mapped[str | None] = mapped_column(String(200))
    reading: Mapped[list] = mapped_column(JSON, default=list)
    #: [{"term", "anchor", "module" (slug of the module that defines it), "html" (the definition)}], by term
    glossary: Mapped[list] = mapped_column(JSON, default=list)
    #: bumped on every import that changes something
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    is_retired: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    outcomes: Mapped[list[LearningOutcome]] = relationship(back_populates="course", order_by="LearningOutcome.position",
                                                           cascade="all, delete-orphan")
    modules: Mapped[list[Module]] = relationship(back_populates="course", order_by="Module.position")

    @property
    def active_modules(self) -> list[Module]:
        return [m for m in self.modules if not m.is_retired]

    @property
    def asks_pretest(self) -> bool:
        """Whether learners take the pre-test (or, if optional, decide to skip it) before the modules."""
        return self.assessment_key is not None and self.pretest in ("required", "optional")


class LearningOutcome(db.Model):
    __tablename__ = "learning_outcomes"
    __table_args__ = (UniqueConstraint("course_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: ACRL Framework frame ids and SCONUL Seven Pillars ids
    acrl: Mapped[list] = mapped_column(JSON, default=list)
    sconul: Mapped[list] = mapped_column(JSON, default=list)

    course: Mapped[Course] = relationship(back_populates="outcomes")


class Module(db.Model):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    outcome_codes: Mapped[list] = mapped_column(JSON, default=list)
    #: sentences completing "In this module you will ..."
    aims: Mapped[list] = mapped_column(JSON, default=list)
    #: the module's Markdown, rendered and sanitised at import so pages never re-render it
    body_html: Mapped[str] = mapped_column(Text, default="", deferred=True)
    toc_html: Mapped[str] = mapped_column(Text, default="", deferred=True)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    quiz_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="SET NULL"))
    is_required: Mapped[bool] = mapped_column(default=True)
    #: removed from the files: kept so learners' history stays, but no longer shown
    is_retired: Mapped[bool] = mapped_column(default=False)
    content_hash: Mapped[str] = mapped_column(String(64), default="")

    course: Mapped[Course] = relationship(back_populates="modules")
    quiz = relationship("Quiz")


class Enrolment(db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: none once the learner's data is erased: the enrolment stays, anonymous, so completion figures hold
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the module the learner last opened, to resume there
    last_module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: when the learner took (or, where the course allows it, skipped) the pre-test
    pretest_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    user = relationship("User")
    last_module: Mapped[Module | None] = relationship()

    @property
    def follow_up_due_at(self) -> datetime | None:
        """When the course's delayed post-test becomes due for this learner (None if it has none)."""
        if self.completed_at is None or not self.course.delayed_post_weeks:
            return None
        return self.completed_at + timedelta(weeks=self.course.delayed_post_weeks)


class ModuleProgress(db.Model):
    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("module_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
