"""Search strategies a learner keeps: written in the builder or saved from an exercise."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.types import UTCDateTime, utcnow
from ..extensions import db


class SavedSearch(db.Model):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: the question the search answers (Markdown-free text)
    question: Mapped[str] = mapped_column(Text, default="")
    #: pubmed | ovid (see exercises.search_syntax.SYNTAXES)
    syntax: Mapped[str] = mapped_column(String(20))
    #: the concept plan: [{"name", "terms": [str]}]
    plan: Mapped[list] = mapped_column(JSON, default=list)
    search: Mapped[str] = mapped_column(Text, default="")
    database: Mapped[str] = mapped_column(String(200), default="")
    platform: Mapped[str] = mapped_column(String(200), default="")
    searched_on: Mapped[date | None] = mapped_column(Date)
    #: results per search line, as the learner recorded them: {"1": "1234"}
    hits: Mapped[dict] = mapped_column(JSON, default=dict)
    limits: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: the exercise answer it was saved from, if any
    source_response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
