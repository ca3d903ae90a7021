"""A module's quiz written in the draft: a new one from a skeleton, or a published quiz of the question bank.

Either way the quiz becomes a quiz file of the course (quizzes/NN-module.yaml), so the course keeps working as
files: it can be downloaded as a zip, changed, and uploaded again.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path, PurePosixPath

import yaml
from flask import current_app
from sqlalchemy import select

from ..audit import record_event
from ..courses.files import file_from_sources
from ..courses.loader import MODULE_FILE
from ..extensions import db
from ..quizzes.files import TYPE_FIELDS
from ..quizzes.models import Quiz
from . import files as course_files
from .drafts import AuthoringError, draft, draft_files, put_file, question_key_owners
from .models import CourseSource

#: the question types a course's quiz file can hold (the bank's other types have no file form yet)
FILE_TYPES = set(TYPE_FIELDS)
#: an image of a course as an imported question points at it on the site
COURSE_IMAGE = re.compile(r"^/courses/([a-z0-9]+(?:-[a-z0-9]+)*)/files/(images/[^/]+)$")


def _module(source: CourseSource, module_path: str) -> tuple[dict[str, bytes], str, dict]:
    files = draft_files(source)
    if module_path not in course_files.module_paths(files):
        raise AuthoringError(f"The draft has no module {module_path}")
    text = files[module_path].decode("utf-8")
    meta = course_files.module_meta(text)
    if meta.get("quiz"):
        raise AuthoringError(f"{module_path} already has a quiz ({meta['quiz']}): edit that one")
    return files, text, meta


def _course_outcomes(files: dict[str, bytes]) -> list[str]:
    try:
        data = yaml.safe_load(files.get(course_files.COURSE_FILE, b"").decode("utf-8", "replace")) or {}
    except yaml.YAMLError:
        return []
    outcomes = data.get("outcomes") if isinstance(data, dict) else None
    return [str(o["code"]) for o in outcomes or [] if isinstance(o, dict) and o.get("code")]


def _outcome_for(meta: dict, files: dict[str, bytes]) -> str:
    """The module's first outcome, else the course's first."""
    own = meta.get("outcomes")
    if isinstance(own, list) and own:
        return str(own[0])
    return (_course_outcomes(files) or [""])[0]


def _quiz_path(files: dict[str, bytes], module_path: str) -> str:
    stem = module_path[:-3]
    path, n = f"quizzes/{stem}.yaml", 2
    while path in files:
        path, n = f"quizzes/{stem}-{n}.yaml", n + 1
    return path


def _prefix(source: CourseSource) -> str:
    return source.key_prefix or source.course_slug


def _write(source: CourseSource, module_path: str, module_text: str, quiz_path: str, quiz: dict, actor) -> None:
    put_file(source, quiz_path, yaml.safe_dump(quiz, sort_keys=False, allow_unicode=True, width=100).encode(), actor)
    put_file(source, module_path, course_files.with_quiz(module_text, quiz_path).encode("utf-8"), actor)


def write_new_quiz(source: CourseSource, module_path: str, actor) -> str:
    """A quiz for the module, from a skeleton with one example question the author replaces; returns its path.

    :raises AuthoringError: no such module, or it has a quiz already.
    """
    files, text, meta = _module(source, module_path)
    module_slug = MODULE_FILE.match(module_path).group(2)
    quiz_path = _quiz_path(files, module_path)
    key = f"{_prefix(source)}.{quiz_path[len('quizzes/'):-len('.yaml')]}"
    title = meta.get("title") or module_slug
    quiz = {
        "key": key, "title": f"Check your understanding: {title}",
        "description": "Practice questions on this module.", "pass_mark": 70, "attempts": 0,
        "feedback": "immediate", "shuffle_choices": True,
        "questions": [{
            "key": f"{key}.example", "type": "single_choice", "outcome": _outcome_for(meta, files),
            "stem": "Replace this example with your first question. Which answer is right?",
            "choices": [
                {"text": "The right answer", "correct": True, "feedback": "Say why this answer is right."},
                {"text": "A tempting wrong answer", "feedback": "Say why this answer is wrong."},
            ],
        }],
    }
    _write(source, module_path, text, quiz_path, quiz, actor)
    record_event("authoring.quiz_written", actor, "course_source", source.id, path=quiz_path, module=module_path)
    return quiz_path


# Quizzes of the question bank --------------------------------------------------------------------

def bank_quizzes() -> list[Quiz]:
    """The published quizzes of the question bank, by title."""
    return list(db.session.scalars(select(Quiz).where(Quiz.is_published.is_(True)).order_by(Quiz.title, Quiz.id)))


def _percent(weight) -> float | int:
    value = round(float(weight or 0) * 100, 8)
    return int(value) if value == int(value) else value


def _spec_fields(qtype: str, spec: dict) -> dict:
    """The type's fields as a quiz file writes them (the reverse of quizzes/files.py's reading)."""
    if qtype in ("single_choice", "multiple_response"):
        choices = []
        correct_count = sum(1 for choice in spec.get("choices") or [] if float(choice.get("weight") or 0) > 0)
        for choice in spec.get("choices") or []:
            item = {"text": choice.get("text", "")}
            weight = float(choice.get("weight") or 0)
            if weight > 0:
                item["correct"] = True
            # The weight the file would give the choice without one (an equal share of the marks for each
            # correct choice of a multiple-response question) is left out, so it reads back exactly: a third
            # written as 33.3333 % would score a full answer 99.9999 %.
            if qtype == "multiple_response" and correct_count:
                implied = (1 if weight > 0 else -1) / correct_count
            else:
                implied = 1.0 if weight > 0 else 0.0
            if abs(weight - implied) > 1e-9:
                item["weight"] = _percent(weight)
            if choice.get("feedback"):
                item["feedback"] = choice["feedback"]
            choices.append(item)
        return {"choices": choices}
    if qtype == "true_false":
        fields = {"answer": spec.get("answer")}
        fields |= {k: spec[k] for k in ("feedback_true", "feedback_false") if spec.get(k)}
        return fields
    if qtype in ("short_answer", "numerical"):
        answers = []
        for answer in spec.get("answers") or []:
            item = {k: answer[k] for k in (("value", "tolerance", "min", "max") if qtype == "numerical" else ("text",))
                    if k in answer}
            item["weight"] = _percent(answer.get("weight", 1))
            if answer.get("feedback"):
                item["feedback"] = answer["feedback"]
            answers.append(item)
        fields = {"answers": answers}
        if qtype == "short_answer" and spec.get("case_sensitive"):
            fields["case_sensitive"] = True
        return fields
    if qtype == "matching":
        fields = {"pairs": [{"prompt": p.get("prompt", ""), "answer": p.get("answer", "")}
                            for p in spec.get("pairs") or []]}
        if spec.get("distractors"):
            fields["distractors"] = list(spec["distractors"])
        return fields
    if qtype == "ordering":
        return {"items": [item.get("text", "") for item in spec.get("items") or []]}
    if qtype == "essay":
        return {k: spec[k] for k in ("guidance", "min_words") if spec.get(k) not in (None, "")}
    if qtype == "description":
        return {}
    return copy.deepcopy(spec)  # the performance exercises: their spec is the file's fields


def _question_entry(question, key: str, outcome: str) -> dict:
    current = question.current
    entry = {"key": key, "type": current.type}
    if current.title:
        entry["title"] = current.title
    entry["outcome"] = outcome
    tags = sorted(row.tag for row in question.tag_rows)
    if tags:
        entry["tags"] = tags
    if current.points != 1:
        entry["points"] = current.points
    entry["stem"] = current.stem
    entry |= _spec_fields(current.type, current.spec or {})
    if current.general_feedback:
        entry["general_feedback"] = current.general_feedback
    feedback = {name: value for name, value in (("correct", current.feedback_correct),
                                                ("partial", current.feedback_partial),
                                                ("incorrect", current.feedback_incorrect)) if value}
    if feedback:
        entry["feedback"] = feedback
    return entry


def quiz_file_from_bank(quiz: Quiz, quiz_key: str, slug: str, key_prefix: str, outcomes: list[str],
                        default_outcome: str) -> dict:
    """A bank quiz as a course quiz file's mapping.

    Questions keep their bank keys unless another course uses them; then they get `key_prefix`.

    :raises AuthoringError: a random slot, or question types a course file cannot hold (named in the message).
    """
    if any(slot.question_id is None for slot in quiz.slots):
        raise AuthoringError(f"“{quiz.title}” draws random questions from the bank; a course's quiz file lists "
                             "its questions, so choose a quiz made of fixed questions")
    questions = [slot.question for slot in quiz.slots if slot.question is not None]
    if not questions:
        raise AuthoringError(f"“{quiz.title}” has no questions")
    empty = [q.key for q in questions if q.current is None]
    if empty:
        raise AuthoringError(f"“{quiz.title}” has questions without any text yet: {', '.join(empty)}")
    unsupported = sorted({q.current.type for q in questions if q.current.type not in FILE_TYPES})
    if unsupported:
        raise AuthoringError(f"“{quiz.title}” has questions of types a course's quiz file cannot hold: "
                             f"{', '.join(unsupported)}")
    taken = question_key_owners([q.key for q in questions], slug)
    settings = {"key": quiz_key, "title": quiz.title}
    if quiz.description:
        settings["description"] = quiz.description
    if quiz.pass_mark is not None:
        settings["pass_mark"] = int(quiz.pass_mark) if quiz.pass_mark == int(quiz.pass_mark) else quiz.pass_mark
    settings["attempts"] = quiz.attempts_allowed or 0
    settings["feedback"] = quiz.feedback_mode if quiz.feedback_mode in ("immediate", "deferred") else "deferred"
    settings["shuffle_choices"] = bool(quiz.shuffle_choices)
    settings["shuffle_questions"] = bool(quiz.shuffle_questions)
    settings["questions_per_page"] = quiz.questions_per_page
    if quiz.time_limit_minutes:
        settings["time_limit_minutes"] = quiz.time_limit_minutes
    settings["questions"] = [
        _question_entry(q, course_files.prefixed(q.key, key_prefix) if q.key in taken else q.key,
                        q.current.outcome if q.current.outcome in outcomes else default_outcome)
        for q in questions]
    return settings


def attach_bank_quiz(source: CourseSource, module_path: str, quiz_id: int, actor) -> str:
    """Write a published bank quiz into the draft as the module's quiz file; returns its path.

    :raises AuthoringError: no such module or quiz, the module has a quiz, or the quiz cannot be a course file.
    """
    files, text, meta = _module(source, module_path)
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or not quiz.is_published:
        raise AuthoringError("Choose one of the published quizzes of the question bank")
    quiz_path = _quiz_path(files, module_path)
    quiz_key = f"{_prefix(source)}.{quiz_path[len('quizzes/'):-len('.yaml')]}"
    content = quiz_file_from_bank(quiz, quiz_key, source.course_slug, _prefix(source), _course_outcomes(files),
                                  _outcome_for(meta, files))
    _copy_images(source, content["questions"], actor)
    _write(source, module_path, text, quiz_path, content, actor)
    record_event("authoring.quiz_attached", actor, "course_source", source.id, path=quiz_path, module=module_path,
                 quiz=quiz.key)
    return quiz_path


def _course_image(slug: str, path: str) -> bytes | None:
    """An image of a course: from its folder among the shipped courses, or from another file source."""
    folder = (Path(current_app.config["LIT_COURSES_PATH"]) / slug).resolve()
    file = (folder / path).resolve()
    if (folder / "course.yaml").is_file():
        return file.read_bytes() if file.is_relative_to(folder) and file.is_file() else None
    return file_from_sources(slug, path)


def _copy_images(source: CourseSource, questions: list[dict], actor) -> None:
    """Copy the images the questions show (a lateral-reading source's screenshot, say) from the course they came
    from into the draft's images/, and point the questions at the copies, so the course stands on its own.

    :raises AuthoringError: an image that cannot be found.
    """
    existing = {path: found.content for path, found in draft(source).items() if path.startswith("images/")}
    for entry in questions:
        shown = entry.get("source")
        match = COURSE_IMAGE.match(str(shown.get("image") or "")) if isinstance(shown, dict) else None
        if match is None:
            continue
        content = _course_image(match.group(1), match.group(2))
        if content is None:
            raise AuthoringError(f"The image {match.group(2)} of question {entry['key']} cannot be found in the "
                                 f"course {match.group(1)}")
        name = PurePosixPath(match.group(2))
        path, n = str(name), 2
        while path in existing and existing[path] != content:
            path, n = f"images/{name.stem}-{n}{name.suffix}", n + 1
        if path not in existing:
            put_file(source, path, content, actor)
            existing[path] = content
        shown["image"] = path
