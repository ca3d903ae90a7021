"""Absolute links for e-mail and calendars, and redirects that stay on this site."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for

#: where `lit demo` and `lit run` serve, for links made outside a request when LIT_BASE_URL is not set
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def external_url(endpoint: str, **values) -> str:
    """An absolute link to put in an e-mail or a calendar entry.

    Built on LIT_BASE_URL whenever it is set (production requires it), never on the Host header of the
    request that happens to queue the message: a forged Host would otherwise put an attacker's address
    into a password-reset link. In development without it, the request's address (or the demo's) is used.
    """
    base = (current_app.config.get("LIT_BASE_URL") or "").rstrip("/")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or DEVELOPMENT_BASE_URL)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site ("/courses/x?y#z"), else None.

    Refuses absolute and scheme-relative URLs, backslashes (browsers read "/\\\\host" as "//host"),
    control characters and anything with a scheme or a host.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(character) < 32 or ord(character) == 127 for character in target):
        return None
    if re.search(r"%(5c|[01][0-9a-f]|7f)", target, re.IGNORECASE):  # the same, percent-encoded
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
