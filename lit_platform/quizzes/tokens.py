"""Opaque answer values: what an attempt page sends for a choice, a matching prompt or option, an
ordering item or an exercise option.

Questions store their choices with ids that follow the file (`"1"`, `"2"`, ...), and authors tend to
put the right choice first, so a page must never send those ids. Each value on an attempt page is
instead an HMAC of the response (one question in one attempt), a kind (`choice`, `item`, ...) and
the stored id, keyed with a key derived from the app's secret key. Values differ between questions,
attempts and learners, say nothing about the file or the key, and need no table: stored answers keep
the stored ids, and the server maps a posted value back by computing the values of the question's
few options. A value that matches none of them (from another attempt, or made up) is refused.

Where a quiz shuffles its choices, the options of the performance exercises (which have no stored
display order) are shown in an order derived the same way, so it is fixed for the attempt.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from functools import lru_cache

from flask import current_app

from .types import UnknownAnswer

#: bytes of the HMAC kept in a value: 72 bits, 12 URL-safe base64 characters
TOKEN_BYTES = 9


@lru_cache(maxsize=8)
def _derive(secret: bytes) -> bytes:
    return hmac.new(secret, b"lit-platform: attempt answer values", hashlib.sha256).digest()


def tokens_key() -> bytes:
    secret = current_app.secret_key
    return _derive(secret.encode() if isinstance(secret, str) else bytes(secret))


class AnswerTokens:
    """The values one response's page shows (`tokens(kind, stored_id)`), and the way back (`stored`)."""

    def __init__(self, key: bytes, response_id: int, shuffle: bool = False):
        self.key = key
        self.response_id = response_id
        self.shuffle = shuffle

    def _mac(self, purpose: str, kind: str, stored) -> bytes:
        message = f"{purpose}\x1f{self.response_id}\x1f{kind}\x1f{stored}".encode()
        return hmac.new(self.key, message, hashlib.sha256).digest()

    def __call__(self, kind: str, stored) -> str:
        return base64.urlsafe_b64encode(self._mac("value", kind, stored)[:TOKEN_BYTES]).decode()

    def stored(self, kind: str, value: str, candidates: Iterable):
        """The stored id among `candidates` whose value was posted.

        :raises UnknownAnswer: the value belongs to no option of this question in this attempt.
        """
        for candidate in candidates:
            if hmac.compare_digest(self(kind, candidate), value):
                return candidate
        raise UnknownAnswer(value)

    def order(self, kind: str, stored_ids: Iterable) -> list:
        """The options in the order to show them: shuffled for this attempt when the quiz shuffles choices."""
        stored_ids = list(stored_ids)
        if not self.shuffle:
            return stored_ids
        return sorted(stored_ids, key=lambda stored: self._mac("order", kind, stored))


def answer_tokens(response) -> AnswerTokens:
    """The tokens of one response: a Response, or a mapping with an `id` (the bank's preview uses 0)."""
    if isinstance(response, dict):
        return AnswerTokens(tokens_key(), response.get("id") or 0)
    return AnswerTokens(tokens_key(), response.id, bool(response.attempt.quiz.shuffle_choices))
