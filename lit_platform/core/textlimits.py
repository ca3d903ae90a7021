"""Limits on written answers, counted the same way in the browser and on the server.

A browser sends each line break in a text box as CRLF, while the page's own count (the text box's
value) sees one character: the server turns CRLF into LF before counting or storing, so a line break
is one character on both sides and text that fits on the page fits on the server.
"""
from __future__ import annotations

from wtforms.validators import ValidationError

#: characters allowed in each kind of written answer
ESSAY = 20_000
SHORT_ANSWER = 500
REASON = 2_000
NOTES = 4_000
SEARCH = 20_000
PLAN_NAME = 200
PLAN_TERM = 200
#: terms a learner may list for one concept of a search plan
PLAN_TERMS = 60


def normalise_newlines(text: str | None) -> str:
    """The text with every CRLF or lone CR as LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def text_length(text: str | None) -> int:
    """The length as the page counts it: each line break is one character."""
    return len(normalise_newlines(text))


def too_long(what: str, text: str | None, limit: int) -> str | None:
    """A message saying by how much `text` is over the limit, or None when it fits."""
    length = text_length(text)
    if length <= limit:
        return None
    over = length - limit
    return (f"{what} is {length:,} characters long; the limit is {limit:,}. "
            f"Shorten it by {over:,} character{'' if over == 1 else 's'}: nothing has been cut.")


class MaxChars:
    """A WTForms validator like Length(max=...), counting line breaks as the page does; the field macro
    reads `max_chars` to state the limit and to let the page count as the writer types."""

    def __init__(self, max_chars: int, what: str = "This text"):
        self.max_chars = max_chars
        self.what = what

    def __call__(self, form, field) -> None:
        message = too_long(self.what, field.data if isinstance(field.data, str) else "", self.max_chars)
        if message:
            raise ValidationError(message)
