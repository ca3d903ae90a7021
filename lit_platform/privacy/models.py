"""Requests about personal data (a copy, or erasure) and retention reviews."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.types import UTCDateTime, utcnow
from ..extensions import db

REQUEST_KINDS = {"access": "A copy of their data", "erasure": "Erasure of their data"}
REQUEST_STATUSES = ("open", "completed")
REVIEW_STATUSES = ("pending", "approved", "applied")


class PrivacyRequest(db.Model):
    """A request from a person about their data, with its statutory deadline (see dates.response_due)."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: access (a copy of their data) or erasure
    kind: Mapped[str] = mapped_column(String(10), default="access")
    #: whose data; after an erasure, the closed account
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    #: further months (1 or 2) added to the deadline, and why
    extension_months: Mapped[int] = mapped_column(Integer, default=0)
    extended_to: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    #: open or completed
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    #: erasure: the grounds recorded by the administrator who carried it out
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id])

    @property
    def deadline(self) -> date:
        return self.extended_to or self.due_on

    @property
    def kind_label(self) -> str:
        return REQUEST_KINDS.get(self.kind, self.kind)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class RetentionReview(db.Model):
    """What had passed its retention period at one moment, waiting for an administrator's approval.

    `items` maps each retention rule (retention.RULES) to the ids of the rows it found; applying the review
    acts on those ids only, and only on the ones that still qualify.
    """

    __tablename__ = "retention_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the moment the periods were counted back from
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: pending, approved or applied
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    items: Mapped[dict] = mapped_column(JSON, default=dict)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: rule -> how many rows were acted on, and how many were skipped because they no longer qualified
    applied: Mapped[dict] = mapped_column(JSON, default=dict)

    approved_by = relationship("User", foreign_keys=[approved_by_id])

    def count(self, rule: str) -> int:
        return len(self.items.get(rule, []))
