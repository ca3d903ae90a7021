"""Validated course definitions -> database. Idempotent: unchanged files change nothing."""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from ..assessments.services import ensure_course_points, save_instrument
from ..audit import record_event
from ..core.markdown import render_document, render_markdown
from ..core.types import utcnow
from ..extensions import db
from ..quizzes.files import import_quiz
from ..quizzes.services import find_or_create_category, save_question
from .loader import CourseDefinition, ModuleDefinition, defined_term, term_anchor
from .models import Course, LearningOutcome, Module

COURSES_URL = "/courses"


@dataclass
class ImportReport:
    slug: str
    changed: bool = False
    modules_added: list[str] = field(default_factory=list)
    modules_retired: list[str] = field(default_factory=list)
    questions_changed: int = 0

    def summary(self) -> str:
        if not self.changed:
            return f"{self.slug}: unchanged"
        parts = [f"{self.slug}: imported"]
        if self.modules_added:
            parts.append(f"{len(self.modules_added)} module(s) added")
        if self.modules_retired:
            parts.append(f"retired {', '.join(self.modules_retired)}")
        parts.append(f"{self.questions_changed} question(s) new or changed")
        return "; ".join(parts)


def url_rewriter(course: CourseDefinition):
    """Map links between module files and to course images onto the site's URLs."""
    module_urls = {m.filename: f"{COURSES_URL}/{course.slug}/{m.slug}" for m in course.modules}

    def rewrite(url: str) -> str:
        target, hash_sign, anchor = url.partition("#")
        if target in module_urls:
            return module_urls[target] + hash_sign + anchor
        if target.startswith("images/"):
            return f"{COURSES_URL}/{course.slug}/files/{target}"
        return url

    return rewrite


#: a <dfn> as the sanitiser leaves it (its title, if any, HTML-escaped)
RENDERED_DEFINITION = re.compile(r'<dfn(?: title="([^"]*)")?>(.*?)</dfn>', re.S)


def render_module(module: ModuleDefinition, course: CourseDefinition) -> tuple[str, str]:
    body_html, toc_html = render_document(module.markdown, url_rewriter(course))
    return link_definitions(body_html, course.slug), toc_html


def glossary_url(course_slug: str, anchor: str = "") -> str:
    return f"{COURSES_URL}/{course_slug}/glossary" + (f"#{anchor}" if anchor else "")


def link_definitions(body_html: str, course_slug: str) -> str:
    """Give each <dfn> an anchor the glossary links back to, and link its words to the glossary entry."""
    def link(match: re.Match) -> str:
        title, inner = match.group(1), match.group(2)
        anchor = term_anchor(defined_term(html.unescape(title) if title else None, html.unescape(inner)))
        title_attribute = f' title="{title}"' if title else ""
        if "<a " in inner:
            return f'<dfn id="term-{anchor}"{title_attribute}>{inner}</dfn>'
        return (f'<dfn id="term-{anchor}"{title_attribute}><a href="{glossary_url(course_slug, anchor)}">'
                f'{inner}</a></dfn>')

    return RENDERED_DEFINITION.sub(link, body_html)


def import_course(definition: CourseDefinition, actor=None) -> ImportReport:
    """Create or update the course; a module no longer in the files is retired, never deleted."""
    report = ImportReport(definition.slug)
    course = db.session.scalar(select(Course).where(Course.slug == definition.slug))
    if course is not None and course.content_hash == definition.content_hash:
        return report
    report.changed = True
    if course is None:
        course = Course(slug=definition.slug, version=1)
        db.session.add(course)
    else:
        course.version += 1
    course.title = definition.title
    course.summary = definition.summary
    course.description_html = str(render_markdown(definition.description))
    course.topics, course.audience = definition.topics, definition.audience
    course.level, course.minutes, course.pretest = definition.level, definition.minutes, definition.pretest
    course.delayed_post_weeks = definition.delayed_post_weeks
    course.reading = definition.reading
    course.glossary = [{"term": entry.term, "anchor": entry.anchor, "module": entry.module,
                        "html": str(render_markdown(entry.definition))} for entry in definition.glossary]
    course.content_hash = definition.content_hash
    course.imported_at = utcnow()
    course.is_retired = False
    _sync_outcomes(course, definition)
    db.session.flush()

    category_root = f"Courses/{definition.title.replace('/', '-')}"
    existing = {m.slug: m for m in course.modules}
    for module_definition in definition.modules:
        module = existing.pop(module_definition.slug, None)
        if module is None:
            module = Module(course=course, slug=module_definition.slug)
            db.session.add(module)
            report.modules_added.append(module_definition.slug)
        body_html, toc_html = render_module(module_definition, definition)
        module.position = module_definition.position
        module.title, module.minutes = module_definition.title, module_definition.minutes
        module.outcome_codes, module.is_required = module_definition.outcomes, module_definition.required
        module.aims = module_definition.aims
        module.body_html, module.toc_html, module.word_count = body_html, toc_html, module_definition.word_count
        module.content_hash = hashlib.sha256(module_definition.markdown.encode()).hexdigest()
        module.is_retired = False
        module.quiz = None
        if module_definition.quiz is not None:
            quiz, changed = import_quiz(module_definition.quiz, f"{category_root}/Module quizzes", actor)
            module.quiz = quiz
            report.questions_changed += changed
    for position, module in enumerate(sorted(existing.values(), key=lambda m: m.position), 1):
        if not module.is_retired:
            module.is_retired = True
            report.modules_retired.append(module.slug)
        module.position = len(definition.modules) + position
    if definition.assessment is not None:
        category = find_or_create_category(f"{category_root}/Pre- and post-test")
        for item in definition.assessment.items:
            _, changed = save_question(item.key, category, item.data, actor)
            report.questions_changed += changed
        course.assessment_key = definition.assessment.key
        instrument = save_instrument(definition.assessment.key, definition.assessment.title or f"{definition.title}: before and after",
                        [(item.key, item.form) for item in definition.assessment.items],
                        [(c.key, c.outcome, c.statement) for c in definition.assessment.confidence], course.id)
        ensure_course_points(course, instrument)
    db.session.flush()
    record_event("course.imported", actor, "course", course.id, slug=course.slug, version=course.version)
    return report


def _sync_outcomes(course: Course, definition: CourseDefinition) -> None:
    by_code = {o.code: o for o in course.outcomes}
    wanted = []
    for position, item in enumerate(definition.outcomes, 1):
        outcome = by_code.get(item.code) or LearningOutcome(code=item.code)
        outcome.text, outcome.acrl, outcome.sconul, outcome.position = item.text, item.acrl, item.sconul, position
        wanted.append(outcome)
    course.outcomes = wanted
