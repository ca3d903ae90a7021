"""Read-only selects for the outbox."""
from sqlalchemy import select

from ..extensions import db
from .models import OutboxMessage

STATUSES = ("pending", "sent", "failed")


def messages(status: str = "", page: int = 1, per_page: int = 50):
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in STATUSES:
        query = query.where(OutboxMessage.status == status)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
