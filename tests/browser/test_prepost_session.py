"""A librarian runs a session's pre/post test: three anonymous participants join by code on their own
phones, answer before and after, and the session's page shows three pairs; axe checks every page."""
import re
from datetime import time, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from lit_platform.accounts.services import create_user
from lit_platform.bookings import services as bookings
from lit_platform.core.types import utcnow
from lit_platform.courses.importer import import_course
from lit_platform.courses.loader import read_course
from lit_platform.courses.models import Course
from lit_platform.extensions import db

from ..courses.conftest import write_course

PASSWORD = "granite willow ferry"
PEOPLE = [("MA", "07", "1"), ("JO", "23", "0"), ("XX", "30", "2")]


def sign_in(page, email):
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def join_code(page) -> str:
    return re.search(r"[A-Z0-9]{6}", page.locator(".join-code").inner_text()).group(0)


def make_code(phone, person):
    letters, day, siblings = person
    phone.get_by_label("The first two letters of the first name of a parent").fill(letters)
    phone.get_by_label("The day of the month you were born").fill(day)
    phone.get_by_label("How many older brothers and sisters you have").fill(siblings)
    phone.get_by_role("button", name="Start the test").click()


def answer_and_hand_in(phone, right: bool, confidence: str):
    expect(phone.get_by_role("heading", name="Question 1 of 2")).to_be_visible()
    phone.get_by_label("A question" if right else "A database").check()
    phone.get_by_label("True" if right else "False").check()
    phone.get_by_role("group", name="I can combine terms with AND and OR.").get_by_label(confidence).check()
    phone.get_by_role("button", name="Hand in my answers").click()
    expect(phone.get_by_text("Thank you: your answers are in.")).to_be_visible()


def test_session_pre_and_post_test_with_three_anonymous_participants(page, new_page, live_app, tmp_path, axe):
    folder = write_course(tmp_path)
    live_app.config["LIT_COURSES_PATH"] = str(tmp_path)
    with live_app.app_context():
        import_course(read_course(folder)[0])
        course_id = db.session.scalar(select(Course.id).where(Course.slug == "demo-course"))
        librarian = create_user("lib@example.org", "Lou Librarian", PASSWORD, ["librarian"])
        db.session.flush()
        session, _ = bookings.create_session(bookings.SessionData(
            title="Finding the evidence", day=(utcnow() + timedelta(days=1)).date(), start_time=time(10),
            end_time=time(11, 30), capacity=20, course_id=course_id, location="Training room 2",
            facilitator_ids=[librarian.id]), librarian)
        db.session.commit()
        session_id = session.id

    # The librarian chooses the course's test on the session's page and opens the pre-test.
    sign_in(page, "lib@example.org")
    page.goto(f"/manage/sessions/{session_id}")
    page.get_by_role("link", name="Pre/post test: open, close, results").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pre/post test: Finding the evidence")
    axe(page)
    page.get_by_label("Test").select_option(label="Demo before and after")
    page.get_by_role("button", name="Use this test").click()
    expect(page.get_by_text("The pre-test and post-test use “Demo before and after”.")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Open the pre-test").click()
    expect(page.get_by_role("heading", name="The pre-test is open")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for joining the pre-test")).to_be_visible()
    code = join_code(page)
    axe(page)
    page.get_by_role("link", name="Show the code full screen").click()
    expect(page.locator(".join-code")).to_contain_text(code)
    axe(page)
    page.go_back()

    # Three people join on their phones, anonymously, and answer (all wrong, not very confident).
    phones = []
    for n, person in enumerate(PEOPLE):
        phone = new_page()
        phones.append(phone)
        phone.goto("/join")
        if n == 0:
            axe(phone)
            phone.get_by_label("Code").fill("WRONG2")
            phone.get_by_role("button", name="Join").click()
            expect(phone.locator("#code-error")).to_contain_text(
                "No open test has that code. Check the code on the screen.")
            axe(phone)
        phone.get_by_label("Code").fill(code.lower())
        phone.get_by_role("button", name="Join").click()
        expect(phone.get_by_role("heading", name="Make your personal code")).to_be_visible()
        if n == 0:
            axe(phone)
            phone.get_by_role("button", name="Start the test").click()
            expect(phone.get_by_role("alert")).to_contain_text("Enter two letters, for example MA.")
            axe(phone)
        make_code(phone, person)
        if n == 0:
            axe(phone)
        answer_and_hand_in(phone, right=False, confidence="2")
        if n == 0:
            axe(phone)

    # The librarian's figures refresh by themselves while the test is open.
    expect(page.locator('[data-count="pre-handed_in"]')).to_have_text("3", timeout=30_000)
    page.reload()

    # The librarian opens the post-test (which closes the pre-test); the same three answer again.
    page.get_by_role("button", name="Open the post-test").click()
    expect(page.get_by_role("heading", name="The post-test is open")).to_be_visible()
    post_code = join_code(page)
    assert post_code != code
    axe(page)
    for n, (phone, person) in enumerate(zip(phones, PEOPLE)):
        phone.goto("/join")
        phone.get_by_label("Code").fill(post_code)
        phone.get_by_role("button", name="Join").click()
        expect(phone.get_by_text("exactly as you did at the start")).to_be_visible()
        make_code(phone, person)
        answer_and_hand_in(phone, right=True, confidence="5")
        expect(phone.get_by_role("heading", name="Before and after, by topic")).to_be_visible()
        if n == 0:
            axe(phone)

    # The session's page shows three pairs; three people are fewer than the minimum group, so who has
    # taken part is shown and their scores are not.
    page.reload()
    expect(page.locator('[data-count="post-handed_in"]')).to_have_text("3")
    counts = page.locator(".result-counts")
    expect(counts.locator("div", has_text="Paired (took both)").locator("dd")).to_have_text("3")
    expect(counts.locator("div", has_text="Same code used twice").locator("dd")).to_have_text("0")
    expect(page.get_by_text("The averages appear once at least 5 people have taken both tests")).to_be_visible()
    expect(page.locator(".participant-results tbody tr")).to_have_count(3)
    expect(page.locator(".participant-results tbody td", has_text="not shown")).to_have_count(6)
    axe(page)
    # With a minimum group of three, the class moved from 0% to 100% on both outcomes.
    live_app.config["LIT_REPORT_MIN_GROUP"] = 3
    page.reload()
    expect(page.get_by_role("row", name=re.compile(r"^DS1 .*0% 100% \+100 points"))).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Close the post-test").click()
    expect(page.get_by_text("The post-test is closed.")).to_be_visible()
    axe(page)
