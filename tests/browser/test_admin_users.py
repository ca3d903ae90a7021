"""The administrators' pages for creating and importing users and reading the audit log pass axe, errors showing."""
from playwright.sync_api import expect

from lit_platform.accounts.services import create_user
from lit_platform.extensions import db

from .test_quiz_flow import sign_in


def test_admin_creates_and_imports_users_and_reads_the_audit_log(page, live_app, axe, tmp_path):
    with live_app.app_context():
        create_user("ada@example.org", "Ada Admin", "granite willow ferry", ["admin"])
        create_user("kim@example.org", "Kim Learner", "granite willow ferry", ["learner"])
        db.session.commit()
    sign_in(page, "ada@example.org")
    page.goto("/admin/users")
    page.get_by_role("link", name="Create a user").click()
    axe(page)
    page.get_by_role("group", name="Roles").get_by_label("Learner").uncheck()
    page.get_by_role("button", name="Create user").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Enter the person's name.")
    expect(summary).to_contain_text("Choose at least one role.")
    expect(page.locator("#email-error")).to_contain_text("Enter an e-mail address.")
    axe(page)
    page.get_by_label("Name").fill("Noor Newcomer")
    page.get_by_label("E-mail address").fill("noor@example.org")
    page.get_by_role("group", name="Roles").get_by_label("Librarian").check()
    page.get_by_role("button", name="Create user").click()
    expect(page.locator(".message").first).to_contain_text("Created the account of Noor Newcomer")

    page.goto("/admin/users")
    page.get_by_role("link", name="Import users from CSV").click()
    axe(page)
    bad = tmp_path / "people.csv"
    bad.write_text("email,name,roles,org_unit\nkim@example.org,Kim Again,learner,\nlou@example.org,Lou,wizard,"
                   "Nowhere\n", "utf-8")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import users").click()
    expect(summary).to_contain_text("people.csv, line 2: an account for kim@example.org already exists")
    expect(page.locator("#file-error")).to_contain_text("people.csv, line 3: unknown role wizard")
    axe(page)
    good = tmp_path / "good.csv"
    good.write_text("email,name,roles,org_unit\nlou@example.org,Lou Example,learner,Library / Outreach\n", "utf-8")
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_label("Create organisation units that do not exist yet").check()
    page.get_by_role("button", name="Import users").click()
    expect(page.locator(".message").first).to_contain_text("Imported 1 user(s)")

    page.goto("/admin/audit")
    page.get_by_label("Person (name or e-mail contains)").fill("noor")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".audit-log")).to_contain_text("Ada Admin created the account of Noor Newcomer (librarian)")
    axe(page)
