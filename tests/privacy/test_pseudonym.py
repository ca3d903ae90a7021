"""Report pseudonyms are keyed with LIT_PSEUDONYM_KEY, a setting apart from the session signing key."""
import hashlib
import hmac
import logging
import re

import pytest

from lit_platform import create_app
from lit_platform.assessments.queries import pseudonym
from lit_platform.config import ConfigurationError, from_environment

from ..conftest import app_config


def keyed(key: bytes, participant_id: int) -> str:
    return "P-" + hmac.new(key, f"participant:{participant_id}".encode(), hashlib.sha256).hexdigest()[:8].upper()


def test_pseudonyms_use_their_own_key_and_keep_their_format(app):
    app.config["LIT_PSEUDONYM_KEY"] = "k" * 40
    with app.app_context():
        first = pseudonym(7)
        assert re.fullmatch(r"P-[0-9A-F]{8}", first) and first == keyed(b"k" * 40, 7)
        app.config["SECRET_KEY"] = "a-new-session-signing-key-after-rotation-0123"
        assert pseudonym(7) == first  # replacing the secret key leaves pseudonyms alone
        app.config["LIT_PSEUDONYM_KEY"] = "m" * 40
        assert pseudonym(7) != first and pseudonym(8) != pseudonym(7)


def test_without_the_setting_the_key_is_derived_never_the_secret_key_itself(app):
    app.config["LIT_PSEUDONYM_KEY"] = ""
    with app.app_context():
        derived = pseudonym(7)
        assert derived == pseudonym(7) and re.fullmatch(r"P-[0-9A-F]{8}", derived)
        assert derived != keyed(app.config["SECRET_KEY"].encode(), 7)


def test_the_key_comes_from_the_environment_and_production_checks_it(monkeypatch, caplog):
    monkeypatch.setenv("LIT_PSEUDONYM_KEY", "p" * 40)
    assert from_environment()["LIT_PSEUDONYM_KEY"] == "p" * 40
    production = dict(app_config("sqlite://"), LIT_ENV="production", SECRET_KEY="s" * 40, LIT_BASE_URL="https://localhost")
    with pytest.raises(ConfigurationError, match="LIT_PSEUDONYM_KEY"):
        create_app(dict(production, LIT_PSEUDONYM_KEY="short"))
    with caplog.at_level(logging.WARNING, logger="lit_platform"):
        create_app(dict(production, LIT_PSEUDONYM_KEY=""))
    assert "LIT_PSEUDONYM_KEY is not set" in caplog.text
