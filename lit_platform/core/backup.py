"""Backups of the database, taken while the app runs, checked, and brought back safely.

SQLite is copied with its online backup API inside one read transaction, so the copy is the
database as it was at one instant, whatever the app servers write meanwhile (WAL lets them carry
on). PostgreSQL is copied with `pg_dump --format=custom` and brought back with `pg_restore` by hand
(docs/backups.md). Every expected failure raises BackupError with a message that names the file,
says what is wrong and what to do; the `lit backup` and `lit restore` commands print it.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

SQLITE_HEADER = b"SQLite format 3\x00"
KEY_TABLES = ("users", "courses", "sessions", "bookings", "assessment_attempts", "audit_events")
STAMP = "%Y%m%d-%H%M%S"
BUSY_TIMEOUT_SECONDS = 30


class BackupError(Exception):
    """An expected failure of a backup or restore; the message says what to do."""


@dataclass
class DatabaseSummary:
    """What an SQLite file holds: its schema revision and the rows in every table."""

    path: Path
    size: int
    revision: str | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def tables(self) -> int:
        return len(self.counts)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def key_counts(self) -> str:
        return ", ".join(f"{name} {self.counts[name]:,}" for name in KEY_TABLES if name in self.counts)

    def describe(self) -> str:
        return (f"schema revision {self.revision}, {_plural(self.tables, 'table')}, "
                f"{_plural(self.rows, 'row')} ({self.key_counts()})")


@dataclass
class BackupSummary:
    """A backup written and checked."""

    source: str
    target: Path
    size: int
    taken_at: datetime
    copy: DatabaseSummary | None = None
    archive_tables: int | None = None

    def lines(self) -> list[str]:
        lines = [f"Wrote {self.target} ({self.size:,} bytes), a copy of {self.source} "
                 f"taken at {self.taken_at:%Y-%m-%d %H:%M:%S} UTC."]
        if self.copy is not None:
            lines.append(f"Checked the copy: integrity ok, schema revision {self.copy.revision}, "
                         f"{_plural(self.copy.tables, 'table')}, {_plural(self.copy.rows, 'row')}, the same "
                         "as the database held at that moment.")
            lines.append(f"Key tables: {self.copy.key_counts()}.")
        else:
            lines.append(f"Checked the copy: pg_restore reads it, with the data of "
                         f"{_plural(self.archive_tables, 'table')} including alembic_version.")
        return lines


@dataclass
class RestoreReport:
    """A restore done: what came back, where, and where the previous database was kept."""

    backup: DatabaseSummary
    target: Path
    kept_as: Path | None

    def lines(self) -> list[str]:
        lines = []
        if self.kept_as is not None:
            lines.append(f"Kept the previous database as {self.kept_as}.")
        lines.append(f"Restored {self.backup.path} into {self.target}: {self.backup.describe()}.")
        return lines


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


# Locations --------------------------------------------------------------------------------------

def is_sqlite(url: str) -> bool:
    return sa.engine.make_url(url).get_backend_name() == "sqlite"


def is_postgresql(url: str) -> bool:
    return sa.engine.make_url(url).get_backend_name() == "postgresql"


def sqlite_path(url_or_path: str | os.PathLike) -> Path:
    """The database file named by an SQLite URL, or the path itself."""
    text = os.fspath(url_or_path)
    if "://" not in text:
        return Path(text).resolve()
    url = sa.engine.make_url(text)
    if url.get_backend_name() != "sqlite":
        raise BackupError(f"The database is {url.get_backend_name()}, not SQLite; see "
                          "docs/backups.md.")
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise BackupError("The database is in memory, so there is no file to back up or restore; set "
                          "LIT_DATABASE_URL to an SQLite file.")
    return Path(url.database).resolve()


def backup_target(path: str | os.PathLike | None, default_folder: Path, suffix: str,
                  now: datetime | None = None) -> Path:
    """Where a backup goes: PATH, or lit-YYYYMMDD-HHMMSS<suffix> (UTC) in PATH or the default folder."""
    name = f"lit-{(now or utcnow()):{STAMP}}{suffix}"
    if path is None:
        try:
            default_folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BackupError(f"Could not create the folder {default_folder}: {error.strerror or error}; "
                              "give a PATH for the backup.") from None
        return default_folder / name
    if os.fspath(path).endswith(("/", os.sep)) and not Path(path).is_dir():
        raise BackupError(f"The folder {path} does not exist; create it or choose another path.")
    path = Path(path)
    return path / name if path.is_dir() else path


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _check_writable_target(target: Path, force: bool) -> None:
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name, or the folder without --force.")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists; nothing was written. Choose another file, or add "
                          "--force to replace it.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist; create it or choose another path.")


def _partial(target: Path, purpose: str) -> Path:
    """A temporary file beside the target, so that os.replace can put it in place atomically."""
    return target.parent / f".{target.name}.{purpose}-{os.getpid()}.tmp"


def _discard(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _connect(path: Path, mode: str, timeout: float = BUSY_TIMEOUT_SECONDS) -> sqlite3.Connection:
    """A connection in autocommit (transactions are explicit), that never creates the file."""
    return sqlite3.connect(f"{path.as_uri()}?mode={mode}", uri=True, isolation_level=None, timeout=timeout)


# Reading SQLite files -----------------------------------------------------------------------------

def _table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: connection.execute(f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
            for name in names}


def _revision(connection: sqlite3.Connection) -> str | None:
    if not connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone():
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else ""


def migration_revisions(directory: str | os.PathLike) -> tuple[set[str], str]:
    """Every schema revision this code knows, and the latest (head)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(os.fspath(directory))
    return {revision.revision for revision in script.walk_revisions()}, script.get_current_head()


def check_backup(path: str | os.PathLike, revisions: set[str] | None = None) -> list[str]:
    """Problems that make a file unfit to restore (none: it is sound); revisions: those this code knows."""
    problems, _ = _inspect(Path(path), revisions)
    return problems


def inspect_backup(path: str | os.PathLike, revisions: set[str] | None = None) -> DatabaseSummary:
    """The summary of a sound backup; BackupError listing every problem otherwise."""
    problems, summary = _inspect(Path(path), revisions)
    if problems:
        raise BackupError("\n".join(problems))
    return summary


def _inspect(path: Path, revisions: set[str] | None) -> tuple[list[str], DatabaseSummary | None]:
    if not path.exists():
        return [f"{path} does not exist."], None
    if not path.is_file():
        return [f"{path} is not a file; give the path of a backup written by lit backup."], None
    with open(path, "rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            return [f"{path} is not an SQLite database (it lacks the SQLite file header); give a file "
                    "written by lit backup."], None
    try:
        with closing(_connect(path.resolve(), "ro")) as connection:
            result = [row[0] for row in connection.execute("PRAGMA integrity_check(10)")]
            if result != ["ok"]:
                return [f"{path} is damaged: SQLite's integrity check reports " + "; ".join(result)
                        + ". Use an earlier backup."], None
            revision = _revision(connection)
            counts = _table_counts(connection)
    except sqlite3.DatabaseError as error:
        return [f"{path} cannot be read as an SQLite database ({error}); give a file written by "
                "lit backup."], None
    summary = DatabaseSummary(path, path.stat().st_size, revision, counts)
    if revision is None:
        return [f"{path} is an SQLite database but not a lit-platform one: it has no alembic_version "
                "table. Give a file written by lit backup."], summary
    if not revision:
        return [f"{path} has an empty alembic_version table, so its schema is unknown; give a file "
                "written by lit backup."], summary
    if revisions is not None and revision not in revisions:
        return [f"{path} is at schema revision {revision}, which this version of lit-platform does not "
                "know: it comes from a newer version or from another application. Upgrade "
                "lit-platform first, or choose another backup."], summary
    return [], summary


# Backup -------------------------------------------------------------------------------------------

def backup_sqlite(url_or_path: str | os.PathLike, target: str | os.PathLike, *, force: bool = False) -> BackupSummary:
    """Copy a live SQLite database to target with the online backup API, check the copy, and describe it.

    The copy is made inside one read transaction, whose row counts it must then match; it is written
    beside the target and moved into place only once checked, so a failed backup leaves nothing
    behind and an existing file is replaced (with force) in one step.
    """
    source = sqlite_path(url_or_path)
    target = Path(target).resolve()
    if not source.is_file():
        raise BackupError(f"The database {source} does not exist; check LIT_DATABASE_URL, or create it "
                          "with lit db upgrade.")
    if target == source:
        raise BackupError(f"{target} is the database itself; choose another file for the backup.")
    _check_writable_target(target, force)
    partial = _partial(target, "backup")
    _discard(partial)
    try:
        with closing(_connect(source, "rw")) as connection:
            connection.execute("BEGIN")
            taken_at = utcnow()
            if not _revision(connection):
                raise BackupError(f"The database {source} has no schema revision (alembic_version): it is not "
                                  "a lit-platform database, or lit db upgrade has not been run on it. Nothing "
                                  "was written.")
            expected = _table_counts(connection)
            with closing(sqlite3.connect(partial, isolation_level=None)) as copy:
                connection.backup(copy)
                copy.execute("PRAGMA journal_mode=DELETE")
            connection.execute("COMMIT")
        _fsync(partial)
        problems, summary = _inspect(partial, None)
        if not problems and summary.counts != expected:
            problems = ["the copy's row counts differ from the database's at the moment of the copy"]
        if problems:
            raise BackupError(f"The copy of {source} failed its check, so nothing was written to {target}: "
                              + " ".join(problems).replace(str(partial), "the copy")
                              + f" Run PRAGMA integrity_check on {source}.")
        os.replace(partial, target)
    except sqlite3.DatabaseError as error:
        _discard(partial)
        raise BackupError(f"Could not back up {source} to {target}: {error}.") from None
    except OSError as error:
        _discard(partial)
        raise BackupError(f"Could not write {target}: {error.strerror or error}.") from None
    except BackupError:
        _discard(partial)
        raise
    summary.path = target
    return BackupSummary(str(source), target, target.stat().st_size, taken_at, copy=summary)


def _libpq_url(url: str) -> tuple[str, str | None]:
    """The URL as libpq reads it (no SQLAlchemy driver), and its password, passed apart."""
    parsed = sa.engine.make_url(url)
    password = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), password


def backup_postgresql(url: str, target: str | os.PathLike, *, force: bool = False) -> BackupSummary:
    """Dump a PostgreSQL database with `pg_dump --format=custom`, check that pg_restore reads it, describe it."""
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if not pg_dump or not pg_restore:
        raise BackupError("The database is PostgreSQL, which lit backup copies with pg_dump and checks with "
                          "pg_restore, and they are not on PATH. Install the PostgreSQL client tools (Debian: "
                          "apt-get install postgresql-client, the same major version as the server), or run "
                          "pg_dump as docs/backups.md shows.")
    target = Path(target).resolve()
    _check_writable_target(target, force)
    libpq_url, password = _libpq_url(url)
    shown = sa.engine.make_url(libpq_url).render_as_string(hide_password=True)
    environment = dict(os.environ, PGPASSWORD=password) if password else None
    partial = _partial(target, "backup")
    _discard(partial)
    taken_at = utcnow()
    try:
        dump = subprocess.run([pg_dump, "--format=custom", f"--file={partial}", f"--dbname={libpq_url}"],
                              env=environment, capture_output=True, text=True)
        if dump.returncode != 0:
            raise BackupError(f"pg_dump could not back up {shown}, so nothing was written to {target}: "
                              f"{_last_lines(dump.stderr)}")
        listing = subprocess.run([pg_restore, "--list", str(partial)], capture_output=True, text=True)
        tables = [line for line in listing.stdout.splitlines() if " TABLE DATA " in line]
        if listing.returncode != 0:
            raise BackupError(f"pg_restore cannot read the dump of {shown}, so nothing was written to {target}: "
                              f"{_last_lines(listing.stderr)}")
        if not any(" alembic_version " in line for line in tables):
            raise BackupError(f"The database {shown} has no schema revision (alembic_version): it is not a "
                              "lit-platform database, or lit db upgrade has not been run on it. Nothing was "
                              "written.")
        _fsync(partial)
        os.replace(partial, target)
    except OSError as error:
        _discard(partial)
        raise BackupError(f"Could not write {target}: {error.strerror or error}.") from None
    except BackupError:
        _discard(partial)
        raise
    return BackupSummary(shown, target, target.stat().st_size, taken_at, archive_tables=len(tables))


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[-count:]) or "no message"


# Restore ------------------------------------------------------------------------------------------

def _in_use_error(target: Path) -> BackupError:
    return BackupError(f"{target} is in use by another program (an app server, lit outbox send, a cron "
                       "job or an SQLite shell). Stop them, run lit restore again, then start them again. "
                       "Nothing was changed.")


def _lock_exclusively(target: Path) -> sqlite3.Connection:
    """A connection holding the database's exclusive lock, which fails while any other connection is open.

    In WAL mode every open connection keeps a shared lock on the file, so an exclusive lock is only
    granted when nothing else has the database open.
    """
    connection = _connect(target, "rw", timeout=1)
    try:
        connection.execute("PRAGMA locking_mode=EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("COMMIT")
    except sqlite3.OperationalError as error:
        connection.close()
        if "locked" in str(error) or "busy" in str(error):
            raise _in_use_error(target) from None
        raise BackupError(f"Could not open the database {target}: {error}.") from None
    except sqlite3.DatabaseError as error:
        connection.close()
        raise BackupError(f"The current database {target} cannot be read ({error}); move it away by hand "
                          "and run lit restore again.") from None
    return connection


def refuse_if_in_use(target: Path) -> None:
    """BackupError when another connection has the database open; nothing is changed either way."""
    if target.exists():
        _lock_exclusively(target).close()


def _kept_name(target: Path, now: datetime) -> Path:
    kept = target.with_name(f"{target.name}.before-restore-{now:{STAMP}}")
    number = 1
    while kept.exists():
        number += 1
        kept = target.with_name(f"{target.name}.before-restore-{now:{STAMP}}-{number}")
    return kept


def _copy_sqlite(source: sqlite3.Connection, destination: Path) -> None:
    with closing(sqlite3.connect(destination, isolation_level=None)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    _fsync(destination)


def restore_sqlite(backup: str | os.PathLike, url_or_path: str | os.PathLike, revisions: set[str] | None,
                   now: datetime | None = None) -> RestoreReport:
    """Replace the database with a checked backup, keeping the current one as <name>.before-restore-<time>.

    Refuses while another connection has the database open. Under its exclusive lock the current
    database (with its WAL) is copied aside and checkpointed; the backup is copied beside the
    database and moved over it with os.replace, so the database is always either the old or the
    new one. The schema is left at the backup's revision: the caller upgrades it.
    """
    summary = inspect_backup(backup, revisions)
    target = sqlite_path(url_or_path)
    if Path(backup).resolve() == target:
        raise BackupError(f"{target} is the database itself; give the path of a backup.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} for the database does not exist; create it and "
                          "run lit restore again.")
    now = now or utcnow()
    kept = _kept_name(target, now) if target.exists() else None
    partial = _partial(target, "restore")
    _discard(partial)
    try:
        if kept is not None:
            with closing(_lock_exclusively(target)) as current:
                _copy_sqlite(current, kept)
                current.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            for leftover in ("-wal", "-shm", "-journal"):
                _discard(target.with_name(target.name + leftover))
        with closing(_connect(Path(backup).resolve(), "ro")) as source:
            _copy_sqlite(source, partial)
        if kept is not None:
            shutil.copymode(kept, partial)
        os.replace(partial, target)
    except (sqlite3.DatabaseError, OSError) as error:
        _discard(partial, kept)
        detail = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise BackupError(f"Could not restore {backup} into {target}: {detail}. Nothing was changed.") from None
    except BackupError:
        _discard(partial, kept)
        raise
    _fsync_folder(target.parent)
    summary.path = Path(backup).resolve()
    return RestoreReport(summary, target, kept)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
