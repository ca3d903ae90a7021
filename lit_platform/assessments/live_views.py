"""Pre/post tests in live sessions: the librarian's page (open, close, join code, results), joining by
code on a phone, and the librarian's summary of a course. Routes on the assessments blueprint."""
from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup

from .. import throttles
from ..accounts.models import Role
from ..bookings import queries as booking_queries
from ..bookings.models import Session
from ..bookings.qr import qr_svg
from ..core.exports import csv_response
from ..core.small_groups import suppressor
from ..courses import queries as course_queries
from ..extensions import db, limiter
from ..security import login_required, public, roles_required
from . import live_queries, queries, services
from .forms import NO_OPEN_TEST, AnonymousCodeForm, InstrumentForm, JoinForm
from .models import Instrument
from .services import AssessmentError
from .views import bp, owned_entries, remember_entry

staff_only = roles_required(Role.LIBRARIAN, Role.MANAGER, Role.ADMIN)
PHASE_NAMES = {"pre": "pre-test", "post": "post-test"}


def _join_limit():
    return current_app.config["LIT_JOIN_RATE_LIMIT"]


def _may_see_names() -> bool:
    return booking_queries.manages_all(current_user)


# The librarian's page for one session --------------------------------------------------------

def _instrument_form(session, points) -> InstrumentForm:
    form = InstrumentForm()
    form.instrument.choices = [(0, "Choose a test")] + [(i.id, i.title) for i in live_queries.instruments()]
    if not form.is_submitted():
        current = next(iter(points.values())).instrument_id if points else None
        default = live_queries.default_instrument(session)
        form.instrument.data = current or (default.id if default else 0)
    return form


def _join_urls(point) -> tuple[str, str]:
    """The short address people type the code into, and the full address with the code (for the QR code)."""
    return (url_for("assessments.join", _external=True),
            url_for("assessments.join_point", code=point.join_code, _external=True))


@bp.route("/assessments/sessions/<int:session_id>")
@staff_only
def session_tests(session_id):
    session = booking_queries.session_for_staff(session_id, current_user)
    points = queries.session_points(session.id)
    counts = live_queries.point_counts(points)
    open_point = next((p for p in points.values() if p.is_open), None)
    join_url = point_url = qr = None
    if open_point:
        join_url, point_url = _join_urls(open_point)
        qr = Markup(qr_svg(point_url, f"QR code for joining the {PHASE_NAMES[open_point.phase]}"))
    instrument = next(iter(points.values())).instrument if points else None
    results = queries.context_results(session_id=session.id) if points else None
    with_names = _may_see_names()
    hide = suppressor()
    return render_template(
        "assessments/session_tests.html", session=session, points=points, counts=counts, open_point=open_point,
        join_url=join_url, point_url=point_url, qr=qr, instrument=instrument,
        form=_instrument_form(session, points), answered=any(c.started for c in counts.values()),
        phase_names=PHASE_NAMES, results=results, with_names=with_names,
        rows=live_queries.participant_rows(results, with_names) if results else [],
        outcome_texts=live_queries.outcome_texts(instrument), small_groups=hide,
        shown_phases=queries.phases_to_show(results, hide) if results else set(),
        csv_url=url_for("assessments.session_pairs_csv", session_id=session.id))


@bp.route("/assessments/sessions/<int:session_id>/instrument", methods=["POST"])
@staff_only
def choose_instrument(session_id):
    session = booking_queries.session_for_staff(session_id, current_user)
    form = _instrument_form(session, queries.session_points(session.id))
    if not form.validate_on_submit() or not form.instrument.data:
        flash("Choose a test.", "error")
        return redirect(url_for("assessments.session_tests", session_id=session.id))
    instrument = db.session.get(Instrument, form.instrument.data)
    if instrument is None:
        abort(404)
    try:
        services.ensure_session_points(session, instrument)
    except AssessmentError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"The pre-test and post-test use “{instrument.title}”. Open the pre-test when the session starts.",
              "success")
    return redirect(url_for("assessments.session_tests", session_id=session.id))


def _session_point(session_id: int, phase: str):
    session = booking_queries.session_for_staff(session_id, current_user)
    if phase not in PHASE_NAMES:
        abort(404)
    point = queries.session_points(session.id).get(phase)
    if point is None:
        abort(404)
    return session, point


@bp.route("/assessments/sessions/<int:session_id>/tests/<phase>/open", methods=["POST"])
@staff_only
def open_test(session_id, phase):
    session, point = _session_point(session_id, phase)
    services.open_point(point, current_user)
    db.session.commit()
    flash(f"The {PHASE_NAMES[phase]} is open. Show the code or the QR code to the group.", "success")
    return redirect(url_for("assessments.session_tests", session_id=session.id))


@bp.route("/assessments/sessions/<int:session_id>/tests/<phase>/close", methods=["POST"])
@staff_only
def close_test(session_id, phase):
    session, point = _session_point(session_id, phase)
    unfinished = services.close_point(point, current_user)
    db.session.commit()
    note = "" if not unfinished else (
        f" {unfinished} {'person' if unfinished == 1 else 'people'} had not handed in: what they answered is kept "
        "and marked unfinished.")
    flash(f"The {PHASE_NAMES[phase]} is closed.{note}", "success")
    return redirect(url_for("assessments.session_tests", session_id=session.id))


@bp.route("/assessments/sessions/<int:session_id>/counts")
@staff_only
def session_counts(session_id):
    """The live figures, for the page's script to refresh without reloading."""
    session = booking_queries.session_for_staff(session_id, current_user)
    points = queries.session_points(session.id)
    counts = live_queries.point_counts(points)
    return jsonify(open=any(p.is_open for p in points.values()),
                   phases={phase: vars(c) for phase, c in counts.items()})


@bp.route("/assessments/sessions/<int:session_id>/screen")
@staff_only
def session_screen(session_id):
    """The open test's code and QR code in large print, to show on a screen in the room."""
    session = booking_queries.session_for_staff(session_id, current_user)
    point = next((p for p in queries.session_points(session.id).values() if p.is_open), None)
    join_url = point_url = qr = None
    if point:
        join_url, point_url = _join_urls(point)
        qr = Markup(qr_svg(point_url, f"QR code for joining the {PHASE_NAMES[point.phase]}"))
    return render_template("assessments/session_screen.html", session=session, point=point, join_url=join_url,
                           point_url=point_url, qr=qr, phase_names=PHASE_NAMES)


@bp.route("/assessments/sessions/<int:session_id>/pairs.csv")
@throttles.export
@staff_only
def session_pairs_csv(session_id):
    session = booking_queries.session_for_staff(session_id, current_user)
    results = queries.context_results(session_id=session.id)
    rows = queries.pairs_csv_rows(results, with_names=_may_see_names(),
                                  shown_phases=queries.phases_to_show(results, suppressor()))
    return csv_response(rows[0], rows[1:], f"session-{session.id}-pre-post-pairs.csv")


# A course's summary --------------------------------------------------------------------------

@bp.route("/assessments/courses/<slug>/summary")
@staff_only
def course_summary(slug):
    course = course_queries.course_by_slug(slug)
    points = queries.course_points(course.id)
    instrument = next(iter(points.values())).instrument if points else None
    results = queries.context_results(course_id=course.id)
    with_names = _may_see_names()
    hide = suppressor()
    return render_template("assessments/course_summary.html", course=course, instrument=instrument, results=results,
                           with_names=with_names, rows=live_queries.participant_rows(results, with_names),
                           outcome_texts=live_queries.outcome_texts(instrument), small_groups=hide,
                           shown_phases=queries.phases_to_show(results, hide),
                           csv_url=url_for("assessments.course_pairs_csv", slug=course.slug))


@bp.route("/assessments/courses/<slug>/pairs.csv")
@throttles.export
@staff_only
def course_pairs_csv(slug):
    course = course_queries.course_by_slug(slug)
    results = queries.context_results(course_id=course.id)
    rows = queries.pairs_csv_rows(results, with_names=_may_see_names(),
                                  shown_phases=queries.phases_to_show(results, suppressor()))
    return csv_response(rows[0], rows[1:], f"course-{course.slug}-pre-post-pairs.csv")


# Joining on a phone --------------------------------------------------------------------------

def _open_point(code: str):
    point = queries.point_by_code(code) if code and len(code) <= 20 else None
    return point if point is not None and point.is_open and point.session_id else None


def _wrong_code(code: str):
    form = JoinForm(formdata=None, code=code)
    form.code.errors = [NO_OPEN_TEST]
    return render_template("assessments/join.html", form=form), 404


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(_join_limit, methods=["POST"])
@public
def join():
    form = JoinForm()
    if form.validate_on_submit():
        point = _open_point(form.code.data)
        if point is not None:
            return redirect(url_for("assessments.join_point", code=point.join_code))
        form.code.errors.append(NO_OPEN_TEST)
    return render_template("assessments/join.html", form=form), 400 if form.errors else 200


def _handed_in_here(point, participant):
    """This browser's handed-in attempt at the point under this code, so that a second visit does not start another."""
    owned = owned_entries()
    return next((entry for entry in services.attempts_at(point, participant)
                 if entry.id in owned and entry.attempt.status != "in_progress"), None)


@bp.route("/join/<code>", methods=["GET", "POST"])
@limiter.limit(_join_limit)
@public
def join_point(code):
    """Make an anonymous code from the three prompts (or continue as yourself) and start the test."""
    point = _open_point(code)
    if point is None:
        return _wrong_code(code[:20])
    form = AnonymousCodeForm()
    if form.validate_on_submit():
        participant = services.participant_for_code(point, form.code)
        earlier = _handed_in_here(point, participant)
        if earlier is not None:
            db.session.rollback()
            flash("You have already handed in this test.", "info")
            return redirect(url_for("assessments.done", entry_id=earlier.id))
        try:
            entry = services.start(point, participant, owned=owned_entries())
        except AssessmentError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("assessments.join_point", code=point.join_code))
        db.session.commit()
        remember_entry(entry.id)
        return redirect(url_for("assessments.take", entry_id=entry.id))
    earlier = live_queries.entries_at(point, owned_entries())
    return render_template("assessments/join_point.html", point=point, form=form,
                           earlier=earlier[0] if earlier else None,
                           session=db.session.get(Session, point.session_id)), 400 if form.errors else 200


@bp.route("/join/<code>/me", methods=["POST"])
@limiter.limit(_join_limit)
@login_required
def join_as_me(code):
    """A signed-in learner takes the test as themselves, so their results stay with their account."""
    point = _open_point(code)
    if point is None:
        return _wrong_code(code[:20])
    try:
        entry = services.start(point, services.participant_for_user(point, current_user))
    except AssessmentError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("assessments.join_point", code=point.join_code))
    db.session.commit()
    return redirect(url_for("assessments.take", entry_id=entry.id))
