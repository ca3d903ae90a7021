"""The search builder: strategies a learner keeps, checks, translates and downloads as an appendix."""
from __future__ import annotations

import re

from flask import Blueprint, Response as FlaskResponse, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Role
from ..extensions import db
from ..quizzes.models import Response
from ..quizzes.types import get_type
from ..security import login_required
from . import search_review, services
from .forms import SavedSearchForm
from .models import SavedSearch

bp = Blueprint("exercises", __name__)
#: the spec a saved search is checked against: the learner's own plan, no model answer
BUILDER_SPEC = {"concepts": [], "checks_before_submit": "all"}


def _own_search(search_id: int) -> SavedSearch:
    saved = db.session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != current_user.id:
        abort(404)
    return saved


def _check(saved: SavedSearch):
    return search_review.review(BUILDER_SPEC, {"syntax": saved.syntax, "plan": saved.plan, "search": saved.search},
                                stage="check")


def _text_download(text: str, title: str) -> FlaskResponse:
    name = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "search"
    return FlaskResponse(text, mimetype="text/plain; charset=utf-8",
                         headers={"Content-Disposition": f'attachment; filename="{name}-appendix.txt"'})


@bp.route("/searches")
@login_required
def index():
    searches = db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == current_user.id)
                                  .order_by(SavedSearch.updated_at.desc(), SavedSearch.id.desc())).all()
    return render_template("exercises/index.html", searches=searches)


@bp.route("/searches/new", methods=["GET", "POST"])
@login_required
def new():
    form = SavedSearchForm()
    if form.validate_on_submit():
        saved = services.fill_from_form(SavedSearch(user_id=current_user.id), form)
        db.session.add(saved)
        db.session.commit()
        flash("Search saved. The checks below are for the saved version.", "success")
        return redirect(url_for("exercises.edit", search_id=saved.id, _anchor="checks"))
    return render_template("exercises/edit.html", form=form, saved=None, review=None)


@bp.route("/searches/<int:search_id>", methods=["GET", "POST"])
@login_required
def edit(search_id):
    saved = _own_search(search_id)
    form = SavedSearchForm()
    if form.validate_on_submit():
        services.fill_from_form(saved, form)
        db.session.commit()
        flash("Search saved. The checks below are for the saved version.", "success")
        return redirect(url_for("exercises.edit", search_id=saved.id, _anchor="checks"))
    if not form.is_submitted():
        services.fill_form(form, saved)
    review = _check(saved)
    return render_template("exercises/edit.html", form=form, saved=saved, review=review,
                           qtype=get_type("search_strategy"))


@bp.route("/searches/<int:search_id>/appendix.txt")
@login_required
def appendix(search_id):
    saved = _own_search(search_id)
    text = search_review.appendix(
        saved.title, saved.syntax, saved.search, [(row.get("name", ""), row.get("terms") or []) for row in saved.plan or []],
        question=saved.question, database=saved.database, platform=saved.platform, searched_on=saved.searched_on,
        hits={int(n): v for n, v in (saved.hits or {}).items()}, limits=saved.limits, notes=saved.notes,
        findings=_check(saved).findings)
    return _text_download(text, saved.title)


@bp.route("/searches/<int:search_id>/delete", methods=["POST"])
@login_required
def delete(search_id):
    saved = _own_search(search_id)
    db.session.delete(saved)
    db.session.commit()
    flash(f"“{saved.title}” deleted.", "success")
    return redirect(url_for("exercises.index"))


def _search_response(response_id: int, staff_may: bool) -> Response:
    """A submitted answer to a search exercise: the learner's own, or any for staff when `staff_may`."""
    response = db.session.get(Response, response_id)
    if response is None or response.version.type != "search_strategy" or response.attempt.status != "submitted":
        abort(404)
    mine = response.attempt.user_id is not None and response.attempt.user_id == current_user.id
    if not mine and not (staff_may and current_user.has_role(Role.LIBRARIAN, Role.ADMIN)):
        abort(404)
    return response


@bp.route("/responses/<int:response_id>/search-appendix.txt")
@login_required
def response_appendix(response_id):
    response = _search_response(response_id, staff_may=True)
    answer = response.answer or {}
    syntax = answer.get("syntax") if answer.get("syntax") in search_review.SYNTAXES else "pubmed"
    title = response.version.title or response.attempt.quiz.title
    # The checks the review page showed: all of them where its feedback is shown, else the syntax alone.
    feedback_shown = response.attempt.quiz.review_feedback or response.attempt.user_id != current_user.id
    findings = search_review.review(response.version.spec, answer).findings if feedback_shown else None
    text = search_review.appendix(
        title, syntax, answer.get("search") or "", search_review.learner_plan(answer),
        question=response.version.stem, searched_on=response.attempt.submitted_at.date(), findings=findings)
    return _text_download(text, title)


@bp.route("/responses/<int:response_id>/save-search", methods=["POST"])
@login_required
def save_response(response_id):
    response = _search_response(response_id, staff_may=False)
    saved = services.save_from_response(response, current_user)
    db.session.commit()
    flash("Saved to your searches: refine it, record your results and download it as an appendix.", "success")
    return redirect(url_for("exercises.edit", search_id=saved.id))
