"""Home pages and small site-wide routes."""
from flask import Blueprint, jsonify, render_template
from flask_login import current_user

from ..security import login_required, public

bp = Blueprint("core", __name__)


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return render_template("core/welcome.html")
    return render_template("core/home.html")


@bp.route("/session/keepalive", methods=["POST"])
@login_required
def keepalive():
    """The idle-timeout warning's "Stay signed in" button: the request itself counts as activity."""
    return "", 204


@bp.route("/accessibility")
@public
def accessibility():
    return render_template("core/accessibility.html")


@bp.route("/healthz")
@public
def healthz():
    return jsonify(status="ok")
