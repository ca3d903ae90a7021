"""SAML 2.0 service provider: the platform's own metadata, signed requests, and responses checked before
anyone is signed in.

pysaml2 does the protocol and the XML signatures (through xmlsec1). What it leaves to its caller is done
here: identity-provider metadata is refused unless it carries a valid signature from the configured
certificate (pysaml2 accepts unsigned metadata even when a certificate is given), a response must answer a
request this site made and still holds (one use only, so a replayed response is refused on any server), and
attributes are read under the names the UK federation uses.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from defusedxml import ElementTree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT
from saml2.sigver import SignatureError, security_context

from ..accounts.models import ROLE_VALUES
from ..config import ConfigurationError
from .providers import NAME, RoleRule, RuleMapping, UnitRule, _rule

SAML_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"

#: attribute names (OIDs as released in the UK Access Management Federation) and the friendly names
ATTRIBUTES = {
    "urn:oasis:names:tc:SAML:attribute:pairwise-id": "pairwise_id",
    "urn:oasis:names:tc:SAML:attribute:subject-id": "subject_id",
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.10": "targeted_id",            # eduPersonTargetedID
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": "principal_name",          # eduPersonPrincipalName
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": "scoped_affiliation",      # eduPersonScopedAffiliation
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.7": "entitlement",             # eduPersonEntitlement
    "urn:oid:0.9.2342.19200300.100.1.3": "mail",
    "urn:oid:2.16.840.1.113730.3.1.241": "display_name",           # displayName
    "urn:oid:2.5.4.42": "given_name",
    "urn:oid:2.5.4.4": "surname",
    "http://schemas.microsoft.com/identity/claims/objectidentifier": "object_id",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": "mail",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups": "groups",
    "http://schemas.microsoft.com/identity/claims/displayname": "display_name",
}

#: a response must arrive within this many seconds of the request it answers
REQUEST_LIFETIME = 600


class SamlConfigError(ConfigurationError):
    """LIT_SAML_PROVIDERS or the service provider's key and certificate cannot be used."""


class SamlRefused(Exception):
    """A SAML message that must not sign anyone in; the message says why, in words for the person."""


@dataclass(frozen=True)
class SamlProvider(RuleMapping):
    start_endpoint = "saml.start"

    name: str
    label: str
    entity_id: str | None = None
    metadata_file: str | None = None
    metadata_url: str | None = None
    metadata_cert: str | None = None
    #: refuse assertions that were not encrypted to the site's certificate
    want_encrypted: bool = False
    #: the provider vouches for the addresses it releases (a federation member's own `mail`)
    trust_email: bool = False
    link_only: bool = False
    sso_only_domains: tuple[str, ...] = ()
    role_rules: tuple[RoleRule, ...] = ()
    unit_rules: tuple[UnitRule, ...] = ()


FIELDS = {"name", "label", "entity_id", "metadata_file", "metadata_url", "metadata_cert", "want_encrypted",
          "trust_email", "link_only", "sso_only_domains", "role_rules", "unit_rules"}


def parse_providers(raw) -> list[SamlProvider]:
    """The identity providers of LIT_SAML_PROVIDERS: a JSON list, or the path of a JSON file holding one."""
    if not raw:
        return []
    if isinstance(raw, str):
        text = raw.strip()
        if not text.startswith("["):
            try:
                text = Path(text).read_text(encoding="utf-8")
            except OSError as error:
                raise SamlConfigError(f"LIT_SAML_PROVIDERS: cannot read {raw}: {error.strerror}") from None
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise SamlConfigError(f"LIT_SAML_PROVIDERS is not valid JSON: {error}") from None
    if not isinstance(raw, list):
        raise SamlConfigError("LIT_SAML_PROVIDERS must be a list of identity providers.")
    providers, names = [], set()
    for number, item in enumerate(raw, start=1):
        where = f"LIT_SAML_PROVIDERS, provider {number}"
        if not isinstance(item, dict):
            raise SamlConfigError(f"{where}: each provider is an object with a name and its metadata.")
        unknown = set(item) - FIELDS
        if unknown:
            raise SamlConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
        name = str(item.get("name", "")).strip()
        if not NAME.match(name):
            raise SamlConfigError(f"{where}: 'name' must be lower-case letters, digits and '-' (it appears in "
                                  f"URLs); it is {name!r}.")
        if name in names:
            raise SamlConfigError(f"{where}: the name {name!r} is used twice.")
        names.add(name)
        file, url = item.get("metadata_file"), item.get("metadata_url")
        if bool(file) == bool(url):
            raise SamlConfigError(f"{where} ({name}): give exactly one of 'metadata_file' and 'metadata_url'.")
        cert = item.get("metadata_cert")
        if url and not cert:
            raise SamlConfigError(f"{where} ({name}): metadata fetched from a URL needs 'metadata_cert', the "
                                  "certificate its signature is checked with.")
        for key in ("metadata_file", "metadata_cert"):
            if item.get(key) and not Path(item[key]).is_file():
                raise SamlConfigError(f"{where} ({name}): {key} {item[key]} is not a readable file.")
        rules = {}
        for key, kind, target in (("role_rules", RoleRule, "role"), ("unit_rules", UnitRule, "unit")):
            given = item.get(key, [])
            if not isinstance(given, list):
                raise SamlConfigError(f"{where} ({name}): '{key}' must be a list of rules.")
            try:
                rules[key] = tuple(_rule(kind, rule, f"{where} ({name})", target) for rule in given)
            except ConfigurationError as error:
                raise SamlConfigError(str(error)) from None
        for rule in rules["role_rules"]:
            if rule.role not in ROLE_VALUES:
                raise SamlConfigError(f"{where} ({name}): unknown role {rule.role!r} in a role rule.")
        domains = item.get("sso_only_domains", [])
        if not isinstance(domains, list) or not all(isinstance(d, str) and d.strip() for d in domains):
            raise SamlConfigError(f"{where} ({name}): 'sso_only_domains' must be a list of domains.")
        providers.append(SamlProvider(
            name=name, label=str(item.get("label") or name), entity_id=item.get("entity_id"),
            metadata_file=file, metadata_url=url, metadata_cert=cert,
            want_encrypted=bool(item.get("want_encrypted", False)), trust_email=bool(item.get("trust_email", False)),
            link_only=bool(item.get("link_only", False)),
            sso_only_domains=tuple(d.strip().lower() for d in domains), **rules))
    return providers


def xmlsec_binary() -> str:
    found = shutil.which("xmlsec1")
    if not found:
        raise SamlConfigError("SAML sign-in needs the xmlsec1 program (Debian: apt-get install xmlsec1).")
    return found


def _root_signature_checked(xml: bytes, cert_file: str) -> None:
    """Refuse metadata that is not signed at its root by the holder of `cert_file`."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as error:
        raise SamlConfigError(f"the metadata is not well-formed XML: {error}") from None
    if root.find(f"{{{DS_NS}}}Signature") is None:
        raise SamlConfigError("the metadata is not signed, but a certificate to check it with is configured")
    node = "urn:oasis:names:tc:SAML:2.0:metadata:" + root.tag.rsplit("}", 1)[-1]
    checker = security_context(_plain_config())
    try:
        checker.verify_signature(xml.decode("utf-8"), cert_file=cert_file, node_name=node)
    except SignatureError:
        raise SamlConfigError("the metadata's signature does not verify with the configured certificate") from None


def _plain_config():
    from saml2.config import Config

    config = Config()
    config.xmlsec_binary = xmlsec_binary()
    return config


def fetch_metadata(provider: SamlProvider, timeout: float = 20) -> bytes:
    """The identity provider's metadata, its signature checked when a certificate is configured."""
    if provider.metadata_file:
        xml = Path(provider.metadata_file).read_bytes()
    else:
        try:
            answer = requests.get(provider.metadata_url, timeout=timeout)
            answer.raise_for_status()
        except requests.RequestException as error:
            raise SamlConfigError(f"{provider.name}: the metadata at {provider.metadata_url} could not be "
                                  f"fetched: {error}") from None
        xml = answer.content
    if provider.metadata_cert:
        try:
            _root_signature_checked(xml, provider.metadata_cert)
        except SamlConfigError as error:
            raise SamlConfigError(f"{provider.name}: {error}") from None
    return xml


@dataclass
class ServiceProvider:
    """The platform's side: its entity id, URLs, key and certificate."""
    base_url: str
    key_file: str
    cert_file: str

    @property
    def entity_id(self) -> str:
        return f"{self.base_url}/account/saml/metadata"

    def acs_url(self) -> str:
        return f"{self.base_url}/account/saml/acs"

    def sls_url(self) -> str:
        return f"{self.base_url}/account/saml/sls"


def sp_config(sp: ServiceProvider, provider: SamlProvider | None, metadata: bytes | None) -> SPConfig:
    settings = {
        "entityid": sp.entity_id,
        "xmlsec_binary": xmlsec_binary(),
        "key_file": sp.key_file,
        "cert_file": sp.cert_file,
        "encryption_keypairs": [{"key_file": sp.key_file, "cert_file": sp.cert_file}],
        "accepted_time_diff": 60,
        "allow_unknown_attributes": True,
        "service": {"sp": {
            "name": "Library Learning",
            "endpoints": {
                "assertion_consumer_service": [(sp.acs_url(), BINDING_HTTP_POST)],
                "single_logout_service": [(sp.sls_url(), BINDING_HTTP_REDIRECT)],
            },
            "authn_requests_signed": True,
            "logout_requests_signed": True,
            "want_assertions_signed": True,
            "want_response_signed": False,
            "want_assertions_or_response_signed": True,
            "allow_unsolicited": False,
            "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
            "name_id_format_allow_create": True,
            "signing_algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "digest_algorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
        }},
    }
    if metadata is not None:
        settings["metadata"] = {"inline": [metadata.decode("utf-8")]}
    config = SPConfig()
    config.load(settings)
    return config


class Clients:
    """One pysaml2 client per identity provider, built from its metadata and rebuilt when that is older
    than `refresh_seconds` (an aggregate's signing keys and endpoints change)."""

    def __init__(self, sp: ServiceProvider, providers: list[SamlProvider], refresh_seconds: int = 6 * 3600):
        self.sp = sp
        self.providers = {provider.name: provider for provider in providers}
        self.refresh_seconds = refresh_seconds
        self._clients: dict[str, tuple[float, Saml2Client, str]] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> tuple[SamlProvider, Saml2Client, str]:
        """The provider, its client and the identity provider's entity id."""
        provider = self.providers[name]
        with self._lock:
            cached = self._clients.get(name)
            if cached is None or time.monotonic() - cached[0] > self.refresh_seconds:
                client = Saml2Client(config=sp_config(self.sp, provider, fetch_metadata(provider)))
                idps = list(client.metadata.identity_providers())
                entity_id = provider.entity_id or (idps[0] if len(idps) == 1 else None)
                if entity_id is None or entity_id not in idps:
                    raise SamlConfigError(
                        f"{provider.name}: the metadata holds {len(idps)} identity providers; name the one to use "
                        "with 'entity_id'." if entity_id is None else
                        f"{provider.name}: the metadata has no identity provider {entity_id}.")
                cached = (time.monotonic(), client, entity_id)
                self._clients[name] = cached
            return provider, cached[1], cached[2]


def sp_metadata(sp: ServiceProvider, valid_hours: int = 24 * 7) -> str:
    """The platform's metadata for identity providers and federations, signed with its own key."""
    config = sp_config(sp, None, None)
    xml = create_metadata_string(None, config=config, valid=valid_hours, sign=True,
                                 sign_alg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                                 digest_alg="http://www.w3.org/2001/04/xmlenc#sha256")
    return xml.decode("utf-8") if isinstance(xml, bytes) else xml


def authn_request(provider: SamlProvider, client: Saml2Client, idp: str) -> tuple[str, str]:
    """A signed AuthnRequest: its id and the identity provider's URL that carries it."""
    request_id, info = client.prepare_for_authenticate(
        entityid=idp, binding=BINDING_HTTP_REDIRECT, sign=True,
        sigalg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        digest_alg="http://www.w3.org/2001/04/xmlenc#sha256")
    location = dict(info["headers"])["Location"]
    return request_id, location


def _response_root(saml_response: str):
    try:
        root = ElementTree.fromstring(base64.b64decode(saml_response, validate=False))
    except Exception:  # noqa: BLE001 - anything unreadable is refused the same way
        return None
    return root if root.tag == f"{{{SAML_NS}}}Response" else None


def in_response_to(saml_response: str) -> str | None:
    """The request id a (base64) SAML response says it answers, read before any check."""
    root = _response_root(saml_response)
    return root.get("InResponseTo") if root is not None else None


def _was_encrypted(saml_response: str) -> bool:
    root = _response_root(saml_response)
    return root is not None and root.find("{urn:oasis:names:tc:SAML:2.0:assertion}EncryptedAssertion") is not None \
        and root.find("{urn:oasis:names:tc:SAML:2.0:assertion}Assertion") is None


def check_response(client: Saml2Client, idp: str, saml_response: str, request_id: str,
                   want_encrypted: bool = False) -> dict:
    """The person's attributes from a response to `request_id`, or SamlRefused saying what was wrong.

    pysaml2 checks the signature (of the assertion, or of the whole response), the audience, the recipient,
    the destination, `InResponseTo` against `request_id`, and NotBefore/NotOnOrAfter with a minute's leeway.
    """
    try:
        response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST,
                                                       outstanding={request_id: "/"})
    except Exception as error:  # noqa: BLE001 - pysaml2 raises many kinds; each means "do not sign in"
        raise SamlRefused(_reason(error)) from None
    if response is None or response.assertion is None:
        raise SamlRefused("The sign-in response could not be read.")
    if want_encrypted and not _was_encrypted(saml_response):
        raise SamlRefused("The sign-in response was not encrypted, and this site requires it.")
    if response.issuer() != idp:
        raise SamlRefused("The sign-in response came from an identity provider this site does not use.")
    assertions = response.response.assertion or [response.assertion]
    if not all(getattr(assertion, "signature", None) for assertion in assertions) and \
            response.response.signature is None:
        raise SamlRefused("The sign-in response was not signed.")
    name_id = response.name_id
    attributes: dict[str, list[str]] = {}
    for statement in response.assertion.attribute_statement or []:
        for attribute in statement.attribute:
            key = ATTRIBUTES.get(attribute.name) or ATTRIBUTES.get(attribute.friendly_name or "") \
                or attribute.friendly_name or attribute.name
            values = [value.text.strip() for value in attribute.attribute_value if value.text]
            if not values:  # eduPersonTargetedID is a NameID inside the attribute value
                values = [child.text.strip() for value in attribute.attribute_value
                          for child in (value.extension_elements or []) if getattr(child, "text", None)]
            attributes.setdefault(key, []).extend(values)
    session_index = None
    if response.assertion.authn_statement:
        session_index = response.assertion.authn_statement[0].session_index
    return {
        "issuer": idp,
        "name_id": name_id.text if name_id is not None else None,
        "name_id_format": name_id.format if name_id is not None else None,
        "session_index": session_index,
        "attributes": attributes,
    }


def subject(claims: dict) -> str | None:
    """The stable identifier of the person at the identity provider: pairwise-id, subject-id,
    eduPersonTargetedID, or a persistent NameID, in that order; never a transient NameID or an e-mail."""
    attributes = claims["attributes"]
    for key in ("pairwise_id", "subject_id", "targeted_id", "object_id"):
        if attributes.get(key):
            return attributes[key][0]
    if claims.get("name_id_format") == NAMEID_FORMAT_PERSISTENT and claims.get("name_id"):
        return claims["name_id"]
    return None


def claims_for(provider: SamlProvider, answer: dict) -> dict:
    """What the identity provider said, in the shape sign-in and the role and unit rules read: `sub`, `email`,
    `email_verified`, `name`, and each attribute under its friendly name (`scoped_affiliation`,
    `entitlement`, `groups`, `principal_name`, ...), lists kept as lists."""
    attributes = answer["attributes"]
    claims: dict = {key: list(values) for key, values in attributes.items()}
    claims["sub"] = subject(answer)
    mail = attributes.get("mail") or []
    claims["email"] = mail[0] if mail else None
    claims["email_verified"] = bool(mail) and provider.trust_email
    names = attributes.get("display_name") or [" ".join(
        (attributes.get("given_name") or [""])[:1] + (attributes.get("surname") or [""])[:1]).strip()]
    claims["name"] = names[0] if names and names[0] else None
    return claims


def _reason(error: Exception) -> str:
    kind = type(error).__name__
    text = str(error)
    if "signature missing" in text.lower() or "not signed" in text.lower():
        return "The sign-in response was not signed."
    if "Signature" in kind or "signature" in text.lower():
        return "The sign-in response's signature could not be verified."
    if "Audience" in kind or "audience" in text.lower():
        return "The sign-in response was meant for another service."
    if kind in {"ResponseLifetimeExceed", "ToEarly"} or "lifetime" in text.lower() or "too old" in text.lower() \
            or "condition not ok" in text.lower():
        return "The sign-in response has expired. Please sign in again."
    if kind == "UnsolicitedResponse" or "unsolicited" in text.lower():
        return "The sign-in response does not answer a sign-in started here."
    if kind == "StatusError" or "Status" in kind:
        return "The identity provider did not sign you in."
    if "Destination" in text or "recipient" in text.lower():
        return "The sign-in response was sent to another address."
    return "The sign-in response could not be accepted."


def key_and_cert(config) -> tuple[str, str]:
    key, cert = config.get("LIT_SAML_SP_KEY"), config.get("LIT_SAML_SP_CERT")
    if not key or not cert:
        raise SamlConfigError("SAML sign-in needs LIT_SAML_SP_KEY and LIT_SAML_SP_CERT: the paths of the site's "
                              "private key and certificate (PEM) for signing requests and decrypting assertions.")
    for setting, path in (("LIT_SAML_SP_KEY", key), ("LIT_SAML_SP_CERT", cert)):
        if not os.path.isfile(path):
            raise SamlConfigError(f"{setting}: {path} is not a readable file.")
    return key, cert

