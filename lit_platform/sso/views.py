"""Single sign-on with OpenID Connect providers: start, callback, sign-out, finding one's organisation, and the
administrators' list of linked identities."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..accounts.models import Role
from ..accounts.services import log_out
from ..audit import record_event
from ..core.urls import external_url, safe_next
from ..extensions import db, limiter
from ..security import get_or_404, login_required, public, roles_required
from . import client, queries, services
from .models import LinkedIdentity

bp = Blueprint("sso", __name__, url_prefix="/account/sso")

#: the session keys: where to go after signing in, which provider the current sign-in came from, the account a
#: signed-in person is linking a provider account to
NEXT, SIGNED_IN_WITH, SIGNED_OUT_OF, LINK_TO = "sso_next", "sso_provider", "sso_signed_out_of", "sso_link_to"


@bp.after_request
def _never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _provider_or_404(name: str):
    provider = client.sso().provider(name)
    if provider is None:
        abort(404)
    return provider


def _refused(provider, refusal: services.SignInRefused, linking: bool = False):
    """Nothing of the attempt is kept but the audit event; the page says what happened and what to do."""
    db.session.rollback()
    record_event("sso.link_failed" if linking else "login.failed", current_user if linking else None, "user",
                 current_user.id if linking else None, ip_address=request.remote_addr, method="sso",
                 provider=provider.name, reason=refusal.reason)
    db.session.commit()
    return render_template("sso/refused.html", provider=provider, message=refusal.message, linking=linking), 403


@bp.route("/start/<provider>")
@public
def start(provider):
    """Off to the provider's sign-in page."""
    provider = _provider_or_404(provider)
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    session[NEXT] = safe_next(request.args.get("next")) or url_for("home.index")
    try:
        return client.start(provider, external_url("sso.callback", provider=provider.name))
    except services.SignInRefused as refusal:
        return _refused(provider, refusal)


@bp.route("/callback/<provider>")
@limiter.limit(services.refused_sign_in_limit, deduct_when=services.was_refused)
@public
def callback(provider):
    """The provider sends the person back here with a one-time code; every check passes or nothing is made."""
    provider = _provider_or_404(provider)
    linking = current_user.is_authenticated and session.pop(LINK_TO, None) == current_user.id
    try:
        claims = client.finish(provider)
        if linking:
            services.link_signed_in(current_user._get_current_object(), provider, claims, request.remote_addr)
        else:
            user = services.sign_in(provider, claims, request.remote_addr)
    except services.SignInRefused as refusal:
        return _refused(provider, refusal, linking)
    db.session.commit()
    if linking:
        login_user(current_user._get_current_object())  # the rules may have changed roles, ending sessions
        flash(f"Your {provider.label} account is linked: you can sign in with it from now on.", "success")
        return redirect(url_for("sso.mine"))
    target = session.pop(NEXT, None) or url_for("home.index")
    if current_user.is_authenticated:
        logout_user()
    login_user(user)
    session[SIGNED_IN_WITH] = provider.name
    session.pop(SIGNED_OUT_OF, None)
    flash(f"Signed in as {user.name} with {provider.label}.", "success")
    return redirect(safe_next(target) or url_for("home.index"))


@bp.route("/")
@login_required
def mine():
    """The signed-in person's own linked sign-ins, and the providers they could link."""
    user = current_user._get_current_object()
    linked = services.identities(user)
    providers = client.sso().providers  # linking from here goes through OpenID Connect
    return render_template("sso/mine.html", linked=linked,
                           labels={p.name: p.label for p in client.sign_in_providers()},
                           unlinked=[p for p in providers if p.name not in {i.provider for i in linked}],
                           may_unlink={i.id: services.may_unlink(user, i) for i in linked})


@bp.route("/link/<provider>", methods=["POST"])
@login_required
def link(provider):
    """Off to the provider, to prove an account there is the signed-in person's; the callback links it."""
    provider = _provider_or_404(provider)
    session[LINK_TO] = current_user.id
    try:
        return client.start(provider, external_url("sso.callback", provider=provider.name))
    except services.SignInRefused as refusal:
        return _refused(provider, refusal, linking=True)


@bp.route("/mine/<int:identity_id>/unlink", methods=["POST"])
@login_required
def unlink_mine(identity_id):
    identity = db.session.get(LinkedIdentity, identity_id)
    user = current_user._get_current_object()
    if identity is None or identity.user_id != user.id:
        abort(404)
    if not services.may_unlink(user, identity):
        flash("This is your only way to sign in here, so it cannot be unlinked. Set a password first.", "error")
        return redirect(url_for("sso.mine"))
    services.unlink(identity, user)
    db.session.commit()
    flash("That sign-in has been unlinked from your account.", "success")
    return redirect(url_for("sso.mine"))


def end_session_here(signed_in_key: str, signed_out_key: str) -> None:
    """Sign out of this site, keeping in the fresh session how the person had signed in (under
    `signed_out_key`), so that the page can offer signing out at the provider too."""
    signed_in = session.get(signed_in_key)
    if current_user.is_authenticated:
        log_out(current_user._get_current_object(), request.remote_addr)
        db.session.commit()
        logout_user()
    session.clear()
    if signed_in:
        session[signed_out_key] = signed_in
    flash("You have signed out of this site.", "success")


@bp.route("/sign-out", methods=["GET", "POST"])
@public
def sign_out():
    """POST ends the session here; the page then offers to sign out at the provider too."""
    if request.method == "POST":
        end_session_here(SIGNED_IN_WITH, SIGNED_OUT_OF)
        return redirect(url_for("sso.sign_out"))
    if current_user.is_authenticated:
        return render_template("sso/sign_out.html", provider=None, end_session_url=None,
                               sign_out_action=url_for("sso.sign_out"))
    provider = client.sso().provider(session.get(SIGNED_OUT_OF) or "")
    end_session_url = provider and client.logout_url(provider, external_url("accounts.login"))
    return render_template("sso/sign_out.html", provider=provider, end_session_url=end_session_url,
                           sign_out_action=url_for("sso.sign_out"))


@bp.route("/find")
@public
def find():
    """"Find your organisation": the providers whose name or domain matches what was typed."""
    query = request.args.get("q", "")[:100]
    providers = client.sign_in_providers()
    found = providers if not query.strip() else queries.find_providers(providers, query)
    return render_template("sso/find.html", query=query, providers=found, next=safe_next(request.args.get("next")))


@bp.route("/identities")
@roles_required(Role.ADMIN)
def identities():
    """Each person's linked identities (administrators)."""
    query = request.args.get("q", "")[:100]
    return render_template("sso/identities.html", query=query, people=queries.linked_people(query),
                           providers={p.name: p for p in client.sign_in_providers()})


@bp.route("/identities/<int:identity_id>/unlink", methods=["POST"])
@roles_required(Role.ADMIN)
def unlink(identity_id):
    identity = get_or_404(LinkedIdentity, identity_id)
    name = identity.user.name
    services.unlink(identity, current_user._get_current_object())
    db.session.commit()
    flash(f"The {identity.provider} sign-in of {name} has been unlinked.", "success")
    return redirect(url_for("sso.identities"))
