"""outbox messages are claimed by one worker at a time, with a lease

Revision ID: c8e1f3a5b7d9
Revises: b3d5f7a9c1e2
Create Date: 2026-12-04 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import lit_platform.core.types


revision = 'c8e1f3a5b7d9'
down_revision = 'b3d5f7a9c1e2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', lit_platform.core.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by')
