"""Authoring in the browser: a librarian adapts a shipped course, publishes it and a learner sees the change; two
authors editing one module are warned and nothing is overwritten; the course goes out and back in as a zip."""
import io
import shutil
import time
import zipfile

import pytest

from playwright.sync_api import expect
from sqlalchemy import select

from lit_platform.accounts.services import create_user
from lit_platform.assessments.services import mark_pretest_done
from lit_platform.authoring import services
from lit_platform.authoring.models import CourseSource
from lit_platform.courses.loader import read_course
from lit_platform.courses.models import Course
from lit_platform.extensions import db

from ..conftest import PROJECT_ROOT

PASSWORD = "granite willow ferry"
COPY = "/authoring/courses/searching-ours"
MODULE = f"{COPY}/modules/01-defining-the-question.md"
TIP = "Our library's tip: book a search clinic at the help desk."


def sign_in(page, email):
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def visit(page, path, axe):
    """Open an editor page: it answers 200, keeps within the 60 KB budget and passes axe."""
    response = page.goto(path)
    assert response.status == 200, path
    assert len(response.body()) < 60 * 1024, f"{path} is over the 60 KB page budget"
    axe(page)


def draft_text(app, path):
    with app.app_context():
        source = db.session.scalar(select(CourseSource).where(CourseSource.course_slug == "searching-ours"))
        return services.read_text(source, path)


def type_at_end(page, text):
    body = page.get_by_label("Module text (Markdown)")
    body.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


@pytest.fixture(autouse=True)
def patient_pages(page):
    """Copying, publishing and uploading a whole course read every file of it: seconds on a quiet machine, far
    more on a busy one, so these pages get longer than the suite's usual 20 s."""
    page.set_default_timeout(60_000)
    expect.set_options(timeout=60_000)
    yield
    expect.set_options(timeout=15_000)


def test_adapt_a_shipped_course_publish_it_and_a_learner_sees_the_change(page, new_page, live_app, axe, tmp_path):
    live_app.config["LIT_COURSES_PATH"] = str(PROJECT_ROOT / "courses")
    with live_app.app_context():
        create_user("ada@example.org", "Ada Author", PASSWORD, ["librarian", "author"])
        learner = create_user("lee@example.org", "Lee Learner", PASSWORD, ["learner"])
        db.session.commit()
    sign_in(page, "ada@example.org")
    page.get_by_role("link", name="Authoring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Authoring")
    axe(page)

    card = page.get_by_role("form", name="Searching effectively")
    card.get_by_label("New slug").fill("searching-ours")
    card.get_by_label("New title").fill("Searching effectively (our library)")
    card.get_by_role("button", name="Make a local copy").click()
    expect(page.get_by_text("Local copy made.")).to_be_visible()
    expect(page.get_by_text("Not published yet")).to_be_visible()
    axe(page)

    page.get_by_role("link", name="Defining the question", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Defining the question")
    axe(page)
    # The toolbar is reached by Tab and works from the keyboard: Bold wraps a placeholder.
    type_at_end(page, "\n\n" + TIP + " ")
    toolbar = page.get_by_role("toolbar", name="Markdown formatting")
    toolbar.get_by_role("button", name="Bold").focus()
    page.keyboard.press("Enter")
    preview = page.get_by_role("region", name="Preview of the module text")
    expect(preview).to_contain_text(TIP)
    expect(preview.locator("strong", has_text="bold text")).to_be_visible()
    expect(page.locator("[data-save-status]")).to_contain_text("Draft saved")
    assert TIP in draft_text(live_app, "01-defining-the-question.md"), "autosave kept the text"
    # Preview without scripts: a plain submit renders the same region on the server.
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("region", name="Preview of the module text")).to_contain_text(TIP)
    page.get_by_role("button", name="Save draft", exact=True).click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.goto(f"{COPY}/images")
    page.get_by_label("Image (PNG, JPEG, GIF or SVG)").set_input_files(files=[{
        "name": "desk.svg", "mimeType": "image/svg+xml",
        "buffer": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script>'
                  b'<rect width="10" height="10"/></svg>'}])
    page.get_by_role("button", name="Upload image").click()
    expect(page.get_by_text("Describe the image for people who cannot see it.").first).to_be_visible()
    axe(page)
    page.get_by_label("Image (PNG, JPEG, GIF or SVG)").set_input_files(files=[{
        "name": "desk.svg", "mimeType": "image/svg+xml",
        "buffer": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script>'
                  b'<rect width="10" height="10"/></svg>'}])
    page.get_by_label("Text alternative (alt text)").fill("The help desk")
    page.get_by_role("button", name="Upload image").click()
    expect(page.get_by_label("Markdown for the image")).to_have_value("![The help desk](images/desk.svg)")
    axe(page)
    assert b"<script" not in page.request.get(f"{COPY}/files/images/desk.svg").body()
    visit(page, f"{COPY}/changes", axe)

    page.goto(COPY)
    page.get_by_label("What changed").fill("Our help desk tip")
    page.get_by_role("button", name="Publish").click(timeout=90_000)  # a whole course checked and imported
    expect(page.get_by_text("Published as version 1.")).to_be_visible()
    expect(page.get_by_role("cell", name="Our help desk tip")).to_be_visible()
    visit(page, f"{COPY}/versions/1", axe)
    visit(page, f"{COPY}/quizzes/quizzes/01-question.yaml", axe)
    expect(page.get_by_role("heading", name="Item-writing checks")).to_be_visible()
    visit(page, f"{COPY}/images", axe)
    visit(page, "/authoring/new", axe)

    with live_app.app_context():
        course_id = db.session.scalar(select(Course.id).where(Course.slug == "searching-ours"))
        mark_pretest_done(course_id, db.session.merge(learner))
        db.session.commit()
    learner_page = new_page()
    sign_in(learner_page, "lee@example.org")
    learner_page.goto("/courses/searching-ours/defining-the-question")
    expect(learner_page.get_by_text(TIP)).to_be_visible()

    # Out as a zip that the loader accepts unchanged, and back in: nothing changes.
    page.goto(COPY)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the published course (zip)").click()
    data = info.value.path().read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    definition, problems = read_course(tmp_path / "searching-ours")
    assert problems == [] and definition.title == "Searching effectively (our library)"
    assert TIP in (tmp_path / "searching-ours" / "01-defining-the-question.md").read_text("utf-8")
    page.goto("/authoring/")
    page.get_by_label("Course folder as a zip").set_input_files(
        files=[{"name": "searching-ours.zip", "mimeType": "application/zip", "buffer": data}])
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Uploaded: nothing had changed.")).to_be_visible()
    expect(page.get_by_text("The draft is the same as the published version.")).to_be_visible()


def test_a_second_author_editing_the_same_module_is_warned_and_nothing_is_overwritten(page, new_page, live_app,
                                                                                       axe, tmp_path):
    shutil.copytree(PROJECT_ROOT / "courses" / "searching", tmp_path / "searching")
    live_app.config["LIT_COURSES_PATH"] = str(tmp_path)
    with live_app.app_context():
        ada = create_user("ada@example.org", "Ada Author", PASSWORD, ["librarian", "author"])
        create_user("bo@example.org", "Bo Author", PASSWORD, ["author"])
        services.make_local_copy("searching", "searching-ours", "Searching effectively (our library)", ada)
        db.session.commit()
    bo = new_page()
    sign_in(page, "ada@example.org")
    sign_in(bo, "bo@example.org")
    visit(page, MODULE, axe)
    bo.goto(MODULE)
    type_at_end(bo, "\n\nBo's paragraph.\n")
    expect(bo.locator("[data-save-status]")).to_contain_text("Draft saved")
    type_at_end(page, "\n\nAda's paragraph.\n")
    status = page.locator("[data-save-status]")
    expect(status).to_contain_text("Someone else saved this module")
    text = draft_text(live_app, "01-defining-the-question.md")
    assert "Bo's paragraph." in text and "Ada's paragraph." not in text, "Bo's save stands; Ada's was not written"

    page.get_by_role("button", name="Compare and merge").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Someone else saved")
    expect(page.get_by_label("Their text (saved now)")).to_have_value(text)
    expect(page.get_by_label("My text")).to_contain_text("Ada's paragraph.")
    axe(page)
    page.get_by_label("Use the combined text below").check()
    combined = page.get_by_role("textbox", name="Combined text")
    combined.fill(combined.input_value() + "\nBo's paragraph.\n")
    page.get_by_role("button", name="Save my choice").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    text = draft_text(live_app, "01-defining-the-question.md")
    assert "Bo's paragraph." in text and "Ada's paragraph." in text

    # A later update of the shipped course is listed for review, not applied.
    shipped = tmp_path / "searching" / "02-choosing-sources.md"
    shipped.write_text(shipped.read_text("utf-8") + "\nA paragraph the shipped course gained.\n", "utf-8")
    visit(page, COPY, axe)
    expect(page.get_by_role("cell", name="changed upstream only")).to_be_visible()
    page.get_by_role("radio", name="Take the shipped version").check()
    page.get_by_role("button", name="Apply to 02-choosing-sources.md").click()
    expect(page.get_by_text("took the shipped version")).to_be_visible()
    assert "A paragraph the shipped course gained." in draft_text(live_app, "02-choosing-sources.md")

    # A draft with a problem is not published, and the problems say where.
    page.goto(MODULE)
    page.get_by_label("Outcome codes").fill("ZZ9")
    page.get_by_role("button", name="Save draft", exact=True).click()
    page.goto(COPY)
    page.get_by_label("What changed").fill("Broken outcome")
    page.get_by_role("button", name="Publish").click(timeout=90_000)  # a whole course checked and imported
    expect(page.get_by_role("heading", level=1)).to_have_text("Not published: the draft has problems")
    expect(page.get_by_role("alert")).to_contain_text("01-defining-the-question.md")
    axe(page)


def test_a_module_without_a_quiz_gets_one_written_in_place(page, live_app, axe):
    with live_app.app_context():
        author = create_user("ada@example.org", "Ada Author", PASSWORD, ["librarian", "author"])
        services.new_course("our-course", "Our course", author)
        db.session.commit()
    sign_in(page, "ada@example.org")
    visit(page, "/authoring/courses/our-course/modules/01-introduction.md", axe)
    expect(page.get_by_label("Published quiz of the question bank")).to_have_count(0)  # the bank has none
    page.get_by_role("button", name="Write a quiz for this module").click()
    expect(page.get_by_text("Quiz written in the draft")).to_be_visible()
    expect(page.get_by_label("Quiz file (YAML)")).to_contain_text("Replace this example with your first question")
    axe(page)
    page.get_by_role("button", name="Check and save draft").click()
    expect(page.get_by_text("Quiz saved in the draft.")).to_be_visible()
    page.goto("/authoring/courses/our-course/modules/01-introduction.md")
    expect(page.get_by_role("link", name="Edit this module's quiz")).to_be_visible()
    # The quiz editor saves as the author types, even a question not yet finished, and says it has problems.
    page.get_by_role("link", name="Edit this module's quiz").click()
    quiz = page.get_by_label("Quiz file (YAML)")
    quiz.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n  - key: unfinished\n")
    status = page.locator("[data-save-status]")
    expect(status).to_contain_text("Draft saved, with")
    expect(status).to_contain_text("cannot be published")
    with live_app.app_context():
        source = db.session.scalar(select(CourseSource).where(CourseSource.course_slug == "our-course"))
        assert "key: unfinished" in services.read_text(source, "quizzes/01-introduction.yaml")

    # The settings too; and leaving the page within the autosave delay still keeps the last change.
    page.goto("/authoring/courses/our-course")
    page.get_by_label("Summary").fill("Finding and judging sources at Fenwick Library.")
    expect(page.locator("[data-save-status]")).to_contain_text("Draft saved")
    page.get_by_label("Title (required)", exact=True).fill("Our course at Fenwick Library")
    page.goto("/authoring/")
    deadline = time.monotonic() + 30
    while "title: Our course at Fenwick Library" not in settings_text(live_app):
        assert time.monotonic() < deadline, "the change made just before leaving was not saved"
        time.sleep(0.2)
    assert "Finding and judging sources at Fenwick Library." in settings_text(live_app)


def settings_text(app) -> str:
    """course.yaml of the draft, read in a transaction of its own (so a later save is seen, on SQLite too)."""
    with app.app_context():
        source = db.session.scalar(select(CourseSource).where(CourseSource.course_slug == "our-course"))
        text = services.read_text(source, "course.yaml")
        db.session.remove()
        return text
