"""Three editors who opened the same revision of a module save at once: one save lands, the others are told.

On PostgreSQL each editor's transaction has read revision 1 before any of them writes, so the check in Python
passes for all three and only the revision in the UPDATE tells them apart; the control run without that
condition shows all three "succeeding" (two of them silently lost). On SQLite a request that writes takes the
write lock first (BEGIN IMMEDIATE), so the saves run one after another and the later ones see the new revision.
"""
import threading

import pytest

from lit_platform.authoring import services
from lit_platform.authoring.models import CourseSource
from lit_platform.extensions import db

from ..conftest import run_at_once

PATH = "01-introduction.md"


@pytest.fixture
def source_id(committed_app):
    with committed_app.app_context():
        source = services.new_course("race-course", "Race course", None)
        db.session.commit()
        return source.id


def open_module(source_id):
    """What an editor's request has read before it saves: the file at revision 1."""
    if db.engine.dialect.name == "sqlite":
        db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    source = db.session.get(CourseSource, source_id)
    return source, services.draft(source)[PATH]


class OpenedFirst:
    """Each thread's module as it read it before the editors save at once. Kept here so that the session's
    identity map (which holds its objects weakly) does not drop them and read them again after another
    editor's save."""

    def __init__(self, source_id):
        self.source_id = source_id
        self.local = threading.local()

    def before(self):
        self.local.opened = open_module(self.source_id)

    def __call__(self):
        return getattr(self.local, "opened", None) or open_module(self.source_id)


def saved_text(app, source_id) -> str:
    with app.app_context():
        return services.read_text(db.session.get(CourseSource, source_id), PATH)


def test_of_three_saves_from_the_same_revision_one_lands(committed_app, source_id):
    postgres = committed_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    texts = iter(["first editor\n", "second editor\n", "third editor\n"])
    opened = OpenedFirst(source_id)

    def save():
        source, _ = opened()
        try:
            return services.save_file(source, PATH, next(texts), 1, None).path
        except services.EditConflict as conflict:
            return f"refused at revision {conflict.current_file.revision}"

    results = run_at_once(committed_app, save, before=opened.before if postgres else None)
    assert sorted(results) == [PATH, "refused at revision 2", "refused at revision 2"]
    assert saved_text(committed_app, source_id).endswith("editor\n")


def test_control_without_the_revision_in_the_update_every_save_lands(committed_app, source_id):
    if not committed_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite runs writing requests one at a time: there is no race to lose")
    texts = iter(["first editor\n", "second editor\n", "third editor\n"])
    opened = OpenedFirst(source_id)

    def naive_save():
        source, current = opened()
        assert current.revision == 1  # each request still has the revision it read
        services.put_file(source, PATH, next(texts).encode(), None)
        return "saved"

    assert run_at_once(committed_app, naive_save, before=opened.before) == ["saved"] * 3


def test_three_publishes_at_once_make_one_version(committed_app, source_id):
    opened = OpenedFirst(source_id)

    def publish():
        source, _ = opened()
        version = services.publish(source, "At once", None)
        return version.number if version else "nothing to publish"

    results = run_at_once(committed_app, publish, before=opened.before
                          if committed_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else None)
    assert sorted(map(str, results)) == ["1", "nothing to publish", "nothing to publish"]
    with committed_app.app_context():
        assert [v.number for v in services.versions(db.session.get(CourseSource, source_id))] == [1]
