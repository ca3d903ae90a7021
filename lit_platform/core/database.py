"""Transactions that write take SQLite's write lock up front.

A deferred SQLite transaction that reads and then writes fails at once with "database is locked"
when another writer got there first; starting with BEGIN IMMEDIATE makes it wait its turn instead.
"""
from flask import current_app, request

from ..extensions import db

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def writes_on_get(view):
    """Mark a GET view that records something (e.g. progress), so it gets the write lock too."""
    view.writes_on_get = True
    return view


def begin_writes_immediately() -> None:
    if db.engine.dialect.name != "sqlite":
        return
    view = current_app.view_functions.get(request.endpoint)
    if request.method not in SAFE_METHODS or getattr(view, "writes_on_get", False):
        db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def init_database(app) -> None:
    app.before_request(begin_writes_immediately)
