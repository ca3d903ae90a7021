"""module aims ("In this module you will ...") and each course's glossary

Revision ID: b3d5f7a9c1e2
Revises: a1c3e5f7b9d2
Create Date: 2026-12-04 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b3d5f7a9c1e2'
down_revision = 'a1c3e5f7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('aims', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('glossary', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.alter_column('aims', server_default=None)
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.alter_column('glossary', server_default=None)


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('glossary')
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('aims')
