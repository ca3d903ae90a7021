"""authoring: course sources, draft files, blobs and published versions

Revision ID: 28574c39184c
Revises: d5f7a9b1c3e5
Create Date: 2026-12-05 12:00:36

"""
from alembic import op
import sqlalchemy as sa

from lit_platform.core.types import UTCDateTime


revision = '28574c39184c'
down_revision = 'd5f7a9b1c3e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('source_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_source_blobs'))
    )
    op.create_table('course_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('upstream_slug', sa.String(length=80), nullable=True),
    sa.Column('upstream_base', sa.JSON(), nullable=False),
    sa.Column('key_prefix', sa.String(length=80), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_course_sources_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_sources')),
    sa.UniqueConstraint('course_slug', name=op.f('uq_course_sources_course_slug'))
    )
    op.create_table('source_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['source_blobs.sha256'], name=op.f('fk_source_files_sha256_source_blobs')),
    sa.ForeignKeyConstraint(['source_id'], ['course_sources.id'], name=op.f('fk_source_files_source_id_course_sources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_source_files_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_files')),
    sa.UniqueConstraint('source_id', 'path', name=op.f('uq_source_files_source_id_path'))
    )
    with op.batch_alter_table('source_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_files_source_id'), ['source_id'], unique=False)

    op.create_table('source_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_source_versions_published_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['course_sources.id'], name=op.f('fk_source_versions_source_id_course_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_versions')),
    sa.UniqueConstraint('source_id', 'number', name=op.f('uq_source_versions_source_id_number'))
    )
    with op.batch_alter_table('source_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_versions_source_id'), ['source_id'], unique=False)



def downgrade():
    with op.batch_alter_table('source_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_versions_source_id'))

    op.drop_table('source_versions')
    with op.batch_alter_table('source_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_files_source_id'))

    op.drop_table('source_files')
    op.drop_table('course_sources')
    op.drop_table('source_blobs')
