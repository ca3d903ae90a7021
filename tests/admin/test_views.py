from sqlalchemy import select

from lit_platform.accounts.models import OrgUnit, User
from lit_platform.extensions import db

from ..conftest import Actions


def test_search_users_by_name_email_role_and_status(sign_in, make):
    client, _ = sign_in("admin")
    make.user(email="zed.alpha@example.org", name="Zed Alpha", roles=["librarian"])
    make.user(email="yan@example.org", name="Yan Beta", active=False)
    html = client.get("/admin/users?q=ALPHA").get_data(as_text=True)
    assert "Zed Alpha" in html and "Yan Beta" not in html
    html = client.get("/admin/users?role=librarian").get_data(as_text=True)
    assert "Zed Alpha" in html and "Yan Beta" not in html
    html = client.get("/admin/users?status=inactive").get_data(as_text=True)
    assert "Yan Beta" in html and "Zed Alpha" not in html


def test_admin_sets_roles_and_unit(app, sign_in, make):
    client, _ = sign_in("admin")
    unit = make.unit("Health / Midwifery")
    user = make.user()
    response = Actions(client).post(f"/admin/users/{user.id}", {"roles": ["librarian", "manager"],
                                                                "org_unit": unit.id})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(User, user.id)
        assert saved.roles == {"librarian", "manager"} and saved.org_unit.path == "Health / Midwifery"


def test_roles_form_without_any_role_shows_the_error_beside_the_field(sign_in, make):
    client, _ = sign_in("admin")
    user = make.user()
    html = Actions(client).post(f"/admin/users/{user.id}", {"org_unit": 0}).get_data(as_text=True)
    assert 'id="roles-error"' in html and "Choose at least one role." in html


def test_admin_cannot_deactivate_themselves(sign_in):
    client, admin = sign_in("admin")
    response = Actions(client).post(f"/admin/users/{admin.id}/status", page=f"/admin/users/{admin.id}")
    assert response.status_code == 302
    assert "cannot deactivate your own account" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_add_nested_units_and_refuse_duplicates(app, sign_in):
    client, _ = sign_in("admin")
    actions = Actions(client)
    assert actions.post("/admin/units", {"name": "Law School", "kind": "department", "parent": 0}).status_code == 302
    with app.app_context():
        parent_id = db.session.scalar(select(OrgUnit.id).where(OrgUnit.name == "Law School"))
    assert actions.post("/admin/units", {"name": "LLM 2026", "kind": "cohort", "parent": parent_id}).status_code == 302
    assert "Law School / LLM 2026" in client.get("/admin/units").get_data(as_text=True)
    html = actions.post("/admin/units", {"name": "Law School", "kind": "team", "parent": 0}).get_data(as_text=True)
    assert "already a unit called Law School" in html


def test_domains_mode_needs_a_domain(sign_in):
    client, _ = sign_in("admin")
    html = Actions(client).post("/admin/registration", {"mode": "domains", "domains": ""}).get_data(as_text=True)
    assert 'id="domains-error"' in html


def test_outbox_page_lists_and_shows_messages(app, sign_in, make):
    client, _ = sign_in("admin")
    make.user(email="reset.me@example.org")
    Actions(app.test_client()).post("/account/password/forgot", {"email": "reset.me@example.org"})
    html = client.get("/admin/outbox?status=pending").get_data(as_text=True)
    assert "reset.me@example.org" in html and "Reset your password" in html
