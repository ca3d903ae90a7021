"""At 390 px wide (a phone) no page scrolls sideways and every page passes axe.

Each demo account (learner, librarian, manager, admin) follows the links it can reach from the home page,
one page per kind of address (numbers in the path are treated alike), plus every shipped module page and a
quiz attempt in progress.

Layout does not depend on the database, so this runs on SQLite only; the access matrix
(tests/security/test_access_matrix.py) requests every route on PostgreSQL as well.
"""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.assessments.services import mark_pretest_done
from lit_platform.courses.models import Course
from lit_platform.demo import DEMO_ACCOUNTS, set_up_demo
from lit_platform.extensions import db
from lit_platform.quizzes import attempts
from lit_platform.quizzes.models import Quiz

PHONE = {"width": 390, "height": 844}
# Files to download, not pages to read.
NOT_PAGES = re.compile(r"\.(csv|xlsx|pdf|ics|json|zip|txt|svg|png)$|/(export|download|api)(/|$)")
PAGES_PER_ROLE = 120


def sign_in(page, email, password):
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def kind_of(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def document_width(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def widest_elements(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
                     && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
        .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                         + ' right=' + Math.round(e.getBoundingClientRect().right))""")


@pytest.mark.parametrize("live_database_url", ["sqlite"], indirect=True, scope="session")
def test_no_page_scrolls_sideways_at_390_px(browser, live_server, live_app, axe):
    with live_app.app_context():
        set_up_demo(echo=lambda *_: None)
        learner = db.session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[0][1]))
        module_pages = []
        for course in db.session.scalars(select(Course).order_by(Course.id)):
            mark_pretest_done(course.id, learner)
            module_pages += [f"/courses/{course.slug}/{module.slug}" for module in course.modules]
        quiz = db.session.scalars(select(Quiz).order_by(Quiz.id)).first()
        attempt = attempts.start_attempt(quiz, learner)
        db.session.commit()
        course_pages = [f"/courses/{slug}" for slug in db.session.scalars(select(Course.slug))]
        extra = {"learner": [*module_pages, f"/attempts/{attempt.id}/page/1", f"/attempts/{attempt.id}/summary"],
                 "librarian": [f"{course}/progress" for course in course_pages[:1]]}
    assert module_pages

    checked_kinds, too_wide, inaccessible, visited = set(), [], [], 0
    for role, email, _name, password, _unit in DEMO_ACCOUNTS:
        context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London",
                                      viewport=PHONE)
        context.set_default_timeout(20_000)
        page = context.new_page()
        sign_in(page, email, password)
        starts = ["/", *extra.get(role, [])]
        queue, kinds_this_role, pages_this_role = list(starts), set(), 0
        while queue and pages_this_role < PAGES_PER_ROLE:
            path = queue.pop(0)
            kind = path if path in module_pages else kind_of(path)
            if kind in kinds_this_role or (kind in checked_kinds and path not in starts):
                continue
            kinds_this_role.add(kind)
            response = page.goto(path)
            if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            if response.status == 403:  # a link for other roles too, which this one may not follow
                continue
            assert response.status == 200, f"{role}: {path} answered {response.status}"
            pages_this_role += 1
            width = document_width(page)
            if width > PHONE["width"]:
                too_wide.append(f"{role} {path}: {width} px ({'; '.join(widest_elements(page))})")
            # Each kind of page once for axe (and each role's home page, whose navigation differs).
            if kind not in checked_kinds or path == "/":
                try:
                    axe(page)
                except AssertionError as problem:
                    inaccessible.append(f"{role}: {problem}")
            checked_kinds.add(kind)
            for href in page.eval_on_selector_all("a[href]:not([download])", "links => links.map(a => a.href)"):
                parts = urlsplit(href)
                if parts.netloc != urlsplit(live_server.url).netloc or NOT_PAGES.search(parts.path):
                    continue
                if parts.path.startswith(("/static/", "/account/logout")):
                    continue
                queue.append(parts.path)
        visited += pages_this_role
        context.close()
    print(f"{visited} pages checked at {PHONE['width']} px")
    assert too_wide == [], "pages wider than the phone screen:\n" + "\n".join(too_wide)
    assert inaccessible == [], "\n".join(inaccessible)
