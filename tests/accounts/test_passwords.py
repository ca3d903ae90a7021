import socket

import pytest

from lit_platform.accounts.passwords import hash_password, password_problems, verify_password


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("the password screen tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("password", ["Password123!", "Summer2024", "Liverpool1", "qwertyuiop123", "P@ssw0rd2024",
                                      "iloveyou2", "Winter2025"])
def test_leaked_passwords_and_small_changes_to_them_are_refused_offline(no_network, password):
    """Beyond a list of the most common passwords: capitals, digits, years and symbols added do not help."""
    assert password_problems(password) == [
        "This password is one of the most commonly used, or a small change to one (such as a capital, digits or a "
        "year added); choose one that is harder to guess."]


@pytest.mark.parametrize("password", ["abcdefgh123", "aaaaaaaaaaaa", "1q2w3e4r5t6y", "03/12/1987!"])
def test_sequences_repeats_keyboard_walks_and_dates_are_refused(no_network, password):
    problem, = password_problems(password)
    assert "too easy to guess" in problem or "most commonly used" in problem


def test_a_good_passphrase_and_random_characters_pass_offline(no_network):
    assert password_problems("violet harbour stepladder") == []
    assert password_problems("zq8#x1Wm") == []


def test_short_password_is_refused_with_the_minimum_named():
    assert password_problems("zq8#x1") == ["Use at least 8 characters."]


def test_common_password_is_refused_whatever_its_case():
    assert any("most commonly used" in p for p in password_problems("Password1"))
    assert any("most commonly used" in p for p in password_problems("BASEBALL"))


def test_long_passphrases_and_any_characters_are_accepted():
    assert password_problems("a quiet tower beside the grey sea at dusk, 1987 ✓" * 1) == []
    long = "the tide brought seven green bottles, a pram wheel and a violin case to the slipway at dawn " * 3
    assert password_problems(long[:256]) == []
    assert password_problems(long[:257]) == ["Use at most 256 characters."]


def test_no_composition_rules():
    assert password_problems("lowercaseonlywords") == []


def test_email_or_name_as_password_is_refused():
    assert password_problems("alice.smith", email="alice.smith@example.org") == [
        "Do not use your e-mail address as your password."]
    assert password_problems("Alice Smithson", name="alice smithson") == ["Do not use your name as your password."]


def test_hash_is_a_slow_kdf_and_verifies():
    hashed = hash_password("gentle orchard ladder")
    assert hashed.startswith("scrypt:32768:8:1$")
    assert verify_password(hashed, "gentle orchard ladder")
    assert not verify_password(hashed, "gentle orchard ladders")
    assert not verify_password(None, "anything")


def test_an_installation_hashes_at_the_standard_cost_whatever_its_environment(monkeypatch, tmp_path):
    """Only code (the test suite) can lower the cost; no environment variable does."""
    from lit_platform import create_app

    monkeypatch.setenv("PASSWORD_HASH_METHOD", "scrypt:2:1:1")
    monkeypatch.setenv("LIT_PASSWORD_HASH_METHOD", "scrypt:2:1:1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'lit.sqlite3'}"})
    with app.app_context():
        hashed = hash_password("gentle orchard ladder")
        assert hashed.startswith("scrypt:32768:8:1$") and verify_password(hashed, "gentle orchard ladder")
