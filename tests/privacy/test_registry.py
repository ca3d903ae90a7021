"""The registry covers every table with personal data, and says things the rest of the code can act on."""
import pytest
import sqlalchemy as sa

from lit_platform.config import ConfigurationError
from lit_platform.extensions import db
from lit_platform.privacy.registry import (DECLARATIONS, DELETE, DETACH, KEEP, LAWFUL_BASES, LINK_TARGETS, PERSON_TABLES,
                                           STAFF, SUBJECT, TOMBSTONE, RegistryConfigError, coverage, declarations)


def test_every_table_with_personal_data_is_declared_with_every_link(app):
    """Fails when a table with a foreign key to users or participants, or an e-mail column, is not declared."""
    missing = coverage(db.metadata)
    assert missing.missing_tables == [], f"declare these in lit_platform/privacy/registry.py: {missing.missing_tables}"
    assert missing.undeclared_columns == [], f"declare these links: {missing.undeclared_columns}"
    assert len({d.table for d in DECLARATIONS}) == len(DECLARATIONS)


def test_the_check_notices_a_new_table_or_column(app):
    schema = sa.MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(schema)
    sa.Table("learner_notes", schema, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("author_id", sa.ForeignKey("users.id")))
    sa.Table("workshop_codes", schema, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("participant_id", sa.ForeignKey("assessment_participants.id")))
    sa.Table("newsletter", schema, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("contact_email", sa.String(254)))
    schema.tables["bookings"].append_column(sa.Column("cancelled_by_id", sa.ForeignKey("users.id")))
    schema.tables["sessions"].append_column(sa.Column("organiser_email", sa.String(254)))
    found = coverage(schema)
    assert found.missing_tables == ["learner_notes", "newsletter", "workshop_codes"]
    assert found.undeclared_columns == ["bookings.cancelled_by_id", "sessions.organiser_email"]


def _person_columns(table) -> set[str]:
    return ({fk.parent.name for fk in table.foreign_keys if fk.column.table.name in PERSON_TABLES}
            | {c.name for c in table.columns if "email" in c.name})


def test_declarations_name_real_columns_and_act_consistently(app):
    for d in declarations(app.config):
        table = db.metadata.tables[d.table]
        assert d.basis in LAWFUL_BASES and d.duration.in_words() and d.title and d.purpose and d.seen_by
        assert set(d.fields) <= set(table.c.keys()), d.table
        subject_columns = {link.column for link in d.links if link.role == SUBJECT}
        for link in d.links:
            assert link.to in LINK_TARGETS and link.role in (SUBJECT, STAFF) and link.label, (d.table, link)
            assert link.erase in (DELETE, DETACH, KEEP, TOMBSTONE), (d.table, link)
            assert {link.column, *link.export, *dict(link.clear)} <= set(table.c.keys()), (d.table, link)
            if link.erase == DETACH:
                assert table.c[link.column].nullable, f"{d.table}.{link.column} cannot be set to NULL"
            if link.erase == KEEP and link.to == "user":
                assert d.protected, f"{d.table}.{link.column} is kept on erasure, so say why it is protected"
            # A copy of someone's data never carries another person's id or address.
            others = _person_columns(table) - (subject_columns if link.role == SUBJECT else set())
            if d.table == "users":
                others -= {"email"}
            assert not others & set(link.export), (d.table, link.label, others & set(link.export))
            assert not {"password_hash", "token_hash"} & set(link.export)
        if d.protected:
            assert any(link.erase == KEEP for link in d.links), d.table


def test_installations_override_periods_and_bases(app, make_app):
    app.config["LIT_RETENTION"] = '{"users": "P2Y", "outbox_messages": "p90d"}'
    app.config["LIT_LAWFUL_BASIS"] = {"users": "legitimate_interests"}
    found = {d.table: d for d in declarations(app.config)}
    assert found["users"].retention_in_words.startswith("2 years after")
    assert found["enrolments"].retention == "P2Y"  # follows the account
    assert found["outbox_messages"].retention_in_words == "90 days after the message is sent (or we give up sending it)"
    assert found["users"].basis_label == "Legitimate interests"
    for retention, message in (("{", "not valid JSON"), ('["users"]', "JSON object"),
                               ('{"pets": "P1Y"}', "hold no personal data here: pets"),
                               ('{"users": "three years"}', "such as P3Y"),
                               ('{"enrolments": "P1Y"}', "set users instead")):
        app.config["LIT_RETENTION"] = retention
        with pytest.raises(RegistryConfigError, match=message):
            declarations(app.config)
    app.config["LIT_RETENTION"] = ""
    app.config["LIT_LAWFUL_BASIS"] = '{"users": "because"}'
    with pytest.raises(RegistryConfigError, match="not one of"):
        declarations(app.config)
    # A bad override stops the site from starting, rather than showing a wrong notice.
    with pytest.raises(ConfigurationError, match="LIT_RETENTION"):
        make_app(LIT_RETENTION='{"users": "forever"}')
