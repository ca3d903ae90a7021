"""From the registry's links to SQL: which rows of a table belong to one person."""
from __future__ import annotations

from sqlalchemy import and_, func, select

from ..extensions import db
from .registry import Link


def table(name: str):
    return db.metadata.tables[name]


def condition(name: str, link: Link, user_id: int, email: str):
    """The rows of table `name` that `link` ties to the person with this id and e-mail address."""
    t = table(name)
    column = t.c[link.column]
    if link.to == "user":
        return column == user_id
    if link.to == "participant":
        participants = table("assessment_participants")
        return column.in_(select(participants.c.id).where(participants.c.user_id == user_id))
    if link.to == "attempt":
        attempts = table("attempts")
        return column.in_(select(attempts.c.id).where(attempts.c.user_id == user_id))
    if link.to == "email":
        return func.lower(column) == email.strip().lower()
    if link.to == "user_object":
        return and_(t.c.object_type == "user", column == str(user_id))
    raise ValueError(f"unknown link target {link.to!r}")


def count(name: str, link: Link, user_id: int, email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(table(name))
                             .where(condition(name, link, user_id, email))) or 0
