"""State changes to the question bank and quizzes."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..audit import record_event
from ..extensions import db
from .models import Question, QuestionCategory, QuestionTag, QuestionVersion, Quiz, QuizExtension, QuizSlot
from .types import get_type

QUESTION_FIELDS = ("type", "title", "stem", "spec", "general_feedback", "feedback_correct", "feedback_partial",
                   "feedback_incorrect", "points", "outcome")


class BankError(ValueError):
    """A change to the bank that cannot be made, with a message for the librarian."""


@dataclass
class QuestionData:
    """Everything that makes up one version of a question, as plain values."""

    type: str
    stem: str
    spec: dict
    title: str = ""
    general_feedback: str = ""
    feedback_correct: str = ""
    feedback_partial: str = ""
    feedback_incorrect: str = ""
    points: float = 1.0
    outcome: str | None = None
    tags: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        try:
            question_type = get_type(self.type)
        except ValueError as error:
            return [str(error)]
        problems = list(question_type.validate(self.spec))
        if not str(self.stem or "").strip():
            problems.insert(0, "the question text is empty")
        if not isinstance(self.points, (int, float)) or self.points < 0:
            problems.append("points must be zero or more")
        return problems

    def content_hash(self) -> str:
        payload = {name: getattr(self, name) for name in QUESTION_FIELDS}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    @classmethod
    def from_version(cls, version: QuestionVersion, tags: list[str] | None = None) -> QuestionData:
        return cls(**{name: getattr(version, name) for name in QUESTION_FIELDS}, tags=list(tags or []))


# Categories ----------------------------------------------------------------------------------

def _category_names(path: str) -> list[str]:
    return [part.strip() for part in path.replace("\\", "/").split("/") if part.strip()]


def _child_category(name: str, parent: QuestionCategory | None) -> QuestionCategory | None:
    query = select(QuestionCategory).where(QuestionCategory.name == name)
    if parent is None:
        return db.session.scalar(query.where(QuestionCategory.parent_id.is_(None)))
    return db.session.scalar(query.where(QuestionCategory.parent_id == parent.id))


def find_category(path: str) -> QuestionCategory | None:
    """The category at 'Searching/Boolean', or None if any level is missing."""
    category = None
    for name in _category_names(path):
        category = _child_category(name, category)
        if category is None:
            return None
    return category


def find_or_create_category(path: str) -> QuestionCategory:
    """Resolve 'Searching/Boolean', creating missing categories."""
    parent = None
    for name in _category_names(path) or ["Default"]:
        category = _child_category(name, parent)
        if category is None:
            category = QuestionCategory(name=name[:200], parent=parent)
            db.session.add(category)
            db.session.flush()
        parent = category
    return parent


def create_category(name: str, parent: QuestionCategory | None, actor) -> QuestionCategory:
    name = name.strip()
    if "/" in name:
        raise BankError("A category name cannot contain '/', which separates levels in category paths.")
    path = f"{parent.path}/{name}" if parent else name
    if _child_category(name, parent):
        raise BankError(f"There is already a category {path}.")
    category = find_or_create_category(path)
    record_event("question_category.created", actor, "question_category", category.id, path=path)
    return category


# Questions -----------------------------------------------------------------------------------

def save_question(key: str, category: QuestionCategory, data: QuestionData, actor=None) -> tuple[Question, bool]:
    """Create the question or add a version if its content changed; returns (question, changed)."""
    problems = data.problems()
    if problems:
        raise BankError("; ".join(problems))
    question = db.session.scalar(select(Question).where(Question.key == key))
    content_hash = data.content_hash()
    if question is None:
        question = Question(key=key, category=category, created_by_id=getattr(actor, "id", None))
        db.session.add(question)
        db.session.flush()
    elif question.current is not None and question.current.content_hash == content_hash:
        _set_tags(question, data.tags)
        if question.category_id != category.id:
            question.category = category
        return question, False
    number = (db.session.scalar(select(func.max(QuestionVersion.number))
                                .where(QuestionVersion.question_id == question.id)) or 0) + 1
    version = QuestionVersion(
        question_id=question.id, number=number, content_hash=content_hash, created_by_id=getattr(actor, "id", None),
        **{name: getattr(data, name) for name in QUESTION_FIELDS},
    )
    db.session.add(version)
    db.session.flush()
    question.current = version
    question.category = category
    question.is_retired = False
    _set_tags(question, data.tags)
    db.session.flush()
    if actor is not None:
        record_event("question.saved", actor, "question", question.id, key=key, version=number)
    return question, True


def new_question_key() -> str:
    return f"bank.{uuid.uuid4().hex[:12]}"


def _set_tags(question: Question, tags: list[str]) -> None:
    wanted = sorted({t.strip().lower()[:60] for t in tags if t and t.strip()})
    if question.tags != wanted:
        question.tag_rows = [QuestionTag(tag=t) for t in wanted]


def duplicate_question(question: Question, actor) -> Question:
    copy, _ = save_question(new_question_key(), question.category,
                            QuestionData.from_version(question.current, question.tags), actor)
    copy.current.title = (question.current.title + " (copy)").strip()
    return copy


def move_question(question: Question, category: QuestionCategory, actor) -> None:
    question.category = category
    record_event("question.moved", actor, "question", question.id, category=category.path)


def set_retired(question: Question, retired: bool, actor) -> None:
    question.is_retired = retired
    record_event("question.retired" if retired else "question.restored", actor, "question", question.id)


# Quizzes -------------------------------------------------------------------------------------

QUIZ_SETTINGS = ("title", "description", "attempts_allowed", "pass_mark", "shuffle_questions", "shuffle_choices",
                 "feedback_mode", "questions_per_page", "review_score", "review_feedback", "review_right_answers",
                 "time_limit_minutes", "opens_at", "closes_at", "is_published")


def save_quiz(key: str, settings: dict, actor=None) -> Quiz:
    """Create or update a quiz's settings (not its questions)."""
    quiz = db.session.scalar(select(Quiz).where(Quiz.key == key))
    if quiz is None:
        quiz = Quiz(key=key, created_by_id=getattr(actor, "id", None))
        db.session.add(quiz)
    for name in QUIZ_SETTINGS:
        if name in settings:
            setattr(quiz, name, settings[name])
    if quiz.feedback_mode is None:
        quiz.feedback_mode = "deferred"
    if quiz.feedback_mode not in ("immediate", "deferred"):
        raise BankError("Feedback must be 'immediate' or 'deferred'.")
    if quiz.opens_at and quiz.closes_at and quiz.closes_at <= quiz.opens_at:
        raise BankError("The quiz must close after it opens.")
    db.session.flush()
    if actor is not None:
        record_event("quiz.saved", actor, "quiz", quiz.id, key=key)
    return quiz


def set_fixed_questions(quiz: Quiz, questions: list[Question]) -> None:
    """Make the quiz's slots exactly these questions, in this order (used by file imports)."""
    existing = [(s.question_id, s.is_random) for s in quiz.slots]
    if existing == [(q.id, False) for q in questions]:
        return
    quiz.slots.clear()
    db.session.flush()
    for position, question in enumerate(questions, 1):
        quiz.slots.append(QuizSlot(position=position, question=question))
    db.session.flush()


def add_question_to_quiz(quiz: Quiz, question: Question, actor, points: float | None = None) -> QuizSlot:
    if any(slot.question_id == question.id for slot in quiz.slots):
        raise BankError("That question is already in the quiz.")
    slot = QuizSlot(position=len(quiz.slots) + 1, question=question, points=points)
    quiz.slots.append(slot)
    db.session.flush()
    record_event("quiz.question_added", actor, "quiz", quiz.id, question=question.key)
    return slot


def add_random_rule(quiz: Quiz, count: int, actor, category: QuestionCategory | None = None,
                    tag: str | None = None) -> QuizSlot:
    if count < 1:
        raise BankError("Draw at least one question.")
    if category is None and not tag:
        raise BankError("Choose a category or a tag to draw from.")
    slot = QuizSlot(position=len(quiz.slots) + 1, random_category=category, random_tag=(tag or None),
                    random_count=count)
    quiz.slots.append(slot)
    db.session.flush()
    record_event("quiz.random_rule_added", actor, "quiz", quiz.id, count=count, tag=tag,
                 category=category.path if category else None)
    return slot


def remove_slot(quiz: Quiz, slot_id: int, actor) -> None:
    slot = next((s for s in quiz.slots if s.id == slot_id), None)
    if slot is None:
        raise BankError("That question is not in this quiz.")
    quiz.slots.remove(slot)
    for position, remaining in enumerate(quiz.slots, 1):
        remaining.position = position
    db.session.flush()
    record_event("quiz.slot_removed", actor, "quiz", quiz.id)


def move_slot(quiz: Quiz, slot_id: int, offset: int, actor) -> None:
    slots = list(quiz.slots)
    index = next((i for i, s in enumerate(slots) if s.id == slot_id), None)
    if index is None:
        raise BankError("That question is not in this quiz.")
    target = max(0, min(len(slots) - 1, index + offset))
    slots.insert(target, slots.pop(index))
    for position, slot in enumerate(slots, 1):
        slot.position = position
    db.session.flush()


def grant_extension(quiz: Quiz, user_id: int, extra_minutes: int, actor) -> QuizExtension:
    if extra_minutes < 1:
        raise BankError("Give at least one extra minute.")
    extension = db.session.scalar(select(QuizExtension).where(QuizExtension.quiz_id == quiz.id,
                                                              QuizExtension.user_id == user_id))
    if extension is None:
        extension = QuizExtension(quiz_id=quiz.id, user_id=user_id, extra_minutes=extra_minutes)
        db.session.add(extension)
    extension.extra_minutes = extra_minutes
    extension.granted_by_id = actor.id
    db.session.flush()
    record_event("quiz.extension_granted", actor, "quiz", quiz.id, user_id=user_id, extra_minutes=extra_minutes)
    return extension
