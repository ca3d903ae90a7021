import pytest

ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/users/{user_id}", "/admin/units", "/admin/registration",
               "/admin/audit", "/admin/outbox", "/admin/users/new", "/admin/users/import"]
ADMIN_POSTS = ["/admin/users/{user_id}", "/admin/users/{user_id}/status", "/admin/units", "/admin/registration",
               "/admin/users/new", "/admin/users/import", "/admin/privacy/retention/start"]


@pytest.mark.parametrize("role", ["learner", "librarian", "manager"])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_non_admins_get_403_on_every_admin_page(sign_in, make, role, path):
    client, _ = sign_in(role)
    target = make.user()
    assert client.get(path.format(user_id=target.id)).status_code == 403


@pytest.mark.parametrize("role", ["learner", "librarian", "manager"])
@pytest.mark.parametrize("path", ADMIN_POSTS)
def test_non_admins_get_403_on_every_admin_action(sign_in, make, role, path):
    from ..conftest import Actions

    client, _ = sign_in(role)
    target = make.user()
    response = Actions(client).post(path.format(user_id=target.id), {"roles": ["admin"], "mode": "open"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, make, path):
    target = make.user()
    response = client.get(path.format(user_id=target.id))
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admins_reach_every_admin_page(sign_in, make, path):
    client, _ = sign_in("admin")
    target = make.user()
    assert client.get(path.format(user_id=target.id)).status_code == 200


def test_a_user_holding_several_roles_gets_the_union(sign_in):
    client, _ = sign_in("learner", "admin")
    assert client.get("/admin/users").status_code == 200
