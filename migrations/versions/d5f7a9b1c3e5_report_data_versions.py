"""reports: data_versions, one row per kind of data the reports read, so cached reports know when they are stale

Revision ID: d5f7a9b1c3e5
Revises: e3b5d7f9a1c2
Create Date: 2026-12-05 07:40:00
"""
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from lit_platform.core.types import UTCDateTime


revision = 'd5f7a9b1c3e5'
down_revision = 'e3b5d7f9a1c2'
branch_labels = None
depends_on = None

KINDS = ("bookings", "content", "enrolments", "feedback", "people", "results", "sessions")


def upgrade():
    table = op.create_table(
        'data_versions',
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('version', sa.String(length=32), nullable=False),
        sa.Column('changed_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_data_versions')),
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(table, [{"kind": kind, "version": secrets.token_hex(16), "changed_at": now} for kind in KINDS])


def downgrade():
    op.drop_table('data_versions')
