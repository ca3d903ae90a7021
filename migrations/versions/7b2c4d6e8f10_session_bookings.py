"""session bookings: sessions, series, facilitators, audience units, bookings, reaction surveys,
calendar feed tokens and personal API tokens

Revision ID: 7b2c4d6e8f10
Revises: 3a64e7c0abfe
Create Date: 2026-11-27 02:16:37

"""
from alembic import op
import sqlalchemy as sa

import lit_platform.core.types


# revision identifiers, used by Alembic.
revision = '7b2c4d6e8f10'
down_revision = '3a64e7c0abfe'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feeds_user_id'))
    )
    op.create_table('session_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=12), nullable=False),
    sa.Column('created_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_session_series_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_series'))
    )
    op.create_table('sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('description_html', sa.Text(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('online_url', sa.String(length=1000), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booking_opens_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('booking_closes_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancel_cutoff_hours', sa.Integer(), nullable=True),
    sa.Column('is_restricted', sa.Boolean(), nullable=False),
    sa.Column('waitlist_enabled', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('ical_uid', sa.String(length=120), nullable=False),
    sa.Column('ical_sequence', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('checkin_code', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_sessions_course_id_courses'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sessions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['series_id'], ['session_series.id'], name=op.f('fk_sessions_series_id_session_series'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions')),
    sa.UniqueConstraint('ical_uid', name=op.f('uq_sessions_ical_uid'))
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_status'), ['status'], unique=False)

    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('booked_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('attendance', sa.String(length=10), nullable=True),
    sa.Column('attendance_marked_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ical_sequence', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_bookings_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_bookings_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bookings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_bookings_session_id_user_id'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_user_id'), ['user_id'], unique=False)

    op.create_table('session_facilitators',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_session_facilitators_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_facilitators_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_session_facilitators'))
    )
    with op.batch_alter_table('session_facilitators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_facilitators_user_id'), ['user_id'], unique=False)

    op.create_table('session_survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('usefulness', sa.Integer(), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=False),
    sa.Column('would_recommend', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', lit_platform.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_session_survey_responses_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_survey_responses_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_survey_responses')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_session_survey_responses_session_id_user_id'))
    )
    with op.batch_alter_table('session_survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_survey_responses_session_id'), ['session_id'], unique=False)

    op.create_table('session_units',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_session_units_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_session_units_unit_id_org_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'unit_id', name=op.f('pk_session_units'))
    )
    with op.batch_alter_table('session_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_units_unit_id'), ['unit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('session_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_units_unit_id'))

    op.drop_table('session_units')
    with op.batch_alter_table('session_survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_survey_responses_session_id'))

    op.drop_table('session_survey_responses')
    with op.batch_alter_table('session_facilitators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_facilitators_user_id'))

    op.drop_table('session_facilitators')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_user_id'))
        batch_op.drop_index(batch_op.f('ix_bookings_status'))
        batch_op.drop_index(batch_op.f('ix_bookings_session_id'))

    op.drop_table('bookings')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_status'))
        batch_op.drop_index(batch_op.f('ix_sessions_starts_at'))
        batch_op.drop_index(batch_op.f('ix_sessions_series_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_course_id'))

    op.drop_table('sessions')
    op.drop_table('session_series')
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
