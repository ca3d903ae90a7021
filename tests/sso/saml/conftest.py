"""SAML sign-in against a real identity provider (pysaml2's IdP, tests/sso/saml_idp.py) with keys made for the
run: the site's own key pair, the IdP's, an impostor's, and the federation's that signs the IdP's metadata."""
from __future__ import annotations

import json
import shutil

import pytest

from lit_platform.sso import saml

from ..saml_idp import IdentityProvider, key_pair

#: the site's address in the Flask test client; the SP's entity id and endpoints are made from it
BASE_URL = "http://localhost"
IDP_URL = "http://127.0.0.1:9"  # the IdP's own address; the test client never visits it

RULES = {
    "role_rules": [{"claim": "entitlement", "contains": "urn:mace:uni.example:library-teaching",
                    "role": "librarian"}],
    "unit_rules": [{"claim": "scoped_affiliation", "contains": "staff@uni.example", "unit": "University / Staff"},
                   {"claim": "scoped_affiliation", "contains": "student@uni.example",
                    "unit": "University / Students"}],
    "trust_email": True,
}


def pytest_collection_modifyitems(items):
    if not shutil.which("xmlsec1"):
        skip = pytest.mark.skip(reason="xmlsec1 is not installed (apt-get install xmlsec1): SAML tests skipped")
        for item in items:
            if "/sso/saml/" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def sp_keys(tmp_path_factory):
    return key_pair(tmp_path_factory.mktemp("sp"), "sp", "learning.example")


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory, sp_keys):
    """The identity provider, knowing the site's metadata as a federation would publish it."""
    folder = tmp_path_factory.mktemp("saml-idp")
    sp = saml.ServiceProvider(BASE_URL, *sp_keys)
    idp = IdentityProvider(folder, IDP_URL, saml.sp_metadata(sp))
    (folder / "idp-metadata.xml").write_bytes(idp.metadata())
    idp.metadata_file = str(folder / "idp-metadata.xml")
    return idp


def saml_settings(idp, sp_keys, **provider) -> dict:
    entry = {"name": "uni", "label": "University of Example", "metadata_file": idp.metadata_file,
             "metadata_cert": idp.federation_cert, **RULES, **provider}
    return {"LIT_BASE_URL": BASE_URL, "LIT_SAML_PROVIDERS": json.dumps([entry]),
            "LIT_SAML_SP_KEY": sp_keys[0], "LIT_SAML_SP_CERT": sp_keys[1]}


@pytest.fixture
def saml_provider_fields() -> dict:
    """Fields of the configured provider besides RULES; a test module overrides it."""
    return {}


@pytest.fixture
def app_overrides(saml_idp, sp_keys, saml_provider_fields):
    return saml_settings(saml_idp, sp_keys, **saml_provider_fields)
