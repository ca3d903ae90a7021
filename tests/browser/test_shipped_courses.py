"""Every page of the shipped courses passes axe and keeps within the page-weight budget."""
from playwright.sync_api import expect
from sqlalchemy import select

from lit_platform.accounts.services import create_user
from lit_platform.assessments.services import mark_pretest_done
from lit_platform.courses.importer import import_course
from lit_platform.courses.loader import read_courses
from lit_platform.courses.models import Course
from lit_platform.extensions import db

from ..conftest import PROJECT_ROOT


def test_every_course_and_module_page_is_accessible(page, live_app, axe):
    live_app.config["LIT_COURSES_PATH"] = str(PROJECT_ROOT / "courses")
    pages, module_pages, course_ids = [], [], []
    with live_app.app_context():
        for _, course, problems in read_courses(PROJECT_ROOT / "courses"):
            assert problems == []
            import_course(course)
            course_ids.append(db.session.scalar(select(Course.id).where(Course.slug == course.slug)))
            pages += [f"/courses/{course.slug}", f"/courses/{course.slug}/glossary"]
            module_pages += [f"/courses/{course.slug}/{m.slug}" for m in course.modules]
            assert all(m.aims for m in course.modules), f"{course.slug}: every module states its aims"
        reader = create_user("reader@example.org", "Rae Reader", "granite willow ferry", ["learner"])
        for course_id in course_ids:  # the modules themselves, not the pre-test they would start with
            mark_pretest_done(course_id, reader)
        db.session.commit()
    pages += module_pages
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill("reader@example.org")
    page.get_by_label("Password").fill("granite willow ferry")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    defined, entries = set(), set()
    for path in ["/courses", *pages]:
        response = page.goto(path)
        assert response.status == 200, path
        assert len(response.body()) < 60 * 1024, f"{path} is over the 60 KB page budget"
        broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
        assert broken == [], f"{path}: images that did not load: {broken}"
        axe(page)
        if path in module_pages:
            # What the module is for, at the top, and its terms linked to the glossary entries that exist.
            aims = page.get_by_role("region", name="In this module you will")
            expect(aims).to_be_visible()
            assert aims.get_by_role("listitem").count() >= 2, path
            for href in page.eval_on_selector_all("dfn a", "links => links.map(a => a.getAttribute('href'))"):
                glossary, _, anchor = href.partition("#")
                assert glossary == path.rsplit("/", 1)[0] + "/glossary" and anchor, href
                defined.add((glossary, anchor))
        elif path.endswith("/glossary"):
            entries.update((path, anchor) for anchor in page.eval_on_selector_all(
                "dl.glossary dt", "terms => terms.map(t => t.id)"))
    # Every marked term links to an entry, and every entry is marked in some module.
    assert defined == entries and len(entries) > 90
