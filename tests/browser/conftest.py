"""Browser tests: a real server on a committed database, driven by Debian's headless Chromium.

Playwright is pointed at the installed Chromium (no browser download). Where no Chromium is
installed, every browser test is skipped with one line saying so; CI installs it.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from lit_platform.extensions import db

from ..conftest import app_config, build_app, worker_database

CHROMIUM = os.environ.get("LIT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install chromium): browser tests skipped")
    from playwright.sync_api import expect, sync_playwright

    # Two cores shared with the server and the rest of the suite: allow slow saves before failing.
    expect.set_options(timeout=15_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def live_database_url(request, tmp_path_factory):
    """This worker's database of each kind that the live server commits to (emptied after each test)."""
    return worker_database(request.param, tmp_path_factory, purpose="live-")


class LiveServer:
    def __init__(self, app):
        self.app = app
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(10)


@pytest.fixture
def live_app(live_database_url):
    app = build_app(app_config(live_database_url))
    yield app
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


def empty_all_tables() -> None:
    """Remove every row the test committed, so the next test starts from an empty database."""
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    raw = db.engine.raw_connection()  # outside any transaction, where the pragma takes effect
    try:
        raw.execute("PRAGMA foreign_keys=OFF")
        for table in tables:
            raw.execute(f'DELETE FROM "{table.name}"')
        raw.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


@pytest.fixture
def live_server(live_app):
    with LiveServer(live_app) as server:
        yield server


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open further independent browser contexts (other people on other devices)."""
    contexts = []

    def _new_page():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


def assert_accessible(page) -> None:
    """Run axe-core with the WCAG 2.0/2.1/2.2 A and AA rules; fail on any violation."""
    from axe_playwright_python.sync_playwright import Axe

    # A click starts a navigation without waiting for it; axe must see the page with its stylesheet.
    page.wait_for_load_state("load")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    assert results.violations_count == 0, f"axe found problems on {page.url}:\n{results.generate_report()}"


@pytest.fixture
def axe():
    return assert_accessible
