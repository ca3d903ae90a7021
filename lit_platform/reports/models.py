"""Tables of the reports area: only the versions of the data the reports read (no personal data)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.types import UTCDateTime, utcnow
from ..extensions import db


class DataVersion(db.Model):
    """One row per kind of data the reports read; its version changes in every transaction that changes that data."""

    __tablename__ = "data_versions"

    #: results, feedback, bookings, sessions, enrolments, content, people (reports/freshness.py)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: a random token, new on every change (a counter could repeat after a restore from backup)
    version: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
