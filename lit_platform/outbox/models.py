"""E-mail written in the same transaction as the change that causes it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.types import UTCDateTime, utcnow
from ..extensions import db


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the user the message is about, so that it can be exported or erased with them
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: an iCalendar attachment and its METHOD (REQUEST or CANCEL)
    ics: Mapped[str | None] = mapped_column(Text)
    ics_method: Mapped[str | None] = mapped_column(String(20))
    #: a registration or reset link, encrypted (see links.py), kept only until the message is sent or given up;
    #: the text holds links.LINK_PLACEHOLDER where it goes
    secret: Mapped[str | None] = mapped_column(Text)
    #: pending, sent or failed (gave up after the maximum number of tries)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    tries: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the worker sending it now, and until when: after that another worker may take it (see services.send_pending)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
