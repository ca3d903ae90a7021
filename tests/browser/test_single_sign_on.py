"""Signing in with one's organisation in Chromium, through a real OpenID Connect provider's own login form
(oidc-provider under Node, see tests/sso/conftest.py), by keyboard, with axe-core clean on every page of ours."""
from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.extensions import db
from lit_platform.sso.models import LinkedIdentity

from ..conftest import app_config, build_app
from ..sso.conftest import UNI_RULES, IdentityProvider, provider_entry
from .conftest import LiveServer, empty_all_tables


@pytest.fixture
def sso_site(live_database_url):
    """(live server, provider): the site trusts the university and three more organisations."""
    folder = tempfile.TemporaryDirectory(prefix="lit-idp-")
    idp = IdentityProvider(Path(folder.name))
    providers = [provider_entry(idp, "uni", **UNI_RULES), provider_entry(idp, "partner", link_only=True),
                 {**provider_entry(idp, "stale"), "label": "County Council"},
                 {**provider_entry(idp, "forged"), "label": "NHS Example Trust"}]
    app = build_app(app_config(live_database_url, LIT_OIDC_PROVIDERS=json.dumps(providers)))
    with LiveServer(app) as server:
        idp.redirect_hosts = [server.url]
        idp.start()
        try:
            yield server, idp
        finally:
            idp.stop()
            folder.cleanup()
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def site_page(browser, sso_site):
    context = browser.new_context(base_url=sso_site[0].url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def test_sign_in_with_the_organisation_then_sign_out_there_too(site_page, sso_site, axe):
    server, idp = sso_site
    page = site_page
    page.goto("/account/login")
    expect(page.get_by_role("heading", name="Sign in with your organisation")).to_be_visible()
    for label in ("University of Example", "Partner Trust", "County Council", "NHS Example Trust"):
        expect(page.get_by_role("link", name=label)).to_be_visible()
    axe(page)

    # More than three organisations: a search finds one.
    page.get_by_role("link", name="Find your organisation").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find your organisation")
    page.get_by_label("Organisation name or e-mail domain").fill("nhs trust")
    page.get_by_label("Organisation name or e-mail domain").press("Enter")
    expect(page.get_by_role("link", name="NHS Example Trust")).to_be_visible()
    expect(page.get_by_role("link", name="University of Example")).to_have_count(0)
    axe(page)
    page.get_by_label("Organisation name or e-mail domain").fill("university")
    page.get_by_label("Organisation name or e-mail domain").press("Enter")

    # The provider's own login form, then back here, signed in, with the role the university's groups give.
    page.get_by_role("link", name="University of Example").press("Enter")
    page.wait_for_url(re.compile(re.escape(idp.issuer) + "/interaction/"))
    page.locator("input[name=login]").fill("alice")
    page.locator("input[name=password]").fill("any password")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(server.url + "/")
    expect(page.get_by_text("Signed in as Alice Staff with University of Example.")).to_be_visible()
    expect(page.get_by_text("Staff", exact=True)).to_be_visible()  # the librarian's part of the menu
    axe(page)
    with server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == "alice.staff@uni.example"))
        assert user.roles == {"learner", "librarian"}
        assert db.session.scalar(select(LinkedIdentity.subject).where(LinkedIdentity.user_id == user.id)) == "alice"

    # Signing out here, then at the provider too.
    page.get_by_role("button", name="Sign out").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("You have signed out of")
    axe(page)
    page.get_by_role("link", name="Sign out of University of Example too").press("Enter")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(server.url + "/account/login*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    # The provider asks for the login again: its session has ended as well.
    page.get_by_role("link", name="University of Example").press("Enter")
    expect(page.locator("input[name=login]")).to_be_visible()


def test_a_refused_answer_shows_a_clear_page(site_page, sso_site, axe):
    server, idp = sso_site
    page = site_page
    page.goto(f"/account/sso/callback/uni?code=stolen&state=forged&iss={idp.issuer}")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have not been signed in")
    expect(page.get_by_role("alert")).to_contain_text("was not started here")
    axe(page)
    page.get_by_role("link", name="Back to the sign-in page").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_administrators_list_linked_sign_ins(site_page, sso_site, axe):
    server, idp = sso_site
    page = site_page
    page.goto("/account/sso/start/uni")
    page.locator("input[name=login]").fill("sam")
    page.locator("input[name=password]").fill("any password")
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(server.url + "/")
    page.get_by_role("button", name="Sign out").press("Enter")
    with server.app.app_context():
        from lit_platform.accounts.services import create_user

        create_user("root@library.example", "Root Admin", "a long admin passphrase 42", ["admin"])
        db.session.commit()
    page.goto("/account/login")
    page.get_by_label("E-mail address").fill("root@library.example")
    page.get_by_label("Password").fill("a long admin passphrase 42")
    page.get_by_label("Password").press("Enter")
    page.goto("/admin/")
    page.get_by_role("link", name="Linked sign-ins").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Linked sign-ins")
    row = page.get_by_role("row").filter(has_text="Sam Student")
    expect(row).to_contain_text("University of Example")
    axe(page)
