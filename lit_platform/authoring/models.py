"""Course files kept in the database: a draft per course, content-addressed blobs and published versions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.types import UTCDateTime, utcnow
from ..extensions import db

ORIGINS = ("new", "copy", "upload")


class CourseSource(db.Model):
    """A course whose files live in the database (written in the browser, copied or uploaded)."""
    __tablename__ = "course_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: "new", "copy" (a local copy of a shipped course) or "upload"
    origin: Mapped[str] = mapped_column(String(10), default="new")
    #: the shipped course this one is a copy of
    upstream_slug: Mapped[str | None] = mapped_column(String(80))
    #: {path: sha256} of the shipped course's files as last merged (the base of a three-way comparison)
    upstream_base: Mapped[dict] = mapped_column(JSON, default=dict)
    #: the prefix given to question, quiz and assessment keys so that a copy's never collide with the shipped ones
    key_prefix: Mapped[str] = mapped_column(String(80), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    files: Mapped[list[SourceFile]] = relationship(back_populates="source", order_by="SourceFile.path",
                                                   cascade="all, delete-orphan")
    versions: Mapped[list[SourceVersion]] = relationship(back_populates="source", order_by="SourceVersion.number",
                                                         cascade="all, delete-orphan")


class SourceBlob(db.Model):
    """The bytes of a file, stored once however many drafts and versions hold it."""
    __tablename__ = "source_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class SourceFile(db.Model):
    """One file of a course's draft."""
    __tablename__ = "source_files"
    __table_args__ = (UniqueConstraint("source_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("course_sources.id", ondelete="CASCADE"), index=True)
    #: relative to the course folder: "course.yaml", "03-keywords.md", "quizzes/03-boolean.yaml", "images/x.svg"
    path: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(ForeignKey("source_blobs.sha256"))
    #: bumped by every save: a save based on an older revision is refused (optimistic locking)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[CourseSource] = relationship(back_populates="files")
    blob: Mapped[SourceBlob] = relationship()

    @property
    def content(self) -> bytes:
        return self.blob.content

    @property
    def text(self) -> str:
        return self.blob.content.decode("utf-8")


class SourceVersion(db.Model):
    """A published version: the course's files as they were published."""
    __tablename__ = "source_versions"
    __table_args__ = (UniqueConstraint("source_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("course_sources.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: {path: sha256}
    files: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    source: Mapped[CourseSource] = relationship(back_populates="versions")
