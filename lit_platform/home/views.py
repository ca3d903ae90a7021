"""The home page: a section for each role the signed-in person holds; the welcome page for visitors."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.services import visitors_may_browse
from ..core.small_groups import suppressor
from ..core.types import utcnow
from ..security import public
from .page import home_sections

bp = Blueprint("home", __name__)


@bp.app_template_global("visitors_may_browse")
def visitors_may_browse_for_menu() -> bool:
    """For the visitors' menu; an error page shown because the database failed still renders (without the link)."""
    try:
        return visitors_may_browse()
    except SQLAlchemyError:
        return False


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return render_template("home/welcome.html", may_browse=visitors_may_browse())
    now, hide, zone = utcnow(), suppressor(), current_app.config["LIT_TIMEZONE"]
    return render_template("home/index.html", today=now.astimezone(ZoneInfo(zone)).date(), small_groups=hide,
                           sections=home_sections(current_user, now, zone, hide))
