"""Reads for the single sign-on pages."""
from __future__ import annotations

from itertools import groupby

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from ..accounts.models import User
from ..extensions import db
from .models import LinkedIdentity
from .providers import find_providers  # noqa: F401  (the "find your organisation" search)

#: the most people the administrators' list shows at once (narrow it with a search)
LIMIT = 200


def linked_people(query: str = "") -> list[tuple[User, list[LinkedIdentity]]]:
    """People with at least one linked identity, by name, each with their identities; `query` matches a name,
    an address (the account's or the provider's) or a provider name."""
    statement = (select(LinkedIdentity).join(LinkedIdentity.user).options(contains_eager(LinkedIdentity.user))
                 .order_by(func.lower(User.name), User.id, LinkedIdentity.id))
    for word in query.casefold().split():
        pattern = f"%{word}%"
        statement = statement.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern),
                                        func.lower(LinkedIdentity.email).like(pattern),
                                        LinkedIdentity.provider.like(pattern)))
    rows = db.session.scalars(statement.limit(LIMIT * 4)).all()
    people = [(user, list(links)) for user, links in groupby(rows, key=lambda row: row.user)]
    return people[:LIMIT]
