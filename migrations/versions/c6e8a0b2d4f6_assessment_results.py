"""one row of counted results per assessment participant, for reports

Revision ID: c6e8a0b2d4f6
Revises: b5d7f9a1c3e4
Create Date: 2026-11-27 05:45:00

"""
from alembic import op
import sqlalchemy as sa

import lit_platform.core.types


revision = 'c6e8a0b2d4f6'
down_revision = 'b5d7f9a1c3e4'
branch_labels = None
depends_on = None


def upgrade():
    when = lit_platform.core.types.UTCDateTime(timezone=True)
    op.create_table(
        'assessment_results',
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('instrument_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=True),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('conflict', sa.Boolean(), nullable=False),
        sa.Column('repeated', sa.Integer(), nullable=False),
        sa.Column('pre_attempt_id', sa.Integer(), nullable=True),
        sa.Column('post_attempt_id', sa.Integer(), nullable=True),
        sa.Column('delayed_attempt_id', sa.Integer(), nullable=True),
        sa.Column('pre_percent', sa.Float(), nullable=True),
        sa.Column('post_percent', sa.Float(), nullable=True),
        sa.Column('delayed_percent', sa.Float(), nullable=True),
        sa.Column('pre_at', when, nullable=True),
        sa.Column('post_at', when, nullable=True),
        sa.Column('delayed_at', when, nullable=True),
        sa.Column('last_at', when, nullable=True),
        sa.Column('pre_form', sa.String(length=1), nullable=True),
        sa.Column('post_form', sa.String(length=1), nullable=True),
        sa.Column('item_ids', sa.LargeBinary(), nullable=False),
        sa.Column('pre_marks', sa.LargeBinary(), nullable=False),
        sa.Column('pre_max', sa.LargeBinary(), nullable=False),
        sa.Column('post_marks', sa.LargeBinary(), nullable=False),
        sa.Column('post_max', sa.LargeBinary(), nullable=False),
        sa.Column('confidence_ids', sa.LargeBinary(), nullable=False),
        sa.Column('pre_confidence', sa.LargeBinary(), nullable=False),
        sa.Column('post_confidence', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['participant_id'], ['assessment_participants.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['pre_attempt_id'], ['attempts.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['post_attempt_id'], ['attempts.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['delayed_attempt_id'], ['attempts.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('participant_id'),
    )
    for column in ('instrument_id', 'course_id', 'session_id', 'user_id', 'last_at'):
        op.create_index(f'ix_assessment_results_{column}', 'assessment_results', [column])


def downgrade():
    op.drop_table('assessment_results')
