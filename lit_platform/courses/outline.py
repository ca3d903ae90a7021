"""What every module page of a course shows, kept in memory per course version.

A course's text changes only when its files are imported again, and every import that changes
anything bumps `Course.version` and `Course.imported_at`. A module page therefore reads the
course's current version along with the learner's progress (queries.course_visit) and takes the
modules' titles, order and rendered HTML from this cache instead of loading them on every visit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from flask import abort
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..extensions import db
from .models import Course, Module

#: how many course versions each process keeps; old versions fall out first
CACHE_SIZE = 64


@dataclass(frozen=True)
class ModuleOutline:
    id: int
    slug: str
    title: str
    minutes: int
    is_required: bool
    quiz_id: int | None
    body_html: str
    toc_html: str
    aims: tuple[str, ...] = ()
    #: the course's outcome statements this module serves (shown when it has no aims of its own)
    outcome_texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class CourseOutline:
    id: int
    slug: str
    title: str
    version: int
    #: see Course.asks_pretest
    asks_pretest: bool
    active_modules: tuple[ModuleOutline, ...]
    has_glossary: bool = False

    def module(self, slug: str) -> ModuleOutline:
        for module in self.active_modules:
            if module.slug == slug:
                return module
        abort(404)

    def neighbours(self, module: ModuleOutline) -> tuple[ModuleOutline | None, ModuleOutline | None]:
        index = self.active_modules.index(module)
        return (self.active_modules[index - 1] if index else None,
                self.active_modules[index + 1] if index + 1 < len(self.active_modules) else None)


_outlines: dict[tuple[int, int, datetime], CourseOutline] = {}
_lock = Lock()


def course_outline(key: tuple[int, int, datetime]) -> CourseOutline:
    """The outline of course version `key` (id, version, imported_at), from the cache when it is there."""
    outline = _outlines.get(key)
    if outline is None:
        outline = _load(key[0])
        with _lock:
            if len(_outlines) >= CACHE_SIZE:
                _outlines.pop(next(iter(_outlines)))
            _outlines[key] = outline
    return outline


def _toc_or_empty(toc_html: str) -> str:
    """The table of contents, or "" when it lists no headings (so the page leaves it out)."""
    return toc_html if Markup(toc_html).striptags().strip() else ""


def _load(course_id: int) -> CourseOutline:
    course = db.session.get(Course, course_id)
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course_id, Module.is_retired.is_(False))
        .order_by(Module.position).options(undefer(Module.body_html), undefer(Module.toc_html))).all()
    outcomes = {o.code: o.text for o in course.outcomes}
    return CourseOutline(
        id=course.id, slug=course.slug, title=course.title, version=course.version,
        asks_pretest=course.asks_pretest, has_glossary=bool(course.glossary),
        active_modules=tuple(ModuleOutline(id=m.id, slug=m.slug, title=m.title, minutes=m.minutes,
                                           is_required=m.is_required, quiz_id=m.quiz_id,
                                           body_html=m.body_html, toc_html=_toc_or_empty(m.toc_html),
                                           aims=tuple(m.aims or ()),
                                           outcome_texts=tuple(outcomes[c] for c in m.outcome_codes if c in outcomes))
                             for m in modules))
