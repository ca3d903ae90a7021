"""erasure keeps bookings and enrolments without the person (user_id may be empty)

Revision ID: a1c3e5f7b9d2
Revises: f2a4c6e8b0d1
Create Date: 2026-11-27 12:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1c3e5f7b9d2'
down_revision = 'f2a4c6e8b0d1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Rows left by erasure belong to nobody; they cannot be given back to a person.
    op.execute(sa.text('DELETE FROM enrolments WHERE user_id IS NULL'))
    op.execute(sa.text('DELETE FROM bookings WHERE user_id IS NULL'))
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
