"""SQLite writers queue for the write lock instead of sleeping in SQLite's busy handler.

SQLite only: the queue exists for the embedded database (PostgreSQL locks rows, not the file).
"""
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

from lit_platform import create_app
from lit_platform.extensions import db

from ..conftest import app_config


@pytest.fixture
def engine(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'writers.sqlite3'}"))
    with app.app_context():
        engine = db.engine
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
            connection.exec_driver_sql("INSERT INTO counter VALUES (0)")
        yield engine
        engine.dispose()


def writing(engine, busy_timeout_ms: int):
    """A connection whose transactions begin with BEGIN IMMEDIATE, waiting at most `busy_timeout_ms` in SQLite."""
    connection = engine.connect().execution_options(sqlite_begin="IMMEDIATE")
    connection.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    return connection


def test_concurrent_writers_never_find_the_lock_taken_and_lose_no_update(engine):
    # With no busy timeout at all, a writer that met the lock held would fail at once with "database is
    # locked": every one of these succeeds because each waits its turn in the queue first.
    def work(rolls_back: bool):
        with writing(engine, 0) as connection:
            for _ in range(25):
                transaction = connection.begin()
                n = connection.exec_driver_sql("SELECT n FROM counter").scalar()
                connection.exec_driver_sql("UPDATE counter SET n = ?", (n + 1,))
                time.sleep(0.0005)
                (transaction.rollback if rolls_back else transaction.commit)()

    errors = []

    def run(rolls_back):
        try:
            work(rolls_back)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n % 4 == 3,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT n FROM counter").scalar() == 6 * 25  # two threads rolled back


def test_a_thread_writing_on_two_connections_does_not_wait_for_itself(engine):
    with writing(engine, 200) as first, writing(engine, 200) as second:
        first.begin()
        first.exec_driver_sql("UPDATE counter SET n = 1")
        started = time.monotonic()
        with pytest.raises(OperationalError, match="locked"):
            second.begin()  # SQLite's own answer after its busy timeout, not a hang in the queue
        assert time.monotonic() - started < 5
        first.commit()
    with writing(engine, 0) as third, third.begin():  # the queue was left
        third.exec_driver_sql("UPDATE counter SET n = 2")
