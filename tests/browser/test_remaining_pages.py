"""Pages not visited by the journey tests: each passes axe."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from lit_platform.accounts.services import create_user
from lit_platform.courses.importer import import_course
from lit_platform.courses.loader import read_course
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.outbox.services import texts_as_sent
from lit_platform.quizzes import attempts, services

from ..courses.conftest import write_course
from ..factories import sample_questions

PASSWORD = "granite willow ferry"


def sign_in(page, email):
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")


def test_password_reset_pages(page, live_app, axe):
    with live_app.app_context():
        create_user("forgetful@example.org", "Fran", PASSWORD, ["learner"])
        db.session.commit()
    page.goto("/account/password/forgot")
    axe(page)
    page.get_by_label("E-mail address").fill("forgetful@example.org")
    page.get_by_role("button", name="Send reset link").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    axe(page)
    with live_app.app_context():
        body = texts_as_sent(db.session.scalars(select(OutboxMessage)).one())[0]
    page.goto(re.search(r"(/account/password/reset/\S+)", body).group(1))
    axe(page)
    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Set new password").press("Enter")
    expect(page.locator("#password-error")).to_contain_text("at least 8")
    axe(page)
    page.goto("/account/password/reset/not-a-token")
    axe(page)


def test_staff_pages_and_learner_quiz_list(page, new_page, live_app, tmp_path, axe):
    folder = write_course(tmp_path)
    live_app.config["LIT_COURSES_PATH"] = str(tmp_path)
    with live_app.app_context():
        import_course(read_course(folder)[0])
        learner = create_user("lena@example.org", "Lena Learner", PASSWORD, ["learner"], )
        create_user("staff@example.org", "Sam Staff", PASSWORD, ["librarian", "manager"])
        category = services.find_or_create_category("Pages")
        question, _ = services.save_question("pages.essay", category, sample_questions()[7])
        quiz = services.save_quiz("pages-quiz", {"title": "Essay practice"})
        services.set_fixed_questions(quiz, [question])
        attempt = attempts.start_attempt(quiz, learner)
        attempts.save_answer(attempt, attempt.responses[0].id, ["Checking other sites about the source."], learner)
        attempts.submit_attempt(attempt, learner)
        db.session.commit()
        attempt_id, question_id = attempt.id, question.id

    learner_page = new_page()
    sign_in(learner_page, "lena@example.org")
    learner_page.goto("/quizzes")
    axe(learner_page)
    learner_page.goto("/learning")
    axe(learner_page)

    sign_in(page, "staff@example.org")
    axe(page)  # home page of a librarian who is also a manager
    for path in ["/account/people", "/account/people?q=lena", "/courses/demo-course/progress",
                 f"/bank/questions/{question_id}/versions/1", f"/bank/attempts/{attempt_id}"]:
        page.goto(path)
        axe(page)
    page.get_by_label("Mark (out of 1)").fill("0.5")
    page.get_by_label("Comment for the learner").fill("Good start.")
    page.get_by_role("button", name="Save mark").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Mark saved")
    axe(page)


def test_building_a_pre_post_test_in_the_bank(page, live_app, tmp_path, axe):
    folder = write_course(tmp_path)
    live_app.config["LIT_COURSES_PATH"] = str(tmp_path)
    with live_app.app_context():
        import_course(read_course(folder)[0])
        create_user("builder@example.org", "Bea Builder", PASSWORD, ["librarian"])
        category = services.find_or_create_category("Workshop questions")
        for index, data in enumerate(sample_questions()[:3]):
            services.save_question(f"workshop.{index}", category, data)
        db.session.commit()

    sign_in(page, "builder@example.org")
    page.goto("/bank/instruments/")
    axe(page)
    page.get_by_role("link", name="Demo before and after").press("Enter")  # from the course files: read only
    expect(page.get_by_text("This test comes from a course's files")).to_be_visible()
    axe(page)
    page.goto("/bank/instruments/new")
    page.get_by_label("Show questions from the category").select_option(label="Workshop questions")
    page.get_by_role("button", name="Show questions").press("Enter")
    page.get_by_label("Title").fill("Workshop check")
    page.get_by_label("Key").fill("workshop.check")
    page.get_by_label("In the test: Which operator").select_option("A")
    page.get_by_role("button", name="Save the test").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Form A has 1 question(s) of its own and form B 0")
    axe(page)
    page.get_by_label("In the test: PubMed searches").select_option("B")
    page.get_by_label("Confidence statements").fill("SE3 | I can combine terms with AND and OR.")
    page.get_by_role("button", name="Save the test").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("“Workshop check” saved with 2 question(s).")
    axe(page)
