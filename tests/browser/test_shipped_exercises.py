"""Every performance exercise shipped with the courses works in a real browser: its pages and its
review pass axe, its images load, and the pages keep within the page-weight budget."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from lit_platform.accounts.services import create_user
from lit_platform.courses.importer import import_course
from lit_platform.courses.loader import read_courses
from lit_platform.extensions import db
from lit_platform.courses.models import Course, Module
from lit_platform.quizzes.models import Quiz
from lit_platform.quizzes.types import get_type

from ..conftest import PROJECT_ROOT
from .test_quiz_flow import sign_in

PAGE_BUDGET = 120 * 1024  # an exercise carries its source or study report; still well under a typical web page


def _check(page, axe, path):
    response = page.goto(path)
    assert response.status == 200, path
    assert len(response.body()) < PAGE_BUDGET, f"{path} is {len(response.body())} bytes"
    broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
    assert broken == [], f"{path}: images that did not load: {broken}"
    axe(page)


def test_every_shipped_exercise_page_and_review_is_accessible(page, live_app, axe):
    live_app.config["LIT_COURSES_PATH"] = str(PROJECT_ROOT / "courses")
    with live_app.app_context():
        for _, course, problems in read_courses(PROJECT_ROOT / "courses"):
            assert problems == []
            import_course(course)
        create_user("kim@example.org", "Kim Learner", "granite willow ferry", ["learner"])
        db.session.commit()
        module_quizzes = select(Quiz).where(Quiz.id.in_(select(Module.quiz_id))).order_by(Quiz.id)
        quizzes = [(quiz.id, quiz.title, sorted({slot.question.current.type for slot in quiz.slots}))
                   for quiz in db.session.scalars(module_quizzes)
                   if any(get_type(slot.question.current.type).is_performance for slot in quiz.slots)]
        slugs = list(db.session.scalars(select(Course.slug).order_by(Course.slug)))
    kinds = {kind for _, _, types in quizzes for kind in types if get_type(kind).is_performance}
    assert kinds == {"search_strategy", "lateral_reading", "appraisal_checklist"}
    sign_in(page, "kim@example.org")
    for quiz_id, title, _ in quizzes:
        page.goto(f"/quizzes/{quiz_id}")
        page.get_by_role("button", name="Start the quiz").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        attempt_id, _ = re.search(r"/attempts/(\d+)/page/(\d+)", page.url).groups()
        pages = int(re.search(r"Page 1 of (\d+)", page.content()).group(1))
        for number in range(1, pages + 1):
            _check(page, axe, f"/attempts/{attempt_id}/page/{number}")
        page.goto(f"/attempts/{attempt_id}/summary")
        page.get_by_role("button", name="Submit all and finish").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{title}: attempt 1")
        _check(page, axe, f"/attempts/{attempt_id}/review")

    # each course's pre-test, which has a performance item of its own
    for slug in slugs:
        page.goto(f"/courses/{slug}")
        page.get_by_role("button", name="Start the course").press("Enter")
        page.get_by_role("button", name="Start the test").press("Enter")
        expect(page.get_by_role("button", name="Hand in my answers")).to_be_visible()
        assert page.locator(".search-plan, .sift-move, .checklist").count() > 0, slug
        _check(page, axe, page.url)
