"""The personal-data pages and the saved-search pages pass axe, with their forms' errors showing."""
from playwright.sync_api import expect

from lit_platform.accounts.services import create_user
from lit_platform.extensions import db

from .test_quiz_flow import sign_in


def set_up(app):
    with app.app_context():
        create_user("kim@example.org", "Kim Learner", "granite willow ferry", ["learner"])
        create_user("ada@example.org", "Ada Admin", "granite willow ferry", ["admin"])
        db.session.commit()


def test_privacy_notice_your_data_and_saved_searches(page, live_app, axe):
    set_up(live_app)
    page.goto("/privacy")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page)
    sign_in(page, "kim@example.org")
    page.goto("/account/your-data")
    axe(page)

    page.goto("/searches")
    axe(page)
    page.get_by_role("link", name="Start a new search").click()
    page.get_by_role("button", name="Save and check").click()
    expect(page.locator(".error-summary")).to_contain_text("Give the search a title.")
    axe(page)
    page.locator("#title").fill("Asthma in children")
    page.locator("#search").fill("asthma*[tiab] AND (child*[tiab] OR paediatric*[tiab]")
    page.get_by_role("button", name="Save and check").click()
    expect(page.get_by_role("heading", name="Checks on the saved search")).to_be_visible()
    expect(page.locator(".finding-error").first).to_be_visible()
    axe(page)


def test_admin_logs_a_request_extends_it_and_sees_the_erasure_confirmation(page, live_app, axe):
    set_up(live_app)
    sign_in(page, "ada@example.org")
    page.goto("/admin/privacy/requests")
    axe(page)
    page.get_by_role("button", name="Log the request").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe(page)
    page.get_by_label("Erasure of their data").check()
    page.get_by_label("E-mail address of their account").fill("kim@example.org")
    page.get_by_label("Date received").fill("2026-11-20")
    page.get_by_role("button", name="Log the request").click()
    expect(page.locator(".message").first).to_contain_text("Request logged")
    axe(page)
    page.get_by_role("link", name="Review and erase this person's data").click()
    expect(page.get_by_label("Grounds for erasure")).to_be_visible()
    axe(page)
    page.goto("/admin/privacy/retention")
    axe(page)
