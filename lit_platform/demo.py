"""Demo installation: schema, shipped courses and one account per role."""
from __future__ import annotations

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
    return [(role, email, password) for role, email, _name, password, _unit in DEMO_ACCOUNTS]
