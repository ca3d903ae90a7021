"""The manager's home: headline figures for the last term, each from the report it links to, under the
small-group rule, and the reports one click away."""
from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

from lit_platform.core.small_groups import Suppressor
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.reports import reach, reaction
from lit_platform.reports.headline import headline_figures
from lit_platform.reports.terms import Term, last_term, term_containing

from ..bookings.conftest import in_days
from .conftest import page

ZONE = "Europe/London"


def test_terms_are_thirds_of_the_year_and_last_term_is_the_one_that_ended():
    assert term_containing(date(2026, 10, 5)) == Term("Autumn", date(2026, 9, 1), date(2026, 12, 31))
    assert term_containing(date(2026, 1, 1)) == Term("Spring", date(2026, 1, 1), date(2026, 4, 30))
    assert term_containing(date(2026, 8, 31)) == Term("Summer", date(2026, 5, 1), date(2026, 8, 31))
    assert last_term(date(2026, 10, 5)) == Term("Summer", date(2026, 5, 1), date(2026, 8, 31))
    assert last_term(date(2027, 2, 1)) == Term("Autumn", date(2026, 9, 1), date(2026, 12, 31))
    assert last_term(date(2026, 12, 31)).label == "Summer term 2026"
    assert last_term(date(2027, 1, 1)).dates == "1 September to 31 December 2026"


def recent_term() -> Term:
    """A "term" holding the last sixty days, so that the data the tests make falls in it."""
    today = date.today()
    return Term("Test", today - timedelta(days=60), today)


def paired_results(app, session_id: int, pairs: list[tuple[float, float]]) -> None:
    from lit_platform.assessments import services as assessment_services
    from lit_platform.assessments.models import AssessmentResult, Participant

    with app.app_context():
        instrument = assessment_services.save_instrument("home-test", "Home test", [], [])
        for n, (before, after) in enumerate(pairs):
            participant = Participant(session_id=session_id, code=f"HT{n:02d}")
            db.session.add(participant)
            db.session.flush()
            db.session.add(AssessmentResult(participant_id=participant.id, instrument_id=instrument.id,
                                            session_id=session_id, pre_percent=before, post_percent=after,
                                            last_at=in_days(-5)))
        db.session.commit()


def a_term_of_teaching(app, make, world, learners: int = 6, feedback: int = 5):
    lib = make.user(roles=["librarian"], password=None)
    session = world.session(lib, days=-5, title="Delivered", capacity=20)
    people = world.learners(learners)
    for person in people:
        world.book(session.id, person, when=in_days(-20))
    world.mark_all(session.id, lib)
    world.feedback(world.session(lib, days=-6).id, world.learners(feedback), usefulness=4)
    course_id, ids = world.course("headline-course", modules=1)
    for person in people:
        world.progress(person, course_id, ids, done=1, completed_at=utcnow())
    paired_results(app, session.id, [(40.0, 60.0)] * 5 + [(50.0, 80.0)])
    return session


def figures(app, term=None, min_group=5):
    with app.app_context():
        headline = headline_figures(term or recent_term(), ZONE, Suppressor(min_group), utcnow())
    return {f.key: f for f in headline.figures}


def test_headline_figures_agree_with_the_reports(app, make, world):
    a_term_of_teaching(app, make, world)
    found = figures(app)
    # Six booked learners (they also enrolled) and five who gave feedback.
    assert found["learners"].value == "11"
    assert (found["completions"].value, found["completions"].detail) == (
        "6", "of 6 enrolments made in the term (100% completed)")
    assert found["sessions"].value == "2"
    assert found["attendance"].value == "100%"
    assert found["gain"].value == "+22 points" and "for 6 paired learners (from 42% to 63%)" in found["gain"].detail
    assert found["satisfaction"].value == "100%" and "usefulness 4.0 out of 5" in found["satisfaction"].detail
    term = recent_term()
    with app.app_context():
        from lit_platform.reports.filters import ReportFilters

        filters = ReportFilters(date_from=term.first_day, date_to=term.last_day)
        reach_doc = reach.build(filters, ZONE, 5, {}, utcnow(), {})
        reaction_doc = reaction.build(filters, ZONE, 5, {}, utcnow())
    totals = reach_doc.sections[0].data["totals"]
    assert totals["sessions"] == 2 and totals["attended"] == 6 and totals["no_shows"] == 0 and totals["booked"] == 11
    assert reaction_doc.sections[0].data["would_recommend"] == 1.0


def test_small_groups_are_not_shown(app, make, world):
    a_term_of_teaching(app, make, world, learners=3, feedback=4)
    found = figures(app)
    assert figures(app, min_group=2)["completions"].value == "3"
    assert found["learners"].value == "7"
    assert found["completions"].value == "not shown" and "fewer than 5 enrolments" in found["completions"].detail
    assert found["attendance"].value == "not shown"
    assert found["satisfaction"].value == "not shown"
    assert found["satisfaction"].detail == "fewer than 5 survey responses: too few to show"
    assert found["gain"].value == "+22 points"  # six pairs: enough
    assert figures(app, min_group=10)["gain"].value == "not shown"
    assert figures(app, min_group=10)["learners"].value == "fewer than 10"


def test_an_empty_term_says_so(app):
    found = figures(app)
    assert [found[k].value for k in ("learners", "completions", "sessions", "attendance", "gain", "satisfaction")] \
        == ["0", "0", "0", "–", "–", "–"]
    assert found["gain"].detail == "no learner took both the pre-test and the post-test"


def test_the_manager_reaches_each_report_in_one_click(app, make, client, actions):
    make.user("mo@example.org", "Mo Manager", roles=["manager"])
    actions.login("mo@example.org")
    html = page(client)
    term = last_term(date.today())
    assert f"Last term: <strong>{term.label}</strong>" in html
    links = [unescape(link) for link in re.findall(r'href="(/reports[^"]*)"', html)]
    dated = f"date_from={term.first_day.isoformat()}&date_to={term.last_day.isoformat()}"
    assert f"/reports/reach?{dated}" in links and f"/reports/learning?{dated}" in links
    assert f"/reports/reaction?{dated}" in links
    assert {"/reports", "/reports/learning", "/reports/reaction", "/reports/reach"} <= set(links)
    for link in set(links):
        assert client.get(link).status_code == 200, link
    assert "Figures about fewer than 5 people are not shown" in html


def test_the_manager_home_costs_a_bounded_number_of_queries(app, make, world, client, actions, count_queries):
    make.user("count@example.org", "Cy Count", roles=["manager"])
    actions.login("count@example.org")
    with count_queries() as before:
        page(client)
    a_term_of_teaching(app, make, world)
    with count_queries() as after:
        page(client)
    assert len(before) == len(after) <= 12, (len(before), len(after))
