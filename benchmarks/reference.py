"""Two reference apps outside the platform, served by the same gunicorn workers as the platform.

Each answers the same requests as the platform's `/_bench/baseline` and `/_bench/insert` with nothing
but Flask and its database layer, so that a run separates what the ORM costs from what the
platform's own request machinery costs:

- bare Flask (`/_ref/flask/...`): the standard library's `sqlite3`, or `psycopg`, one connection per
  gunicorn thread kept open (as a pool would), a parameterised statement, `render_template`;
- bare Flask + Flask-SQLAlchemy (`/_ref/orm/...`): `db.session.get` of a plain declarative model of
  the same table, and `db.session.add` + `commit` for the insert.

Both render `baseline.html` (the platform's baseline template) with the same data. Neither has
sessions, sign-in, CSRF, rate limits, security headers or metrics: that is the point. They share
the process with the platform, so SQLAlchemy's SQLite connections get the platform's pragmas (WAL,
synchronous=NORMAL, busy timeout), and the bare `sqlite3` connections set the same ones.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

HERE = Path(__file__).resolve().parent
USER_COLUMNS = "id, email, name, password_hash, org_unit_id, is_active, session_version, created_at"


def _reference_app(name: str, site_name: str, static_folder: str) -> Flask:
    """A Flask app rendering benchmarks/ templates, with the endpoints baseline.html links to."""
    app = Flask(name, template_folder=str(HERE), static_folder=static_folder, static_url_path="/static")
    for endpoint, rule in (("home.index", "/"), ("accounts.login", "/account/login"),
                           ("accounts.register", "/account/register"), ("core.accessibility", "/accessibility")):
        app.add_url_rule(rule, endpoint=endpoint, build_only=True)
    app.jinja_env.globals["site_name"] = site_name
    return app


def bare_flask(database_url: str, sections, rows, site_name: str, static_folder: str) -> Flask:
    app = _reference_app("bare_flask", site_name, static_folder)
    local = threading.local()

    if database_url.startswith("sqlite"):
        import sqlite3

        path = database_url.split("///", 1)[1]

        def connection():
            if not hasattr(local, "connection"):
                local.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                local.connection.execute("PRAGMA busy_timeout=30000")
                local.connection.execute("PRAGMA synchronous=NORMAL")
            return local.connection

        placeholder = "?"

        def now():  # stored as naive UTC, as the platform stores times in SQLite
            return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ")
    else:
        import psycopg

        url = database_url.replace("postgresql+psycopg://", "postgresql://")

        def connection():
            if not hasattr(local, "connection"):
                local.connection = psycopg.connect(url, autocommit=True)
            return local.connection

        placeholder = "%s"

        def now():
            return datetime.now(timezone.utc)

    read = f"SELECT {USER_COLUMNS} FROM users WHERE id = {placeholder}"
    insert = (f"INSERT INTO audit_events (created_at, action, details) VALUES ({placeholder}, {placeholder}, "
              f"{placeholder})")

    @app.route("/_ref/flask/baseline")
    def baseline():
        row = connection().execute(read, (1,)).fetchone()
        user = dict(zip(USER_COLUMNS.split(", "), row)) if row else None
        return render_template("baseline.html", user=user, sections=sections, rows=rows)

    @app.route("/_ref/flask/insert", methods=["POST"])
    def insert_row():
        connection().execute(insert, (now(), "bench.insert", "{}"))
        return "", 204

    return app


class _Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=_Base)


class ReferenceUser(db.Model):
    """The platform's users table, as a plain model without relationships."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    org_unit_id: Mapped[int | None]
    is_active: Mapped[bool]
    session_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReferenceEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    action: Mapped[str] = mapped_column(String(60))
    details: Mapped[dict] = mapped_column(JSON)


def flask_sqlalchemy(database_url: str, sections, rows, site_name: str, static_folder: str) -> Flask:
    app = _reference_app("bare_flask_sqlalchemy", site_name, static_folder)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db.init_app(app)

    @app.route("/_ref/orm/baseline")
    def baseline():
        user = db.session.get(ReferenceUser, 1)
        return render_template("baseline.html", user=user, sections=sections, rows=rows)

    @app.route("/_ref/orm/insert", methods=["POST"])
    def insert_row():
        db.session.add(ReferenceEvent(created_at=datetime.now(timezone.utc), action="bench.insert", details={}))
        db.session.commit()
        return "", 204

    return app
