"""Settings read from the environment, with development defaults."""
import hashlib
import hmac
import logging
import os
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("LIT_INSTANCE_PATH", PROJECT_ROOT / "instance"))
DEVELOPMENT_SECRET = "development-only-secret-key"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """Build the configuration mapping from LIT_* environment variables."""
    env = os.environ.get("LIT_ENV", "development")
    database_url = os.environ.get(
        "LIT_DATABASE_URL", f"sqlite:///{INSTANCE_PATH / 'lit.sqlite3'}"
    )
    redis_url = os.environ.get("LIT_REDIS_URL", "")
    return {
        "LIT_ENV": env,
        "SECRET_KEY": os.environ.get("LIT_SECRET_KEY", DEVELOPMENT_SECRET),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "LIT_TIMEZONE": os.environ.get("LIT_TIMEZONE", "Europe/London"),
        "LIT_COURSES_PATH": os.environ.get("LIT_COURSES_PATH", str(PROJECT_ROOT / "courses")),
        "LIT_SITE_NAME": os.environ.get("LIT_SITE_NAME", "Library Learning"),
        "LIT_REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "LIT_LOGIN_RATE_LIMIT": os.environ.get("LIT_LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "LIT_RESET_RATE_LIMIT": os.environ.get("LIT_RESET_RATE_LIMIT", "5 per minute;20 per hour"),
        # Generous: a whole class often joins at once from one address (the building's Wi-Fi).
        "LIT_JOIN_RATE_LIMIT": os.environ.get("LIT_JOIN_RATE_LIMIT", "120 per minute;1000 per hour"),
        # Report cells about fewer people than this are not shown, so no one can be singled out.
        "LIT_REPORT_MIN_GROUP": int(os.environ.get("LIT_REPORT_MIN_GROUP", "5")),
        "LIT_IDLE_MINUTES": int(os.environ.get("LIT_IDLE_MINUTES", "120")),
        "LIT_RESET_TOKEN_MINUTES": int(os.environ.get("LIT_RESET_TOKEN_MINUTES", "60")),
        "LIT_SMTP_HOST": os.environ.get("LIT_SMTP_HOST", "localhost"),
        "LIT_SMTP_PORT": int(os.environ.get("LIT_SMTP_PORT", "25")),
        "LIT_SMTP_USERNAME": os.environ.get("LIT_SMTP_USERNAME", ""),
        "LIT_SMTP_PASSWORD": os.environ.get("LIT_SMTP_PASSWORD", ""),
        "LIT_SMTP_STARTTLS": _bool("LIT_SMTP_STARTTLS", False),
        "LIT_MAIL_FROM": os.environ.get("LIT_MAIL_FROM", "library-learning@localhost"),
        "LIT_OUTBOX_MAX_TRIES": int(os.environ.get("LIT_OUTBOX_MAX_TRIES", "5")),
        # Personal data (privacy/): the key of report pseudonyms, kept outside the database (see pseudonym_key);
        # retention periods and lawful bases overriding the registry's, as JSON objects keyed by table name.
        "LIT_PSEUDONYM_KEY": os.environ.get("LIT_PSEUDONYM_KEY", ""),
        "LIT_RETENTION": os.environ.get("LIT_RETENTION", ""),
        "LIT_LAWFUL_BASIS": os.environ.get("LIT_LAWFUL_BASIS", ""),
        "LIT_PRIVACY_CONTACT": os.environ.get("LIT_PRIVACY_CONTACT", ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "LIT_INSECURE_COOKIES": _bool("LIT_INSECURE_COOKIES", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": int(os.environ.get("LIT_MAX_UPLOAD_BYTES", str(5 * 1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,
    }


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete for the chosen environment."""


def secure_cookies(config) -> bool:
    """Cookies are Secure (HTTPS only) everywhere but development and tests, unless explicitly turned off."""
    return config.get("LIT_ENV") not in ("development", "testing") and not config.get("LIT_INSECURE_COOKIES")


def check_production_safety(config) -> None:
    """Refuse to start in production with a development secret key (or a short pseudonym key)."""
    if config.get("LIT_ENV") == "production":
        key = config.get("SECRET_KEY") or ""
        if key == DEVELOPMENT_SECRET or len(key) < 32:
            raise ConfigurationError(
                "LIT_SECRET_KEY must be set to a random value of at least 32 characters "
                "in production (for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        pseudonym = config.get("LIT_PSEUDONYM_KEY") or ""
        if pseudonym and len(pseudonym) < 32:
            raise ConfigurationError("LIT_PSEUDONYM_KEY must be a random value of at least 32 characters.")
        if not pseudonym:
            logging.getLogger("lit_platform").warning(
                "LIT_PSEUDONYM_KEY is not set: report pseudonyms are derived from LIT_SECRET_KEY and will all "
                "change if it is replaced. Set LIT_PSEUDONYM_KEY to a random value of 32+ characters.")


@lru_cache(maxsize=8)
def _derived_pseudonym_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"lit-platform report pseudonyms", hashlib.sha256).digest()


def pseudonym_key(config) -> bytes:
    """The HMAC key of report pseudonyms (P-...): LIT_PSEUDONYM_KEY, kept outside the database.

    Without it (development, tests, or a production site that has not set it yet) a key is derived
    from the secret key, so pseudonyms are stable but never made with the session signing key itself.
    """
    key = config.get("LIT_PSEUDONYM_KEY") or ""
    return key.encode() if key else _derived_pseudonym_key(config.get("SECRET_KEY") or "")
