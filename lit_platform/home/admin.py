"""The administrator's home: people, privacy requests waiting with their deadlines, e-mail that failed, and
retention reviews waiting. Three queries; no one's name (a request is shown by its kind and dates)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select

from ..accounts.models import User, UserRole
from ..extensions import db
from ..outbox.models import OutboxMessage
from ..privacy.models import REQUEST_KINDS, PrivacyRequest, RetentionReview

REQUESTS_SHOWN = 5


@dataclass(frozen=True)
class RequestDue:
    id: int
    kind: str
    received_on: date
    deadline: date
    extended: bool

    @property
    def kind_label(self) -> str:
        return REQUEST_KINDS.get(self.kind, self.kind)

    def days_left(self, today: date) -> int:
        return (self.deadline - today).days


@dataclass
class AdminHome:
    active_users: int = 0
    inactive_users: int = 0
    by_role: dict[str, int] = field(default_factory=dict)
    open_requests: int = 0
    requests: list[RequestDue] = field(default_factory=list)
    failed_messages: int = 0
    reviews_to_approve: int = 0
    reviews_to_apply: int = 0


def _count(model, *conditions):
    return select(func.count()).select_from(model).where(*conditions).scalar_subquery()


def admin_home() -> AdminHome:
    """Everything the administrator's home shows, in three queries."""
    counts = db.session.execute(select(
        _count(User, User.is_active.is_(True)), _count(User, User.is_active.is_(False)),
        _count(PrivacyRequest, PrivacyRequest.status == "open"),
        _count(OutboxMessage, OutboxMessage.status == "failed"),
        _count(RetentionReview, RetentionReview.status == "pending"),
        _count(RetentionReview, RetentionReview.status == "approved"))).one()
    home = AdminHome(*counts[:2], open_requests=counts[2], failed_messages=counts[3], reviews_to_approve=counts[4],
                     reviews_to_apply=counts[5])
    home.by_role = dict(db.session.execute(
        select(UserRole.role, func.count()).join(User, User.id == UserRole.user_id)
        .where(User.is_active.is_(True)).group_by(UserRole.role)).all())
    deadline = case((PrivacyRequest.extended_to.is_not(None), PrivacyRequest.extended_to), else_=PrivacyRequest.due_on)
    home.requests = [RequestDue(*row) for row in db.session.execute(
        select(PrivacyRequest.id, PrivacyRequest.kind, PrivacyRequest.received_on, deadline,
               PrivacyRequest.extended_to.is_not(None))
        .where(PrivacyRequest.status == "open").order_by(deadline, PrivacyRequest.id).limit(REQUESTS_SHOWN))]
    return home
