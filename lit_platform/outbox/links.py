"""A link that works once it is in someone's mailbox (a registration or password-reset link) is a secret.

The stored text holds LINK_PLACEHOLDER; the link itself is kept encrypted beside it, with a key derived from
SECRET_KEY, only until the message is sent or given up (or the link expires first), and is put into the text
as it goes out. So the outbox page and a person's data copy show the placeholder, and a sent message keeps
nothing that opens an account.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

LINK_PLACEHOLDER = "[link hidden]"


class LinkUnusable(Exception):
    """The message cannot go out with its link; the message is given up."""


class LinkUnreadable(LinkUnusable):
    """The stored link cannot be decrypted: SECRET_KEY has changed since the message was queued."""


class LinkExpired(LinkUnusable):
    """The link stopped working before the message could be sent."""


@dataclass(frozen=True)
class SealedLink:
    url: str
    expires_at: datetime | None = None

    def check(self, now: datetime) -> str:
        if self.expires_at is not None and self.expires_at <= now:
            raise LinkExpired("The link in this message expired before it could be sent; the person needs to ask "
                              "for a new one.")
        return self.url


def _fernet(secret_key: str | bytes | None = None) -> Fernet:
    key = secret_key if secret_key is not None else current_app.config["SECRET_KEY"]
    if isinstance(key, str):
        key = key.encode("utf-8")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lit-platform outbox links").derive(key)
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(link: str, expires_at: datetime | None = None, secret_key: str | bytes | None = None) -> str:
    payload = {"url": link, "expires": expires_at.astimezone(timezone.utc).timestamp() if expires_at else None}
    return _fernet(secret_key).encrypt(json.dumps(payload).encode("utf-8")).decode("ascii")


def unseal(sealed: str, secret_key: str | bytes | None = None) -> SealedLink:
    try:
        payload = json.loads(_fernet(secret_key).decrypt(sealed.encode("ascii")))
    except (InvalidToken, ValueError) as error:
        raise LinkUnreadable("The link in this message can no longer be read (the secret key has changed); "
                             "the person needs to ask for a new one.") from error
    expires = payload.get("expires")
    return SealedLink(payload["url"], datetime.fromtimestamp(expires, timezone.utc) if expires is not None else None)


def fill_text(text: str, link: str) -> str:
    return text.replace(LINK_PLACEHOLDER, link)


def fill_html(html: str, link: str) -> str:
    return html.replace(LINK_PLACEHOLDER, escape(link))
