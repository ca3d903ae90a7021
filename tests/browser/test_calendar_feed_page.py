"""The calendar feed page explains itself, and turning the feed off asks in the site's own dialog (never the
browser's confirm()); axe checks the page with the dialog open."""
from playwright.sync_api import expect

from lit_platform.accounts.services import create_user
from lit_platform.extensions import db

from .test_quiz_flow import sign_in


def test_feed_page_explains_and_asks_before_turning_the_feed_off(page, live_app, axe):
    with live_app.app_context():
        create_user("kim@example.org", "Kim Learner", "granite willow ferry", ["learner"])
        db.session.commit()
    page.on("dialog", lambda dialog: (_ for _ in ()).throw(AssertionError("a browser dialog opened")))
    sign_in(page, "kim@example.org")
    page.goto("/account/calendar")
    expect(page.get_by_role("heading", name="How to add it")).to_be_visible()
    expect(page.get_by_text("Subscribe from web")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Create a feed address").click()
    expect(page.locator("#feed-url")).to_contain_text("/feeds/")
    page.get_by_role("button", name="Turn the feed off").click()
    dialog = page.get_by_role("dialog", name="Stop the feed address working?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="No, go back")).to_be_focused()
    axe(page)
    dialog.get_by_role("button", name="No, go back").press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Turn the feed off")).to_be_focused()
    page.get_by_role("button", name="Turn the feed off").click()
    page.get_by_role("dialog").get_by_role("button", name="Yes").click()
    expect(page.get_by_text("Your calendar feed address no longer works.")).to_be_visible()
    expect(page.get_by_role("button", name="Create a feed address")).to_be_visible()
