"""The migrations build the whole schema, and agree with the models."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lit_platform import create_app
from lit_platform.extensions import db

from .conftest import app_config, drop_postgres_database, new_database


def _diff(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_empty_database_upgrades_to_head_and_matches_the_models(database_url, tmp_path_factory):
    kind = sa.engine.make_url(database_url).get_backend_name()
    url = new_database(kind, tmp_path_factory)
    try:
        app = create_app(app_config(url))
        with app.app_context():
            upgrade()
            tables = set(sa.inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        assert _diff(app) == []
        with app.app_context():
            downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
        assert _diff(app) == []
        with app.app_context():
            db.engine.dispose()
    finally:
        if kind == "postgresql":
            drop_postgres_database(url)


def test_the_check_fails_when_a_model_changes_without_a_migration(database_url):
    app = create_app(app_config(database_url))
    extra = sa.Table("unmigrated_things", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        assert any(change[0] == "add_table" and change[1].name == "unmigrated_things" for change in _diff(app))
    finally:
        db.metadata.remove(extra)
        with app.app_context():
            db.engine.dispose()
