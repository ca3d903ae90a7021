"""Security headers on every response, no caching of anything personal, and no debug output in production.

Every route of the access matrix is requested by an anonymous visitor and by signed-in learner A (each
request rolled back): each response must carry a Content-Security-Policy without inline script,
X-Content-Type-Options: nosniff, a Referrer-Policy and a framing ban, and every response to a signed-in
user, every export and every API answer must say Cache-Control: no-store.
"""
from __future__ import annotations

import re

import pytest

from .conftest import rolled_back
from .test_access_matrix import FORM, fill, routes


def header_problems(response, personal: bool) -> list[str]:
    headers, problems = response.headers, []
    csp = headers.get("Content-Security-Policy", "")
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip())
    if "default-src" not in directives:
        problems.append("no Content-Security-Policy")
    script = directives.get("script-src", directives.get("default-src", ""))
    if "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script.split():
        problems.append(f"CSP allows inline or any script: {script}")
    if directives.get("object-src") != "'none'":
        problems.append("CSP allows plugins (object-src)")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if headers.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin",
                                              "strict-origin-when-cross-origin"):
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    if directives.get("frame-ancestors") != "'none'" and headers.get("X-Frame-Options") != "DENY":
        problems.append("the page may be framed (clickjacking)")
    if personal and "no-store" not in headers.get("Cache-Control", ""):
        problems.append(f"personal response without Cache-Control: no-store ({headers.get('Cache-Control')!r})")
    return problems


def test_headers_on_every_route_for_anonymous_and_signed_in(world, capsys):
    failures, checked = [], 0
    for rule in routes(world.app):
        url = fill(world, rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role in ("anonymous", "learner_a"):
                with rolled_back(world.app):
                    response = world.send(role, method, url, FORM if method != "GET" else None)
                # A public page to an anonymous visitor holds nothing personal, except a personal feed and the
                # account pages (an address typed in, or held in a registration or reset link); signing out
                # answers as the visitor is then (anonymous) with a redirect to the sign-in page.
                personal = (role != "anonymous" and rule.endpoint != "accounts.logout"
                            or url.startswith("/feeds/") and "sessions.ics" not in url
                            or rule.endpoint.startswith("accounts."))
                failures += [f"{method} {url} as {role} ({response.status_code}): {problem}"
                             for problem in header_problems(response, personal)]
                checked += 1
    with capsys.disabled():
        print(f"\nheaders: {checked} responses checked")
    assert not failures, "\n".join(failures)


def test_exports_feeds_and_api_answers_are_not_cached(world):
    session_x, slug = world.ids["session_x"], world.ids["slug"]
    token = {"Authorization": f"Bearer {world.ids['api_token']}"}
    for role, url, headers in [
        ("librarian_x", f"/manage/sessions/{session_x}/export.csv", {}),
        ("manager", f"/assessments/sessions/{session_x}/pairs.csv", {}),
        ("manager", f"/courses/{slug}/progress?format=csv", {}),
        ("manager", "/reports/reaction.csv", {}), ("manager", "/reports/reaction.xlsx", {}),
        ("learner_a", f"/searches/{world.ids['search']}/appendix.txt", {}),
        ("anonymous", f"/feeds/{world.ids['feed_token']}.ics", {}),
        ("anonymous", "/api/v1/me/bookings", token), ("anonymous", "/api/v1/sessions", token),
        ("anonymous", f"/api/v1/sessions/{session_x}", token),
    ]:
        response = world.send(role, "GET", url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        assert header_problems(response, personal=True) == [], url
        if url.endswith((".csv", ".xlsx", ".txt")):
            assert response.headers["Content-Disposition"].startswith("attachment")


def test_a_walk_in_participants_test_pages_are_not_cached(world):
    """Someone taking the test anonymously on a shared library computer: Back must not show their answers."""
    client = world.app.test_client()
    code = world.ids["join_code"]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get(f"/join/{code}").get_data(as_text=True)).group(1)
    response = client.post(f"/join/{code}", data={"letters": "MA", "day": "07", "siblings": "1", "csrf_token": token})
    assert response.status_code == 302
    entry_url = response.headers["Location"]
    for url in (entry_url, entry_url + "/done"):
        page = client.get(url)
        assert page.status_code in (200, 302)
        assert "no-store" in page.headers.get("Cache-Control", ""), url
    # The walk-in's attempt is theirs alone: another browser, signed in or not, gets 404.
    for role in ("anonymous", "learner_b", "librarian_x", "admin"):
        assert world.send(role, "GET", entry_url).status_code == 404


@pytest.fixture
def production_app(make_app, monkeypatch):
    monkeypatch.setenv("LIT_ENV", "production")
    app = make_app(LIT_ENV="production", SECRET_KEY="p" * 48, LIT_BASE_URL="https://localhost", TESTING=False, DEBUG=False,
                   PROPAGATE_EXCEPTIONS=None)

    @app.route("/test-only/boom")
    def boom():  # registered for this test only
        raise RuntimeError("secret internal detail /srv/lit/app.py line 42")

    boom.access = "public"
    return app


def test_production_shows_a_plain_error_page_never_a_traceback(production_app):
    assert not production_app.debug and not production_app.testing
    client = production_app.test_client()
    response = client.get("/test-only/boom")
    text = response.get_data(as_text=True)
    assert response.status_code == 500 and "Something went wrong" in text
    for leak in ("Traceback", "RuntimeError", "secret internal detail", "app.py", "File \"", "Werkzeug Debugger"):
        assert leak not in text
    assert header_problems(response, personal=False) == []
    # No interactive debugger anywhere.
    assert client.get("/console").status_code == 404
    assert client.get("/?__debugger__=yes&cmd=resource&f=style.css").status_code in (200, 302)
    assert "Werkzeug" not in client.get("/?__debugger__=yes&cmd=resource&f=style.css").get_data(as_text=True)
