"""Sign-in, registration, password reset, profile."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from .. import throttles
from ..core.urls import external_url, safe_next
from ..extensions import db, limiter
from ..security import login_required, public, roles_required
from . import queries
from .models import Role
from . import services
from .forms import (ChangePasswordForm, FinishRegistrationForm, ForgotPasswordForm, LoginForm, ProfileForm,
                    RegisterForm, ResetPasswordForm)

bp = Blueprint("accounts", __name__, url_prefix="/account")


@bp.after_request
def _never_cached(response):
    """Account pages show addresses typed in or held in a link (registration, reset): never kept in a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_next(target: str | None) -> str:
    return safe_next(target) or url_for("home.index")


def _login_limit():
    return current_app.config["LIT_LOGIN_RATE_LIMIT"]


def _login_address_limit():
    return current_app.config["LIT_LOGIN_ADDRESS_RATE_LIMIT"]


def _failed_sign_in(response) -> bool:
    """Only a failed sign-in counts against the limits (a successful one redirects)."""
    return response.status_code != 302


def _reset_limit():
    return current_app.config["LIT_RESET_RATE_LIMIT"]


def _sso_only(email: str):
    """The single sign-on providers an address must use instead of a password (empty: a password is fine).

    The sso area puts the check in app.extensions; accounts does not import it."""
    check = current_app.extensions.get("lit_sso_only")
    return check(email or "") if check else ()


def _sso_only_message(email: str, providers) -> str:
    return (f"People with an address at {email.rpartition('@')[2]} sign in with "
            f"{' or '.join(p.label for p in providers)}, not with a password here.")


def _submitted_email():
    return "email:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_address_limit, methods=["POST"], deduct_when=_failed_sign_in)
@limiter.limit(_login_limit, methods=["POST"], key_func=_submitted_email, deduct_when=_failed_sign_in)
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    sso_only = ()
    if form.validate_on_submit():
        sso_only = _sso_only(form.email.data)
        user = services.authenticate(form.email.data, form.password.data, request.remote_addr,
                                     admins_only=bool(sso_only))
        db.session.commit()
        if user is not None:
            login_user(user)
            flash(f"Signed in as {user.name}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        if sso_only:
            form.email.errors.append(_sso_only_message(form.email.data, sso_only))
        else:
            form.password.errors.append("The e-mail address or password is not right.")
    return render_template("accounts/login.html", form=form, sso_only=sso_only)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.log_out(current_user._get_current_object(), request.remote_addr)
    db.session.commit()
    logout_user()
    flash("You have signed out. Any other places you were signed in have been signed out too.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@throttles.mail_to_address
@public
def register():
    """First step: the address. The same page follows whether or not the address has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    policy = services.registration_policy()
    if policy.mode == services.REGISTRATION_CLOSED:
        return render_template("accounts/register_closed.html"), 403
    form = RegisterForm()
    valid = form.validate_on_submit()
    sso_only = _sso_only(form.email.data) if valid else ()
    if sso_only:
        form.email.errors.append(_sso_only_message(form.email.data, sso_only))
    elif valid:
        try:
            services.start_registration(
                form.email.data, current_app.secret_key,
                lambda token: external_url("accounts.finish_registration", token=token),
                external_url("accounts.login"), external_url("accounts.forgot_password"),
                request.remote_addr)
        except services.AccountError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            return render_template("accounts/register_sent.html", email=form.email.data,
                                   hours=services.REGISTRATION_LINK_HOURS)
    return render_template("accounts/register.html", form=form, policy=policy)


@bp.route("/register/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@public
def finish_registration(token):
    """Second step, from the e-mailed link: name and password, then the account exists and is signed in."""
    if services.registration_policy().mode == services.REGISTRATION_CLOSED:
        return render_template("accounts/register_closed.html"), 403
    email = services.registration_address(token, current_app.secret_key)
    if email is None:
        return render_template("accounts/register_invalid.html", hours=services.REGISTRATION_LINK_HOURS), 404
    if services.find_user_by_email(email) is not None:
        flash("This account has been created already. Sign in to use it.", "success")
        return redirect(url_for("accounts.login"))
    if _sso_only(email):
        flash(_sso_only_message(email, _sso_only(email)), "error")
        return redirect(url_for("accounts.login"))
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = FinishRegistrationForm(email)
    if form.validate_on_submit():
        try:
            user = services.register_user(email, form.name.data, form.password.data, request.remote_addr)
        except services.AccountError as error:
            # About the address (the registration policy changed, or the account was made meanwhile), not a
            # field of this form.
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            login_user(user)
            flash("Your account has been created and you are signed in.", "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/register_finish.html", form=form, email=email)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@throttles.mail_to_address
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        sso_only = _sso_only(form.email.data)
        services.request_password_reset(
            form.email.data,
            lambda token: external_url("accounts.reset_password", token=token),
            current_app.config["LIT_RESET_TOKEN_MINUTES"],
            request.remote_addr,
            admins_only=bool(sso_only),
        )
        db.session.commit()
        return render_template("accounts/reset_sent.html", email=form.email.data, sso_only=sso_only)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
@public
def reset_password(token):
    if services.find_reset_token(token) is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            logout_user()
            flash("Your password has been changed. Sign in with the new one.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, form.name.data)
        db.session.commit()
        flash("Your profile has been saved.", "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm(user)
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except services.AccountError as error:
            form.current_password.errors.append(str(error))
        else:
            db.session.commit()
            # Keep this browser signed in; every other session has ended with the version bump.
            login_user(user)
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/people")
@roles_required(Role.LIBRARIAN, Role.MANAGER, Role.ADMIN)
def people():
    """Staff look up learners by name and unit."""
    unit_id = request.args.get("unit", 0, type=int)
    q = request.args.get("q", "").strip()[:100]
    pagination = queries.search_learners(q, unit_id, request.args.get("page", 1, type=int))
    return render_template("accounts/people.html", pagination=pagination, q=q, unit_id=unit_id,
                           units=queries.org_units_in_order())
