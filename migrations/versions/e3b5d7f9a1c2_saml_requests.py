"""single sign-on: SAML requests in progress, each answered at most once

Revision ID: e3b5d7f9a1c2
Revises: a7c9e1f3b5d8
Create Date: 2026-12-05 08:00:00

"""
from alembic import op
import sqlalchemy as sa

from lit_platform.core.types import UTCDateTime


revision = 'e3b5d7f9a1c2'
down_revision = 'a7c9e1f3b5d8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saml_requests',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('provider', sa.String(length=40), nullable=False),
        sa.Column('next_url', sa.String(length=500), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('answered_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('finish_token_hash', sa.String(length=64), nullable=True),
        sa.Column('name_id', sa.String(length=255), nullable=True),
        sa.Column('name_id_format', sa.String(length=255), nullable=True),
        sa.Column('session_index', sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saml_requests_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saml_requests')),
        sa.UniqueConstraint('finish_token_hash', name=op.f('uq_saml_requests_finish_token_hash')),
    )
    with op.batch_alter_table('saml_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saml_requests_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('saml_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saml_requests_created_at'))
    op.drop_table('saml_requests')
