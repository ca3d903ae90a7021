"""Helpers for the home page tests: courses with modules, learners' progress, sessions, bookings, feedback."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.bookings import services as bookings
from lit_platform.bookings.models import Booking, SurveyResponse
from lit_platform.core.types import utcnow
from lit_platform.courses.models import Course, Enrolment, Module, ModuleProgress
from lit_platform.extensions import db

from ..bookings.conftest import SessionFactory, in_days


class World:
    """Builds what a home page shows, through the models and the booking services, committing as it goes."""

    def __init__(self, app, make):
        self.app = app
        self.make = make
        self.sessions = SessionFactory(app, make)

    def course(self, slug: str, modules: int = 3, **fields) -> tuple[int, list[int]]:
        """A published course with `modules` required modules; returns (course id, module ids in order)."""
        with self.app.app_context():
            course = Course(slug=slug, title=fields.pop("title", slug.replace("-", " ").capitalize()), **fields)
            db.session.add(course)
            db.session.flush()
            ids = []
            for position in range(1, modules + 1):
                module = Module(course_id=course.id, slug=f"m{position}", position=position,
                                title=f"{course.title} module {position}")
                db.session.add(module)
                db.session.flush()
                ids.append(module.id)
            db.session.commit()
            return course.id, ids

    def progress(self, user, course_id: int, module_ids: list[int], done: int = 0, opened: int | None = None,
                 completed_at: datetime | None = None, pretest_done: bool = False) -> None:
        """Enrol the learner with the first `done` modules complete and module number `opened` opened last."""
        now = utcnow()
        with self.app.app_context():
            enrolment = Enrolment(course_id=course_id, user_id=user.id, enrolled_at=now - timedelta(days=30),
                                  completed_at=completed_at, pretest_done_at=now if pretest_done else None)
            for index, module_id in enumerate(module_ids[:max(done, opened or 0)]):
                db.session.add(ModuleProgress(module_id=module_id, user_id=user.id,
                                              first_viewed_at=now - timedelta(days=20 - index),
                                              completed_at=now - timedelta(days=20 - index) if index < done else None))
            if opened:
                enrolment.last_module_id = module_ids[opened - 1]
            db.session.add(enrolment)
            db.session.commit()

    def session(self, facilitator=None, days: float = 7, **fields):
        return self.sessions(facilitator, starts_at=in_days(days), **fields)

    def book(self, session_id: int, user, when: datetime | None = None) -> int:
        """Book as the learner (`when` before a past session starts); returns the booking id."""
        with self.app.app_context():
            booking = bookings.book_session(session_id, db.session.get(User, user.id), now=when)
            db.session.commit()
            return booking.id

    def learners(self, n: int, **fields) -> list:
        return [self.make.user(password=None, **fields) for _ in range(n)]

    def feedback(self, session_id: int, learners: list, usefulness: int = 4, comment: str = "",
                 recommend: bool = True) -> None:
        """Each learner booked the (past) session and then answered its survey."""
        with self.app.app_context():
            for learner in learners:
                user = db.session.get(User, learner.id)
                bookings.book_session(session_id, user, now=in_days(-30))
                db.session.add(SurveyResponse(session_id=session_id, user_id=user.id, usefulness=usefulness,
                                              confidence=4, would_recommend=recommend, comment=comment))
            db.session.commit()

    def mark_all(self, session_id: int, actor, attendance: str = "attended") -> None:
        with self.app.app_context():
            ids = db.session.scalars(select(Booking.id).where(Booking.session_id == session_id,
                                                              Booking.status == "confirmed")).all()
            bookings.mark_attendance(session_id, {i: attendance for i in ids}, db.session.get(User, actor.id))
            db.session.commit()


@pytest.fixture
def world(app, make):
    return World(app, make)


def page(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)
