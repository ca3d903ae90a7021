"""`lit demo-data`: a synthetic teaching service that is consistent, repeatable and added only once."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from lit_platform import create_app
from lit_platform.accounts.models import User, UserRole
from lit_platform.assessments.models import AssessmentAttempt, AssessmentPoint, InstrumentItem, Participant
from lit_platform.assessments.queries import context_results
from lit_platform.bookings.models import Booking, Session, SurveyResponse
from lit_platform.cli import main as lit
from lit_platform.courses.models import Course, Enrolment
from lit_platform.extensions import db
from lit_platform.quizzes.models import Attempt, Response

from ..conftest import app_config, drop_postgres_database, new_database

ARGS = ["demo-data", "--learners", "60", "--seed", "7", "--today", "2026-03-02"]
TABLES = ["users", "user_roles", "org_units", "enrolments", "module_progress", "sessions", "session_facilitators",
          "bookings", "assessment_points", "assessment_participants", "attempts", "assessment_attempts", "responses",
          "session_survey_responses", "outbox_messages", "audit_events"]


def run(app, args=ARGS):
    return app.test_cli_runner().invoke(lit, args)


def row_counts() -> dict[str, int]:
    return {table: db.session.scalar(sa.text(f"select count(*) from {table}")) for table in TABLES}


def phase_means() -> dict[str, float]:
    rows = db.session.execute(
        select(AssessmentPoint.phase, func.avg(Attempt.score / Attempt.max_score))
        .join(AssessmentAttempt, AssessmentAttempt.point_id == AssessmentPoint.id)
        .join(Attempt, Attempt.id == AssessmentAttempt.attempt_id)
        .group_by(AssessmentPoint.phase)).all()
    return {phase: round(float(mean), 9) for phase, mean in rows}


def audit_actions() -> list[str]:
    return db.session.scalars(sa.text("select action from audit_events where action <> 'course.imported'")).all()


def test_generates_a_consistent_teaching_service(app, make):
    with app.app_context():
        audited_before = audit_actions()
    result = run(app)
    assert result.exit_code == 0, result.output
    assert "item responses" in result.output and "written in" in result.output
    with app.app_context():
        counts = row_counts()
        # Importing the shipped courses is audited; nothing synthetic is, and no e-mail is queued.
        assert counts["outbox_messages"] == 0
        assert audit_actions() == audited_before
        learners = db.session.scalar(select(func.count()).select_from(User).join(UserRole).where(
            UserRole.role == "learner", User.email.like("learner%@synthetic.invalid")))
        assert learners == 60
        assert f"{counts['responses']:,}" in result.output

        # Every attempt is handed in, with one response per item of its form, and a total that adds up.
        items = {}
        for instrument_id, form, n in db.session.execute(
                select(InstrumentItem.instrument_id, InstrumentItem.form, func.count())
                .group_by(InstrumentItem.instrument_id, InstrumentItem.form)):
            items[(instrument_id, form)] = n
        attempts = db.session.execute(
            select(AssessmentPoint.instrument_id, AssessmentAttempt.form, Attempt.status, Attempt.score,
                   Attempt.max_score, func.count(Response.id), func.sum(func.coalesce(Response.score, 0.0)),
                   func.sum(Response.points))
            .join(AssessmentAttempt, AssessmentAttempt.point_id == AssessmentPoint.id)
            .join(Attempt, Attempt.id == AssessmentAttempt.attempt_id)
            .join(Response, Response.attempt_id == Attempt.id)
            .group_by(AssessmentAttempt.id, AssessmentPoint.instrument_id, AssessmentAttempt.form, Attempt.status,
                      Attempt.score, Attempt.max_score)).all()
        assert len(attempts) == counts["assessment_attempts"] == counts["attempts"] > 60
        for instrument_id, form, status, score, max_score, responses, scored, available in attempts:
            assert status == "submitted"
            assert responses == items.get((instrument_id, None), 0) + (items.get((instrument_id, form), 0) if form else 0)
            assert score == pytest.approx(scored) and max_score == pytest.approx(available)

        means = phase_means()
        assert means["post"] > means["pre"] + 0.1

        # The performance tasks are answered, and each answer carries the rubric criteria its score came from.
        from lit_platform.quizzes.models import QuestionVersion
        from lit_platform.quizzes.types import get_type
        performance = db.session.execute(
            select(QuestionVersion.type, QuestionVersion.spec, Response.answer, Response.fraction, Response.criteria)
            .join(Response, Response.question_version_id == QuestionVersion.id)
            .where(QuestionVersion.type.in_(("search_strategy", "lateral_reading", "appraisal_checklist")),
                   Response.answer.is_not(None))).all()
        assert {row.type for row in performance} == {"search_strategy", "lateral_reading", "appraisal_checklist"}
        for kind, spec, answer, fraction, criteria in performance:
            scored = get_type(kind).score(spec, answer)
            assert (fraction, criteria) == (pytest.approx(scored.fraction), scored.criteria)
        assert {row.fraction == 1 for row in performance} == {True, False}
        assert sum(context_results(course_id=course_id).summary.paired
                   for course_id in db.session.scalars(select(Course.id))) > 5

        # Enrolments: most complete, and nobody completes before taking the required pre-test.
        enrolments = db.session.execute(select(Enrolment.completed_at, Enrolment.pretest_done_at)).all()
        completed = [e for e in enrolments if e.completed_at is not None]
        assert 0.4 < len(completed) / len(enrolments) < 0.85
        assert all(e.pretest_done_at is not None and e.pretest_done_at < e.completed_at for e in completed)

        # No session is overbooked; marks and feedback belong to people who had a place.
        for capacity, confirmed in db.session.execute(
                select(Session.capacity, func.count(Booking.id)).join(Booking, Booking.session_id == Session.id)
                .where(Booking.status == "confirmed").group_by(Session.id, Session.capacity)):
            assert confirmed <= capacity
        assert db.session.scalar(select(func.count()).select_from(Booking).where(
            Booking.attendance.is_not(None), Booking.status != "confirmed")) == 0
        assert db.session.scalar(select(func.count()).select_from(SurveyResponse).where(~sa.exists().where(
            Booking.session_id == SurveyResponse.session_id, Booking.user_id == SurveyResponse.user_id,
            Booking.attendance.in_(("attended", "late"))))) == 0

        # Bookings and named participants are all generated learners.
        learner_ids = select(User.id).join(UserRole).where(UserRole.role == "learner",
                                                           User.email.like("learner%@synthetic.invalid"))
        assert counts["bookings"] > 0
        assert db.session.scalar(select(func.count()).select_from(Booking)
                                 .where(Booking.user_id.not_in(learner_ids))) == 0
        assert db.session.scalar(select(func.count()).select_from(Participant).where(
            Participant.user_id.is_not(None), Participant.user_id.not_in(learner_ids))) == 0

    # Ids were chosen by the generator; the app's own inserts still get fresh ones (PostgreSQL sequences moved on).
    assert make.user(email="after-the-synthetic-data@example.org").id > 60


def test_a_second_run_refuses_and_changes_nothing(app):
    assert run(app).exit_code == 0
    with app.app_context():
        before = row_counts()
    result = run(app)
    assert result.exit_code == 1
    assert "already holds synthetic data" in result.output
    with app.app_context():
        assert row_counts() == before


def test_the_same_seed_gives_the_same_data_on_fresh_databases(database_url, tmp_path_factory):
    kind = sa.engine.make_url(database_url).get_backend_name()
    fingerprints = []
    for _ in range(2):
        url = new_database(kind, tmp_path_factory)
        app = create_app(app_config(url))
        try:
            assert run(app).exit_code == 0
            with app.app_context():
                fingerprints.append((
                    row_counts(), phase_means(),
                    db.session.execute(sa.text("select sum(capacity), min(starts_at), max(ends_at) from sessions")).one(),
                    db.session.execute(sa.text("select sum(position), count(attendance) from bookings")).one(),
                    db.session.scalars(sa.text("select email || name from users order by id")).all()))
                db.session.remove()
        finally:
            with app.app_context():
                db.engine.dispose()
            if kind == "postgresql":
                drop_postgres_database(url)
    assert fingerprints[0] == fingerprints[1]
