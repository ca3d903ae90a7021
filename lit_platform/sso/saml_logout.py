"""SAML single logout over the HTTP-Redirect binding: our signed LogoutRequest to the identity provider, and its
signed LogoutResponse or LogoutRequest back. The signature of a redirect covers the query string exactly as
sent, so it is checked over the raw query, not over re-encoded values."""
from __future__ import annotations

import base64
import zlib
from urllib.parse import unquote_plus

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import load_pem_x509_certificate
from defusedxml import ElementTree
from saml2 import BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.saml import NameID
from saml2.samlp import logout_request_from_string
from saml2.sigver import pem_format

from . import saml

SIGNATURE_HASHES = {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": "SHA256",
                    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": "SHA512"}


def single_logout_url(client: Saml2Client, idp: str) -> str | None:
    services = client.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")
    return services[0]["location"] if services else None


def logout_request(client: Saml2Client, idp: str, signed_in: dict) -> str | None:
    """The identity provider's URL carrying a signed LogoutRequest for the person's session there, or None
    when it offers no single logout."""
    destination = single_logout_url(client, idp)
    if destination is None:
        return None
    name_id = NameID(format=signed_in.get("format"), text=signed_in["name_id"])
    _, message = client.create_logout_request(destination, idp, name_id=name_id, sign=False,
                                              session_indexes=[signed_in["session_index"]]
                                              if signed_in.get("session_index") else None)
    info = client.apply_binding(BINDING_HTTP_REDIRECT, str(message), destination, relay_state="", sign=True,
                                sigalg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    return dict(info["headers"])["Location"]


def _raw_query(query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query.split("&"):
        key, _, value = part.partition("=")
        pairs.append((key, value))
    return pairs


def _message_and_signer(clients: saml.Clients, query: str, kind: str):
    """The decoded message of a signed redirect and the provider whose signing key verifies it, or None."""
    raw = dict(_raw_query(query))
    if not {kind, "SigAlg", "Signature"} <= set(raw):
        return None
    algorithm = SIGNATURE_HASHES.get(unquote_plus(raw["SigAlg"]))
    if algorithm is None:
        return None
    try:
        xml = zlib.decompress(base64.b64decode(unquote_plus(raw[kind])), -15)
        root = ElementTree.fromstring(xml)
        signature = base64.b64decode(unquote_plus(raw["Signature"]))
    except Exception:  # noqa: BLE001 - unreadable is refused
        return None
    issuer = root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer")
    signed = "&".join(f"{key}={raw[key]}" for key in (kind, "RelayState", "SigAlg") if key in raw).encode("ascii")
    for provider in clients.providers.values():
        try:
            _, client, idp = clients.get(provider.name)
        except saml.SamlConfigError:
            continue
        if issuer is None or issuer.text != idp:
            continue
        for _, cert in client.metadata.certs(idp, "idpsso", "signing"):
            public_key = load_pem_x509_certificate(pem_format(cert)).public_key()
            try:
                public_key.verify(signature, signed, padding.PKCS1v15(), getattr(hashes, algorithm)())
            except InvalidSignature:
                continue
            return provider, client, idp, xml, root
    return None


def logout_response_ok(clients: saml.Clients, query: str):
    """(provider, whether it says the person is signed out) for a signed LogoutResponse, or None."""
    found = _message_and_signer(clients, query, "SAMLResponse")
    if found is None:
        return None
    provider, _, _, _, root = found
    status = root.find(f"{{{saml.SAML_NS}}}Status/{{{saml.SAML_NS}}}StatusCode")
    return provider, status is not None and status.get("Value") == "urn:oasis:names:tc:SAML:2.0:status:Success"


def logout_request_checked(clients: saml.Clients, query: str):
    """For a signed LogoutRequest from an identity provider: (provider, the NameID it signs out, the URL that
    carries our signed answer back), or None."""
    found = _message_and_signer(clients, query, "SAMLRequest")
    if found is None:
        return None
    provider, client, idp, xml, _ = found
    message = logout_request_from_string(xml.decode("utf-8"))
    services = client.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")
    if message is None or not services:
        return None
    destination = services[0].get("response_location") or services[0]["location"]
    answer = client.create_logout_response(message, [BINDING_HTTP_REDIRECT], sign=False)
    info = client.apply_binding(BINDING_HTTP_REDIRECT, str(answer), destination, relay_state="", response=True,
                                sign=True, sigalg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    name_id = message.name_id.text if message.name_id is not None else None
    return provider, name_id, dict(info["headers"])["Location"]
