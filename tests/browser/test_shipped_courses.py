"""Every page of the shipped courses passes axe and keeps within the page-weight budget."""
from playwright.sync_api import expect

from lit_platform.accounts.services import create_user
from lit_platform.courses.importer import import_course
from lit_platform.courses.loader import read_courses
from lit_platform.extensions import db

from ..conftest import PROJECT_ROOT


def test_every_course_and_module_page_is_accessible(page, live_app, axe):
    live_app.config["LIT_COURSES_PATH"] = str(PROJECT_ROOT / "courses")
    pages = []
    with live_app.app_context():
        for _, course, problems in read_courses(PROJECT_ROOT / "courses"):
            assert problems == []
            import_course(course)
            pages.append(f"/courses/{course.slug}")
            pages += [f"/courses/{course.slug}/{m.slug}" for m in course.modules]
        create_user("reader@example.org", "Rae Reader", "granite willow ferry", ["learner"])
        db.session.commit()
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill("reader@example.org")
    page.get_by_label("Password").fill("granite willow ferry")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    for path in ["/courses", *pages]:
        response = page.goto(path)
        assert response.status == 200, path
        assert len(response.body()) < 60 * 1024, f"{path} is over the 60 KB page budget"
        broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        assert broken == [], f"{path}: images that did not load: {broken}"
        axe(page)
