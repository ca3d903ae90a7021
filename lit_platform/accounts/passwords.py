"""Password policy (NIST SP 800-63B style) and hashing."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
#: long passphrases are welcome; the cap only keeps hashing cost bounded
MAX_LENGTH = 256
#: werkzeug's scrypt at its standard cost (N=2**15, r=8, p=1). The PASSWORD_HASH_METHOD setting can name
#: another cost ("scrypt:N:r:p"); it is not read from the environment, only the test suite lowers it.
HASH_METHOD = "scrypt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("lit_platform").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def password_problems(password: str, email: str = "", name: str = "") -> list[str]:
    """Return what is wrong with a new password, as sentences for the form; empty if fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    elif len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.strip().lower()
    if lowered in common_passwords():
        problems.append("This password is one of the most commonly used; choose one that is harder to guess.")
    elif email and lowered in {email.lower(), email.lower().partition("@")[0]}:
        problems.append("Do not use your e-mail address as your password.")
    elif name and lowered == name.strip().lower():
        problems.append("Do not use your name as your password.")
    return problems


def _method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD", HASH_METHOD) if has_app_context() else HASH_METHOD


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=_method())


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check so unknown accounts are not revealed by timing.
        check_password_hash(_dummy_hash(_method()), password)
        return False
    return check_password_hash(password_hash, password)


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password", method=method)
