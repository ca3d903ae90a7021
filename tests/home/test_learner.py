"""The learner's home: carry on where you left off, progress, upcoming sessions with calendar entries, tests
waiting and certificates."""
from __future__ import annotations

import re
from datetime import timedelta

from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.home.learner import ModuleLink, learner_home, next_module, waiting_tests

from .conftest import page

NOW = utcnow()


def test_next_module_is_the_one_left_unfinished_else_the_first_not_done():
    modules = [(1, "a", "A", True, True), (2, "b", "B", True, False), (3, "c", "C", False, False)]
    assert next_module(modules, last_module_id=3) == ModuleLink("c", "C")
    assert next_module(modules, last_module_id=1) == ModuleLink("b", "B")  # the last one opened is done
    assert next_module(modules, last_module_id=None) == ModuleLink("b", "B")
    assert next_module([(1, "a", "A", True, True)], last_module_id=1) is None


def test_tests_waiting_follow_the_course_rules():
    def phases(**kw):
        values = dict(slug="c", title="C", assessment_key="k", pretest="required", delayed_post_weeks=4,
                      completed_at=None, pretest_done_at=None, post_at=None, delayed_at=None, now=NOW)
        values.update(kw)
        return [t.phase for t in waiting_tests(**values)]

    assert phases() == ["pre"]
    assert phases(pretest="none") == []
    assert phases(assessment_key=None) == []
    assert phases(pretest_done_at=NOW) == []
    assert phases(completed_at=NOW - timedelta(days=1), pretest_done_at=NOW) == ["post"]
    assert phases(completed_at=NOW - timedelta(weeks=5), post_at=NOW) == ["delayed"]
    assert phases(completed_at=NOW - timedelta(weeks=3), post_at=NOW) == []  # not due yet
    assert phases(completed_at=NOW - timedelta(weeks=5), post_at=NOW, delayed_at=NOW) == []


def test_the_learner_home_in_figures(app, make, world):
    learner = make.user(password=None)
    reading, ids = world.course("reading", modules=3)
    world.progress(learner, reading, ids, done=1, opened=3)
    appraisal, appraisal_ids = world.course("appraisal", modules=2, assessment_key="ap", pretest="required")
    world.progress(learner, appraisal, appraisal_ids)
    done_course, done_ids = world.course("done", modules=1, assessment_key="dn", delayed_post_weeks=2)
    world.progress(learner, done_course, done_ids, done=1, completed_at=NOW - timedelta(weeks=3))
    with app.app_context():
        home = learner_home(learner.id, NOW)
    by_slug = {c.slug: c for c in home.in_progress}
    assert (by_slug["reading"].done, by_slug["reading"].required) == (1, 3)
    assert by_slug["reading"].next_module == ModuleLink("m3", "Reading module 3")
    assert by_slug["appraisal"].needs_pretest and by_slug["appraisal"].next_module is None
    assert [(t.course_slug, t.phase) for t in home.tests] == [("appraisal", "pre"), ("done", "post"),
                                                              ("done", "delayed")]
    assert [c.course_slug for c in home.certificates] == ["done"]


def test_the_learner_sees_where_to_carry_on_and_their_sessions(app, make, world, client, actions):
    learner = make.user("lena@example.org", "Lena Learner")
    course_id, ids = world.course("searching-well", modules=2, title="Searching well")
    world.progress(learner, course_id, ids, done=1)
    confirmed = world.session(title="Boolean clinic", days=3)
    full = world.session(title="Full workshop", days=4, capacity=1)
    world.book(full.id, make.user(password=None))
    booking_id = world.book(confirmed.id, learner)
    world.book(full.id, learner)
    actions.login("lena@example.org")
    html = page(client)
    assert "Hello, Lena Learner" in html
    assert 'href="/courses/searching-well/m2">Searching well module 2</a>' in html
    assert "1 of 2 modules completed" in html
    assert f'href="/bookings/{booking_id}/calendar.ics" download>Add to calendar' in html
    assert "Boolean clinic" in html and "Full workshop" in html and "On the waiting list" in html
    # The calendar link works for the owner (the existing per-booking download).
    calendar = client.get(f"/bookings/{booking_id}/calendar.ics")
    assert calendar.status_code == 200 and b"BEGIN:VEVENT" in calendar.data


def test_certificates_and_tests_link_to_their_pages(app, make, world, client, actions, course_id):
    from lit_platform.courses.models import Course

    learner = make.user("cert@example.org", "Cara Certified")
    with app.app_context():
        course = db.session.get(Course, course_id)
        slug, module_ids = course.slug, [m.id for m in course.active_modules]
    world.progress(learner, course_id, module_ids, done=len(module_ids), completed_at=NOW, pretest_done=True)
    actions.login("cert@example.org")
    html = page(client)
    certificate = re.search(r'href="(/courses/[^"]+/certificate)"', html).group(1)
    assert certificate == f"/courses/{slug}/certificate"
    assert client.get(certificate).status_code == 200
    test_link = re.search(r'href="(/courses/[^"]+/tests/post)">Test after the course', html).group(1)
    assert client.get(test_link).status_code == 200


def test_a_new_learner_sees_what_to_do_next(make, client, actions):
    make.user("new@example.org", "Nia New")
    actions.login("new@example.org")
    html = page(client)
    for sentence in ("You have no course in progress.", "No tests are waiting for you.",
                     "You have no upcoming sessions.", "Complete a course to earn its certificate."):
        assert sentence in html
    assert 'href="/courses">Find a course</a>' in html and 'href="/sessions">Find a session</a>' in html
    assert "Registers to mark" not in html and "Service impact" not in html


def test_the_learner_home_costs_the_same_few_queries_however_much_they_have_done(app, make, world, client,
                                                                                  actions, count_queries):
    learner = make.user("busy@example.org", "Bo Busy")
    actions.login("busy@example.org")
    counts = []
    for round_ in range(2):
        for n in range(3):
            course_id, ids = world.course(f"course-{round_}-{n}", modules=4)
            world.progress(learner, course_id, ids, done=n, opened=n + 1)
            world.book(world.session(days=5 + n + round_ * 5).id, learner)
        with count_queries() as statements:
            page(client)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert 3 <= counts[0] <= 4, counts  # the signed-in user, the enrolments, the bookings
