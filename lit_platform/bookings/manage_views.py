"""Librarians' pages: schedule and change sessions and series, bookings and waitlist, the register,
messages, CSV export, the sign-in sheet and the check-in code."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from .. import throttles
from ..accounts.models import Role
from ..accounts.queries import org_units_in_order
from ..accounts.services import find_user_by_email
from ..admin.forms import choices
from ..core.exports import csv_response
from ..core.small_groups import suppressor
from ..core.types import utcnow
from ..extensions import db
from ..security import roles_required
from . import queries, rules, services
from .forms import AddLearnerForm, ButtonForm, CancelSessionForm, MessageForm, RemoveForm, SessionForm
from .models import ATTENDANCE, Booking
from .settings import setting, zone_name
from .times import to_local

bp = Blueprint("manage_sessions", __name__, url_prefix="/manage/sessions")
staff_only = roles_required(Role.LIBRARIAN, Role.MANAGER, Role.ADMIN)


def _session_form(session=None, source=None) -> SessionForm:
    form = SessionForm()
    form.course.choices = choices([(0, "No linked course")] + [(c.id, c.title) for c in queries.courses_for_choice()])
    form.facilitators.choices = choices((u.id, f"{u.name} ({u.email})") for u in queries.staff_users())
    form.units.choices = choices((u.id, u.path) for u in org_units_in_order())
    form.day.description = f"Times are in {zone_name()}."
    form.cancel_cutoff_hours.description = (f"Leave empty for the site's default of "
                                            f"{setting('LIT_BOOKING_CANCEL_CUTOFF_HOURS')} hours.")
    original = session or source
    if request.method == "GET":
        if original is not None:
            _fill(form, original)
            if source is not None:
                form.title.data = source.title
                form.day.data = None
        elif not form.facilitators.data:
            form.facilitators.data = [current_user.id]
    return form


def _fill(form: SessionForm, session) -> None:
    zone = zone_name()
    start, end = to_local(session.starts_at, zone), to_local(session.ends_at, zone)
    form.title.data, form.description.data = session.title, session.description
    form.course.data = session.course_id or 0
    form.facilitators.data = sorted(session.facilitator_ids)
    form.day.data, form.start_time.data, form.end_time.data = start.date(), start.time(), end.time()
    form.mode.data, form.location.data, form.online_url.data = session.mode, session.location, session.online_url
    form.capacity.data, form.waitlist_enabled.data = session.capacity, session.waitlist_enabled
    form.booking_opens.data = to_local(session.booking_opens_at, zone) if session.booking_opens_at else None
    form.booking_closes.data = to_local(session.booking_closes_at, zone) if session.booking_closes_at else None
    form.cancel_cutoff_hours.data = session.cancel_cutoff_hours
    form.audience.data = "restricted" if session.is_restricted else "open"
    form.units.data = sorted(session.unit_ids)


def _field_error(form: SessionForm, error: services.BookingError) -> None:
    """Show a service's refusal next to the field it is about (or as a message when it is about no field)."""
    name = {"unit_ids": "units", "facilitator_ids": "facilitators"}.get(error.field, error.field)
    target = getattr(form, name, None) if name else None
    if target is None:
        flash(str(error), "error")
    else:
        target.errors = list(target.errors) + [str(error)]


def _flash_notes(notes) -> None:
    for note in notes:
        flash(note, "warning")


@bp.route("/")
@staff_only
def index():
    when = request.args.get("when", "upcoming")
    pagination = queries.managed_sessions(current_user, when, request.args.get("page", 1, type=int))
    return render_template("bookings/manage/index.html", pagination=pagination, rows=queries.rows(pagination.items),
                           when=when, all_sessions=queries.manages_all(current_user))


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new():
    source = queries.session_for_staff(request.args.get("from", type=int), current_user) \
        if request.args.get("from", type=int) else None
    form = _session_form(source=source)
    if form.validate_on_submit():
        data = form.session_data()
        try:
            if form.repeat.data:
                if not form.repeat_count.data and not form.repeat_until.data:
                    raise services.BookingError("Give the number of sessions, or the date to repeat until.",
                                                "repeat_count")
                if form.repeat_count.data and form.repeat_until.data:
                    raise services.BookingError("Give either the number of sessions or the date to repeat until, "
                                                "not both.", "repeat_count")
                created, notes = services.create_series(data, form.repeat.data, current_user, form.repeat_count.data,
                                                        form.repeat_until.data)
            else:
                session, notes = services.create_session(data, current_user)
                created = [session]
        except services.BookingError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            _flash_notes(notes)
            flash(f"{len(created)} sessions scheduled." if len(created) > 1 else "Session scheduled.", "success")
            return redirect(url_for("manage_sessions.session", session_id=created[0].id))
    return render_template("bookings/manage/form.html", form=form, session=None, source=source,
                           later=0), 400 if form.errors else 200


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@staff_only
def edit(session_id):
    session = queries.session_for_staff(session_id, current_user)
    if session.is_cancelled:
        flash("A cancelled session cannot be changed. Duplicate it to schedule it again.", "error")
        return redirect(url_for("manage_sessions.session", session_id=session.id))
    form = _session_form(session)
    if form.validate_on_submit():
        try:
            changed, notes = services.update_session(session.id, form.session_data(), current_user,
                                                     form.scope.data or "one")
        except services.BookingError as error:
            db.session.rollback()
            _field_error(form, error)
        else:
            db.session.commit()
            _flash_notes(notes)
            flash(f"Saved {len(changed)} sessions. Anyone booked or waiting has been told of any change."
                  if len(changed) > 1 else "Session saved. Anyone booked or waiting has been told of any change.",
                  "success")
            return redirect(url_for("manage_sessions.session", session_id=session.id))
    return render_template("bookings/manage/form.html", form=form, session=session, source=None,
                           later=queries.later_in_series(session)), 400 if form.errors else 200


@bp.route("/<int:session_id>")
@staff_only
def session(session_id):
    session = queries.session_for_staff(session_id, current_user)
    return _session_page(session, AddLearnerForm(), RemoveForm())


def _session_page(session, add_form, remove_form, status=200):
    grouped = queries.bookings_by_status(session.id)
    return render_template(
        "bookings/manage/session.html", session=session, grouped=grouped, add_form=add_form, remove_form=remove_form,
        survey=queries.survey_summary(session.id), small_groups=suppressor(), form=ButtonForm(),
        later=queries.later_in_series(session), attendance=ATTENDANCE,
        checkin_open=rules.checkin_open(utcnow(), session.starts_at, session.ends_at)), status


@bp.route("/<int:session_id>/bookings", methods=["POST"])
@staff_only
def add_learner(session_id):
    session = queries.session_for_staff(session_id, current_user)
    form = AddLearnerForm()
    if form.validate_on_submit():
        learner = find_user_by_email(form.email.data)
        if learner is None or not learner.is_active:
            form.email.errors.append("There is no active account with that e-mail address.")
        else:
            try:
                booking = services.add_booking_by_hand(session.id, learner, current_user, form.over_capacity.data)
                status = booking.status
                db.session.commit()
            except services.BookingError as error:
                db.session.rollback()
                form.email.errors.append(str(error))
            except IntegrityError:
                db.session.rollback()
                form.email.errors.append("That learner already has a booking on this session.")
            else:
                flash(f"{learner.name} has a place." if status == "confirmed"
                      else f"{learner.name} is on the waiting list (the session is full).", "success")
                return redirect(url_for("manage_sessions.session", session_id=session.id))
    return _session_page(session, form, RemoveForm(), 400)


@bp.route("/<int:session_id>/bookings/<int:booking_id>/remove", methods=["POST"])
@staff_only
def remove_learner(session_id, booking_id):
    session = queries.session_for_staff(session_id, current_user)
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.session_id != session.id:
        abort(404)
    form = RemoveForm()
    if form.validate_on_submit():
        try:
            services.remove_booking(booking.id, current_user, form.reason.data or "")
        except services.BookingError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("The booking has been cancelled and the learner told. Anyone waiting has been offered the place.",
                  "success")
    return redirect(url_for("manage_sessions.session", session_id=session.id))


@bp.route("/<int:session_id>/message", methods=["GET", "POST"])
@staff_only
def message(session_id):
    session = queries.session_for_staff(session_id, current_user)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            count = services.message_attendees(session.id, form.subject.data, form.body.data, current_user,
                                               form.include_waitlist.data)
        except services.BookingError as error:
            db.session.rollback()
            form.body.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Message queued for {count} {'person' if count == 1 else 'people'}.", "success")
            return redirect(url_for("manage_sessions.session", session_id=session.id))
    return render_template("bookings/manage/message.html", session=session, form=form,
                           counts=queries.counts(session.id)), 400 if form.errors else 200


@bp.route("/<int:session_id>/register", methods=["GET", "POST"])
@staff_only
def register(session_id):
    session = queries.session_for_staff(session_id, current_user)
    form = ButtonForm()
    if request.method == "POST" and form.validate_on_submit():
        marks = {}
        for key, value in request.form.items():
            if key.startswith("b") and key[1:].isdigit():
                marks[int(key[1:])] = value
        try:
            changed = services.mark_attendance(session.id, marks, current_user)
        except services.BookingError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Register saved ({changed} change{'' if changed == 1 else 's'}).", "success")
            return redirect(url_for("manage_sessions.register", session_id=session.id))
    return render_template("bookings/manage/register.html", session=session, rows=queries.register_rows(session.id),
                           attendance=ATTENDANCE, form=form, is_open=rules.register_open(utcnow(), session.starts_at))


@bp.route("/<int:session_id>/cancel", methods=["GET", "POST"])
@staff_only
def cancel(session_id):
    session = queries.session_for_staff(session_id, current_user)
    form = CancelSessionForm()
    if form.validate_on_submit():
        try:
            told = services.cancel_session(session.id, current_user, form.reason.data or "")
        except services.BookingError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Session cancelled; {told} {'person has' if told == 1 else 'people have'} been told.", "success")
        return redirect(url_for("manage_sessions.session", session_id=session.id))
    return render_template("bookings/manage/cancel.html", session=session, form=form, counts=queries.counts(session.id))


@bp.route("/<int:session_id>/export.csv")
@throttles.export
@staff_only
def export(session_id):
    from ..templating import local_time

    session = queries.session_for_staff(session_id, current_user)
    grouped = queries.bookings_by_status(session.id)
    rows = []
    for status in ("confirmed", "waitlisted", "cancelled"):
        for n, b in enumerate(grouped[status], 1):
            user = b.user
            unit = user.org_unit.path if user and user.org_unit else ""
            rows.append([b.learner_name, user.email if user else "", unit, status,
                         n if status == "waitlisted" else "", local_time(b.booked_at, "%Y-%m-%d %H:%M"),
                         local_time(b.cancelled_at, "%Y-%m-%d %H:%M"), b.attendance or "",
                         local_time(b.checked_in_at, "%Y-%m-%d %H:%M")])
    return csv_response(["name", "email", "unit", "status", "waitlist_position", "booked_at", "cancelled_at",
                         "attendance", "checked_in_at"], rows, f"session-{session.id}-bookings.csv")


@bp.route("/<int:session_id>/sign-in-sheet")
@staff_only
def sign_in_sheet(session_id):
    session = queries.session_for_staff(session_id, current_user)
    return render_template("bookings/manage/sign_in_sheet.html", session=session,
                           rows=queries.register_rows(session.id))


@bp.route("/<int:session_id>/check-in-code")
@staff_only
def checkin_code(session_id):
    """The code and QR code in large print, to show on a screen in the room."""
    from .qr import qr_svg

    session = queries.session_for_staff(session_id, current_user)
    url = url_for("bookings.check_in", session_id=session.id, code=session.checkin_code, _external=True)
    return render_template("bookings/manage/checkin_code.html", session=session, qr=Markup(qr_svg(url)), url=url,
                           base=current_app.config.get("LIT_SITE_NAME"))
