"""SAML 2.0 sign-in: the site's metadata, the start, the assertion consumer, the finish in the browser that
started, and single logout.

The identity provider posts its response from its own site, so the browser does not send this site's
cookies with it (SameSite=Lax). The response is therefore checked against the request kept in the
database, used once, and the sign-in is finished by a one-time link that the same browser follows: only
the browser holding the request's id in its session is signed in, so a response meant for someone else
cannot sign a visitor into another account.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import delete, select, update

from ..accounts.models import User
from ..accounts.services import log_out
from ..audit import record_event
from ..core.types import utcnow
from ..core.urls import safe_next
from ..extensions import csrf, db, limiter
from ..security import leave_session_cookie_alone, public
from . import client as sso_client
from . import saml, saml_logout
from .saml_models import SamlRequest
from .services import SignInRefused, refused_sign_in_limit, sign_in, was_refused
from .views import end_session_here

bp = Blueprint("saml", __name__, url_prefix="/account/saml")

#: session keys: the request this browser started; how the current sign-in was made (for single logout)
STARTED, SIGNED_IN, SIGNED_OUT = "saml_request", "saml_signed_in", "saml_signed_out"
SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def clients() -> saml.Clients:
    found = current_app.extensions.get("saml")
    if found is None:
        abort(404)
    return found


def _provider_or_404(name: str) -> saml.SamlProvider:
    provider = clients().providers.get(name)
    if provider is None:
        abort(404)
    return provider


def _refused(provider: saml.SamlProvider | None, message: str, reason: str):
    db.session.rollback()
    record_event("login.failed", None, "user", None, ip_address=request.remote_addr, method="saml",
                 provider=provider.name if provider else None, reason=reason)
    db.session.commit()
    return render_template("sso/refused.html", provider=provider, message=message), 403


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@bp.after_request
def _never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/metadata")
@public
def metadata():
    """The site's SP metadata, signed, for the identity provider or the federation to register."""
    made_at, found = current_app.extensions.get("saml_sp_metadata", (0.0, None))
    if found is None or time.monotonic() - made_at > 24 * 3600:  # signed to be valid for a week
        found = saml.sp_metadata(clients().sp)
        current_app.extensions["saml_sp_metadata"] = (time.monotonic(), found)
    return Response(found, mimetype="application/samlmetadata+xml")


@bp.route("/start/<provider>")
@public
def start(provider):
    provider = _provider_or_404(provider)
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    try:
        _, client, idp = clients().get(provider.name)
    except saml.SamlConfigError as error:
        current_app.logger.error("SAML provider %s cannot be used: %s", provider.name, error)
        return _refused(provider, f"Signing in with {provider.label} is not working at the moment. "
                                  "Please try again later or ask the library.", "metadata unusable")
    request_id, location = saml.authn_request(provider, client, idp)
    cutoff = utcnow() - timedelta(hours=1)
    db.session.execute(delete(SamlRequest).where(SamlRequest.created_at < cutoff))
    db.session.add(SamlRequest(id=request_id, provider=provider.name,
                               next_url=safe_next(request.args.get("next")) or ""))
    db.session.commit()
    session[STARTED] = request_id
    return redirect(location)


@bp.route("/acs", methods=["POST"])
@limiter.limit(refused_sign_in_limit, deduct_when=was_refused)
@csrf.exempt  # posted by the identity provider's page; the response's signature and one-use request stand in
@public
def acs():
    leave_session_cookie_alone()
    configured = clients()
    saml_response = request.form.get("SAMLResponse", "")
    request_id = saml.in_response_to(saml_response)
    pending = db.session.get(SamlRequest, request_id) if request_id else None
    fresh = pending is not None and utcnow() - pending.created_at <= timedelta(seconds=saml.REQUEST_LIFETIME)
    provider = configured.providers.get(pending.provider) if pending is not None else None
    if not fresh or provider is None:
        return _refused(provider, "This sign-in response does not answer a sign-in started here, or it has "
                                  "expired. Please start again from the sign-in page.", "unsolicited or expired")
    # One use only, on whichever server the response reaches first.
    used = db.session.execute(update(SamlRequest).where(SamlRequest.id == request_id,
                                                        SamlRequest.answered_at.is_(None))
                              .values(answered_at=utcnow())).rowcount
    db.session.commit()
    if used != 1:
        return _refused(provider, "This sign-in response has been used already. Please start again from the "
                                  "sign-in page.", "replayed response")
    try:
        _, client, idp = clients().get(provider.name)
        answer = saml.check_response(client, idp, saml_response, request_id, provider.want_encrypted)
        user = sign_in(provider, saml.claims_for(provider, answer), request.remote_addr)
    except saml.SamlRefused as refusal:
        return _refused(provider, str(refusal), str(refusal))
    except saml.SamlConfigError as error:
        current_app.logger.error("SAML provider %s cannot be used: %s", provider.name, error)
        return _refused(provider, f"Signing in with {provider.label} is not working at the moment. "
                                  "Please try again later or ask the library.", "metadata unusable")
    except SignInRefused as refusal:
        return _refused(provider, refusal.message, refusal.reason)
    token = secrets.token_urlsafe(32)
    pending = db.session.get(SamlRequest, request_id)
    pending.user_id, pending.finish_token_hash = user.id, _token_hash(token)
    pending.name_id, pending.name_id_format = answer["name_id"], answer["name_id_format"]
    pending.session_index = answer["session_index"]
    db.session.commit()
    return render_template("sso/saml_continue.html", provider=provider,
                           finish_url=url_for("saml.finish", token=token))


@bp.route("/finish/<token>")
@public
def finish(token):
    pending = db.session.scalar(select(SamlRequest).where(SamlRequest.finish_token_hash == _token_hash(token)))
    provider = clients().providers.get(pending.provider) if pending is not None else None
    if pending is None or pending.user_id is None or session.get(STARTED) != pending.id \
            or utcnow() - pending.created_at > timedelta(seconds=saml.REQUEST_LIFETIME):
        return _refused(provider, "This sign-in was started in another browser or has expired, so it cannot "
                                  "be finished here. Please start again from the sign-in page.", "other browser")
    user, next_url = db.session.get(User, pending.user_id), pending.next_url
    signed_in = {"provider": pending.provider, "name_id": pending.name_id, "format": pending.name_id_format,
                 "session_index": pending.session_index}
    db.session.delete(pending)
    db.session.commit()
    session.pop(STARTED, None)
    login_user(user)
    session[SIGNED_IN] = signed_in
    return redirect(next_url or url_for("home.index"))


@bp.route("/logout", methods=["GET", "POST"])
@public
def logout():
    """POST ends the session here; the page then offers to sign out at the identity provider too."""
    if request.method == "POST":
        end_session_here(SIGNED_IN, SIGNED_OUT)
        return redirect(url_for("saml.logout"))
    signed_out = session.get(SIGNED_OUT)
    provider = clients().providers.get(signed_out["provider"]) if signed_out else None
    logout_url = None
    if provider is not None and signed_out.get("name_id") and not current_user.is_authenticated:
        # A link, not a form: the page's form-action policy keeps forms on this site.
        _, client, idp = clients().get(provider.name)
        logout_url = saml_logout.logout_request(client, idp, signed_out)
    return render_template("sso/sign_out.html", provider=provider, end_session_url=logout_url,
                           sign_out_action=url_for("saml.logout"))


@bp.route("/sls")
@public
def sls():
    """The identity provider's answer to our logout request, or its own logout request (it signs the person
    out everywhere): either must be signed by the provider."""
    if "SAMLResponse" in request.args:
        outcome = saml_logout.logout_response_ok(clients(), request.query_string.decode("ascii", "replace"))
        provider = outcome[0] if outcome else None
        return render_template("sso/saml_signed_out.html", provider=provider, at_provider=bool(outcome and outcome[1]))
    if "SAMLRequest" in request.args:
        checked = saml_logout.logout_request_checked(clients(), request.query_string.decode("ascii", "replace"))
        if checked is None:
            return _refused(None, "This sign-out request could not be verified.", "bad logout request")
        provider, name_id, answer_location = checked
        signed_in = session.get(SIGNED_IN)
        if current_user.is_authenticated and signed_in and signed_in["provider"] == provider.name \
                and signed_in.get("name_id") == name_id:
            log_out(current_user._get_current_object(), request.remote_addr)
            db.session.commit()
            logout_user()
            session.clear()
        return redirect(answer_location)
    abort(400)



def init_saml(app) -> None:
    """SAML sign-in when LIT_SAML_PROVIDERS names identity providers: the providers are checked now (metadata
    files and their signatures included), so a mistake stops the start rather than a sign-in."""
    providers = saml.parse_providers(app.config.get("LIT_SAML_PROVIDERS"))
    app.register_blueprint(bp)
    if not providers:
        return
    oidc = app.extensions["lit_sign_in_providers"]
    clash = {provider.name for provider in oidc} & {provider.name for provider in providers}
    if clash:
        raise saml.SamlConfigError(f"LIT_SAML_PROVIDERS: the name(s) {', '.join(sorted(clash))} are used by "
                                   "LIT_OIDC_PROVIDERS too; each provider needs a name of its own.")
    base_url = (app.config.get("LIT_BASE_URL") or "").rstrip("/")
    if not base_url:
        raise saml.SamlConfigError("SAML sign-in needs LIT_BASE_URL: the site's entity id and addresses are "
                                   "made from it and must not change.")
    key, cert = saml.key_and_cert(app.config)
    for provider in providers:
        if provider.metadata_file:
            saml.fetch_metadata(provider)
    app.extensions["saml"] = saml.Clients(saml.ServiceProvider(base_url, key, cert), providers,
                                          app.config.get("LIT_SAML_METADATA_REFRESH_SECONDS", 6 * 3600))
    sso_client.offer_providers(app, (*oidc, *providers))
