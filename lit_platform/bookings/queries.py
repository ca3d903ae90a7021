"""Read-only selects for sessions and bookings, with the checks of who may see and manage what."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import selectinload

from ..accounts.models import OrgUnit, User, UserRole
from ..core.types import utcnow
from ..courses.models import Course
from ..extensions import db
from .models import Booking, Session, SessionFacilitator, SessionUnit, SurveyResponse
from .services import STAFF_ROLES
from .settings import zone_name
from .times import resolve_local

MANAGER_ROLES = ("manager", "admin")


def is_staff(user) -> bool:
    return user.is_authenticated and user.has_role(*STAFF_ROLES)


def manages_all(user) -> bool:
    return user.is_authenticated and user.has_role(*MANAGER_ROLES)


def unit_ancestor_ids(user) -> list[int]:
    """The user's unit and every unit it sits inside: a restricted session open to any of them is open to the user."""
    ids, unit_id = [], user.org_unit_id
    while unit_id is not None and unit_id not in ids:
        ids.append(unit_id)
        unit_id = db.session.scalar(select(OrgUnit.parent_id).where(OrgUnit.id == unit_id))
    return ids


def _visible_to(user):
    if is_staff(user):
        return true()
    ancestors = unit_ancestor_ids(user)
    return or_(Session.is_restricted.is_(False),
               Session.id.in_(select(SessionUnit.session_id).where(SessionUnit.unit_id.in_(ancestors))))


def _confirmed_count():
    return (select(func.count(Booking.id)).where(Booking.session_id == Session.id, Booking.status == "confirmed")
            .correlate(Session).scalar_subquery())


@dataclass
class SessionRow:
    session: Session
    confirmed: int
    waitlisted: int

    @property
    def places_left(self) -> int:
        return max(0, self.session.capacity - self.confirmed)


def _local_day_start(day: date) -> datetime:
    return resolve_local(datetime.combine(day, datetime.min.time()), zone_name()).utc


def upcoming_sessions(user, text: str = "", mode: str = "", date_from: date | None = None,
                      date_to: date | None = None, availability: str = "", course_id: int = 0,
                      page: int = 1, per_page: int = 20):
    """Scheduled sessions that have not ended, that the user may see, with their counts (one query per page)."""
    confirmed = _confirmed_count()
    query = (select(Session)
             .where(Session.status == "scheduled", Session.ends_at > utcnow(), _visible_to(user))
             .options(selectinload(Session.facilitator_rows).selectinload(SessionFacilitator.user)))
    if text:
        like = f"%{text.lower()}%"
        query = query.where(or_(func.lower(Session.title).like(like), func.lower(Session.description).like(like),
                                Session.course_id.in_(select(Course.id).where(func.lower(Course.title).like(like)))))
    if mode:
        query = query.where(Session.mode == mode)
    if course_id:
        query = query.where(Session.course_id == course_id)
    if date_from:
        query = query.where(Session.starts_at >= _local_day_start(date_from))
    if date_to:
        query = query.where(Session.starts_at < _local_day_start(date_to + timedelta(days=1)))
    if availability == "places":
        query = query.where(confirmed < Session.capacity)
    elif availability == "waitlist":
        query = query.where(confirmed >= Session.capacity, Session.waitlist_enabled.is_(True))
    pagination = db.paginate(query.order_by(Session.starts_at, Session.id), page=page, per_page=per_page,
                             error_out=False, count=True)
    return pagination


def rows(sessions) -> list[SessionRow]:
    """The sessions with their confirmed and waitlisted counts (one grouped query)."""
    ids = [s.id for s in sessions]
    found = db.session.execute(select(Booking.session_id, Booking.status, func.count())
                               .where(Booking.session_id.in_(ids), Booking.status != "cancelled")
                               .group_by(Booking.session_id, Booking.status)).all() if ids else []
    by_key = {(session_id, status): n for session_id, status, n in found}
    return [SessionRow(s, by_key.get((s.id, "confirmed"), 0), by_key.get((s.id, "waitlisted"), 0)) for s in sessions]


def session_for_learner(session_id: int, user) -> Session:
    """A session the user may see: open, in their units, or one they have booked; 404 otherwise."""
    session = db.session.get(Session, session_id)
    if session is None:
        abort(404)
    if is_staff(user) or not session.is_restricted:
        return session
    if session.unit_ids & set(unit_ancestor_ids(user)) or booking_of(session.id, user.id):
        return session
    abort(404)


def session_for_staff(session_id: int, user) -> Session:
    """A session the user manages: one they facilitate, or any for managers and administrators.

    :raises: 404 when there is no such session, 403 when it is someone else's.
    """
    session = db.session.get(Session, session_id)
    if session is None:
        abort(404)
    if not manages_all(user) and user.id not in session.facilitator_ids:
        abort(403)
    return session


def booking_of(session_id: int, user_id: int) -> Booking | None:
    return db.session.scalar(select(Booking).where(Booking.session_id == session_id, Booking.user_id == user_id))


def own_confirmed_booking(booking_id: int, user_id: int) -> Booking | None:
    """The booking if it is this user's and holds a place (the only bookings with a calendar entry)."""
    return db.session.scalar(select(Booking).where(Booking.id == booking_id, Booking.user_id == user_id,
                                                   Booking.status == "confirmed"))


def counts(session_id: int) -> tuple[int, int]:
    rows_ = dict(db.session.execute(select(Booking.status, func.count()).where(Booking.session_id == session_id)
                                    .group_by(Booking.status)).all())
    return rows_.get("confirmed", 0), rows_.get("waitlisted", 0)


def bookings_by_status(session_id: int) -> dict[str, list[Booking]]:
    """Confirmed, waitlisted and cancelled bookings, each in arrival order, with their users."""
    found = db.session.scalars(select(Booking).where(Booking.session_id == session_id)
                               .options(selectinload(Booking.user)).order_by(Booking.position)).all()
    grouped: dict[str, list[Booking]] = {"confirmed": [], "waitlisted": [], "cancelled": []}
    for booking in found:
        grouped[booking.status].append(booking)
    return grouped


def register_rows(session_id: int) -> list[Booking]:
    """Confirmed bookings sorted by the learner's name, for the register and the sign-in sheet."""
    return sorted(db.session.scalars(select(Booking).where(Booking.session_id == session_id,
                                                           Booking.status == "confirmed")
                                     .options(selectinload(Booking.user))).all(),
                  key=lambda b: (b.user is None, b.learner_name.lower(), b.id))


def managed_sessions(user, when: str = "upcoming", page: int = 1, per_page: int = 30):
    """The sessions a librarian facilitates (every session for managers and administrators)."""
    query = select(Session)
    if not manages_all(user):
        query = query.where(Session.id.in_(select(SessionFacilitator.session_id)
                                           .where(SessionFacilitator.user_id == user.id)))
    now = utcnow()
    if when == "past":
        query = query.where(Session.ends_at <= now, Session.status == "scheduled").order_by(Session.starts_at.desc())
    elif when == "cancelled":
        query = query.where(Session.status == "cancelled").order_by(Session.starts_at.desc())
    else:
        query = query.where(Session.ends_at > now, Session.status == "scheduled").order_by(Session.starts_at)
    return db.paginate(query.order_by(Session.id), page=page, per_page=per_page, error_out=False, count=True)


def my_bookings(user) -> tuple[list[Booking], list[Booking]]:
    """The user's current bookings: upcoming (soonest first) and past (latest first)."""
    found = db.session.scalars(
        select(Booking).join(Session).where(Booking.user_id == user.id, Booking.status != "cancelled")
        .options(selectinload(Booking.session)).order_by(Session.starts_at)).all()
    now = utcnow()
    upcoming = [b for b in found if b.session.ends_at > now]
    past = [b for b in found if b.session.ends_at <= now][::-1]
    return upcoming, past


def waitlist_positions(user) -> dict[int, int]:
    """For each of the user's waitlisted bookings, its place in the queue (one query)."""
    mine = select(Booking.id, Booking.session_id, Booking.position).where(
        Booking.user_id == user.id, Booking.status == "waitlisted").subquery()
    ahead = (select(mine.c.id, func.count(Booking.id))
             .join(Booking, and_(Booking.session_id == mine.c.session_id, Booking.status == "waitlisted",
                                 Booking.position <= mine.c.position))
             .group_by(mine.c.id))
    return dict(db.session.execute(ahead).all())


def surveyed_session_ids(user) -> set[int]:
    return set(db.session.scalars(select(SurveyResponse.session_id).where(SurveyResponse.user_id == user.id)))


@dataclass
class SurveySummary:
    responses: int
    usefulness: dict[int, int]
    confidence: dict[int, int]
    recommend_yes: int
    comments: list[str]

    @property
    def recommend_no(self) -> int:
        return self.responses - self.recommend_yes


def survey_summary(session_id: int) -> SurveySummary:
    """Counts of each answer, worked out in the database; comments hidden from reports are left out."""
    def distribution(column):
        found = dict(db.session.execute(select(column, func.count()).where(SurveyResponse.session_id == session_id)
                                        .group_by(column)).all())
        return {score: found.get(score, 0) for score in range(1, 6)}

    total, yes = db.session.execute(select(func.count(), func.count().filter(SurveyResponse.would_recommend.is_(True)))
                                    .where(SurveyResponse.session_id == session_id)).one()
    comments = list(db.session.scalars(select(SurveyResponse.comment).where(
        SurveyResponse.session_id == session_id, SurveyResponse.comment != "",
        SurveyResponse.comment_hidden.is_(False)).order_by(SurveyResponse.id)))
    return SurveySummary(total, distribution(SurveyResponse.usefulness), distribution(SurveyResponse.confidence),
                         yes or 0, comments)


def staff_users() -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.is_active.is_(True), User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(STAFF_ROLES))))
        .order_by(User.name, User.id)))


def courses_for_choice() -> list[Course]:
    return list(db.session.scalars(select(Course).where(Course.is_retired.is_(False)).order_by(Course.title)))


def linked_courses() -> list[Course]:
    """Courses that have upcoming sessions, for the browse filter."""
    return list(db.session.scalars(select(Course).where(Course.id.in_(
        select(Session.course_id).where(Session.status == "scheduled", Session.ends_at > utcnow())))
        .order_by(Course.title)))


def later_in_series(session: Session) -> int:
    if not session.series_id:
        return 0
    return db.session.scalar(select(func.count()).select_from(Session).where(
        Session.series_id == session.series_id, Session.starts_at > session.starts_at,
        Session.status == "scheduled"))


# Feeds and the API ---------------------------------------------------------------------------

FEED_PAST_DAYS = 90


def feed_bookings(user) -> list[Booking]:
    """The user's places (not the waitlist) on sessions from 90 days ago on; cancelled sessions included."""
    since = utcnow() - timedelta(days=FEED_PAST_DAYS)
    return list(db.session.scalars(
        select(Booking).join(Session).where(Booking.user_id == user.id, Booking.status == "confirmed",
                                            Session.ends_at > since)
        .options(selectinload(Booking.session), selectinload(Booking.user)).order_by(Session.starts_at)))


def facilitated_sessions(user) -> list[Session]:
    since = utcnow() - timedelta(days=FEED_PAST_DAYS)
    return list(db.session.scalars(
        select(Session).where(Session.ends_at > since, Session.id.in_(
            select(SessionFacilitator.session_id).where(SessionFacilitator.user_id == user.id)))
        .order_by(Session.starts_at)))


def public_sessions(limit: int = 500) -> list[Session]:
    """Upcoming scheduled sessions open to everyone."""
    return list(db.session.scalars(
        select(Session).where(Session.status == "scheduled", Session.is_restricted.is_(False),
                              Session.ends_at > utcnow()).order_by(Session.starts_at).limit(limit)))


def api_sessions(user, limit: int = 200) -> list[SessionRow]:
    return rows(db.session.scalars(
        select(Session).where(Session.status == "scheduled", Session.ends_at > utcnow(), _visible_to(user))
        .order_by(Session.starts_at, Session.id).limit(limit)).all())


def api_session(session_id: int, user) -> SessionRow | None:
    session = db.session.get(Session, session_id)
    if session is None:
        return None
    if not is_staff(user) and session.is_restricted and not (session.unit_ids & set(unit_ancestor_ids(user))) \
            and booking_of(session.id, user.id) is None:
        return None
    confirmed, waitlisted = counts(session.id)
    return SessionRow(session, confirmed, waitlisted)
