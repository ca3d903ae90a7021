"""Reports read from a streaming replica (LIT_REPORTS_DATABASE_URL) that the test makes on 127.0.0.1.

pg_basebackup copies the test PostgreSQL server into a second cluster on a free port, started as a
hot standby streaming from it; the report's figures appear once the standby has replayed the writes.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from lit_platform import create_app
from lit_platform.audit import AuditEvent
from lit_platform.core.database import reading_reports
from lit_platform.extensions import db

from ..browser.conftest import empty_all_tables
from ..conftest import (POSTGRES_URL, BufferedClient, app_config, drop_postgres_database, migrated_database,
                        postgres_available)
from ..servers import free_port
from .test_reports import learning_json, manager, workshop  # noqa: F401  (fixtures)

# What a hot standby needs at least as large as its primary's.
STANDBY_MINIMUMS = ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
                    "max_locks_per_transaction")
HBA_LINE = "host replication all 127.0.0.1/32 trust  # added by lit-platform's replica test"


def admin_engine():
    return sa.create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1),
                            isolation_level="AUTOCOMMIT")


def as_postgres() -> list[str]:
    """The server refuses to run as root: run its programs as the postgres user then."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def server_binaries(version: int) -> Path | None:
    for folder in (Path(f"/usr/lib/postgresql/{version}/bin"), Path(f"/usr/pgsql-{version}/bin")):
        if (folder / "pg_ctl").exists() and (folder / "pg_basebackup").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found and shutil.which("pg_basebackup") else None


def allow_replication(connection) -> bool:
    """True if pg_hba.conf lets 127.0.0.1 connect for replication; adds that line (trust, as the rest of
    this test server's rules) when it is missing and the file can be written. Returns whether it was added."""
    rules = connection.execute(sa.text(
        "SELECT 1 FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND type = 'host' "
        "AND (address IS NULL OR address = '127.0.0.1' OR address = 'all') AND error IS NULL")).first()
    if rules:
        return False
    hba_file = Path(connection.execute(sa.text("SHOW hba_file")).scalar())
    if not os.access(hba_file, os.W_OK):
        pytest.skip(f"{hba_file} allows no replication from 127.0.0.1 and cannot be changed here")
    with hba_file.open("a") as out:
        out.write("\n" + HBA_LINE + "\n")
    connection.execute(sa.text("SELECT pg_reload_conf()"))
    time.sleep(0.5)
    return True


def remove_replication_line(connection) -> None:
    hba_file = Path(connection.execute(sa.text("SHOW hba_file")).scalar())
    lines = hba_file.read_text().splitlines()
    kept = [line for line in lines if line != HBA_LINE]
    while kept and not kept[-1].strip() and len(kept) < len(lines):
        kept.pop()
    hba_file.write_text("\n".join(kept) + "\n")
    connection.execute(sa.text("SELECT pg_reload_conf()"))


class Standby:
    def __init__(self, binaries: Path, primary_port: int, settings: dict[str, str]):
        self.binaries = binaries
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="lit-standby-"))
        shutil.chown(self.folder, "postgres", "postgres") if os.geteuid() == 0 else None
        self.folder.chmod(0o700)
        self.primary_port = primary_port
        self.settings = settings

    def run(self, program: str, *args: str) -> None:
        result = subprocess.run([*as_postgres(), str(self.binaries / program), *args], capture_output=True,
                                text=True, timeout=300)
        if result.returncode:
            log = self.folder / "log"
            raise AssertionError(f"{program} failed: {result.stderr}\n{log.read_text() if log.exists() else ''}")

    @property
    def slot(self) -> str:
        return f"lit_standby_{self.port}"

    def start(self) -> None:
        # A replication slot keeps the primary's WAL until the standby has it, however far a busy machine lets
        # it fall behind.
        self.run("pg_basebackup", "-D", str(self.folder), "-R", "-X", "stream", "--checkpoint=fast",
                 "-C", "-S", self.slot, "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres")
        # Debian keeps the configuration outside the data folder, so the copy has none of its own.
        config = [f"port = {self.port}", "listen_addresses = '127.0.0.1'",
                  f"unix_socket_directories = '{self.folder}'", "hot_standby = on", "shared_buffers = 16MB",
                  *(f"{name} = {value}" for name, value in self.settings.items())]
        for name, text in (("postgresql.conf", "\n".join(config)),
                           ("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust"),
                           ("pg_ident.conf", "")):
            path = self.folder / name
            path.write_text(text + "\n")
            shutil.chown(path, "postgres", "postgres") if os.geteuid() == 0 else None
        self.run("pg_ctl", "-D", str(self.folder), "-l", str(self.folder / "log"), "-w", "-t", "120", "start")

    def stop(self) -> None:
        if (self.folder / "postmaster.pid").exists():
            subprocess.run([*as_postgres(), str(self.binaries / "pg_ctl"), "-D", str(self.folder), "-m", "immediate",
                            "-w", "stop"], capture_output=True, timeout=120)
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="module")
def replica(tmp_path_factory):
    """(primary URL, standby URL) of a fresh migrated database and its streaming standby."""
    if not postgres_available():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    admin = admin_engine()
    with admin.connect() as connection:
        version = int(connection.execute(sa.text("SHOW server_version_num")).scalar()) // 10000
        settings = {name: connection.execute(sa.text(f"SHOW {name}")).scalar() for name in STANDBY_MINIMUMS}
        primary_port = int(connection.execute(sa.text("SHOW port")).scalar())
        binaries = server_binaries(version)
        if binaries is None or (os.geteuid() == 0 and not shutil.which("runuser")):
            pytest.skip("pg_basebackup and pg_ctl (PostgreSQL server binaries) are not available")
        added_line = allow_replication(connection)
        # Slots of standbys that an interrupted run left behind would keep the primary's WAL for ever.
        connection.execute(sa.text("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                                   "WHERE slot_name LIKE 'lit_standby_%' AND NOT active"))
    url = migrated_database("postgresql", tmp_path_factory)
    standby = Standby(binaries, primary_port, settings)
    try:
        standby.start()
        yield url, standby.url(sa.engine.make_url(url).database)
    finally:
        standby.stop()
        with admin.connect() as connection:
            slot = {"slot": standby.slot}
            for _ in range(100):  # the primary's sender may take a moment to notice the standby has gone
                connection.execute(sa.text("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                                           "WHERE slot_name = :slot AND NOT active"), slot)
                if not connection.execute(sa.text("SELECT 1 FROM pg_replication_slots WHERE slot_name = :slot"),
                                          slot).first():
                    break
                time.sleep(0.1)
        drop_postgres_database(url)
        if added_line:
            with admin.connect() as connection:
                remove_replication_line(connection)
        admin.dispose()


@pytest.fixture
def app(replica):
    """The app on the primary (committed), with its reports sent to the standby."""
    primary, standby = replica
    app = create_app(app_config(primary, LIT_REPORTS_DATABASE_URL=standby))
    app.test_client_class = BufferedClient
    yield app
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        for engine in db.engines.values():
            engine.dispose()


def on(url: str, statement: str, **params):
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(statement), params).scalar()
    finally:
        engine.dispose()


def replay_state(standby: str) -> str:
    """What the standby says about its replay, for a failure message."""
    return on(standby, "SELECT format('received %s, replayed %s, replay %s', pg_last_wal_receive_lsn(), "
                       "pg_last_wal_replay_lsn(), pg_get_wal_replay_pause_state())")


def wait_for_replay(standby: str, target: str, timeout: float = 300) -> float:
    """Wait until the standby has replayed the primary's WAL up to `target`; returns the seconds waited.
    The standby replays the whole server, so on a busy machine it works through every other worker's
    databases too: the timeout only stops a standby that is stuck, not one that is slow."""
    started = time.monotonic()
    while not on(standby, "SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)", lsn=target):
        assert time.monotonic() - started < timeout, \
            f"the standby did not replay up to {target} in {timeout:.0f} s: {replay_state(standby)}"
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def replay_paused(replica):
    _, standby = replica
    on(standby, "SELECT pg_wal_replay_pause()")
    yield
    on(standby, "SELECT pg_wal_replay_resume()")


def test_the_learning_report_reads_the_standby_once_it_has_caught_up(replica, replay_paused, app, workshop, manager):
    primary, standby = replica
    assert on(standby, "SELECT pg_is_in_recovery()") is True
    # The workshop's tests are committed on the primary, but the paused standby has not replayed them:
    # the report, read from the standby, does not have them yet.
    assert learning_json(manager)["summary"]["data"]["counts"]["took_pre"] == 0
    # Everything the workshop committed is before this point of the primary's WAL.
    committed_up_to = on(primary, "SELECT pg_current_wal_lsn()::text")
    on(standby, "SELECT pg_wal_replay_resume()")
    waited = wait_for_replay(standby, committed_up_to)
    print(f"\nstandby caught up {waited:.2f} s after replay resumed")
    summary = learning_json(manager)["summary"]["data"]
    assert summary["counts"]["paired"] == 6 and summary["paired"]["n"] == 6
    assert summary["paired"]["mean_diff"] == pytest.approx(25)


def test_the_reports_database_refuses_writes(replica, app):
    with app.app_context():
        assert db.engines["reports"].url.port != db.engine.url.port
        with reading_reports():
            with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
                db.session.execute(sa.insert(AuditEvent).values(action="report.write", details={}))
        db.session.rollback()
        with db.engines["reports"].connect() as connection, pytest.raises(sa.exc.DBAPIError, match="read-only"):
            connection.execute(sa.text("CREATE TABLE report_scratch (id integer)"))


def test_the_reports_engine_is_read_only_even_on_the_primary(replica):
    """A URL naming the main database by mistake still cannot be written through."""
    primary, _ = replica
    app = create_app(app_config(primary, LIT_REPORTS_DATABASE_URL=primary))
    with app.app_context():
        try:
            with reading_reports(), pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
                db.session.execute(sa.insert(AuditEvent).values(action="report.write", details={}))
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
