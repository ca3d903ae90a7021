"""An append-only log of security-relevant and administrative acts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, event, insert, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .core.types import UTCDateTime, utcnow
from .extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    #: remote address of the request, when there was one
    ip_address: Mapped[str | None] = mapped_column(String(45))
    #: context without secrets (never passwords or tokens)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User")


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


def record_event(
    action: str,
    actor=None,
    object_type: str | None = None,
    object_id=None,
    ip_address: str | None = None,
    **details,
) -> None:
    """Write an audit event in the current transaction (committed, or rolled back, with it)."""
    # A plain INSERT at once, with no object for the unit of work to track: many requests write one.
    if db.session.new:
        db.session.flush()  # a new actor must be in the database before the event that names it
    db.session.execute(_INSERT_EVENT, {
        "created_at": utcnow(),
        "action": action,
        "actor_id": getattr(actor, "id", actor),
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "ip_address": ip_address,
        "details": details,
    })


_INSERT_EVENT = insert(AuditEvent.__table__)


def events_about(object_type: str, object_id, limit: int = 20):
    """The newest events about one object, e.g. a user's role changes."""
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(AuditEvent.id.desc()).limit(limit)
    ).all()


def recent_events(limit: int = 100, offset: int = 0, action: str | None = None):
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query.limit(limit).offset(offset)).all()
