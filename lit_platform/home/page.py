"""What the home page shows a person: the sections of each role they hold."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..accounts.models import Role
from ..core.small_groups import Suppressor
from ..reports.headline import headline_figures
from ..reports.terms import last_term
from .admin import admin_home
from .learner import learner_home
from .librarian import librarian_home


def home_sections(user, now: datetime, zone: str, hide: Suppressor) -> dict:
    """{"learner": LearnerHome, "librarian": ..., "manager": Headline, "admin": ...} for the roles `user` holds."""
    sections = {}
    if user.has_role(Role.LEARNER):
        sections["learner"] = learner_home(user.id, now)
    if user.has_role(Role.LIBRARIAN):
        sections["librarian"] = librarian_home(user.id, now, zone, hide)
    if user.has_role(Role.MANAGER):
        sections["manager"] = headline_figures(last_term(now.astimezone(ZoneInfo(zone)).date()), zone, hide, now)
    if user.has_role(Role.ADMIN):
        sections["admin"] = admin_home()
    return sections
