"""Course folders as zips: any course downloads as a folder `lit courses validate` accepts, and a zip uploads as
a course's draft. Uploading the download of a course changes nothing."""
from __future__ import annotations

from sqlalchemy import select

from ..audit import record_event
from ..core.yamlfile import LineDict, load_yaml
from ..courses.loader import SLUG
from ..courses.models import Course
from ..extensions import db
from . import files as course_files
from .drafts import (
    AuthoringError,
    PublishProblems,
    contents,
    draft_files,
    has_unpublished_changes,
    latest_version,
    new_source,
    set_draft,
    shipped_folder,
    source_by_slug,
    stored_form,
    validate_files,
)
from .models import CourseSource


def course_files_of(slug: str, which: str = "published") -> dict[str, bytes]:
    """The files of a course: an authored course's published version (or draft), or a shipped course's folder.

    :raises AuthoringError: no such course, or nothing published yet.
    """
    source = source_by_slug(slug)
    if source is not None:
        if which == "draft":
            return draft_files(source)
        latest = latest_version(source)
        if latest is None:
            raise AuthoringError(f"{slug} has not been published yet: download the draft instead")
        return contents(latest.files)
    folder = shipped_folder(slug)
    if folder is None:
        raise AuthoringError(f"There is no course '{slug}'")
    return course_files.read_folder(folder)


def export_zip(slug: str, which: str = "published") -> bytes:
    """The course as a zip of its folder (one top folder named after the slug).

    :raises AuthoringError: no such course, or nothing published yet.
    """
    return course_files.to_zip(course_files_of(slug, which), slug)


def import_zip(data: bytes, actor) -> tuple[CourseSource, int]:
    """Create or update an authored course's draft from a zip of its folder; returns (source, how many files
    of the draft were added, changed or removed). Nothing is published: publishing stays a separate step.

    :raises AuthoringError: the zip is not a single course folder (naming the file and the problem); the slug
        belongs to a shipped course or to a course not authored here; the draft holds unpublished changes
        that the upload would overwrite.
    :raises PublishProblems: the course in the zip has problems (named by file and line).
    """
    try:
        top, files = course_files.from_zip(data)
    except course_files.FilesError as error:
        raise AuthoringError(str(error)) from None
    slug = top or _slug_in(files)
    if not SLUG.match(slug or ""):
        raise AuthoringError(f"{top or 'course.yaml'}: the folder must be named after the course's short name "
                             "(lower-case letters, digits and hyphens)")
    _, problems = validate_files(slug, files)
    if problems:
        raise PublishProblems(problems)
    source = source_by_slug(slug)
    if source is None:
        if shipped_folder(slug):
            raise AuthoringError(f"'{slug}' is a shipped course, updated from its folder on the server: to change "
                                 "it, make a local copy, or upload the zip under another short name")
        if db.session.scalar(select(Course.id).where(Course.slug == slug)):
            raise AuthoringError(f"A course '{slug}' exists but is not authored here: upload it under another "
                                 "short name")
        source = new_source(slug, "upload", actor, key_prefix=slug)
        changed = set_draft(source, files, actor)
        record_event("authoring.uploaded", actor, "course_source", source.id, slug=slug, files=changed, new=True)
        return source, changed
    if draft_files(source) == {path: stored_form(path, content) for path, content in files.items()}:
        return source, 0
    if source.versions and has_unpublished_changes(source):
        raise AuthoringError(f"The draft of '{slug}' has changes that are not published: publish or discard them "
                             "before uploading over it, so that nobody's work is lost")
    changed = set_draft(source, files, actor)
    record_event("authoring.uploaded", actor, "course_source", source.id, slug=slug, files=changed, new=False)
    return source, changed


def _slug_in(files: dict[str, bytes]) -> str:
    data, problems = load_yaml(files[course_files.COURSE_FILE].decode("utf-8", "replace"), "course.yaml")
    return str(data.get("slug") or "") if not problems and isinstance(data, LineDict) else ""
