"""Test data factories: make.user(...), make.unit(...). Each commits within the test transaction."""
from __future__ import annotations

import itertools

from lit_platform.accounts import services as accounts
from lit_platform.extensions import db

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


class Factories:
    def __init__(self, app):
        self.app = app

    def user(self, email: str | None = None, name: str | None = None, roles=("learner",), password=PASSWORD,
             org_unit=None, active: bool = True):
        n = next(_sequence)
        with self.app.app_context():
            unit = accounts.find_or_create_unit_path(org_unit) if isinstance(org_unit, str) else org_unit
            user = accounts.create_user(email or f"person{n}@example.org", name or f"Person {n}", password,
                                        list(roles), unit)
            user.is_active = active
            db.session.commit()
            return _detached(user, lambda u: (u.roles, u.org_unit and u.org_unit.path))

    def unit(self, path: str):
        with self.app.app_context():
            unit = accounts.find_or_create_unit_path(path)
            db.session.commit()
            return _detached(unit, lambda u: u.path)


def _detached(obj, touch):
    """Reload `obj`, load what tests read from it, and detach it from the session."""
    db.session.refresh(obj)
    touch(obj)
    db.session.expunge_all()
    return obj
