"""Signing in with a provider: find the person by their linked identity, link or create an account, and apply the
provider's role and unit rules."""
from __future__ import annotations

from flask import current_app

from sqlalchemy import select

from ..accounts.models import Role, User, UserRole
from ..accounts.services import (AccountError, create_user, end_sessions, find_or_create_unit_path,
                                 find_user_by_email, normalise_email)
from ..audit import record_event
from ..core.types import utcnow
from ..extensions import db
from .models import LinkedIdentity
from .providers import Provider


class SignInRefused(Exception):
    """Signing in did not happen: `message` says why to the person trying, `reason` to the audit log."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message, self.reason = message, reason


def email_verified(claims: dict) -> bool:
    """True only when the provider asserts the address is verified (a missing claim is not a yes)."""
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _email(claims: dict) -> str | None:
    """The address the provider gave, normalised; None when it gave none that fits an address column."""
    value = claims.get("email")
    email = normalise_email(value) if isinstance(value, str) else ""
    return email if "@" in email and len(email) <= 254 else None


def find_identity(provider: str, subject: str) -> LinkedIdentity | None:
    return db.session.scalar(select(LinkedIdentity).where(LinkedIdentity.provider == provider,
                                                          LinkedIdentity.subject == subject))


def _display_name(claims: dict, email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    return (name or email.partition("@")[0]).strip()[:120]


def _link(user: User, provider: Provider, subject: str, email: str | None, ip_address: str | None) -> LinkedIdentity:
    identity = LinkedIdentity(user_id=user.id, provider=provider.name, subject=subject, email=email or None)
    db.session.add(identity)
    db.session.flush()
    record_event("sso.linked", user, "user", user.id, ip_address=ip_address, provider=provider.name,
                 identity_id=identity.id)
    return identity


def _refuse_closed(user: User) -> None:
    if not user.is_active:
        raise SignInRefused("This account has been closed. Ask the library if you need it again.", "inactive account")


def sign_in(provider: Provider, claims: dict, ip_address: str | None = None) -> User:
    """The account of the person the provider vouched for (`claims` already verified), found by the provider's
    subject identifier; linked by a verified e-mail address, or created, the first time.

    :raises SignInRefused: the provider gave no subject; the account is closed; the provider is link-only and
        the person has no account here; an account has the address but the provider did not verify it.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SignInRefused(f"{provider.label} did not say who you are (no subject identifier).", "no subject")
    identity = find_identity(provider.name, subject)
    email = _email(claims) or ""
    if identity is not None:
        user = identity.user
        _refuse_closed(user)
    else:
        user = find_user_by_email(email) if email else None
        if user is not None and not email_verified(claims):
            raise SignInRefused(
                f"An account here already uses the address {email}, but {provider.label} did not confirm that the "
                "address is yours, so the two cannot be joined. Sign in with your password instead, or ask the "
                "library to link your accounts.", "e-mail address not verified")
        if user is None:
            if provider.link_only:
                raise SignInRefused(f"Signing in with {provider.label} works only for people who already have an "
                                    "account here, and there is none for you. Ask the library to create one.",
                                    "no account (link only)")
            if not email or "@" not in email:
                raise SignInRefused(f"{provider.label} did not share your e-mail address, which an account here "
                                    "needs. Ask the library for help.", "no e-mail address")
            try:
                user = create_user(email, _display_name(claims, email))
            except AccountError as error:
                raise SignInRefused(str(error), "account not created") from None
            record_event("user.registered", user, "user", user.id, ip_address=ip_address, provider=provider.name)
        _refuse_closed(user)
        identity = _link(user, provider, subject, email, ip_address)
    apply_rules(user, provider, claims)
    identity.last_used_at = user.last_login_at = utcnow()
    record_event("login.succeeded", user, "user", user.id, ip_address=ip_address, method="sso",
                 provider=provider.name)
    return user


def link_signed_in(user: User, provider: Provider, claims: dict, ip_address: str | None = None) -> LinkedIdentity:
    """Link the provider account the signed-in person just proved is theirs to their account here, and apply the
    provider's rules.

    :raises SignInRefused: the provider gave no subject, or that provider account is linked to someone else.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SignInRefused(f"{provider.label} did not say who you are (no subject identifier).", "no subject")
    identity = find_identity(provider.name, subject)
    if identity is not None and identity.user_id != user.id:
        raise SignInRefused(f"This {provider.label} account is already linked to another account here. Sign in "
                            "with it to use that account, or ask the library to unlink it.", "linked elsewhere")
    if identity is None:
        identity = _link(user, provider, subject, _email(claims), ip_address)
    apply_rules(user, provider, claims)
    identity.last_used_at = utcnow()
    return identity


def may_unlink(user: User, identity: LinkedIdentity) -> bool:
    """A person may unlink their own sign-in only while they keep another way in (a password or another link)."""
    return identity.user_id == user.id and (bool(user.password_hash) or len(identities(user)) > 1)


def apply_rules(user: User, provider: Provider, claims: dict) -> None:
    """Give and take away the roles the provider's rules manage, and move the person to the unit the first
    matching unit rule names; each change is audited. Roles the rules do not mention are left alone."""
    managed = provider.managed_roles
    before = set(user.roles)
    after = (before - managed) | provider.roles_for(claims)
    if not after:
        after = {Role.LEARNER.value}
    if after != before:
        user.role_rows = [UserRole(role=role) for role in sorted(after)]
        end_sessions(user)
        record_event("user.roles_changed", None, "user", user.id, before=sorted(before), after=sorted(after),
                     source=f"sso:{provider.name}")
    path = provider.unit_for(claims)
    if path is not None:
        unit = find_or_create_unit_path(path)
        if user.org_unit_id != unit.id:
            record_event("user.unit_changed", None, "user", user.id,
                         before=user.org_unit.path if user.org_unit else None, after=unit.path,
                         source=f"sso:{provider.name}")
            user.org_unit = unit


def identities(user: User) -> list[LinkedIdentity]:
    """The person's linked identities, oldest first."""
    return db.session.scalars(select(LinkedIdentity).where(LinkedIdentity.user_id == user.id)
                              .order_by(LinkedIdentity.id)).all()


def unlink(identity: LinkedIdentity, actor: User) -> None:
    """Remove a link: the next sign-in with that provider account links or creates afresh."""
    record_event("sso.unlinked", actor, "user", identity.user_id, provider=identity.provider,
                 identity_id=identity.id)
    db.session.delete(identity)
    db.session.flush()


def refused_sign_in_limit() -> str:
    """Refused single sign-on answers count against the same per-address limit as wrong passwords: each one
    costs a signature check, and a stream of them is someone probing."""
    return current_app.config["LIT_LOGIN_ADDRESS_RATE_LIMIT"]


def was_refused(response) -> bool:
    return response.status_code == 403
