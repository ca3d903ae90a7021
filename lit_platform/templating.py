"""Template filters and globals."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from .accounts.models import Role
from .core.markdown import render_inline, render_markdown


def local_time(value: datetime | None, fmt: str = "%-d %B %Y, %H:%M") -> str:
    """Show a UTC datetime in the installation's time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["LIT_TIMEZONE"])).strftime(fmt)


def format_figure(value, decimals: int = 2) -> str:
    """A report cell as text: numbers to a fixed number of places, a dash for nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}" if abs(value) >= 10000 else f"{value:.{decimals}f}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return str(value)


def init_templating(app) -> None:
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["inline_markdown"] = render_inline
    app.jinja_env.filters["iso"] = lambda value: value.isoformat() if value else ""
    app.jinja_env.filters["figure"] = format_figure
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def site():
        return {"site_name": current_app.config["LIT_SITE_NAME"]}
