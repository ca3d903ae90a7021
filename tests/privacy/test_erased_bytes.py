"""An erased person's details are gone from the SQLite files themselves, not only from query results."""
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from lit_platform import create_app
from lit_platform.extensions import db

from ..browser.conftest import empty_all_tables
from ..conftest import Actions, app_config, migrate_to_head, new_database
from ..factories import Factories

NAME = "Quillon Marrowfax"
EMAIL = "quillon.marrowfax.7731@example.org"


@pytest.fixture
def committed_sqlite(tmp_path_factory):
    url = new_database("sqlite", tmp_path_factory)
    migrate_to_head(url)
    app = create_app(app_config(url))
    yield app, Path(make_url(url).database)
    with app.app_context():
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


def raw_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_erasure_leaves_nothing_of_the_person_in_the_database_files(committed_sqlite):
    app, path = committed_sqlite
    make = Factories(app)
    learner = make.user(EMAIL, NAME)
    admin = make.user(roles=["admin"])
    assert EMAIL.encode() in raw_bytes(path) and NAME.encode() in raw_bytes(path)

    client = app.test_client()
    actions = Actions(client)
    assert actions.login(admin.email).status_code == 302
    response = actions.post("/admin/privacy/requests", {"kind": "erasure", "email": learner.email,
                                                        "received_on": date.today().isoformat()},
                            page="/admin/privacy/requests")
    detail = response.headers["Location"]
    response = actions.post(f"{detail}/erase", {"reason": "Asked to be forgotten.", "confirm": "y"},
                            page=f"{detail}/erase")
    assert response.status_code == 302
    # Read while the app still runs (its connections open), as anyone with a copy of the files could.
    data = raw_bytes(path)
    assert EMAIL.encode() not in data
    assert NAME.encode() not in data
