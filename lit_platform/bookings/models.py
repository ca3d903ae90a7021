"""Sessions (workshops), their facilitators and audience, bookings with a waitlist, reaction surveys,
calendar feed tokens and personal API tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.types import UTCDateTime, utcnow
from ..extensions import db

MODES = {"in_person": "In person", "online": "Online", "hybrid": "Hybrid (in person or online)"}
SESSION_STATUSES = ("scheduled", "cancelled")
BOOKING_STATUSES = ("confirmed", "waitlisted", "cancelled")
ATTENDANCE = {"attended": "Attended", "late": "Late", "absent": "Absent"}
FREQUENCIES = {"weekly": "Every week", "fortnightly": "Every two weeks", "monthly": "Every month"}


class SessionSeries(db.Model):
    """Sessions created together as a repeating series."""

    __tablename__ = "session_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: weekly, fortnightly or monthly
    frequency: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SessionFacilitator(db.Model):
    __tablename__ = "session_facilitators"

    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)

    user = relationship("User")


class SessionUnit(db.Model):
    """An organisation unit a restricted session is open to (its sub-units included)."""

    __tablename__ = "session_units"

    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True, index=True)

    unit = relationship("OrgUnit")


class Session(db.Model):
    """A workshop at a fixed time that learners book a place on."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    #: Markdown as the librarian wrote it, and its rendering, sanitised when saved
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: in_person, online or hybrid
    mode: Mapped[str] = mapped_column(String(10), default="in_person")
    location: Mapped[str] = mapped_column(String(500), default="")
    #: joining link; shown only to learners with a confirmed place
    online_url: Mapped[str] = mapped_column(String(1000), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    booking_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    booking_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: hours before the start after which learners can no longer cancel; none = the installation default
    cancel_cutoff_hours: Mapped[int | None] = mapped_column(Integer)
    #: open to everyone, or only to the units in session_units (and units inside them)
    is_restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    waitlist_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: scheduled or cancelled
    status: Mapped[str] = mapped_column(String(10), default="scheduled", index=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    #: iCalendar: a UID that never changes and a SEQUENCE bumped on every change learners are told about
    ical_uid: Mapped[str] = mapped_column(String(120), unique=True)
    ical_sequence: Mapped[int] = mapped_column(Integer, default=0)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("session_series.id", ondelete="SET NULL"), index=True)
    #: short code learners type (or scan as a QR code) to check in while the session runs
    checkin_code: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course = relationship("Course")
    series: Mapped[SessionSeries | None] = relationship()
    facilitator_rows: Mapped[list[SessionFacilitator]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    unit_rows: Mapped[list[SessionUnit]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    bookings: Mapped[list[Booking]] = relationship(back_populates="session", order_by="Booking.position",
                                                   cascade="all, delete-orphan", passive_deletes=True)

    @property
    def facilitators(self) -> list:
        return sorted((row.user for row in self.facilitator_rows), key=lambda user: user.name.lower())

    @property
    def facilitator_ids(self) -> set[int]:
        return {row.user_id for row in self.facilitator_rows}

    @property
    def unit_ids(self) -> set[int]:
        return {row.unit_id for row in self.unit_rows}

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def mode_label(self) -> str:
        return MODES.get(self.mode, self.mode)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


#: how staff pages name a booking whose learner's data was erased
ERASED_LEARNER = "Learner whose data was erased"


class Booking(db.Model):
    """One learner's place (or place in the queue) on one session."""

    __tablename__ = "bookings"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    #: none once the learner's data is erased: the booking stays, anonymous, so attendance figures hold
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: confirmed, waitlisted or cancelled
    status: Mapped[str] = mapped_column(String(10), index=True)
    #: arrival order within the session, given under the session's lock; the waitlist is served in this order
    position: Mapped[int] = mapped_column(Integer)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set when a librarian added the learner by hand
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: attended, late or absent; none until the register is taken
    attendance: Mapped[str | None] = mapped_column(String(10))
    attendance_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the reminder e-mail was queued (so it is never queued twice)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: bumped when this booking's own calendar entry changes (cancelled, booked again); added to the session's
    ical_sequence: Mapped[int] = mapped_column(Integer, default=0)

    session: Mapped[Session] = relationship(back_populates="bookings")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_active(self) -> bool:
        return self.status in ("confirmed", "waitlisted")

    @property
    def learner_name(self) -> str:
        return self.user.name if self.user is not None else ERASED_LEARNER


class SurveyResponse(db.Model):
    """A reaction survey (Kirkpatrick level 1) after a session: one per attendee."""

    __tablename__ = "session_survey_responses"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: 1 (not at all) to 5 (very)
    usefulness: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[int] = mapped_column(Integer)
    would_recommend: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: a librarian hid the comment from reports (abusive or identifying); the ratings still count
    comment_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    comment_hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CalendarFeed(db.Model):
    """A user's secret calendar feed address; only the token's hash is stored."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class ApiToken(db.Model):
    """A personal API token for /api/v1; only its hash is stored, with the first characters to recognise it."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
