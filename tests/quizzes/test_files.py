"""Quiz files in YAML: every problem named with its file and line; import is idempotent."""
import textwrap

from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from lit_platform.cli import main as lit
from lit_platform.extensions import db
from lit_platform.quizzes.files import import_quiz, read_quiz_file
from lit_platform.quizzes.models import QuestionVersion, Quiz

GOOD = """\
key: boolean-check
title: Boolean check
pass_mark: 70
questions:
  - key: t.boolean.or
    type: single_choice
    outcome: SE3
    stem: Which operator broadens a search?
    choices:
      - text: OR
        correct: true
        feedback: OR finds records with either term.
      - text: AND
        feedback: AND narrows.
  - key: t.boolean.synonyms
    type: multiple_response
    outcome: SE3
    stem: Which are synonyms for teenager?
    choices:
      - {text: adolescent, correct: true}
      - {text: youth, correct: true}
      - {text: pensioner}
  - key: t.truncation
    type: true_false
    outcome: SE4
    stem: nurs* finds nursing.
    answer: true
  - key: t.mesh
    type: short_answer
    outcome: SE5
    stem: MEDLINE's vocabulary?
    answers: [MeSH, {text: "Medical Subject Heading*", weight: 100}]
  - key: t.nnt
    type: numerical
    outcome: SE5
    stem: NNT for ARR 5%?
    answers: [{value: 20, tolerance: 0.5}]
  - key: t.match
    type: matching
    outcome: SE3
    stem: Match.
    pairs: [{prompt: AND, answer: narrows}, {prompt: OR, answer: broadens}]
  - key: t.order
    type: ordering
    outcome: SE3
    stem: Order.
    items: [Question, Concepts, Search]
  - key: t.essay
    type: essay
    outcome: SE3
    stem: Explain.
    guidance: Mentions synonyms.
"""


def write(tmp_path, text, name="quiz.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def test_a_good_file_reads_with_every_type(tmp_path):
    definition, problems = read_quiz_file(write(tmp_path, GOOD), outcomes={"SE3", "SE4", "SE5"})
    assert problems == []
    assert definition.settings["pass_mark"] == 70
    by_key = {q.key: q.data for q in definition.questions}
    assert [c["weight"] for c in by_key["t.boolean.synonyms"].spec["choices"]] == [0.5, 0.5, -0.5]
    assert by_key["t.mesh"].spec["answers"][0] == {"text": "MeSH", "weight": 1.0, "feedback": ""}
    assert by_key["t.order"].spec["items"][2] == {"id": "3", "text": "Search"}


def test_each_kind_of_error_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, """\
        key: bad
        title: Bad
        questions:
          - key: b.one
            type: single_choice
            outcome: SE9
            stem: Which?
            choices:
              - text: a
              - text: b
                feedbak: typo
          - key: b.one
            type: true_false
            stem: Sure?
            answer: maybe
          - key: b.three
            type: essay_long
            stem: x
          - key: b.four
            type: numerical
            outcome: SE1
            stem: N?
            answers: [{value: ten}]
        """)
    _, problems = read_quiz_file(path, outcomes={"SE1"})
    assert [(p.line, p.message) for p in problems] == [
        (4, "question 'b.one': needs exactly one fully correct choice"),
        (6, "question 'b.one': unknown outcome code 'SE9' (course outcomes: SE1)"),
        (11, "choice 2: unknown field 'feedbak'"),
        (12, "duplicate question key 'b.one' (also at " + str(path) + ", line 4)"),
        (12, "question 'b.one': has no outcome code (course outcomes: SE1)"),
        (12, "question 'b.one': the answer must be true or false"),
        (17, "question 'b.three': unknown type 'essay_long' (use one of single_choice, multiple_response, "
             "true_false, short_answer, numerical, matching, ordering, essay, description, search_strategy, "
                 "lateral_reading, appraisal_checklist)"),
        (19, "question 'b.four': answer 1 needs a number as its value"),
    ]
    assert str(problems[0]).startswith(f"{path}, line 4: ")


def test_broken_yaml_names_the_line(tmp_path):
    _, problems = read_quiz_file(write(tmp_path, "key: x\ntitle: [unclosed\nquestions: []\n"))
    assert len(problems) == 1 and problems[0].line == 3 and "not valid YAML" in problems[0].message


def test_import_is_idempotent_and_a_change_makes_a_new_version(app, tmp_path):
    with app.app_context():
        definition, _ = read_quiz_file(write(tmp_path, GOOD))
        quiz, changed = import_quiz(definition, "Files")
        assert changed == 8 and len(quiz.slots) == 8
        db.session.commit()
        again, _ = read_quiz_file(write(tmp_path, GOOD))
        _, changed = import_quiz(again, "Files")
        assert changed == 0
        edited, _ = read_quiz_file(write(tmp_path, GOOD.replace("nurs* finds nursing.", "nurs* finds nurses.")))
        _, changed = import_quiz(edited, "Files")
        assert changed == 1
        assert db.session.scalar(select(func.count()).select_from(QuestionVersion)) == 9


def test_cli_validate_and_import(app, tmp_path):
    runner = CliRunner()
    info = ScriptInfo(create_app=lambda: app)
    bad = write(tmp_path, "key: x\ntitle: X\nquestions:\n  - key: k\n    type: wrong\n", "bad.yaml")
    result = runner.invoke(lit, ["quizzes", "validate", str(bad)], obj=info)
    assert result.exit_code == 1 and f"{bad}, line 5: question 'k': unknown type 'wrong'" in result.output
    good = write(tmp_path, GOOD, "good.yaml")
    result = runner.invoke(lit, ["quizzes", "validate", str(good)], obj=info)
    assert result.exit_code == 0 and "no problems" in result.output
    result = runner.invoke(lit, ["quizzes", "import", str(good), "--category", "CLI/Quizzes"], obj=info)
    assert result.exit_code == 0, result.output
    assert "Quiz 'Boolean check' ready with 8 question(s); 8 new or changed." in result.output
    with app.app_context():
        assert db.session.scalar(select(Quiz).where(Quiz.key == "boolean-check")).pass_mark == 70
