"""outbox: a registration or reset link kept apart from the text, encrypted, until the message is sent

Revision ID: c4e6a8f0b2d4
Revises: c8e1f3a5b7d9
Create Date: 2026-12-04 17:10:00

Messages already sent or given up lose the links in their text. Pending ones are left to go out as written.
"""
import re

from alembic import op
import sqlalchemy as sa


revision = 'c4e6a8f0b2d4'
down_revision = 'c8e1f3a5b7d9'
branch_labels = None
depends_on = None

LINK = re.compile(r"\S+/account/(?:register|password/reset)/\S+")


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret', sa.Text(), nullable=True))
    outbox = sa.table('outbox_messages', sa.column('id', sa.Integer), sa.column('status', sa.String),
                      sa.column('body_text', sa.Text), sa.column('body_html', sa.Text))
    connection = op.get_bind()
    rows = connection.execute(sa.select(outbox.c.id, outbox.c.body_text, outbox.c.body_html)
                              .where(outbox.c.status != 'pending')).all()
    for row in rows:
        text = LINK.sub("[link hidden]", row.body_text or "")
        html = LINK.sub("[link hidden]", row.body_html) if row.body_html else row.body_html
        if text != row.body_text or html != row.body_html:
            connection.execute(outbox.update().where(outbox.c.id == row.id).values(body_text=text, body_html=html))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('secret')
