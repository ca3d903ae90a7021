"""Report documents to and from JSON that keeps every type they hold, signed so that no one else can forge one.

JSON, not pickle: reading a value back never runs code. Tuples, sets, dates, Decimals and dicts with
non-text keys are tagged (`{"$tuple": [...]}`), so a document read back is equal to the one written,
and the page, exports and API render it exactly as they render a fresh one.
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
from datetime import date, datetime
from decimal import Decimal

from .document import Chart, ChartDrawing, ReportDocument, Section, Table

CLASSES = {cls.__name__: cls for cls in (ReportDocument, Section, Table, Chart, ChartDrawing)}
FORMAT = b"lit-report-1"


class RefusedValue(ValueError):
    """A cached value that is unsigned, signed with another key, altered or unreadable."""


def to_plain(value):
    """`value` as JSON-ready values, with tags for what JSON cannot say."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {"$float": repr(float(value))}
    if isinstance(value, list):
        return [to_plain(item) for item in value]
    if isinstance(value, tuple):
        return {"$tuple": [to_plain(item) for item in value]}
    if isinstance(value, (set, frozenset)):
        return {"$set": sorted((to_plain(item) for item in value), key=repr)}
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: to_plain(item) for key, item in value.items()}
        return {"$dict": [[to_plain(key), to_plain(item)] for key, item in value.items()]}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if type(value).__name__ in CLASSES and dataclasses.is_dataclass(value):
        return {"$" + type(value).__name__: {field.name: to_plain(getattr(value, field.name))
                                             for field in dataclasses.fields(value)}}
    if hasattr(value, "item"):  # a numpy scalar
        return to_plain(value.item())
    raise TypeError(f"cannot cache a {type(value).__name__}")


def from_plain(value):
    """The values `to_plain` was given."""
    if isinstance(value, list):
        return [from_plain(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, inner), = value.items()
        if tag.startswith("$"):
            return _untag(tag[1:], inner)
    return {key: from_plain(item) for key, item in value.items()}


def _untag(tag: str, inner):
    if tag == "tuple":
        return tuple(from_plain(item) for item in inner)
    if tag == "set":
        return {from_plain(item) for item in inner}
    if tag == "dict":
        return {_hashable(from_plain(key)): from_plain(item) for key, item in inner}
    if tag == "float":
        return float(inner)
    if tag == "datetime":
        return datetime.fromisoformat(inner)
    if tag == "date":
        return date.fromisoformat(inner)
    if tag == "decimal":
        return Decimal(inner)
    if tag in CLASSES:
        return CLASSES[tag](**{name: from_plain(item) for name, item in inner.items()})
    raise RefusedValue(f"unknown tag ${tag}")


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def signing_key(secret_key: str | bytes) -> bytes:
    """The cache's own key, derived from the site's secret key."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, b"lit-platform report cache", hashlib.sha256).digest()


def seal(value, key: bytes) -> bytes:
    """`value` as signed JSON bytes."""
    payload = json.dumps(to_plain(value), separators=(",", ":"), ensure_ascii=False).encode()
    return FORMAT + b"." + hmac.new(key, payload, hashlib.sha256).hexdigest().encode() + b"." + payload


def unseal(data: bytes, key: bytes):
    """The value `seal` was given.

    :raises RefusedValue: when the value is not signed with `key`, was altered, or cannot be read.
    """
    try:
        form, signature, payload = data.split(b".", 2)
    except ValueError:
        raise RefusedValue("not a signed value") from None
    expected = hmac.new(key, payload, hashlib.sha256).hexdigest().encode()
    if form != FORMAT or not hmac.compare_digest(signature, expected):
        raise RefusedValue("the signature does not match")
    try:
        return from_plain(json.loads(payload))
    except (ValueError, TypeError) as error:
        raise RefusedValue(f"unreadable: {error}") from None
