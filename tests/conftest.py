"""Fixtures shared by the whole suite.

Every database test runs twice: on SQLite and on PostgreSQL (LIT_TEST_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/test). The run migrates one template database of each kind to head;
each pytest-xdist worker gets its own copies of it (a worker's database for the rolled-back tests, and fresh
copies for tests that commit), so workers never share a database. Each test runs inside a transaction that
is rolled back at the end.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import time
import uuid
from contextlib import closing
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa
from filelock import FileLock
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from lit_platform import create_app
from lit_platform.config import normalise_database_url
from lit_platform.extensions import db

from . import factories
from .parallel import pytest_cmdline_main, pytest_xdist_make_scheduler  # noqa: F401  (hooks: how runs go parallel)
from .servers import redis_server  # noqa: F401  (a fixture for any test that needs Redis)
from .url_builders import share_url_builders

share_url_builders()

POSTGRES_URL = os.environ.get("LIT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: this process's pytest-xdist worker ("gw0", "gw1" ...), or "" when the suite runs in one process
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

_postgres_problem: list[str] = []


def pytest_configure(config):
    # One id for the whole run, shared by its workers (they inherit the environment), naming its template databases.
    if not hasattr(config, "workerinput"):
        os.environ["LIT_TEST_RUN"] = uuid.uuid4().hex[:10]


def run_id() -> str:
    return os.environ.setdefault("LIT_TEST_RUN", uuid.uuid4().hex[:10])


class BufferedClient(FlaskClient):
    """Reads every response at once, so each request's context ends with the request (as in production)."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def app_config(database_url: str, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LIT_ENV": "testing",
        "SERVER_NAME": None,
        "LIT_SMTP_HOST": "127.0.0.1",
        "LIT_SMTP_PORT": 1,
        # Real scrypt at 1/32 of the standard cost: the suite creates and signs in thousands of accounts.
        # Tests about hashing and sign-in timing set the standard cost back.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    config.update(overrides)
    return config


# PostgreSQL availability --------------------------------------------------------------------

class SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept across the suite's many apps (one per test): each app's Jinja environment
    would otherwise parse and compile every template it renders again. A template whose source changed is
    compiled afresh (Jinja compares a checksum of the source)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedBytecodeCache()


def build_app(config: dict):
    """create_app, sharing compiled templates with the suite's other apps."""
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    return app


def _try_connect(url: str) -> str | None:
    engine = sa.create_engine(normalise_database_url(url), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        return None
    except sa.exc.OperationalError as error:
        return str(error.orig).strip().splitlines()[0]
    finally:
        engine.dispose()


def _start_postgres() -> None:
    """Start the local cluster the way the machine's services are started, if it is down."""
    if not shutil.which("pg_ctlcluster") or not Path("/etc/postgresql").is_dir():
        return
    for version in os.listdir("/etc/postgresql"):
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                       capture_output=True, timeout=60)


def postgres_available() -> bool:
    if _postgres_problem:
        return _postgres_problem[0] == ""
    problem = _try_connect(POSTGRES_URL)
    if problem:
        _start_postgres()
        for _ in range(20):
            problem = _try_connect(POSTGRES_URL)
            if not problem:
                break
            time.sleep(0.5)
    _postgres_problem.append(problem or "")
    return not problem


def pytest_report_header(config):
    if postgres_available():
        return f"databases: SQLite and PostgreSQL ({POSTGRES_URL})"
    return (f"databases: SQLite only - PostgreSQL is not reachable at {POSTGRES_URL} "
            f"({_postgres_problem[0]}); the PostgreSQL half of the suite is skipped")


def postgres_database_url(name: str) -> str:
    return sa.engine.make_url(normalise_database_url(POSTGRES_URL)).set(database=name).render_as_string(
        hide_password=False)


def create_postgres_database(template: str | None = None) -> str:
    """Create a database on the test server (empty, or a copy of `template`) and return its URL.
    Its name carries the worker's id, so what a worker leaves behind can be told apart."""
    name = f"lit_test_{WORKER or 'main'}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return postgres_database_url(name)


def drop_postgres_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def new_database(kind: str, tmp_path_factory) -> str:
    """An empty database of the given kind; skips when PostgreSQL is unavailable."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'lit.sqlite3'}"
    if not postgres_available():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: PostgreSQL half skipped")
    return create_postgres_database()


def migrate_to_head(url: str) -> None:
    app = build_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


# Template databases: migrated once per run, copied for each worker and each test that commits ---------------

def shared_temp(tmp_path_factory) -> Path:
    """The run's temporary folder that all its workers see (each worker's own is a folder inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if WORKER else base


def template_name() -> str:
    return f"lit_template_{run_id()}"


def _postgres_database_exists(connection, name: str) -> bool:
    return connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() \
        is not None


def _build_templates_once(kind: str, tmp_path_factory) -> Path | str:
    """The run's template of that kind (the SQLite file, or the PostgreSQL database's name), migrated to head by
    whichever worker asks first while the others wait on the lock. Called with the lock held."""
    shared = shared_temp(tmp_path_factory)
    if kind == "sqlite":
        template = shared / "template.sqlite3"
        if not template.exists():
            building = shared / "template-building.sqlite3"
            building.unlink(missing_ok=True)
            migrate_to_head(f"sqlite:///{building}")
            with closing(sqlite3.connect(building)) as connection:
                connection.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            building.rename(template)
        return template
    name = template_name()
    admin = sa.create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if not _postgres_database_exists(connection, name):
                # Built under another name and renamed when complete, so a half-built one is never copied.
                building = f"{name}_building"
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)'))
                connection.execute(sa.text(f'CREATE DATABASE "{building}"'))
                migrate_to_head(postgres_database_url(building))
                connection.execute(sa.text(f'ALTER DATABASE "{building}" RENAME TO "{name}"'))
    finally:
        admin.dispose()
    return name


def migrated_database(kind: str, tmp_path_factory) -> str:
    """A new database of the given kind at head (a copy of the run's template) that no other worker uses;
    skips when PostgreSQL is unavailable."""
    if kind == "postgresql" and not postgres_available():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: PostgreSQL half skipped")
    # The lock also covers the copying: PostgreSQL refuses to copy a template that another session is using.
    with FileLock(shared_temp(tmp_path_factory) / f"template-{kind}.lock", timeout=600):
        template = _build_templates_once(kind, tmp_path_factory)
        if kind == "postgresql":
            return create_postgres_database(template=template)
    path = tmp_path_factory.mktemp("db") / "lit.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


_worker_databases: dict[str, str] = {}


def worker_database(kind: str, tmp_path_factory, purpose: str = "") -> str:
    """This worker's database of that kind (and purpose), copied from the template the first time it is asked
    for and kept until the worker ends. Session fixtures parametrized by kind are set up again each time the
    tests switch kinds (in parallel runs, at most modules); they all get the same database back."""
    key = f"{purpose}{kind}"
    if key not in _worker_databases:
        _worker_databases[key] = migrated_database(kind, tmp_path_factory)
    return _worker_databases[key]


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        drop_postgres_database(url)


def pytest_sessionfinish(session):
    for url in _worker_databases.values():
        drop_database(url)
    _worker_databases.clear()
    postgres_used = (shared_temp(session.config._tmp_path_factory) / "template-postgresql.lock").exists()
    if not hasattr(session.config, "workerinput") and postgres_used:
        # The controller (or the single process of a serial run) drops the template once every worker is done.
        admin = sa.create_engine(normalise_database_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in (template_name(), f"{template_name()}_building"):
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# Databases and the app ----------------------------------------------------------------------

@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """This worker's database of each kind, at head, for the tests that roll back what they do."""
    return worker_database(request.param, tmp_path_factory)


@pytest.fixture
def app_overrides() -> dict:
    """Settings of the `app` fixture besides the test defaults; a folder's conftest overrides it."""
    return {}


@pytest.fixture
def app(database_url, app_overrides):
    """The app on one database connection whose transaction is rolled back after the test.

    Every app context gets its own session (as in production), bound to that connection and
    using savepoints, so commits in views and services work and vanish at the end.
    """
    app = build_app(app_config(database_url, **app_overrides))
    app.test_client_class = BufferedClient
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
    original_session = db.session
    db.session = scoped_session(
        sessionmaker(class_=Session, bind=connection, join_transaction_mode="create_savepoint"),
        scopefunc=_app_ctx_id,
    )
    try:
        yield app
    finally:
        db.session = original_session
        outer.rollback()
        connection.close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def committed_url(request, tmp_path_factory):
    """A fresh database at head, shared by one module's tests, that they commit to for real."""
    url = migrated_database(request.param, tmp_path_factory)
    yield url
    drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def committed(request, tmp_path_factory):
    """(url, app) on a fresh database at head that the test really commits to, so that other connections,
    threads and processes see its writes; emptied (and dropped, on PostgreSQL) afterwards."""
    from .browser.conftest import empty_all_tables

    url = migrated_database(request.param, tmp_path_factory)
    app = create_app(app_config(url))
    yield url, app
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()
    drop_database(url)


@pytest.fixture
def committed_app(committed):
    return committed[1]


def run_at_once(app, job, runners: int = 3, before=None) -> list:
    """Run `job()` in `runners` threads that start together, each in its own app context and committing its
    own work, as cron on several machines would; returns what each returned, and fails if any raised.
    `before()` runs in each thread's context before it waits for the others."""
    import threading

    barrier = threading.Barrier(runners)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                if before is not None:
                    before()
                barrier.wait(10)
                results.append(job())
                db.session.commit()
                db.session.remove()
        except Exception as error:  # reported below: a failed run must fail the test
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


#: statements the test harness runs around each unit of work (savepoints) that production would not
HARNESS_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


@pytest.fixture
def count_queries(app):
    """`with count_queries() as statements:` collects the SQL statements run inside the block (Indico's
    fixture): an N+1 shows as a count that grows with the data. The test harness's savepoints are left out."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(connection, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(HARNESS_STATEMENTS):
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def make_app(database_url):
    """Build extra apps on the test database (other settings, several servers); engines closed after."""
    apps = []

    def _make_app(**overrides):
        apps.append(build_app(app_config(database_url, **overrides)))
        return apps[-1]

    yield _make_app
    for extra in apps:
        with extra.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replaces pytest-flask's fixture: each request gets its own context, as in production."""
    yield


@pytest.fixture
def client(app):
    """Replaces pytest-flask's client, whose `with` block keeps each request's context (and `g`,
    where Flask-Login caches the user) alive into the next request."""
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An app context for calling services directly; commit to make changes visible to requests."""
    with app.app_context():
        yield


@pytest.fixture
def make(app):
    """Factories that create rows and commit them (inside the test's rolled-back transaction)."""
    return factories.Factories(app)


# Clients and signing in -----------------------------------------------------------------------

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_META.search(html) or CSRF_INPUT.search(html)
    assert match, "no CSRF token on the page"
    return next(group for group in match.groups() if group)


class Actions:
    """Sign in and send forms the way a browser does, CSRF token included."""

    def __init__(self, client):
        self.client = client

    def token(self, page: str = "/") -> str:
        return csrf_token_from(self.client.get(page).get_data(as_text=True))

    def post(self, url: str, data: dict | None = None, page: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(page or url if page is not None else "/"))
        return self.client.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = factories.PASSWORD, **kwargs):
        return self.post("/account/login", {"email": email, "password": password}, page="/account/login",
                         **kwargs)

    def logout(self):
        return self.post("/account/logout")


@pytest.fixture
def actions(client):
    return Actions(client)


@pytest.fixture
def sign_in(app, make):
    """sign_in("librarian") -> (client, user): a fresh client signed in as a new user with that role."""

    def _sign_in(*roles: str, **user_fields):
        user = make.user(roles=list(roles) or ["learner"], **user_fields)
        client = app.test_client()
        response = Actions(client).login(user.email)
        assert response.status_code == 302, "sign-in failed"
        return client, user

    return _sign_in


# Shared by the assessment and report tests ------------------------------------------------------

@pytest.fixture
def course_id(app, tmp_path):
    """The demo course, whose instrument has two items (DS1, DS2) and one confidence statement."""
    from sqlalchemy import select

    from lit_platform.assessments.models import Instrument
    from lit_platform.courses.importer import import_course
    from lit_platform.courses.loader import read_course

    from .courses.conftest import write_course

    folder = write_course(tmp_path)
    app.config["LIT_COURSES_PATH"] = str(tmp_path)
    with app.app_context():
        definition, problems = read_course(folder)
        assert problems == []
        import_course(definition)
        db.session.commit()
        return db.session.scalar(select(Instrument.course_id).where(Instrument.key == "demo-prepost"))


@pytest.fixture
def librarian(make):
    return make.user("lou@example.org", "Lou Librarian", roles=["librarian"])
