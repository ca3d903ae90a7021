"""`lit backup` and `lit restore`: a copy taken while the app writes comes back with nothing lost.

The SQLite tests do not use the suite's shared database (restoring replaces the database file):
each gets its own copy of a database migrated once for the module, and they run once, since
SQLite is the only database these commands copy and restore themselves. The PostgreSQL tests run
on the suite's PostgreSQL database only (the `database_url` fixture parametrised to "postgresql"),
where `lit backup` runs pg_dump and `lit restore` refuses, pointing to pg_restore.
"""
from __future__ import annotations

import re
import shutil
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from lit_platform import create_app
from lit_platform.accounts.models import User
from lit_platform.audit import AuditEvent
from lit_platform.cli import main as lit
from lit_platform.config import PROJECT_ROOT
from lit_platform.core import backup
from lit_platform.core.types import utcnow
from lit_platform.extensions import db

from ..conftest import app_config, migrate_to_head

REVISIONS, HEAD = backup.migration_revisions(PROJECT_ROOT / "migrations")
OLDER_REVISION = "c6e8a0b2d4f6"
WRITER_EMAIL = "writer-%@example.org"

only_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def run_lit(app, *args, input=None):
    return app.test_cli_runner().invoke(lit, list(args), input=input)


def refused(result, *phrases):
    """The command failed with a message, not a traceback, and the message says each phrase."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output, result.output
    return True


@pytest.fixture(scope="module")
def migrated_file(tmp_path_factory):
    """A database migrated to head once for the module; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "lit.sqlite3"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_app(migrated_file, tmp_path):
    """The app on its own SQLite file, instance/lit.sqlite3 in tmp_path, with its instance folder there."""
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(migrated_file, instance / "lit.sqlite3")
    app = create_app(app_config(f"sqlite:///{instance / 'lit.sqlite3'}"))
    app.instance_path = str(instance)
    yield app
    with app.app_context():
        db.engine.dispose()


def database_file(app) -> Path:
    return Path(app.instance_path) / "lit.sqlite3"


def query(path: Path, sql: str, *params) -> list:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql, params).fetchall()


def writer_rows(path: Path) -> tuple[list[int], list[int]]:
    """The writer's user ids and the actor ids of its audit events, in a file."""
    users = [row[0] for row in query(path, "SELECT id FROM users WHERE email LIKE ? ORDER BY id", WRITER_EMAIL)]
    events = [row[0] for row in query(path, "SELECT actor_id FROM audit_events WHERE action = 'backup.test' "
                                            "ORDER BY actor_id")]
    return users, events


class Writer(threading.Thread):
    """Commits a user and an audit event naming them, one transaction after another, on its own connection."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url)
        self.committed: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        users, events = User.__table__, AuditEvent.__table__
        try:
            with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as connection:
                n = 0
                while not self.stop.is_set():
                    n += 1
                    with connection.begin():
                        user_id = connection.execute(sa.insert(users).values(
                            email=f"writer-{n}@example.org", name=f"Writer {n}", is_active=True, session_version=1,
                            created_at=utcnow()).returning(users.c.id)).scalar_one()
                        connection.execute(sa.insert(events).values(
                            action="backup.test", actor_id=user_id, created_at=utcnow(), details={}))
                    self.committed.append(user_id)
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            self.engine.dispose()

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.committed) < count:
            assert self.error is None and time.monotonic() < deadline, self.error or "the writer is stuck"
            time.sleep(0.005)

    def finish(self) -> None:
        self.stop.set()
        self.join(10)
        assert self.error is None, self.error


# SQLite ----------------------------------------------------------------------------------------

def test_a_backup_taken_during_writes_restores_with_nothing_lost(sqlite_app, tmp_path):
    writer = Writer(sqlite_app.config["SQLALCHEMY_DATABASE_URI"])
    writer.start()
    try:
        writer.wait_for(30)
        highest_before = writer.committed[-1]
        count_before = len(writer.committed)
        copy = tmp_path / "during.sqlite3"
        result = run_lit(sqlite_app, "backup", str(copy))
        assert result.exit_code == 0, result.output
        assert len(writer.committed) > count_before  # the writer committed while lit backup ran
        writer.wait_for(len(writer.committed) + 30)
    finally:
        writer.finish()
    committed = writer.committed
    assert f"Wrote {copy} (" in result.output and "integrity ok" in result.output
    assert re.search(rf"schema revision {HEAD}, \d+ tables, [\d,]+ rows, the same as the database", result.output)
    assert "Key tables: users " in result.output and "audit_events " in result.output

    assert backup.check_backup(copy, REVISIONS) == []
    assert query(copy, "PRAGMA integrity_check") == [("ok",)]
    assert query(copy, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    users, events = writer_rows(copy)
    # Every row committed before the backup started, in commit order with no gaps, and each
    # transaction whole: a user without their audit event (or the reverse) would be half of one.
    assert len(users) >= count_before and users[-1] >= highest_before
    assert users == committed[:len(users)]
    assert events == users
    assert len(users) < len(committed)

    result = run_lit(sqlite_app, "restore", str(copy), "--yes")
    assert result.exit_code == 0, result.output
    kept = re.search(r"Kept the previous database as (\S+)\.\n", result.output).group(1)
    assert re.fullmatch(rf"{re.escape(str(database_file(sqlite_app)))}\.before-restore-\d{{8}}-\d{{6}}", kept)
    assert f"Restored {copy} into {database_file(sqlite_app)}" in result.output
    assert f"already at the latest revision ({HEAD})" in result.output

    with sqlite_app.app_context():
        restored = db.session.scalars(sa.select(User.id).where(User.email.like(WRITER_EMAIL)).order_by(User.id)).all()
        actors = db.session.scalars(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "backup.test")
                                    .order_by(AuditEvent.actor_id)).all()
        db.session.remove()
    assert restored == users and actors == users
    # The database as it was before the restore, with every row the writer committed, is kept.
    assert writer_rows(Path(kept)) == (committed, committed)
    assert query(Path(kept), "PRAGMA integrity_check") == [("ok",)]


def test_backup_writes_to_the_default_folder_or_a_given_folder(sqlite_app, tmp_path):
    result = run_lit(sqlite_app, "backup")
    assert result.exit_code == 0, result.output
    written = list((Path(sqlite_app.instance_path) / "backups").iterdir())
    assert len(written) == 1 and re.fullmatch(r"lit-\d{8}-\d{6}\.sqlite3", written[0].name)
    assert f"Wrote {written[0]} (" in result.output

    folder = tmp_path / "nightly"
    folder.mkdir()
    result = run_lit(sqlite_app, "backup", str(folder))
    assert result.exit_code == 0, result.output
    [written] = folder.iterdir()
    assert re.fullmatch(r"lit-\d{8}-\d{6}\.sqlite3", written.name)
    assert backup.check_backup(written, REVISIONS) == []


def test_backup_does_not_overwrite_a_file_without_force(sqlite_app, tmp_path):
    existing = tmp_path / "existing.sqlite3"
    existing.write_bytes(b"yesterday's backup")
    result = run_lit(sqlite_app, "backup", str(existing))
    assert refused(result, f"{existing} already exists; nothing was written", "--force")
    assert existing.read_bytes() == b"yesterday's backup"

    result = run_lit(sqlite_app, "backup", str(existing), "--force")
    assert result.exit_code == 0, result.output
    assert backup.check_backup(existing, REVISIONS) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.sqlite3", "instance"]  # no partial file left


def test_backup_refuses_a_missing_folder(sqlite_app, tmp_path):
    result = run_lit(sqlite_app, "backup", str(tmp_path / "no" / "such" / "copy.sqlite3"))
    assert refused(result, f"The folder {tmp_path / 'no' / 'such'} does not exist")
    result = run_lit(sqlite_app, "backup", f"{tmp_path / 'nightly'}/")
    assert refused(result, f"The folder {tmp_path / 'nightly'}/ does not exist")
    assert not (tmp_path / "nightly").exists()


def _unchanged(app):
    """A check that the app's database file and folder are as they are now."""
    path = database_file(app)
    before = (path.read_bytes(), sorted(p.name for p in path.parent.iterdir()))
    return lambda: (path.read_bytes(), sorted(p.name for p in path.parent.iterdir())) == before


def test_restore_refuses_a_file_that_is_not_an_sqlite_database(sqlite_app, tmp_path):
    unchanged = _unchanged(sqlite_app)
    text = tmp_path / "notes.sqlite3"
    text.write_text("not a database\n", "utf-8")
    result = run_lit(sqlite_app, "restore", str(text), "--yes")
    assert refused(result, f"{text} is not an SQLite database", "give a file written by lit backup")
    result = run_lit(sqlite_app, "restore", str(tmp_path / "missing.sqlite3"), "--yes")
    assert refused(result, f"{tmp_path / 'missing.sqlite3'} does not exist.")
    assert unchanged()


def test_restore_refuses_an_sqlite_database_of_another_application(sqlite_app, tmp_path):
    unchanged = _unchanged(sqlite_app)
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        connection.commit()
    result = run_lit(sqlite_app, "restore", str(other), "--yes")
    assert refused(result, f"{other} is an SQLite database but not a lit-platform one",
                   "no alembic_version table")

    foreign = tmp_path / "foreign.sqlite3"
    with closing(sqlite3.connect(foreign)) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        connection.execute("INSERT INTO alembic_version VALUES ('0123456789ab')")
        connection.commit()
    result = run_lit(sqlite_app, "restore", str(foreign), "--yes")
    assert refused(result, f"{foreign} is at schema revision 0123456789ab, which this version of lit-platform "
                           "does not know")
    assert unchanged()


def test_restore_refuses_while_the_database_is_in_use(sqlite_app, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    assert run_lit(sqlite_app, "backup", str(copy)).exit_code == 0
    unchanged = _unchanged(sqlite_app)
    with closing(sqlite3.connect(database_file(sqlite_app))) as app_server:
        app_server.execute("SELECT count(*) FROM users").fetchone()
        result = run_lit(sqlite_app, "restore", str(copy), "--yes")
        assert refused(result, f"{database_file(sqlite_app)} is in use by another program", "Stop them",
                       "Nothing was changed")
    assert unchanged()
    assert run_lit(sqlite_app, "restore", str(copy), "--yes").exit_code == 0


def test_restore_asks_before_replacing_the_database(sqlite_app, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    assert run_lit(sqlite_app, "backup", str(copy)).exit_code == 0
    unchanged = _unchanged(sqlite_app)
    result = run_lit(sqlite_app, "restore", str(copy), input="n\n")
    assert f"Replace {database_file(sqlite_app)} with this backup?" in result.output
    assert refused(result, "Nothing was changed (add --yes to restore without this question).")
    result = run_lit(sqlite_app, "restore", str(copy), input="")  # no terminal, as from cron
    assert refused(result, "Nothing was changed")
    assert unchanged()
    result = run_lit(sqlite_app, "restore", str(copy), input="y\n")
    assert result.exit_code == 0, result.output
    assert "Kept the previous database as" in result.output


def test_restore_rehearsal_into_a_new_file_replaces_nothing(sqlite_app, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    assert run_lit(sqlite_app, "backup", str(copy)).exit_code == 0
    scratch = tmp_path / "rehearsal" / "restore-test.sqlite3"
    scratch.parent.mkdir()
    rehearsal = create_app(app_config(f"sqlite:///{scratch}"))
    result = run_lit(rehearsal, "restore", str(copy), "--yes")
    assert result.exit_code == 0, result.output
    assert "Kept the previous database" not in result.output
    assert f"Restored {copy} into {scratch}" in result.output
    assert backup.check_backup(scratch, REVISIONS) == []
    assert sorted(p.name for p in scratch.parent.iterdir()) == ["restore-test.sqlite3"]


def test_restore_upgrades_a_backup_from_an_older_revision(sqlite_app, tmp_path):
    old_url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    old_app = create_app(app_config(old_url))
    with old_app.app_context():
        upgrade(revision=OLDER_REVISION)
        db.session.execute(sa.text("INSERT INTO users (email, name, is_active, session_version, created_at) "
                                   "VALUES ('old@example.org', 'Old Timer', 1, 1, '2024-01-02 03:04:05')"))
        db.session.commit()
        db.engine.dispose()
    copy = tmp_path / "old-backup.sqlite3"
    result = run_lit(old_app, "backup", str(copy))
    assert result.exit_code == 0 and f"schema revision {OLDER_REVISION}" in result.output, result.output

    result = run_lit(sqlite_app, "restore", str(copy), "--yes")
    assert result.exit_code == 0, result.output
    assert f"Upgraded the schema from revision {OLDER_REVISION} to {HEAD}." in result.output
    assert query(database_file(sqlite_app), "SELECT version_num FROM alembic_version") == [(HEAD,)]
    with sqlite_app.app_context():
        assert db.session.scalar(sa.select(User.name).where(User.email == "old@example.org")) == "Old Timer"
        db.session.remove()


# PostgreSQL --------------------------------------------------------------------------------------

@only_postgresql
def test_backup_on_postgresql_writes_a_pg_dump_archive(make_app, tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not on PATH: the refusal is tested below")
    app = make_app()
    archive = tmp_path / "lit.dump"
    result = run_lit(app, "backup", str(archive))
    assert result.exit_code == 0, result.output
    assert archive.read_bytes()[:5] == b"PGDMP"
    assert f"Wrote {archive} (" in result.output
    assert re.search(r"pg_restore reads it, with the data of \d+ tables including alembic_version", result.output)
    assert refused(run_lit(app, "backup", str(archive)), "already exists", "--force")


@only_postgresql
def test_backup_on_postgresql_without_pg_dump_points_to_the_backup_docs(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run_lit(make_app(), "backup", str(tmp_path / "lit.dump"))
    assert refused(result, "pg_dump", "not on PATH", "docs/backups.md")
    assert not (tmp_path / "lit.dump").exists()


@only_postgresql
def test_restore_on_postgresql_refuses_and_points_to_pg_restore(make_app, tmp_path):
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(b"")
    result = run_lit(make_app(), "restore", str(copy), "--yes")
    assert refused(result, "SQLite backups only", "pg_restore", "Nothing was changed")
