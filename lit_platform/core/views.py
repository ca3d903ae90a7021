"""Small site-wide routes: the accessibility statement, health checks, the idle-timeout keepalive."""
from flask import Blueprint, jsonify, render_template

from ..security import login_required, public

bp = Blueprint("core", __name__)


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
    """Liveness: the process answers. Nothing else is checked, so a slow database never gets it restarted."""
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/readyz")
@public
def readyz():
    """Readiness: the database answers and is at the latest migration; Redis answers when one is configured."""
    from ..observability import readiness

    checks = readiness()
    ready = all(result in ("ok", "not configured") for result in checks.values())
    response = jsonify(status="ok" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
