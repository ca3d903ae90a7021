"""Timed attempts whose page was closed are submitted on the server, once, with what was saved."""
from datetime import timedelta

from sqlalchemy import func, select

from lit_platform.accounts.models import User
from lit_platform.audit import AuditEvent
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.quizzes import attempts, overdue
from lit_platform.quizzes.models import Attempt, Quiz

from ..conftest import run_at_once
from ..factories import Factories
from ..test_cli import run_lit


def started(quiz_id, user_id, minutes_ago, answers=1):
    """An attempt begun `minutes_ago`, with its first `answers` questions answered, then left."""
    start = utcnow() - timedelta(minutes=minutes_ago)
    learner = db.session.get(User, user_id)
    attempt = attempts.start_attempt(db.session.get(Quiz, quiz_id), learner, now=start)
    single = next(r for r in attempt.responses if r.version.type == "single_choice")
    if answers:
        attempts.save_answer(attempt, single.id, ["2"], learner, now=start + timedelta(minutes=1))
    db.session.commit()
    return attempt.id


def test_an_attempt_left_open_is_closed_by_the_command_with_its_saved_answers(app, make):
    quiz = make.quiz(time_limit_minutes=10)
    left, in_grace, running = make.user(), make.user(), make.user()
    with app.app_context():
        left_id = started(quiz.id, left.id, minutes_ago=30)
        grace_id = started(quiz.id, in_grace.id, minutes_ago=10.5)  # the deadline passed 30 s ago
        running_id = started(quiz.id, running.id, minutes_ago=3)
    result = run_lit(app, "attempts", "close-overdue")
    assert result.exit_code == 0, result.output
    assert "Closed 1 overdue attempt(s)." in result.output
    with app.app_context():
        closed = db.session.get(Attempt, left_id)
        assert closed.status == "submitted" and closed.score == 1  # the saved right answer counts
        assert closed.submitted_at is not None
        assert [db.session.get(Attempt, i).status for i in (grace_id, running_id)] == ["in_progress"] * 2
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "attempt.auto_submitted", AuditEvent.object_id == str(left_id))) == 1
    assert "Closed 0 overdue attempt(s)." in run_lit(app, "attempts", "close-overdue").output


def test_a_closed_quiz_ends_unfinished_attempts_too(app, make):
    quiz = make.quiz(closes_at=utcnow() + timedelta(hours=1))
    user = make.user()
    with app.app_context():
        attempt_id = started(quiz.id, user.id, minutes_ago=5)
        db.session.get(Quiz, quiz.id).closes_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
        assert overdue.close_overdue_attempts() == 1
        assert db.session.get(Attempt, attempt_id).status == "submitted"


def test_staff_see_an_abandoned_attempt_as_submitted_and_the_learner_sees_it_finished(app, make, sign_in):
    quiz = make.quiz(time_limit_minutes=10, is_published=True)
    learner = make.user()
    with app.app_context():
        attempt_id = started(quiz.id, learner.id, minutes_ago=45)
    staff, _ = sign_in("librarian")
    page = staff.get(f"/bank/quizzes/{quiz.id}").get_data(as_text=True)
    assert "In progress" not in page and "Submitted" in page
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).status == "submitted"


def test_the_learners_quiz_page_closes_their_overdue_attempt(app, make, sign_in):
    quiz = make.quiz(time_limit_minutes=10, is_published=True)
    client, learner = sign_in("learner")
    with app.app_context():
        attempt_id = started(quiz.id, learner.id, minutes_ago=45)
    page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
    assert "In progress" not in page and "Finished" in page
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).status == "submitted"


def test_two_machines_closing_at_once_close_each_attempt_once(committed_app, monkeypatch):
    monkeypatch.setattr(overdue, "BATCH", 4)
    make = Factories(committed_app)
    quiz = make.quiz(time_limit_minutes=5)
    users = [make.user() for _ in range(30)]
    with committed_app.app_context():
        ids = [started(quiz.id, user.id, minutes_ago=20) for user in users]
    counts = run_at_once(committed_app, overdue.close_overdue_attempts)
    assert sum(counts) == len(ids)
    with committed_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt).where(
            Attempt.id.in_(ids), Attempt.status == "submitted")) == len(ids)
        events = db.session.execute(select(AuditEvent.object_id, func.count()).where(
            AuditEvent.action == "attempt.auto_submitted").group_by(AuditEvent.object_id)).all()
        assert sorted(int(object_id) for object_id, _ in events) == sorted(ids)
        assert {count for _, count in events} == {1}
