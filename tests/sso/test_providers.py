"""LIT_OIDC_PROVIDERS and LIT_SSO_ONLY: read, checked at start-up with messages that say what to fix, and the rules
that turn claims into roles and units."""
from __future__ import annotations

import json

import pytest

from lit_platform import create_app
from lit_platform.config import ConfigurationError
from lit_platform.sso.providers import (Rule, find_providers, parse_domains, parse_providers, sso_only_provider)

ENTRY = {"name": "uni", "label": "University", "issuer": "https://login.uni.example", "client_id": "c",
         "client_secret": "s"}


def parse(*entries, **kwargs):
    return parse_providers(json.dumps(list(entries)), **kwargs)


def test_a_full_entry_is_read():
    (provider,) = parse({**ENTRY, "client_secret": "the-secret-itself", "scopes": ["openid", "email", "groups"], "link_only": True,
                         "sso_only_domains": ["@Uni.Example"],
                         "role_rules": [{"claim": "groups", "contains": "lib", "role": "librarian"}],
                         "unit_rules": [{"claim": "email", "domain": "med.uni.example", "unit": "Medicine"}]})
    assert (provider.scopes, provider.link_only, provider.sso_only_domains) == ("openid email groups", True,
                                                                                ("uni.example",))
    assert provider.metadata_url == "https://login.uni.example/.well-known/openid-configuration"
    assert provider.roles_for({"groups": ["LIB", "other"]}) == {"librarian"}
    assert provider.roles_for({"groups": "lib-staff"}) == set()
    assert provider.unit_for({"email": "Ann@Med.Uni.Example"}) == "Medicine"
    assert provider.unit_for({"email": "ann@uni.example"}) is None
    assert "client_secret" not in repr(provider)  # the secret is never in a log line


def test_a_file_path_is_read(tmp_path):
    path = tmp_path / "providers.json"
    path.write_text(json.dumps([ENTRY]))
    assert parse_providers(str(path))[0].name == "uni"
    assert parse_providers("") == ()


@pytest.mark.parametrize("entry, message", [
    ({**ENTRY, "issuer": "http://login.uni.example"}, "'issuer' must start with https://"),
    ({**ENTRY, "name": "Uni Staff"}, "'name' must be lower-case letters"),
    ({k: v for k, v in ENTRY.items() if k != "client_id"}, "'client_id' must be a non-empty string"),
    ({**ENTRY, "scopes": "email profile"}, "'scopes' must include openid"),
    ({**ENTRY, "role_rules": [{"claim": "groups", "contains": "x", "role": "wizard"}]}, "unknown role(s) wizard"),
    ({**ENTRY, "role_rules": [{"claim": "groups", "contains": "x", "equals": "y", "role": "admin"}]},
     "exactly one of equals, contains, domain"),
    ({**ENTRY, "unit_rules": {"claim": "email"}}, "'unit_rules' must be a list of rules"),
    ({**ENTRY, "sso_only_domains": "uni.example"}, "'sso_only_domains' must be a list of domains"),
    ({**ENTRY, "client_secert": "typo"}, "unknown field(s) client_secert"),
])
def test_mistakes_are_refused_naming_the_provider_and_the_field(entry, message):
    with pytest.raises(ConfigurationError) as error:
        parse(entry)
    assert message in str(error.value)


def test_broken_json_a_missing_file_and_a_repeated_name_are_refused():
    with pytest.raises(ConfigurationError, match="is not valid JSON"):
        parse_providers("[{")
    with pytest.raises(ConfigurationError, match="neither JSON nor the path of a file"):
        parse_providers("/no/such/providers.json")
    with pytest.raises(ConfigurationError, match="provider 'uni': the name is used twice"):
        parse(ENTRY, ENTRY)


def test_http_is_allowed_only_on_this_machine_outside_production():
    local = {**ENTRY, "issuer": "http://127.0.0.1:8080"}
    assert parse(local, allow_http_loopback=True)[0].issuer == "http://127.0.0.1:8080"
    with pytest.raises(ConfigurationError):
        parse(local)


def test_the_app_refuses_to_start_with_a_bad_provider_or_sso_only_without_providers():
    base = {"LIT_ENV": "testing", "SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    with pytest.raises(ConfigurationError, match="provider 'uni': 'client_secret'"):
        create_app({**base, "LIT_OIDC_PROVIDERS": json.dumps([{**ENTRY, "client_secret": ""}])})
    with pytest.raises(ConfigurationError, match="LIT_SSO_ONLY names domains"):
        create_app({**base, "LIT_SSO_ONLY": "uni.example"})


def test_rules_match_lists_strings_and_domains_ignoring_capitals():
    assert Rule("groups", "contains", "Staff").matches({"groups": ["staff", "x"]})
    assert Rule("affiliation", "equals", "staff@uni.example").matches({"affiliation": "STAFF@uni.example"})
    assert not Rule("groups", "contains", "staff").matches({"groups": 7})
    assert not Rule("email", "domain", "uni.example").matches({"email": "a@evil-uni.example"})
    assert not Rule("email", "domain", "uni.example").matches({})


def test_sso_only_domains_per_provider_or_for_all_and_the_organisation_search():
    uni, trust = parse({**ENTRY, "sso_only_domains": ["uni.example"]},
                       {**ENTRY, "name": "trust", "label": "NHS Example Trust"})
    assert sso_only_provider((uni, trust), (), "a@UNI.example") == (uni,)
    assert sso_only_provider((uni, trust), (), "a@nhs.example") == ()
    assert sso_only_provider((uni, trust), parse_domains(" nhs.example, @other.example"), "a@nhs.example") == (
        uni, trust)
    assert find_providers((uni, trust), "nhs trust") == [trust]
    assert find_providers((uni, trust), "uni.example") == [uni]
    assert find_providers((uni, trust), "") == [uni, trust]
