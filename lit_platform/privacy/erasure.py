"""Erasing a person: every registered link deleted, detached or kept as the registry says.

What stays is anonymous: the account row becomes a tombstone (no name, no e-mail address, no password,
no roles, closed, every sign-in ended), attempts, results, participants, bookings and enrolments lose
their link to it (so the pseudonym and every report figure stay the same), and protected records (the
audit log, the record of requests) refer only to the tombstone's number.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update

from ..accounts.models import Role, User, UserRole
from ..audit import record_event
from ..bookings.models import Booking, Session
from ..bookings.services import lock_session, promote_waitlist
from ..core.types import utcnow
from ..extensions import db
from . import links
from .registry import DELETE, DETACH, KEEP, TOMBSTONE, declarations

ERASED_NAME = "Erased account"
ERASED_DOMAIN = "erased.invalid"

ACTION_WORDS = {DELETE: "deleted", DETACH: "kept without the link to the person", KEEP: "kept",
                TOMBSTONE: "replaced by a closed account with no name or e-mail address"}


class ErasureError(ValueError):
    """An erasure that may not go ahead, with a message fit to show."""


def is_erased(user) -> bool:
    return user.email.endswith("@" + ERASED_DOMAIN)


@dataclass(frozen=True)
class PlannedStep:
    table: str
    title: str
    relation: str
    action: str
    rows: int
    protected: str

    @property
    def action_words(self) -> str:
        return ACTION_WORDS[self.action]


def plan(user, config) -> list[PlannedStep]:
    """What erasing `user` would do, link by link, with row counts (for the confirmation page)."""
    steps = []
    for declaration in declarations(config):
        for link in declaration.links:
            rows = links.count(declaration.table, link, user.id, user.email)
            if rows:
                steps.append(PlannedStep(declaration.table, declaration.title, link.label, link.erase, rows,
                                         declaration.protected if link.erase == KEEP else ""))
    return steps


def check_erasable(user: User, actor: User | None) -> None:
    if is_erased(user):
        raise ErasureError("This account has already been erased.")
    if actor is not None and actor.id == user.id:
        raise ErasureError("You cannot erase your own account; ask another administrator.")
    if Role.ADMIN.value in user.roles:
        others = db.session.scalar(
            select(func.count()).select_from(UserRole).join(User, User.id == UserRole.user_id)
            .where(UserRole.role == Role.ADMIN.value, User.is_active.is_(True), User.id != user.id))
        if not others:
            raise ErasureError("This is the only active administrator; give someone else the administrator role "
                               "first.")


def erase_user(user: User, actor: User | None, config, request_id: int | None = None,
               review_id: int | None = None, now: datetime | None = None) -> dict[str, int]:
    """Erase the person's identity from every registered table; returns rows changed per table.

    Places they held on sessions still to come are cancelled and go to the people waiting longest, as when
    anyone cancels.
    The audit event says which account was erased and how many rows changed, never who the person was.
    """
    check_erasable(user, actor)
    now = now or utcnow()
    db.session.flush()
    user_id, email = user.id, user.email
    upcoming = sorted(set(db.session.scalars(
        select(Booking.session_id).join(Session, Session.id == Booking.session_id)
        .where(Booking.user_id == user_id, Booking.status.in_(("confirmed", "waitlisted")),
               Session.starts_at > now))))
    for session_id in upcoming:
        lock_session(session_id)
    # Places (and places in the queue) on sessions still to come are cancelled, as if the person had
    # cancelled them; their bookings then stay, detached, like those of sessions already held.
    db.session.execute(update(Booking).where(
        Booking.user_id == user_id, Booking.session_id.in_(upcoming), Booking.status.in_(("confirmed", "waitlisted"))
    ).values(status="cancelled", cancelled_at=now).execution_options(synchronize_session=False))
    changed: dict[str, int] = {}
    for declaration in declarations(config):
        t = links.table(declaration.table)
        for link in declaration.links:
            if link.erase in (KEEP, TOMBSTONE):
                continue
            where = links.condition(declaration.table, link, user_id, email)
            if link.erase == DELETE:
                result = db.session.execute(delete(t).where(where))
            else:
                assert link.erase == DETACH, link
                result = db.session.execute(update(t).where(where).values({link.column: None, **dict(link.clear)}))
            if result.rowcount:
                changed[declaration.table] = changed.get(declaration.table, 0) + result.rowcount
    db.session.execute(update(User.__table__).where(User.__table__.c.id == user_id).values(
        name=ERASED_NAME, email=f"erased-{secrets.token_hex(8)}@{ERASED_DOMAIN}", password_hash=None,
        org_unit_id=None, is_active=False, last_login_at=None, password_changed_at=None,
        session_version=User.__table__.c.session_version + 1))
    db.session.expire_all()
    for session_id in upcoming:
        promote_waitlist(lock_session(session_id), now)
    record_event("user.erased", actor, "user", user_id, request_id=request_id, review_id=review_id,
                 rows=changed)
    return changed

