import re
import time

import pytest
from sqlalchemy import func as sa_func, select

from lit_platform.accounts.models import User
from lit_platform.audit import AuditEvent
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.outbox.services import texts_as_sent

from ..conftest import Actions
from ..factories import PASSWORD
from ..security.test_enumeration import normalised


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error-message" id="{field_id}-error">.*?</span>\s*(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


def emails_to(app, address: str) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)
                                  .order_by(OutboxMessage.id)).all()


def text_as_sent(app, message: OutboxMessage) -> str:
    with app.app_context():
        return texts_as_sent(message)[0]


def finish_link(app, address: str) -> str:
    """The path of the link in the newest registration e-mail to `address`."""
    body = text_as_sent(app, emails_to(app, address)[-1])
    return re.search(r"https?://[^/\s]+(/account/register/\S+)", body).group(1)


def test_registration_shows_each_error_beside_its_field_and_in_the_summary(app, client, actions):
    response = actions.post("/account/register", {"email": "not-an-address"}, page="/account/register")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "name@example.org" in field_error(html, "email")
    assert 'class="error-summary"' in html and 'href="#email"' in html and 'aria-invalid="true"' in html

    actions.post("/account/register", {"email": "dee@example.org"}, page="/account/register")
    link = finish_link(app, "dee@example.org")
    response = actions.post(link, {"name": "", "password": "short"}, page=link)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(html, "name") == "Enter your name."
    assert field_error(html, "password") == "Use at least 8 characters."
    assert 'class="error-summary"' in html and 'href="#password"' in html
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "dee@example.org")) is None


def test_registration_refuses_a_common_password(app, client, actions):
    actions.post("/account/register", {"email": "ann@example.org"}, page="/account/register")
    link = finish_link(app, "ann@example.org")
    response = actions.post(link, {"name": "Ann", "password": "qwertyuiop"}, page=link)
    assert "most commonly used" in field_error(response.get_data(as_text=True), "password")


def test_registering_an_address_that_has_an_account_tells_only_its_owner(app, client, actions, make):
    make.user(email="alice@example.org", name="Alice Known")
    known = actions.post("/account/register", {"email": " Alice@Example.org"}, page="/account/register")
    new = actions.post("/account/register", {"email": "newcomer@example.org"}, page="/account/register")
    # The page is the same for both addresses (but for the address itself): nothing tells whether one exists.
    assert known.status_code == new.status_code == 200
    # (without the CSRF token, which is signed with the time and changes when a second passes)
    assert normalised(known, "Alice@Example.org") == normalised(new, "newcomer@example.org")
    assert "Check your e-mail" in known.get_data(as_text=True)
    # The owner's mailbox learns it, with the way to sign in; no second account and no link to make one.
    (message,) = emails_to(app, "alice@example.org")
    assert message.subject == "You already have an account"
    assert "/account/login" in message.body_text and "/account/password/forgot" in message.body_text
    assert "/account/register/" not in message.body_text
    with app.app_context():
        assert db.session.scalar(select(sa_func.count()).select_from(User).where(User.email == "alice@example.org")) == 1


def test_registration_creates_an_account_from_the_emailed_link_and_signs_in(app, client, actions):
    response = actions.post("/account/register", {"email": "Bea@Example.org "}, page="/account/register")
    assert "Check your e-mail" in response.get_data(as_text=True)
    (message,) = emails_to(app, "bea@example.org")
    assert message.subject == "Finish creating your account" and "24 hours" in message.body_text
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "bea@example.org")) is None
    link = finish_link(app, "bea@example.org")
    page = client.get(link).get_data(as_text=True)
    assert "bea@example.org" in page and "Finish creating your account" in page
    response = actions.post(link, {"name": "Bea", "password": "violet garden stairs"}, page=link)
    assert response.status_code == 302
    assert "Hello, Bea" in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "bea@example.org"))
        assert user.roles == {"learner"}
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.registered")).actor_id == user.id
    # The link cannot make a second account; it sends its user to sign in.
    other = app.test_client()
    response = other.get(link)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_a_registration_link_that_is_altered_forged_or_too_old_is_refused(app, client, actions):
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class SignedADayAndAMinuteAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 24 * 3600 - 60

    actions.post("/account/register", {"email": "cal@example.org"}, page="/account/register")
    link = finish_link(app, "cal@example.org")
    assert client.get(link).status_code == 200
    assert client.get(link[:-3] + ("abc" if not link.endswith("abc") else "abd")).status_code == 404
    salt = "lit-platform.registration"
    forged = URLSafeTimedSerializer("not the key", salt=salt).dumps("mallory@example.org")
    response = client.get(f"/account/register/{forged}")
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)
    old = URLSafeTimedSerializer(app.secret_key, salt=salt, signer=SignedADayAndAMinuteAgo).dumps("old@example.org")
    assert client.get(f"/account/register/{old}").status_code == 404
    response = actions.post(f"/account/register/{old}", {"name": "Old", "password": "violet garden stairs"},
                            page=link)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "old@example.org")) is None


def test_registration_restricted_to_domains(app, client, actions, make):
    admin_client, _ = _signed_in(app, make, "admin")
    Actions(admin_client).post("/admin/registration", {"mode": "domains", "domains": "nhs.net"})
    response = actions.post("/account/register", {"email": "cy@gmail.com"}, page="/account/register")
    assert "not open to this e-mail address" in field_error(response.get_data(as_text=True), "email")
    assert "nhs.net" in client.get("/account/register").get_data(as_text=True)
    assert not emails_to(app, "cy@gmail.com")


def test_a_link_sent_before_the_policy_changed_says_why_and_makes_no_account(app, client, actions, make):
    actions.post("/account/register", {"email": "dan@gmail.com"}, page="/account/register")
    link = finish_link(app, "dan@gmail.com")
    admin_client, _ = _signed_in(app, make, "admin")
    Actions(admin_client).post("/admin/registration", {"mode": "domains", "domains": "nhs.net"})
    response = actions.post(link, {"name": "Dan", "password": "violet garden stairs"}, page=link)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Registration is not open to this e-mail address." in html
    assert field_error(html, "name") == ""
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "dan@gmail.com")) is None


def test_closed_registration_page_explains(app, client, make):
    admin_client, _ = _signed_in(app, make, "admin")
    Actions(admin_client).post("/admin/registration", {"mode": "closed", "domains": ""})
    response = client.get("/account/register")
    assert response.status_code == 403 and "Registration is closed" in response.get_data(as_text=True)


def _signed_in(app, make, *roles):
    user = make.user(roles=list(roles))
    client = app.test_client()
    assert Actions(client).login(user.email).status_code == 302
    return client, user


def test_login_with_any_case_and_spaces(client, actions, make):
    make.user(email="dora@example.org", name="Dora")
    response = actions.login("  DORA@example.org ")
    assert response.status_code == 302
    assert "Hello, Dora" in client.get("/").get_data(as_text=True)


def test_wrong_password_gives_one_message_for_unknown_and_known_accounts(client, actions, make):
    make.user(email="eve@example.org")
    known = actions.login("eve@example.org", "not the password at all").get_data(as_text=True)
    unknown = actions.login("nobody@example.org", "not the password at all").get_data(as_text=True)
    assert field_error(known, "password") == field_error(unknown, "password") == \
        "The e-mail address or password is not right."


def test_next_parameter_only_redirects_within_the_site(client, make):
    user = make.user()
    actions = Actions(client)
    token = actions.token("/account/login")
    response = client.post("/account/login?next=https://evil.example/steal",
                           data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
    client.post("/account/logout", data={"csrf_token": actions.token()})
    token = actions.token("/account/login")
    response = client.post("/account/login?next=/account/profile",
                           data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/account/profile"


def test_failed_sign_ins_are_limited_per_address(app, make):
    make.user(email="fay@example.org")
    client = app.test_client()
    actions = Actions(client)
    token = actions.token("/account/login")
    statuses = [client.post("/account/login", data={"email": f"x{i}@example.org", "password": "wrong guess",
                                                    "csrf_token": token}).status_code for i in range(62)]
    assert statuses[:60] == [200] * 60
    assert statuses[60] == 429
    blocked = client.post("/account/login", data={"email": "fay@example.org", "password": PASSWORD,
                                                  "csrf_token": token})
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    assert client.get("/account/login").status_code == 200  # the page itself is never refused


def test_a_class_of_thirty_signs_in_from_one_address_within_a_minute(app, make):
    people = [make.user(email=f"pupil{i}@example.org") for i in range(30)]
    statuses = []
    for number, person in enumerate(people):
        client = app.test_client()
        actions = Actions(client)
        assert client.get("/account/login").status_code == 200
        if number % 5 == 0:  # a few mistype their password first
            statuses.append(actions.post("/account/login", {"email": person.email, "password": "typo"},
                                         page="/account/login").status_code)
        statuses.append(actions.login(person.email).status_code)
    assert statuses.count(302) == 30 and 429 not in statuses


def test_login_is_rate_limited_per_account_across_addresses(app, make):
    make.user(email="gil@example.org")
    statuses = []
    for i in range(11):
        client = app.test_client()
        token = Actions(client).token("/account/login")
        statuses.append(client.post("/account/login", data={"email": "gil@example.org", "password": "wrong",
                                                             "csrf_token": token},
                                    environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code)
    assert statuses[-1] == 429 and statuses[:10] == [200] * 10


def test_password_reset_is_rate_limited(client, actions):
    token = actions.token("/account/password/forgot")
    statuses = [client.post("/account/password/forgot", data={"email": "h@example.org", "csrf_token": token}
                            ).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_missing_or_wrong_csrf_token_is_refused_with_400(client, make):
    user = make.user()
    assert client.post("/account/login", data={"email": user.email, "password": PASSWORD}).status_code == 400
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD,
                                                   "csrf_token": "forged"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)


def test_logout_is_post_only(client, actions, make):
    actions.login(make.user().email)
    assert client.get("/account/logout").status_code == 405
    assert "Hello" in client.get("/").get_data(as_text=True)


def test_logout_ends_the_users_other_sessions(app, make):
    user = make.user()
    laptop, phone = app.test_client(), app.test_client()
    Actions(laptop).login(user.email)
    Actions(phone).login(user.email)
    assert phone.get("/account/profile").status_code == 200
    Actions(laptop).logout()
    assert laptop.get("/account/profile").status_code == 302
    assert phone.get("/account/profile").status_code == 302


def test_password_change_keeps_this_session_and_ends_others(app, make):
    user = make.user()
    laptop, phone = app.test_client(), app.test_client()
    Actions(laptop).login(user.email)
    Actions(phone).login(user.email)
    response = Actions(laptop).post("/account/password", {"current_password": PASSWORD,
                                                          "new_password": "lemon quartz meadow"})
    assert response.status_code == 302
    assert laptop.get("/account/profile").status_code == 200
    assert phone.get("/account/profile").status_code == 302
    fresh = app.test_client()
    assert Actions(fresh).login(user.email, "lemon quartz meadow").status_code == 302


def test_password_change_with_wrong_current_password(client, actions, make):
    actions.login(make.user().email)
    response = actions.post("/account/password", {"current_password": "nope nope nope",
                                                  "new_password": "lemon quartz meadow"})
    assert field_error(response.get_data(as_text=True), "current_password") == "Your current password is not right."


def test_deactivation_and_role_change_end_sessions(app, make):
    admin_client, _ = _signed_in(app, make, "admin")
    learner_client, learner = _signed_in(app, make, "learner")
    other_client, other = _signed_in(app, make, "learner")
    Actions(admin_client).post(f"/admin/users/{learner.id}/status", page=f"/admin/users/{learner.id}")
    assert learner_client.get("/account/profile").status_code == 302
    assert Actions(app.test_client()).login(learner.email).status_code == 200  # cannot sign in
    Actions(admin_client).post(f"/admin/users/{other.id}", {"roles": ["learner", "librarian"], "org_unit": 0})
    assert other_client.get("/account/profile").status_code == 302
    with app.app_context():
        assert db.session.get(User, other.id).roles == {"learner", "librarian"}


def test_idle_timeout_signs_out_and_says_why(app, make):
    client, _ = _signed_in(app, make, "learner")
    with client.session_transaction() as session:
        session["seen"] -= app.config["LIT_IDLE_MINUTES"] * 60 + 1
    response = client.get("/account/profile")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert "without activity" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_keepalive_extends_the_idle_period(app, make):
    client, _ = _signed_in(app, make, "learner")
    with client.session_transaction() as session:
        session["seen"] -= 60
        before = session["seen"]
    assert Actions(client).post("/session/keepalive").status_code == 204
    with client.session_transaction() as session:
        assert session["seen"] > before


def test_password_reset_end_to_end(app, client, actions, make):
    user = make.user(email="ivy@example.org")
    response = actions.post("/account/password/forgot", {"email": "IVY@example.org"})
    assert "If there is an account for IVY@example.org" in response.get_data(as_text=True)
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        link = re.search(r"http://localhost(/account/password/reset/\S+)", texts_as_sent(message)[0]).group(1)
    response = actions.post(link, {"password": "password"}, page=link)
    assert "most commonly used" in field_error(response.get_data(as_text=True), "password")
    assert actions.post(link, {"password": "opal lantern river"}, page=link).status_code == 302
    assert client.get(link).status_code == 404
    assert Actions(app.test_client()).login(user.email, "opal lantern river").status_code == 302


def test_password_reset_answers_the_same_for_unknown_addresses(client, actions):
    response = actions.post("/account/password/forgot", {"email": "nobody@example.org"})
    assert response.status_code == 200
    assert "If there is an account for nobody@example.org" in response.get_data(as_text=True)


def test_profile_update(client, actions, make):
    actions.login(make.user().email)
    response = actions.post("/account/profile", {"name": "  New Name "})
    assert response.status_code == 302
    assert "Hello, New Name" in client.get("/").get_data(as_text=True)
    response = actions.post("/account/profile", {"name": ""})
    assert field_error(response.get_data(as_text=True), "name") == "Enter your name."


def test_login_and_role_changes_are_audited(app, make):
    admin_client, admin = _signed_in(app, make, "admin")
    user = make.user()
    Actions(admin_client).post(f"/admin/users/{user.id}", {"roles": ["manager"], "org_unit": 0})
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "user.roles_changed" in page and "login.succeeded" in page
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.roles_changed")).one()
        assert (event.actor_id, event.object_id) == (admin.id, str(user.id))


@pytest.mark.parametrize("role,status", [("learner", 403), ("librarian", 200), ("manager", 200), ("admin", 200)])
def test_people_page_is_for_staff(sign_in, role, status):
    client, _ = sign_in(role)
    assert client.get("/account/people").status_code == status


def test_people_page_filters_by_unit_including_sub_units(sign_in, make):
    client, _ = sign_in("librarian")
    unit = make.unit("Health")
    make.user(name="Nell Nursing", org_unit="Health / Nursing")
    make.user(name="Larry Law", org_unit="Law")
    make.user(name="Stella Staff", roles=["librarian"], org_unit="Health")
    html = client.get(f"/account/people?unit={unit.id}").get_data(as_text=True)
    assert "Nell Nursing" in html and "Larry Law" not in html and "Stella Staff" not in html
    html = client.get("/account/people?q=larry").get_data(as_text=True)
    assert "Larry Law" in html and "Nell Nursing" not in html


def test_signed_in_pages_do_not_rewrite_the_cookie_on_every_request(sign_in):
    client, _ = sign_in("learner")
    client.get("/account/profile")
    assert "Set-Cookie" not in client.get("/account/profile").headers
