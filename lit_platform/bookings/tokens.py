"""Secret calendar feed addresses and personal API tokens: only hashes are stored."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..audit import record_event
from ..core.types import utcnow
from ..extensions import db
from .models import ApiToken, CalendarFeed

API_TOKEN_PREFIX = "lit_"
#: last-used times are written at most this often, so polling clients do not write on every request
TOUCH_EVERY = timedelta(hours=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# Calendar feeds ------------------------------------------------------------------------------

def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def create_feed_token(user: User) -> str:
    """Make (or replace) the user's feed address; the old one stops working. Returns the new token."""
    token = secrets.token_urlsafe(32)
    feed = feed_of(user)
    if feed is None:
        db.session.add(CalendarFeed(user_id=user.id, token_hash=token_hash(token)))
    else:
        feed.token_hash = token_hash(token)
        feed.created_at = utcnow()
        feed.last_used_at = None
    db.session.flush()
    record_event("calendar_feed.created" if feed is None else "calendar_feed.replaced", user, "user", user.id)
    return token


def revoke_feed(user: User) -> bool:
    feed = feed_of(user)
    if feed is None:
        return False
    db.session.delete(feed)
    db.session.flush()
    record_event("calendar_feed.revoked", user, "user", user.id)
    return True


def feed_for_token(token: str) -> CalendarFeed | None:
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token or "")))
    if feed is None or not feed.user.is_active:
        return None
    return feed


def needs_touch(last_used_at, now) -> bool:
    return last_used_at is None or now - last_used_at >= TOUCH_EVERY


# API tokens ----------------------------------------------------------------------------------

def create_api_token(user: User, name: str, actor: User | None = None) -> tuple[ApiToken, str]:
    """A new personal token; the token itself is returned once and never stored."""
    name = (name or "").strip()[:100] or "API token"
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=token_hash(token), prefix=token[:12])
    db.session.add(row)
    db.session.flush()
    record_event("api_token.created", actor or user, "user", user.id, token_id=row.id, name=name)
    return row, token


def api_tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_api_token(token_id: int, user: User) -> ApiToken | None:
    """Revoke one of the user's own tokens (someone else's is not found)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return None
    row.revoked_at = utcnow()
    db.session.flush()
    record_event("api_token.revoked", user, "user", user.id, token_id=row.id)
    return row


def user_for_api_token(token: str) -> tuple[User, ApiToken] | None:
    if not token or not token.startswith(API_TOKEN_PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token),
                                                   ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.is_active:
        return None
    return row.user, row
