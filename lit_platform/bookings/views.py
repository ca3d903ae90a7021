"""Learners' pages: browse and book sessions, the waiting list, "Your bookings", check-in, feedback,
calendar feeds and personal API tokens."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import throttles
from ..assessments.queries import open_session_point
from ..core.database import start_write_transaction
from ..core.types import utcnow
from ..extensions import db
from ..security import login_required, public
from . import messages, queries, rules, services, tokens
from .forms import ApiTokenForm, ButtonForm, CheckInForm, SurveyForm
from .ical import build_calendar
from .models import MODES
from .settings import zone_name

bp = Blueprint("bookings", __name__)


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.route("/sessions")
@login_required
def index():
    args = request.args
    pagination = queries.upcoming_sessions(
        current_user, args.get("q", "").strip()[:100], args.get("mode", "") if args.get("mode") in MODES else "",
        _date_arg("from"), _date_arg("to"), args.get("availability", ""), args.get("course", 0, type=int),
        args.get("page", 1, type=int))
    filters = {k: v for k, v in args.items() if k != "page"}
    return render_template("bookings/index.html", pagination=pagination, rows=queries.rows(pagination.items),
                           args=args, filters=filters, modes=MODES, courses=queries.linked_courses(),
                           mine={b.session_id: b for b in queries.my_bookings(current_user)[0]})


@bp.route("/sessions/<int:session_id>")
@login_required
def session(session_id):
    session = queries.session_for_learner(session_id, current_user)
    booking = queries.booking_of(session.id, current_user.id)
    confirmed, waitlisted = queries.counts(session.id)
    now = utcnow()
    position = services.waitlist_position(booking) if booking and booking.status == "waitlisted" else None
    return render_template(
        "bookings/session.html", session=session, booking=booking, confirmed=confirmed, waitlisted=waitlisted,
        position=position, closed=rules.booking_closed_reason(now, session.starts_at, session.booking_opens_at,
                                                              session.booking_closes_at, session.is_cancelled),
        may_attend=services.may_attend(session, current_user), cutoff=services.cutoff_hours(session),
        can_cancel=booking is not None and booking.is_active and rules.can_cancel(
            now, session.starts_at, services.cutoff_hours(session), booking.status),
        deadline=rules.cancel_deadline(session.starts_at, services.cutoff_hours(session)),
        checkin_open=rules.checkin_open(now, session.starts_at, session.ends_at) and not session.is_cancelled,
        survey_reason=services.survey_closed_reason(session, booking, now),
        surveyed=session.id in queries.surveyed_session_ids(current_user), form=ButtonForm(),
        checkin_form=CheckInForm(),
        open_test=open_session_point(session.id) if booking and booking.status == "confirmed" else None)


def _commit_or_already_booked() -> bool:
    """Commit; the unique (session, user) constraint turns a double submission into a friendly message."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


@bp.route("/sessions/<int:session_id>/book", methods=["POST"])
@throttles.booking
@login_required
def book(session_id):
    session = queries.session_for_learner(session_id, current_user)
    try:
        booking = services.book_session(session.id, current_user)
    except services.BookingError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("bookings.session", session_id=session_id))
    status = booking.status
    if not _commit_or_already_booked():
        flash("You already have a booking on this session.", "error")
    elif status == "confirmed":
        flash("Your place is booked. A confirmation with a calendar entry is on its way by e-mail.", "success")
    else:
        flash("The session is full, so you are on the waiting list. We will e-mail you if a place comes free.",
              "success")
    return redirect(url_for("bookings.session", session_id=session_id))


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@throttles.booking
@login_required
def cancel(session_id):
    """GET asks the learner to confirm on a page of its own (no script needed); POST cancels."""
    booking = queries.booking_of(session_id, current_user.id)
    if booking is None or not booking.is_active:
        abort(404)
    form = ButtonForm()
    if request.method == "GET":
        session = booking.session
        return render_template(
            "bookings/cancel.html", session=session, booking=booking, form=form,
            can_cancel=rules.can_cancel(utcnow(), session.starts_at, services.cutoff_hours(session), booking.status))
    try:
        services.cancel_booking(booking.id, current_user)
    except services.BookingError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Your booking has been cancelled.", "success")
    return redirect(url_for("bookings.session", session_id=session_id))


@bp.route("/bookings")
@login_required
def my_bookings():
    upcoming, past = queries.my_bookings(current_user)
    return render_template("bookings/my_bookings.html", upcoming=upcoming, past=past,
                           positions=queries.waitlist_positions(current_user),
                           surveyed=queries.surveyed_session_ids(current_user), now=utcnow())


@bp.route("/bookings/<int:booking_id>/calendar.ics")
@login_required
def booking_calendar(booking_id):
    """The calendar entry of one of the learner's own places: the same UID and sequence as the e-mailed one."""
    booking = queries.own_confirmed_booking(booking_id, current_user.id)
    if booking is None:
        abort(404)
    text = build_calendar([messages.booking_event(booking)], zone_name())
    return _calendar_response(text, f"session-{booking.session_id}.ics", attachment=True)


@bp.route("/sessions/<int:session_id>/check-in", methods=["GET", "POST"])
@throttles.check_in
@login_required
def check_in(session_id):
    session = queries.session_for_learner(session_id, current_user)
    form = CheckInForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:12]
    if form.validate_on_submit():
        try:
            services.check_in(session.id, current_user, form.code.data)
        except services.BookingError as error:
            db.session.rollback()
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            flash("You are checked in. Enjoy the session!", "success")
            return redirect(url_for("bookings.session", session_id=session.id))
    return render_template("bookings/check_in.html", session=session, form=form)


@bp.route("/sessions/<int:session_id>/feedback", methods=["GET", "POST"])
@login_required
def feedback(session_id):
    session = queries.session_for_learner(session_id, current_user)
    booking = queries.booking_of(session.id, current_user.id)
    reason = services.survey_closed_reason(session, booking, utcnow())
    if session.id in queries.surveyed_session_ids(current_user):
        reason = "You have already given feedback on this session. Thank you!"
    form = SurveyForm()
    if reason is None and form.validate_on_submit():
        try:
            services.submit_survey(session.id, current_user, int(form.usefulness.data), int(form.confidence.data),
                                   form.would_recommend.data == "yes", form.comment.data or "")
        except services.BookingError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Thank you for your feedback.", "success")
            return redirect(url_for("bookings.my_bookings"))
    return render_template("bookings/feedback.html", session=session, form=form, reason=reason)


# Calendar feeds and API tokens ---------------------------------------------------------------

@bp.route("/account/calendar")
@login_required
def connections():
    return render_template("bookings/connections.html", feed=tokens.feed_of(current_user),
                           api_tokens=tokens.api_tokens_of(current_user), token_form=ApiTokenForm(),
                           form=ButtonForm(), new_feed_url=None, new_api_token=None)


@bp.route("/account/calendar/feed", methods=["POST"])
@login_required
def create_feed():
    token = tokens.create_feed_token(current_user)
    db.session.commit()
    return render_template("bookings/connections.html", feed=tokens.feed_of(current_user),
                           api_tokens=tokens.api_tokens_of(current_user), token_form=ApiTokenForm(),
                           form=ButtonForm(), new_api_token=None,
                           new_feed_url=url_for("bookings.user_feed", token=token, _external=True))


@bp.route("/account/calendar/feed/revoke", methods=["POST"])
@login_required
def revoke_feed():
    if tokens.revoke_feed(current_user):
        db.session.commit()
        flash("Your calendar feed address no longer works. Calendars that used it will stop updating.", "success")
    return redirect(url_for("bookings.connections"))


@bp.route("/account/api-tokens", methods=["POST"])
@login_required
def create_api_token():
    form = ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        _, new_token = tokens.create_api_token(current_user, form.name.data)
        db.session.commit()
        form = ApiTokenForm(formdata=None)
    return render_template("bookings/connections.html", feed=tokens.feed_of(current_user),
                           api_tokens=tokens.api_tokens_of(current_user), token_form=form, form=ButtonForm(),
                           new_feed_url=None, new_api_token=new_token), 200 if new_token or not form.errors else 400


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id):
    if tokens.revoke_api_token(token_id, current_user) is None:
        abort(404)
    db.session.commit()
    flash("The token has been revoked; anything using it can no longer sign in.", "success")
    return redirect(url_for("bookings.connections"))


def _calendar_response(text: str, filename: str, attachment: bool = False) -> Response:
    disposition = "attachment" if attachment else "inline"
    return Response(text, mimetype="text/calendar",
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"',
                             "Cache-Control": "no-store"})


@bp.route("/feeds/<token>.ics")
@public
def user_feed(token):
    """A user's own calendar: their places (learner) and the sessions they facilitate (staff)."""
    feed = tokens.feed_for_token(token)
    if feed is None:
        abort(404)
    user = feed.user
    events = [messages.booking_event(b) for b in queries.feed_bookings(user)]
    if queries.is_staff(user):
        events += [messages.session_event(s, with_link=True) for s in queries.facilitated_sessions(user)]
    now = utcnow()
    if tokens.needs_touch(feed.last_used_at, now):
        start_write_transaction()
        feed = tokens.feed_for_token(token)
        feed.last_used_at = now
        db.session.commit()
    return _calendar_response(build_calendar(events, zone_name(), name=f"{user.name}: sessions"), "sessions.ics")


@bp.route("/feeds/sessions.ics")
@public
def public_feed():
    """Upcoming sessions open to everyone (no joining links)."""
    from flask import current_app

    events = [messages.session_event(s) for s in queries.public_sessions()]
    return _calendar_response(build_calendar(events, zone_name(), name=f"{current_app.config['LIT_SITE_NAME']} "
                                                                      "sessions"), "sessions.ics")
