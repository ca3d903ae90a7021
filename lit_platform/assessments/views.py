"""Taking a pre/post test (signed in or anonymous), and the course side: pre-test, post-test, results."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..core.types import utcnow
from ..courses import queries as course_queries
from ..courses.models import Course
from ..extensions import db
from ..quizzes import attempts as quiz_attempts
from ..quizzes.attempts import AttemptError
from ..quizzes.types import UnknownAnswer, get_type
from ..quizzes.views import FOREIGN_ANSWER, foreign_answer_page, live_check, submitted_values, values_of
from ..security import login_required, public
from . import queries, services
from .services import AssessmentError

bp = Blueprint("assessments", __name__)

#: the Flask session key listing the attempts this browser started anonymously
OWNED = "assessment_entries"


#: pages with a participant's own answers: an anonymous walk-in on a shared computer is not signed in, so
#: the site-wide no-store for signed-in users does not cover them
PRIVATE_ENDPOINTS = {"assessments.take", "assessments.autosave", "assessments.done", "assessments.hand_in"}


@bp.after_request
def _never_cache_answers(response):
    if request.endpoint in PRIVATE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def owned_entries() -> set[int]:
    return set(session.get(OWNED, []))


def remember_entry(entry_id: int) -> None:
    session[OWNED] = sorted(owned_entries() | {entry_id})[-20:]


def _own_entry(entry_id: int):
    """The attempt if it belongs to the signed-in user, or was started anonymously in this browser; else 404."""
    entry = queries.entry_or_404(entry_id)
    participant = entry.participant
    if participant.is_anonymous:
        if entry.id not in owned_entries():
            abort(404)
    elif not current_user.is_authenticated or participant.user_id != current_user.id:
        abort(404)
    return entry


def _owner(entry):
    """Who the quiz engine should see as the attempt's owner: the user, or None when anonymous."""
    return None if entry.participant.is_anonymous else current_user


def _save_answers(entry, form) -> dict:
    """Save every answer on the page; UnknownAnswer (nothing saved) when a value is not this attempt's."""
    errors = {}
    given = values_of(form, entry.attempt.responses)
    for response in entry.attempt.responses:
        if response.id not in given:
            continue
        try:
            quiz_attempts.save_answer(entry.attempt, response.id, given[response.id], _owner(entry))
        except AttemptError as error:
            errors[f"q{response.id}"] = str(error)
    ratings = {item.key: form.get(f"c-{item.key}", "") for item in entry.point.instrument.confidence_items}
    for key, message in services.save_confidence(entry, ratings).items():
        errors[f"c-{key}"] = message
    return errors


@bp.route("/assessments/attempts/<int:entry_id>", methods=["GET", "POST"])
@public
def take(entry_id):
    entry = _own_entry(entry_id)
    if entry.attempt.status != "in_progress":
        return redirect(url_for("assessments.done", entry_id=entry.id))
    errors = {}
    if request.method == "POST":
        try:
            errors = _save_answers(entry, request.form)
            hand_in = request.form.get("hand_in") and not errors
            if hand_in and quiz_attempts.answered_summary(entry.attempt.responses).unanswered:
                db.session.commit()
                return redirect(url_for("assessments.hand_in", entry_id=entry.id))
            if hand_in:
                services.submit(entry, _owner(entry))
        except UnknownAnswer:
            db.session.rollback()
            return foreign_answer_page()
        except (AssessmentError, AttemptError) as error:
            db.session.commit()
            flash(str(error), "error")
            return redirect(url_for("assessments.done", entry_id=entry.id))
        db.session.commit()
        if not errors:
            if entry.attempt.status != "in_progress":
                return redirect(url_for("assessments.done", entry_id=entry.id))
            check_search = request.form.get("check_search", type=int)
            if check_search:
                return redirect(url_for("assessments.take", entry_id=entry.id, _anchor=f"r{check_search}-check-status"))
            flash("Your answers are saved. Hand them in when you have finished.", "success")
            return redirect(url_for("assessments.take", entry_id=entry.id))
    return render_template("assessments/take.html", entry=entry, attempt=entry.attempt, errors=errors,
                           get_type=get_type, answers=request.form if errors else None,
                           submitted=request.form if errors else None,
                           summary=quiz_attempts.answered_summary(entry.attempt.responses))


@bp.route("/assessments/attempts/<int:entry_id>/hand-in", methods=["GET", "POST"])
@public
def hand_in(entry_id):
    """Before handing in with questions unanswered: how many, which, and the choice to go back (GET);
    hand in the saved answers as they are (POST)."""
    entry = _own_entry(entry_id)
    if entry.attempt.status != "in_progress":
        return redirect(url_for("assessments.done", entry_id=entry.id))
    if request.method == "POST":
        try:
            services.submit(entry, _owner(entry))
        except (AssessmentError, AttemptError) as error:
            flash(str(error), "error")
        db.session.commit()
        return redirect(url_for("assessments.done", entry_id=entry.id))
    return render_template("assessments/hand_in.html", entry=entry,
                           summary=quiz_attempts.answered_summary(entry.attempt.responses))


@bp.route("/assessments/attempts/<int:entry_id>/answers/<key>", methods=["POST"])
@public
def autosave(entry_id, key):
    """Save one answer (or the confidence ratings) as it is given; called by the page's script."""
    entry = _own_entry(entry_id)
    try:
        if key == "confidence":
            ratings = {item.key: request.form.get(f"c-{item.key}", "") for item in entry.point.instrument.confidence_items}
            errors = services.save_confidence(entry, ratings)
            if errors:
                return jsonify(saved=False, message=next(iter(errors.values()))), 400
            answered = bool(entry.confidence)
        else:
            response = quiz_attempts.response_of(entry.attempt, int(key) if key.isdigit() else 0)
            quiz_attempts.save_answer(entry.attempt, response.id, submitted_values(request.form, response), _owner(entry))
            answered = response.is_answered
    except UnknownAnswer:
        db.session.rollback()
        return jsonify(saved=False, message=FOREIGN_ANSWER), 400
    except (AssessmentError, AttemptError) as error:
        db.session.commit()
        return jsonify(saved=False, message=str(error)), 409
    db.session.commit()
    return jsonify(saved=True, answered=answered, **(live_check(response) if key != "confidence" else {}))


@bp.route("/assessments/attempts/<int:entry_id>/done")
@public
def done(entry_id):
    entry = _own_entry(entry_id)
    point = entry.point
    course = db.session.get(Course, point.course_id) if point.course_id else None
    if course and point.phase != "pre" and entry.attempt.status != "in_progress":
        return redirect(url_for("assessments.course_results", slug=course.slug))
    outcomes = []
    if point.session_id and point.phase == "post" and entry.attempt.status != "in_progress":
        outcomes = queries.learner_outcomes(entry.participant, queries.instrument_outcomes(point.instrument), [])
    return render_template("assessments/done.html", entry=entry, point=point, course=course, outcomes=outcomes)


# Courses -------------------------------------------------------------------------------------

def _course_point(course, phase: str):
    point = queries.course_points(course.id).get(phase)
    if point is None:
        abort(404)
    return point


@bp.route("/courses/<slug>/tests/<phase>")
@login_required
def course_test(slug, phase):
    """The page before a course test: what it is for, how long it takes, start (or skip the pre-test)."""
    course = course_queries.course_by_slug(slug)
    if phase not in ("pre", "post", "delayed"):
        abort(404)
    point = _course_point(course, phase)
    participant = queries.user_participant(current_user, course_id=course.id)
    taken = queries.phases_taken(participant)
    enrolment = course_queries.enrolment_of(course, current_user)
    return render_template("assessments/course_test.html", course=course, point=point, phase=phase, taken=taken,
                           enrolment=enrolment, now=utcnow(), unfinished=queries.in_progress_entry(participant, point),
                           instrument=point.instrument)


@bp.route("/courses/<slug>/tests/<phase>/start", methods=["POST"])
@login_required
def start_course_test(slug, phase):
    course = course_queries.course_by_slug(slug)
    point = _course_point(course, phase)
    enrolment = course_queries.enrolment_of(course, current_user)
    if phase != "pre" and (enrolment is None or enrolment.completed_at is None):
        flash("Complete the course first; the test after it shows what you have learnt.", "error")
        return redirect(url_for("courses.course", slug=slug))
    if phase == "delayed" and enrolment.follow_up_due_at > utcnow():
        flash("The follow-up test opens some weeks after you complete the course; see the date below.", "error")
        return redirect(url_for("assessments.course_test", slug=slug, phase=phase))
    try:
        entry = services.start(point, services.participant_for_user(point, current_user))
    except AssessmentError as error:
        flash(str(error), "error")
        return redirect(url_for("assessments.course_test", slug=slug, phase=phase))
    db.session.commit()
    return redirect(url_for("assessments.take", entry_id=entry.id))


@bp.route("/courses/<slug>/tests/pre/skip", methods=["POST"])
@login_required
def skip_pretest(slug):
    course = course_queries.course_by_slug(slug)
    if course.pretest != "optional":
        flash("This course asks everyone to take the short test before starting.", "error")
        return redirect(url_for("assessments.course_test", slug=slug, phase="pre"))
    services.mark_pretest_done(course.id, current_user)
    db.session.commit()
    first = course.active_modules[0]
    return redirect(url_for("courses.module", slug=slug, module_slug=first.slug))


@bp.route("/courses/<slug>/results")
@login_required
def course_results(slug):
    course = course_queries.course_by_slug(slug)
    participant = queries.user_participant(current_user, course_id=course.id)
    taken = queries.phases_taken(participant)
    if "post" not in taken:
        flash("Your results appear here after you take the test at the end of the course.", "info")
        return redirect(url_for("courses.course", slug=slug))
    outcomes = queries.learner_outcomes(participant, list(course.outcomes), list(course.active_modules))
    return render_template("assessments/course_results.html", course=course, outcomes=outcomes, taken=taken)


from . import live_views  # noqa: E402,F401  (routes for live sessions, on this blueprint)
