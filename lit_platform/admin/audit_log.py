"""The audit log read as sentences: who did what to whom, when, in the site's zone and format."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from ..accounts.models import User
from ..audit import AuditEvent
from ..extensions import db

PER_PAGE = 50


def _list(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    return "none" if value in (None, "") else str(value)


def _counts(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{n} {key.replace('_', ' ')}" for key, n in value.items()) or "nothing"
    return _list(value)


#: action -> sentence without its time; {actor} and {subject} are people's names (or a stand-in),
#: {object} the object ("session 12"), {d[key]} a detail
SENTENCES: dict[str, str] = {
    "login.succeeded": "{actor} signed in",
    "login.failed": "A sign-in to {subject} failed ({d[reason]})",
    "logout": "{actor} signed out",
    "user.created": "{actor} created the account of {subject} ({roles})",
    "user.invited": "{actor} sent {subject} a link to choose a password",
    "user.registered": "{subject} registered",
    "user.roles_changed": "{actor} changed {subjects} roles from {before} to {after}",
    "user.unit_changed": "{actor} moved {subject} from {before} to {after}",
    "user.deactivated": "{actor} deactivated the account of {subject}",
    "user.reactivated": "{actor} reactivated the account of {subject}",
    "user.profile_updated": "{actor} updated their profile",
    "user.password_changed": "{actor} changed their password",
    "user.erased": "{actor} erased the personal data of {subject}",
    "users.imported": "{actor} imported {d[count]} user(s) from {d[file]}",
    "password_reset.requested": "{subject} asked for a password reset link",
    "password_reset.requested_unknown": "Someone asked for a password reset for an address with no account",
    "password_reset.completed": "{subject} chose a new password with a reset link",
    "registration.started": "Someone started registering",
    "registration.existing_address": "Someone tried to register again with the address of {subject}",
    "registration.policy_changed": "{actor} set registration to {d[mode]}",
    "settings.catalogue_opened_to_visitors": "{actor} let visitors who are not signed in browse the courses",
    "settings.catalogue_closed_to_visitors": "{actor} asked visitors to sign in before browsing the courses",
    "org_unit.created": "{actor} added the organisation unit {d[name]}",
    "sessions.imported": "{actor} scheduled {d[count]} session(s) from {d[file]}",
    "session.created": "{actor} scheduled the session {d[title]}",
    "retention.reviewed": "{actor} started retention review {object_id}, finding {counts}",
    "retention.approved": "{actor} approved retention review {object_id}",
    "retention.applied": "{actor} applied retention review {object_id}",
}


#: sentences for events no signed-in person caused (self-registration, the command line)
_WITHOUT_ACTOR = {
    "user.created": "The account of {subject} was created ({roles})",
    "user.invited": "{subject} was sent a link to choose a password",
    "users.imported": "{d[count]} user(s) were imported from {d[file]}",
    "sessions.imported": "{d[count]} session(s) were scheduled from {d[file]}",
    "retention.reviewed": "Retention review {object_id} was started, finding {counts}",
}

#: acts a person does to their own account: the subject is the actor
_OWN_ACTS = {"login.succeeded", "logout", "user.profile_updated", "user.password_changed"}


class _Details(dict):
    def __missing__(self, key):
        return "?"


@dataclass
class LogLine:
    event: AuditEvent
    sentence: str


def _possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def sentence(event: AuditEvent, actor_name: str | None, subject_name: str | None, zone: ZoneInfo) -> str:
    """"Ann Admin changed Bob Learner's roles from learner to librarian on 4 December 2026 at 14:05"."""
    details = event.details or {}
    if event.object_type == "user" and event.object_id:
        subject = subject_name or f"user {event.object_id}"
    else:
        subject = subject_name or "an unknown account"
    if actor_name:
        actor = actor_name
    elif event.action in _OWN_ACTS:
        actor = subject
    else:
        actor = "Someone (not signed in, or at the command line)"
    template = SENTENCES.get(event.action)
    if not actor_name and event.action in _WITHOUT_ACTOR:
        template = _WITHOUT_ACTOR[event.action]
    if template is None:
        what = event.action.replace("_", " ").replace(".", ": ")
        target = f" ({event.object_type.replace('_', ' ')} {event.object_id})" if event.object_type else ""
        text = f"{actor}: {what}{target}"
    else:
        text = template.format(
            actor=actor,
            subject=subject, subjects=_possessive(subject), object_id=event.object_id or "?",
            before=_list(details.get("before")), after=_list(details.get("after")),
            roles=_list(details.get("roles")), counts=_counts(details.get("counts")), d=_Details(details))
        text = text[0].upper() + text[1:]
    local = event.created_at.astimezone(zone)
    return f"{text} on {local.strftime('%-d %B %Y')} at {local.strftime('%H:%M')}"


@dataclass
class Page:
    items: list[LogLine]
    page: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def actions() -> list[str]:
    """Every action in the log, plus the ones with sentences, sorted."""
    found = db.session.scalars(select(AuditEvent.action).distinct()).all()
    return sorted(set(found) | set(SENTENCES))


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def log_page(zone: ZoneInfo, page: int = 1, person: str = "", action: str = "",
             date_from: date | None = None, date_to: date | None = None) -> Page:
    """One page of the log, newest first, filtered; the page's names come in the same query.

    The filters and the page are worked out on the events alone (a person is a set of user ids), and only the
    page's events are joined to the people they name, so a late page or a person filter stays quick.
    """
    conditions = []
    if person:
        pattern = f"%{person.lower()}%"
        people = or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern))
        conditions.append(or_(
            AuditEvent.actor_id.in_(select(User.id).where(people)),
            and_(AuditEvent.object_type == "user",
                 AuditEvent.object_id.in_(select(cast(User.id, String)).where(people)))))
    if action:
        conditions.append(AuditEvent.action == action)
    if date_from:
        conditions.append(AuditEvent.created_at >= _day_start(date_from, zone))
    if date_to:
        conditions.append(AuditEvent.created_at < _day_start(date_to + timedelta(days=1), zone))
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*conditions))
    page = max(1, min(page, max(1, math.ceil(total / PER_PAGE))))
    page_ids = (select(AuditEvent.id).where(*conditions).order_by(AuditEvent.id.desc())
                .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).subquery()
    actor, subject = aliased(User), aliased(User)
    # object_id is text; only a user event's holds a user id, and CASE keeps the cast to those rows.
    subject_id = case((AuditEvent.object_type == "user", cast(AuditEvent.object_id, Integer)))
    rows = db.session.execute(
        select(AuditEvent, actor.name, subject.name)
        .join(page_ids, page_ids.c.id == AuditEvent.id)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(subject, subject.id == subject_id)
        .order_by(AuditEvent.id.desc())).all()
    return Page([LogLine(event, sentence(event, actor_name, subject_name, zone))
                 for event, actor_name, subject_name in rows], page, total)
