"""Parsers fuzzed with random input: whatever a librarian uploads (GIFT) or a course author writes (course
folders), the parsers report problems with a line number; they never fail with an unhandled exception.

(The search-syntax parser has its own fuzz tests in tests/exercises/test_search_fuzz.py.)
"""
from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lit_platform.courses.loader import read_course
from lit_platform.quizzes.gift import export_gift, parse_gift
from lit_platform.quizzes.services import QuestionData

from ..courses.conftest import ASSESSMENT, COURSE_YAML, MODULE_ONE, MODULE_TWO, QUIZ

FUZZ = settings(max_examples=1000, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

# GIFT: its special characters and keywords, and text around them.
GIFT_PIECES = list("{}=~#:%\\-> \n\n\t[]$0123456789.") + [
    "::", "::Title::", "{T}", "{F}", "{TRUE}", "{FALSE}", "{#", "{=", "~%50%", "~%-100%", "=%100%", "####",
    "->", " -> ", "$CATEGORY: ", "$CATEGORY: $course$/a/b", "// comment", "[html]", "[markdown]", "[plain]",
    "[moodle]", "\\{", "\\}", "\\=", "\\~", "\\#", "\\:", "\\n", "1..5", "2:0.5", "#3.14:0.01", "=%50%2:1",
    "What is?", "<b>x</b>", "\u00a0", "\u2028", "é", "\ufeff", "\r\n", "{}", "{\n}", "{~a ~b}", "{=a =b}",
]
GIFT_TEXT = st.one_of(
    st.lists(st.sampled_from(GIFT_PIECES), max_size=60).map("".join),
    st.text(max_size=300),
)


@FUZZ
@given(GIFT_TEXT)
def test_gift_parser_reports_problems_never_raises(text):
    questions, problems = parse_gift(text)
    lines = text.count("\n") + 2
    for problem in problems:
        assert isinstance(problem.message, str) and problem.message
        assert 0 <= problem.line <= lines
    for question in questions:
        # What the import does next with each question must not fail either.
        QuestionData(type=question.type, stem=question.stem, spec=question.spec, title=question.title,
                     general_feedback=question.general_feedback).problems()
    export_gift(questions)


# Course folders: each file replaced by random YAML- or Markdown-like text, or by a damaged valid file.
YAML_PIECES = ["\n", "  ", "- ", ": ", "key: ", "title: ", "type: ", "single_choice", "true_false", "essay",
               "choices:", "stem: ", "answer: ", "correct: true", "{", "}", "[", "]", "'", '"', "&a", "*a", "!!python/object ",
               "---", "...", "#", "|", ">", "outcome: ", "DS1", "items:", "questions:", "modules:", "slug: ", "x",
               "0", "-1", "1e9", "null", "~", "\t", "é", "%", "@", "`", "? ", "<<: *a", "!!binary ", "\x00", "\x85"]
MARKDOWN_PIECES = ["\n", "---\n", "title: ", "minutes: ", "outcomes: [", "]", "quiz: ", "# ", "## ", "[TOC]",
                   "[x](", ")", "01-question.md", "#combining-terms", "images/", "![", "<script>", "!!! tip",
                   "    ", "| a |", "|---|", "[^1]", "[^1]: x", "```", "*", "_", "\\", "é", "x"]


def damaged(valid: str):
    """A valid file with a random slice cut out or some random text put in."""
    return st.tuples(st.integers(0, len(valid)), st.integers(0, 40), st.text(max_size=20)).map(
        lambda t: valid[:t[0]] + t[2] + valid[t[0] + t[1]:])


def file_text(pieces, valid):
    return st.one_of(st.lists(st.sampled_from(pieces), max_size=40).map("".join), damaged(textwrap.dedent(valid)),
                     st.just(textwrap.dedent(valid)), st.text(max_size=100))


COURSE_FILES = st.fixed_dictionaries({
    "course.yaml": file_text(YAML_PIECES, COURSE_YAML),
    "01-question.md": file_text(MARKDOWN_PIECES, MODULE_ONE),
    "02-boolean.md": file_text(MARKDOWN_PIECES, MODULE_TWO),
    "quizzes/02-boolean.yaml": file_text(YAML_PIECES, QUIZ),
    "assessment.yaml": file_text(YAML_PIECES, ASSESSMENT),
})


@settings(FUZZ, max_examples=300)
@given(COURSE_FILES)
def test_course_loader_reports_problems_never_raises(files):
    with tempfile.TemporaryDirectory() as root:
        folder = Path(root) / "fuzz-course"
        for name, text in files.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8", errors="surrogatepass")
        course, problems = read_course(folder)
    for problem in problems:
        assert problem.message and problem.line >= 0 and problem.file
    assert course is not None or problems, "a course that could not be read must say why"
