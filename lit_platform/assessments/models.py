"""Pre/post instruments, the points where they are taken, and who took them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.types import UTCDateTime, utcnow
from ..extensions import db


class Instrument(db.Model):
    """A set of items (bank questions) plus confidence statements, used before and after teaching."""

    __tablename__ = "instruments"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    #: the course whose files define it, if any
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[InstrumentItem]] = relationship(order_by="InstrumentItem.position",
                                                       cascade="all, delete-orphan")
    confidence_items: Mapped[list[ConfidenceItem]] = relationship(order_by="ConfidenceItem.position",
                                                                  cascade="all, delete-orphan")

    @property
    def has_forms(self) -> bool:
        return any(item.form for item in self.items)


class InstrumentItem(db.Model):
    __tablename__ = "instrument_items"
    __table_args__ = (UniqueConstraint("instrument_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer)
    #: A or B for an item of one parallel form only; None for items in both forms
    form: Mapped[str | None] = mapped_column(String(1))

    question = relationship("Question")


class ConfidenceItem(db.Model):
    """A self-rating from 1 (not at all confident) to 5 (very confident), tied to an outcome."""

    __tablename__ = "confidence_items"
    __table_args__ = (UniqueConstraint("instrument_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(40))
    statement: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
