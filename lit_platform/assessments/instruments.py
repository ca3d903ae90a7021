"""Checking an instrument built in the question bank: its items, parallel forms and confidence lines."""
from __future__ import annotations

import re

from ..quizzes import lint

KEY = re.compile(r"^[a-z0-9][a-z0-9.-]{1,80}$")
OUTCOME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
ITEM_CHOICES = (("", "Not in the test"), ("both", "In both forms"), ("A", "Form A only"), ("B", "Form B only"))


def check_items(chosen: list[tuple[str, str]]) -> tuple[list[tuple[str, str | None]], str | None]:
    """[(question key, choice)] -> ([(question key, form or None)], error or None).

    Parallel forms must be of equal length, so that before and after compare like with like.
    """
    items = [(key, None if choice == "both" else choice) for key, choice in chosen if choice]
    if not items:
        return items, "Choose at least one question for the test."
    a = sum(1 for _, form in items if form == "A")
    b = sum(1 for _, form in items if form == "B")
    if a != b:
        return items, (f"Form A has {a} question(s) of its own and form B {b}: give both forms the same number, "
                       "or put the questions in both forms.")
    return items, None


def parse_confidence(text: str, key: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Lines "OUTCOME | statement" -> [(item key, outcome, statement)], and an error per bad line."""
    items, errors = [], []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        outcome, bar, statement = line.partition("|")
        outcome, statement = outcome.strip(), statement.strip()
        if not bar or not statement:
            errors.append(f"Line {number}: write the outcome code, a | and the statement, "
                          "e.g. SE3 | I can combine terms with AND and OR.")
        elif not OUTCOME.match(outcome):
            errors.append(f"Line {number}: “{outcome}” is not an outcome code (letters, digits, . _ -).")
        elif len(statement) > 300:
            errors.append(f"Line {number}: keep the statement under 300 characters.")
        else:
            items.append((f"{key}.conf.{len(items) + 1}", outcome, statement))
    return items, errors


def confidence_text(instrument) -> str:
    return "\n".join(f"{item.outcome} | {item.statement}" for item in instrument.confidence_items)


def question_findings(questions) -> dict[int, list]:
    """Item-writing findings of each bank question's current version, by question id."""
    return {q.id: lint.lint_item(lint.item_from_version(q.key, q.current)) for q in questions if q.current is not None}


def instrument_findings(instrument) -> list:
    """Findings about a saved instrument as a whole: keyed-longest share, true/false keys and outcome coverage."""
    if instrument is None:
        return []
    items = [lint.item_from_version(item.question.key, item.question.current, item.form)
             for item in instrument.items if item.question.current is not None]
    return lint.lint_whole_instrument(items, [c.outcome for c in instrument.confidence_items], None, {}, "this test")
