"""A learner finds a course, takes the pre-test, works through it by keyboard, leaves, resumes,
completes it, takes the post-test, sees the results and downloads the certificate; axe checks
every page on the way."""
import io

from playwright.sync_api import expect
from pypdf import PdfReader

from lit_platform.accounts.services import create_user
from lit_platform.courses.importer import import_course
from lit_platform.courses.loader import read_course
from lit_platform.extensions import db

from ..courses.conftest import write_course


def test_course_from_catalogue_to_certificate(page, new_page, live_app, tmp_path, axe):
    folder = write_course(tmp_path)
    live_app.config["LIT_COURSES_PATH"] = str(tmp_path)
    with live_app.app_context():
        definition, problems = read_course(folder)
        assert problems == []
        import_course(definition)
        create_user("ria@example.org", "Ria Reader", "granite willow ferry", ["learner"])
        db.session.commit()

    def sign_in(p):
        p.goto("/account/login")
        p.get_by_label("E-mail address").fill("ria@example.org")
        p.get_by_label("Password").fill("granite willow ferry")
        p.get_by_label("Password").press("Enter")
        expect(p.get_by_role("heading", level=1)).to_contain_text("Hello")

    sign_in(page)
    page.get_by_role("link", name="Courses", exact=True).press("Enter")
    page.get_by_label("Written for").select_option("health")
    page.get_by_role("button", name="Find courses").press("Enter")
    axe(page)
    page.get_by_role("link", name="Demo searching").press("Enter")
    axe(page)
    page.get_by_role("button", name="Start the course").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Before you start: a short test")
    axe(page)
    page.get_by_role("button", name="Start the test").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo before and after")
    page.get_by_label("A database").focus()
    page.keyboard.press("Space")
    expect(page.locator("[data-save-status]").first).to_have_text("Answer saved.")
    page.get_by_label("2", exact=True).focus()
    page.keyboard.press("Space")
    expect(page.get_by_text("You have answered 1 of 2 questions.")).to_be_visible()  # counted as answers save
    axe(page)
    # One question is left unanswered: the hand-in stops to say so, as a module quiz's summary does.
    page.get_by_role("button", name="Hand in my answers").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo before and after: check before you hand in")
    expect(page.get_by_text("1 question not answered.")).to_be_visible()
    expect(page.get_by_role("row", name="Question 2")).to_contain_text("Not answered")
    axe(page)
    page.get_by_role("button", name="Hand in my answers").press("Enter")
    expect(page.get_by_text("Thank you: your answers are in.")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Start the first module").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Defining your question")
    expect(page.get_by_role("img", name="A Venn diagram of two overlapping circles")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Mark this module complete").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Boolean logic")
    axe(page)

    # Leave (a new browser, as on another day) and come back: the course resumes at Boolean logic.
    later = new_page()
    sign_in(later)
    later.goto("/learning")
    axe(later)
    later.get_by_role("link", name="Demo searching").press("Enter")
    later.get_by_role("button", name="Continue where you left off").press("Enter")
    expect(later.get_by_role("heading", level=1)).to_have_text("Boolean logic")
    expect(later.get_by_text("Pass the quiz “Boolean check” (50% or more) to complete this module.")).to_be_visible()
    expect(later.get_by_role("button", name="Mark this module complete")).to_have_count(0)

    later.get_by_role("link", name="Take the quiz: Boolean check").press("Enter")
    later.get_by_role("button", name="Start the quiz").press("Enter")
    later.get_by_label("OR").focus()
    later.keyboard.press("Space")
    later.get_by_role("button", name="Check question 1").press("Enter")
    expect(later.locator(".feedback").first).to_contain_text("OR finds either term.")
    axe(later)
    later.get_by_label("False").focus()
    later.keyboard.press("Space")
    later.get_by_role("button", name="Finish attempt…").press("Enter")
    later.get_by_role("button", name="Submit all and finish").press("Enter")
    axe(later)
    later.get_by_role("link", name="Back to the module").press("Enter")
    expect(later.locator(".quiz-last-result")).to_contain_text("100% (passed)")
    axe(later)
    later.get_by_role("button", name="Mark this module complete").press("Enter")
    expect(later.get_by_role("status")).to_contain_text("You have completed Demo searching")
    axe(later)

    # The test after the course, and the learner's own before/after per outcome.
    later.get_by_role("link", name="The test after the course, and your results").press("Enter")
    axe(later)
    later.get_by_role("button", name="Start the test").press("Enter")
    later.get_by_label("A question").focus()
    later.keyboard.press("Space")
    later.get_by_label("True").focus()
    later.keyboard.press("Space")
    later.get_by_label("5, very confident").focus()
    later.keyboard.press("Space")
    later.get_by_role("button", name="Hand in my answers").press("Enter")
    expect(later.get_by_role("heading", level=1)).to_have_text("Your results: Demo searching")
    expect(later.get_by_role("row", name="DS1")).to_contain_text("0%")
    expect(later.get_by_role("row", name="DS1")).to_contain_text("100%")
    axe(later)
    later.goto("/learning")
    expect(later.get_by_role("heading", name="Tests you have taken")).to_be_visible()
    expect(later.get_by_role("row", name="Demo searching After")).to_contain_text("100%")
    expect(later.get_by_role("row", name="Demo searching Before")).to_contain_text("0%")
    axe(later)
    later.goto("/courses/demo-course/results")
    later.get_by_role("link", name="Back to the course").press("Enter")

    later.get_by_role("link", name="View your certificate").press("Enter")
    expect(later.get_by_role("heading", level=1)).to_have_text("Certificate of completion")
    axe(later)
    with later.expect_download(timeout=90_000) as download_info:  # WeasyPrint can be slow on two busy cores
        later.get_by_role("link", name="Download as PDF").press("Enter")
    with open(download_info.value.path(), "rb") as handle:
        pdf = PdfReader(io.BytesIO(handle.read()))
    text = pdf.pages[0].extract_text()
    assert "Ria Reader" in text and "Demo searching" in text
