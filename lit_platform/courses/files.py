"""Where course files are kept besides the course folders.

Courses written in the browser keep their images in the database; the authoring area registers a lookup here
so the course pages can serve them without the courses area importing authoring.
"""
from __future__ import annotations

from collections.abc import Callable

#: each is called with (course slug, path such as "images/x.svg") and returns the file's bytes, or None
FILE_SOURCES: list[Callable[[str, str], bytes | None]] = []


def register_file_source(lookup: Callable[[str, str], bytes | None]) -> None:
    """Let another area serve course files (called once, when that area is imported)."""
    if lookup not in FILE_SOURCES:
        FILE_SOURCES.append(lookup)


def file_from_sources(slug: str, path: str) -> bytes | None:
    """The bytes of a course file from the first registered source that has it."""
    for lookup in FILE_SOURCES:
        content = lookup(slug, path)
        if content is not None:
            return content
    return None
