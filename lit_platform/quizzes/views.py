"""Taking quizzes: start, answer page by page (saved as you go), review, submit, see feedback."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..core.database import start_write_transaction
from ..core.types import utcnow
from ..core.urls import safe_next
from ..extensions import db
from ..security import login_required
from . import attempts, queries
from .attempts import AttemptError
from .autosave import live_checks, save_own_answer
from .tokens import answer_tokens
from .types import UnknownAnswer, get_type

bp = Blueprint("quizzes", __name__)
bp.add_app_template_global(answer_tokens, "answer_tokens")

#: why a page's answers were refused when a value is not one of this attempt's (see tokens.py)
FOREIGN_ANSWER = ("An answer sent with this page does not belong to this attempt, so nothing was saved. "
                  "Reload the page and answer again.")


def submitted_values(form, response):
    """The form values that belong to one question of the attempt, with stored ids for the page's opaque values.

    :raises UnknownAnswer: a value that is not one of this question's in this attempt.
    """
    version = response.version
    return get_type(version.type).values_from_form(form, f"r{response.id}", version.spec, answer_tokens(response))


def values_of(form, responses) -> dict:
    """{response id: submitted values} for the responses that take an answer (UnknownAnswer as above)."""
    return {response.id: submitted_values(form, response) for response in responses
            if get_type(response.version.type).takes_response}


def foreign_answer_page():
    return render_template("errors/error.html", status=400, title="Answers not saved", message=FOREIGN_ANSWER), 400


@bp.route("/quizzes")
@login_required
def index():
    return render_template("quizzes/index.html", rows=queries.published_quizzes_with_progress(current_user))


@bp.route("/quizzes/<int:quiz_id>")
@login_required
def quiz(quiz_id):
    quiz = queries.quiz_for_user(quiz_id, current_user)
    back = safe_next(request.args.get("return_to"))
    if back:
        session["quiz_return"] = {**session.get("quiz_return", {}), str(quiz.id): back}
    open_attempt = attempts.in_progress_attempt(quiz, current_user)
    if open_attempt is not None:
        _finish_if_overdue(open_attempt)
        open_attempt = open_attempt if open_attempt.status == "in_progress" else None
    return render_template("quizzes/quiz.html", quiz=quiz, attempts=queries.attempts_of(quiz, current_user),
                           unavailable=attempts.quiz_availability(quiz, utcnow()), open_attempt=open_attempt)


@bp.route("/quizzes/<int:quiz_id>/attempts", methods=["POST"])
@login_required
def start(quiz_id):
    quiz = queries.quiz_for_user(quiz_id, current_user)
    try:
        attempt = attempts.start_attempt(quiz, current_user)
    except AttemptError as error:
        db.session.commit()
        flash(str(error), "error")
        return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    db.session.commit()
    return redirect(url_for("quizzes.attempt_page", attempt_id=attempt.id, page=1))


def _finish_if_overdue(attempt) -> None:
    """Submit an attempt whose time ran out (a GET that writes only when time is up)."""
    if attempt.status == "in_progress" and attempts.is_overdue(attempt, utcnow()):
        start_write_transaction()
        if attempts.finish_if_overdue(attempt, utcnow()):
            db.session.commit()


def _finished_redirect(attempt):
    flash("Time ran out, so your attempt was submitted with every answer you had saved." if attempt.submitted_at
          else "This attempt has been submitted.", "info")
    return redirect(url_for("quizzes.review", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/page/<int:page>", methods=["GET", "POST"])
@login_required
def attempt_page(attempt_id, page):
    attempt = queries.own_attempt(attempt_id, current_user)
    _finish_if_overdue(attempt)
    if attempt.status != "in_progress":
        return _finished_redirect(attempt)
    if not 1 <= page <= attempt.page_count:
        abort(404)
    on_page = [r for r in attempt.responses if r.page == page]
    errors = {}
    if request.method == "POST":
        try:
            given = values_of(request.form, [r for r in on_page if not r.is_checked])
        except UnknownAnswer:
            return foreign_answer_page()
        flagged = {int(v) for v in request.form.getlist("flag") if v.isdigit()}
        for response in on_page:
            try:
                if response.id in given:
                    attempts.save_answer(attempt, response.id, given[response.id], current_user)
                attempts.set_flag(attempt, response.id, response.id in flagged, current_user)
            except AttemptError as error:
                errors[response.id] = str(error)
        check = request.form.get("check", type=int)
        if check and not errors:
            try:
                attempts.check_answer(attempt, check, current_user)
            except AttemptError as error:
                errors[check] = str(error)
        db.session.commit()
        if attempt.status != "in_progress":
            return _finished_redirect(attempt)
        if not errors:
            go = request.form.get("go", "")
            if go == "summary":
                return redirect(url_for("quizzes.summary", attempt_id=attempt.id))
            if go.isdigit() and 1 <= int(go) <= attempt.page_count:
                return redirect(url_for("quizzes.attempt_page", attempt_id=attempt.id, page=int(go)))
            check_search = request.form.get("check_search", type=int)
            anchor = f"q{check}" if check else (f"r{check_search}-check-status" if check_search else None)
            return redirect(url_for("quizzes.attempt_page", attempt_id=attempt.id, page=page, _anchor=anchor))
    return render_template("quizzes/attempt.html", attempt=attempt, page=page, responses=on_page, errors=errors,
                           get_type=get_type, submitted=request.form if errors else None)


@bp.route("/attempts/<int:attempt_id>/responses/<int:response_id>", methods=["POST"])
@login_required
def autosave(attempt_id, response_id):
    """Save one answer as the learner gives it (called by the page's script)."""
    now = utcnow()
    try:
        saved = save_own_answer(attempt_id, response_id, request.form, current_user, now)
    except UnknownAnswer:
        db.session.rollback()
        return jsonify(saved=False, message=FOREIGN_ANSWER), 400
    except AttemptError as error:
        db.session.commit()
        return jsonify(saved=False, message=str(error)), 409
    if saved is not None:
        db.session.commit()
        return jsonify(saved=True, answered=saved.answer is not None, saved_at=now.isoformat(),
                       **live_checks.get(saved.type, saved.spec, saved.answer))
    attempt = queries.own_attempt(attempt_id, current_user)
    try:
        response = attempts.response_of(attempt, response_id)
        attempts.save_answer(attempt, response_id, submitted_values(request.form, response), current_user)
        if "flag" in request.form:
            attempts.set_flag(attempt, response_id, request.form["flag"] == "1", current_user)
    except UnknownAnswer:
        db.session.rollback()
        return jsonify(saved=False, message=FOREIGN_ANSWER), 400
    except AttemptError as error:
        db.session.commit()
        return jsonify(saved=False, message=str(error)), 409
    db.session.commit()
    return jsonify(saved=True, answered=response.is_answered, saved_at=utcnow().isoformat(), **live_check(response))


def live_check(response) -> dict:
    """For types that check an answer as it is written: the checks on the saved answer, as HTML and one sentence."""
    return live_checks.get(response.version.type, response.version.spec, response.answer)


@bp.route("/attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id):
    attempt = queries.own_attempt(attempt_id, current_user)
    _finish_if_overdue(attempt)
    if attempt.status != "in_progress":
        return _finished_redirect(attempt)
    return render_template("quizzes/summary.html", attempt=attempt, get_type=get_type,
                           summary=attempts.answered_summary(attempt.responses))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit(attempt_id):
    try:
        attempts.submit_own_attempt(attempt_id, current_user)
    except attempts.NotYourAttempt:
        abort(404)
    except AttemptError as error:
        flash(str(error), "error")
    db.session.commit()
    return redirect(url_for("quizzes.review", attempt_id=attempt_id))


@bp.route("/attempts/<int:attempt_id>/review")
@login_required
def review(attempt_id):
    attempt = queries.own_attempt(attempt_id, current_user)
    if attempt.status == "in_progress":
        return redirect(url_for("quizzes.attempt_page", attempt_id=attempt.id, page=1))
    return render_template("quizzes/review.html", attempt=attempt, get_type=get_type, staff_view=False,
                           return_to=safe_next(session.get("quiz_return", {}).get(str(attempt.quiz_id))),
                           appendix_url=lambda response: url_for("exercises.response_appendix", response_id=response.id),
                           save_search_url=lambda response: url_for("exercises.save_response", response_id=response.id))
