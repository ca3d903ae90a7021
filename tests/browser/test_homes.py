"""Each role's home in Chromium: reached and used by keyboard, clean under axe, and no sideways scrolling at
390 px (a phone). One person holding every role gets a contents list that moves focus to each section."""
from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import expect

from lit_platform.accounts.models import User
from lit_platform.core.types import utcnow
from lit_platform.extensions import db
from lit_platform.privacy import requests as privacy_requests

from ..bookings.conftest import in_days
from ..factories import PASSWORD, Factories
from ..home.conftest import World

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def build(app) -> dict:
    """A learner part way through a course, a librarian with sessions to run, mark and read feedback on, a
    manager, an administrator with a privacy request waiting, and someone with every role."""
    make = Factories(app)
    world = World(app, make)
    learner = make.user("lena@example.org", "Lena Learner")
    course_id, ids = world.course("searching-well", modules=3, title="Searching well")
    world.progress(learner, course_id, ids, done=1, opened=2)
    done_id, done_ids = world.course("evidence-basics", modules=1, title="Evidence basics")
    world.progress(learner, done_id, done_ids, done=1, completed_at=utcnow())
    world.book(world.session(title="Boolean clinic", days=3).id, learner)
    lib = make.user("lin@example.org", "Lin Librarian", roles=["librarian"])
    upcoming = world.session(lib, days=2, title="Appraisal workshop", capacity=2)
    for person in world.learners(3):
        world.book(upcoming.id, person)
    world.feedback(world.session(lib, days=-3, title="Past workshop").id, world.learners(5),
                   comment="Clear and useful, thank you")
    unmarked = world.session(lib, days=-5, title="Unmarked workshop")
    for person in world.learners(2):
        world.book(unmarked.id, person, when=in_days(-10))
    make.user("mo@example.org", "Mo Manager", roles=["manager"])
    admin = make.user("ada@example.org", "Ada Admin", roles=["admin"])
    with app.app_context():
        request = privacy_requests.log_request("erasure", db.session.get(User, learner.id),
                                               date.today() - timedelta(days=10), db.session.get(User, admin.id),
                                               date.today())
        db.session.commit()
        request_id = request.id
    make.user("max@example.org", "Max Many", roles=["learner", "librarian", "manager", "admin"])
    return {"unmarked": unmarked.id, "request": request_id}


def sign_in(page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def tab_to(page, target) -> None:
    """Press Tab until `target` (a locator) has the focus, as someone using the keyboard would."""
    for _ in range(150):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def document_width(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_each_roles_home_by_keyboard(browser, live_server, live_app, axe):
    ids = build(live_app)
    journeys = [
        ("lena@example.org", "Searching well module 2", r"/courses/searching-well/m2$", "Searching well module 2"),
        ("lin@example.org", "Unmarked workshop", rf"/manage/sessions/{ids['unmarked']}/register$", None),
        ("mo@example.org", "Reach and delivery report", r"/reports/reach\?date_from=", "Reach and delivery"),
        ("ada@example.org", f"Request {ids['request']}: Erasure of their data",
         rf"/admin/privacy/requests/{ids['request']}$", None),
    ]
    for email, link, address, heading in journeys:
        for viewport in (DESKTOP, PHONE):
            context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London",
                                          viewport=viewport)
            context.set_default_timeout(20_000)
            page = context.new_page()
            sign_in(page, email)
            axe(page)
            assert document_width(page) <= viewport["width"], f"{email}'s home scrolls sideways at {viewport}"
            if viewport is DESKTOP:
                page.keyboard.press("Tab")
                expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
                page.keyboard.press("Enter")
                tab_to(page, page.get_by_role("link", name=re.compile("^" + re.escape(link))).first)
                page.keyboard.press("Enter")
                expect(page).to_have_url(re.compile(address))
                if heading:
                    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
            context.close()


def test_every_role_at_once_with_a_contents_list(browser, live_server, live_app, axe):
    build(live_app)
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London",
                                      viewport=viewport)
        page = context.new_page()
        sign_in(page, "max@example.org")
        contents = page.get_by_role("navigation", name="On this page")
        expect(contents.get_by_role("link")).to_have_count(4)
        axe(page)
        assert document_width(page) <= viewport["width"]
        contents.get_by_role("link", name="Service impact").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=2, name="Service impact")).to_be_focused()
        context.close()


def test_a_visitor_browses_the_courses_by_keyboard(browser, live_server, live_app, axe):
    build(live_app)
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London",
                                  viewport=PHONE)
    page = context.new_page()
    page.goto("/")
    axe(page)
    assert document_width(page) <= PHONE["width"]
    page.get_by_role("link", name="Browse the courses").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Courses")
    axe(page)
    page.get_by_role("link", name="Searching well").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Sign in to start the course")).to_be_visible()
    axe(page)
    assert document_width(page) <= PHONE["width"]
    context.close()
