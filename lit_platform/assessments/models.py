"""Pre/post instruments, the points where they are taken, and who took them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.types import UTCDateTime, utcnow
from ..extensions import db


class Instrument(db.Model):
    """A set of items (bank questions) plus confidence statements, used before and after teaching."""

    __tablename__ = "instruments"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    #: the course whose files define it, if any
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the quiz-engine quizzes learners take: form A (all items when there are no parallel forms) and B
    quiz_a_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="SET NULL"))
    quiz_b_id: Mapped[int | None] = mapped_column(ForeignKey("quizzes.id", ondelete="SET NULL"))

    items: Mapped[list[InstrumentItem]] = relationship(order_by="InstrumentItem.position",
                                                       cascade="all, delete-orphan")
    confidence_items: Mapped[list[ConfidenceItem]] = relationship(order_by="ConfidenceItem.position",
                                                                  cascade="all, delete-orphan")

    @property
    def has_forms(self) -> bool:
        return any(item.form for item in self.items)


class InstrumentItem(db.Model):
    __tablename__ = "instrument_items"
    __table_args__ = (UniqueConstraint("instrument_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer)
    #: A or B for an item of one parallel form only; None for items in both forms
    form: Mapped[str | None] = mapped_column(String(1))

    question = relationship("Question")


class ConfidenceItem(db.Model):
    """A self-rating from 1 (not at all confident) to 5 (very confident), tied to an outcome."""

    __tablename__ = "confidence_items"
    __table_args__ = (UniqueConstraint("instrument_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(40))
    statement: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


PHASE_LABELS = {"pre": "Before", "post": "After", "delayed": "Some weeks after"}


class AssessmentPoint(db.Model):
    """One phase (pre, post or delayed) of an instrument in one context: a course or a live session.

    Course points are always open; a live session's points are opened and closed by its librarian,
    and each has its own short join code.
    """

    __tablename__ = "assessment_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(10))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    join_code: Mapped[str | None] = mapped_column(String(12), unique=True)

    instrument: Mapped[Instrument] = relationship()

    @property
    def label(self) -> str:
        return PHASE_LABELS[self.phase]


class Participant(db.Model):
    """Someone who takes an instrument in one context: a signed-in user, or an anonymous code.

    The anonymous code is made by the participant from fixed prompts (see codes.py), so the same
    person makes the same code before and after without anything identifying being stored.
    """

    __tablename__ = "assessment_participants"
    __table_args__ = (
        UniqueConstraint("course_id", "user_id"),
        UniqueConstraint("session_id", "user_id"),
        UniqueConstraint("session_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code: Mapped[str | None] = mapped_column(String(20))
    #: the parallel form of the pre-test (the post-test uses the other one); None without forms
    first_form: Mapped[str | None] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when the delayed post-test invitation was queued (courses)
    delayed_invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None


class AssessmentAttempt(db.Model):
    """A quiz-engine attempt taken at an assessment point, with the confidence ratings given with it."""

    __tablename__ = "assessment_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("assessment_points.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("assessment_participants.id", ondelete="CASCADE"),
                                                index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), unique=True)
    form: Mapped[str | None] = mapped_column(String(1))
    #: confidence item key -> rating 1..5
    confidence: Mapped[dict] = mapped_column(JSON, default=dict)
    #: False when the librarian closed the point before the participant submitted
    is_complete: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    point: Mapped[AssessmentPoint] = relationship()
    participant: Mapped[Participant] = relationship()
    attempt = relationship("Attempt")


class AssessmentResult(db.Model):
    """One participant's counted results, kept up to date whenever their attempts change.

    It is derived data (`assessments/results.py` rebuilds it from the attempts): reports read one row per
    learner instead of every answer. Item marks are stored as little arrays, in the order of `item_ids`
    (question ids): float32 marks (NaN where the item was not in that test) and the marks available
    (0 where it was not); float32 holds marks such as 2/3 to seven digits, far beyond what reports show.
    """

    __tablename__ = "assessment_results"

    participant_id: Mapped[int] = mapped_column(ForeignKey("assessment_participants.id", ondelete="CASCADE"),
                                                primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: an anonymous code used for two pre-tests or two post-tests: never paired
    conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    #: attempts beyond the first in any phase (kept, not counted)
    repeated: Mapped[int] = mapped_column(Integer, default=0)
    pre_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    post_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    delayed_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    pre_percent: Mapped[float | None] = mapped_column(Float)
    post_percent: Mapped[float | None] = mapped_column(Float)
    delayed_percent: Mapped[float | None] = mapped_column(Float)
    pre_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    post_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the later of the counted pre- and post-test: what a report's date range looks at
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    pre_form: Mapped[str | None] = mapped_column(String(1))
    post_form: Mapped[str | None] = mapped_column(String(1))
    item_ids: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    pre_marks: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    pre_max: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    post_marks: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    post_max: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    #: confidence ratings (int8, 0 = not given) in the order of `confidence_ids`
    confidence_ids: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    pre_confidence: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    post_confidence: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
