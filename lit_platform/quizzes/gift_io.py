"""GIFT files in and out of the question bank."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit import record_event
from ..core.trees import subtree_ids
from ..extensions import db
from .gift import GiftQuestion, export_gift, gift_unsupported, parse_gift
from .models import Question, QuestionCategory
from .services import BankError, QuestionData, find_category, find_or_create_category, save_question


@dataclass
class GiftImportResult:
    imported: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    committed: bool = True


def _gift_key(question: GiftQuestion, category: str, seen: dict[str, int]) -> str:
    digest = hashlib.sha256(f"{category}\n{question.type}\n{question.title}\n{question.stem}".encode()).hexdigest()[:16]
    seen[digest] = seen.get(digest, 0) + 1
    return f"gift.{digest}" + (f"-{seen[digest]}" if seen[digest] > 1 else "")


def import_gift(text: str, default_category: str, strict: bool = False, actor=None,
                filename: str = "upload") -> GiftImportResult:
    """Import every readable question; list the others by line. With strict, any problem imports nothing."""
    questions, problems = parse_gift(text)
    result = GiftImportResult(errors=[f"{filename}, line {p.line}: {p.message}" for p in problems])
    staged = []
    for question in questions:
        data = QuestionData(type=question.type, stem=question.stem, spec=question.spec, title=question.title,
                            general_feedback=question.general_feedback)
        found = data.problems()
        if found:
            result.errors.append(f"{filename}, line {question.line}: {'; '.join(found)}")
        else:
            staged.append((question, data))
    if strict and result.errors:
        result.committed = False
        return result
    seen: dict[str, int] = {}
    for question, data in staged:
        category_path = question.category or default_category
        try:
            _, changed = save_question(_gift_key(question, category_path, seen),
                                       find_or_create_category(category_path), data, actor)
        except BankError as error:
            result.errors.append(f"{filename}, line {question.line}: {error}")
            continue
        if changed:
            result.imported += 1
        else:
            result.unchanged += 1
    record_event("gift.imported", actor, file=filename, imported=result.imported, errors=len(result.errors))
    return result


def _category_ids(path: str | None) -> list[int] | None:
    if path is None:
        return None
    root = find_category(path)
    if root is None:
        return []
    return list(db.session.scalars(subtree_ids(QuestionCategory, root.id)))


def questions_for_export(category_path: str | None) -> list[GiftQuestion]:
    query = (select(Question).where(Question.is_retired.is_(False), Question.current_version_id.is_not(None))
             .options(selectinload(Question.current), selectinload(Question.category)).order_by(Question.id))
    ids = _category_ids(category_path)
    if ids is not None:
        query = query.where(Question.category_id.in_(ids))
    questions = db.session.scalars(query).all()
    return [GiftQuestion(category=q.category.path, title=q.current.title, type=q.current.type, stem=q.current.stem,
                         spec=q.current.spec, general_feedback=q.current.general_feedback, line=0)
            for q in sorted(questions, key=lambda q: (q.category.path, q.id))]


def export_category(category_path: str | None) -> str:
    """GIFT text for the questions in a category (and its sub-categories), or all questions."""
    return export_gift(questions_for_export(category_path))


def unsupported_for_export(category_path: str | None) -> list[GiftQuestion]:
    return gift_unsupported(questions_for_export(category_path))
