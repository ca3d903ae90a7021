"""single sign-on: accounts at OpenID Connect providers linked to accounts here

Revision ID: a7c9e1f3b5d8
Revises: c4e6a8f0b2d4
Create Date: 2026-12-05 07:40:00

"""
from alembic import op
import sqlalchemy as sa

from lit_platform.core.types import UTCDateTime


revision = 'a7c9e1f3b5d8'
down_revision = 'c4e6a8f0b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'linked_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_linked_identities_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_linked_identities')),
        sa.UniqueConstraint('provider', 'subject', name='uq_linked_identities_provider_subject'),
    )
    with op.batch_alter_table('linked_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linked_identities_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('linked_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linked_identities_user_id'))
    op.drop_table('linked_identities')
