"""Transactions that write take SQLite's write lock up front.

A deferred SQLite transaction that reads and then writes fails at once with "database is locked"
when another writer got there first; starting with BEGIN IMMEDIATE makes it wait its turn instead.
"""
from flask import request

from ..extensions import db

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

    On PostgreSQL, VACUUM reclaims dead row versions in its own time (autovacuum); see the README.
    """
    if db.engine.dialect.name == "sqlite":
        db.session.commit()
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
