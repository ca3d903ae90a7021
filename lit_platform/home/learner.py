"""The learner's home: where to carry on, progress per course, upcoming bookings, tests waiting, certificates.

Two queries whatever the learner has done: one for their enrolments (with each course's modules and their
progress, and their counted test dates), one for their next bookings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, select

from ..assessments.models import AssessmentResult
from ..bookings.models import MODES, Booking, Session
from ..courses.models import Course, Enrolment, Module, ModuleProgress
from ..extensions import db

#: how many upcoming bookings the home page lists (Your bookings has the rest)
BOOKINGS_SHOWN = 5


@dataclass(frozen=True)
class ModuleLink:
    slug: str
    title: str


@dataclass
class CourseInProgress:
    slug: str
    title: str
    done: int
    required: int
    #: the module to carry on with; None while the pre-test comes first, or when every module is done
    next_module: ModuleLink | None
    needs_pretest: bool
    last_activity: datetime | None


@dataclass(frozen=True)
class TestWaiting:
    course_slug: str
    course_title: str
    #: pre, post or delayed (the course test's phase in its address)
    phase: str
    #: when a follow-up test became due (None for the others)
    due_since: datetime | None = None


@dataclass(frozen=True)
class Certificate:
    course_slug: str
    course_title: str
    completed_at: datetime


@dataclass(frozen=True)
class UpcomingBooking:
    booking_id: int
    session_id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    location: str
    #: confirmed or waitlisted
    status: str
    session_cancelled: bool

    @property
    def mode_label(self) -> str:
        return MODES.get(self.mode, self.mode)

    @property
    def has_calendar_entry(self) -> bool:
        """Only a confirmed place on a session still on has an entry to add (bookings.booking_calendar)."""
        return self.status == "confirmed" and not self.session_cancelled


@dataclass
class LearnerHome:
    in_progress: list[CourseInProgress] = field(default_factory=list)
    tests: list[TestWaiting] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    bookings: list[UpcomingBooking] = field(default_factory=list)
    #: more upcoming bookings than are listed
    more_bookings: bool = False


@cache
def _enrolments_query():
    """Built once: the learner's enrolments in published courses, each in-progress one with its modules."""
    in_progress = Enrolment.completed_at.is_(None)
    return (
        select(Enrolment.id, Enrolment.completed_at, Enrolment.pretest_done_at, Enrolment.last_module_id,
               Enrolment.enrolled_at, Course.slug, Course.title, Course.assessment_key, Course.pretest,
               Course.delayed_post_weeks, AssessmentResult.post_at, AssessmentResult.delayed_at,
               Module.id.label("module_id"), Module.slug.label("module_slug"), Module.title.label("module_title"),
               Module.is_required, ModuleProgress.first_viewed_at, ModuleProgress.completed_at.label("module_done_at"))
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(AssessmentResult, and_(AssessmentResult.user_id == Enrolment.user_id,
                                          AssessmentResult.course_id == Enrolment.course_id))
        .outerjoin(Module, and_(Module.course_id == Enrolment.course_id, Module.is_retired.is_(False), in_progress))
        .outerjoin(ModuleProgress, and_(ModuleProgress.module_id == Module.id,
                                        ModuleProgress.user_id == Enrolment.user_id))
        .where(Enrolment.user_id == bindparam("user_id"), Course.is_retired.is_(False))
        .order_by(Enrolment.id, Module.position)
    )


@cache
def _bookings_query():
    return (
        select(Booking.id, Booking.status, Session.id.label("session_id"), Session.title, Session.starts_at,
               Session.ends_at, Session.mode, Session.location, Session.status.label("session_status"))
        .join(Session, Session.id == Booking.session_id)
        .where(Booking.user_id == bindparam("user_id"), Booking.status.in_(("confirmed", "waitlisted")),
               Session.ends_at > bindparam("now"))
        .order_by(Session.starts_at, Session.id)
        .limit(bindparam("limit"))
    )


def asks_pretest(assessment_key: str | None, pretest: str) -> bool:
    """The rule of Course.asks_pretest, on plain values."""
    return assessment_key is not None and pretest in ("required", "optional")


def next_module(modules: list[tuple[int, str, str, bool, bool]], last_module_id: int | None) -> ModuleLink | None:
    """Where to carry on: the module last opened if it is not done yet, else the first one not done.

    `modules` are (id, slug, title, is_required, done) in the course's order.
    """
    unfinished = [m for m in modules if not m[4]]
    last = next((m for m in unfinished if m[0] == last_module_id), None)
    chosen = last or (unfinished[0] if unfinished else None)
    return ModuleLink(chosen[1], chosen[2]) if chosen else None


def waiting_tests(slug: str, title: str, assessment_key: str | None, pretest: str, delayed_post_weeks: int,
                  completed_at: datetime | None, pretest_done_at: datetime | None, post_at: datetime | None,
                  delayed_at: datetime | None, now: datetime) -> list[TestWaiting]:
    """The course's tests the learner has still to take: the pre-test before the modules, the post-test once the
    course is complete, and the follow-up test from `delayed_post_weeks` after completion."""
    if assessment_key is None:
        return []
    if completed_at is None:
        needs_pre = asks_pretest(assessment_key, pretest) and pretest_done_at is None
        return [TestWaiting(slug, title, "pre")] if needs_pre else []
    waiting = []
    if post_at is None:
        waiting.append(TestWaiting(slug, title, "post"))
    if delayed_post_weeks and delayed_at is None:
        due = completed_at + timedelta(weeks=delayed_post_weeks)
        if due <= now:
            waiting.append(TestWaiting(slug, title, "delayed", due))
    return waiting


def learner_home(user_id: int, now: datetime) -> LearnerHome:
    """Everything the learner's home shows, in two queries."""
    home = LearnerHome()
    courses: dict[int, dict] = {}
    for row in db.session.execute(_enrolments_query(), {"user_id": user_id}):
        course = courses.get(row.id)
        if course is None:
            course = courses[row.id] = {"row": row, "modules": [], "activity": None}
        if row.module_id is not None:
            course["modules"].append((row.module_id, row.module_slug, row.module_title, row.is_required,
                                      row.module_done_at is not None))
            for moment in (row.first_viewed_at, row.module_done_at):
                if moment is not None and (course["activity"] is None or moment > course["activity"]):
                    course["activity"] = moment
    for course in courses.values():
        row = course["row"]
        home.tests += waiting_tests(row.slug, row.title, row.assessment_key, row.pretest, row.delayed_post_weeks,
                                    row.completed_at, row.pretest_done_at, row.post_at, row.delayed_at, now)
        if row.completed_at is not None:
            home.certificates.append(Certificate(row.slug, row.title, row.completed_at))
            continue
        required = [m for m in course["modules"] if m[3]]
        needs_pretest = asks_pretest(row.assessment_key, row.pretest) and row.pretest_done_at is None
        home.in_progress.append(CourseInProgress(
            row.slug, row.title, sum(1 for m in required if m[4]), len(required),
            None if needs_pretest else next_module(course["modules"], row.last_module_id), needs_pretest,
            course["activity"] or row.enrolled_at))
    home.in_progress.sort(key=lambda c: c.last_activity, reverse=True)
    home.certificates.sort(key=lambda c: c.completed_at, reverse=True)
    found = db.session.execute(_bookings_query(), {"user_id": user_id, "now": now,
                                                   "limit": BOOKINGS_SHOWN + 1}).all()
    home.more_bookings = len(found) > BOOKINGS_SHOWN
    home.bookings = [UpcomingBooking(r.id, r.session_id, r.title, r.starts_at, r.ends_at, r.mode, r.location,
                                     r.status, r.session_status == "cancelled") for r in found[:BOOKINGS_SHOWN]]
    return home
