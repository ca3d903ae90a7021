"""Settings read from the environment, with development defaults."""
import hashlib
import hmac
import logging
import os
import sys
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
#: where an installed wheel keeps the repository's templates/, static/, courses/ and migrations/
BUNDLED_RESOURCES = PACKAGE_DIR / "resources"


def running_from_checkout() -> bool:
    """True when the package is imported from the repository (a clone, or `pip install -e .`), not a wheel."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "migrations").is_dir()


def resource_path(name: str) -> Path:
    """The folder `name` (templates, static, courses or migrations): the repository's own copy in a checkout,
    else the copy the wheel carries inside the package."""
    return PROJECT_ROOT / name if running_from_checkout() else BUNDLED_RESOURCES / name


# A checkout keeps its data in its own instance/ folder; an installed copy in ./instance where it is run.
INSTANCE_PATH = Path(os.environ.get("LIT_INSTANCE_PATH")
                     or (PROJECT_ROOT / "instance" if running_from_checkout() else Path.cwd() / "instance"))
DEVELOPMENT_SECRET = "development-only-secret-key"
#: the values LIT_ENV may take; anything else is refused, so that a typo never runs with development settings
ENVIRONMENTS = ("development", "testing", "production")


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
        "LIT_COURSES_PATH": os.environ.get("LIT_COURSES_PATH", str(resource_path("courses"))),
        "LIT_SITE_NAME": os.environ.get("LIT_SITE_NAME", "Library Learning"),
        "LIT_REDIS_URL": redis_url,
        # Optional: a read-only PostgreSQL standby that the report queries are sent to.
        "LIT_REPORTS_DATABASE_URL": os.environ.get("LIT_REPORTS_DATABASE_URL", ""),
        # SAML 2.0 identity providers (JSON list or the path of a JSON file; see docs/single-sign-on.md), and the
        # site's own private key and certificate (PEM files) for signing requests and decrypting assertions.
        "LIT_SAML_PROVIDERS": os.environ.get("LIT_SAML_PROVIDERS", ""),
        "LIT_SAML_SP_KEY": os.environ.get("LIT_SAML_SP_KEY", ""),
        "LIT_SAML_SP_CERT": os.environ.get("LIT_SAML_SP_CERT", ""),
        "LIT_SAML_METADATA_REFRESH_SECONDS": int(os.environ.get("LIT_SAML_METADATA_REFRESH_SECONDS", "21600")),
        # The site's public address: every link in e-mail is built on it (required in production).
        "LIT_BASE_URL": os.environ.get("LIT_BASE_URL", ""),
        # Further host names the site answers to besides LIT_BASE_URL's (comma-separated), e.g. an internal name.
        "LIT_TRUSTED_HOSTS": os.environ.get("LIT_TRUSTED_HOSTS", ""),
        "LIT_SESSION_MAX_HOURS": float(os.environ.get("LIT_SESSION_MAX_HOURS", "12")),
        "LIT_HSTS_SECONDS": int(os.environ.get("LIT_HSTS_SECONDS", str(365 * 24 * 3600))),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # How many proxies in front of the app add to X-Forwarded-For (nginx, a load balancer): the client's
        # address is read from that header only this many hops back. 0: no proxy, the header is ignored.
        "LIT_PROXY_HOPS": os.environ.get("LIT_PROXY_HOPS", "0"),
        # The number of worker processes serving the app, when it is not gunicorn's --workers/WEB_CONCURRENCY.
        "LIT_WORKERS": os.environ.get("LIT_WORKERS", ""),
        # Failed sign-ins only: per account, and (more generously: a class or a library's public PCs share one
        # address) per address. Successful sign-ins and the sign-in page itself are never limited.
        "LIT_LOGIN_RATE_LIMIT": os.environ.get("LIT_LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "LIT_LOGIN_ADDRESS_RATE_LIMIT": os.environ.get("LIT_LOGIN_ADDRESS_RATE_LIMIT", "60 per minute;600 per hour"),
        "LIT_RESET_RATE_LIMIT": os.environ.get("LIT_RESET_RATE_LIMIT", "5 per minute;20 per hour"),
        # Generous: a whole class often joins at once from one address (the building's Wi-Fi).
        "LIT_JOIN_RATE_LIMIT": os.environ.get("LIT_JOIN_RATE_LIMIT", "120 per minute;1000 per hour"),
        # Throttles (see throttles.py): far above what a class does, far below what a script does.
        "LIT_API_RATE_LIMIT": os.environ.get("LIT_API_RATE_LIMIT", "300 per minute;5000 per hour"),
        "LIT_BOOKING_RATE_LIMIT": os.environ.get("LIT_BOOKING_RATE_LIMIT", "20 per minute;100 per hour"),
        "LIT_EXPORT_RATE_LIMIT": os.environ.get("LIT_EXPORT_RATE_LIMIT", "30 per minute;300 per hour"),
        "LIT_CHECKIN_RATE_LIMIT": os.environ.get("LIT_CHECKIN_RATE_LIMIT", "10 per minute;40 per hour"),
        "LIT_ADDRESS_RATE_LIMIT": os.environ.get("LIT_ADDRESS_RATE_LIMIT", "600 per minute;10000 per hour"),
        "LIT_MAIL_RATE_LIMIT": os.environ.get("LIT_MAIL_RATE_LIMIT", "5 per hour;10 per day"),
        # Report cells about fewer people than this are not shown, so no one can be singled out.
        "LIT_REPORT_MIN_GROUP": int(os.environ.get("LIT_REPORT_MIN_GROUP", "5")),
        # How long a built report and its charts are kept (Redis with LIT_REDIS_URL, else memory); 0 keeps none.
        # A change to the data a report reads makes it stale at once, whatever this says.
        "LIT_REPORT_CACHE_SECONDS": int(os.environ.get("LIT_REPORT_CACHE_SECONDS", "300")),
        "LIT_IDLE_MINUTES": int(os.environ.get("LIT_IDLE_MINUTES", "120")),
        "LIT_RESET_TOKEN_MINUTES": int(os.environ.get("LIT_RESET_TOKEN_MINUTES", "60")),
        "LIT_SMTP_HOST": os.environ.get("LIT_SMTP_HOST", "localhost"),
        "LIT_SMTP_PORT": int(os.environ.get("LIT_SMTP_PORT", "25")),
        "LIT_SMTP_USERNAME": os.environ.get("LIT_SMTP_USERNAME", ""),
        "LIT_SMTP_PASSWORD": os.environ.get("LIT_SMTP_PASSWORD", ""),
        "LIT_SMTP_STARTTLS": _bool("LIT_SMTP_STARTTLS", False),
        "LIT_MAIL_FROM": os.environ.get("LIT_MAIL_FROM", "library-learning@localhost"),
        "LIT_OUTBOX_MAX_TRIES": int(os.environ.get("LIT_OUTBOX_MAX_TRIES", "5")),
        # How long an outbox worker may hold the messages it claimed before another worker may take them.
        "LIT_OUTBOX_LEASE_SECONDS": int(os.environ.get("LIT_OUTBOX_LEASE_SECONDS", "300")),
        # Personal data (privacy/): the key of report pseudonyms, kept outside the database (see pseudonym_key);
        # retention periods and lawful bases overriding the registry's, as JSON objects keyed by table name.
        "LIT_PSEUDONYM_KEY": os.environ.get("LIT_PSEUDONYM_KEY", ""),
        "LIT_RETENTION": os.environ.get("LIT_RETENTION", ""),
        "LIT_LAWFUL_BASIS": os.environ.get("LIT_LAWFUL_BASIS", ""),
        "LIT_PRIVACY_CONTACT": os.environ.get("LIT_PRIVACY_CONTACT", ""),
        # Single sign-on (sso/, docs/single-sign-on.md): the OpenID Connect providers, as JSON or the path of a
        # JSON file; e-mail domains whose people may not use a password here (comma-separated).
        "LIT_OIDC_PROVIDERS": os.environ.get("LIT_OIDC_PROVIDERS", ""),
        "LIT_SSO_ONLY": os.environ.get("LIT_SSO_ONLY", ""),
        # How far a provider's clock may be off ours before its tokens are refused; how long to wait for it.
        "LIT_OIDC_CLOCK_SKEW_SECONDS": int(os.environ.get("LIT_OIDC_CLOCK_SKEW_SECONDS", "60")),
        "LIT_OIDC_TIMEOUT_SECONDS": float(os.environ.get("LIT_OIDC_TIMEOUT_SECONDS", "10")),
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


def reports_bind(url: str) -> dict:
    """The engine settings of the reports database: every transaction read-only on PostgreSQL, so a report
    can never write even when the URL names the main database by mistake; reconnects after a standby restart."""
    url = normalise_database_url(url)
    options: dict = {"url": url, "pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"options": "-c default_transaction_read_only=on"}
    return options


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete for the chosen environment."""


def secure_cookies(config) -> bool:
    """Cookies are Secure (HTTPS only) everywhere but development and tests, unless explicitly turned off."""
    return config.get("LIT_ENV") not in ("development", "testing") and not config.get("LIT_INSECURE_COOKIES")


def check_production_safety(config) -> None:
    """Fail closed: refuse an unknown LIT_ENV, the development key (or a short one) anywhere but development,
    and production without LIT_BASE_URL (or with a short pseudonym key)."""
    env = config.get("LIT_ENV")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"LIT_ENV is {env!r}: it must be one of {', '.join(ENVIRONMENTS)} (exactly, in "
                                 "lower case).")
    if env != "development":
        key = config.get("SECRET_KEY") or ""
        if key == DEVELOPMENT_SECRET or len(key) < 32:
            raise ConfigurationError(
                f"LIT_SECRET_KEY must be set to a random value of at least 32 characters when LIT_ENV is {env} "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
    base_url = config.get("LIT_BASE_URL") or ""
    if base_url and not base_url.startswith(("https://", "http://")):
        raise ConfigurationError(f"LIT_BASE_URL must start with https:// (it is {base_url!r}).")
    proxy_hops(config)
    check_rate_limit_storage(config)
    if env == "production":
        if not base_url:
            raise ConfigurationError("LIT_BASE_URL must be set in production to the site's public address, e.g. "
                                     "https://learning.library.example: links in e-mail are built on it.")
        pseudonym = config.get("LIT_PSEUDONYM_KEY") or ""
        if pseudonym and len(pseudonym) < 32:
            raise ConfigurationError("LIT_PSEUDONYM_KEY must be a random value of at least 32 characters.")
        if not pseudonym:
            logging.getLogger("lit_platform").warning(
                "LIT_PSEUDONYM_KEY is not set: report pseudonyms are derived from LIT_SECRET_KEY and will all "
                "change if it is replaced. Set LIT_PSEUDONYM_KEY to a random value of 32+ characters.")


def proxy_hops(config) -> int:
    """LIT_PROXY_HOPS as a number of trusted proxies (0 or more)."""
    value = str(config.get("LIT_PROXY_HOPS", 0)).strip() or "0"
    if not value.isdigit():
        raise ConfigurationError(f"LIT_PROXY_HOPS must be a whole number of proxies, 0 or more (it is {value!r}).")
    return int(value)


def declared_workers(config, argv: list[str] | None = None) -> int | None:
    """How many worker processes serve the app, when that can be known: LIT_WORKERS, else the workers setting
    gunicorn reads from its command line, GUNICORN_CMD_ARGS and WEB_CONCURRENCY. None when it cannot be known
    (another server, or a count set only in a gunicorn configuration file)."""
    value = str(config.get("LIT_WORKERS") or "").strip()
    if value:
        if not value.isdigit() or int(value) < 1:
            raise ConfigurationError(f"LIT_WORKERS must be the number of worker processes, 1 or more (it is "
                                     f"{value!r}).")
        return int(value)
    argv = sys.argv if argv is None else argv
    program = Path(argv[0]) if argv else Path()
    if "gunicorn" not in program.name and program.parent.name != "gunicorn":  # gunicorn, or python -m gunicorn
        return None
    from gunicorn.config import Config

    settings = Config()
    parser = settings.parser()
    try:
        if os.environ.get("WEB_CONCURRENCY"):  # gunicorn's default for --workers
            settings.set("workers", int(os.environ["WEB_CONCURRENCY"]))
        for args in (parser.parse_args(settings.get_cmd_args_from_env()), parser.parse_args(argv[1:])):
            if args.workers is not None:
                settings.set("workers", args.workers)
            if args.config:
                return None
    except (SystemExit, ValueError):
        return None
    return settings.workers


def check_rate_limit_storage(config, argv: list[str] | None = None) -> None:
    """Rate limits kept in memory are counted by each process separately: with N worker processes a client
    gets N times its allowance. Production refuses that, and says so at start-up when the count is unknown."""
    if config.get("LIT_ENV") != "production" or config.get("LIT_REDIS_URL"):
        return
    workers = declared_workers(config, argv)
    if workers is not None and workers > 1:
        raise ConfigurationError(
            f"{workers} worker processes and no LIT_REDIS_URL: each process would count rate limits (sign-in, "
            f"reset, API and the rest) on its own, so every client would get {workers} times its allowance. Set "
            "LIT_REDIS_URL (e.g. redis://127.0.0.1:6379/0) so the processes share their counts, or run one worker.")
    program = Path((sys.argv if argv is None else argv or [""])[0]).name
    if workers is None and program != "lit":  # the lit command's jobs (outbox, reminders) serve no requests
        logging.getLogger("lit_platform").warning(
            "LIT_REDIS_URL is not set, so rate limits are counted in this process's memory. That is only right "
            "with a single worker process on a single server: with several, each counts on its own and every "
            "client gets that many times its allowance. Set LIT_REDIS_URL, or LIT_WORKERS=1 to say there is one.")


def trusted_hosts(config) -> list[str] | None:
    """The host names requests may name in production (Flask's TRUSTED_HOSTS): LIT_BASE_URL's and LIT_TRUSTED_HOSTS."""
    if config.get("LIT_ENV") != "production" or not config.get("LIT_BASE_URL"):
        return None
    from urllib.parse import urlsplit

    hosts = [urlsplit(config["LIT_BASE_URL"]).hostname or ""]
    hosts += [h.strip() for h in (config.get("LIT_TRUSTED_HOSTS") or "").split(",") if h.strip()]
    return [h for h in hosts if h]


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
