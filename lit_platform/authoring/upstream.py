"""Local copies of shipped courses, and the shipped course's later changes merged file by file.

Three-way: the base is the shipped files as last merged (kept as blobs, their hashes in
CourseSource.upstream_base), "theirs" is the shipped folder now, "mine" is the local draft. Shipped files are
compared after localising (the copy's slug, title and keys), so the copy's own renaming never counts as an
edit. Nothing is taken from upstream without the author choosing it, file by file.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..audit import record_event
from ..courses.loader import MODULE_FILE
from . import files as course_files
from .drafts import (
    AuthoringError,
    blob_content,
    check_new_slug,
    course_title,
    draft_files,
    new_source,
    put_file,
    remove_file,
    shipped_folder,
    store_blob,
)
from .models import CourseSource

NEW, THEIRS_ONLY, BOTH, REMOVED = "new upstream", "changed upstream only", "changed on both sides", "removed upstream"


@dataclass
class UpstreamChange:
    #: the shipped course's path
    path: str
    #: "new upstream" | "changed upstream only" | "changed on both sides" | "removed upstream"
    status: str
    #: the draft's file it corresponds to (a module may have been renumbered locally); None if none
    local_path: str | None = None
    #: what changed upstream since the base (unified diff lines, localised)
    upstream_diff: list[str] = field(default_factory=list)
    #: what changed locally since the base
    local_diff: list[str] = field(default_factory=list)
    #: for a text file changed on both sides: both changes together, or None where they overlap
    merged: str | None = None


def make_local_copy(shipped_slug: str, new_slug: str, title: str, actor) -> CourseSource:
    """A draft copy of a shipped course under a new short name, its keys its own, to adapt and publish.

    :raises AuthoringError: no such shipped course, or the new short name is malformed or taken.
    """
    folder = shipped_folder(shipped_slug)
    if folder is None:
        raise AuthoringError(f"There is no shipped course '{shipped_slug}'")
    check_new_slug(new_slug)
    title = " ".join((title or "").split()) or None
    raw = course_files.read_folder(folder)
    source = new_source(new_slug, "copy", actor, upstream_slug=shipped_slug, key_prefix=new_slug,
                        upstream_base={path: store_blob(content) for path, content in raw.items()})
    for path, content in course_files.localise(raw, new_slug, new_slug, title).items():
        put_file(source, path, content, actor)
    record_event("authoring.copy_made", actor, "course_source", source.id, slug=new_slug, upstream=shipped_slug)
    return source


def _local_path(path: str, draft: dict[str, bytes]) -> str | None:
    """The draft's file for a shipped path: the same path, or for a module the draft module with its slug."""
    if path in draft:
        return path
    match = MODULE_FILE.match(path)
    if match and "/" not in path:
        for candidate in course_files.module_paths(draft):
            if MODULE_FILE.match(candidate).group(2) == match.group(2):
                return candidate
    return None


def _compare(source: CourseSource):
    """(changes, upstream files now, draft files, localise) for the source's shipped course."""
    folder = shipped_folder(source.upstream_slug or "")
    if folder is None:
        raise AuthoringError(f"The shipped course '{source.upstream_slug}' is no longer installed")
    theirs = course_files.read_folder(folder)
    mine = draft_files(source)
    title = course_title(mine)

    def localise(path: str, content: bytes) -> bytes:
        return course_files.localise_file(path, content, source.course_slug, source.key_prefix, title)

    changes = []
    for path in sorted(set(source.upstream_base) | set(theirs)):
        base_sha = source.upstream_base.get(path)
        if base_sha is not None and path in theirs and course_files.sha256(theirs[path]) == base_sha:
            continue
        local_path = _local_path(path, mine)
        mine_now = mine.get(local_path) if local_path else None
        base = localise(path, blob_content(base_sha)) if base_sha else None
        theirs_now = localise(path, theirs[path]) if path in theirs else None
        if mine_now == theirs_now:
            continue  # the draft already has what upstream has now
        if base is None:
            status = NEW
        elif theirs_now is None:
            status = REMOVED
        elif mine_now == base:
            status = THEIRS_ONLY
        else:
            status = BOTH
        merged = None
        if status == BOTH and mine_now is not None and all(map(course_files.is_text, (base, mine_now, theirs_now))):
            merged = course_files.merge3(base.decode(), mine_now.decode(), theirs_now.decode())
        changes.append(UpstreamChange(path, status, local_path, _diff(base, theirs_now, path),
                                      _diff(base, mine_now, local_path or path), merged))
    return changes, theirs, localise


def _diff(old: bytes | None, new: bytes | None, path: str) -> list[str]:
    if not all(course_files.is_text(c) for c in (old, new) if c is not None):
        return []
    return course_files.diff_text((old or b"").decode(), (new or b"").decode(), path)


def upstream_changes(source: CourseSource) -> list[UpstreamChange]:
    """The shipped course's changes since the copy was made (or last merged), file by file.

    :raises AuthoringError: the source is not a copy.
    """
    if not source.upstream_slug:
        raise AuthoringError(f"{source.course_slug} is not a copy of a shipped course")
    if shipped_folder(source.upstream_slug) is None:
        return []  # the shipped course is no longer installed: nothing to offer
    return _compare(source)[0]


def merge_upstream(source: CourseSource, path: str, take: str, actor) -> None:
    """Settle one upstream change: "theirs" puts the shipped file (localised) into the draft, "mine" keeps the
    draft's file, "both" (for a file changed on both sides) keeps both sets of changes where they do not
    overlap. Either way the change is marked as merged, so it is not listed again.

    :raises AuthoringError: not a copy, no change for that path, `take` is none of those, or "both" where the
        changes overlap.
    """
    if take not in ("theirs", "mine", "both"):
        raise AuthoringError("Choose to take the shipped version or keep yours")
    if not source.upstream_slug:
        raise AuthoringError(f"{source.course_slug} is not a copy of a shipped course")
    changes, theirs, localise = _compare(source)
    change = next((c for c in changes if c.path == path), None)
    if change is None:
        raise AuthoringError(f"The shipped course has no unmerged change to {path}")
    if take == "both":
        if change.merged is None:
            raise AuthoringError(f"{path}: the shipped changes and yours overlap, so they cannot both be kept "
                                 "automatically: take one version, then edit it")
        put_file(source, change.local_path or path, change.merged.encode("utf-8"), actor)
    elif take == "theirs":
        if change.status == REMOVED:
            if change.local_path:
                remove_file(source, change.local_path)
        else:
            put_file(source, change.local_path or path, localise(path, theirs[path]), actor)
    base = dict(source.upstream_base)
    if path in theirs:
        base[path] = store_blob(theirs[path])
    else:
        base.pop(path, None)
    source.upstream_base = base
    record_event("authoring.upstream_merged", actor, "course_source", source.id, path=path, take=take,
                 status=change.status)
