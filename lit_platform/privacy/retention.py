"""Retention: find what has passed its period, have an administrator approve it, then act on exactly that.

Each rule reads its period from the registry (so LIT_RETENTION changes it) and counts back from `now`,
which callers pass in: `lit retention review` records what each rule finds as a pending review;
an administrator approves it (audited); `lit retention apply` erases or anonymises the approved rows,
leaving out any that no longer qualify (a learner who has signed in since, for example).

"Inactive" for a learner means: no sign-in, and nothing done on the site (an attempt, a module opened or
completed, an enrolment, a booking or a session attended, a saved search, feedback, a calendar feed or
API token used) since the cut-off, on an account created before it. Staff accounts are never erased
automatically: an administrator erases them when the person leaves.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, null, or_, select, update

from ..accounts.models import Role, User, UserRole
from ..audit import record_event
from ..extensions import db
from . import erasure
from .links import table
from .models import RetentionReview
from .registry import declaration

CHUNK = 5000
STAFF_ROLES = (Role.LIBRARIAN.value, Role.MANAGER.value, Role.ADMIN.value)

#: (table, column naming the user, columns holding times of activity)
ACTIVITY = (
    ("attempts", "user_id", ("started_at", "submitted_at")),
    ("module_progress", "user_id", ("first_viewed_at", "completed_at")),
    ("enrolments", "user_id", ("enrolled_at", "completed_at")),
    ("bookings", "user_id", ("booked_at", "checked_in_at", "attendance_marked_at")),
    ("saved_searches", "user_id", ("updated_at",)),
    ("session_survey_responses", "user_id", ("created_at",)),
    ("api_tokens", "user_id", ("last_used_at",)),
    ("calendar_feeds", "user_id", ("last_used_at",)),
)


class RetentionError(ValueError):
    """A review that cannot be approved or applied, with a message fit to show."""


@dataclass(frozen=True)
class Rule:
    key: str
    #: the registry table whose retention period applies
    table: str
    #: what the rule finds, completing "... for longer than 3 years"
    finds: str
    #: what applying it does
    does: str
    #: the ids of rows past the cut-off
    query: Callable[[datetime], object]
    act: Callable[[list[int], dict], int]


# What each rule finds -------------------------------------------------------------------------

def _inactive_learners(cutoff: datetime):
    users = User.__table__.c
    conditions = [
        users.created_at < cutoff,
        or_(users.last_login_at.is_(None), users.last_login_at < cutoff),
        users.email.not_like(f"%@{erasure.ERASED_DOMAIN}"),
        exists().where(UserRole.user_id == users.id, UserRole.role == Role.LEARNER.value),
        ~exists().where(UserRole.user_id == users.id, UserRole.role.in_(STAFF_ROLES)),
    ]
    for name, column, times in ACTIVITY:
        t = table(name)
        conditions.append(~exists().where(t.c[column] == users.id, or_(*(t.c[time] >= cutoff for time in times))))
    bookings, sessions = table("bookings"), table("sessions")
    conditions.append(~exists().where(bookings.c.user_id == users.id, sessions.c.id == bookings.c.session_id,
                                      sessions.c.starts_at >= cutoff))
    return select(users.id).where(*conditions)


def _anonymous_codes(cutoff: datetime):
    p = table("assessment_participants").c
    return select(p.id).where(p.code.is_not(None), p.user_id.is_(None), p.created_at < cutoff)


def _reset_tokens(cutoff: datetime):
    t = table("password_reset_tokens").c
    return select(t.id).where(t.expires_at < cutoff)


def _sent_email(cutoff: datetime):
    t = table("outbox_messages").c
    return select(t.id).where(t.status.in_(("sent", "failed")), func.coalesce(t.sent_at, t.created_at) < cutoff)


def _audit_events(cutoff: datetime):
    t = table("audit_events").c
    return select(t.id).where(t.created_at < cutoff)


def _privacy_requests(cutoff: datetime):
    t = table("privacy_requests").c
    return select(t.id).where(t.status == "completed", t.completed_at < cutoff)


def _retention_reviews(cutoff: datetime):
    t = table("retention_reviews").c
    return select(t.id).where(t.status == "applied", t.applied_at < cutoff)


# What applying each rule does -----------------------------------------------------------------

def _erase_learners(ids: list[int], context: dict) -> int:
    for user_id in ids:
        user = db.session.get(User, user_id)
        erasure.erase_user(user, None, context["config"], review_id=context["review_id"], now=context["now"])
    return len(ids)


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _clear_codes(ids: list[int], context: dict) -> int:
    participants, entries, responses = table("assessment_participants"), table("assessment_attempts"), table("responses")
    for chunk in _chunks(ids):
        db.session.execute(update(responses).where(responses.c.attempt_id.in_(
            select(entries.c.attempt_id).where(entries.c.participant_id.in_(chunk)))).values(answer=null(), feedback=null()))
        db.session.execute(update(participants).where(participants.c.id.in_(chunk)).values(code=None))
    return len(ids)


def _deleter(name: str):
    def act(ids: list[int], context: dict) -> int:
        t = table(name)
        # A plain DELETE: audit events refuse deletion through the ORM, and retention is the one process
        # that may remove them, once approved (and the removal is itself audited).
        return sum(db.session.execute(delete(t).where(t.c.id.in_(chunk))).rowcount for chunk in _chunks(ids))
    return act


RULES: tuple[Rule, ...] = (
    Rule("inactive_learners", "users", "learner accounts with no activity",
         "erased (names and e-mail addresses removed, learning records kept anonymously)",
         _inactive_learners, _erase_learners),
    Rule("anonymous_codes", "assessment_participants", "anonymous workshop codes and the answers given under them",
         "codes and answers removed, scores kept", _anonymous_codes, _clear_codes),
    Rule("reset_tokens", "password_reset_tokens", "expired password reset links", "deleted", _reset_tokens,
         _deleter("password_reset_tokens")),
    Rule("sent_email", "outbox_messages", "sent or undeliverable e-mail", "deleted", _sent_email,
         _deleter("outbox_messages")),
    Rule("audit_events", "audit_events", "audit log entries", "deleted", _audit_events, _deleter("audit_events")),
    Rule("privacy_requests", "privacy_requests", "completed requests about personal data", "deleted",
         _privacy_requests, _deleter("privacy_requests")),
    Rule("retention_reviews", "retention_reviews", "applied retention reviews", "deleted", _retention_reviews,
         _deleter("retention_reviews")),
)
RULES_BY_KEY = {rule.key: rule for rule in RULES}


def cutoff(rule: Rule, config, now: datetime) -> datetime:
    return declaration(config, rule.table).duration.before(now)


def period_in_words(rule: Rule, config) -> str:
    return declaration(config, rule.table).duration.in_words()


def due(config, now: datetime) -> dict[str, list[int]]:
    """Rule -> ids of the rows that have passed their retention period at `now`."""
    return {rule.key: sorted(db.session.scalars(rule.query(cutoff(rule, config, now))).all()) for rule in RULES}


# Services --------------------------------------------------------------------------------------

def start_review(config, now: datetime, actor=None) -> RetentionReview | None:
    """Record what has passed its period as a pending review (None when nothing has)."""
    items = {key: ids for key, ids in due(config, now).items() if ids}
    if not items:
        return None
    review = RetentionReview(as_of=now, created_at=now, items=items, created_by_id=getattr(actor, "id", None))
    db.session.add(review)
    db.session.flush()
    record_event("retention.reviewed", actor, "retention_review", review.id,
                 counts={key: len(ids) for key, ids in items.items()})
    return review


def approve_review(review: RetentionReview, actor, now: datetime) -> RetentionReview:
    if actor is None or not actor.has_role(Role.ADMIN):
        raise RetentionError("Only an administrator may approve a retention review.")
    if review.status != "pending":
        raise RetentionError(f"Review {review.id} is {review.status}, not waiting for approval.")
    review.status, review.approved_at, review.approved_by_id = "approved", now, actor.id
    db.session.flush()
    record_event("retention.approved", actor, "retention_review", review.id,
                 counts={key: len(ids) for key, ids in review.items.items()})
    return review


def apply_review(review: RetentionReview, config, now: datetime) -> dict[str, dict[str, int]]:
    """Act on the approved rows that still qualify at `now`; returns {rule: {"done": n, "skipped": m}}.

    The review's row is locked and read again first, so of two runs at once (cron on two machines) the
    second waits and then finds the review applied. On SQLite the caller takes the write lock first.
    """
    db.session.refresh(review, with_for_update=True)
    if review.status != "approved":
        raise RetentionError(f"Review {review.id} is {review.status}; only an approved review can be applied.")
    summary = {}
    context = {"config": config, "review_id": review.id, "now": now}
    for key, approved in review.items.items():
        rule = RULES_BY_KEY[key]
        query = rule.query(cutoff(rule, config, now))
        still = set()
        for chunk in _chunks(approved):
            still.update(db.session.scalars(query.where(query.selected_columns[0].in_(chunk))).all())
        if key == "retention_reviews":
            still.discard(review.id)
        ids = sorted(still)
        done = rule.act(ids, context) if ids else 0
        summary[key] = {"done": done, "skipped": len(approved) - len(ids)}
    review.status, review.applied_at, review.applied = "applied", now, summary
    db.session.flush()
    record_event("retention.applied", None, "retention_review", review.id, summary=summary)
    return summary
