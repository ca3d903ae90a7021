"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (`saml2.server.Server`) with keys made
for the run, the platform's SP metadata loaded into it, and a federation key that signs its metadata.

`IdentityProvider.respond()` answers an AuthnRequest the platform sent, as an IdP would; its arguments
make the broken responses an attacker or a misconfigured IdP would send (unsigned, signed with another
key, expired, for another audience). `serve()` puts a login page in front of it for the browser test.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor, sign_entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.sigver import security_context

from lit_platform.sso.saml import xmlsec_binary

SHA256 = {"sign_alg": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
          "digest_alg": "http://www.w3.org/2001/04/xmlenc#sha256"}

PEOPLE = {
    "rhiannon": {
        "pairwise_id": "rhiannon-7f3a@uni.example",
        "attributes": {
            "mail": ["rhiannon.pryce@uni.example"],
            "displayName": ["Rhiannon Pryce"],
            "eduPersonScopedAffiliation": ["student@uni.example", "member@uni.example"],
            "eduPersonPrincipalName": ["rp12@uni.example"],
        },
    },
    "tomos": {
        "pairwise_id": "tomos-21bc@uni.example",
        "attributes": {
            "mail": ["tomos.hale@uni.example"],
            "displayName": ["Tomos Hale"],
            "eduPersonScopedAffiliation": ["staff@uni.example", "member@uni.example"],
            "eduPersonEntitlement": ["urn:mace:uni.example:library-teaching"],
        },
    },
}


def key_pair(folder: Path, name: str, common_name: str) -> tuple[str, str]:
    """A new RSA key and self-signed certificate as PEM files; their paths."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


@dataclass
class IdentityProvider:
    folder: Path
    base_url: str
    sp_metadata: str
    people: dict = field(default_factory=lambda: PEOPLE)

    def __post_init__(self):
        self.key, self.cert = key_pair(self.folder, "idp", "idp.uni.example")
        self.other_key, self.other_cert = key_pair(self.folder, "impostor", "idp.uni.example")
        self.federation_key, self.federation_cert = key_pair(self.folder, "federation", "federation.example")
        self.entity_id = f"{self.base_url}/idp/metadata"
        self.server = self._server(self.key, self.cert)
        self.impostor = self._server(self.other_key, self.other_cert)

    def _config(self, key: str, cert: str) -> IdPConfig:
        config = IdPConfig()
        config.load({
            "entityid": self.entity_id,
            "xmlsec_binary": xmlsec_binary(),
            "key_file": key, "cert_file": cert,
            "encryption_keypairs": [{"key_file": key, "cert_file": cert}],
            "metadata": {"inline": [self.sp_metadata]},
            "service": {"idp": {
                "name": "University of Example",
                "endpoints": {
                    "single_sign_on_service": [(f"{self.base_url}/idp/sso", BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(f"{self.base_url}/idp/slo", BINDING_HTTP_REDIRECT)],
                },
                "want_authn_requests_signed": True,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None,
                                       "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}},
            }},
        })
        return config

    def _server(self, key: str, cert: str) -> Server:
        return Server(config=self._config(key, cert))

    def metadata(self, signed_by: str | None = "federation") -> bytes:
        """The IdP's metadata, signed by the federation's key (or by `signed_by`'s key, or unsigned)."""
        descriptor = entity_descriptor(self._config(self.key, self.cert))
        if signed_by is None:
            return str(descriptor).encode("utf-8")
        key, cert = {"federation": (self.federation_key, self.federation_cert),
                     "impostor": (self.other_key, self.other_cert)}[signed_by]
        config = IdPConfig()
        config.xmlsec_binary, config.key_file, config.cert_file = xmlsec_binary(), key, cert
        _, signed = sign_entity_descriptor(descriptor, None, security_context(config), **SHA256)
        return str(signed).encode("utf-8") if not isinstance(signed, bytes) else signed

    def read_request(self, location: str):
        """The AuthnRequest carried by a redirect to the IdP, its signature checked as an IdP does."""
        query = {key: values[0] for key, values in parse_qs(urlparse(location).query).items()}
        request = self.server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT,
                                                  relay_state=query.get("RelayState"),
                                                  sigalg=query.get("SigAlg"), signature=query.get("Signature"))
        return request.message

    def respond(self, location: str, person: str = "rhiannon", *, sign: str = "assertion",
                signer: str = "idp", audience: str | None = None, lifetime_minutes: int = 5,
                encrypt: bool = False, in_response_to: str | None = None) -> str:
        """A base64 SAMLResponse to the request in `location`, as posted to the platform's ACS."""
        message = self.read_request(location)
        server = self.server if signer == "idp" else self.impostor
        server.config.getattr("policy", "idp")._restrictions["default"]["lifetime"] = {"minutes": lifetime_minutes}
        who = self.people[person]
        identity = {key: list(values) for key, values in who["attributes"].items()}
        identity["urn:oasis:names:tc:SAML:attribute:pairwise-id"] = [who["pairwise_id"]]
        name_id = NameID(format=NAMEID_FORMAT_PERSISTENT, text=who["pairwise_id"],
                         name_qualifier=self.entity_id, sp_name_qualifier=message.issuer.text)
        response = server.create_authn_response(
            identity, in_response_to or message.id, message.assertion_consumer_service_url,
            audience or message.issuer.text, name_id=name_id,
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                   "authn_auth": self.entity_id},
            sign_assertion=sign in {"assertion", "both"}, sign_response=sign in {"response", "both"},
            encrypt_assertion=encrypt, encrypt_cert_assertion=None, **SHA256)
        return base64.b64encode(str(response).encode("utf-8")).decode("ascii")


def decoded_request(location: str) -> str:
    query = parse_qs(urlparse(location).query)
    return zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode("utf-8")


def login_page(idp: IdentityProvider, location: str, action: str) -> str:
    options = "".join(f'<option value="{name}">{html.escape(person["attributes"]["displayName"][0])}</option>'
                      for name, person in idp.people.items())
    return (f'<!doctype html><html lang="en"><title>University of Example sign-in</title><main>'
            f'<h1>University of Example</h1><form method="post" action="{html.escape(action)}">'
            f'<input type="hidden" name="location" value="{html.escape(location)}">'
            f'<label for="person">Account</label><select id="person" name="person">{options}</select>'
            f'<button>Sign in</button></form></main></html>')


def post_back(acs: str, saml_response: str) -> str:
    return (f'<!doctype html><html lang="en"><title>Returning</title><body onload="document.forms[0].submit()">'
            f'<form method="post" action="{html.escape(acs)}"><input type="hidden" name="SAMLResponse" '
            f'value="{saml_response}"><button>Continue</button></form></body></html>')


def serve(idp: IdentityProvider, port: int):
    """The IdP's login page on 127.0.0.1:`port` (werkzeug in a thread); returns the server to shut down."""
    from werkzeug.serving import make_server
    from werkzeug.wrappers import Request, Response

    @Request.application
    def app(request: Request) -> Response:
        if request.path == "/idp/sso" and request.method == "GET":
            location = request.url
            return Response(login_page(idp, location, "/idp/sso"), mimetype="text/html")
        if request.path == "/idp/sso" and request.method == "POST":
            location = request.form["location"]
            message = idp.read_request(location)
            answer = idp.respond(location, request.form["person"])
            return Response(post_back(message.assertion_consumer_service_url, answer), mimetype="text/html")
        if request.path == "/idp/metadata":
            return Response(idp.metadata(), mimetype="application/samlmetadata+xml")
        if request.path == "/idp/slo":
            return Response('<!doctype html><html lang="en"><title>Signed out</title><h1>Signed out of the '
                            'University of Example</h1></html>', mimetype="text/html")
        return Response("not found", status=404)

    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
