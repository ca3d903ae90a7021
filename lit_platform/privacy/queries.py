"""Read-only selects for the privacy pages."""
from __future__ import annotations

from flask import abort
from sqlalchemy import case, select

from ..extensions import db
from .models import PrivacyRequest, RetentionReview


def request_or_404(request_id: int) -> PrivacyRequest:
    request = db.session.get(PrivacyRequest, request_id)
    if request is None:
        abort(404)
    return request


def review_or_404(review_id: int) -> RetentionReview:
    review = db.session.get(RetentionReview, review_id)
    if review is None:
        abort(404)
    return review


def requests_open_first(limit: int = 500) -> list[PrivacyRequest]:
    """Open requests by deadline (the most urgent first), then completed ones, newest first."""
    is_open = PrivacyRequest.status == "open"
    deadline = case((PrivacyRequest.extended_to.is_not(None), PrivacyRequest.extended_to),
                    else_=PrivacyRequest.due_on)
    return db.session.scalars(select(PrivacyRequest).order_by(
        case((is_open, 0), else_=1), case((is_open, deadline)), PrivacyRequest.completed_at.desc(),
        PrivacyRequest.id.desc()).limit(limit)).all()


def reviews(limit: int = 50) -> list[RetentionReview]:
    return db.session.scalars(select(RetentionReview).order_by(RetentionReview.id.desc()).limit(limit)).all()


def approved_reviews() -> list[RetentionReview]:
    return db.session.scalars(select(RetentionReview).where(RetentionReview.status == "approved")
                              .order_by(RetentionReview.id)).all()
