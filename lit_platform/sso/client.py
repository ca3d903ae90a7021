"""Talking to the providers with Authlib: the authorization code flow with PKCE (S256), `state` and `nonce`,
discovery, and the checks on the answer (issuer, signature against the provider's published keys, fetched again
when it signs with a key not seen before, nonce, audience, expiry with a small allowance for clock skew)."""
from __future__ import annotations

from dataclasses import dataclass

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, request, session, url_for
from joserfc.errors import (BadSignatureError, ExpiredTokenError, InvalidClaimError, InvalidTokenError,
                            JoseError, MissingClaimError)

from ..config import ConfigurationError
from .providers import Provider, parse_domains, parse_providers, sso_only_provider
from .services import SignInRefused

EXTENSION = "lit_sso"


@dataclass
class SingleSignOn:
    providers: tuple[Provider, ...]
    sso_only_domains: tuple[str, ...]
    oauth: OAuth
    clock_skew: int

    def provider(self, name: str) -> Provider | None:
        return next((p for p in self.providers if p.name == name), None)


def init_sso(app) -> None:
    """Read and check LIT_OIDC_PROVIDERS and LIT_SSO_ONLY, and register each provider with Authlib (nothing is
    fetched until someone signs in)."""
    providers = parse_providers(app.config.get("LIT_OIDC_PROVIDERS", ""),
                                allow_http_loopback=app.config.get("LIT_ENV") != "production")
    domains = parse_domains(app.config.get("LIT_SSO_ONLY", ""))
    if domains and not providers and not app.config.get("LIT_SAML_PROVIDERS"):
        raise ConfigurationError("LIT_SSO_ONLY names domains that must sign in with single sign-on, but "
                                 "neither LIT_OIDC_PROVIDERS nor LIT_SAML_PROVIDERS configures a provider.")
    oauth = OAuth()
    oauth.init_app(app)
    timeout = float(app.config.get("LIT_OIDC_TIMEOUT_SECONDS", 10))
    for provider in providers:
        oauth.register(provider.name, client_id=provider.client_id, client_secret=provider.client_secret,
                       server_metadata_url=provider.metadata_url,
                       client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256",
                                      "default_timeout": timeout})
    app.extensions[EXTENSION] = SingleSignOn(providers, domains, oauth,
                                             int(app.config.get("LIT_OIDC_CLOCK_SKEW_SECONDS", 60)))
    offer_providers(app, providers)
    app.jinja_env.globals["sign_out_url"] = sign_out_url


def offer_providers(app, providers) -> None:
    """Offer these providers (OpenID Connect and SAML alike) on the sign-in page and in "Find your organisation",
    and ask them before a password is accepted (the accounts area asks through app.extensions: it does not
    import this area)."""
    domains = app.extensions[EXTENSION].sso_only_domains
    app.extensions["lit_sign_in_providers"] = tuple(providers)
    app.extensions["lit_sso_only"] = lambda email: sso_only_provider(tuple(providers), domains, email)
    app.jinja_env.globals["sso_providers"] = tuple(providers)


def sign_in_providers() -> tuple:
    """Every provider people may sign in with, of either kind."""
    return current_app.extensions["lit_sign_in_providers"]


def sign_out_url() -> str:
    """Where the Sign out button posts: after a single sign-on, the page that also offers the provider's sign-out."""
    if session.get("saml_signed_in"):
        return url_for("saml.logout")
    return url_for("sso.sign_out") if session.get("sso_provider") else url_for("accounts.logout")


def sso() -> SingleSignOn:
    return current_app.extensions[EXTENSION]


def _metadata(provider: Provider) -> dict:
    """The provider's discovery document, checked to be about the configured issuer (the mix-up defence)."""
    client = sso().oauth.create_client(provider.name)
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError):
        current_app.logger.warning("sso: the discovery document of %s could not be read", provider.name,
                                   exc_info=True)
        raise SignInRefused(f"{provider.label} could not be reached just now. Try again in a few minutes.",
                            "provider unreachable") from None
    if metadata.get("issuer") != provider.issuer:
        # Authlib keeps a fetched document: forget it so that a corrected provider is read afresh.
        client.server_metadata = {}
        raise SignInRefused(f"{provider.label} describes itself as a different identity provider from the one "
                            "this site is set up to trust, so signing in has been stopped.", "issuer mismatch")
    return metadata


def start(provider: Provider, redirect_uri: str):
    """The redirect to the provider's sign-in page; state, nonce and the PKCE verifier stay in the session."""
    _metadata(provider)
    return sso().oauth.create_client(provider.name).authorize_redirect(redirect_uri)


REFUSALS = (
    (MismatchingStateError, "This sign-in link has expired or was not started here, so it has been refused. "
                            "Start again from the sign-in page.", "state mismatch"),
    (BadSignatureError, "The answer from {label} was not signed with its keys, so it has been refused.",
     "bad signature"),
    (ExpiredTokenError, "The answer from {label} has expired (check that this computer's clock is right), so it "
                        "has been refused. Start again from the sign-in page.", "expired token"),
)
CLAIM_REFUSALS = {
    "nonce": ("The answer from {label} does not belong to this sign-in, so it has been refused. Start again "
              "from the sign-in page.", "nonce mismatch"),
    "iss": ("The answer did not come from {label}, so it has been refused.", "issuer mismatch"),
    "aud": ("The answer from {label} was meant for another service, so it has been refused.", "audience mismatch"),
    "azp": ("The answer from {label} was meant for another service, so it has been refused.", "audience mismatch"),
}


def finish(provider: Provider) -> dict:
    """The verified claims about the person, from the provider's answer to the current request (the callback).

    :raises SignInRefused: with a message for the person and a short reason for the audit log.
    """
    metadata = _metadata(provider)
    label = provider.label
    if request.args.get("error"):
        if request.args["error"] == "access_denied":
            raise SignInRefused(f"Signing in with {label} was cancelled.", "cancelled")
        raise SignInRefused(f"{label} could not sign you in ({request.args['error']}).", "provider error")
    returned_issuer = request.args.get("iss")
    if returned_issuer is not None and returned_issuer != provider.issuer or (
            returned_issuer is None and metadata.get("authorization_response_iss_parameter_supported")):
        raise SignInRefused(f"The answer did not come from {label}, so it has been refused.", "issuer mismatch")
    client = sso().oauth.create_client(provider.name)
    try:
        token = client.authorize_access_token(
            claims_options={"iss": {"essential": True, "values": [provider.issuer]}}, leeway=sso().clock_skew)
    except tuple(kind for kind, _, _ in REFUSALS) as error:
        message, reason = next((m, r) for kind, m, r in REFUSALS if isinstance(error, kind))
        raise SignInRefused(message.format(label=label), reason) from None
    except (InvalidClaimError, MissingClaimError) as error:
        message, reason = CLAIM_REFUSALS.get(error.claim, ("The answer from {label} could not be accepted, so it "
                                                           "has been refused.", f"claim {error.claim}"))
        raise SignInRefused(message.format(label=label), reason) from None
    except (InvalidTokenError, JoseError, ValueError) as error:
        raise SignInRefused(f"The answer from {label} could not be read, so it has been refused.",
                            f"bad token: {type(error).__name__}") from None
    except OAuthError as error:
        if error.error == "invalid_grant":
            raise SignInRefused(f"{label} refused this sign-in: the link was used already or is too old. Start "
                                "again from the sign-in page.", "code refused") from None
        raise SignInRefused(f"{label} could not sign you in ({error.error}).", f"oauth {error.error}") from None
    except requests.RequestException:
        raise SignInRefused(f"{label} could not be reached just now. Try again in a few minutes.",
                            "provider unreachable") from None
    claims = dict(token.get("userinfo") or {})
    if not claims:
        raise SignInRefused(f"{label} did not send an ID token, so it has been refused.", "no id token")
    if metadata.get("userinfo_endpoint"):
        try:
            extra = dict(client.userinfo(token=token))
        except (requests.RequestException, OAuthError, ValueError):
            extra = {}
        if extra.get("sub") == claims["sub"]:
            claims = {**extra, **claims}
    return claims


def logout_url(provider: Provider, return_to: str) -> str | None:
    """The provider's end-session address (RP-initiated logout), or None when it offers none."""
    try:
        metadata = _metadata(provider)
    except SignInRefused:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    client = sso().oauth.create_client(provider.name)
    return client.create_logout_url(post_logout_redirect_uri=return_to, client_id=provider.client_id)["url"]
