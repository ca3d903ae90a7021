"""Administration: users, roles, units, registration policy, audit log, outbox."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts import queries as account_queries
from ..accounts import services as accounts
from ..accounts.models import OrgUnit, Role, User
from ..audit import events_about, recent_events
from ..extensions import db
from ..outbox import queries as outbox_queries
from ..outbox import services as outbox_services
from ..outbox.models import OutboxMessage
from ..security import get_or_404, roles_required
from .forms import OrgUnitForm, choices, RegistrationPolicyForm, UserRolesForm, UserSearchForm, UserStatusForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles_required(Role.ADMIN)


def _unit_choices(blank_label: str):
    return choices([(0, blank_label)] + [(u.id, u.path) for u in account_queries.org_units_in_order()])


@bp.route("/")
@admin_only
def index():
    return render_template("admin/index.html", role_counts=account_queries.count_users_by_role(),
                           policy=accounts.registration_policy())


@bp.route("/users")
@admin_only
def users():
    form = UserSearchForm(request.args)
    form.validate()
    page = request.args.get("page", 1, type=int)
    pagination = account_queries.search_users(form.q.data or "", form.role.data or "", form.status.data or "",
                                              page)
    return render_template("admin/users.html", form=form, pagination=pagination)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_detail(user_id):
    user = get_or_404(User, user_id)
    form = UserRolesForm(data={"roles": sorted(user.roles), "org_unit": user.org_unit_id or 0})
    form.org_unit.choices = _unit_choices("No unit")
    if form.validate_on_submit():
        unit = db.session.get(OrgUnit, form.org_unit.data) if form.org_unit.data else None
        try:
            accounts.set_roles(user, form.roles.data, current_user)
            accounts.set_org_unit(user, unit, current_user)
        except accounts.AccountError as error:
            form.roles.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Saved roles and unit for {user.name}.", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    events = events_about("user", user.id)
    return render_template("admin/user_detail.html", user=user, form=form, status_form=UserStatusForm(),
                           events=events)


@bp.route("/users/<int:user_id>/status", methods=["POST"])
@admin_only
def user_status(user_id):
    user = get_or_404(User, user_id)
    form = UserStatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        accounts.set_active(user, not user.is_active, current_user)
    except accounts.AccountError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        state = "reactivated" if user.is_active else "deactivated and signed out everywhere"
        flash(f"{user.name} has been {state}.", "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/units", methods=["GET", "POST"])
@admin_only
def units():
    form = OrgUnitForm()
    form.parent.choices = _unit_choices("Top level")
    if form.validate_on_submit():
        parent = db.session.get(OrgUnit, form.parent.data) if form.parent.data else None
        try:
            unit = accounts.create_org_unit(form.name.data, parent, form.kind.data, current_user)
        except accounts.AccountError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Added {unit.path}.", "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/units.html", form=form, units=account_queries.org_units_in_order())


@bp.route("/registration", methods=["GET", "POST"])
@admin_only
def registration():
    policy = accounts.registration_policy()
    form = RegistrationPolicyForm(data={"mode": policy.mode, "domains": "\n".join(policy.domains)})
    if form.validate_on_submit():
        try:
            accounts.set_registration_policy(form.mode.data, (form.domains.data or "").split(), current_user)
        except accounts.AccountError as error:
            form.domains.errors.append(str(error))
        else:
            db.session.commit()
            flash("Registration settings saved.", "success")
            return redirect(url_for("admin.registration"))
    return render_template("admin/registration.html", form=form)


@bp.route("/audit")
@admin_only
def audit():
    page = max(request.args.get("page", 1, type=int), 1)
    action = request.args.get("action", "").strip()
    per_page = 100
    events = recent_events(per_page + 1, (page - 1) * per_page, action or None)
    return render_template("admin/audit.html", events=events[:per_page], page=page,
                           has_next=len(events) > per_page, action=action)


@bp.route("/outbox")
@admin_only
def outbox():
    status = request.args.get("status", "")
    pagination = outbox_queries.messages(status, request.args.get("page", 1, type=int))
    return render_template("admin/outbox.html", pagination=pagination, status=status)


@bp.route("/outbox/<int:message_id>")
@admin_only
def outbox_message(message_id):
    message = get_or_404(OutboxMessage, message_id)
    # The demo has no mail server: there, and only there, an administrator can follow a pending link.
    link = outbox_services.revealed_link(message) if current_app.config.get("LIT_ENV") == "development" else None
    return render_template("admin/outbox_message.html", message=message, link=link)
