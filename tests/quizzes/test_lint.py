"""Item-writing checks: each rule fires on a flawed question, with its file and line, and stays silent on a good one."""
from click.testing import CliRunner

from lit_platform.cli import main as lit
from lit_platform.courses.lint import item as item_of
from lit_platform.quizzes import lint
from lit_platform.quizzes.files import read_quiz_file

GOOD = """\
  - key: demo.good.{n}
    type: single_choice
    outcome: {outcome}
    stem: A nurse wants trials of a sleep programme for shift workers. Where should she look first?
    choices:
      - text: A bibliographic database of health research
        correct: true
        feedback: Right. It indexes trials from many journals.
      - text: A general web search engine sorted by popularity
        feedback: Popular pages are not necessarily trials, and many are adverts.
      - text: The catalogue of the local public library branch
        feedback: A catalogue lists books held there, not journal articles about trials.
"""


def quiz_text(*questions: str) -> str:
    return "key: demo-check\ntitle: Check\nquestions:\n" + "".join(questions)


def read(tmp_path, *questions: str) -> list[dict]:
    path = tmp_path / "check.yaml"
    path.write_text(quiz_text(*questions), "utf-8")
    quiz, problems = read_quiz_file(path, display_name="demo/check.yaml")
    assert problems == []
    return [item_of(q, quiz.filename) for q in quiz.questions]


def found(items) -> list[tuple[str, str, int]]:
    return [(f.code, f.file, f.line) for item in items for f in lint.lint_item(item)]


def good(n=1, outcome="DS1", **replace) -> str:
    text = GOOD.format(n=n, outcome=outcome)
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


def test_a_well_written_question_has_no_findings(tmp_path):
    assert found(read(tmp_path, good())) == []


def test_keyed_option_longest(tmp_path):
    items = read(tmp_path, good(**{"A bibliographic database of health research":
                                   "A bibliographic database of health research, searched with care and thoroughly"}))
    assert found(items) == [("keyed-longest", "demo/check.yaml", 9)]  # the line of the longest option
    assert lint.keyed_longest(items[0])


def test_keyed_longest_multiple_response_needs_the_longest_keyed_and_a_longer_mean(tmp_path):
    question = """\
  - key: demo.mr
    type: multiple_response
    outcome: DS1
    stem: Which of these help a search find more trials?
    choices:
      - {text: Adding synonyms for each concept joined with OR, correct: true, feedback: Yes.}
      - {text: Truncating word endings where that is safe, correct: true, feedback: Yes.}
      - {text: Adding a third concept with AND, feedback: That narrows the search to fewer records.}
      - {text: Limiting to the last year, feedback: A date limit removes older trials.}
"""
    item, = read(tmp_path, question)
    assert lint.keyed_longest(item)
    balanced = question.replace("Limiting to the last year", "Limiting the results to trials published in the last year")
    item, = read(tmp_path, balanced)
    assert not lint.keyed_longest(item)


def test_all_or_none_of_the_above_and_both_a_and_b(tmp_path):
    items = read(tmp_path, good(**{"The catalogue of the local public library branch": "All of the above"}),
                 good(2, **{"The catalogue of the local public library branch": "Both A and B"}),
                 good(3, **{"The catalogue of the local public library branch": "None of these"}))
    codes = [c for c in found(items) if c[0] == "all-none-of-the-above"]
    # each at its option's line: the third option of questions starting on lines 4, 16 and 28
    assert codes == [("all-none-of-the-above", "demo/check.yaml", 14), ("all-none-of-the-above", "demo/check.yaml", 26),
                     ("all-none-of-the-above", "demo/check.yaml", 38)]


def test_negative_stem_must_be_emphasised(tmp_path):
    bad = good(**{"Where should she look first?": "Which of these is not a good place to look?"})
    assert ("negative-stem", "demo/check.yaml", 7) in found(read(tmp_path, bad))  # the stem's line
    emphasised = good(**{"Where should she look first?": "Which of these is **NOT** a good place to look?"})
    assert not [c for c in found(read(tmp_path, emphasised)) if c[0] == "negative-stem"]
    except_stem = good(**{"Where should she look first?": "'All of these are sources except:'"})
    assert ("negative-stem", "demo/check.yaml", 7) in found(read(tmp_path, except_stem))
    # a negative inside a clause of a positive question, or an operator in code, is not a negative stem
    clause = good(**{"Where should she look first?": "'What did she do that others did not? Which source, using `NOT`?'"})
    assert not [c for c in found(read(tmp_path, clause)) if c[0] == "negative-stem"]


def test_true_false_keys_all_the_same_way(tmp_path):
    def tf(n, answer):
        return f"""\
  - key: demo.tf.{n}
    type: true_false
    outcome: DS1
    stem: Statement {n}.
    answer: {answer}
    feedback_true: Because the index covers it.
    feedback_false: Because the index covers it.
"""
    items = read(tmp_path, tf(1, "true"), tf(2, "true"))
    where = {"file": "demo/check.yaml", "line": 1}
    findings = lint.lint_set(items, where, "quiz demo-check")
    assert [(f.code, f.file, f.line, f.severity) for f in findings] == [
        ("true-false-same-key", "demo/check.yaml", 1, "error")]
    assert lint.lint_set(read(tmp_path, tf(1, "true"), tf(2, "false")), where, "quiz") == []


def test_wrong_option_feedback_missing_or_bare(tmp_path):
    items = read(tmp_path, good(**{"Popular pages are not necessarily trials, and many are adverts.": "No, that's wrong."}),
                 good(2, **{"        feedback: A catalogue lists books held there, not journal articles about trials.\n": ""}))
    assert found(items) == [("feedback-bare", "demo/check.yaml", 12), ("feedback-missing", "demo/check.yaml", 26)]
    finding = lint.lint_item(items[0])[0]
    assert finding.severity == "warning" and "only says it is wrong" in finding.message


def test_true_false_wrong_answer_needs_feedback(tmp_path):
    items = read(tmp_path, """\
  - key: demo.tf
    type: true_false
    outcome: DS1
    stem: OR broadens a search.
    answer: true
    feedback_true: Yes, either term will do.
""")
    assert found(items) == [("feedback-missing", "demo/check.yaml", 8)]  # the answer's line


def test_fewer_than_three_options(tmp_path):
    items = read(tmp_path, good(**{"      - text: The catalogue of the local public library branch\n"
                                   "        feedback: A catalogue lists books held there, not journal articles about trials.\n": ""}))
    assert found(items) == [("too-few-options", "demo/check.yaml", 8)]  # the line of choices:


def test_duplicate_and_near_duplicate_options(tmp_path):
    items = read(tmp_path, good(**{"The catalogue of the local public library branch":
                                   "A general web search engine sorted by popularity"}),
                 good(2, **{"The catalogue of the local public library branch":
                            "A general web search engine sorted by popularity."}),
                 good(3, **{"The catalogue of the local public library branch":
                            "A general web search engine, sorted by its popularity"}))
    assert [c for c in found(items) if "duplicate" in c[0]] == [
        ("duplicate-option", "demo/check.yaml", 14), ("duplicate-option", "demo/check.yaml", 26),
        ("near-duplicate-option", "demo/check.yaml", 38)]
    # searches written as code may differ by one bracket on purpose
    code = read(tmp_path, good(**{"A general web search engine sorted by popularity": "'`sleep AND (shift OR night)`'",
                                  "The catalogue of the local public library branch": "'`(sleep AND shift) OR night`'"}))
    assert not [c for c in found(code) if "duplicate" in c[0]]


def test_clang_clue(tmp_path):
    items = read(tmp_path, good(**{"A bibliographic database of health research": "A database indexing sleep trials"}))
    assert ("clang", "demo/check.yaml", 9) in found(items)  # the keyed option's line
    assert "sleep" in next(f.message for f in lint.lint_item(items[0]) if f.code == "clang")


def test_keyed_longest_share_per_set(tmp_path):
    long_key = {"A bibliographic database of health research":
                "A bibliographic database of health research, searched with care and thoroughly"}
    items = read(tmp_path, good(1, **long_key), good(2), good(3))
    where = {"file": "demo/assessment.yaml", "line": 3}
    assert lint.keyed_longest_share(items) == lint.Share(1, 3)
    assert not [f for f in lint.lint_set(items, where, "the test") if f.code == "keyed-longest-share"]
    items = read(tmp_path, good(1, **long_key), good(2, **long_key), good(3))
    share, = [f for f in lint.lint_set(items, where, "the test") if f.code == "keyed-longest-share"]
    assert (share.file, share.line, share.severity) == ("demo/assessment.yaml", 3, "error")
    assert "2 of 3 (67%)" in share.message


def test_pre_post_coverage(tmp_path):
    where = {"file": "demo/assessment.yaml", "line": 3}
    conf = {"file": "demo/assessment.yaml", "line": 40}
    three = read(tmp_path, good(1, "DS1"), good(2, "DS1"), good(3, "DS1"))
    assert lint.lint_coverage(three, ["DS1"], ["DS1"], where, conf) == []
    few = lint.lint_coverage(three[:2], [], ["DS1"], where, conf)
    assert [(f.code, f.line) for f in few] == [("outcome-few-items", 3), ("outcome-no-confidence", 40)]
    # parallel forms: DS2 only on form A, and the forms' types differ
    a = [dict(i, form="A") for i in three] + [dict(i, key=i["key"] + ".2", outcome="DS2", form="A") for i in three]
    b = [dict(i, key=i["key"] + ".b", form="B") for i in three] + [
        dict(i, key=i["key"] + ".b2", form="B", type="true_false", spec={"answer": True}) for i in three]
    codes = {(f.code, f.message.split(":")[0]) for f in lint.lint_coverage(a + b, ["DS1", "DS2"], ["DS1", "DS2"], where)}
    assert ("outcome-missing-on-form", "outcome DS2 has no item on form B") in codes
    assert ("forms-differ", "forms A and B differ in their item types (single_choice, true_false)") in codes
    assert ("forms-differ", "forms A and B differ in their outcomes (DS1, DS2)") in codes


LATERAL = {
    "claim": "A spray cures snoring.",
    "moves": [{"move": "investigate", "actions": [
        {"text": "Search the seller's name with the word review and read what independent sites say about it",
         "expert": True, "feedback": "Others' view of a source tells you more than its own."},
        {"text": "Read the About page", "feedback": "The site wrote its own About page."},
        {"text": "Count the followers", "feedback": "Followers can be bought."}]}],
    "verdict": [{"text": "Not supported by good evidence", "correct": True, "feedback": "Right."},
                {"text": "Probably true, many people share it", "feedback": "Shares are not evidence."}],
}


def test_exercise_options_whose_keyed_entries_are_longer():
    item = {"key": "demo.sift", "type": "lateral_reading", "spec": LATERAL, "file": "demo/q.yaml", "line": 7}
    assert [(f.code, f.line, f.severity) for f in lint.lint_item(item)] == [("exercise-keyed-longer", 7, "error")]
    balanced = dict(LATERAL, moves=[{"move": "investigate", "actions": [
        {"text": "Search the seller's name with review", "expert": True, "feedback": "Others know more."},
        {"text": "Read the seller's own About us page closely", "feedback": "The site wrote it."},
        {"text": "Trust the follower count on the page", "feedback": "Followers can be bought."}]}])
    assert lint.lint_item(dict(item, spec=balanced)) == []
    # the quiz engine learns of the options through the question type, not by importing the exercises
    assert [label for label, _ in lint.exercise_option_groups(item)] == ["Investigate the source: action", "verdict"]


COURSE = """\
slug: {slug}
title: Lint demo
summary: A course for the checks.
assessment: assessment.yaml
outcomes:
  - {{code: DS1, text: Find trials.}}
"""
MODULE = "---\ntitle: One\nminutes: 5\noutcomes: [DS1]\nquiz: quizzes/check.yaml\n---\nText.\n"


def write(root, slug, quiz, assessment):
    folder = root / slug
    (folder / "quizzes").mkdir(parents=True)
    (folder / "course.yaml").write_text(COURSE.format(slug=slug), "utf-8")
    (folder / "01-one.md").write_text(MODULE, "utf-8")
    (folder / "quizzes" / "check.yaml").write_text(quiz, "utf-8")
    (folder / "assessment.yaml").write_text(assessment, "utf-8")
    return folder


def assessment_text(*questions, confidence=True):
    text = "key: {slug}-prepost\ntitle: Before and after\nitems:\n" + "".join(questions)
    return text + ("confidence:\n  - {key: conf.{slug}, outcome: DS1, statement: I can find trials.}\n" if confidence else "")


def test_cli_exit_codes_and_summary(tmp_path):
    clean = write(tmp_path / "a", "clean", quiz_text(good(1)).replace("demo-check", "clean-check"),
                  assessment_text(*(good(n).replace("demo.good", "clean.pp") for n in (1, 2, 3))).replace("{slug}", "clean"))
    result = CliRunner().invoke(lit, ["courses", "lint", str(clean)])
    assert result.exit_code == 0, result.output
    assert "clean: pre/post test: keyed option longest in 0 of 3 (0%); module quizzes: keyed option longest in 0 of 1 " \
           "(0%); 0 errors, 0 warnings" in result.output
    assert result.output.strip().endswith("0 errors, 0 warnings")

    flawed = write(tmp_path / "b", "flawed", quiz_text(good(1, **{"Where should she look first?":
                                                                  "Which is not a good place?"})).replace("demo-check", "f-check"),
                   assessment_text(good(1).replace("demo.good", "flawed.pp"), confidence=False).replace("{slug}", "flawed"))
    result = CliRunner().invoke(lit, ["courses", "lint", str(flawed)])
    assert result.exit_code == 1
    assert "flawed/quizzes/check.yaml, line 7: error [negative-stem] demo.good.1:" in result.output
    assert "flawed/assessment.yaml, line 3: error [outcome-few-items] outcome DS1 rests on 1 item(s)" in result.output
    assert "flawed/assessment.yaml, line 1: error [outcome-no-confidence]" in result.output
    assert result.output.strip().endswith("3 errors, 0 warnings")

    # a course that `validate` rejects fails lint too
    (flawed / "course.yaml").write_text(COURSE.format(slug="flawed") + "colour: blue\n", "utf-8")
    result = CliRunner().invoke(lit, ["courses", "lint", str(flawed)])
    assert result.exit_code == 1 and "error [invalid] unknown field 'colour'" in result.output
