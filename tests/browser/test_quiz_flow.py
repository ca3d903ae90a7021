"""A learner takes a mixed quiz by keyboard, reloads mid-way, submits and reads the feedback."""
from playwright.sync_api import expect

from lit_platform.accounts.services import create_user
from lit_platform.extensions import db
from lit_platform.quizzes import services

from ..factories import sample_questions


def set_up(app):
    with app.app_context():
        create_user("kim@example.org", "Kim Learner", "granite willow ferry", ["learner"])
        create_user("lib@example.org", "Lou Librarian", "granite willow ferry", ["librarian"])
        category = services.find_or_create_category("Browser")
        questions = [services.save_question(f"browser.{n}", category, data)[0]
                     for n, data in enumerate(sample_questions()[:7])]
        quiz = services.save_quiz("browser-quiz", {"title": "Boolean basics", "questions_per_page": 4,
                                                   "shuffle_choices": False, "time_limit_minutes": 30})
        services.set_fixed_questions(quiz, questions)
        db.session.commit()
        return quiz.id


def sign_in(page, email):
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("granite willow ferry")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def test_learner_takes_a_quiz_by_keyboard_and_loses_nothing_on_reload(page, live_app, axe):
    quiz_id = set_up(live_app)
    sign_in(page, "kim@example.org")
    page.goto(f"/quizzes/{quiz_id}")
    axe(page)
    page.get_by_role("button", name="Start the quiz").press("Enter")
    expect(page.get_by_role("heading", level=2, name="Question 1")).to_be_visible()
    expect(page.locator("[data-timer-text]")).to_contain_text("min")
    axe(page)

    q1 = page.locator("section.question").nth(0)
    q1.get_by_label("OR").focus()
    page.keyboard.press("Space")
    expect(q1.locator("[data-save-status]")).to_have_text("Answer saved.")
    q2 = page.locator("section.question").nth(1)
    q2.get_by_label("adolescent").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # youth
    expect(q2.locator("[data-save-status]")).to_have_text("Answer saved.")
    q3 = page.locator("section.question").nth(2)
    q3.get_by_label("False").focus()
    page.keyboard.press("Space")
    expect(q3.locator("[data-save-status]")).to_have_text("Answer saved.")
    q4 = page.locator("section.question").nth(3)
    q4.get_by_label("Your answer").focus()
    page.keyboard.type("mesh")
    expect(q4.locator("[data-save-status]")).to_have_text("Answer saved.")
    q4.get_by_label("Flag this question to come back to it").focus()
    page.keyboard.press("Space")
    expect(q4.locator("[data-save-status]")).to_have_text("Flag saved.")

    page.reload()  # a crash or a closed tab: every answer given so far is still there
    expect(page.locator("section.question").nth(0).get_by_label("OR")).to_be_checked()
    expect(page.locator("section.question").nth(1).get_by_label("youth")).to_be_checked()
    expect(page.locator("section.question").nth(2).get_by_label("False")).to_be_checked()
    expect(page.locator("section.question").nth(3).get_by_label("Your answer")).to_have_value("mesh")
    expect(page.locator("section.question").nth(3).get_by_label("Flag this question")).to_be_checked()

    page.get_by_role("button", name="Next page").press("Enter")
    expect(page.get_by_role("heading", level=2, name="Question 5")).to_be_visible()
    number = page.get_by_label("Your answer (a number)")
    number.focus()
    page.keyboard.type("20")
    page.get_by_label("AND").focus()
    page.keyboard.press("ArrowDown")  # "broadens" is first; narrows is the second option
    page.keyboard.press("ArrowDown")
    page.get_by_label("OR", exact=True).focus()
    page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="Finish attempt…").press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("check before you submit")
    expect(page.get_by_text("1 question not answered")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Submit all and finish").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("attempt 1")
    expect(page.locator(".feedback").first).to_contain_text("Correct")
    expect(page.get_by_text("The right answer:").first).to_be_visible()
    axe(page)


def test_bank_pages_are_accessible(page, live_app, axe):
    quiz_id = set_up(live_app)
    sign_in(page, "lib@example.org")
    for path in ["/bank/", "/bank/categories", "/bank/quizzes", f"/bank/quizzes/{quiz_id}",
                 f"/bank/quizzes/{quiz_id}/settings", "/bank/gift/import", "/bank/questions/new/single_choice",
                 "/bank/questions/new/matching", "/bank/questions/new/true_false"]:
        page.goto(path)
        axe(page)
    page.goto("/bank/")
    page.get_by_role("link", name="Which operator broadens a search?").click()
    axe(page)
    page.get_by_role("link", name="Edit (makes a new version)").click()
    page.get_by_label("Question text").fill("")
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the question text.")
    axe(page)
