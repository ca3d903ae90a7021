"""Administration: users, roles, units, registration policy, audit log, outbox."""
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts import queries as account_queries
from ..accounts import services as accounts
from ..accounts.models import OrgUnit, Role, User
from ..audit import events_about
from ..core.textfiles import NotText, decode_utf8
from ..core.urls import external_url
from ..extensions import db
from ..outbox import queries as outbox_queries
from ..outbox import services as outbox_services
from ..outbox.models import OutboxMessage
from ..security import get_or_404, roles_required
from . import audit_log
from .forms import (AuditFilterForm, CreateUserForm, ImportUsersForm, OrgUnitForm, RegistrationPolicyForm,
                    UserRolesForm, UserSearchForm, UserStatusForm, choices)

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


def _set_password_link(token: str) -> str:
    return external_url("accounts.reset_password", token=token)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def create_user():
    form = CreateUserForm()
    form.org_unit.choices = _unit_choices("No unit")
    if form.validate_on_submit():
        unit = db.session.get(OrgUnit, form.org_unit.data) if form.org_unit.data else None
        try:
            user = accounts.create_user(form.email.data, form.name.data, None, form.roles.data, unit, current_user)
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            accounts.send_invitation(user, _set_password_link, current_user)
            db.session.commit()
            flash(f"Created the account of {user.name}; an e-mail to choose a password is on its way to "
                  f"{user.email}.", "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_new.html", form=form), 400 if form.errors else 200


@bp.route("/users/import", methods=["GET", "POST"])
@admin_only
def import_users():
    form = ImportUsersForm()
    if form.validate_on_submit():
        filename = form.file.data.filename or "upload.csv"
        try:
            text = decode_utf8(form.file.data.read(), filename)
        except NotText as error:
            form.file.errors.append(str(error))
        else:
            result = accounts.import_users_csv(text, filename, current_user, create_units=form.create_units.data)
            if result.errors:
                db.session.rollback()
                form.file.errors.extend(result.errors)
                form.file.errors.append("Nothing was imported. Correct the file and upload it again.")
            else:
                for user in result.created:
                    accounts.send_invitation(user, _set_password_link, current_user)
                db.session.commit()
                flash(f"Imported {len(result.created)} user(s); each has been sent an e-mail to choose a "
                      "password.", "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/users_import.html", form=form), 400 if form.errors else 200


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
    form = RegistrationPolicyForm(data={"mode": policy.mode, "domains": "\n".join(policy.domains),
                                        "visitors": "yes" if accounts.visitors_may_browse() else "no"})
    if form.validate_on_submit():
        try:
            accounts.set_registration_policy(form.mode.data, (form.domains.data or "").split(), current_user,
                                             visitors_may_browse={"yes": True, "no": False}.get(form.visitors.data))
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
    form = AuditFilterForm(request.args)
    form.action.choices = choices([("", "Any action")] + [(a, a) for a in audit_log.actions()])
    valid = form.validate()
    zone = ZoneInfo(current_app.config["LIT_TIMEZONE"])
    filters = dict(person=form.person.data or "", action=form.action.data or "",
                   date_from=form.date_from.data, date_to=form.date_to.data) if valid else {}
    page = audit_log.log_page(zone, request.args.get("page", 1, type=int), **filters)
    link_args = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items() if v}
    return render_template("admin/audit.html", form=form, page=page, link_args=link_args)


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
