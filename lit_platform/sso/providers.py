"""The OpenID Connect providers people may sign in with (LIT_OIDC_PROVIDERS), and the rules that turn what a
provider says about someone (its claims) into roles and an organisation unit here.

LIT_OIDC_PROVIDERS is a JSON list, given in the variable itself or in a file the variable names:

    [{"name": "uni", "label": "University staff and students", "issuer": "https://login.microsoftonline.com/…/v2.0",
      "client_id": "…", "client_secret": "…", "scopes": "openid email profile",
      "link_only": false, "sso_only_domains": ["uni.example"],
      "role_rules": [{"claim": "groups", "contains": "library-staff", "role": "librarian"}],
      "unit_rules": [{"claim": "email", "domain": "med.uni.example", "unit": "Medicine / Students"}]}]

Every mistake is refused at start-up with a message that names the provider and the field.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..accounts.models import ROLE_VALUES
from ..config import ConfigurationError

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
#: how a rule compares a claim with its value
MATCHES = ("equals", "contains", "domain")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def claim_values(claims: dict, claim: str) -> list[str]:
    """A claim as a list of strings: a string is one value, a list its items, anything else nothing."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, str)]
    return []


@dataclass(frozen=True)
class Rule:
    """A test on one claim: `equals`/`contains` (one of its values is this, capitals ignored) or `domain` (one
    of its values is an address at this domain)."""
    claim: str
    match: str
    value: str

    def matches(self, claims: dict) -> bool:
        wanted = self.value.casefold()
        values = [value.strip().casefold() for value in claim_values(claims, self.claim)]
        if self.match == "domain":
            return any(value.rpartition("@")[2] == wanted for value in values if "@" in value)
        return wanted in values

    def describe(self) -> str:
        return f"{self.claim} {self.match} {self.value}"


@dataclass(frozen=True)
class RoleRule(Rule):
    """Someone whose claims match holds `role`."""
    role: str = ""


@dataclass(frozen=True)
class UnitRule(Rule):
    """Someone whose claims match belongs to the unit at `unit` ("Faculty / School"); the first match wins."""
    unit: str = ""


class RuleMapping:
    """What a provider's `role_rules` and `unit_rules` make of someone's claims (OpenID Connect and SAML alike)."""
    role_rules: tuple[RoleRule, ...]
    unit_rules: tuple[UnitRule, ...]

    @property
    def managed_roles(self) -> set[str]:
        """The roles this provider's rules give and take away (others are left to administrators)."""
        return {rule.role for rule in self.role_rules}

    def roles_for(self, claims: dict) -> set[str]:
        return {rule.role for rule in self.role_rules if rule.matches(claims)}

    def unit_for(self, claims: dict) -> str | None:
        return next((rule.unit for rule in self.unit_rules if rule.matches(claims)), None)


@dataclass(frozen=True)
class Provider(RuleMapping):
    #: where the sign-in with this kind of provider starts
    start_endpoint = "sso.start"

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    scopes: str = "openid email profile"
    #: only people who already have an account here (linked, or matched by a verified address) may sign in
    link_only: bool = False
    #: e-mail domains whose people must sign in with this provider (no local password)
    sso_only_domains: tuple[str, ...] = ()
    role_rules: tuple[RoleRule, ...] = ()
    unit_rules: tuple[UnitRule, ...] = ()

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"



def _text(entry: dict, key: str, where: str, required: bool = True, default: str = "") -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or (required and not value.strip()):
        raise ConfigurationError(f"{where}: '{key}' must be {'a non-empty' if required else 'a'} string.")
    return value.strip()


def _rule(kind, item, where: str, target: str):
    if not isinstance(item, dict):
        raise ConfigurationError(f"{where}: each rule must be an object such as "
                                 f'{{"claim": "groups", "contains": "library-staff", "{target}": "…"}}.')
    claim = _text(item, "claim", where)
    given = [match for match in MATCHES if match in item]
    if len(given) != 1:
        raise ConfigurationError(f"{where}: a rule needs exactly one of {', '.join(MATCHES)} (rule on '{claim}').")
    unknown = set(item) - {"claim", target, *MATCHES}
    if unknown:
        raise ConfigurationError(f"{where}: unknown field(s) {', '.join(sorted(unknown))} in a rule.")
    return kind(claim=claim, match=given[0], value=_text(item, given[0], where), **{target: _text(item, target, where)})


def _issuer(value: str, where: str, allow_http_loopback: bool) -> str:
    parts = urlsplit(value)
    if parts.query or parts.fragment or not parts.hostname:
        raise ConfigurationError(f"{where}: 'issuer' must be the provider's issuer URL, e.g. "
                                 f"https://login.example.org (it is {value!r}).")
    if parts.scheme != "https" and not (allow_http_loopback and parts.scheme == "http"
                                        and parts.hostname in LOOPBACK_HOSTS):
        raise ConfigurationError(f"{where}: 'issuer' must start with https:// (it is {value!r}).")
    return value  # compared exactly with what the provider says it is


FIELDS = {"name", "label", "issuer", "client_id", "client_secret", "scopes", "link_only", "sso_only_domains",
          "role_rules", "unit_rules"}


def parse_providers(raw: str, allow_http_loopback: bool = False) -> tuple[Provider, ...]:
    """The providers described by LIT_OIDC_PROVIDERS (JSON, or the path of a JSON file).

    :raises ConfigurationError: naming the provider and the field that is wrong.
    """
    raw = (raw or "").strip()
    if not raw:
        return ()
    source = "LIT_OIDC_PROVIDERS"
    if not raw.startswith(("[", "{")):
        path = Path(raw)
        if not path.is_file():
            raise ConfigurationError(f"LIT_OIDC_PROVIDERS is neither JSON nor the path of a file: {raw!r}.")
        source, raw = str(path), path.read_text(encoding="utf-8")
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"{source} is not valid JSON: {error}.") from None
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        raise ConfigurationError(f"{source} must be a list of providers.")
    providers, names = [], set()
    for number, entry in enumerate(entries, 1):
        where = f"{source}, provider {number}"
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{where}: must be an object with name, issuer, client_id and the rest.")
        name = _text(entry, "name", where)
        if not NAME.match(name):
            raise ConfigurationError(f"{where}: 'name' must be lower-case letters, digits and hyphens (it appears "
                                     f"in the callback URL), e.g. 'uni' (it is {name!r}).")
        where = f"{source}, provider '{name}'"
        if name in names:
            raise ConfigurationError(f"{where}: the name is used twice.")
        names.add(name)
        unknown = set(entry) - FIELDS
        if unknown:
            raise ConfigurationError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
        scopes = entry.get("scopes", "openid email profile")
        if isinstance(scopes, list) and all(isinstance(scope, str) for scope in scopes):
            scopes = " ".join(scopes)
        if not isinstance(scopes, str):
            raise ConfigurationError(f"{where}: 'scopes' must be a string such as \"openid email profile\".")
        if "openid" not in scopes.split():
            raise ConfigurationError(f"{where}: 'scopes' must include openid.")
        domains = entry.get("sso_only_domains", [])
        if not isinstance(domains, list) or not all(isinstance(d, str) and "." in d for d in domains):
            raise ConfigurationError(f"{where}: 'sso_only_domains' must be a list of domains, e.g. [\"uni.example\"].")
        link_only = entry.get("link_only", False)
        if not isinstance(link_only, bool):
            raise ConfigurationError(f"{where}: 'link_only' must be true or false.")
        role_rules = tuple(_rule(RoleRule, item, where, "role") for item in _list(entry, "role_rules", where))
        bad_roles = sorted({rule.role for rule in role_rules} - set(ROLE_VALUES))
        if bad_roles:
            raise ConfigurationError(f"{where}: unknown role(s) {', '.join(bad_roles)} in role_rules (roles are "
                                     f"{', '.join(ROLE_VALUES)}).")
        providers.append(Provider(
            name=name, label=_text(entry, "label", where), issuer=_issuer(_text(entry, "issuer", where), where,
                                                                          allow_http_loopback),
            client_id=_text(entry, "client_id", where), client_secret=_text(entry, "client_secret", where),
            scopes=scopes, link_only=link_only,
            sso_only_domains=tuple(domain.strip().lower().lstrip("@") for domain in domains),
            role_rules=role_rules,
            unit_rules=tuple(_rule(UnitRule, item, where, "unit") for item in _list(entry, "unit_rules", where)),
        ))
    return tuple(providers)


def _list(entry: dict, key: str, where: str) -> list:
    value = entry.get(key, [])
    if not isinstance(value, list):
        raise ConfigurationError(f"{where}: '{key}' must be a list of rules.")
    return value


def parse_domains(raw: str) -> tuple[str, ...]:
    """LIT_SSO_ONLY: comma-separated e-mail domains whose people sign in with single sign-on only."""
    return tuple(d.strip().lower().lstrip("@") for d in (raw or "").split(",") if d.strip())


def sso_only_provider(providers: tuple[Provider, ...], global_domains: tuple[str, ...], email: str):
    """The providers someone with this address must use instead of a password (empty: a password is fine)."""
    domain = (email or "").strip().lower().rpartition("@")[2]
    if not domain:
        return ()
    named = tuple(p for p in providers if domain in p.sso_only_domains)
    if named:
        return named
    return providers if domain in global_domains else ()


def find_providers(providers: tuple[Provider, ...], query: str) -> list[Provider]:
    """Providers whose label, name or SSO-only domains contain every word of `query` (all of them when empty)."""
    words = (query or "").casefold().split()
    found = []
    for provider in providers:
        text = " ".join((provider.label, provider.name, *provider.sso_only_domains)).casefold()
        if all(word in text for word in words):
            found.append(provider)
    return found
