"""Whether the data a report read has changed since: one version per kind of data (`data_versions`).

Every transaction that changes report data gives that kind a new version just before it commits, in
the same transaction, so a cached report (reports/cache.py) whose key holds the versions it was built
with is stale the moment the change is committed, in every process. The changes are noticed by
SQLAlchemy session events, for objects flushed by the unit of work and for insert/update/delete
statements run through the session, so no service has to remember to say so.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from ..core.types import utcnow
from .models import DataVersion

#: table -> (kind, the columns whose change the reports see; None: any change)
TRACKED: dict[str, tuple[str, frozenset[str] | None]] = {
    "assessment_results": ("results", None),
    "session_survey_responses": ("feedback", None),
    "bookings": ("bookings", None),
    "sessions": ("sessions", None),
    "session_facilitators": ("sessions", None),
    "session_units": ("sessions", None),
    # Opening a module moves last_module_id: not something a report shows.
    "enrolments": ("enrolments", frozenset({"course_id", "user_id", "enrolled_at", "completed_at"})),
    "courses": ("content", None),
    "learning_outcomes": ("content", None),
    "instruments": ("content", None),
    "instrument_items": ("content", None),
    "confidence_items": ("content", None),
    "questions": ("content", None),
    "question_versions": ("content", None),
    # Signing in changes last_login_at and session_version, which no report reads.
    "users": ("people", frozenset({"name", "org_unit_id"})),
    "org_units": ("people", None),
}
KINDS = tuple(sorted({kind for kind, _ in TRACKED.values()}))

#: the kinds of data each report reads
REPORT_DATA = {
    "learning": ("results", "content", "people", "sessions"),
    "reaction": ("feedback", "sessions", "people", "content"),
    "reach": ("bookings", "sessions", "enrolments", "people", "content"),
}

_CHANGED = "lit_report_data_changed"
_installed = False


def current_versions() -> dict[str, str]:
    """Every kind's current version, in one statement (read where the report reads: the replica, if any)."""
    from ..extensions import db

    return dict(db.session.execute(select(DataVersion.kind, DataVersion.version)).all())


def versions_for(report_kind: str, versions: dict[str, str]) -> dict[str, str]:
    """The versions of the data one report reads ("" for a kind with no row yet)."""
    return {kind: versions.get(kind, "") for kind in REPORT_DATA[report_kind]}


def mark_changed(session: Session, kinds: Iterable[str]) -> None:
    """Record that this transaction changes these kinds of data (done for you for tracked tables)."""
    session.info.setdefault(_CHANGED, set()).update(kinds)


def bump(session: Session, kinds: Iterable[str]) -> None:
    """Give these kinds a new version now, inside the session's transaction."""
    kinds = sorted(set(kinds))
    if not kinds:
        return
    token, now = secrets.token_hex(16), utcnow()
    result = session.execute(update(DataVersion).where(DataVersion.kind.in_(kinds))
                             .values(version=token, changed_at=now))
    if result.rowcount != len(kinds):
        present = set(session.scalars(select(DataVersion.kind).where(DataVersion.kind.in_(kinds))))
        session.add_all(DataVersion(kind=kind, version=token, changed_at=now) for kind in kinds if kind not in present)
        session.flush()


def _changed_columns(instance) -> set[str]:
    state = inspect(instance)
    return {attribute.key for attribute in state.attrs if attribute.history.has_changes()}


def _after_flush(session: Session, flush_context) -> None:
    kinds = set()
    for instance in (*session.new, *session.deleted):
        entry = TRACKED.get(getattr(instance, "__tablename__", ""))
        if entry:
            kinds.add(entry[0])
    for instance in session.dirty:
        entry = TRACKED.get(getattr(instance, "__tablename__", ""))
        if entry and (entry[1] is None or entry[1] & _changed_columns(instance)):
            kinds.add(entry[0])
    if kinds:
        mark_changed(session, kinds)


def _statement_table(statement):
    table = getattr(statement, "table", None)
    return getattr(table, "name", None)


def _on_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    entry = TRACKED.get(_statement_table(state.statement) or "")
    if entry:
        mark_changed(state.session, [entry[0]])


def _before_commit(session: Session) -> None:
    # The commit flushes only after this hook: flush now, so that what it writes is counted.
    if session.new or session.dirty or session.deleted:
        session.flush()
    kinds = session.info.pop(_CHANGED, None)
    if kinds:
        bump(session, kinds)


def _forget(session: Session, previous_transaction) -> None:
    # A savepoint rolled back leaves the outer transaction's changes to be counted (counting too much is harmless).
    if previous_transaction.parent is None and not previous_transaction.nested:
        session.info.pop(_CHANGED, None)


def track_changes() -> None:
    """Install the session events (once per process; every Session, Flask-SQLAlchemy's included)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _on_execute)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_soft_rollback", _forget)
    _installed = True
