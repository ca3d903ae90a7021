"""Sign-in accounts at identity providers linked to accounts here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.types import UTCDateTime, utcnow
from ..extensions import db


class LinkedIdentity(db.Model):
    """One person's account at one provider: the provider's stable subject identifier, never the e-mail address,
    is what finds them again."""

    __tablename__ = "linked_identities"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_linked_identities_provider_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: the provider's name in LIT_OIDC_PROVIDERS
    provider: Mapped[str] = mapped_column(String(40))
    #: the provider's `sub` claim: stable and unique at that provider
    subject: Mapped[str] = mapped_column(String(255))
    #: the address the provider gave when the link was made (shown to administrators, not used to sign in)
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
