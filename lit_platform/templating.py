"""Template filters and globals."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from .accounts.models import Role
from .core.markdown import render_inline, render_markdown
from .quizzes.types import get_type


def local_time(value: datetime | None, fmt: str = "%-d %B %Y, %H:%M") -> str:
    """Show a UTC datetime in the installation's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["LIT_TIMEZONE"])).strftime(fmt)


def init_templating(app) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["inline_markdown"] = render_inline
    app.jinja_env.filters["iso"] = lambda value: value.isoformat() if value else ""
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["get_type"] = get_type
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def site():
        return {"site_name": current_app.config["LIT_SITE_NAME"]}
