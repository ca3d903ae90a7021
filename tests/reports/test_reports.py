"""Managers' reports on a small, hand-checkable workshop: six walk-in participants take a two-item
pre-test and post-test; the figures on the page, in the exports and in the JSON are worked out by hand."""
import csv
import html
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.bookings import services as booking_services, tokens
from lit_platform.bookings.models import SurveyResponse
from lit_platform.core.types import utcnow
from lit_platform.extensions import db

from ..assessments.test_live_sessions import choose_test, close_test, open_test, page_of
from ..bookings.conftest import SessionFactory, in_days
from ..answers import answer_fields, choose
from ..conftest import Actions

# (DS1 right, DS2 right) before -> after, and confidence before -> after, for six people.
# Scores (each item is worth one mark): before 0, 50, 50, 0, 100, 50; after 50, 100, 100, 50, 100, 0.
WORKSHOP = [
    ((False, False), (True, False)),
    ((True, False), (True, True)),
    ((False, True), (True, True)),
    ((False, False), (False, True)),
    ((True, True), (True, True)),
    ((False, True), (False, False)),
]


def person(k: int) -> dict:
    return {"letters": "ABCDEF"[k] + "Q", "day": f"{k + 10:02d}", "siblings": str(k % 3)}


def answer_items(client, entry_id: int, ds1_right: bool, ds2_right: bool, confidence: str):
    url = f"/assessments/attempts/{entry_id}"
    page = page_of(client, url)
    data = {"c-demo.conf.boolean": confidence, "hand_in": "1"}
    for rid in re.findall(r'data-response-id="(\d+)"', page):
        if "True" in [f.label for f in answer_fields(page, rid)]:
            name, value = choose(page, rid, "True" if ds2_right else "False")
        else:
            name, value = choose(page, rid, "A question" if ds1_right else "A database")
        data[name] = value
    assert Actions(client).post(url, data, page=url).status_code == 302


def take(app, code: str, k: int, answers, confidence: str):
    client = app.test_client()
    response = Actions(client).post(f"/join/{code}", person(k), page=f"/join/{code}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    entry_id = int(re.fullmatch(r"/assessments/attempts/(\d+)", response.headers["Location"]).group(1))
    answer_items(client, entry_id, *answers, confidence)


@pytest.fixture
def workshop(app, make, librarian, course_id):
    """A past session run by the librarian, with the six people's pre- and post-tests."""
    session = SessionFactory(app, make)(librarian, course_id=course_id, title="Finding the evidence",
                                        starts_at=in_days(-1), capacity=10)
    staff = app.test_client()
    assert Actions(staff).login(librarian.email).status_code == 302
    choose_test(staff, session.id)
    for phase, index, confidence in (("pre", 0, "2"), ("post", 1, "4")):
        code = open_test(staff, session.id, phase)
        for k, answers in enumerate(WORKSHOP):
            take(app, code, k, answers[index], confidence)
        close_test(staff, session.id, phase)
    return session


@pytest.fixture
def manager(app, make):
    user = make.user("mo@example.org", "Mo Manager", roles=["manager"])
    client = app.test_client()
    assert Actions(client).login(user.email).status_code == 302
    return client


def learning_json(client, **args):
    response = client.get("/api/v1/reports/learning", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["sections"]


# Learning --------------------------------------------------------------------------------------

def test_paired_figures_are_the_hand_worked_ones(workshop, manager):
    sections = learning_json(manager)
    paired = sections["summary"]["data"]["paired"]
    assert paired["n"] == 6
    assert paired["mean_pre"] == pytest.approx(250 / 6)
    assert paired["mean_post"] == pytest.approx(400 / 6)
    assert paired["mean_diff"] == pytest.approx(25)
    # changes 50, 50, 50, 50, 0, -50: squared deviations from 25 sum to 8750, over 5 = 1750
    assert paired["sd_diff"] == pytest.approx(1750 ** 0.5)
    assert paired["t"] == pytest.approx(25 / ((1750 / 6) ** 0.5))
    assert paired["df"] == 5
    assert paired["d_z"] == pytest.approx(25 / 1750 ** 0.5)
    assert paired["hake_g"] == pytest.approx(25 / (100 - 250 / 6))
    counts = sections["summary"]["data"]["counts"]
    assert counts["paired"] == 6 and counts["took_pre"] == 6 and counts["took_post"] == 6
    assert counts["pre_only"] == 0 and counts["post_only"] == 0

    items = {item["outcome"]: item for item in sections["items"]["data"]["items"]}
    assert items["DS1"]["facility_before"] == pytest.approx(2 / 6)
    assert items["DS1"]["facility_after"] == pytest.approx(4 / 6)
    assert (items["DS1"]["wrong_to_right"], items["DS1"]["right_to_wrong"]) == (2, 0)
    assert items["DS1"]["mcnemar_p"] == pytest.approx(0.5)  # exact: 2 × 0.5²
    assert (items["DS2"]["wrong_to_right"], items["DS2"]["right_to_wrong"]) == (2, 1)
    assert items["DS2"]["mcnemar_p"] == pytest.approx(1.0)  # exact: 2 × (1 + 3) / 8, capped at 1

    outcomes = {row["group"]: row for row in sections["outcomes"]["data"]["outcome"]}
    assert outcomes["DS1"]["mean_pre"] == pytest.approx(200 / 6)
    assert outcomes["DS1"]["mean_post"] == pytest.approx(400 / 6)
    assert outcomes["DS2"]["mean_pre"] == pytest.approx(50)

    statements = sections["confidence"]["data"]["statements"]
    assert [(s["n"], s["before"], s["after"]) for s in statements] == [(6, 2.0, 4.0)]


def test_the_page_states_the_result_in_words_and_names_each_method(workshop, manager):
    page = html.unescape(page_of(manager, "/reports/learning"))
    assert "Scores rose from 42% to 67% for 6 learners who took both tests" in page
    # First, in plain words, from the same figures: six changes of 50, 50, 50, 50, 0 and −50 points.
    plain = page.index("Of 6 learners who took both tests, scores rose by 25 percentage points on average "
                       "(from 42% to 67%).")
    assert plain < page.index("<summary>The full statistics</summary>") < page.index("Scores rose from 42%")
    assert "We cannot be sure there was a real change: the 95% interval -19 to 69 points includes no change" in page
    assert "With only 6 learners, a few more results could move these figures a good deal." in page
    assert "normalised gain 0.43 (medium)" in page
    # The methods are one link away, on a page of their own.
    assert 'href="/reports/learning/methods"' in page
    methods = html.unescape(page_of(manager, "/reports/learning/methods"))
    for method in ("Paired t-test", "Cohen's d_z (paired)", "Normalised gain (Hake's g)", "McNemar's test",
                   "Wilcoxon signed-rank test"):
        assert method in methods
    # Each chart is a file of its own, described in words, with its figures in a table on the page.
    assert '<svg' not in page
    assert re.search(r'<img src="/reports/learning/charts/summary-1\.svg\?v=\w+" alt="[^"]+"', page)
    assert "The chart's data as a table" in page


def test_groups_smaller_than_the_minimum_are_not_shown(app, workshop, manager):
    app.config["LIT_REPORT_MIN_GROUP"] = 7
    sections = learning_json(manager)
    assert sections["summary"]["data"]["paired"] is None
    assert sections["summary"]["data"]["counts"]["paired"] is None
    page = page_of(manager, "/reports/learning")
    assert "Fewer than 7 learners took both tests, so the figures are not shown" in page
    assert "Scores rose" not in page


def test_filters_narrow_the_report_and_travel_in_the_url(app, make, workshop, manager):
    other_course = page_of(manager, "/reports/learning?course=999999")
    assert "Scores rose" not in other_course
    assert learning_json(manager, course=999999)["summary"]["data"]["counts"]["took_pre"] == 0
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert learning_json(manager, date_from=tomorrow)["summary"]["data"]["counts"]["took_pre"] == 0
    assert learning_json(manager, session=workshop.id)["summary"]["data"]["paired"]["n"] == 6
    page = page_of(manager, f"/reports/learning?session={workshop.id}")
    assert f"/reports/learning.csv?session={workshop.id}" in page


def test_a_bad_filter_is_explained_next_to_its_field(workshop, manager):
    page = page_of(manager, "/reports/learning?date_from=31/12/2026&date_to=2026-01-01")
    assert "Enter a date as YYYY-MM-DD" in page
    assert 'id="filter-date_from-error"' in page
    assert manager.get("/api/v1/reports/learning?date_from=yesterday").status_code == 400


def test_exports_carry_the_headline_numbers(workshop, manager):
    response = manager.get("/reports/learning.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    flat = [cell for row in rows for cell in row]
    assert "Paired learners" in flat and "6" in flat and "41.67" in flat and "66.67" in flat

    response = manager.get("/reports/learning.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    values = [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert any(isinstance(v, float) and v == pytest.approx(250 / 6) for v in values)

    response = manager.get("/reports/learning.pdf")
    assert response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Learning: before and after teaching" in text and "41.67" in text and "Methods" in text


# Access ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/reports", "/reports/learning", "/reports/reach.csv", "/reports/reaction.pdf"])
def test_learners_may_not_see_reports(sign_in, path):
    client, _ = sign_in("learner")
    assert client.get(path).status_code == 403


def test_api_needs_a_librarian_or_manager_token(app, make, workshop):
    learner = make.user(roles=["learner"])
    with app.app_context():
        learner_token = tokens.create_api_token(db.session.get(User, learner.id), "bi")[1]
        manager = make.user(roles=["manager"])
        manager_token = tokens.create_api_token(db.session.get(User, manager.id), "bi")[1]
        db.session.commit()
    client = app.test_client()
    assert client.get("/api/v1/reports/learning").status_code == 401
    headers = {"Authorization": f"Bearer {learner_token}"}
    assert client.get("/api/v1/reports/learning", headers=headers).status_code == 403
    headers = {"Authorization": f"Bearer {manager_token}"}
    body = client.get("/api/v1/reports/reach", headers=headers).get_json()
    assert body["report"] == "reach" and body["sections"]["delivery"]["data"]["totals"]["sessions"] == 1


def test_a_librarian_sees_reports_of_their_own_sessions_only(app, make, workshop, librarian):
    own = app.test_client()
    assert Actions(own).login(librarian.email).status_code == 302
    assert own.get("/reports").status_code == 403  # the whole service is for managers
    assert own.get("/reports/learning").status_code == 403
    assert own.get("/api/v1/reports/learning").status_code == 403
    assert learning_json(own, session=workshop.id)["summary"]["data"]["paired"]["n"] == 6
    page = page_of(own, f"/manage/sessions/{workshop.id}")
    assert f"/reports/learning?session={workshop.id}" in page
    assert "You see the sessions you facilitate" in page_of(own, f"/reports/learning?session={workshop.id}")

    other = make.user("ola@example.org", "Ola Other", roles=["librarian"])
    client = app.test_client()
    assert Actions(client).login(other.email).status_code == 302
    assert client.get(f"/reports/learning?session={workshop.id}").status_code == 403
    assert client.get(f"/api/v1/reports/reach?session={workshop.id}").status_code == 403


# Reach and reaction ----------------------------------------------------------------------------

def attend_and_rate(app, make, session, marks: list[str], ratings: list[tuple[int, int, bool, str]]):
    """Book one learner per mark, take the register, and collect feedback from those who came."""
    with app.app_context():
        learners = [make.user(roles=["learner"]) for _ in marks]
        for learner in learners:
            booking_services.book_session(session.id, db.session.get(User, learner.id), actor=db.session.get(
                User, session.facilitator_rows[0].user_id), now=session.starts_at - timedelta(days=3))
        db.session.commit()
        actor = db.session.get(User, session.facilitator_rows[0].user_id)
        bookings = {b.user_id: b.id for b in db.session.get(type(session), session.id).bookings}
        booking_services.mark_attendance(session.id, {bookings[u.id]: m for u, m in zip(learners, marks)}, actor,
                                         now=session.starts_at)
        for learner, (useful, confident, recommend, comment) in zip(learners, ratings):
            booking_services.submit_survey(session.id, db.session.get(User, learner.id), useful, confident,
                                           recommend, comment, now=session.ends_at)
        db.session.commit()


def test_reach_counts_places_bookings_attendance_and_no_shows(app, make, librarian, manager):
    session = SessionFactory(app, make)(librarian, starts_at=in_days(-3), capacity=12, title="Boolean basics")
    attend_and_rate(app, make, session, ["attended"] * 6 + ["late", "absent", "absent"], [])
    data = manager.get("/api/v1/reports/reach").get_json()["sections"]["delivery"]["data"]["totals"]
    # Two no-shows are fewer than five people: the count is hidden, and so are the attended count (9 booked
    # minus 7 attended would give it away) and the rate.
    assert data == {"sessions": 1, "places": 12, "booked": 9, "attended": None, "no_shows": None,
                    "no_show_rate": None, "capacity_use": pytest.approx(9 / 12), "demand_not_met": 0}
    page = page_of(manager, "/reports/reach")
    assert "1 session delivered with 12 places; 9 booked." in page
    assert "fewer than 5" in page and "not shown" in page
    assert "75%" in page, "capacity use is a percentage"
    assert "7" not in re.findall(r"<t[dh][^>]*>\s*([^<]*?)\s*</t[dh]>", page), "the attended count is in no table"

    app.config["LIT_REPORT_MIN_GROUP"] = 2
    data = manager.get("/api/v1/reports/reach").get_json()["sections"]["delivery"]["data"]["totals"]
    assert (data["no_shows"], data["no_show_rate"]) == (2, pytest.approx(2 / 9))
    assert "9 booked and 7 attended (no-show rate 22%)" in page_of(manager, "/reports/reach")


def test_reaction_summarises_ratings_and_a_hidden_comment_leaves_the_report(app, make, librarian, manager):
    session = SessionFactory(app, make)(librarian, starts_at=in_days(-2), capacity=12)
    ratings = [(5, 4, True, "Clear and useful"), (4, 4, True, ""), (3, 2, False, "You are all useless =1+1"),
               (5, 5, True, ""), (4, 3, True, "")]
    attend_and_rate(app, make, session, ["attended"] * 5, ratings)
    sections = manager.get("/api/v1/reports/reaction").get_json()["sections"]
    assert sections["ratings"]["data"]["responses"] == 5
    assert sections["ratings"]["data"]["usefulness"]["mean"] == pytest.approx(21 / 5)
    assert sections["ratings"]["data"]["would_recommend"] == pytest.approx(4 / 5)
    assert sections["ratings"]["data"]["usefulness"]["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 2, "5": 2}

    with app.app_context():
        abusive = db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.comment.like("You are%")))
    page = page_of(manager, "/reports/reaction")
    listed = re.search(r'name="listed" value="([0-9,]+)"', page).group(1)
    assert str(abusive) in listed.split(",")
    response = Actions(manager).post("/reports/comments", {"listed": listed, "hidden": [str(abusive)]},
                                     page="/reports/reaction")
    assert response.status_code == 302
    assert "1 comment hidden from reports." in page_of(manager, response.headers["Location"])
    rows = list(csv.reader(io.StringIO(manager.get("/reports/reaction.csv").get_data(as_text=True))))
    comments = [row[0] for row in rows if row]
    assert "Clear and useful" in comments
    assert not any(comment.startswith("You are") for comment in comments)  # exports leave it out
    page = html.unescape(page_of(manager, "/reports/reaction"))
    assert "You are all useless" in page  # the page lists it, ticked, to be shown again by unticking it
    assert f'name="hidden" value="{abusive}" id="hide-{abusive}" checked' in page
    # The ratings still count.
    assert manager.get("/api/v1/reports/reaction").get_json()["sections"]["ratings"]["data"]["responses"] == 5
    # Unticking it shows it again, and the other comments stay as they were.
    response = Actions(manager).post("/reports/comments", {"listed": listed}, page="/reports/reaction")
    assert "1 comment shown again." in page_of(manager, response.headers["Location"])
    rows = list(csv.reader(io.StringIO(manager.get("/reports/reaction.csv").get_data(as_text=True))))
    assert any(row and row[0].startswith("You are") for row in rows)

    outsider = make.user("ola@example.org", "Ola Other", roles=["librarian"])
    client = app.test_client()
    assert Actions(client).login(outsider.email).status_code == 302
    assert Actions(client).post("/reports/comments", {"listed": listed, "hidden": [str(abusive)]},
                                page="/reports").status_code == 403
    assert Actions(client).post("/reports/comments", {"listed": "x"}, page="/reports").status_code == 400
    with app.app_context():
        assert db.session.get(SurveyResponse, abusive).comment_hidden is False


# The results rows the learning report reads -------------------------------------------------------

def result_rows(app) -> list[tuple]:
    from lit_platform.assessments.models import AssessmentResult

    with app.app_context():
        columns = [c for c in AssessmentResult.__table__.c]
        return [tuple(row) for row in db.session.execute(
            select(*columns).order_by(AssessmentResult.participant_id))]


def test_rebuilding_the_results_rows_gives_the_rows_kept_up_to_date_by_hand_ins(app, workshop):
    from lit_platform.assessments.results import rebuild_all

    kept = result_rows(app)
    assert len(kept) == 6
    with app.app_context():
        assert rebuild_all() == 6
        db.session.commit()
    assert result_rows(app) == kept


def test_marking_an_answer_again_updates_the_report(app, workshop, manager):
    from lit_platform.assessments.models import AssessmentAttempt, AssessmentPoint
    from lit_platform.quizzes import attempts as quiz_attempts
    from lit_platform.quizzes.models import Response

    before = learning_json(manager)["summary"]["data"]["paired"]["mean_post"]
    with app.app_context():
        # The sixth person's post-test: both items wrong; a librarian awards the first item after all.
        response = db.session.scalar(
            select(Response).join(AssessmentAttempt, AssessmentAttempt.attempt_id == Response.attempt_id)
            .join(AssessmentPoint, AssessmentPoint.id == AssessmentAttempt.point_id)
            .where(AssessmentPoint.phase == "post", Response.score == 0).order_by(Response.attempt_id.desc(),
                                                                                  Response.position))
        marker = db.session.scalar(select(User).where(User.email == "mo@example.org"))
        quiz_attempts.mark_response(response, response.points, "Accepted on review", marker)
        db.session.commit()
    after = learning_json(manager)["summary"]["data"]["paired"]["mean_post"]
    assert after == pytest.approx(before + 50 / 6)


def test_item_figures_come_one_test_at_a_time(app, workshop, manager):
    """With two tests in scope the report links to each test instead of mixing their items."""
    from lit_platform.assessments import services as assessment_services
    from lit_platform.assessments.models import AssessmentResult, Participant

    assert learning_json(manager)["items"]["data"]["items"]  # one test: every item
    with app.app_context():
        second = assessment_services.save_instrument("second-test", "A second test", [], [])
        participant = Participant(session_id=workshop.id, code="ZZ99")
        db.session.add(participant)
        db.session.flush()
        db.session.add(AssessmentResult(participant_id=participant.id, instrument_id=second.id,
                                        session_id=workshop.id, pre_percent=50.0, post_percent=75.0,
                                        last_at=utcnow()))
        db.session.commit()
        first_id = db.session.scalar(select(AssessmentResult.instrument_id).where(
            AssessmentResult.instrument_id != second.id).limit(1))
    sections = learning_json(manager)
    assert "item_analysis" not in sections
    assert {t["title"] for t in sections["items"]["data"]["tests"]} == {"A second test", "Demo before and after"}
    assert f"/reports/learning?instrument={first_id}" in page_of(manager, "/reports/learning")
    assert learning_json(manager, instrument=first_id)["items"]["data"]["items"]


def test_reliability_items_per_outcome_and_item_writing_checks_of_the_versions_used(app, workshop, manager):
    from lit_platform.quizzes.models import Question
    from lit_platform.quizzes.services import QuestionData, save_question

    from .test_reliability import feldt_by_beta

    section = learning_json(manager)["reliability"]
    summary, data = section["summary"], next(iter(section["data"].values()))
    assert data["title"] == "Demo before and after"
    assert data["items_per_outcome"] == {"DS1": {"": 1}, "DS2": {"": 1}}
    # post-test marks: DS1 1,1,1,0,1,0 and DS2 0,1,1,1,1,0; item variances 4/15 each, total variance 2/3,
    # so alpha = 2 × (1 − (8/15) / (2/3)) = 0.4
    form, = data["forms"]
    assert (form["attempts"], form["items"]) == (6, 2)
    assert form["alpha"] == pytest.approx(0.4)
    assert (form["ci_low"], form["ci_high"]) == pytest.approx(feldt_by_beta(0.4, 6, 2))
    assert form["verdict"] == "too low to compare groups"
    low, high = feldt_by_beta(0.4, 6, 2)
    assert summary[0] == (f"Demo before and after, post-test: Cronbach's alpha is 0.40 (95% CI {low:.2f} to {high:.2f}), "
                          "too low to compare groups: a difference between groups or between before and after may be "
                          "measurement noise.")
    assert any("outcome DS1 rests on fewer than three items (1)" in s for s in summary)
    codes = {(f["item"], f["code"]) for f in data["findings"]}
    assert {("demo.pp.question", "too-few-options"), ("demo.pp.question", "feedback-missing"),
            ("", "outcome-few-items"), ("", "outcome-no-confidence")} <= codes

    # A later edit to the question does not change what the report says about the tests already taken.
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.key == "demo.pp.question"))
        save_question(question.key, question.category, QuestionData("single_choice", "What comes first?", {"choices": [
            {"id": "1", "text": "A question", "weight": 1, "feedback": "Yes: it guides the search."},
            {"id": "2", "text": "A database", "weight": 0, "feedback": "The question decides the database."},
            {"id": "3", "text": "A keyword", "weight": 0, "feedback": "Keywords come from the question."}]},
            outcome="DS2"))
        db.session.commit()
    data = next(iter(learning_json(manager)["reliability"]["data"].values()))
    assert ("demo.pp.question", "too-few-options") in {(f["item"], f["code"]) for f in data["findings"]}
    assert data["items_per_outcome"] == {"DS1": {"": 1}, "DS2": {"": 1}}  # version 2's outcome is not counted

    page = html.unescape(page_of(manager, "/reports/learning"))
    assert '<h2 id="reliability-title">How far to trust each test</h2>' in page
    assert "Cronbach's alpha is 0.40" in page and "too low to compare groups" in page
    # The tables are on the section's own page, one link away.
    assert "Items per outcome on Demo before and after" in page and 'href="/reports/learning/reliability"' in page
    tables = html.unescape(page_of(manager, "/reports/learning/reliability"))
    assert "Cronbach's alpha is 0.40" in tables
    assert "<caption>Items per outcome on Demo before and after</caption>" in tables
    assert "demo.pp.question (version 1)" in tables and "/versions/1" in tables
    flat = [cell for row in csv.reader(io.StringIO(manager.get("/reports/learning.csv").get_data(as_text=True)
                                                   .lstrip("\ufeff"))) for cell in row]
    assert "How far to trust each test — Reliability of Demo before and after" in flat
    assert "too low to compare groups" in flat and "demo.pp.question (version 1)" in flat
    book = load_workbook(io.BytesIO(manager.get("/reports/learning.xlsx").data))
    values = [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "demo.pp.question (version 1)" in values
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(manager.get("/reports/learning.pdf").data)).pages)
    assert "How far to trust each test" in text


def test_a_librarians_clear_filters_link_keeps_their_session(app, make, librarian):
    """A librarian's reports are of one session they run: "Clear filters" clears the rest, not the session (which
    would be refused with 403)."""
    session = SessionFactory(app, make)(librarian, title="Cleared", starts_at=in_days(-2))
    client = app.test_client()
    assert Actions(client).login(librarian.email).status_code == 302
    for kind in ("reaction", "reach", "learning"):
        html = client.get(f"/reports/{kind}?session={session.id}&mode=in_person").get_data(as_text=True)
        clear = re.search(r'<a href="([^"]+)">Clear filters</a>', html).group(1)
        assert clear == f"/reports/{kind}?session={session.id}"
        response = client.get(clear)
        assert response.status_code == 200
        assert "Clear filters" not in response.get_data(as_text=True)  # nothing left to clear
    dashboard = client.get(f"/reports?session={session.id}&date_from=2020-01-01").get_data(as_text=True)
    assert f'<a href="/reports?session={session.id}">Clear filters</a>' in dashboard
