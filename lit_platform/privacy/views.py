"""The privacy notice, a person's copy of their own data, and administrators' requests, erasure and retention."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ..accounts.models import Role
from ..accounts.services import find_user_by_email
from ..core.database import forget_erased_data
from ..core.types import utcnow
from ..extensions import db
from ..security import login_required, public, roles_required
from . import export, queries, registry, requests, retention
from .erasure import is_erased, plan
from .forms import ApproveReviewForm, CompleteRequestForm, EraseForm, ExportForm, ExtendRequestForm, LogRequestForm

bp = Blueprint("privacy", __name__)
admin_only = roles_required(Role.ADMIN)


@bp.record_once
def _check_overrides(state):
    registry.check_config(state.app.config)


def _today():
    return datetime.now(ZoneInfo(current_app.config["LIT_TIMEZONE"])).date()


def _zip(user, now) -> Response:
    return Response(export.build_zip(user, current_app.config, now), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{export.filename(user, now)}"'})


# Everyone -------------------------------------------------------------------------------------

@bp.route("/privacy")
@public
def notice():
    return render_template("privacy/notice.html", declarations=registry.declarations(current_app.config),
                           bases=registry.LAWFUL_BASES, contact=current_app.config.get("LIT_PRIVACY_CONTACT", ""))


@bp.route("/account/your-data")
@login_required
def your_data():
    return render_template("privacy/your_data.html")


@bp.route("/account/your-data.zip")
@login_required
def your_data_zip():
    return _zip(current_user, utcnow())


# Administrators: requests ---------------------------------------------------------------------

def _requests_page(form, status=200):
    return render_template("privacy/requests.html", form=form, requests=queries.requests_open_first(),
                           today=_today()), status


@bp.route("/admin/privacy/requests", methods=["GET", "POST"])
@admin_only
def request_list():
    form = LogRequestForm()
    if form.is_submitted():
        valid = form.validate()
        user = find_user_by_email(form.email.data) if form.email.data else None
        if form.email.data and not form.email.errors and user is None:
            form.email.errors.append("There is no account with this e-mail address.")
        elif valid:
            try:
                logged = requests.log_request(form.kind.data, user, form.received_on.data, current_user, _today())
            except requests.RequestError as error:
                db.session.rollback()
                getattr(form, error.field or "email").errors.append(str(error))
            else:
                db.session.commit()
                flash(f"Request logged. It is due by {logged.due_on:%-d %B %Y}.", "success")
                return redirect(url_for("privacy.request_detail", request_id=logged.id))
    return _requests_page(form, 400 if form.errors else 200)


def _detail(privacy_request, extend_form=None, status=200):
    return render_template("privacy/request.html", request_=privacy_request,
                           extend_form=extend_form or ExtendRequestForm(formdata=None),
                           complete_form=CompleteRequestForm(), export_form=ExportForm(), today=_today()), status


@bp.route("/admin/privacy/requests/<int:request_id>")
@admin_only
def request_detail(request_id):
    return _detail(queries.request_or_404(request_id))


@bp.route("/admin/privacy/requests/<int:request_id>/extend", methods=["POST"])
@admin_only
def extend(request_id):
    privacy_request = queries.request_or_404(request_id)
    form = ExtendRequestForm()
    if form.validate_on_submit():
        try:
            requests.extend_request(privacy_request, form.months.data, form.reason.data, current_user)
        except requests.RequestError as error:
            db.session.rollback()
            getattr(form, error.field or "months").errors.append(str(error))
        else:
            db.session.commit()
            flash(f"The deadline is now {privacy_request.extended_to:%-d %B %Y}.", "success")
            return redirect(url_for("privacy.request_detail", request_id=request_id))
    return _detail(privacy_request, form, 400)


@bp.route("/admin/privacy/requests/<int:request_id>/complete", methods=["POST"])
@admin_only
def complete(request_id):
    privacy_request = queries.request_or_404(request_id)
    if CompleteRequestForm().validate_on_submit():
        try:
            requests.complete_request(privacy_request, current_user)
        except requests.RequestError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("The request is marked as completed.", "success")
    return redirect(url_for("privacy.request_detail", request_id=request_id))


@bp.route("/admin/privacy/requests/<int:request_id>/export", methods=["POST"])
@admin_only
def request_export(request_id):
    privacy_request = queries.request_or_404(request_id)
    if not ExportForm().validate_on_submit() or privacy_request.user is None or is_erased(privacy_request.user):
        flash("There is no data to download for this request.", "error")
        return redirect(url_for("privacy.request_detail", request_id=request_id))
    requests.record_export(privacy_request, current_user)
    response = _zip(privacy_request.user, utcnow())
    db.session.commit()
    return response


@bp.route("/admin/privacy/requests/<int:request_id>/erase", methods=["GET", "POST"])
@admin_only
def erase(request_id):
    """Confirm, with the grounds, then erase: what will be deleted, detached and kept is listed first."""
    privacy_request = queries.request_or_404(request_id)
    if privacy_request.kind != "erasure" or not privacy_request.is_open:
        return redirect(url_for("privacy.request_detail", request_id=request_id))
    form = EraseForm()
    if form.validate_on_submit():
        try:
            changed = requests.carry_out_erasure(privacy_request, form.reason.data, current_user, current_app.config)
        except requests.RequestError as error:
            db.session.rollback()
            getattr(form, error.field or "reason").errors.append(str(error))
        else:
            db.session.commit()
            forget_erased_data()
            flash(f"The person's data has been erased ({sum(changed.values())} rows changed) and the request "
                  "completed.", "success")
            return redirect(url_for("privacy.request_detail", request_id=request_id))
    return render_template("privacy/erase.html", request_=privacy_request, form=form,
                           steps=plan(privacy_request.user, current_app.config)), 400 if form.errors else 200


# Administrators: retention --------------------------------------------------------------------

@bp.route("/admin/privacy/retention")
@admin_only
def retention_reviews():
    config = current_app.config
    rules = [(rule, retention.period_in_words(rule, config)) for rule in retention.RULES]
    return render_template("privacy/retention.html", reviews=queries.reviews(), rules=rules,
                           form=ApproveReviewForm())


@bp.route("/admin/privacy/retention/start", methods=["POST"])
@admin_only
def start_review():
    if ApproveReviewForm().validate_on_submit():
        review = retention.start_review(current_app.config, utcnow(), current_user)
        if review is None:
            flash("Nothing has passed its retention period; no review was recorded.", "success")
        else:
            db.session.commit()
            flash(f"Review {review.id} recorded. Check what it found, then approve it.", "success")
    return redirect(url_for("privacy.retention_reviews"))


@bp.route("/admin/privacy/retention/<int:review_id>/approve", methods=["POST"])
@admin_only
def approve_review(review_id):
    review = queries.review_or_404(review_id)
    if ApproveReviewForm().validate_on_submit():
        try:
            retention.approve_review(review, current_user, utcnow())
        except retention.RetentionError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Review {review.id} approved. `lit retention apply` will carry it out.", "success")
    return redirect(url_for("privacy.retention_reviews"))
