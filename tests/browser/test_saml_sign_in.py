"""Signing in with a SAML identity provider in Chromium: the IdP on another site (localhost, while the platform
is on 127.0.0.1), so its response arrives without the platform's cookies, as it does in production."""
from __future__ import annotations

import json
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from lit_platform.accounts.models import User
from lit_platform.extensions import db
from lit_platform.sso import saml

from ..conftest import app_config, build_app
from ..servers import free_port
from ..sso.saml.conftest import RULES
from ..sso.saml_idp import IdentityProvider, key_pair, serve
from .conftest import assert_accessible, empty_all_tables

pytestmark = pytest.mark.browser



@pytest.fixture
def saml_site(live_database_url, tmp_path):
    port, idp_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{port}"
    sp_key, sp_cert = key_pair(tmp_path, "sp", "learning.example")
    idp = IdentityProvider(tmp_path, f"http://localhost:{idp_port}",
                           saml.sp_metadata(saml.ServiceProvider(base_url, sp_key, sp_cert)))
    (tmp_path / "idp.xml").write_bytes(idp.metadata())
    provider = {"name": "uni", "label": "University of Example", "metadata_file": str(tmp_path / "idp.xml"),
                "metadata_cert": idp.federation_cert, **RULES}
    app = build_app(app_config(live_database_url, LIT_BASE_URL=base_url, LIT_SAML_PROVIDERS=json.dumps([provider]),
                               LIT_SAML_SP_KEY=sp_key, LIT_SAML_SP_CERT=sp_cert))
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    idp_server = serve(idp, idp_port)
    yield app, base_url
    server.shutdown()
    idp_server.shutdown()
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


def test_a_librarian_signs_in_with_the_university_and_out_again(browser, saml_site):
    app, base_url = saml_site
    context = browser.new_context(base_url=base_url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/account/login")
    assert_accessible(page)
    page.get_by_role("link", name="University of Example").click()
    expect(page.get_by_role("heading", name="University of Example")).to_be_visible()
    page.get_by_label("Account").select_option(label="Tomos Hale")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")
    expect(page.get_by_text("Tomos Hale")).to_be_visible()
    assert_accessible(page)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "tomos.hale@uni.example"))
        assert "librarian" in user.roles
    # Signing out ends the session here and at the identity provider.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign out of University of Example too")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Sign out of University of Example too").click()
    expect(page.get_by_role("heading", name="Signed out of the University of Example")).to_be_visible()
    page.goto("/account/profile")
    expect(page).to_have_url(f"{base_url}/account/login?next=%2Faccount%2Fprofile")
    context.close()
