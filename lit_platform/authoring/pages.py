"""What the authoring pages show: reads only, no state changes."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask import abort, current_app
from sqlalchemy import select

from ..courses.lint import item as lint_item_of
from ..courses.loader import course_folders
from ..extensions import db
from ..quizzes import lint
from ..quizzes.files import read_quiz_file
from .drafts import source_by_slug
from .files import module_paths
from .models import CourseSource



def source_or_404(slug: str) -> CourseSource:
    source = source_by_slug(slug)
    if source is None:
        abort(404)
    return source


def _title_of(course_yaml: str) -> str:
    try:
        data = yaml.safe_load(course_yaml) or {}
    except yaml.YAMLError:
        return ""
    return str(data.get("title") or "") if isinstance(data, dict) else ""


def shipped_courses() -> list[tuple[str, str]]:
    """(slug, title) of the courses shipped as folders."""
    found = []
    for folder in course_folders(current_app.config["LIT_COURSES_PATH"]):
        try:
            title = _title_of((folder / "course.yaml").read_text("utf-8"))
        except OSError:
            continue
        found.append((folder.name, title or folder.name))
    return sorted(found, key=lambda pair: pair[1].lower())


@dataclass
class SourceRow:
    source: CourseSource
    title: str
    published: int | None
    changed: bool


def overview() -> dict:
    """The index page: every course being authored, and the shipped courses one may copy."""
    rows = []
    for source in db.session.scalars(select(CourseSource).order_by(CourseSource.course_slug)):
        files = {f.path: f for f in source.files}
        latest = source.versions[-1] if source.versions else None
        draft = {path: f.sha256 for path, f in files.items()}
        rows.append(SourceRow(source, _title_of(files["course.yaml"].text) if "course.yaml" in files
                              else source.course_slug, latest.number if latest else None,
                              latest is None or latest.files != draft))
    return {"sources": rows, "shipped": shipped_courses()}


@dataclass
class ModuleRow:
    path: str
    title: str
    quiz: str | None
    first: bool = False
    last: bool = False


@dataclass
class CoursePage:
    title: str
    modules: list[ModuleRow]
    quizzes: list[str]
    images: list[str]
    versions: list
    changed: bool
    upstream: list = field(default_factory=list)


def course_page(source: CourseSource, upstream: list) -> CoursePage:
    """The course page's lists: modules in order with their titles, quizzes, images, versions."""
    from .forms import read_module

    files = {f.path: f for f in source.files}
    modules = []
    for path in module_paths(files):
        meta = read_module(files[path].text)[0]
        modules.append(ModuleRow(path, str(meta.get("title") or path), meta.get("quiz")))
    if modules:
        modules[0].first, modules[-1].last = True, True
    latest = source.versions[-1] if source.versions else None
    draft = {path: f.sha256 for path, f in files.items()}
    return CoursePage(_title_of(files["course.yaml"].text) if "course.yaml" in files else source.course_slug,
                      modules, sorted(p for p in files if p.startswith("quizzes/")),
                      sorted(p for p in files if p.startswith("images/")), list(reversed(source.versions)),
                      latest is None or latest.files != draft, upstream)


@dataclass
class QuizCheck:
    problems: list
    #: (key, line, stem, findings) per question, in file order
    items: list = field(default_factory=list)
    #: findings about the quiz as a whole
    overall: list = field(default_factory=list)


def check_quiz(path: str, text: str) -> QuizCheck:
    """A quiz file's problems (file and line) and the item-writing checker's findings beside each question."""
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "quiz.yaml"
        file.write_text(text, "utf-8")
        definition, problems = read_quiz_file(file, display_name=path)
    if definition is None:
        return QuizCheck(problems)
    items = [lint_item_of(q, path) for q in definition.questions]
    overall = lint.lint_true_false(items, {"file": path, "line": 1}, f"quiz {definition.key or path}")
    rows = [(one["key"], one["line"], lint.plain(one["stem"])[:160], lint.lint_item(one)) for one in items]
    return QuizCheck(problems, rows, overall)
