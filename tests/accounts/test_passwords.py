from lit_platform.accounts.passwords import common_passwords, hash_password, password_problems, verify_password


def test_ships_at_least_ten_thousand_common_passwords():
    assert len(common_passwords()) >= 10_000
    assert "password" in common_passwords()


def test_short_password_is_refused_with_the_minimum_named():
    assert password_problems("zq8#x1") == ["Use at least 8 characters."]


def test_common_password_is_refused_whatever_its_case():
    assert any("most commonly used" in p for p in password_problems("Password1"))
    assert any("most commonly used" in p for p in password_problems("BASEBALL"))


def test_long_passphrases_and_any_characters_are_accepted():
    assert password_problems("a quiet tower beside the grey sea at dusk, 1987 ✓" * 1) == []
    assert password_problems("x" * 64 + "y" * 64) == []


def test_no_composition_rules():
    assert password_problems("lowercaseonlywords") == []


def test_email_as_password_is_refused():
    assert password_problems("alice.smith", email="alice.smith@example.org")


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
