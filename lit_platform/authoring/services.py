"""Authoring services: every state change of a course written in the browser.

The work is split by job: drafts.py (saving with optimistic locking, validating, publishing, versions,
rollback), upstream.py (local copies of shipped courses and merging the shipped course's later changes),
roundtrip.py (course folder zips out and in), module_quizzes.py (a module's quiz written from a skeleton or
copied from a published bank quiz into a quiz file); this module adds modules and images and is the one place
the views import. Services flush; the view or CLI command commits once.

Beyond the shared design: `discard_draft(source, actor)` puts the draft back to the last published version;
`rollback` refuses while the draft holds unpublished changes; `import_zip` returns the number of draft files
it changed, updates the draft only (publishing stays a separate step) and refuses a zip whose course has
problems (PublishProblems) or that would overwrite unpublished draft changes; `merge_upstream` also takes
"both" (keep both sides' changes where they do not overlap: `UpstreamChange.merged`); every SVG written to a
draft is sanitised.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..audit import record_event
from ..core.yamlfile import LineDict, load_yaml
from ..courses.loader import IMAGE_TYPES, MODULE_FILE, RESERVED_SLUGS
from ..courses.files import register_file_source
from . import files as course_files
from .drafts import (  # noqa: F401  (the services the views use)
    AuthoringError,
    EditConflict,
    PublishProblems,
    check_new_slug,
    discard_draft,
    draft,
    draft_diff,
    draft_files,
    has_unpublished_changes,
    new_source,
    publish,
    published_file,
    put_file,
    read_text,
    remove_file,
    rollback,
    save_file,
    source_by_slug,
    validate,
    version_diff,
    versions,
)
from .models import CourseSource
from .module_quizzes import attach_bank_quiz, bank_quizzes, write_new_quiz  # noqa: F401
from .roundtrip import export_zip, import_zip  # noqa: F401
from .svg import SvgError, sanitise_svg
from .upstream import UpstreamChange, make_local_copy, merge_upstream, upstream_changes  # noqa: F401

MAX_IMAGE_BYTES = 2 * 1024 * 1024
#: the first bytes of each raster type a course may show
MAGIC = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
}

NEW_COURSE = """\
slug: {slug}
title: {title}
summary: >
  Say in a sentence or two what learners will be able to do after this course.
topics: []
audience: []
level: introductory
minutes: 10
outcomes:
  - code: O1
    text: >
      Write the first learning outcome: what a learner will be able to do.
"""

NEW_MODULE = """\
---
title: {title}
minutes: 10
outcomes: [{outcome}]
---
Write this module here, in Markdown.
"""


def new_course(slug: str, title: str, actor) -> CourseSource:
    """A course of one's own: a course.yaml and a first module, as a draft.

    :raises AuthoringError: the short name is malformed or taken.
    """
    check_new_slug(slug)
    title = " ".join((title or "").split())
    if not title:
        raise AuthoringError("Give the course a title")
    source = new_source(slug, "new", actor, key_prefix=slug)
    put_file(source, course_files.COURSE_FILE,
             NEW_COURSE.format(slug=slug, title=course_files._yaml_value(title)).encode(), actor)
    put_file(source, "01-introduction.md", NEW_MODULE.format(title="Introduction", outcome="O1").encode(), actor)
    record_event("authoring.course_created", actor, "course_source", source.id, slug=slug)
    return source


# Modules ---------------------------------------------------------------------------------------

def _first_outcome(files: dict[str, bytes]) -> str:
    data, problems = load_yaml(files.get(course_files.COURSE_FILE, b"").decode("utf-8", "replace"), "course.yaml")
    outcomes = data.get("outcomes") if not problems and isinstance(data, LineDict) else None
    if isinstance(outcomes, list) and outcomes and isinstance(outcomes[0], dict) and outcomes[0].get("code"):
        return str(outcomes[0]["code"])
    return ""


def add_module(source: CourseSource, title: str, actor) -> str:
    """A new module at the end of the course; returns its file's path.

    :raises AuthoringError: no title.
    """
    title = " ".join((title or "").split())
    if not title:
        raise AuthoringError("Give the module a title")
    files = draft_files(source)
    modules = course_files.module_paths(files)
    slugs = {MODULE_FILE.match(p).group(2) for p in modules}
    base = course_files.slugify(title) or "module"
    if base in RESERVED_SLUGS:
        base = f"{base}-module"
    slug, n = base, 2
    while slug in slugs:
        slug, n = f"{base}-{n}", n + 1
    number = max((int(p[:2]) for p in modules), default=0) + 1
    if number > 99:
        raise AuthoringError("A course may have at most 99 modules")
    path = f"{number:02d}-{slug}.md"
    outcome = _first_outcome(files)
    put_file(source, path, NEW_MODULE.format(title=course_files._yaml_value(title), outcome=outcome)
             .encode(), actor)
    record_event("authoring.module_added", actor, "course_source", source.id, path=path)
    return path


def _apply_renames(source: CourseSource, files: dict[str, bytes], renames: dict[str, str], actor) -> None:
    """Rename module files and rewrite the links between modules to follow them."""
    if not renames:
        return
    rewritten = {}
    for path in course_files.module_paths(files):
        text = files[path].decode("utf-8")
        new_text = course_files.rename_links(text, renames)
        rewritten[renames.get(path, path)] = new_text.encode("utf-8")
    for old in renames:
        remove_file(source, old)
    for path, content in rewritten.items():
        put_file(source, path, content, actor)


def move_module(source: CourseSource, path: str, direction: str, actor) -> str:
    """Move a module up or down; modules are renumbered and links between them follow. Returns its new path.

    Module slugs stay the same, so learners' progress stays attached.

    :raises AuthoringError: no such module, or it is already first or last.
    """
    files = draft_files(source)
    order = course_files.module_paths(files)
    if path not in order:
        raise AuthoringError(f"The draft has no module {path}")
    index = order.index(path)
    target = index - 1 if direction == "up" else index + 1 if direction == "down" else -1
    if not 0 <= target < len(order):
        raise AuthoringError(f"{path} is already the {'first' if direction == 'up' else 'last'} module"
                             if direction in ("up", "down") else "Move a module up or down")
    order[index], order[target] = order[target], order[index]
    renames = course_files.renumbered(order)
    _apply_renames(source, files, renames, actor)
    record_event("authoring.module_moved", actor, "course_source", source.id, path=path, direction=direction)
    return renames.get(path, path)


def retire_module(source: CourseSource, path: str, actor) -> None:
    """Take a module out of the draft; once published, learners no longer see it, but their progress in it
    is kept (the module is retired, not deleted). The modules after it are renumbered.

    :raises AuthoringError: no such module, or it is the only one.
    """
    files = draft_files(source)
    order = course_files.module_paths(files)
    if path not in order:
        raise AuthoringError(f"The draft has no module {path}")
    if len(order) == 1:
        raise AuthoringError("A course needs at least one module: add another before retiring this one")
    remove_file(source, path)
    order.remove(path)
    del files[path]
    _apply_renames(source, files, course_files.renumbered(order), actor)
    record_event("authoring.module_retired", actor, "course_source", source.id, path=path)


# Images ----------------------------------------------------------------------------------------

def image_problem(suffix: str, data: bytes) -> str | None:
    """Why the bytes are not an image of the type their name says (None if they are)."""
    if suffix == ".webp":
        return None if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else "the file is not a WebP image"
    if suffix in MAGIC:
        return None if data.startswith(MAGIC[suffix]) else f"the file is not a {suffix[1:].upper()} image"
    return None


def save_image(source: CourseSource, filename: str, data: bytes, alt: str, actor) -> str:
    """Add an image to the draft's images/ and return the Markdown that shows it.

    :raises AuthoringError: no alt text, too large, not an image type, content not of that type, or an SVG
        that cannot be read.
    """
    alt = " ".join((alt or "").split())
    if not alt:
        raise AuthoringError("Describe the image in its alt text: say what it shows for someone who cannot see it")
    if not data:
        raise AuthoringError("The file is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise AuthoringError(f"The image is {len(data) / 1024 / 1024:.1f} MB; images may be at most "
                             f"{MAX_IMAGE_BYTES // 1024 // 1024} MB")
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in IMAGE_TYPES:
        raise AuthoringError(f"Upload an image: {', '.join(sorted(IMAGE_TYPES))}")
    if suffix == ".svg":
        try:
            data = sanitise_svg(data)
        except SvgError as error:
            message = str(error)
            raise AuthoringError(message[0].upper() + message[1:]) from None
    elif problem := image_problem(suffix, data):
        raise AuthoringError(problem[0].upper() + problem[1:])
    stem = course_files.slugify(PurePosixPath(name).stem) or "image"
    existing = draft(source)
    path, n = f"images/{stem}{suffix}", 2
    while path in existing and existing[path].sha256 != course_files.sha256(data):
        path, n = f"images/{stem}-{n}{suffix}", n + 1
    put_file(source, path, data, actor)
    record_event("authoring.image_saved", actor, "course_source", source.id, path=path)
    escaped = re.sub(r"([\[\]\\])", r"\\\1", alt)
    return f"![{escaped}]({path})"


def _course_image(slug: str, filename: str) -> bytes | None:
    return published_file(slug, filename)


register_file_source(_course_image)
