"""Managers' (and librarians') evaluation reports: on screen, and as CSV, XLSX and PDF."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import throttles
from ..extensions import db
from ..security import roles_required
from . import cache, exports, filters as report_filters, service

bp = Blueprint("reports", __name__, url_prefix="/reports")
# The page shows figures exactly as the exports write them.
bp.add_app_template_filter(exports.cell_text, "figure")
bp.add_app_template_global(exports.table_cell_text, "table_cell")
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
                           choices=service.filter_choices(current_user, filters), session_choices=service.SESSION_CHOICES, kinds=service.KINDS,
                           scoped=filters.own_sessions_of is not None)


@bp.route("/<kind>")
@staff_only
def report(kind):
    filters, errors = _filters()
    document = service.build_report(kind, filters, current_user, for_moderation=True)
    return render_template("reports/report.html", document=document, filters=filters, errors=errors,
                           choices=service.filter_choices(current_user, filters), session_choices=service.SESSION_CHOICES, kinds=service.KINDS, kind=kind,
                           scoped=filters.own_sessions_of is not None, formats=FORMATS,
                           split_kinds=service.SPLIT_KINDS)


@bp.route("/<kind>/<section>")
@staff_only
def section(kind, section):
    """One section of a report with every table, for the same people and filters as the report."""
    filters, _ = _filters()
    document = service.build_report(kind, filters, current_user, for_moderation=True)
    return render_template("reports/section.html", document=document, section=service.find_section(document, section),
                           filters=filters, kinds=service.KINDS, kind=kind)


@bp.route("/<kind>/methods")
@staff_only
def methods(kind):
    return render_template("reports/methods.html", kind=kind, kinds=service.KINDS, methods=service.methods_of(kind))


@bp.route("/<kind>/charts/<section>-<int:number>.svg")
@staff_only
def chart(kind, section, number):
    """One chart of a report as an SVG file, for the same people and filters as the page."""
    filters, _ = _filters()
    document = service.build_report(kind, filters, current_user, for_moderation=True)
    found = service.find_chart(document, section, number)
    seconds = current_app.config["LIT_REPORT_CACHE_SECONDS"]
    if request.if_none_match.contains(found.key):
        response = Response(status=304)
    else:
        response = Response(cache.chart_svg(found), mimetype="image/svg+xml")
    response.set_etag(found.key)
    response.headers["Cache-Control"] = f"private, max-age={seconds}"
    return response


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


@bp.route("/comments", methods=["POST"])
@staff_only
def moderate_comments():
    """The reaction report's moderation form: every listed comment ticked is hidden, every other one shown."""
    try:
        listed = [int(value) for value in request.form.get("listed", "").split(",") if value]
        hidden = {int(value) for value in request.form.getlist("hidden")}
    except ValueError:
        abort(400)
    if not listed or not hidden <= set(listed):
        abort(400)
    hid, shown = service.set_comments_hidden(listed, hidden, current_user)
    db.session.commit()
    changes = [f"{hid} comment{'s' if hid != 1 else ''} hidden from reports" if hid else "",
               f"{shown} comment{'s' if shown != 1 else ''} shown again" if shown else ""]
    flash("; ".join(c for c in changes if c).capitalize() + "." if hid or shown else "No comment changed.",
          "success")
    filters, _ = report_filters.parse(request.args)
    return redirect(url_for("reports.report", kind="reaction", **filters.query_args()) + "#comments")
