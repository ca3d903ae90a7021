"""A newcomer registers (with the link e-mailed to them), signs in, changes password and signs out, by keyboard, in Chromium."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from lit_platform.accounts.services import create_user
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.outbox.services import texts_as_sent


def registration_link(app, email: str) -> str:
    with app.app_context():
        body = texts_as_sent(db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == email)
                                               .order_by(OutboxMessage.id.desc()).limit(1)))[0]
    return re.search(r"https?://\S+/account/register/\S+", body).group(0)


def test_register_sign_in_change_password_sign_out(page, live_app, axe):
    page.goto("/")
    axe(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    page.get_by_role("link", name="Register").first.click()
    expect(page).to_have_title(re.compile("Create an account"))
    axe(page)

    # Submitting an empty form lists each problem in a summary that takes focus and links to the field.
    page.get_by_role("button", name="Continue").press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter your e-mail address.")
    axe(page)
    summary.get_by_role("link", name="Enter your e-mail address.").press("Enter")
    expect(page.get_by_label("E-mail address")).to_be_focused()
    page.get_by_label("E-mail address").fill("Rosa@Example.org")
    page.get_by_label("E-mail address").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    axe(page)

    # A link that is not right (copied in part) says so and offers a new one.
    page.goto("/account/register/not-a-real-link")
    expect(page.get_by_role("heading", level=1)).to_have_text("This registration link is not valid")
    axe(page)

    # The link in the e-mail leads to the second step: name and password.
    page.goto(registration_link(live_app, "rosa@example.org"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Finish creating your account")
    expect(page.get_by_text("rosa@example.org")).to_be_visible()
    page.get_by_role("button", name="Create account").press("Enter")
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter your name.")
    axe(page)
    summary.get_by_role("link", name="Choose a password.").press("Enter")
    expect(page.get_by_label("Password")).to_be_focused()

    page.get_by_label("Full name").fill("Rosa Reader")
    page.get_by_label("Password").fill("password1")
    page.get_by_label("Password").press("Enter")
    expect(page.locator("#password-error")).to_contain_text("most commonly used")

    page.get_by_label("Password").fill("willow stream lantern")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Rosa Reader")
    expect(page.get_by_role("status")).to_contain_text("account has been created")
    axe(page)

    page.get_by_role("link", name="Your account").click()
    axe(page)
    page.get_by_role("link", name="Change your password").click()
    axe(page)
    page.get_by_label("Current password").fill("willow stream lantern")
    page.get_by_label("New password").fill("copper kite evening")
    page.get_by_role("button", name="Change password").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("password has been changed")

    page.get_by_role("button", name="Sign out").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    axe(page)

    page.get_by_label("E-mail address").fill("rosa@example.org")
    page.get_by_label("Password").fill("willow stream lantern")
    page.get_by_label("Password").press("Enter")
    expect(page.locator("#password-error")).to_contain_text("not right")
    axe(page)
    page.get_by_label("Password").fill("copper kite evening")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Rosa Reader")


def test_admin_pages_are_accessible(page, live_app, axe):
    with live_app.app_context():
        create_user("root@example.org", "Ada Admin", "granite willow ferry", ["admin"])
        create_user("someone@example.org", "Sam Someone", "granite willow ferry", ["learner"])
        db.session.commit()
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill("root@example.org")
    page.get_by_label("Password").fill("granite willow ferry")
    page.get_by_role("button", name="Sign in").click()
    axe(page)
    for link in ["Administration", "Users", "Organisation units", "Registration", "Audit log", "Outgoing e-mail"]:
        page.get_by_role("link", name=link, exact=True).first.click()
        axe(page)
    page.get_by_role("link", name="Users", exact=True).first.click()
    page.get_by_role("link", name="Sam Someone").click()
    axe(page)
    page.get_by_role("checkbox", name="Librarian").check()
    page.get_by_role("button", name="Save roles and unit").click()
    expect(page.get_by_role("status")).to_contain_text("Saved roles and unit")
    page.goto("/no-such-page")
    axe(page)


def test_pages_reflow_at_400_percent_zoom(page, axe):
    """1280 CSS pixels at 400% zoom leave 320: nothing may need horizontal scrolling (WCAG 1.4.10)."""
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ["/", "/account/login", "/account/register", "/account/password/forgot", "/accessibility"]:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width}px wide at 320px"
    axe(page)
