"""The reports as JSON under /api/v1/reports/<kind>, with the same filters as the pages, for BI tools."""
from __future__ import annotations

from flask import jsonify, request
from werkzeug.exceptions import Forbidden

from ..bookings.api import api_user, bp, error, token_required
from . import filters as report_filters, service
from .document import ReportDocument


def document_json(document: ReportDocument) -> dict:
    return {
        "report": document.key,
        "title": document.title,
        "generated_at": document.generated_at.isoformat(),
        "filters": dict(document.filters),
        "min_group": document.min_group,
        "small_groups": document.suppression_note,
        "sections": {section.key: {"title": section.title, "plain": section.plain, "summary": section.summary,
                                   "data": section.data}
                     for section in document.sections},
        "methods": dict(document.methods),
    }


@bp.route("/reports/<kind>")
@token_required
def report(kind):
    user = api_user()
    if kind not in service.KINDS:
        return error(404, "not_found", f"No report called {kind!r}; try one of: {', '.join(service.KINDS)}.")
    filters, errors = report_filters.parse(request.args)
    if errors:
        return error(400, "bad_filter", "; ".join(f"{name}: {message}" for name, message in errors.items()))
    try:
        scoped = service.scoped_filters(filters, user)
    except Forbidden:
        return error(403, "forbidden", "Reports are for managers; a librarian may see the sessions they "
                                       "facilitate (session=<id>).")
    document = service.build_report(kind, scoped, user)
    return jsonify(document_json(document))
