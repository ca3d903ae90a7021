"""`lit retention apply` on two machines at once: an approved review is applied once."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from lit_platform.accounts.models import User
from lit_platform.audit import AuditEvent
from lit_platform.core.database import start_write_transaction
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.privacy import retention
from lit_platform.privacy.models import RetentionReview

from ..factories import Factories


def test_two_runs_at_once_apply_an_approved_review_once(committed_app):
    app, now = committed_app, utcnow()
    admin = Factories(app).user(roles=["admin"])
    with app.app_context():
        db.session.add_all([OutboxMessage(to_address=f"old{n}@example.org", subject="Old", body_text="x",
                                          status="sent", created_at=now - timedelta(days=60),
                                          sent_at=now - timedelta(days=59)) for n in range(5)])
        db.session.flush()
        review = retention.start_review(app.config, now)
        retention.approve_review(review, db.session.get(User, admin.id), now)
        db.session.commit()
        review_id = review.id
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def run():
        try:
            with app.app_context():
                review = db.session.get(RetentionReview, review_id)
                assert review.status == "approved"  # each run saw it approved before either began
                barrier.wait(10)
                start_write_transaction()
                try:
                    summary = retention.apply_review(review, app.config, now)
                    db.session.commit()
                    outcomes.append(sum(counts["done"] for counts in summary.values()))
                except retention.RetentionError as error:
                    db.session.rollback()
                    outcomes.append(str(error))
                db.session.remove()
        except Exception as error:  # reported below: a failed run must fail the test
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(outcomes, key=str) == [5, f"Review {review_id} is applied; only an approved review can be applied."]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "retention.applied")) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
