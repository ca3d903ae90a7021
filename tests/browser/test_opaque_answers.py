"""A learner takes a shuffled quiz and a pre-test by keyboard, with the page's script and without it: the
values in the page say nothing about the key, and every answer is saved and marked as given."""
from playwright.sync_api import expect

from lit_platform.accounts.services import create_user
from lit_platform.courses.importer import import_course
from lit_platform.courses.loader import read_course
from lit_platform.extensions import db
from lit_platform.quizzes import services

from ..courses.conftest import write_course
from ..factories import sample_questions
from ..quizzes.test_blind_learner import TOKEN, opaque_values

PASSWORD = "granite willow ferry"


def set_up(app):
    with app.app_context():
        create_user("kim@example.org", "Kim Learner", PASSWORD, ["learner"])
        category = services.find_or_create_category("Browser")
        questions = [services.save_question(f"opaque.{n}", category, data)[0]
                     for n, data in enumerate(sample_questions()[:7])]
        quiz = services.save_quiz("opaque-quiz", {"title": "Boolean basics", "questions_per_page": 10,
                                                  "shuffle_choices": True})
        services.set_fixed_questions(quiz, questions)
        db.session.commit()
        return quiz.id


def sign_in(page):
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill("kim@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def assert_opaque(page, at_least: int) -> None:
    values = opaque_values(page.content())
    assert len(values) >= at_least and all(TOKEN.fullmatch(v) for v in values), values


def press(field, key="Space", times=1):
    field.focus()
    for _ in range(times):
        field.page.keyboard.press(key)


def question(page, n):
    return page.locator("section.question").nth(n)


def answer_by_keyboard(page):
    """OR; adolescent and youth; True; AND narrows, OR broadens; the steps in order (the lists' options:
    Choose…, broadens, narrows, sorts; Position…, 1, 2, 3)."""
    press(question(page, 0).get_by_label("OR", exact=True))
    press(question(page, 1).get_by_label("adolescent"))
    press(question(page, 1).get_by_label("youth"))
    press(question(page, 2).get_by_label("True"))
    press(question(page, 5).get_by_label("AND", exact=True), "ArrowDown", 2)
    press(question(page, 5).get_by_label("OR", exact=True), "ArrowDown", 1)
    for position, label in enumerate(("Question", "Concepts", "Search"), 1):
        press(question(page, 6).get_by_label(label, exact=True), "ArrowDown", position)


def finish_and_check_marks(page, axe=None):
    page.get_by_role("button", name="Finish attempt…").press("Enter")
    expect(page.get_by_text("2 questions not answered")).to_be_visible()
    if axe:
        axe(page)
    page.get_by_role("button", name="Submit all and finish").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("attempt 1")
    expect(page.get_by_text("5 of 7 (71%)")).to_be_visible()
    if axe:
        axe(page)


def test_a_shuffled_quiz_by_keyboard_saves_each_answer_as_it_is_given(page, live_app, axe):
    quiz_id = set_up(live_app)
    sign_in(page)
    page.goto(f"/quizzes/{quiz_id}")
    page.get_by_role("button", name="Start the quiz").press("Enter")
    expect(page.get_by_role("heading", level=2, name="Question 7")).to_be_visible()
    assert_opaque(page, 16)
    axe(page)
    answer_by_keyboard(page)
    for n in (0, 1, 2, 5, 6):
        expect(page.locator("section.question").nth(n).locator("[data-save-status]")).to_have_text("Answer saved.")
    page.reload()
    expect(question(page, 0).get_by_label("OR", exact=True)).to_be_checked()
    expect(question(page, 1).get_by_label("youth")).to_be_checked()
    expect(question(page, 2).get_by_label("True")).to_be_checked()
    expect(question(page, 5).get_by_label("AND", exact=True).locator("option:checked")).to_have_text("narrows")
    expect(question(page, 6).get_by_label("Search", exact=True).locator("option:checked")).to_have_text("3")
    finish_and_check_marks(page, axe)


def test_without_the_script_the_page_form_saves_the_same_answers(browser, live_server, live_app):
    """axe runs in the page, so it checks these pages in the test above, with scripts on."""
    quiz_id = set_up(live_app)
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page)
        page.goto(f"/quizzes/{quiz_id}")
        page.get_by_role("button", name="Start the quiz").press("Enter")
        expect(page.get_by_role("heading", level=2, name="Question 7")).to_be_visible()
        assert_opaque(page, 16)
        answer_by_keyboard(page)
        finish_and_check_marks(page)
    finally:
        context.close()


def test_a_pre_test_by_keyboard_sends_opaque_values(page, live_app, tmp_path, axe):
    folder = write_course(tmp_path)
    live_app.config["LIT_COURSES_PATH"] = str(tmp_path)
    with live_app.app_context():
        definition, problems = read_course(folder)
        assert problems == []
        import_course(definition)
        create_user("kim@example.org", "Kim Learner", PASSWORD, ["learner"])
        db.session.commit()
    sign_in(page)
    page.goto("/courses/demo-course")
    page.get_by_role("button", name="Start the course").press("Enter")
    page.get_by_role("button", name="Start the test").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo before and after")
    assert_opaque(page, 4)
    axe(page)
    press(page.get_by_label("A question"))
    press(page.get_by_label("True"))
    press(page.get_by_label("4", exact=True))
    for n in range(3):
        expect(page.locator("[data-save-status]").nth(n)).to_have_text("Answer saved.")
    page.reload()
    expect(page.get_by_label("A question")).to_be_checked()
    expect(page.get_by_label("True")).to_be_checked()
    page.get_by_role("button", name="Hand in my answers").press("Enter")
    expect(page.get_by_text("Thank you: your answers are in.")).to_be_visible()
    axe(page)
