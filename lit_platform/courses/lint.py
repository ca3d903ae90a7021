"""Item-writing checks over a course read from its files (`lit courses lint`)."""
from __future__ import annotations

from dataclasses import dataclass

from ..quizzes import lint
from ..quizzes.files import QuestionDefinition
from .loader import CourseDefinition


def item(definition: QuestionDefinition, filename: str) -> dict:
    data = definition.data
    return {"key": definition.key, "type": data.type, "stem": data.stem, "spec": data.spec, "outcome": data.outcome,
            "form": definition.form, "file": filename, "line": definition.line,
            "field_lines": definition.field_lines, "choice_lines": definition.choice_lines}


@dataclass(frozen=True)
class CourseLint:
    """A course's findings, and the keyed-longest shares of its instrument and of its module quizzes."""

    findings: list[lint.Finding]
    assessment_share: lint.Share | None
    quizzes_share: lint.Share
    assessment_file: str = ""

    @property
    def counts(self) -> tuple[int, int]:
        return lint.counts(self.findings)


def lint_course(course: CourseDefinition, course_file: str) -> CourseLint:
    findings: list[lint.Finding] = []
    quiz_items: list[dict] = []
    for module in course.modules:
        if module.quiz is None:
            continue
        items = [item(q, module.quiz.filename) for q in module.quiz.questions]
        quiz_items += items
        for one in items:
            findings += lint.lint_item(one)
        findings += lint.lint_true_false(items, {"file": module.quiz.filename, "line": 1},
                                         f"quiz {module.quiz.key or module.quiz.filename}")
    findings += lint.lint_share(quiz_items, {"file": course_file, "line": 1}, "the module quizzes taken together")
    assessment_share = None
    assessment = course.assessment
    if assessment is not None:
        items = [item(q, assessment.filename) for q in assessment.items]
        assessment_share = lint.keyed_longest_share(items)
        findings += lint.lint_instrument(
            items, [c.outcome for c in assessment.confidence], [o.code for o in course.outcomes],
            {"file": assessment.filename, "line": assessment.items_line}, "the pre/post test",
            {"file": assessment.filename, "line": assessment.confidence_line})
    return CourseLint(sorted(set(findings)), assessment_share, lint.keyed_longest_share(quiz_items),
                      assessment.filename if assessment else "")
