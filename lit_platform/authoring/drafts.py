"""Drafts and published versions of a course's files: saving with optimistic locking, validating, publishing,
comparing and rolling back. Services flush; the view or CLI command commits."""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from ..assessments.models import Instrument, InstrumentItem
from ..audit import record_event
from ..core.types import utcnow
from ..core.yamlfile import LineDict, Problem, load_yaml
from ..courses.importer import import_course
from ..courses.loader import SLUG, CourseDefinition, course_folders, read_course
from ..courses.models import Course, Module
from ..extensions import db
from ..quizzes.models import Question, Quiz, QuizSlot
from . import files as course_files
from .models import CourseSource, SourceBlob, SourceFile, SourceVersion
from .svg import SvgError, sanitise_svg


class AuthoringError(Exception):
    """A change refused; the message says why, in words for the author."""


class EditConflict(AuthoringError):
    """Someone saved the file since the revision the editor started from."""

    def __init__(self, current_file: SourceFile):
        super().__init__(f"{current_file.path} was saved by someone else (revision {current_file.revision}) "
                         "since you opened it")
        self.current_file = current_file


class PublishProblems(AuthoringError):
    """The draft does not validate: nothing was published."""

    def __init__(self, problems: list[Problem]):
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} problem(s): {shown}{more}")
        self.problems = problems


# Where courses are --------------------------------------------------------------------------------

def source_by_slug(slug: str) -> CourseSource | None:
    return db.session.scalar(select(CourseSource).where(CourseSource.course_slug == slug))


def shipped_folder(slug: str) -> Path | None:
    """The folder of a shipped course (under LIT_COURSES_PATH), if there is one."""
    if not SLUG.match(slug or ""):
        return None
    folder = Path(current_app.config["LIT_COURSES_PATH"]) / slug
    return folder if (folder / course_files.COURSE_FILE).is_file() else None


def check_new_slug(slug: str) -> None:
    """:raises AuthoringError: the slug is malformed or already taken by a course, shipped or authored."""
    if not SLUG.match(slug or "") or len(slug) > 80:
        raise AuthoringError("A course's short name may contain only lower-case letters, digits and hyphens, "
                             "e.g. searching-our-library")
    if source_by_slug(slug) or shipped_folder(slug) \
            or db.session.scalar(select(Course.id).where(Course.slug == slug)):
        raise AuthoringError(f"There is already a course called '{slug}': choose another short name")


# Blobs and draft files ---------------------------------------------------------------------------

def store_blob(content: bytes) -> str:
    """Keep the bytes (once) and return their SHA-256."""
    return _blob(content).sha256


def _blob(content: bytes) -> SourceBlob:
    digest = course_files.sha256(content)
    blob = db.session.get(SourceBlob, digest)
    if blob is None:
        blob = SourceBlob(sha256=digest, content=content)
        db.session.add(blob)
        db.session.flush()
    return blob


def blob_content(digest: str) -> bytes:
    return db.session.get(SourceBlob, digest).content


def contents(hashes: dict[str, str]) -> dict[str, bytes]:
    """{path: bytes} for {path: sha256}, in one query."""
    if not hashes:
        return {}
    blobs = dict(db.session.execute(select(SourceBlob.sha256, SourceBlob.content)
                                    .where(SourceBlob.sha256.in_(set(hashes.values())))).all())
    return {path: blobs[digest] for path, digest in hashes.items()}


def draft(source: CourseSource) -> dict[str, SourceFile]:
    """The draft's files by path."""
    return {f.path: f for f in source.files}


def draft_hashes(source: CourseSource) -> dict[str, str]:
    return {f.path: f.sha256 for f in source.files}


def draft_files(source: CourseSource) -> dict[str, bytes]:
    return contents(draft_hashes(source))


def read_text(source: CourseSource, path: str) -> str:
    """:raises AuthoringError: no such file in the draft, or it is not text."""
    found = draft(source).get(path)
    if found is None:
        raise AuthoringError(f"The draft has no file {path}")
    try:
        return found.text
    except UnicodeDecodeError:
        raise AuthoringError(f"{path} is not a text file") from None


def _as_bytes(content: str | bytes) -> bytes:
    if isinstance(content, str):
        # Browsers send textareas with CRLF line ends; the files keep LF.
        return content.replace("\r\n", "\n").encode("utf-8")
    return content


def stored_form(path: str, content: bytes) -> bytes:
    """The bytes as the draft keeps them: every SVG sanitised, wherever it comes from (an upload, a copy).

    :raises AuthoringError: an unsafe path, or an SVG that cannot be read.
    """
    if not course_files.is_safe_path(path):
        raise AuthoringError(f"'{path}' is not a plain path inside the course folder")
    if path.lower().endswith(".svg"):
        try:
            return sanitise_svg(content)
        except SvgError as error:
            raise AuthoringError(f"{path}: {error}") from None
    return content


def put_file(source: CourseSource, path: str, content: bytes, actor) -> SourceFile:
    """Write a draft file (no locking: for whole-course operations); a changed file gets a new revision."""
    blob = _blob(stored_form(path, content))
    current = draft(source).get(path)
    if current is None:
        current = SourceFile(source=source, path=path, blob=blob, revision=1,
                             updated_by_id=getattr(actor, "id", None), updated_at=utcnow())
        db.session.add(current)
    elif current.sha256 != blob.sha256:
        current.blob, current.revision = blob, current.revision + 1
        current.updated_by_id, current.updated_at = getattr(actor, "id", None), utcnow()
    db.session.flush()
    return current


def remove_file(source: CourseSource, path: str) -> None:
    current = draft(source).get(path)
    if current is not None:
        source.files.remove(current)
        db.session.flush()


def set_draft(source: CourseSource, wanted: dict[str, bytes], actor) -> int:
    """Make the draft exactly `wanted`; returns how many files were added, changed or removed."""
    wanted = {path: stored_form(path, content) for path, content in wanted.items()}
    current = draft_hashes(source)
    changed = 0
    for path in sorted(set(current) - set(wanted)):
        remove_file(source, path)
        changed += 1
    for path in sorted(wanted):
        if current.get(path) != course_files.sha256(wanted[path]):
            put_file(source, path, wanted[path], actor)
            changed += 1
    return changed


def save_file(source: CourseSource, path: str, content: str | bytes, base_revision: int, actor) -> SourceFile:
    """Save one file of the draft, unless someone else saved it since `base_revision` (0 for a new file).

    :raises EditConflict: the file's revision is no longer `base_revision`; `current_file` holds their text.
    """
    content = _as_bytes(content)
    current = draft(source).get(path)
    if current is not None and current.revision != base_revision:
        raise EditConflict(current)
    if current is None and base_revision:
        raise AuthoringError(f"{path} has been removed from the draft since you opened it")
    content = stored_form(path, content)
    if current is not None and current.sha256 == course_files.sha256(content):
        return current
    if current is None:
        saved = put_file(source, path, content, actor)
    else:
        # The revision is checked again by the UPDATE itself: of two saves from the same revision that run at
        # once, the second finds no row to change (PostgreSQL re-reads the row once the first commits).
        blob = _blob(content)
        result = db.session.execute(
            update(SourceFile).where(SourceFile.id == current.id, SourceFile.revision == base_revision)
            .values(sha256=blob.sha256, revision=base_revision + 1, updated_by_id=getattr(actor, "id", None),
                    updated_at=utcnow()).execution_options(synchronize_session=False))
        db.session.expire(current)
        if result.rowcount != 1:
            raise EditConflict(current)
        saved = current
    record_event("authoring.file_saved", actor, "course_source", source.id, path=path, revision=saved.revision)
    return saved


def course_title(files: dict[str, bytes]) -> str | None:
    """The title in a course.yaml among `files` (None if unreadable)."""
    data, problems = load_yaml(files.get(course_files.COURSE_FILE, b"").decode("utf-8", "replace"), "course.yaml")
    return str(data.get("title")) if not problems and isinstance(data, LineDict) and data.get("title") else None


# Validating and publishing -----------------------------------------------------------------------

def validate_files(slug: str, files: dict[str, bytes]) -> tuple[CourseDefinition | None, list[Problem]]:
    """Read the files as the loader reads a course folder; keys used by other courses are problems too."""
    with tempfile.TemporaryDirectory(prefix="lit-authoring-") as temp:
        definition, problems = read_course(course_files.write_folder(files, Path(temp) / slug))
    if definition is not None:
        problems = sorted(problems + key_collisions(definition))
    return definition, problems


def validate(source: CourseSource) -> tuple[CourseDefinition | None, list[Problem]]:
    """The draft read as a course folder: (definition, problems named by file and line)."""
    return validate_files(source.course_slug, draft_files(source))


#: {digest of the shipped courses' YAML files: {key: slug}}: reading every shipped course takes seconds
_shipped_keys_cache: dict[str, dict[str, str]] = {}


def course_keys(definition: CourseDefinition) -> set[str]:
    """Every question, quiz and assessment key a course defines."""
    keys = {m.quiz.key for m in definition.modules if m.quiz}
    keys |= {q.key for m in definition.modules if m.quiz for q in m.quiz.questions}
    if definition.assessment:
        keys |= {definition.assessment.key} | {i.key for i in definition.assessment.items}
    return keys


def shipped_keys() -> dict[str, str]:
    """{key: slug} for the shipped courses' keys, whether or not they have been imported yet."""
    root = Path(current_app.config["LIT_COURSES_PATH"])
    if not root.is_dir():
        return {}
    folders = [f for f in course_folders(root) if (f / course_files.COURSE_FILE).is_file()]
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*.y*ml")):
            digest.update(f"{path.relative_to(root).as_posix()}\0".encode() + path.read_bytes() + b"\0")
    signature = digest.hexdigest()
    if signature not in _shipped_keys_cache:
        keys: dict[str, str] = {}
        for folder in folders:
            definition, _ = read_course(folder)
            if definition is not None:
                keys |= dict.fromkeys(course_keys(definition), folder.name)
        _shipped_keys_cache.clear()
        _shipped_keys_cache[signature] = keys
    return _shipped_keys_cache[signature]


def question_key_owners(keys, slug: str) -> dict[str, str]:
    """{question key: slug of the other course using it} for those of `keys` another course than `slug` uses."""
    keys = list(keys)
    owners: dict[str, str] = {}
    if keys:
        for statement in (
            select(Question.key, Course.slug).join(QuizSlot, QuizSlot.question_id == Question.id)
            .join(Module, Module.quiz_id == QuizSlot.quiz_id).join(Course, Course.id == Module.course_id),
            select(Question.key, Course.slug).join(InstrumentItem, InstrumentItem.question_id == Question.id)
            .join(Instrument, Instrument.id == InstrumentItem.instrument_id)
            .join(Course, Course.id == Instrument.course_id),
        ):
            owners |= dict(db.session.execute(statement.where(Question.key.in_(keys), Course.slug != slug)).all())
    # A shipped course not imported yet would take its keys back when it is.
    shipped = shipped_keys()
    owners |= {key: shipped[key] for key in keys if key in shipped and shipped[key] != slug}
    return owners


def key_collisions(definition: CourseDefinition) -> list[Problem]:
    """Question, quiz and assessment keys of this course that another course already uses.

    Keys are global (a question is found by its key), so importing them would change the other course."""
    slug = definition.slug
    quizzes = {m.quiz.key: m.quiz for m in definition.modules if m.quiz}
    questions = {q.key: (m.quiz.filename, q.line) for m in definition.modules if m.quiz for q in m.quiz.questions}
    if definition.assessment:
        questions |= {i.key: (definition.assessment.filename, i.line) for i in definition.assessment.items}
    owners = question_key_owners(questions, slug)
    shipped = {key: owner for key, owner in shipped_keys().items() if owner != slug}
    problems = [Problem(filename, line, f"question key '{key}' is already used by the course '{owners[key]}': "
                                        "give the question a key of its own")
                for key, (filename, line) in questions.items() if key in owners]
    quiz_owners = dict(db.session.execute(
        select(Quiz.key, Course.slug).join(Module, Module.quiz_id == Quiz.id)
        .join(Course, Course.id == Module.course_id).where(Quiz.key.in_(quizzes), Course.slug != slug)).all())
    quiz_owners |= {key: shipped[key] for key in quizzes if key in shipped}
    for key, owner in sorted(quiz_owners.items()):
        problems.append(Problem(quizzes[key].filename, 1, f"quiz key '{key}' is already used by the course '{owner}'"))
    if definition.assessment and definition.assessment.key:
        key = definition.assessment.key
        owner = db.session.scalar(select(Course.slug).join(Instrument, Instrument.course_id == Course.id).where(
            Instrument.key == key, Course.slug != slug)) or shipped.get(key)
        if owner:
            problems.append(Problem(definition.assessment.filename, definition.assessment.line,
                                    f"assessment key '{definition.assessment.key}' is already used by the course "
                                    f"'{owner}'"))
    return problems


def latest_version(source: CourseSource) -> SourceVersion | None:
    return source.versions[-1] if source.versions else None


def has_unpublished_changes(source: CourseSource) -> bool:
    latest = latest_version(source)
    return latest is None or latest.files != draft_hashes(source)


def lock_source(source: CourseSource) -> None:
    """Take the course's row lock (PostgreSQL; SQLite's writing requests hold the write lock already) and read
    its files and versions afresh, so that two publishes of one course run one after the other."""
    db.session.execute(select(CourseSource.id).where(CourseSource.id == source.id).with_for_update())
    db.session.expire(source, ["files", "versions"])


def publish(source: CourseSource, note: str, actor) -> SourceVersion | None:
    """Import the draft for learners and keep it as the next version; None if nothing changed since the last.

    :raises PublishProblems: the draft does not validate (nothing is published).
    """
    lock_source(source)
    definition, problems = validate(source)
    if problems or definition is None:
        raise PublishProblems(problems)
    hashes = draft_hashes(source)
    latest = latest_version(source)
    if latest is not None and latest.files == hashes:
        return None
    report = import_course(definition, actor)
    version = SourceVersion(source=source, number=(latest.number + 1) if latest else 1, files=hashes,
                            note=(note or "").strip(), published_by_id=getattr(actor, "id", None),
                            published_at=utcnow())
    db.session.add(version)
    db.session.flush()
    record_event("authoring.published", actor, "course_source", source.id, slug=source.course_slug,
                 version=version.number, summary=report.summary())
    return version


def versions(source: CourseSource) -> list[SourceVersion]:
    """Published versions, newest first."""
    return list(reversed(source.versions))


def version(source: CourseSource, number: int) -> SourceVersion:
    """:raises AuthoringError: no such version."""
    for found in source.versions:
        if found.number == number:
            return found
    raise AuthoringError(f"{source.course_slug} has no version {number}")


def version_files(source: CourseSource, number: int) -> dict[str, bytes]:
    return contents(version(source, number).files)


def version_diff(source: CourseSource, a: int, b: int) -> list[course_files.FileDiff]:
    """What changed from version `a` to version `b` (0 means before the first version)."""
    return course_files.diff(version_files(source, a) if a else {}, version_files(source, b))


def draft_diff(source: CourseSource) -> list[course_files.FileDiff]:
    """What the draft changes compared with what learners see now."""
    latest = latest_version(source)
    return course_files.diff(contents(latest.files) if latest else {}, draft_files(source))


def discard_draft(source: CourseSource, actor) -> int:
    """Put the draft back to the last published version; returns how many files changed.

    :raises AuthoringError: nothing has been published yet.
    """
    latest = latest_version(source)
    if latest is None:
        raise AuthoringError("Nothing has been published yet, so there is no published version to go back to")
    changed = set_draft(source, contents(latest.files), actor)
    record_event("authoring.draft_discarded", actor, "course_source", source.id, files=changed)
    return changed


def rollback(source: CourseSource, number: int, actor) -> SourceVersion:
    """Publish the files of version `number` again, as a new version (the draft becomes those files too).

    :raises AuthoringError: no such version, it is what learners see already, or the draft holds changes that
        are not published (they would be lost: publish or discard them first).
    """
    lock_source(source)
    target = version(source, number)
    latest = latest_version(source)
    if latest.files == target.files:
        raise AuthoringError(f"Version {number} has the same files as the published version {latest.number}")
    if has_unpublished_changes(source):
        raise AuthoringError("The draft has changes that are not published: publish or discard them before "
                             "rolling back, so that nobody's work is lost")
    set_draft(source, contents(target.files), actor)
    published = publish(source, f"Rolled back to version {number}", actor)
    record_event("authoring.rolled_back", actor, "course_source", source.id, to=number, version=published.number)
    return published


def new_source(slug: str, origin: str, actor, **fields) -> CourseSource:
    source = CourseSource(course_slug=slug, origin=origin, created_by_id=getattr(actor, "id", None),
                          created_at=utcnow(), upstream_base=fields.pop("upstream_base", {}), **fields)
    db.session.add(source)
    db.session.flush()
    return source


def published_file(slug: str, path: str) -> bytes | None:
    """A file of the published version of an authored course (for course images), or None."""
    source = source_by_slug(slug)
    latest = latest_version(source) if source else None
    digest = latest.files.get(path) if latest else None
    return blob_content(digest) if digest else None
