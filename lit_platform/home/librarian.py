"""The librarian's home: the sessions they facilitate that are coming up, registers still to mark, today's
pre/post tests, and recent feedback under the small-group rule.

At most five queries whatever the number of sessions, bookings and answers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, exists, func, select

from ..assessments.models import AssessmentPoint
from ..bookings.models import Booking, Session, SessionFacilitator, SurveyResponse
from ..bookings.times import resolve_local
from ..core.small_groups import Suppressor
from ..extensions import db

UPCOMING_SHOWN = 5
REGISTERS_SHOWN = 5
FEEDBACK_SESSIONS = 3
COMMENTS_PER_SESSION = 2
#: feedback on sessions further back than this is no longer "recent"
FEEDBACK_DAYS = 90


@dataclass(frozen=True)
class UpcomingSession:
    id: int
    title: str
    starts_at: datetime
    capacity: int
    confirmed: int
    waitlisted: int


@dataclass(frozen=True)
class RegisterToMark:
    id: int
    title: str
    starts_at: datetime
    #: confirmed places whose attendance is not marked yet
    unmarked: int


@dataclass(frozen=True)
class TodaysTests:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    #: pre or post while a test is open for people to join, else None
    open_phase: str | None
    #: whether a test has been chosen for the session yet
    has_tests: bool


@dataclass
class SessionFeedback:
    """What may be shown of one session's feedback: figures and comments only from enough people."""
    id: int
    title: str
    starts_at: datetime
    #: the number of responses, or "fewer than N"
    responses: int | str
    enough: bool
    usefulness: float | None = None
    recommend: float | None = None
    comments: list[str] = field(default_factory=list)


@dataclass
class LibrarianHome:
    upcoming: list[UpcomingSession] = field(default_factory=list)
    more_upcoming: bool = False
    registers: list[RegisterToMark] = field(default_factory=list)
    more_registers: bool = False
    today: list[TodaysTests] = field(default_factory=list)
    feedback: list[SessionFeedback] = field(default_factory=list)


def local_day_bounds(day: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants at which a local day starts and the next one starts."""
    return (resolve_local(datetime.combine(day, time(0)), zone).utc,
            resolve_local(datetime.combine(day + timedelta(days=1), time(0)), zone).utc)


def _mine(user_id: int):
    return Session.id.in_(select(SessionFacilitator.session_id).where(SessionFacilitator.user_id == user_id))


def _count_of(status: str):
    return (select(func.count(Booking.id)).where(Booking.session_id == Session.id, Booking.status == status)
            .correlate(Session).scalar_subquery())


def upcoming_sessions(user_id: int, now: datetime) -> tuple[list[UpcomingSession], bool]:
    rows = db.session.execute(
        select(Session.id, Session.title, Session.starts_at, Session.capacity, _count_of("confirmed"),
               _count_of("waitlisted"))
        .where(_mine(user_id), Session.status == "scheduled", Session.ends_at > now)
        .order_by(Session.starts_at, Session.id).limit(UPCOMING_SHOWN + 1)).all()
    return [UpcomingSession(*row) for row in rows[:UPCOMING_SHOWN]], len(rows) > UPCOMING_SHOWN


def registers_to_mark(user_id: int, now: datetime) -> tuple[list[RegisterToMark], bool]:
    """Sessions that have ended with confirmed places whose attendance nobody has marked, latest first."""
    rows = db.session.execute(
        select(Session.id, Session.title, Session.starts_at, func.count(Booking.id))
        .join(Booking, Booking.session_id == Session.id)
        .where(_mine(user_id), Session.status == "scheduled", Session.ends_at <= now, Booking.status == "confirmed",
               Booking.attendance.is_(None))
        .group_by(Session.id, Session.title, Session.starts_at)
        .order_by(Session.starts_at.desc(), Session.id).limit(REGISTERS_SHOWN + 1)).all()
    return [RegisterToMark(*row) for row in rows[:REGISTERS_SHOWN]], len(rows) > REGISTERS_SHOWN


def todays_tests(user_id: int, day_start: datetime, day_end: datetime) -> list[TodaysTests]:
    """Today's sessions, with the pre/post test open on each (if any)."""
    open_phase = (select(AssessmentPoint.phase).where(AssessmentPoint.session_id == Session.id,
                                                      AssessmentPoint.is_open.is_(True))
                  .correlate(Session).limit(1).scalar_subquery())
    has_tests = exists().where(AssessmentPoint.session_id == Session.id).correlate(Session)
    rows = db.session.execute(
        select(Session.id, Session.title, Session.starts_at, Session.ends_at, open_phase, has_tests)
        .where(_mine(user_id), Session.status == "scheduled", Session.starts_at >= day_start,
               Session.starts_at < day_end)
        .order_by(Session.starts_at, Session.id)).all()
    return [TodaysTests(*row) for row in rows]


def recent_feedback(user_id: int, now: datetime, hide: Suppressor) -> list[SessionFeedback]:
    """The latest sessions with feedback: counts as the small-group rule allows; the mean usefulness, the share
    who would recommend it and the latest comments only for a session with enough responses."""
    rows = db.session.execute(
        select(Session.id, Session.title, Session.starts_at, func.count(SurveyResponse.id),
               func.avg(SurveyResponse.usefulness),
               func.count(case((SurveyResponse.would_recommend.is_(True), 1))))
        .join(SurveyResponse, SurveyResponse.session_id == Session.id)
        .where(_mine(user_id), Session.starts_at >= now - timedelta(days=FEEDBACK_DAYS), Session.starts_at <= now)
        .group_by(Session.id, Session.title, Session.starts_at)
        .order_by(Session.starts_at.desc(), Session.id).limit(FEEDBACK_SESSIONS)).all()
    found = []
    for session_id, title, starts_at, n, usefulness, recommend in rows:
        enough = hide.enough(n)
        found.append(SessionFeedback(session_id, title, starts_at, hide.count(n), enough,
                                     float(usefulness) if enough else None, recommend / n if enough else None))
    shown = {f.id: f for f in found if f.enough}
    if shown:
        comments = db.session.execute(
            select(SurveyResponse.session_id, SurveyResponse.comment)
            .where(SurveyResponse.session_id.in_(shown), SurveyResponse.comment != "",
                   SurveyResponse.comment_hidden.is_(False))
            .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc())
            .limit(COMMENTS_PER_SESSION * len(shown) * 4)).all()
        for session_id, comment in comments:
            if len(shown[session_id].comments) < COMMENTS_PER_SESSION:
                shown[session_id].comments.append(comment)
    return found


def librarian_home(user_id: int, now: datetime, zone: str, hide: Suppressor) -> LibrarianHome:
    """Everything the librarian's home shows, in at most five queries."""
    home = LibrarianHome()
    home.upcoming, home.more_upcoming = upcoming_sessions(user_id, now)
    home.registers, home.more_registers = registers_to_mark(user_id, now)
    home.today = todays_tests(user_id, *local_day_bounds(now.astimezone(ZoneInfo(zone)).date(), zone))
    home.feedback = recent_feedback(user_id, now, hide)
    return home

