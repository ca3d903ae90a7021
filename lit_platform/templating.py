"""Template filters and globals."""
from __future__ import annotations

import weakref
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, url_for

from .accounts.models import Role
from .core import textlimits
from .core.markdown import render_inline, render_markdown
from .quizzes.types import get_type


def local_time(value: datetime | None, fmt: str = "%-d %B %Y, %H:%M") -> str:
    """Show a UTC datetime in the installation's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["LIT_TIMEZONE"])).strftime(fmt)


_built_urls: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # app -> {link: URL}
MAX_BUILT_URLS = 4096


def built_url_for(endpoint: str, **values) -> str:
    """`url_for` in templates, each link built once per process: every page builds the same navigation and
    asset links on every request. A relative URL depends only on the app's routes, the path the app is
    mounted at and, for ".name", the current blueprint; absolute URLs are built each time."""
    if not has_request_context() or "_external" in values or "_scheme" in values:
        return url_for(endpoint, **values)
    key = (request.script_root, request.blueprint if endpoint.startswith(".") else None, endpoint,
           frozenset(values.items()))
    try:
        urls = _built_urls.setdefault(current_app._get_current_object(), {})
        url = urls.get(key)
    except TypeError:  # a value that cannot be a key (a list): build it each time
        return url_for(endpoint, **values)
    if url is None:
        url = url_for(endpoint, **values)
        if len(urls) >= MAX_BUILT_URLS:
            urls.clear()
        urls[key] = url
    return url


def init_templating(app) -> None:
    app.jinja_env.globals["url_for"] = built_url_for
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["inline_markdown"] = render_inline
    app.jinja_env.filters["iso"] = lambda value: value.isoformat() if value else ""
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["get_type"] = get_type
    app.jinja_env.globals["text_limits"] = textlimits
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def site():
        return {"site_name": current_app.config["LIT_SITE_NAME"]}
