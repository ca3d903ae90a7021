"""`lit demo`: the platform with a term of a small library service behind it, set up once, so that every
report has figures the first time a manager opens it."""
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from lit_platform.assessments.models import AssessmentAttempt, AssessmentPoint, Instrument
from lit_platform.bookings.demo import MARKER
from lit_platform.bookings.models import Session
from lit_platform.config import normalise_database_url
from lit_platform.courses.models import Course
from lit_platform.demo import DEMO_ACCOUNTS, SERVICE_DOMAIN, SERVICE_LEARNERS
from lit_platform.extensions import db

from .conftest import Actions, app_config, build_app, drop_postgres_database, new_database

TABLES = ("users", "courses", "enrolments", "sessions", "bookings", "session_survey_responses",
          "assessment_participants", "assessment_attempts", "responses", "assessment_results")
SUPPRESSED = ("so the figures are not shown", "None in this selection")


def table_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        counts = {table: connection.execute(sa.text(f"select count(*) from {table}")).scalar() for table in TABLES}
    engine.dispose()
    return counts


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request, tmp_path_factory):
    """A database on which `lit demo --no-serve` ran twice: (url, [(output, table counts) of each run])."""
    url = new_database(request.param, tmp_path_factory)
    env = dict(os.environ, LIT_DATABASE_URL=url, LIT_INSTANCE_PATH=str(tmp_path_factory.mktemp("instance")))
    runs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "lit_platform.cli", "demo", "--no-serve"], env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        runs.append((result.stdout, table_counts(url)))
    yield url, runs
    if request.param == "postgresql":
        drop_postgres_database(url)


@pytest.fixture(scope="module")
def demo_app(demo):
    app = build_app(app_config(demo[0]))
    yield app
    with app.app_context():
        db.engine.dispose()


def signed_in(app, role: str):
    email, password = next((email, password) for r, email, _, password, _ in DEMO_ACCOUNTS if r == role)
    client = app.test_client()
    assert Actions(client).login(email, password).status_code == 302
    return client


def test_demo_sets_up_once_and_a_second_run_adds_nothing(demo):
    _url, [(first_output, first), (second_output, second)] = demo
    for output in (first_output, second_output):
        for _role, email, _name, password, _unit in DEMO_ACCOUNTS:
            assert email in output and password in output
    assert f"Added a demo library service: {SERVICE_LEARNERS} learners" in first_output
    assert "demo library service" not in second_output
    # Same people, courses, sessions, bookings, feedback and pre/post results after the second run.
    assert first == second
    assert first["courses"] == 3 and first["users"] > SERVICE_LEARNERS
    assert first["assessment_attempts"] > 500 and first["session_survey_responses"] > 50


def test_the_service_is_a_term_of_sessions_some_run_by_the_demo_librarian(demo_app):
    with demo_app.app_context():
        now = func.now()
        past = db.session.scalar(select(func.count(Session.id)).where(Session.ends_at < now))
        upcoming = db.session.scalar(select(func.count(Session.id)).where(Session.starts_at > now))
        assert past >= 15 and upcoming >= 7  # a term behind, a few weeks ahead (the demo's own seven among them)
        librarian = next(email for role, email, *_ in DEMO_ACCOUNTS if role == "librarian")
        runs = db.session.scalar(sa.text(
            "select count(*) from session_facilitators f join users u on u.id = f.user_id where u.email = :email"),
            {"email": librarian})
        assert runs > 7  # the demo's own sessions and some of the service's
        learners = db.session.scalar(sa.text("select count(*) from users where email like :pattern"),
                                     {"pattern": f"learner%@{SERVICE_DOMAIN}"})
        assert learners == SERVICE_LEARNERS


@pytest.mark.parametrize("kind", ["learning", "reaction", "reach"])
def test_the_managers_reports_show_figures_on_first_run(demo_app, kind):
    client = signed_in(demo_app, "manager")
    page = client.get(f"/reports/{kind}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not [phrase for phrase in SUPPRESSED if phrase in html]
    sections = client.get(f"/api/v1/reports/{kind}").get_json()["sections"]
    enough = 10 * demo_app.config["LIT_REPORT_MIN_GROUP"]
    if kind == "learning":
        paired = sections["summary"]["data"]["paired"]
        assert paired["n"] >= enough and paired["mean_post"] > paired["mean_pre"]
        headline = paired["n"]
    elif kind == "reaction":
        assert sections["ratings"]["data"]["responses"] >= enough
        assert sections["comments"]["data"]["comments"]
        headline = sections["ratings"]["data"]["responses"]
    else:
        totals = sections["delivery"]["data"]["totals"]
        assert totals["sessions"] >= 15 and totals["booked"] >= enough and totals["attended"] >= enough
        assert all(course["enrolled"] >= enough for course in sections["courses"]["data"]["courses"])
        headline = totals["booked"]
    # The page states the figure the API gives (in a table, or the reaction report's first sentence).
    assert f">{headline}<" in html or f" {headline} " in html or f">{headline} responses:" in html


def test_the_past_session_is_evaluated_with_its_own_courses_test(demo_app):
    with demo_app.app_context():
        session = db.session.scalar(select(Session).where(Session.title == MARKER))
        course = db.session.get(Course, session.course_id)
        assert course.slug == "searching"
        points = db.session.scalars(select(AssessmentPoint).where(AssessmentPoint.session_id == session.id)).all()
        assert sorted(point.phase for point in points) == ["post", "pre"]
        assert {db.session.get(Instrument, point.instrument_id).key for point in points} == {course.assessment_key}
        taken = db.session.scalar(select(func.count(AssessmentAttempt.id)).where(
            AssessmentAttempt.point_id.in_([point.id for point in points])))
        assert taken > 10
    client = signed_in(demo_app, "librarian")
    report = client.get(f"/api/v1/reports/learning?session={session.id}").get_json()
    assert report["sections"]["summary"]["data"]["counts"]["paired"] >= demo_app.config["LIT_REPORT_MIN_GROUP"]
