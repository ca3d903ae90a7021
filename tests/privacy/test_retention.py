"""Retention with a frozen clock: a review lists what is past its period, an administrator approves it, and
applying it acts on exactly the approved rows that still qualify."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from lit_platform.accounts.models import PasswordResetToken, User
from lit_platform.assessments import services as assessments
from lit_platform.assessments.models import AssessmentAttempt, AssessmentResult, Instrument, Participant
from lit_platform.audit import AuditEvent
from lit_platform.bookings.models import Booking, Session
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.privacy import retention
from lit_platform.privacy.erasure import ERASED_NAME
from lit_platform.privacy.models import RetentionReview
from lit_platform.quizzes import attempts as quiz_attempts
from lit_platform.quizzes.models import Response

from ..bookings.conftest import SessionFactory
from ..conftest import Actions
from ..test_cli import run_lit
from .conftest import answer_values, take_test
from .test_erasure import learning_figures

NOW = utcnow().replace(microsecond=0)
YEARS = timedelta(days=365)


def learner(app, make, email, created, last_login=None, roles=("learner",)):
    person = make.user(email, email.split("@")[0].title(), roles=list(roles))
    with app.app_context():
        user = db.session.get(User, person.id)
        user.created_at, user.last_login_at = created, last_login
        db.session.commit()
    return person.id


def anonymous_participant(app, make, course_id, code: str, taken_at) -> int:
    """Someone who took a live session's pre-test under an anonymous code at `taken_at`."""
    session = SessionFactory(app, make)(starts_at=taken_at)
    with app.app_context():
        instrument = db.session.scalar(select(Instrument).where(Instrument.course_id == course_id))
        point = assessments.ensure_session_points(db.session.get(Session, session.id), instrument)["pre"]
        assessments.open_point(point, None, now=taken_at)
        participant = assessments.participant_for_code(point, code)
        participant.created_at = taken_at
        entry = assessments.start(point, participant, now=taken_at)
        for response in entry.attempt.responses:
            quiz_attempts.save_answer(entry.attempt, response.id, answer_values(response.version, True), None,
                                      now=taken_at)
        assessments.submit(entry, None, now=taken_at)
        db.session.commit()
        return participant.id


@pytest.fixture
def aged(app, make, course_id):
    """Data on either side of each retention period, counted back from NOW."""
    ids = {}
    ids["old_learner"] = learner(app, make, "old.learner@example.org", NOW - 5 * YEARS, NOW - 4 * YEARS)
    ids["returning"] = learner(app, make, "returning@example.org", NOW - 5 * YEARS, NOW - 4 * YEARS)
    ids["recent"] = learner(app, make, "recent@example.org", NOW - 5 * YEARS, NOW - 2 * YEARS)
    ids["studied"] = learner(app, make, "studied@example.org", NOW - 5 * YEARS, NOW - 4 * YEARS)
    ids["booked"] = learner(app, make, "booked@example.org", NOW - 5 * YEARS, None)
    ids["old_staff"] = learner(app, make, "old.staff@example.org", NOW - 5 * YEARS, NOW - 4 * YEARS,
                               roles=("learner", "librarian"))
    session = SessionFactory(app, make)(starts_at=NOW - 2 * YEARS)
    with app.app_context():
        take_test(ids["old_learner"], course_id, "pre", (True, False), now=NOW - 4 * YEARS)
        take_test(ids["old_learner"], course_id, "post", (True, True), now=NOW - 4 * YEARS + timedelta(days=30))
        take_test(ids["studied"], course_id, "pre", (False, False), now=NOW - 1 * YEARS)
        db.session.add(Booking(session_id=session.id, user_id=ids["booked"], status="confirmed", position=1,
                               booked_at=NOW - 4 * YEARS))
        db.session.add(PasswordResetToken(user_id=ids["recent"], token_hash="1" * 64, expires_at=NOW - timedelta(days=2)))
        db.session.add(PasswordResetToken(user_id=ids["recent"], token_hash="2" * 64, expires_at=NOW - timedelta(hours=2)))
        old_mail = OutboxMessage(user_id=ids["recent"], to_address="recent@example.org", subject="Old", body_text="x",
                                 status="sent", created_at=NOW - 60 * timedelta(days=1),
                                 sent_at=NOW - 59 * timedelta(days=1))
        failed = OutboxMessage(to_address="gone@example.org", subject="Failed", body_text="x", status="failed",
                               created_at=NOW - 40 * timedelta(days=1))
        new_mail = OutboxMessage(to_address="recent@example.org", subject="New", body_text="x", status="sent",
                                 created_at=NOW - timedelta(days=5), sent_at=NOW - timedelta(days=5))
        stuck = OutboxMessage(to_address="recent@example.org", subject="Pending", body_text="x", status="pending",
                              created_at=NOW - 90 * timedelta(days=1))
        old_event = AuditEvent(action="login.succeeded", actor_id=ids["recent"], created_at=NOW - 7 * YEARS,
                               ip_address="192.0.2.1", details={})
        db.session.add_all([old_mail, failed, new_mail, stuck, old_event])
        db.session.commit()
        ids.update(old_mail=old_mail.id, failed=failed.id, new_mail=new_mail.id, stuck=stuck.id,
                   old_event=old_event.id, old_token=db.session.scalar(
                       select(PasswordResetToken.id).where(PasswordResetToken.token_hash == "1" * 64)))
    ids["old_code"] = anonymous_participant(app, make, course_id, "AQ10-1", NOW - 3 * YEARS)
    ids["new_code"] = anonymous_participant(app, make, course_id, "BQ11-2", NOW - 1 * YEARS)
    return ids


def test_the_review_finds_exactly_what_is_past_its_period(app, aged):
    with app.app_context():
        found = retention.due(app.config, NOW)
    assert found["inactive_learners"] == sorted([aged["old_learner"], aged["returning"]])
    assert found["anonymous_codes"] == [aged["old_code"]]
    assert found["reset_tokens"] == [aged["old_token"]]
    assert found["sent_email"] == sorted([aged["old_mail"], aged["failed"]])
    assert found["audit_events"] == [aged["old_event"]]
    assert found["privacy_requests"] == found["retention_reviews"] == []
    # Periods come from the registry, and an installation may change them.
    app.config["LIT_RETENTION"] = '{"users": "P1Y", "outbox_messages": "P100D"}'
    with app.app_context():
        found = retention.due(app.config, NOW)
    assert aged["recent"] in found["inactive_learners"] and aged["booked"] in found["inactive_learners"]
    assert aged["old_staff"] not in found["inactive_learners"]
    assert found["sent_email"] == []


def test_review_approve_apply_acts_on_exactly_what_was_approved(app, make, aged, course_id):
    admin = make.user("retention.admin@example.org", "Rhea Retention", roles=["admin"])
    result = run_lit(app, "retention", "review", "--as-of", NOW.strftime("%Y-%m-%dT%H:%M"))
    assert result.exit_code == 0, result.output
    assert "       2  learner accounts with no activity (kept 3 years)" in result.output
    assert "       1  anonymous workshop codes and the answers given under them (kept 2 years)" in result.output
    with app.app_context():
        review = db.session.scalar(select(RetentionReview))
        review_id = review.id
        assert review.status == "pending" and review.count("inactive_learners") == 2
    # Nothing happens until an administrator approves.
    assert "No approved review" in run_lit(app, "retention", "apply").output
    result = run_lit(app, "retention", "approve", str(review_id), "--by", "old.staff@example.org")
    assert result.exit_code == 1 and "Only an administrator" in result.output
    # The page lists the review and approves it.
    client = app.test_client()
    actions = Actions(client)
    assert actions.login(admin.email).status_code == 302
    page = client.get("/admin/privacy/retention").get_data(as_text=True)
    assert f"#{review_id}" in page and "2 learner accounts with no activity" in page
    assert actions.post(f"/admin/privacy/retention/{review_id}/approve",
                        page="/admin/privacy/retention").status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.approved"))
        assert event.actor_id == admin.id and event.object_id == str(review_id)
        # Meanwhile one of the two learners comes back.
        db.session.get(User, aged["returning"]).last_login_at = NOW + timedelta(hours=1)
        db.session.commit()
    before = learning_figures(app)

    result = run_lit(app, "retention", "apply", "--as-of", (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    assert result.exit_code == 0, result.output
    assert "1 learner accounts with no activity erased" in result.output and "1 left alone" in result.output

    with app.app_context():
        assert db.session.get(User, aged["old_learner"]).name == ERASED_NAME
        assert db.session.get(User, aged["returning"]).email == "returning@example.org"
        assert db.session.get(User, aged["recent"]).email == "recent@example.org"
        # The old code and its answers are gone, its scores kept; the newer code is untouched.
        old, new = db.session.get(Participant, aged["old_code"]), db.session.get(Participant, aged["new_code"])
        assert (old.code, new.code) == (None, "BQ11-2")
        answers = {pid: db.session.execute(
            select(Response.answer, Response.score).join(AssessmentAttempt, AssessmentAttempt.attempt_id
                                                         == Response.attempt_id)
            .where(AssessmentAttempt.participant_id == pid)).all() for pid in (old.id, new.id)}
        assert {a for a, _ in answers[old.id]} == {None} and all(s == 1.0 for _, s in answers[old.id])
        assert None not in {a for a, _ in answers[new.id]}
        assert db.session.get(AssessmentResult, old.id).pre_percent == 100.0
        assert db.session.get(PasswordResetToken, aged["old_token"]) is None
        assert db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == "2" * 64))
        kept_mail = set(db.session.scalars(select(OutboxMessage.id)))
        assert {aged["new_mail"], aged["stuck"]} <= kept_mail and not {aged["old_mail"], aged["failed"]} & kept_mail
        assert db.session.get(AuditEvent, aged["old_event"]) is None
        review = db.session.get(RetentionReview, review_id)
        assert review.status == "applied" and review.applied["inactive_learners"] == {"done": 1, "skipped": 1}
        # Applied once only. The second reset link expired meanwhile: it was not approved, so it is still there,
        # and the next review finds it and nothing else.
        with pytest.raises(retention.RetentionError):
            retention.apply_review(review, app.config, NOW + timedelta(days=1))
        again = retention.start_review(app.config, NOW + timedelta(days=1))
        new_token = db.session.scalar(select(PasswordResetToken.id).where(PasswordResetToken.token_hash == "2" * 64))
        assert again.items == {"reset_tokens": [new_token]}
    assert learning_figures(app) == before


def test_an_administrator_starts_a_review_from_the_page(app, make, aged):
    admin = make.user("starter.admin@example.org", "Sol Starter", roles=["admin"])
    client = app.test_client()
    actions = Actions(client)
    assert actions.login(admin.email).status_code == 302
    response = actions.post("/admin/privacy/retention/start", page="/admin/privacy/retention")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        review = db.session.scalar(select(RetentionReview))
        assert review.status == "pending" and review.created_by_id == admin.id
        assert review.count("inactive_learners") == 2
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.reviewed"))
        assert event.actor_id == admin.id and event.object_id == str(review.id)
    assert f"Review {review.id} recorded" in page and "2 learner accounts with no activity" in page
    # without the form's token nothing is started
    assert client.post("/admin/privacy/retention/start").status_code in (302, 400)
    with app.app_context():
        assert len(db.session.scalars(select(RetentionReview)).all()) == 1
