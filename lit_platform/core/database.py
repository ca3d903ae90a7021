"""Transactions that write take SQLite's write lock up front.

A deferred SQLite transaction that reads and then writes fails at once with "database is locked"
when another writer got there first; starting with BEGIN IMMEDIATE makes it wait its turn instead.
"""
import logging
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
    or the next erasure's). On PostgreSQL, VACUUM reclaims dead row versions in its own time (see the README).
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
