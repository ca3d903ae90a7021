"""Demo installation: schema, shipped courses and one account per role."""
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
    _add_demo_assessment_results(echo)
    db.session.commit()
    return [(role, email, password) for role, email, _name, password, _unit in DEMO_ACCOUNTS]
