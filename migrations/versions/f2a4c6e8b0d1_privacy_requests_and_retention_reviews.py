"""personal data: requests about it (copy, erasure) and retention reviews

Revision ID: f2a4c6e8b0d1
Revises: e7f9b1c3d5a8
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa

from lit_platform.core.types import UTCDateTime


revision = 'f2a4c6e8b0d1'
down_revision = 'e7f9b1c3d5a8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'privacy_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('extension_months', sa.Integer(), nullable=False),
        sa.Column('extended_to', sa.Date(), nullable=True),
        sa.Column('extension_reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('logged_by_id', sa.Integer(), nullable=True),
        sa.Column('completed_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('completed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_requests_user_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['logged_by_id'], ['users.id'], name=op.f('fk_privacy_requests_logged_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['completed_by_id'], ['users.id'],
                                name=op.f('fk_privacy_requests_completed_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_requests')),
    )
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_requests_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_privacy_requests_status'), ['status'], unique=False)

    op.create_table(
        'retention_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('as_of', UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('approved_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('applied_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('applied', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_retention_reviews_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'],
                                name=op.f('fk_retention_reviews_approved_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_reviews')),
    )
    with op.batch_alter_table('retention_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_reviews_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('retention_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_reviews_status'))
    op.drop_table('retention_reviews')
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_requests_status'))
        batch_op.drop_index(batch_op.f('ix_privacy_requests_user_id'))
    op.drop_table('privacy_requests')
