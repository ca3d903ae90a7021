"""Password policy (NIST SP 800-63B style) and hashing."""
from __future__ import annotations

from functools import lru_cache

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

MIN_LENGTH = 8
#: long passphrases are welcome; the cap only keeps hashing cost bounded
MAX_LENGTH = 256
#: werkzeug's scrypt at its standard cost (N=2**15, r=8, p=1). The PASSWORD_HASH_METHOD setting can name
#: another cost ("scrypt:N:r:p"); it is not read from the environment, only the test suite lowers it.
HASH_METHOD = "scrypt"
#: zxcvbn's estimate of the guesses a cracker needs, working through leaked-password lists, words, names,
#: dates and keyboard patterns with the usual changes (capitals, digits and years added, l33t). 10**8 is what
#: eight random characters take; "Password123!" or "Summer2024" take fewer than ten million.
MIN_GUESSES = 10**8
#: the screen's cost grows with length; a password longer than this is judged by its beginning
SCREEN_LENGTH = 100

COMMON_MESSAGE = ("This password is one of the most commonly used, or a small change to one (such as a capital, "
                  "digits or a year added); choose one that is harder to guess.")
GUESSABLE_MESSAGE = ("This password is too easy to guess: common words, names, dates, repeats and keyboard patterns "
                     "are tried first. A few unrelated words make a stronger one.")


def password_problems(password: str, email: str = "", name: str = "") -> list[str]:
    """Return what is wrong with a new password, as sentences for the form; empty if fine.

    The screen runs here, offline: no part of the password leaves the server.
    """
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    lowered = password.strip().lower()
    local_part = email.lower().partition("@")[0]
    if email and lowered in {email.lower(), local_part}:
        return ["Do not use your e-mail address as your password."]
    if name and lowered == name.strip().lower():
        return ["Do not use your name as your password."]
    hints = [hint for hint in (email, local_part, *name.split()) if hint]
    result = zxcvbn(password[:SCREEN_LENGTH], user_inputs=hints, max_length=SCREEN_LENGTH)
    if result["guesses"] >= MIN_GUESSES:
        return []
    if any(match.get("dictionary_name") == "passwords" for match in result["sequence"]):
        return [COMMON_MESSAGE]
    return [GUESSABLE_MESSAGE]


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
