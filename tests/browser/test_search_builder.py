"""A learner builds a search by keyboard: the checks are announced, they fix it, hand it in, and see
the score and the model answer. axe finds nothing on the way."""
from playwright.sync_api import expect

from lit_platform.accounts.services import create_user
from lit_platform.extensions import db
from lit_platform.quizzes import services
from lit_platform.quizzes.services import QuestionData

from ..exercises.conftest import SEARCH_SPEC
from .test_quiz_flow import sign_in


def set_up(app):
    with app.app_context():
        create_user("kim@example.org", "Kim Learner", "granite willow ferry", ["learner"])
        category = services.find_or_create_category("Browser")
        question, _ = services.save_question("browser.search", category, QuestionData(
            "search_strategy", "A school nurse asks whether traffic pollution makes asthma worse in children.",
            SEARCH_SPEC, points=10, title="Traffic and asthma"))
        quiz = services.save_quiz("browser-search", {"title": "Build a search", "questions_per_page": 1})
        services.set_fixed_questions(quiz, [question])
        db.session.commit()
        return quiz.id


def test_learner_builds_checks_fixes_and_hands_in_a_search_by_keyboard(page, live_app, axe):
    quiz_id = set_up(live_app)
    sign_in(page, "kim@example.org")
    page.goto(f"/quizzes/{quiz_id}")
    page.get_by_role("button", name="Start the quiz").press("Enter")
    question = page.locator("section.question").first
    expect(question.get_by_label("Population: concept")).to_be_visible()
    axe(page)

    question.get_by_label("Population: concept").focus()
    page.keyboard.type("Children")
    page.keyboard.press("Tab")
    page.keyboard.type("child*\npaediatric*")
    question.get_by_label("PubMed").focus()
    page.keyboard.press("Space")
    question.get_by_label("Step 3: your search").focus()
    page.keyboard.type("(child*[tiab] AND paediatric*[tiab]) AND asthma[tiab")
    page.keyboard.press("Tab")  # leaving the field saves it and announces the checks
    status = question.locator("[data-check-status]")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_contain_text("Search checked:")
    expect(status).to_contain_text("error")
    expect(question.locator(".finding-error").first).to_be_visible()
    axe(page)

    search = question.get_by_label("Step 3: your search")
    search.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("(child*[tiab] OR paediatric*[tiab]) AND (traffic[tiab] OR \"vehicle emission*\"[tiab]) "
                       "AND (asthma*[tiab] OR wheez*[tiab])")
    question.get_by_role("button", name="Check my search").focus()
    page.keyboard.press("Enter")
    expect(status).to_contain_text("Search checked:")
    expect(status).not_to_contain_text("error")
    expect(question.locator(".search-tree")).to_contain_text("All of")

    page.get_by_role("button", name="Finish attempt…").press("Enter")
    page.get_by_role("button", name="Submit all and finish").press("Enter")
    expect(page.get_by_role("heading", name="The model answer")).to_be_visible()
    expect(page.get_by_role("row", name="Concepts covered")).to_contain_text("100%")
    expect(page.get_by_role("row", name="Combination (AND, OR, NOT)")).to_contain_text("100%")
    expect(page.get_by_text("Vehicle Emissions").first).to_be_visible()
    axe(page)
