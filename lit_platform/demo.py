"""Demo installation: schema, shipped courses, one account per role, and a term of a small library service."""
from __future__ import annotations

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from .accounts.models import User
from .accounts.services import create_user, find_or_create_unit_path
from .extensions import db

DEMO_ACCOUNTS = [
    ("learner", "learner@example.org", "Lee Learner", "bright meadow lantern", "Faculty of Health / Nursing"),
    ("librarian", "librarian@example.org", "Lin Librarian", "quiet harbour atlas", "Library / Teaching team"),
    ("manager", "manager@example.org", "Morgan Manager", "steady river compass", "Library"),
    ("admin", "admin@example.org", "Ade Admin", "amber signal keeper", "Library"),
]
#: the synthetic service behind the demo's reports: its accounts' domain, size and shape
SERVICE_DOMAIN = "demo-service.invalid"
SERVICE_LEARNERS = 300
SERVICE_SESSIONS = 24
#: sessions start from about a term (16 weeks) ago to three weeks ahead
SERVICE_SESSION_DAYS = (112, 21)
SERVICE_SEED = 2026


def import_shipped_courses(echo=print) -> None:
    """Import every valid course in the courses folder; report the others without stopping."""
    from flask import current_app

    from .courses.importer import import_course
    from .courses.loader import read_courses

    path = Path(current_app.config["LIT_COURSES_PATH"])
    if not path.is_dir():
        return
    for folder, course, problems in read_courses(path):
        if problems:
            echo(f"Course {folder.name} has {len(problems)} problem(s) and was not imported "
                 f"(see: lit courses validate {folder}).")
            continue
        echo(import_course(course).summary())
        db.session.commit()


def _add_demo_assessment_results(echo) -> None:
    from .assessments.demo import add_demo_course_results, add_demo_session_results
    from .assessments.models import AssessmentPoint
    from .bookings.demo import MARKER
    from .bookings.models import Session

    add_demo_course_results(echo)
    workshop = db.session.scalar(select(Session).where(Session.title == MARKER))
    if workshop is not None and db.session.scalar(
            select(AssessmentPoint.id).where(AssessmentPoint.session_id == workshop.id)) is None:
        add_demo_session_results(workshop, echo)
    from .assessments.results import rebuild_all

    rebuild_all()


def _add_demo_service(echo) -> None:
    """A term of a small library service (learners, sessions, tests and feedback), so every report has figures."""
    from .accounts.services import find_user_by_email
    from .core.types import utcnow
    from .reports import demo_data

    if demo_data.synthetic_data_present(SERVICE_DOMAIN):
        return
    librarian = find_user_by_email("librarian@example.org")
    try:
        summary = demo_data.generate(SERVICE_LEARNERS, SERVICE_SEED, utcnow().date(), domain=SERVICE_DOMAIN,
                                     sessions=SERVICE_SESSIONS, session_days=SERVICE_SESSION_DAYS,
                                     facilitator_ids=(librarian.id,) if librarian else ())
    except ValueError as error:  # no course with a pre/post test to build on
        echo(f"No demo library service added: {error}")
        return
    echo(f"Added a demo library service: {summary.learners} learners, {summary.sessions} sessions, "
         f"{summary.assessment_attempts} pre/post tests, {summary.survey_responses} feedback responses")


def _add_demo_privacy_request(echo) -> None:
    """One request for a copy of someone's data, waiting on the administrator's home with its deadline."""
    from datetime import date, timedelta

    from .accounts.services import find_user_by_email
    from .privacy.models import PrivacyRequest
    from .privacy.requests import log_request

    person, admin = find_user_by_email("sam.patel@example.org"), find_user_by_email("admin@example.org")
    if person is None or admin is None or db.session.scalar(select(PrivacyRequest.id).limit(1)) is not None:
        return
    today = date.today()
    log_request("access", person, today - timedelta(days=9), admin, today)
    echo("Logged a demo request for a copy of a learner's data")


def set_up_demo(echo=print) -> list[tuple[str, str, str]]:
    """Bring the database to the latest schema and add demo content that is not there yet."""
    echo("Applying database migrations ...")
    upgrade()
    for role, email, name, password, unit_path in DEMO_ACCOUNTS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            unit = find_or_create_unit_path(unit_path)
            create_user(email, name, password, [role], unit)
            echo(f"Created demo {role} {email}")
    db.session.commit()
    import_shipped_courses(echo)
    from .bookings.demo import add_demo_sessions

    add_demo_sessions(echo)
    db.session.commit()
    from .courses.demo import add_demo_learning

    add_demo_learning(echo)
    _add_demo_privacy_request(echo)
    db.session.commit()
    _add_demo_assessment_results(echo)
    db.session.commit()
    _add_demo_service(echo)
    return [(role, email, password) for role, email, _name, password, _unit in DEMO_ACCOUNTS]
