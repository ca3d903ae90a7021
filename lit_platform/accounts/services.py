"""Every state change to accounts: registration, sign-in, passwords, roles, units."""
from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import g
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from ..audit import record_event
from ..core.types import utcnow
from ..extensions import db
from ..outbox.links import LINK_PLACEHOLDER
from ..outbox.services import queue_message
from .models import ROLE_VALUES, OrgUnit, PasswordResetToken, Role, Setting, User, UserRole
from .passwords import hash_password, password_problems, verify_password

REGISTRATION_OPEN = "open"
REGISTRATION_CLOSED = "closed"
REGISTRATION_DOMAINS = "domains"
REGISTRATION_MODES = {
    REGISTRATION_OPEN: "Open: anyone may register",
    REGISTRATION_DOMAINS: "Restricted to the e-mail domains listed",
    REGISTRATION_CLOSED: "Closed: accounts are created by administrators only",
}


class AccountError(ValueError):
    """A request that cannot be carried out, with a message fit to show the user."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# Registration policy -------------------------------------------------------------------------

@dataclass(frozen=True)
class RegistrationPolicy:
    mode: str = REGISTRATION_OPEN
    domains: tuple[str, ...] = field(default_factory=tuple)

    def allows(self, email: str) -> bool:
        if self.mode == REGISTRATION_OPEN:
            return True
        if self.mode == REGISTRATION_DOMAINS:
            domain = normalise_email(email).rpartition("@")[2]
            return any(domain == d or domain.endswith("." + d) for d in self.domains)
        return False


def get_setting(key: str, default: str = "") -> str:
    row = db.session.get(Setting, key)
    return row.value if row else default


def put_setting(key: str, value: str) -> None:
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value


def registration_policy() -> RegistrationPolicy:
    mode = get_setting("registration_mode", REGISTRATION_OPEN)
    domains = tuple(d for d in get_setting("registration_domains").split() if d)
    return RegistrationPolicy(mode if mode in REGISTRATION_MODES else REGISTRATION_OPEN, domains)


VISITORS_MAY_BROWSE = "visitors_may_browse"


def visitors_may_browse() -> bool:
    """Whether people who have not signed in may browse the course catalogue and course pages (on unless an
    administrator turned it off)."""
    if VISITORS_MAY_BROWSE not in g:  # read once per request: the check and the menu both ask
        g.visitors_may_browse = get_setting(VISITORS_MAY_BROWSE, "yes") == "yes"
    return g.visitors_may_browse


def set_visitors_may_browse(allowed: bool, actor: User) -> None:
    if allowed != visitors_may_browse():
        put_setting(VISITORS_MAY_BROWSE, "yes" if allowed else "no")
        g.visitors_may_browse = allowed
        record_event("settings.catalogue_opened_to_visitors" if allowed else "settings.catalogue_closed_to_visitors",
                     actor, "settings", VISITORS_MAY_BROWSE)


def set_registration_policy(mode: str, domains: list[str], actor: User,
                            visitors_may_browse: bool | None = None) -> RegistrationPolicy:
    """Who may register and, when `visitors_may_browse` is given, whether visitors may browse the courses."""
    if mode not in REGISTRATION_MODES:
        raise AccountError("Choose one of the registration modes.")
    cleaned = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    if mode == REGISTRATION_DOMAINS and not cleaned:
        raise AccountError("List at least one e-mail domain, or choose another mode.")
    put_setting("registration_mode", mode)
    put_setting("registration_domains", " ".join(cleaned))
    record_event("registration.policy_changed", actor, "settings", "registration", mode=mode, domains=cleaned)
    if visitors_may_browse is not None:
        set_visitors_may_browse(visitors_may_browse, actor)
    return registration_policy()


# Users ---------------------------------------------------------------------------------------

def create_user(
    email: str,
    name: str,
    password: str | None = None,
    roles: list[str] | tuple[str, ...] = (Role.LEARNER.value,),
    org_unit: OrgUnit | None = None,
    actor: User | None = None,
) -> User:
    """Create an account; without a password the user sets one through a reset e-mail."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise AccountError("Enter an e-mail address.")
    if find_user_by_email(email):
        raise AccountError(f"An account with the e-mail address {email} already exists.")
    unknown = set(roles) - set(ROLE_VALUES)
    if unknown:
        raise AccountError(f"Unknown role: {', '.join(sorted(unknown))}.")
    if password is not None:
        problems = password_problems(password, email, name)
        if problems:
            raise AccountError(" ".join(problems))
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        org_unit=org_unit,
        password_changed_at=utcnow() if password else None,
    )
    user.role_rows = [UserRole(role=r) for r in sorted(set(roles) or {Role.LEARNER.value})]
    db.session.add(user)
    db.session.flush()
    record_event("user.created", actor, "user", user.id, roles=sorted(user.roles))
    return user


#: how long the link that finishes a registration works
REGISTRATION_LINK_HOURS = 24


def _registration_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="lit-platform.registration")


def start_registration(email: str, secret_key: str, finish_url_for, sign_in_url: str, reset_url: str,
                       ip_address: str | None = None) -> None:
    """Send the link that finishes creating an account; to an address that already has one, say so instead.

    The page shown afterwards is the same either way, so registering tells nobody whether an address has an
    account; only the address's owner learns it, from the e-mail.
    """
    email = normalise_email(email)
    if not registration_policy().allows(email):
        raise AccountError("Registration is not open to this e-mail address.")
    user = find_user_by_email(email)
    if user is not None:
        closed = "" if user.is_active else (
            "That account is closed at present; ask the library team to open it again.\n\n")
        queue_message(
            user.email,
            "You already have an account",
            f"Hello {user.name},\n\nSomeone (we hope you) tried to create an account with this e-mail address, "
            "but you already have one.\n\n" + closed
            + f"Sign in: {sign_in_url}\nForgotten your password? Choose a new one: {reset_url}\n\n"
            "If this was not you, you can ignore this e-mail; nothing has changed.\n",
            user_id=user.id,
        )
        record_event("registration.existing_address", None, "user", user.id, ip_address=ip_address)
        return
    token = _registration_serializer(secret_key).dumps(email)
    queue_message(
        email,
        "Finish creating your account",
        "Hello,\n\nSomeone (we hope you) asked to create an account with this e-mail address.\n"
        f"Open this link within {REGISTRATION_LINK_HOURS} hours to choose your name and password:\n\n"
        f"{LINK_PLACEHOLDER}\n\n"
        "If this was not you, ignore this e-mail; no account is created without the link.\n",
        link=finish_url_for(token),
        link_expires_at=utcnow() + timedelta(hours=REGISTRATION_LINK_HOURS),
    )
    record_event("registration.started", None, ip_address=ip_address)


def registration_address(token: str, secret_key: str) -> str | None:
    """The e-mail address a registration link was sent to, or None if the link is not valid or has expired."""
    try:
        email = _registration_serializer(secret_key).loads(token, max_age=REGISTRATION_LINK_HOURS * 3600)
    except BadData:
        return None
    return email if isinstance(email, str) else None


def register_user(email: str, name: str, password: str, ip_address: str | None = None) -> User:
    """Self-registration, within the installation's registration policy (after the address is confirmed)."""
    if not registration_policy().allows(email):
        raise AccountError("Registration is not open to this e-mail address.")
    user = create_user(email, name, password)
    record_event("user.registered", user, "user", user.id, ip_address=ip_address)
    return user


def authenticate(email: str, password: str, ip_address: str | None = None, admins_only: bool = False) -> User | None:
    """Check credentials; log the success or failure either way. `admins_only`: the address must sign in with
    single sign-on, so only an administrator's break-glass password is accepted."""
    user = find_user_by_email(email)
    if user is not None and user.is_active and admins_only and not user.has_role(Role.ADMIN):
        verify_password(None, password)
        record_event("login.failed", None, "user", user.id, ip_address=ip_address, reason="single sign-on only")
        return None
    if user is None or not user.is_active:
        verify_password(None, password)
        if user is None:
            record_event("login.failed", None, "user", None, ip_address=ip_address, reason="unknown account",
                         email=normalise_email(email)[:254])
        else:
            record_event("login.failed", None, "user", user.id, ip_address=ip_address, reason="inactive account")
        return None
    if not verify_password(user.password_hash, password):
        record_event("login.failed", user, "user", user.id, ip_address=ip_address, reason="wrong password")
        return None
    user.last_login_at = utcnow()
    record_event("login.succeeded", user, "user", user.id, ip_address=ip_address)
    return user


def end_sessions(user: User) -> None:
    """Sign the user out everywhere: existing session cookies stop matching."""
    user.session_version += 1


def log_out(user: User, ip_address: str | None = None) -> None:
    end_sessions(user)
    record_event("logout", user, "user", user.id, ip_address=ip_address)


def update_profile(user: User, name: str) -> None:
    user.name = name.strip()
    record_event("user.profile_updated", user, "user", user.id)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("Your current password is not right.")
    problems = password_problems(new, user.email, user.name)
    if problems:
        raise AccountError(" ".join(problems))
    _set_password(user, new)
    record_event("user.password_changed", user, "user", user.id)


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_sessions(user)
    # Any other reset link still in a mailbox stops working once the password has been chosen.
    db.session.execute(update(PasswordResetToken)
                       .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
                       .values(used_at=user.password_changed_at))


# Password reset ------------------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_password_reset(email: str, reset_url_for, minutes: int, ip_address: str | None = None,
                           admins_only: bool = False) -> None:
    """Send a reset link if the account exists; say nothing either way. `admins_only`: the address signs in with
    single sign-on, so only an administrator's break-glass account gets a link."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or (admins_only and not user.has_role(Role.ADMIN)):
        record_event("password_reset.requested_unknown", None, ip_address=ip_address)
        return
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(minutes=minutes)
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=_token_hash(token), expires_at=expires_at))
    queue_message(
        user.email,
        "Reset your password",
        f"Hello {user.name},\n\nSomeone (we hope you) asked to reset the password of your account.\n"
        f"Open this link within {minutes} minutes to choose a new password:\n\n{LINK_PLACEHOLDER}\n\n"
        "The link works once. If you did not ask for this, ignore this e-mail; your password "
        "stays as it is.\n",
        user_id=user.id,
        link=reset_url_for(token),
        link_expires_at=expires_at,
    )
    record_event("password_reset.requested", user, "user", user.id, ip_address=ip_address)


#: how long the link in the e-mail sent to an account created by an administrator works
INVITATION_HOURS = 72


def send_invitation(user: User, set_password_url_for, actor: User | None = None,
                    hours: int = INVITATION_HOURS) -> None:
    """Queue the e-mail with which a person whose account an administrator created chooses a password."""
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordResetToken(
        user_id=user.id, token_hash=_token_hash(token), expires_at=utcnow() + timedelta(hours=hours)
    ))
    queue_message(
        user.email,
        "Your new account",
        f"Hello {user.name},\n\nAn account has been created for you with this e-mail address.\n"
        f"Open this link within {hours} hours to choose your password:\n\n{set_password_url_for(token)}\n\n"
        "The link works once. After that, use 'Forgotten your password?' on the sign-in page.\n",
        user_id=user.id,
    )
    record_event("user.invited", actor, "user", user.id)


def find_reset_token(token: str) -> PasswordResetToken | None:
    row = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token)))
    if row is None or row.used_at is not None or row.expires_at < utcnow() or not row.user.is_active:
        return None
    return row


def reset_password(token: str, new_password: str) -> User:
    row = find_reset_token(token)
    if row is None:
        raise AccountError("This reset link has expired or has already been used. Ask for a new one.")
    problems = password_problems(new_password, row.user.email, row.user.name)
    if problems:
        raise AccountError(" ".join(problems))
    row.used_at = utcnow()
    _set_password(row.user, new_password)
    record_event("password_reset.completed", row.user, "user", row.user.id)
    return row.user


# Administration ------------------------------------------------------------------------------

def set_roles(user: User, roles: list[str], actor: User) -> None:
    wanted = set(roles) & set(ROLE_VALUES)
    if not wanted:
        raise AccountError("A user needs at least one role.")
    if user.id == actor.id and Role.ADMIN.value in user.roles and Role.ADMIN.value not in wanted:
        raise AccountError("You cannot remove your own administrator role.")
    before = sorted(user.roles)
    if set(before) == wanted:
        return
    user.role_rows = [UserRole(role=r) for r in sorted(wanted)]
    end_sessions(user)
    record_event("user.roles_changed", actor, "user", user.id, before=before, after=sorted(wanted))


def set_org_unit(user: User, unit: OrgUnit | None, actor: User) -> None:
    if user.org_unit_id == (unit.id if unit else None):
        return
    before = user.org_unit.path if user.org_unit else None
    user.org_unit = unit
    record_event("user.unit_changed", actor, "user", user.id, before=before, after=unit.path if unit else None)


def set_active(user: User, active: bool, actor: User) -> None:
    if user.id == actor.id and not active:
        raise AccountError("You cannot deactivate your own account.")
    if user.is_active == active:
        return
    user.is_active = active
    end_sessions(user)
    record_event("user.reactivated" if active else "user.deactivated", actor, "user", user.id)


def _find_unit(name: str, parent: OrgUnit | None) -> OrgUnit | None:
    """The unit of that name (whatever its capitals) directly under `parent`."""
    query = select(OrgUnit).where(func.lower(OrgUnit.name) == name.strip().lower())
    if parent is None:
        return db.session.scalar(query.where(OrgUnit.parent_id.is_(None)))
    return db.session.scalar(query.where(OrgUnit.parent_id == parent.id))


def create_org_unit(name: str, parent: OrgUnit | None, kind: str, actor: User | None) -> OrgUnit:
    name = name.strip()
    if not name:
        raise AccountError("Enter a name.")
    if _find_unit(name, parent):
        raise AccountError(f"There is already a unit called {name} there.")
    unit = OrgUnit(name=name, parent=parent, kind=kind.strip() or "department")
    db.session.add(unit)
    db.session.flush()
    record_event("org_unit.created", actor, "org_unit", unit.id, name=name)
    return unit


def find_or_create_unit_path(path: str, actor: User | None = None) -> OrgUnit:
    """Resolve 'Faculty / School / Cohort', creating missing units."""
    parent = None
    for name in [p.strip() for p in path.split("/") if p.strip()]:
        parent = _find_unit(name, parent) or create_org_unit(name, parent, "department", actor)
    if parent is None:
        raise AccountError("Enter an organisation unit.")
    return parent


def find_unit_path(path: str) -> OrgUnit | None:
    """The unit at 'Faculty / School / Cohort' (capitals ignored), or None if any part is missing."""
    parent = None
    for name in [p.strip() for p in path.split("/") if p.strip()]:
        parent = _find_unit(name, parent)
        if parent is None:
            return None
    return parent


@dataclass
class ImportResult:
    created: list[User] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def import_users_csv(text: str, filename: str = "users.csv", actor: User | None = None,
                     create_units: bool = False) -> ImportResult:
    """Create users from CSV with header email,name,roles,org_unit; any bad row imports nothing.

    Units are matched by path, ignoring capitals; a unit that does not exist is an error unless
    `create_units`, so a typo cannot start a second unit tree.
    """
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text))
    expected = {"email", "name", "roles"}
    header = {(h or "").strip().lower() for h in (reader.fieldnames or [])}
    reader.fieldnames = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    if not expected <= header:
        missing = ", ".join(sorted(expected - header))
        result.errors.append(f"{filename}, line 1: the header lacks {missing} (expected email,name,roles,org_unit)")
        return result
    rows, seen = [], {}
    for row in reader:
        line = reader.line_num
        email = normalise_email(row.get("email") or "")
        name = (row.get("name") or "").strip()
        roles = [r.strip().lower() for r in (row.get("roles") or "").split(";") if r.strip()]
        problems = []
        if not email or "@" not in email or " " in email:
            problems.append(f"'{row.get('email') or ''}' is not an e-mail address")
        elif email in seen:
            problems.append(f"{email} already appears on line {seen[email]}")
        elif find_user_by_email(email):
            problems.append(f"an account for {email} already exists")
        if not name:
            problems.append("the name is empty")
        bad_roles = [r for r in roles if r not in ROLE_VALUES]
        if bad_roles:
            problems.append(f"unknown role {', '.join(bad_roles)} (use {', '.join(ROLE_VALUES)})")
        unit_path = " / ".join(p.strip() for p in (row.get("org_unit") or "").split("/") if p.strip())
        if unit_path and not create_units and find_unit_path(unit_path) is None:
            problems.append(f"there is no organisation unit '{unit_path}' (check the spelling, add it under "
                            "Organisation units, or allow new units to be created)")
        for problem in problems:
            result.errors.append(f"{filename}, line {line}: {problem}")
        seen.setdefault(email, line)
        rows.append((email, name, roles or [Role.LEARNER.value], unit_path))
    if result.errors:
        return result
    for email, name, roles, unit_path in rows:
        unit = find_or_create_unit_path(unit_path, actor) if unit_path else None
        result.created.append(create_user(email, name, None, roles, unit, actor))
    record_event("users.imported", actor, count=len(result.created), file=filename)
    return result
