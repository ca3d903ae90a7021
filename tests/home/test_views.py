"""The home page as a whole: several roles at once, visitors, and the setting that opens the course catalogue
and course pages to visitors (on by default, on Administration > Registration)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lit_platform.extensions import db

from ..conftest import Actions
from ..courses.conftest import import_folder, write_course
from .conftest import page


def test_someone_with_several_roles_sees_each_roles_sections(make, client, actions):
    make.user("multi@example.org", "Max Many", roles=["learner", "librarian", "manager", "admin"])
    actions.login("multi@example.org")
    html = page(client)
    headings = ["Your learning", "Your teaching", "Service impact", "Administration"]
    for heading in headings:
        assert f'tabindex="-1">{heading}</h2>' in html
    positions = [html.index(f'tabindex="-1">{heading}</h2>') for heading in headings]
    assert positions == sorted(positions)
    assert 'aria-labelledby="home-contents"' in html and 'href="#home-manager">Service impact</a>' in html


def test_one_role_gets_no_contents_list(make, client, actions):
    make.user("one@example.org", "Ona One", roles=["manager"])
    actions.login("one@example.org")
    html = page(client)
    assert "Service impact" in html and "On this page" not in html and "Continue where you left off" not in html


@pytest.fixture
def course_slug(app, tmp_path):
    return import_folder(app, write_course(tmp_path))


def answer_key_texts(app) -> list[str]:
    """Every question's stem, options and feedback as stored: none may reach a visitor."""
    from lit_platform.quizzes.models import QuestionVersion

    texts = []
    with app.app_context():
        for version in db.session.scalars(select(QuestionVersion)):
            texts.append(version.stem)
            for value in (version.spec or {}).values():
                if isinstance(value, list):
                    texts += [item.get("feedback") for item in value if isinstance(item, dict)]
    return [t for t in texts if t and len(t) > 10]


def test_visitors_browse_the_catalogue_and_course_pages_by_default(app, make, client, course_slug):
    learner = make.user("owner@example.org", "Olive Owner")
    html = page(client, "/")
    assert 'href="/courses">Browse the courses</a>' in html
    assert 'href="/courses"' in html.split("<main")[0]  # in the menu too
    pages = {url: page(client, url) for url in ("/courses", f"/courses/{course_slug}",
                                                 f"/courses/{course_slug}/glossary")}
    assert "Demo searching" in pages["/courses"]
    course_page = pages[f"/courses/{course_slug}"]
    assert "Sign in to start the course" in course_page and 'action="/courses/' not in course_page
    secrets = answer_key_texts(app)
    assert secrets, "the course's quiz should have questions to look for"
    for url, html in pages.items():
        for text in secrets + [learner.name, learner.email]:
            assert text not in html, f"{text!r} shown to a visitor on {url}"
    # Modules, quizzes and tests still need an account.
    for url in (f"/courses/{course_slug}/01-question", f"/courses/{course_slug}/tests/pre", "/quizzes"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"], url


def test_an_admin_can_ask_visitors_to_sign_in_first(app, make, client, course_slug):
    make.user("ada@example.org", "Ada Admin", roles=["admin"])
    admin = app.test_client()
    Actions(admin).login("ada@example.org")
    form = page(admin, "/admin/registration")
    assert "May visitors who have not signed in browse the courses?" in form
    assert re.search(r'<input checked id="visitors-0" name="visitors" type="radio" value="yes">', form)
    response = Actions(admin).post("/admin/registration", {"mode": "open", "domains": "", "visitors": "no"},
                                   page="/admin/registration")
    assert response.status_code == 302
    for url in ("/courses", f"/courses/{course_slug}", f"/courses/{course_slug}/glossary"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"], url
    home = page(client, "/")
    assert "Browse the courses" not in home and 'href="/courses"' not in home
    # Signed-in people still see everything; the change is in the audit log.
    assert admin.get("/courses").status_code == 200
    assert "asked visitors to sign in before browsing the courses" in page(admin, "/admin/audit")
    # Saving the registration form without the question (an older form) leaves the setting alone.
    Actions(admin).post("/admin/registration", {"mode": "open", "domains": ""}, page="/admin/registration")
    assert client.get("/courses").status_code == 302
    Actions(admin).post("/admin/registration", {"mode": "open", "domains": "", "visitors": "yes"},
                        page="/admin/registration")
    assert client.get("/courses").status_code == 200


def test_the_visitors_home_costs_one_query(client, count_queries):
    with count_queries() as statements:
        page(client, "/")
    assert len(statements) == 1  # the setting
