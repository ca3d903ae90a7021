"""lit-platform: information-literacy learning for library services."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from . import config as config_module
from .extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = config_module.PROJECT_ROOT


def create_app(config: Mapping | object | None = None) -> Flask:
    """Build the application. `config` is a mapping (or object) of overrides for tests and tools."""
    app = Flask(
        __name__,
        instance_path=str(config_module.INSTANCE_PATH),
        template_folder=str(config_module.resource_path("templates")),
        static_folder=str(config_module.resource_path("static")),
    )
    app.config.update(config_module.from_environment())
    overrides = {}
    if config is not None:
        overrides = dict(config) if isinstance(config, Mapping) else {
            key: getattr(config, key) for key in dir(config) if key.isupper()}
        app.config.update(overrides)
    # Derived from the final LIT_ENV, so that an override of LIT_ENV counts too.
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if key not in overrides:
            app.config[key] = config_module.secure_cookies(app.config)
    # A Secure cookie named __Host-... is only accepted by browsers for this exact host over HTTPS, with Path=/
    # and no Domain, so no other site or subdomain can plant or overwrite it.
    for key, name in (("SESSION_COOKIE_NAME", "session"), ("REMEMBER_COOKIE_NAME", "remember_token")):
        secure_key = key.replace("_NAME", "_SECURE")
        if key not in overrides and app.config[secure_key]:
            app.config[key] = f"__Host-{name}"
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    from .observability import init_observability

    init_observability(app)  # first, so that the checks below already log in the chosen format
    if app.config.get("LIT_REPORTS_DATABASE_URL"):
        app.config["SQLALCHEMY_BINDS"] = {**app.config.get("SQLALCHEMY_BINDS", {}),
                                          "reports": config_module.reports_bind(app.config["LIT_REPORTS_DATABASE_URL"])}
    if overrides.get("LIT_REDIS_URL") and "RATELIMIT_STORAGE_URI" not in overrides:
        app.config["RATELIMIT_STORAGE_URI"] = overrides["LIT_REDIS_URL"]
    config_module.check_production_safety(app.config)
    hops = config_module.proxy_hops(app.config)
    if hops:
        # The client's address (rate limits, the audit log) and scheme as the trusted proxies saw them; a value a
        # client put in the header itself lies further back and is never read.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    if "TRUSTED_HOSTS" not in overrides:
        app.config["TRUSTED_HOSTS"] = config_module.trusted_hosts(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.resource_path("migrations")), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from . import models  # noqa: F401  (registers every table on the metadata)
    from .security import init_security
    from .templating import init_templating

    from .core.database import init_database

    init_database(app)
    init_security(app)
    init_templating(app)
    register_blueprints(app)
    from .sso.client import init_sso
    from .sso.saml_views import init_saml

    init_sso(app)
    init_saml(app)
    from .throttles import skip_the_limiters_request_check

    skip_the_limiters_request_check(app)
    return app


def register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .assessments.instrument_views import bp as instruments_bp
    from .assessments.views import bp as assessments_bp
    from .exercises.views import bp as exercises_bp
    from .bookings.api import bp as api_bp
    from .bookings.manage_views import bp as manage_sessions_bp
    from .bookings.views import bp as bookings_bp
    from .admin.views import bp as admin_bp
    from .authoring.views import bp as authoring_bp
    from .core.views import bp as core_bp
    from .courses.views import bp as courses_bp
    from .home.views import bp as home_bp
    from .quizzes.bank_views import bp as bank_bp
    from .quizzes.views import bp as quizzes_bp
    from .reports import api as _reports_api  # noqa: F401  (adds /api/v1/reports/* to the API blueprint)
    from .reports.cache import init_app as init_report_cache
    from .reports.freshness import track_changes
    from .reports.views import bp as reports_bp
    from .privacy.views import bp as privacy_bp
    from .sso.views import bp as sso_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(bank_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(assessments_bp)
    app.register_blueprint(instruments_bp)
    app.register_blueprint(bookings_bp)
    app.register_blueprint(manage_sessions_bp)
    app.register_blueprint(reports_bp)
    track_changes()
    init_report_cache(app)
    app.register_blueprint(exercises_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(sso_bp)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, use WAL, wait for locks, and let SQLAlchemy issue BEGIN.

    The pysqlite driver's own transaction handling breaks SAVEPOINT and BEGIN IMMEDIATE;
    SQLAlchemy's documented recipe hands control back to SQLAlchemy.
    """
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted and overwritten content is zeroed in the file, so erased personal data does not linger there.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        from .core.database import SQLiteWriterQueue

        mode = connection.get_execution_options().get("sqlite_begin", "")
        queued = mode == "IMMEDIATE" and SQLiteWriterQueue.enter(connection)
        try:
            connection.exec_driver_sql(f"BEGIN {mode}".strip())
        except BaseException:
            if queued:
                SQLiteWriterQueue.leave(connection.connection.info)
            raise


@event.listens_for(Engine, "commit")
def _sqlite_commit(connection):
    if connection.dialect.name == "sqlite":
        from .core.database import SQLiteWriterQueue

        SQLiteWriterQueue.finish(connection, "commit")


@event.listens_for(Engine, "rollback")
def _sqlite_rollback(connection):
    if connection.dialect.name == "sqlite":
        from .core.database import SQLiteWriterQueue

        SQLiteWriterQueue.finish(connection, "rollback")


@event.listens_for(Pool, "checkin")
def _sqlite_checkin(dbapi_connection, connection_record):
    from .core.database import SQLiteWriterQueue

    SQLiteWriterQueue.forget(connection_record)


@event.listens_for(Pool, "close")
def _sqlite_close(dbapi_connection, connection_record):
    from .core.database import SQLiteWriterQueue

    SQLiteWriterQueue.close(connection_record)
