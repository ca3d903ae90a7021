"""Long answers in the browser: the page counts as the server does, says when text is too long, and a request
too large for the site is reported as such rather than as a lost connection."""
from playwright.sync_api import expect

from lit_platform.accounts.services import create_user
from lit_platform.extensions import db
from lit_platform.quizzes import services
from lit_platform.quizzes.services import QuestionData

from .test_quiz_flow import sign_in


def essay_quiz(app) -> int:
    with app.app_context():
        create_user("kim@example.org", "Kim Learner", "granite willow ferry", ["learner"])
        category = services.find_or_create_category("Browser")
        question, _ = services.save_question("browser.essay", category, QuestionData(
            "essay", "Explain lateral reading.", {"guidance": "Leave the page."}))
        quiz = services.save_quiz("essay-quiz", {"title": "Explain it", "questions_per_page": 1})
        services.set_fixed_questions(quiz, [question])
        db.session.commit()
        return quiz.id


def test_the_count_matches_the_server_and_too_long_is_said_plainly(page, live_app, axe):
    quiz_id = essay_quiz(live_app)
    sign_in(page, "kim@example.org")
    page.goto(f"/quizzes/{quiz_id}")
    page.get_by_role("button", name="Start the quiz").press("Enter")
    answer = page.get_by_label("Your answer")
    counter = page.locator(".char-count")
    expect(counter).to_have_text("Up to 20,000 characters.")
    axe(page)

    # 200 lines: the browser sends each line break as two characters, and both sides count one.
    answer.fill("\n".join(["x" * 99] * 200))
    expect(counter).to_have_text("19,999 of 20,000 characters used.")
    answer.press("End")
    answer.press("Tab")  # leaving the field saves it
    expect(page.locator("[data-save-status]")).to_have_text("Answer saved.")

    answer.fill("y" * 20_003)
    expect(counter).to_have_text("Too long: 20,003 characters, the limit is 20,000. Remove 3 characters before saving.")
    answer.press("Tab")
    expect(page.locator("[data-save-status]")).to_contain_text(
        "Your answer is 20,003 characters long; the limit is 20,000. Shorten it by 3 characters: nothing has been cut.")
    expect(answer).to_have_value("y" * 20_003)  # the text stays, whole, to be shortened
    axe(page)


def test_a_request_too_large_for_the_site_is_reported_as_too_large(page, live_app):
    quiz_id = essay_quiz(live_app)
    live_app.config["MAX_CONTENT_LENGTH"] = 4_000
    sign_in(page, "kim@example.org")
    page.goto(f"/quizzes/{quiz_id}")
    page.get_by_role("button", name="Start the quiz").press("Enter")
    expect(page.locator(".char-count")).to_have_text("Up to 20,000 characters.")  # the page's scripts are running
    page.get_by_label("Your answer").fill("z" * 6_000)
    page.get_by_label("Your answer").press("Tab")
    status = page.locator("[data-save-status]")
    expect(status).to_have_text("Not saved: this answer is larger than the site accepts. Shorten it; nothing has "
                                "been cut.")
    expect(status).not_to_contain_text("connection")
