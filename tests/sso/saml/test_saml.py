"""SAML 2.0 sign-in through a real identity provider: accounts made and found again by the provider's pairwise
id, roles and units from federation attributes, and every kind of bad response refused with a clear page and
nothing created or signed in."""
from __future__ import annotations

import base64
import html
import re
import zlib
from urllib.parse import parse_qs, urlparse

import pytest
from defusedxml import ElementTree
from saml2 import BINDING_HTTP_REDIRECT
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from sqlalchemy import delete, func, select

from lit_platform.accounts.models import User
from lit_platform.audit import AuditEvent
from lit_platform.extensions import db
from lit_platform.sso import saml
from lit_platform.sso.models import LinkedIdentity
from lit_platform.sso.saml_models import SamlRequest

from ...conftest import Actions
from ..saml_idp import SHA256, IdentityProvider
from .conftest import BASE_URL, saml_settings

FINISH = re.compile(r'href="(/account/saml/finish/[^"]+)"')


def start(client, next_url: str | None = None) -> str:
    response = client.get("/account/saml/start/uni" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def post_response(client, saml_response: str):
    return client.post("/account/saml/acs", data={"SAMLResponse": saml_response})


def sign_in_through(client, idp: IdentityProvider, person: str = "rhiannon", next_url: str | None = None):
    """The whole sign-in as a browser makes it: off to the IdP, back with its response, then the finish link."""
    answer = post_response(client, idp.respond(start(client, next_url), person))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    # The browser posts the answer without its cookies (it comes from the IdP's site): a session cookie here
    # would replace the one that holds the started sign-in.
    assert "session=" not in answer.headers.get("Set-Cookie", "")
    page = answer.get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="0;url=/account/saml/finish/' in page
    return client.get(FINISH.search(page).group(1))


def signed_in_as(client) -> str | None:
    """The e-mail address of the account the browser's session is signed in to."""
    with client.session_transaction() as session:
        user_id = session.get("_user_id")
    if not user_id:
        return None
    with client.application.app_context():
        return db.session.get(User, int(user_id.split(":")[0])).email


def sign_out(client) -> str:
    """The Sign out button, then the page that offers signing out at the identity provider too."""
    response = Actions(client).post("/account/saml/logout", page="/account/saml/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/saml/logout")
    return client.get("/account/saml/logout").get_data(as_text=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def refused(response, words: str) -> None:
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 403, page
    assert "You have not been signed in" in page and words in page, page


def test_the_request_is_signed_and_names_the_sites_consumer(client, saml_idp):
    location = start(client)
    assert location.startswith(f"{saml_idp.base_url}/idp/sso?SAMLRequest=")
    query = parse_qs(urlparse(location).query)
    assert query["SigAlg"] == [SHA256["sign_alg"]] and query["Signature"]
    message = saml_idp.read_request(location)  # the IdP checks the signature against the site's metadata
    assert message.assertion_consumer_service_url == f"{BASE_URL}/account/saml/acs"
    assert message.issuer.text == f"{BASE_URL}/account/saml/metadata"


def test_first_sign_in_creates_the_account_with_roles_and_unit_second_finds_it(app, client, saml_idp):
    response = sign_in_through(client, saml_idp, "tomos", next_url="/courses")
    assert response.status_code == 302 and response.headers["Location"].endswith("/courses")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "tomos.hale@uni.example"))
        assert user.name == "Tomos Hale" and "librarian" in user.roles
        assert user.org_unit.path == "University / Staff"
        identity = db.session.scalar(select(LinkedIdentity).where(LinkedIdentity.user_id == user.id))
        assert (identity.provider, identity.subject) == ("uni", "tomos-21bc@uni.example")
        assert count(SamlRequest) == 0  # finished sign-ins leave nothing behind
        users = count(User)
    sign_out(client)
    second = client.application.test_client()
    sign_in_through(second, saml_idp, "tomos")
    with app.app_context():
        assert count(User) == users
        events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert events.count("login.succeeded") == 2


def test_a_learner_gets_the_student_unit_and_no_staff_role(app, client, saml_idp):
    sign_in_through(client, saml_idp, "rhiannon")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "rhiannon.pryce@uni.example"))
        assert set(user.roles) == {"learner"} and user.org_unit.path == "University / Students"


@pytest.mark.parametrize(("how", "words"), [
    ({"sign": "none"}, "The sign-in response was not signed."),
    ({"signer": "impostor"}, "The sign-in response's signature could not be verified."),
    ({"lifetime_minutes": -5}, "The sign-in response has expired."),
    ({"audience": "https://elsewhere.example/sp"}, "The sign-in response was meant for another service."),
])
def test_a_bad_response_is_refused_and_nothing_is_created(app, client, saml_idp, how, words):
    with app.app_context():
        users = count(User)
    refused(post_response(client, saml_idp.respond(start(client), "rhiannon", **how)), words)
    with app.app_context():
        assert count(User) == users and count(LinkedIdentity) == 0
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).all()[-1]
        assert event.details["method"] == "saml" and event.details["provider"] == "uni"
    assert signed_in_as(client) is None


def test_a_response_used_twice_is_refused_the_second_time(app, client, saml_idp):
    answer = saml_idp.respond(start(client), "rhiannon")
    assert post_response(client, answer).status_code == 200
    refused(post_response(client, answer), "has been used already")


def test_a_response_to_a_request_never_made_here_is_refused(app, client, saml_idp):
    location = start(client)
    refused(post_response(client, saml_idp.respond(location, in_response_to="id-forged-request")),
            "does not answer a sign-in started here")
    refused(post_response(client, "not a SAML response"), "does not answer a sign-in started here")


def test_the_finish_link_works_only_in_the_browser_that_started(app, client, saml_idp):
    """A response for the attacker's own account, posted from the victim's browser, signs nobody in there."""
    page = post_response(client, saml_idp.respond(start(client), "rhiannon")).get_data(as_text=True)
    finish = FINISH.search(page).group(1)
    victim = client.application.test_client()
    refused(victim.get(finish), "started in another browser")
    assert signed_in_as(victim) is None


def test_without_a_stable_identifier_nobody_is_signed_in(app, client, saml_idp):
    saml_idp.people["anon"] = {"pairwise_id": "", "attributes": {"mail": ["anon@uni.example"],
                                                                 "displayName": ["Anon"]}}
    try:
        location = start(client)
        answer = saml_idp.respond(location, "anon")
    finally:
        del saml_idp.people["anon"]
    refused(post_response(client, answer), "did not say who you are")


class TestEncryptionRequired:
    @pytest.fixture
    def saml_provider_fields(self):
        return {"want_encrypted": True}

    def test_a_plain_assertion_is_refused_an_encrypted_one_accepted(self, app, client, saml_idp):
        refused(post_response(client, saml_idp.respond(start(client), "rhiannon")), "was not encrypted")
        answer = post_response(client, saml_idp.respond(start(client), "rhiannon", encrypt=True))
        assert answer.status_code == 200 and FINISH.search(answer.get_data(as_text=True))


class TestLinkOnly:
    @pytest.fixture
    def saml_provider_fields(self):
        return {"link_only": True}

    def test_someone_without_an_account_is_refused(self, app, client, saml_idp):
        refused(post_response(client, saml_idp.respond(start(client), "rhiannon")), "already have an account")
        with app.app_context():
            assert db.session.scalar(select(User).where(User.email == "rhiannon.pryce@uni.example")) is None


def test_the_sites_metadata_is_signed_and_lists_its_endpoints(client, sp_keys):
    from saml2.config import Config
    from saml2.sigver import security_context

    response = client.get("/account/saml/metadata")
    assert response.status_code == 200 and response.mimetype == "application/samlmetadata+xml"
    xml = response.get_data(as_text=True)
    assert f'entityID="{BASE_URL}/account/saml/metadata"' in xml
    assert f'Location="{BASE_URL}/account/saml/acs"' in xml and f'Location="{BASE_URL}/account/saml/sls"' in xml
    assert 'AuthnRequestsSigned="true"' in xml and 'WantAssertionsSigned="true"' in xml
    assert 'use="encryption"' in xml and 'use="signing"' in xml
    config = Config()
    config.xmlsec_binary = saml.xmlsec_binary()
    assert security_context(config).verify_signature(
        xml, cert_file=sp_keys[1], node_name="urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor")


@pytest.mark.parametrize(("signed_by", "words"), [
    (None, "the metadata is not signed"),
    ("impostor", "does not verify with the configured certificate"),
])
def test_identity_provider_metadata_without_the_federations_signature_stops_the_start(
        database_url, tmp_path, saml_idp, sp_keys, signed_by, words):
    from ...conftest import app_config, build_app

    bad = tmp_path / "idp.xml"
    bad.write_bytes(saml_idp.metadata(signed_by=signed_by))
    settings = saml_settings(saml_idp, sp_keys, metadata_file=str(bad))
    with pytest.raises(saml.SamlConfigError, match=words):
        build_app(app_config(database_url, **settings))


def test_signing_out_sends_a_signed_logout_request_to_the_identity_provider(app, client, saml_idp):
    sign_in_through(client, saml_idp, "rhiannon")
    page = sign_out(client)
    assert "You have signed out of" in page and "Sign out of University of Example too" in page
    assert signed_in_as(client) is None
    location = html.unescape(re.search(r'<a class="button" href="([^"]+)">Sign out of University', page).group(1))
    assert location.startswith(f"{saml_idp.base_url}/idp/slo?SAMLRequest=")
    query = {key: values[0] for key, values in parse_qs(urlparse(location).query).items()}
    request = saml_idp.server.parse_logout_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                   sigalg=query["SigAlg"], signature=query["Signature"])
    assert request.message.name_id.text == "rhiannon-7f3a@uni.example"
    assert signed_in_as(client) is None
    # The identity provider's signed answer shows the signed-out page.
    answer = saml_idp.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
    info = saml_idp.server.apply_binding(BINDING_HTTP_REDIRECT, str(answer), f"{BASE_URL}/account/saml/sls",
                                         relay_state="", response=True, sign=True, sigalg=SHA256["sign_alg"])
    page = client.get(dict(info["headers"])["Location"].removeprefix(BASE_URL)).get_data(as_text=True)
    assert "You have signed out of this site and of University of Example." in page


def _idp_logout_request(idp: IdentityProvider, name_id: str, signer=None) -> str:
    server = signer or idp.server
    _, message = server.create_logout_request(f"{BASE_URL}/account/saml/sls", idp.entity_id, sign=False,
                                              name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id))
    info = server.apply_binding(BINDING_HTTP_REDIRECT, str(message), f"{BASE_URL}/account/saml/sls",
                                relay_state="", sign=True, sigalg=SHA256["sign_alg"])
    return dict(info["headers"])["Location"].removeprefix(BASE_URL)


def test_the_identity_provider_can_sign_the_person_out_here(app, client, saml_idp):
    sign_in_through(client, saml_idp, "rhiannon")
    forged = client.get(_idp_logout_request(saml_idp, "rhiannon-7f3a@uni.example", signer=saml_idp.impostor))
    refused(forged, "could not be verified")
    assert signed_in_as(client) == "rhiannon.pryce@uni.example"
    response = client.get(_idp_logout_request(saml_idp, "rhiannon-7f3a@uni.example"))
    assert response.status_code == 302 and response.headers["Location"].startswith(f"{saml_idp.base_url}/idp/slo")
    answer = parse_qs(urlparse(response.headers["Location"]).query)["SAMLResponse"][0]
    root = ElementTree.fromstring(zlib.decompress(base64.b64decode(answer), -15))
    assert root.tag.endswith("LogoutResponse")
    assert signed_in_as(client) is None


def test_metadata_from_the_federations_address_is_fetched_and_checked(database_url, saml_idp, sp_keys):
    """The identity provider's metadata read from a URL (as from a federation's MDQ service), its signature
    checked against the federation's certificate before anyone is sent there."""
    from ...conftest import app_config, build_app
    from ...servers import free_port
    from ..saml_idp import serve

    port = free_port()
    server = serve(saml_idp, port)
    try:
        settings = saml_settings(saml_idp, sp_keys, metadata_file=None,
                                 metadata_url=f"http://127.0.0.1:{port}/idp/metadata")
        site = build_app(app_config(database_url, **settings))
        location = start(site.test_client())
        assert saml_idp.read_request(location).issuer.text == f"{BASE_URL}/account/saml/metadata"
        with site.app_context():  # this app commits: leave the session's database as it was
            db.session.execute(delete(SamlRequest))
            db.session.commit()
            db.engine.dispose()
    finally:
        server.shutdown()


class TestRefusalsAreLimited:
    @pytest.fixture
    def app_overrides(self, saml_idp, sp_keys):
        return {**saml_settings(saml_idp, sp_keys), "LIT_LOGIN_ADDRESS_RATE_LIMIT": "3 per minute"}

    def test_a_stream_of_refused_responses_is_slowed_down(self, app, client, saml_idp):
        environ = {"REMOTE_ADDR": "198.51.100.7"}
        for _ in range(3):
            answer = client.post("/account/saml/acs", data={"SAMLResponse": "forged"}, environ_base=environ)
            assert answer.status_code == 403
        limited = client.post("/account/saml/acs", data={"SAMLResponse": "forged"}, environ_base=environ)
        assert limited.status_code == 429 and limited.headers.get("Retry-After")
        # Another address is not held up.
        answer = post_response(client, saml_idp.respond(start(client), "rhiannon"))
        assert answer.status_code == 200
