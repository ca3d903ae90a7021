"""Managers' (and librarians') evaluation reports: on screen, and as CSV, XLSX and PDF."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import throttles
from ..extensions import db
from ..security import roles_required
from . import exports, filters as report_filters, service

bp = Blueprint("reports", __name__, url_prefix="/reports")
# The page shows figures exactly as the exports write them.
bp.add_app_template_filter(exports.cell_text, "figure")
staff_only = roles_required("librarian", "manager", "admin")
FORMATS = {"csv": exports.csv_response, "xlsx": exports.xlsx_response, "pdf": exports.pdf_response}


def _filters():
    filters, errors = report_filters.parse(request.args)
    return service.scoped_filters(filters, current_user), errors


@bp.route("")
@staff_only
def dashboard():
    filters, errors = _filters()
    documents = [service.build_report(kind, filters, current_user) for kind in service.KINDS]
    return render_template("reports/dashboard.html", documents=documents, filters=filters, errors=errors,
                           choices=service.filter_choices(current_user), kinds=service.KINDS,
                           scoped=filters.own_sessions_of is not None)


@bp.route("/<kind>")
@staff_only
def report(kind):
    filters, errors = _filters()
    document = service.build_report(kind, filters, current_user, for_moderation=True)
    return render_template("reports/report.html", document=document, filters=filters, errors=errors,
                           choices=service.filter_choices(current_user), kinds=service.KINDS, kind=kind,
                           scoped=filters.own_sessions_of is not None, formats=FORMATS)


@bp.route("/<kind>.<fmt>")
@throttles.export
@staff_only
def export(kind, fmt):
    if fmt not in FORMATS:
        abort(404)
    filters, _ = _filters()
    document = service.build_report(kind, filters, current_user)
    stamp = document.generated_at.strftime("%Y%m%d")
    return FORMATS[fmt](document, f"{kind}-report-{stamp}.{fmt}")


@bp.route("/comments/<int:response_id>/<action>", methods=["POST"])
@staff_only
def moderate_comment(response_id, action):
    if action not in ("hide", "show"):
        abort(404)
    service.set_comment_hidden(response_id, action == "hide", current_user)
    db.session.commit()
    flash("Comment hidden from reports." if action == "hide" else "Comment shown in reports again.", "success")
    filters, _ = report_filters.parse(request.args)
    return redirect(url_for("reports.report", kind="reaction", **filters.query_args()) + "#comments")
