"""Signing in through a real OpenID Connect provider (oidc-provider under Node; see conftest.py): accounts made
and found, rules applied, and every forged or stale answer refused with a clear page and nothing created."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from lit_platform.accounts.models import User
from lit_platform.audit import AuditEvent
from lit_platform.extensions import db
from lit_platform.outbox.models import OutboxMessage
from lit_platform.sso.models import LinkedIdentity

from ..conftest import Actions
from .conftest import Browser, with_query


def counts(app) -> tuple[int, int]:
    """(accounts, linked identities)"""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(LinkedIdentity)))


def account(app, email):
    """(id, name, roles, unit) of the account with this address, or None."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return user and (user.id, user.name, user.roles, user.org_unit.path if user.org_unit else None)


def links(app, user_id) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(i.provider, i.subject, i.email) for i in db.session.scalars(
            select(LinkedIdentity).where(LinkedIdentity.user_id == user_id).order_by(LinkedIdentity.id))]


def events(app, action) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return found


def signed_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def assert_refused(app, response, before, client, *words):
    """A clear page, nothing created, nobody signed in, and the refusal in the audit log."""
    page = response.get_data(as_text=True)
    assert response.status_code == 403, page
    assert "You have not been signed in" in page and "no account was created or linked" in page
    for word in words:
        assert word in page
    assert counts(app) == before
    assert not signed_in(client)
    assert events(app, "login.failed")[-1].details["method"] == "sso"


def test_first_sign_in_creates_the_account_with_the_mapped_role_and_unit(app, person, client):
    before = counts(app)
    response = person.sign_in("alice")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    user_id, name, roles, unit = account(app, "alice.staff@uni.example")
    assert (name, roles, unit) == ("Alice Staff", {"learner", "librarian"}, "University / Staff")
    assert links(app, user_id) == [("uni", "alice", "alice.staff@uni.example")]
    assert counts(app) == (before[0] + 1, before[1] + 1)
    assert signed_in(client)
    home = client.get("/").get_data(as_text=True)
    assert 'action="/account/sso/sign-out"' in home  # the sign-out button offers the provider's sign-out
    (created,) = events(app, "user.registered")
    assert created.details == {"provider": "uni"}
    assert events(app, "login.succeeded")[-1].details == {"method": "sso", "provider": "uni"}
    assert events(app, "user.roles_changed")[-1].details["source"] == "sso:uni"


def test_a_second_sign_in_finds_the_same_account_by_subject_even_with_a_new_address(app, idp, client):
    first = Browser(app.test_client())
    assert first.sign_in("alice").status_code == 302
    user_id = account(app, "alice.staff@uni.example")[0]
    before = counts(app)
    idp.accounts["alice"]["email"] = "a.staff@uni.example"  # the address changed at the provider
    idp.save_accounts()
    second = Browser(client)
    assert second.sign_in("alice").status_code == 302
    assert counts(app) == before
    assert signed_in(client)
    assert "Alice Staff" in client.get("/account/profile").get_data(as_text=True)
    assert account(app, "a.staff@uni.example") is None and account(app, "alice.staff@uni.example")[0] == user_id


def test_rules_are_applied_again_at_each_sign_in_and_audited(app, idp, make):
    assert Browser(app.test_client()).sign_in("alice").status_code == 302
    user_id = account(app, "alice.staff@uni.example")[0]
    with app.app_context():  # an administrator also made Alice a manager: the rules do not manage that role
        from lit_platform.accounts.models import UserRole
        db.session.add(UserRole(user_id=user_id, role="manager"))
        db.session.commit()
    idp.accounts["alice"].update(groups=[], eduperson_scoped_affiliation=["student@uni.example"])
    idp.save_accounts()
    assert Browser(app.test_client()).sign_in("alice").status_code == 302
    assert account(app, "alice.staff@uni.example")[2:] == ({"learner", "manager"}, "University / Students")
    change = events(app, "user.roles_changed")[-1]
    assert change.details == {"before": ["learner", "librarian", "manager"], "after": ["learner", "manager"],
                              "source": "sso:uni"}
    assert events(app, "user.unit_changed")[-1].details == {"before": "University / Staff",
                                                             "after": "University / Students", "source": "sso:uni"}
    # Unchanged claims change nothing and log nothing.
    count = len(events(app, "user.roles_changed"))
    assert Browser(app.test_client()).sign_in("alice").status_code == 302
    assert len(events(app, "user.roles_changed")) == count


def test_a_link_only_provider_refuses_people_without_an_account(app, person, client):
    before = counts(app)
    response = person.sign_in("vic", provider="partner")
    assert_refused(app, response, before, client, "works only for people who already have an account here")
    assert events(app, "login.failed")[-1].details["reason"] == "no account (link only)"


def test_a_verified_address_links_an_existing_account(app, make, person, client):
    vic = make.user("Vic.Verified@partner.example", "Victoria V")
    before = counts(app)
    assert person.sign_in("vic", provider="partner").status_code == 302
    assert counts(app) == (before[0], before[1] + 1)
    assert links(app, vic.id) == [("partner", "vic", "vic.verified@partner.example")]
    assert "Victoria V" in client.get("/account/profile").get_data(as_text=True)
    assert events(app, "sso.linked")[-1].object_id == str(vic.id)


def test_an_unverified_address_never_links_an_existing_account(app, make, person, client):
    una = make.user("una.unverified@partner.example", "Una Here")
    before = counts(app)
    response = person.sign_in("una")
    assert_refused(app, response, before, client, "did not confirm that the address is yours")
    assert links(app, una.id) == []


def test_a_tampered_state_is_refused(app, person, client):
    before = counts(app)
    callback = person.authenticate(person.start(), "sam")
    response = person.callback(with_query(callback, state="forged-state-value"))
    assert_refused(app, response, before, client, "was not started here")
    # The same answer with its own state would have worked: the test fails for the state alone.
    assert person.callback(callback).status_code == 302


def test_a_replayed_code_is_refused_by_the_provider(app, person, client):
    callback = person.authenticate(person.start(), "sam")
    cookie_before_callback = client.get_cookie("session").value
    assert person.callback(callback).status_code == 302
    before = counts(app)
    attacker = app.test_client()  # holds the session as it was before the callback, so the state matches
    attacker.set_cookie("session", cookie_before_callback)
    response = Browser(attacker).callback(callback)
    assert_refused(app, response, before, attacker, "the link was used already")
    assert events(app, "login.failed")[-1].details["reason"] == "code refused"


def test_a_wrong_nonce_is_refused(app, person, client):
    before = counts(app)
    authorize = with_query(person.start(), nonce="a-nonce-this-site-never-sent")
    response = person.callback(person.authenticate(authorize, "sam"))
    assert_refused(app, response, before, client, "does not belong to this sign-in")
    assert events(app, "login.failed")[-1].details["reason"] == "nonce mismatch"


def test_an_expired_token_is_refused(app, person, client):
    before = counts(app)
    response = person.sign_in("sam", provider="stale")
    assert_refused(app, response, before, client, "has expired")
    assert events(app, "login.failed")[-1].details["reason"] == "expired token"


def test_an_answer_naming_another_issuer_is_refused(app, person, client):
    before = counts(app)
    callback = person.authenticate(person.start(), "sam")
    assert parse_qs(urlsplit(callback).query)["iss"]  # the provider names itself (RFC 9207)
    response = person.callback(with_query(callback, iss="https://login.attacker.example"))
    assert_refused(app, response, before, client, "did not come from University of Example")


def test_a_provider_describing_itself_as_another_issuer_is_refused(app, client):
    before = counts(app)
    response = client.get("/account/sso/start/elsewhere")
    assert_refused(app, response, before, client, "a different identity provider")
    assert events(app, "login.failed")[-1].details["reason"] == "issuer mismatch"


def test_a_bad_signature_is_refused(app, person, client):
    before = counts(app)
    response = person.sign_in("sam", provider="forged")
    assert_refused(app, response, before, client, "was not signed with its keys")
    assert events(app, "login.failed")[-1].details["reason"] == "bad signature"


def test_new_signing_keys_are_fetched_when_the_provider_rotates_them(app, idp):
    assert Browser(app.test_client()).sign_in("sam").status_code == 302
    with app.app_context():
        cached = app.extensions["lit_sso"].oauth.create_client("uni").server_metadata["jwks"]
    idp.restart()  # a new signing key under a new key id
    assert Browser(app.test_client()).sign_in("sam").status_code == 302
    with app.app_context():
        fresh = app.extensions["lit_sso"].oauth.create_client("uni").server_metadata["jwks"]
    assert cached["keys"][0]["kid"] != fresh["keys"][0]["kid"]


def test_sso_only_domains_refuse_passwords_but_keep_the_administrators_break_glass(app, make):
    learner = make.user("lee.learner@uni.example", "Lee Learner")
    admin = make.user("root.admin@uni.example", "Root Admin", roles=["admin"])
    elsewhere = make.user("pat@example.org", "Pat Elsewhere")
    response = Actions(app.test_client()).login(learner.email)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "People with an address at uni.example sign in with University of Example" in page
    assert events(app, "login.failed")[-1].details["reason"] == "single sign-on only"
    # A wrong administrator password gets the same message, so the page does not tell who is an administrator.
    wrong = Actions(app.test_client()).login(admin.email, "not-the-password").get_data(as_text=True)
    assert "People with an address at uni.example sign in with University of Example" in wrong
    assert Actions(app.test_client()).login(admin.email).status_code == 302
    assert Actions(app.test_client()).login(elsewhere.email).status_code == 302
    # No registration and no reset link for the domain, except the administrator's.
    registering = Actions(app.test_client())
    page = registering.post("/account/register", {"email": "new.person@uni.example"},
                            page="/account/register").get_data(as_text=True)
    assert "sign in with University of Example, not with a password here" in page
    with app.app_context():
        sent_before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    for address in (learner.email, admin.email):
        forgot = Actions(app.test_client())
        page = forgot.post("/account/password/forgot", {"email": address},
                           page="/account/password/forgot").get_data(as_text=True)
        assert "sign in with" in page and "University of Example" in page
    with app.app_context():
        sent = db.session.scalars(select(OutboxMessage.to_address).order_by(OutboxMessage.id)).all()[sent_before:]
    assert sent == [admin.email]


def test_signing_out_ends_the_session_and_offers_the_providers_sign_out(app, person, client, idp):
    assert person.sign_in("sam").status_code == 302
    actions = Actions(client)
    response = actions.post("/account/sso/sign-out")
    assert response.status_code == 302 and response.headers["Location"] == "/account/sso/sign-out"
    assert not signed_in(client)
    page = client.get("/account/sso/sign-out").get_data(as_text=True)
    assert "You have signed out of" in page and "Sign out of University of Example too" in page
    end_session = page.split('href="')[[i for i, part in enumerate(page.split('href="'))
                                         if part.startswith(idp.issuer)][0]].split('"')[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(end_session).query)
    assert query["client_id"] == ["lit-uni"] and query["post_logout_redirect_uri"] == ["http://localhost/account/login"]
    # At the provider: its own confirmation form, then back to this site's sign-in page.
    confirm = person.at_provider.get(end_session, timeout=10)
    form = confirm.text
    action = form.split('action="')[1].split('"')[0]
    fields = dict(__import__("re").findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    done = person.at_provider.post(requests_join(end_session, action), data={**fields, "logout": "yes"},
                                   allow_redirects=False, timeout=10)
    assert done.is_redirect and done.headers["Location"].startswith("http://localhost/account/login")
    # Signed out there too: the next sign-in asks for the login again.
    again = person.at_provider.get(person.start(), allow_redirects=True, timeout=10)
    assert 'name="login"' in again.text


def requests_join(base, path):
    import requests
    return requests.compat.urljoin(base, path)


def test_administrators_see_and_unlink_linked_identities(app, person, sign_in, make):
    assert person.sign_in("sam").status_code == 302
    sam_id = account(app, "sam.student@uni.example")[0]
    admin, admin_user = sign_in("admin")
    page = admin.get("/account/sso/identities").get_data(as_text=True)
    assert "Sam Student" in page and "sam" in page and "University of Example" in page
    assert "Sam Student" not in admin.get("/account/sso/identities?q=nobody-matches").get_data(as_text=True)
    with app.app_context():
        identity_id = db.session.scalar(select(LinkedIdentity.id).where(LinkedIdentity.user_id == sam_id))
    learner, _ = sign_in("learner")
    assert learner.get("/account/sso/identities").status_code == 403
    assert Actions(learner).post(f"/account/sso/identities/{identity_id}/unlink").status_code == 403
    assert admin.post(f"/account/sso/identities/{identity_id}/unlink").status_code == 400  # no CSRF token
    response = Actions(admin).post(f"/account/sso/identities/{identity_id}/unlink", page="/account/sso/identities")
    assert response.status_code == 302 and links(app, sam_id) == []
    assert events(app, "sso.unlinked")[-1].actor_id == admin_user.id
    # The next sign-in links the same account again through its verified address.
    assert Browser(app.test_client()).sign_in("sam").status_code == 302
    assert links(app, sam_id) == [("uni", "sam", "sam.student@uni.example")]


def test_the_sign_in_page_has_a_button_per_provider_and_finds_organisations(app, client):
    page = client.get("/account/login?next=/courses").get_data(as_text=True)
    for name, label in (("uni", "University of Example"), ("partner", "Partner Trust")):
        assert f'href="/account/sso/start/{name}?next=/courses">{label}</a>' in page
    assert '<a href="/account/sso/find?next=/courses">Find your organisation</a>' in page  # five providers
    found = client.get("/account/sso/find?q=partner&next=/courses").get_data(as_text=True)
    assert "Partner Trust" in found and "University of Example" not in found
    assert "No organisation matches" in client.get("/account/sso/find?q=zzz").get_data(as_text=True)
    # The address to come back to is kept through the provider.
    start = client.get("/account/sso/start/uni?next=/courses")
    assert start.status_code == 302
    assert client.get("/account/sso/start/nonesuch").status_code == 404


def test_signing_in_goes_back_to_the_page_asked_for(app, client):
    person = Browser(client)
    callback = person.authenticate(person.start(next="/courses"), "sam")
    assert person.callback(callback).headers["Location"] == "/courses"


def test_a_signed_in_person_links_their_organisation_account_and_then_signs_in_with_it(app, make, client):
    """The way in for providers that do not verify addresses (Entra ID): prove both accounts are yours."""
    una = make.user("una.unverified@partner.example", "Una Here")
    actions = Actions(client)
    assert actions.login(una.email).status_code == 302
    page = client.get("/account/sso/").get_data(as_text=True)
    assert "Link your University of Example account" in page
    start = actions.post("/account/sso/link/uni", page="/account/sso/")
    assert start.status_code == 302
    person = Browser(client)
    response = person.callback(person.authenticate(start.headers["Location"], "una"))
    assert response.status_code == 302 and response.headers["Location"] == "/account/sso/"
    assert links(app, una.id) == [("uni", "una", "una.unverified@partner.example")]
    assert "Your University of Example account is linked" in client.get("/account/sso/").get_data(as_text=True)
    # From now on the provider signs Una in to this account.
    other_device = Browser(app.test_client())
    assert other_device.sign_in("una").status_code == 302
    assert "Una Here" in other_device.client.get("/account/profile").get_data(as_text=True)
    # With a password as well, Una may unlink it; someone else's link is not found.
    with app.app_context():
        identity_id = db.session.scalar(select(LinkedIdentity.id).where(LinkedIdentity.user_id == una.id))
    make.user("stranger@example.org")
    stranger_client = app.test_client()
    assert Actions(stranger_client).login("stranger@example.org").status_code == 302
    assert Actions(stranger_client).post(f"/account/sso/mine/{identity_id}/unlink").status_code == 404
    assert actions.post(f"/account/sso/mine/{identity_id}/unlink", page="/account/sso/").status_code == 302
    assert links(app, una.id) == []


def test_linking_an_organisation_account_that_belongs_to_someone_else_is_refused(app, make, client):
    assert Browser(app.test_client()).sign_in("sam").status_code == 302  # Sam's account, linked
    other = make.user("other.person@example.org", "Other Person")
    actions = Actions(client)
    actions.login(other.email)
    start = actions.post("/account/sso/link/uni", page="/account/sso/")
    person = Browser(client)
    response = person.callback(person.authenticate(start.headers["Location"], "sam"))
    page = response.get_data(as_text=True)
    assert response.status_code == 403 and "Your accounts have not been linked" in page
    assert "already linked to another account here" in page
    assert links(app, other.id) == []
    assert events(app, "sso.link_failed")[-1].details["reason"] == "linked elsewhere"


def test_the_only_way_in_cannot_be_unlinked(app, person, client):
    assert person.sign_in("sam").status_code == 302  # an account made by signing in: no password
    sam_id = account(app, "sam.student@uni.example")[0]
    with app.app_context():
        identity_id = db.session.scalar(select(LinkedIdentity.id).where(LinkedIdentity.user_id == sam_id))
    assert "Your only way to sign in" in client.get("/account/sso/").get_data(as_text=True)
    response = Actions(client).post(f"/account/sso/mine/{identity_id}/unlink", page="/account/sso/")
    assert response.status_code == 302
    assert "cannot be unlinked" in client.get("/account/sso/").get_data(as_text=True)
    assert len(links(app, sam_id)) == 1
