"""performance exercises: rubric criteria per response, and saved search strategies

Revision ID: e7f9b1c3d5a8
Revises: c6e8a0b2d4f6
Create Date: 2026-11-27 09:00:00

"""
from alembic import op
import sqlalchemy as sa

from lit_platform.core.types import UTCDateTime


revision = 'e7f9b1c3d5a8'
down_revision = 'c6e8a0b2d4f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('criteria', sa.JSON(), nullable=True))
    op.create_table(
        'saved_searches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('syntax', sa.String(length=20), nullable=False),
        sa.Column('plan', sa.JSON(), nullable=False),
        sa.Column('search', sa.Text(), nullable=False),
        sa.Column('database', sa.String(length=200), nullable=False),
        sa.Column('platform', sa.String(length=200), nullable=False),
        sa.Column('searched_on', sa.Date(), nullable=True),
        sa.Column('hits', sa.JSON(), nullable=False),
        sa.Column('limits', sa.Text(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=False),
        sa.Column('source_response_id', sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_searches_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['source_response_id'], ['responses.id'],
                                name=op.f('fk_saved_searches_source_response_id_responses'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches')),
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_searches_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_searches_user_id'))
    op.drop_table('saved_searches')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('criteria')
