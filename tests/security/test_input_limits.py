"""Values no database column can hold are refused or ignored with a clear answer, never a failed write."""
from sqlalchemy import select

from lit_platform.accounts.models import User
from lit_platform.extensions import db

from ..conftest import Actions


def test_a_nul_character_in_a_form_is_refused_and_nothing_is_saved(app, sign_in):
    client, user = sign_in("learner", name="Nia Learner")
    response = Actions(client).post("/account/profile", {"name": "Nia\x00Learner", "email": user.email},
                                    page="/account/profile")
    assert response.status_code == 400
    assert "a character that cannot be stored" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.id == user.id)) == "Nia Learner"
    assert client.get("/courses?q=%00").status_code == 400


def test_numbers_out_of_the_databases_range_in_the_query_are_ignored(sign_in):
    client, _ = sign_in("admin")
    for url in ("/admin/users?page=99999999999", "/bank/?category=99999999999&page=-99999999999",
                "/sessions?course=99999999999&page=2147483648", "/courses?length=99999999999"):
        response = client.get(url)
        assert response.status_code == 200, url
