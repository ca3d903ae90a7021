"""SAML sign-ins in progress: each request this site sent, answered at most once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.types import UTCDateTime, utcnow
from ..extensions import db


class SamlRequest(db.Model):
    """An AuthnRequest sent to an identity provider. The response must name it (InResponseTo) and may use it
    once, on any app server; the browser that started the sign-in then finishes it with a one-time token.
    Rows are deleted when the sign-in finishes and forgotten an hour after they were made."""

    __tablename__ = "saml_requests"

    #: the AuthnRequest's ID attribute
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    next_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: who the answer signed in, until the browser that started the sign-in finishes it
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: SHA-256 of the one-time token that finishes the sign-in
    finish_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: the identity provider's NameID and session index, for single logout
    name_id: Mapped[str | None] = mapped_column(String(255))
    name_id_format: Mapped[str | None] = mapped_column(String(255))
    session_index: Mapped[str | None] = mapped_column(String(255))
