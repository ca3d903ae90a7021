"""The privacy notice is generated from the registry, public, and linked from every page."""
import html
import re

from lit_platform.privacy.registry import declarations


def notice(client) -> str:
    response = client.get("/privacy")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_notice_says_what_is_kept_why_on_what_basis_for_how_long_and_who_sees_it(app, client):
    page = notice(client)
    for d in declarations(app.config):
        assert d.title in page and d.purpose in page and d.seen_by in page, d.table
    assert "Public task" in page and "Legal obligation" in page and "Consent" in page and "Article 6(1)(e)" in page
    assert "Contract" not in page  # only the bases in use are explained
    # Periods in words, with what they count from.
    assert "3 years after your last activity" in page
    assert "1 day after the link expires" in page and "30 days after the message is sent" in page
    assert "6 years after the event" in page
    # Protected records say why they are kept after erasure.
    assert "Why it is kept after erasure" in page and "the evidence of what was done on the system" in page
    assert "Ask your library team how to contact it" in page and "Sign in and download it" in page
    assert "ico.org.uk" in page
    # Accessible structure: one h1, headings in order, a staff table with row and column headers.
    assert page.count("<h1") == 1 and '<th scope="row">Questions you wrote (staff)</th>' in page
    assert not re.search(r"<h2[^>]*>[^<]*</h2>\s*<h4", page)


def test_every_page_links_to_the_notice_and_it_follows_the_installation(app, client, sign_in):
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
    app.config.update(LIT_RETENTION='{"users": "P2Y"}', LIT_PRIVACY_CONTACT="dpo@library.example.org")
    page = notice(client)
    assert "2 years after your last activity" in page and "3 years after" not in page
    assert "dpo@library.example.org" in page
    learner, _ = sign_in("learner")
    assert 'href="/account/your-data"' in learner.get("/privacy").get_data(as_text=True)
