"""Transactions that write take SQLite's write lock up front.

A deferred SQLite transaction that reads and then writes fails at once with "database is locked"
when another writer got there first; starting with BEGIN IMMEDIATE makes it wait its turn instead.
"""
import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import request

from ..extensions import REPORTS_BIND, db

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def begin_writes_immediately() -> None:
    if db.engine.dialect.name != "sqlite":
        return
    if request.method not in SAFE_METHODS:
        db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def init_database(app) -> None:
    app.before_request(begin_writes_immediately)


def start_write_transaction() -> None:
    """End the current (read) transaction and begin one that may write.

    For a GET that needs to write only now and then: on SQLite the new transaction takes the write
    lock at once, so it waits for other writers instead of failing.
    """
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def forget_erased_data() -> None:
    """After an erasure has been committed: on SQLite, copy the write-ahead log into the database file and
    empty it, so that the erased rows' old versions (zeroed by secure_delete) are gone from both files.

    The checkpoint waits at most half a second for other connections' reads to end; if one is still
    running, what is committed is copied now and the log is emptied by a later checkpoint (SQLite's own,
    or the next erasure's). On PostgreSQL, VACUUM reclaims dead row versions in its own time (see docs/personal-data.md).
    """
    if db.engine.dialect.name != "sqlite":
        return
    db.session.commit()
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA busy_timeout=500")
        try:
            busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
            if busy:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
                logging.getLogger(__name__).warning(
                    "After an erasure the SQLite log could not be emptied while other connections were reading; "
                    "it will be by the next checkpoint.")
        finally:
            connection.exec_driver_sql("PRAGMA busy_timeout=30000")


@contextmanager
def reading_reports() -> Iterator[None]:
    """Send this block's statements to the reports database (LIT_REPORTS_DATABASE_URL) when one is set.

    For reads only: the reports engine's transactions are read-only, and a standby refuses writes
    anyway. Changes made before the block are flushed to the main database first. A standby lags
    the main database by a moment, so a report may not yet show what was committed just before.
    """
    if REPORTS_BIND not in db.engines:
        yield
        return
    session = db.session()
    if session.info.get(REPORTS_BIND):
        yield
        return
    session.flush()
    session.info[REPORTS_BIND] = True
    try:
        yield
    finally:
        session.info.pop(REPORTS_BIND, None)


class SQLiteWriterQueue:
    """Writers to one SQLite file wait for each other in a queue instead of in SQLite's busy handler.

    SQLite lets one transaction write at a time. A `BEGIN IMMEDIATE` that finds the write lock taken is
    retried by the busy handler after sleeps of 1, 2, 5, 10 ... 100 ms, and a writer that wakes just
    after another took the lock sleeps again: under steady writes from several threads and processes
    most saves take a millisecond and a few take hundreds. Here every `BEGIN IMMEDIATE` first takes an
    exclusive lock (flock) on `<database>-writers`, which the kernel hands to the next waiter as soon
    as the holder commits or rolls back, so that writers follow each other without sleeping. The busy
    timeout still covers writes that do not start with BEGIN IMMEDIATE, and other programs.
    """

    KEY = "lit_writer_lock"
    #: threads holding the queue: one that opens a second connection to write does not wait for itself
    _holders: set[int] = set()

    @classmethod
    def enter(cls, connection) -> bool:
        """Before BEGIN IMMEDIATE on `connection` (SQLAlchemy's); True when the queue was taken."""
        path = connection.engine.url.database
        thread = threading.get_ident()
        if not path or path == ":memory:" or path.startswith("file:") or thread in cls._holders:
            return False
        info = connection.connection.info
        fd = info.get(cls.KEY)
        if fd is None:
            fd = info[cls.KEY] = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        info[cls.KEY + "_holder"] = thread
        cls._holders.add(thread)
        return True

    @classmethod
    def leave(cls, info) -> None:
        thread = info.pop(cls.KEY + "_holder", None)
        if thread is not None:
            fcntl.flock(info[cls.KEY], fcntl.LOCK_UN)
            cls._holders.discard(thread)

    @classmethod
    def finish(cls, connection, end: str) -> None:
        """At commit or rollback: end the transaction in SQLite first, then let the next writer in."""
        info = connection.connection.info
        if cls.KEY + "_holder" not in info:
            return
        try:
            getattr(connection.connection.dbapi_connection, end)()  # SQLAlchemy's own call is then a no-op
        finally:
            cls.leave(info)

    @classmethod
    def forget(cls, connection_record) -> None:
        """The pooled connection is returned: never keep the queue past it."""
        cls.leave(connection_record.info)

    @classmethod
    def close(cls, connection_record) -> None:
        cls.leave(connection_record.info)
        fd = connection_record.info.pop(cls.KEY, None)
        if fd is not None:
            os.close(fd)
