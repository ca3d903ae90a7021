"""The load test's data: the synthetic service for the reports, then the accounts and sessions the simulated
users work with. Runs in the load test's own process, against the fresh database, before any server starts."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

#: every account made here shares this password (hashed once, at the product's standard scrypt cost)
PASSWORD = "calm orchard lantern ninety"
DOMAIN = "loadtest.example"
WORKSHOP_TITLE = "Load test workshop"
REGISTER_TITLE = "Load test register"
WORKSHOPS = 12
WORKSHOP_CAPACITY = 25
REGISTER_BOOKINGS = 24


def generate_reports_data(database_url: str, learners: int, instance: Path, log) -> None:
    """`lit demo-data`: migrations, the shipped courses and a synthetic service the learning report summarises."""
    log(f"lit demo-data --learners {learners} (migrations, courses, a synthetic service for the reports)")
    env = dict(os.environ, LIT_DATABASE_URL=database_url, LIT_ENV="development", LIT_INSTANCE_PATH=str(instance))
    subprocess.run([sys.executable, "-m", "lit_platform.cli", "demo-data", "--learners", str(learners)], env=env,
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def prepare(app, learners: int, librarians: int) -> dict:
    """Accounts and sessions for the simulated users; returns the plan the locustfile reads."""
    from sqlalchemy import insert, select

    from lit_platform.accounts.models import User, UserRole
    from lit_platform.accounts.passwords import hash_password
    from lit_platform.bookings import services
    from lit_platform.core.types import utcnow
    from lit_platform.courses.models import Course, Enrolment
    from lit_platform.extensions import db

    with app.app_context():
        password_hash = hash_password(PASSWORD)

        def accounts(prefix: str, role: str, count: int) -> list:
            users = [User(email=f"{prefix}{n:04d}@{DOMAIN}", name=f"{prefix.title()} {n:04d}",
                          password_hash=password_hash, role_rows=[UserRole(role=role)]) for n in range(1, count + 1)]
            db.session.add_all(users)
            db.session.flush()
            return users

        learner_users = accounts("learner", "learner", learners)
        librarian_users = accounts("librarian", "librarian", librarians)
        manager = accounts("manager", "manager", 1)[0]
        courses = list(db.session.scalars(select(Course).order_by(Course.slug)))
        now = utcnow()
        # Each learner has started every course and taken its pre-test, so the modules open straight away.
        db.session.execute(insert(Enrolment), [
            {"course_id": course.id, "user_id": user.id, "enrolled_at": now, "pretest_done_at": now}
            for user in learner_users for course in courses])
        course_plan = {}
        for course in courses:
            modules = course.active_modules
            course_plan[course.slug] = {"modules": [m.slug for m in modules],
                                        "quizzes": [m.quiz_id for m in modules if m.quiz_id]}

        today = (now + dt.timedelta(days=14)).date()
        workshops = []
        for n in range(1, WORKSHOPS + 1):
            session, _ = services.create_session(services.SessionData(
                title=f"{WORKSHOP_TITLE} {n:02d}", day=today + dt.timedelta(days=2 * n), start_time=dt.time(10),
                end_time=dt.time(11, 30), capacity=WORKSHOP_CAPACITY, location="Library training room 1",
                facilitator_ids=[librarian_users[0].id]), librarian_users[0])
            workshops.append(session.id)

        # One session per librarian whose register is open (it starts soon), with learners booked by hand.
        registers = []
        for n, librarian in enumerate(librarian_users):
            session, _ = services.create_session(services.SessionData(
                title=f"{REGISTER_TITLE} {n + 1:02d}", day=today, start_time=dt.time(14), end_time=dt.time(15),
                capacity=REGISTER_BOOKINGS, location="Library training room 2", facilitator_ids=[librarian.id]),
                librarian)
            session.starts_at = now + dt.timedelta(minutes=20)
            session.ends_at = now + dt.timedelta(hours=6)
            db.session.flush()
            attendees = learner_users[(n * REGISTER_BOOKINGS) % learners:][:REGISTER_BOOKINGS]
            for learner in attendees:
                services.add_booking_by_hand(session.id, learner, librarian)
            registers.append({"email": librarian.email, "session_id": session.id})
        db.session.commit()
        plan = {"password": PASSWORD, "learners": [u.email for u in learner_users], "librarians": registers,
                "manager": manager.email, "workshops": workshops, "courses": course_plan}
        db.session.remove()
        db.engine.dispose()
    return plan
