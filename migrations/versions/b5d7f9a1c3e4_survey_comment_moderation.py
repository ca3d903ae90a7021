"""survey comments can be hidden from reports

Revision ID: b5d7f9a1c3e4
Revises: 9c3e5a7b1d20
Create Date: 2026-11-27 05:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b5d7f9a1c3e4'
down_revision = '9c3e5a7b1d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('session_survey_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_hidden', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('comment_hidden_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_survey_comment_hidden_by', 'users', ['comment_hidden_by_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('session_survey_responses', schema=None) as batch_op:
        batch_op.drop_constraint('fk_survey_comment_hidden_by', type_='foreignkey')
        batch_op.drop_column('comment_hidden_by_id')
        batch_op.drop_column('comment_hidden')
