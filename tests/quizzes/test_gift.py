"""GIFT import and export: Moodle's own GIFT files read as Moodle reads them, and our exports read back."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lit_platform.core.markdown import render_markdown
from lit_platform.quizzes.gift import ANY_NUMBER, GiftError, GiftQuestion, export_gift, gift_unsupported, parse_gift
from lit_platform.quizzes.types import get_type

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "moodle" / "gift"


def read_reference(name: str) -> str:
    return (REFERENCE / name).read_text(encoding="utf-8")


# Building expected questions -------------------------------------------------------------------

def choices(*rows) -> dict:
    """Choices from (text, weight) or (text, weight, feedback) rows, numbered in order."""
    return {"choices": [{"id": str(n), "text": row[0], "weight": row[1], "feedback": row[2] if len(row) > 2 else ""}
                        for n, row in enumerate(rows, 1)]}


def accepted(*rows) -> dict:
    """Short answers from (text, weight) or (text, weight, feedback) rows."""
    return {"answers": [{"text": row[0], "weight": row[1], "feedback": row[2] if len(row) > 2 else ""}
                        for row in rows], "case_sensitive": False}


def number(value, tolerance=0, weight=1, feedback="") -> dict:
    return {"value": value, "tolerance": tolerance, "weight": weight, "feedback": feedback}


def number_range(low, high, weight=1, feedback="") -> dict:
    return {"min": low, "max": high, "weight": weight, "feedback": feedback}


def any_other_number(feedback: str) -> dict:
    return {**ANY_NUMBER, "weight": 0, "feedback": feedback}


def true_false(answer: bool, feedback_true="", feedback_false="") -> dict:
    return {"answer": answer, "feedback_true": feedback_true, "feedback_false": feedback_false}


def pairs(*rows, distractors=()) -> dict:
    return {"pairs": [{"id": str(n), "prompt": prompt, "answer": answer} for n, (prompt, answer) in enumerate(rows, 1)],
            "distractors": list(distractors)}


ESSAY = {"guidance": ""}


def q(line, qtype, stem, spec, title="", general="", category=None):
    return line, GiftQuestion(category, title, qtype, stem, spec, general)


# Moodle's GIFT files ----------------------------------------------------------------------------

# questions.gift.txt gathers the GIFT strings of Moodle's PHP unit tests, two of them with the
# PHP string's closing `";` left after the braces. Moodle reads text after the answers as a
# missing-word question, so those stems end in a gap followed by `";`, exactly as in Moodle.
QUESTIONS_GIFT = [
    q(2, "essay", "How are you?", ESSAY, title="Q8"),
    q(5, "matching", "Match the <b>activity</b> to the description.", pairs(
        ("An activity supporting asynchronous discussions.", "Forum"),
        ("A teacher asks a question and specifies a choice of multiple responses.", "Choice"),
        ("A bank of record entries which participants can add to.", "Database"),
        ("A collection of web pages that anyone can add to or edit.", "Wiki"),
        distractors=["Chat"]), title="Moodle activities"),
    q(14, "single_choice", "What's between orange and green in the spectrum?", choices(
        ("yellow", 1, "right; good!"), ("red", 0, "wrong, it's yellow"), ("blue", 0, "wrong, it's yellow")),
      title="Q2"),
    q(22, "multiple_response", "What's between orange and green in the spectrum?", choices(
        ("yellow", 0.5, "right; good!"), ("red", -1, "wrong"), ("off-beige", 0.5, "right; good!"),
        ("blue", -1, "wrong")), title="colours"),
    q(31, "numerical", 'What is a number from 1 to 5? _____";', {"answers": [
        number(3, 2), any_other_number("Completely wrong")]}, title="Q5"),
    q(34, "short_answer", "Which is the best animal?", accepted(
        ("Frog", 1, "Good!"), ("Cat", 0.5, "What is it with Moodlers and cats?"), ("*", 0, "Completely wrong")),
      title="Shortanswer"),
    q(41, "true_false", '42 is the Absolute Answer to everything._____";',
      true_false(False, feedback_true="42 is the Ultimate Answer.", feedback_false="You gave the right answer."),
      title="Q1", general="This is, of course, a Hitchiker's Guide to the Galaxy reference."),
    q(46, "true_false", "TSL is blablabla.", true_false(True), title="2-08 TSL"),
    q(49, "true_false", "TSL is blablabla.", true_false(True), title="2-08 TSL"),
]

NEW_FEATURES = "Default for New Features"  # from "$CATEGORY: $course$/Default for New Features"
QUESTIONS_IN_CATEGORY = [
    q(5, "matching", "Match the activity to the description.", pairs(
        ("An activity supporting asynchronous discussions.", "Forum"),
        ("A teacher asks a question and specifies a choice of multiple responses.", "Choice"),
        ("A bank of record entries which participants can add to.", "Database"),
        ("A collection of web pages that anyone can add to or edit.", "Wiki"),
        distractors=["Chat"]), title="Moodle activities", category=NEW_FEATURES),
    q(14, "single_choice", '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>'
      "<br /><br />What language is being spoken?", choices(
        ("English", 0, "Sorry, listen again."), ("French", 1, "Yes, well done!"),
        ("German", 0, "Sorry, listen again."), ("Spanish", 0, "Sorry, listen again.")),
      title="Greeting", category=NEW_FEATURES),
    q(22, "short_answer", "Anyone who uses Moodle is a ...", accepted(("Moodler", 1)),
      title="Moodle user", category=NEW_FEATURES),
    q(27, "true_false", 'Moodle is an acronym for <span style="font-style: italic;">Modular Object-Oriented Dynamic '
      "Learning Environment</span>.", true_false(True), title="Moodle acronym", category=NEW_FEATURES),
]

GRANT = "Who's buried in Grant's tomb?"
GRANT_CHOICES = choices(("Grant", 0), ("Jefferson", 0), ("no one", 1))
GRANT_GAP = "Grant is _____ in Grant's tomb."
GAP_CHOICES = choices(("buried", 0), ("entombed", 1), ("living", 0))
NO_ONE = accepted(("no one", 1), ("nobody", 1))
BORN = "When was Ulysses S. Grant born?"
PI = "What is the value of pi (to 3 decimal places)? _____."
ENTOMBED = "What two people are entombed in Grant's tomb?"
JESUS = "Jesus' hometown"
EXAMPLES = [
    # Examples from the class description
    q(8, "single_choice", GRANT, GRANT_CHOICES),
    q(10, "single_choice", GRANT_GAP, GAP_CHOICES),
    q(12, "true_false", "Grant is buried in Grant's tomb.", true_false(False)),
    q(14, "short_answer", GRANT, NO_ONE),
    q(16, "numerical", BORN, {"answers": [number(1822, 1)]}),
    # Examples from the documentation
    q(25, "single_choice", GRANT, GRANT_CHOICES),
    q(27, "single_choice", GRANT_GAP, GAP_CHOICES),
    q(29, "single_choice", "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November.",
      choices(("second", 0), ("third", 0), ("fourth", 1))),
    q(35, "single_choice", "Japanese characters originally came from what country?",
      choices(("India", 0), ("China", 1), ("Korea", 0), ("Egypt", 0))),
    q(43, "short_answer", GRANT, NO_ONE),
    q(45, "short_answer", "Two plus two equals _____.", accepted(("four", 1), ("4", 1))),
    q(49, "true_false", "Grant is buried in Grant's tomb.", true_false(False)),
    q(51, "true_false", "The sun rises in the east.", true_false(True)),
    q(55, "matching", "Matching Question.", pairs(
        ("subquestion1", "subanswer1"), ("subquestion2", "subanswer2"), ("subquestion3", "subanswer3"))),
    q(61, "matching", "Match the following countries with their corresponding capitals.", pairs(
        ("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo"), ("India", "New Delhi"))),
    q(70, "numerical", BORN, {"answers": [number(1822)]}),
    q(72, "numerical", PI, {"answers": [number(3.1415, 0.0005)]}),
    q(74, "numerical", PI, {"answers": [number_range(3.141, 3.142)]}),
    q(76, "numerical", BORN, {"answers": [number(1822, 0), number(1822, 2, weight=0.5)]}),
    q(85, "numerical", "What's 2 plus 2?", {"answers": [number(4)]}),
    q(90, "short_answer", "Japanese characters originally\ncame from what country?", accepted(("China", 1)),
      title="Kanji Origins"),
    q(93, "single_choice", "The American holiday of Thanksgiving is\ncelebrated on the _____ Thursday of November.",
      choices(("second", 0), ("third", 0), ("fourth", 1)), title="Thanksgiving Date"),
    q(98, "single_choice", "What's the answer to this multiple-choice question?", choices(
        ("wrong answer", 0, "feedback comment on the wrong answer"),
        ("another wrong answer", 0, "feedback comment on this wrong answer"),
        ("right answer", 1, "Very good!"))),
    q(103, "short_answer", GRANT, accepted(("no one", 1, "excellent answer!"), ("nobody", 1, "excellent answer!"))),
    q(108, "short_answer", "Who's buried in **Grant's tomb**?",
      accepted(("no one", 1, "excellent answer!"), ("nobody", 1, "excellent answer!"))),
    # {FALSE#...}: the first feedback goes to whoever answers wrongly, that is True
    q(113, "true_false", "Grant is buried in Grant's tomb.",
      true_false(False, feedback_true="No one is buried in Grant's tomb.")),
    q(115, "single_choice", "Difficult question.",
      choices(("wrong answer", 0), ("half credit answer", 0.5), ("full credit answer", 1))),
    q(117, "single_choice", "Jesus Christ was from _____.", choices(
        ("Jerusalem", 0, "This was an important city, but the wrong answer."),
        ("Bethlehem", 0.25, "He was born here, but not raised here."),
        ("Galilee", 0.5, "You need to be more specific."),
        ("Nazareth", 1, "Yes! That's right!")), title=JESUS),
    q(123, "short_answer", "Jesus Christ was from", accepted(
        ("Nazareth", 1, "Yes! That's right!"), ("Nazereth", 0.75, "Right, but misspelled."),
        ("Bethlehem", 0.25, "He was born here, but not raised here.")), title=JESUS),
    q(130, "multiple_response", ENTOMBED,
      choices(("No one", 0), ("Grant", 0.5), ("Grant's wife", 0.5), ("Grant's father", 0))),
    q(136, "multiple_response", ENTOMBED,
      choices(("No one", -0.5), ("Grant", 0.5), ("Grant's wife", 0.5), ("Grant's father", -0.5))),
    q(143, "single_choice", "Which answer equals 5?", choices(("= 2 + 2", 0), ("= 2 + 3", 1), ("= 2 + 4", 0))),
    q(148, "single_choice", "Which of the following is NOT a control character for the GIFT import format?", choices(
        ("~", 0, "~ is a control character."), ("=", 0, "= is a control character."),
        ("#", 0, "# is a control character."), ("{", 0, "{ is a control character."),
        ("}", 0, "} is a control character."),
        ("\\", 1, "Correct! \\ (backslash) is not a control character. BUT,\n"
                  "it is used to escape the control characters. So, to specify\n"
                  "a literal backslash, you must escape it with a backslash\n"
                  "(as shown in this example).")), title="GIFT Control Characters"),
    # Examples from gift/format.php
    q(167, "single_choice", GRANT, GRANT_CHOICES),
    q(169, "single_choice", GRANT_GAP, GAP_CHOICES),
    q(171, "true_false", "Grant is buried in Grant's tomb.", true_false(False)),
    q(173, "short_answer", GRANT, NO_ONE),
    q(175, "numerical", BORN, {"answers": [number(1822, 5)]}),
    q(177, "matching", "Match the following countries with their corresponding\ncapitals.",
      pairs(("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo"))),
    # More complicated examples
    q(184, "single_choice", GRANT_GAP, choices(
        ("buried", 0, "No one is buried there."), ("entombed", 1, "Right answer!"), ("living", 0, "We hope not!")),
      title="Grant's Tomb"),
    q(190, "single_choice", "Difficult multiple choice question.", choices(
        ("wrong answer", 0, "comment on wrong answer"), ("half credit answer", 0.5, "comment on answer"),
        ("full credit answer", 1, "well done!"))),
    q(195, "short_answer", "Jesus Christ was from _____.", accepted(
        ("Nazareth", 1, "Yes! That's right!"), ("Nazereth", 0.75, "Right, but misspelled."),
        ("Bethlehem", 0.25, "He was born here, but not raised here.")), title="Jesus' hometown (Short answer ex.)"),
    q(202, "numerical", BORN, {"answers": [
        number(1822, 0, feedback="Correct! 100% credit"),
        number(1822, 2, weight=0.5, feedback="He was born in 1822.\nYou get 50% credit for being close.")]},
      title="Numerical example"),
]


@pytest.mark.parametrize("filename, expected", [
    ("questions.gift.txt", QUESTIONS_GIFT),
    ("questions_in_category.gift.txt", QUESTIONS_IN_CATEGORY),
    ("examples.txt", EXAMPLES),
])
def test_reads_every_question_in_moodles_gift_files(filename, expected):
    questions, errors = parse_gift(read_reference(filename))
    assert errors == []
    assert len(questions) == len(expected)
    for question, (line, want) in zip(questions, expected):
        assert (question.line, question) == (line, want)


@pytest.mark.parametrize("filename", ["questions.gift.txt", "questions_in_category.gift.txt", "examples.txt"])
def test_every_question_read_from_moodle_is_usable_on_the_platform(filename):
    questions, _ = parse_gift(read_reference(filename))
    for question in questions:
        assert get_type(question.type).validate(question.spec) == [], question.line
        assert question.stem.strip(), question.line


# How GIFT features map ---------------------------------------------------------------------------

def parse_one(text: str) -> GiftQuestion:
    questions, errors = parse_gift(text)
    assert errors == []
    assert len(questions) == 1
    return questions[0]


@pytest.mark.parametrize("answer, right, wrong", [("T", True, False), ("TRUE", True, False),
                                                  ("F", False, True), ("FALSE", False, True)])
def test_true_false_feedback_reaches_the_learner_moodle_shows_it_to(answer, right, wrong):
    spec = parse_one(f"The sky is blue.{{{answer}#Not quite.#Well done.}}").spec
    scoring = get_type("true_false")
    assert spec["answer"] is right
    assert scoring.score(spec, right).feedback == ["Well done."]
    assert scoring.score(spec, wrong).feedback == ["Not quite."]


def test_multiple_choice_with_an_equals_answer_is_single_choice_with_partial_and_negative_weights():
    question = parse_one("Pick one.{=best ~%50%half right ~%-25%harmful ~wrong}")
    assert question.type == "single_choice"
    assert question.spec == choices(("best", 1), ("half right", 0.5), ("harmful", -0.25), ("wrong", 0))


def test_multiple_choice_without_equals_is_multiple_response_even_with_a_full_weight():
    # Moodle's own "tricky" case: no '=' makes it a several-answers question.
    question = parse_one("What's between orange and green?{~%100%yellow ~%-50%red ~%-50%blue}")
    assert question.type == "multiple_response"
    assert question.spec == choices(("yellow", 1), ("red", -0.5), ("blue", -0.5))


def test_numerical_feedback_for_any_other_answer_is_shown_to_wrong_answers():
    spec = parse_one("What is a number from 1 to 5? {#3:2 ~#Completely wrong}").spec
    scoring = get_type("numerical")
    assert scoring.score(spec, 4).fraction == 1
    assert scoring.score(spec, 42).fraction == 0
    assert scoring.score(spec, 42).feedback == ["Completely wrong"]


def test_numerical_range_and_weighted_answers_with_feedback():
    spec = parse_one("Pick a number.{#\n=1..5#In range\n=%50%6:0.5#Close\n}").spec
    assert spec == {"answers": [number_range(1, 5, feedback="In range"), number(6, 0.5, 0.5, "Close")]}


def test_matching_lines_without_a_prompt_are_extra_wrong_answers():
    spec = parse_one("Match.{=cat -> meow =dog -> woof = -> moo = -> quack}").spec
    assert spec == pairs(("cat", "meow"), ("dog", "woof"), distractors=["moo", "quack"])


def test_escapes_title_and_new_lines_keep_their_meaning():
    question = parse_one("::Ratio 1\\:2::Is 1\\:2 \\= 2\\:4?\\nUse \\\\ before \\# \\~ \\{ \\}.{T}")
    assert question.title == "Ratio 1:2"
    assert question.stem == "Is 1:2 = 2:4?\nUse \\ before # ~ { }."


def test_plain_text_is_shown_literally_and_html_is_kept():
    plain = parse_one("[plain]Use *stars*, _underscores_ & <b>tags</b>\\n# not a heading{T}")
    html = parse_one("[html]<p>Is this <b>bold</b>?</p>{T}")
    shown = str(render_markdown(plain.stem))
    assert "*stars*, _underscores_ &amp; &lt;b&gt;tags&lt;/b&gt;" in shown
    assert "<br" in shown and "# not a heading" in shown and "<h1" not in shown
    assert html.stem == "<p>Is this <b>bold</b>?</p>"


def test_answers_and_feedback_take_the_stem_format_unless_they_give_their_own():
    spec = parse_one("[plain]Pick a_b.{=a_b#yes_1 ~[markdown]*c*#[plain]no_2}").spec
    assert spec == choices(("a\\_b", 1, "yes\\_1"), ("*c*", 0, "no\\_2"))


def test_categories_drop_moodles_context_and_top_category():
    questions, errors = parse_gift(
        "First question.{T}\n\n"
        "$CATEGORY: $course$/top/Maths/Algebra\n\n"
        "Second question.{T}\n\n"
        "// a comment before the category line\n$CATEGORY: tom/dick/harry\n\n"
        "Third question.{F}\n\n"
        "$CATEGORY: $system$/Shared\n"
        "Fourth question, with no blank line after its category.{F}\n"
    )
    assert errors == []
    assert [(q.category, q.stem, q.line) for q in questions] == [
        (None, "First question.", 1), ("Maths/Algebra", "Second question.", 5),
        ("tom/dick/harry", "Third question.", 10),
        ("Shared", "Fourth question, with no blank line after its category.", 13)]


def test_description_and_essay_with_general_feedback():
    questions, errors = parse_gift("::Intro::Read the passage below.\n\n"
                                   "::Opinion::What do you think?{####Any view is fine.}")
    assert errors == []
    assert questions == [GiftQuestion(None, "Intro", "description", "Read the passage below.", {}),
                         GiftQuestion(None, "Opinion", "essay", "What do you think?", ESSAY, "Any view is fine.")]


# Malformed input --------------------------------------------------------------------------------

MALFORMED = """\
// Good questions surround each broken one; every broken one is reported on its own line.
::Good 1::The sky is blue.{T}

::Unclosed::Which colour? {
=blue
~red

::Good 2::Two plus two is {=four =4}.

::Not a number::When was Grant born?{#
=1822:1
=%50%about 1820
}

::One pair::Match.{=cat -> meow}

::No right answer::Pick one.{~a ~b ~c}

::Arrow::Pick one.{=a -> b ~c -> d}

::Short arrow::Write it.{cat -> meow}

::Good 3::Match.{=cat -> meow =dog -> woof}
"""


def test_malformed_questions_are_reported_on_their_lines_and_the_rest_still_parse():
    questions, errors = parse_gift(MALFORMED)
    assert [(q.line, q.title) for q in questions] == [(2, "Good 1"), (8, "Good 2"), (23, "Good 3")]
    assert [error.line for error in errors] == [4, 12, 15, 17, 19, 21]
    messages = [error.message for error in errors]
    assert messages[0] == "unbalanced braces: '{' has no closing '}'"
    assert messages[1].startswith("'about 1820' is not a number")
    assert messages[2] == "a matching question needs at least two pairs written =prompt -> answer (found 1)"
    assert messages[3].startswith("there is no right answer")
    assert messages[4].startswith("'a -> b' contains '->', which only matching questions use")
    assert messages[5].startswith("'cat -> meow' contains '->'")


@pytest.mark.parametrize("text, line, message", [
    ("Pick.{=a ~b}}", 1, "unbalanced braces: '}' has no opening '{'"),
    ("Pick.\n}{=a ~b}", 2, "unbalanced braces: '}' has no opening '{'"),
    ("Pick {=a ~b} or {=c ~d}.", 1, "a question has one set of answers in braces"),
    ("::Title without end Pick.{T}", 1, "the title has no closing '::'"),
    ("Pick.{~%5O%a =b}", 1, "'%5O%' is not a weight"),
    ("Pick.{~%50,5%a =b}", 1, "'%50,5%' is not a weight"),
    ("Pick.{oops ~a =b}", 1, "'oops' is not marked as an answer"),
    ("Pick.{=a =b ~c}", 1, "more than one answer is worth 100%"),
    ("Pick.{~%50%a ~%40%b}", 1, "Multiple response question: the weights of the right choices must add up to 100%"),
    ("Pick.{~a}", 1, "a multiple-choice question needs at least two answers"),
    ("Size?{#\n=3.5\n=big}", 3, "'big' is not a number"),
    ("Size?{#}", 1, "a numerical question needs an answer after '#'"),
    ("Match.{=a -> 1\n=b\n=c -> 3}", 2, "'b' is not a matching pair"),
    ("{=a ~b}", 1, "the question has no text"),
    ("Name it.{=%150%a}", 1, "Short answer question: answer 1 needs a weight between 0% and 100%"),
])
def test_problems_are_explained_in_plain_words(text, line, message):
    questions, errors = parse_gift(text)
    assert questions == []
    assert len(errors) == 1
    assert errors[0].line == line
    assert errors[0].message.startswith(message)


# Export -------------------------------------------------------------------------------------------

def test_export_writes_categories_titles_formats_weights_and_feedback():
    questions = [
        GiftQuestion("Maths", "Sum", "single_choice", "What is 1 + 1?",
                     choices(("2", 1, "Yes"), ("1", 0), ("3", -0.5, "No: 1 + 1 = 2")), "Counting {basics}"),
        GiftQuestion("Maths", "", "short_answer", "Name it.", accepted(("two", 1), ("2", 0.5, "Digits"))),
        GiftQuestion("Reading", "", "true_false", "Books are read.", true_false(True, "Right", "Wrong")),
    ]
    assert export_gift(questions) == (
        "$CATEGORY: Maths\n"
        "\n"
        "::Sum::[markdown]What is 1 + 1?{\n"
        "\t=2#Yes\n"
        "\t~1\n"
        "\t~%-50%3#No\\: 1 + 1 \\= 2\n"
        "\t####Counting \\{basics\\}\n"
        "}\n"
        "\n"
        "[markdown]Name it.{\n"
        "\t=two\n"
        "\t=%50%2#Digits\n"
        "}\n"
        "\n"
        "$CATEGORY: Reading\n"
        "\n"
        "[markdown]Books are read.{TRUE#Wrong#Right}\n"
    )


def test_export_skips_and_lists_what_gift_cannot_express():
    ordering = GiftQuestion(None, "Steps", "ordering", "Put in order.",
                            {"items": [{"id": "1", "text": "a"}, {"id": "2", "text": "b"}]})
    essay = GiftQuestion(None, "", "essay", "Discuss.", ESSAY)
    assert export_gift([ordering, essay]) == "[markdown]Discuss.{}\n"
    assert gift_unsupported([ordering, essay]) == [ordering]


AWKWARD = "Colons: hashes # equals = braces {x} tildes ~ back\\slash \\n\nnew line"

ROUND_TRIP = [
    GiftQuestion("Awkward: #1/{x}", "Single " + AWKWARD, "single_choice", "Stem " + AWKWARD,
                 choices(("A " + AWKWARD, 1, "F " + AWKWARD), ("%50% literal", 0), ("half", 0.5),
                         ("minus", -1 / 3, "feedback")), "General " + AWKWARD),
    GiftQuestion("Awkward: #1/{x}", "", "multiple_response", "Stem " + AWKWARD,
                 choices(("A " + AWKWARD, 0.5, "F " + AWKWARD), ("B", 0.5), ("C", 1), ("D", -0.25, "no"))),
    GiftQuestion("Second", "TF", "true_false", "Stem " + AWKWARD, true_false(True, "T " + AWKWARD, "F " + AWKWARD)),
    GiftQuestion("Second", "TF only right", "true_false", "Stem", true_false(False, "", "Right " + AWKWARD)),
    GiftQuestion("Second", "SA", "short_answer", "Gap _____ here " + AWKWARD,
                 accepted(("a " + AWKWARD, 1, "F " + AWKWARD), ("%literal", 1), ("*", 0, "anything else"))),
    GiftQuestion("Second", "Num", "numerical", "Stem " + AWKWARD, {"answers": [
        number(3.14159, 0.001, 1, "F " + AWKWARD), number(-2.5, 0, 0.5), number_range(-10, 1e-7, 0.25),
        any_other_number("Other " + AWKWARD)]}, "General " + AWKWARD),
    GiftQuestion("Second", "Match", "matching", "Stem " + AWKWARD, pairs(
        ("P " + AWKWARD, "A " + AWKWARD), ("[html] looks like a format", "answer -> with arrow"),
        distractors=["D " + AWKWARD])),
    GiftQuestion("Second", "Essay", "essay", "Stem " + AWKWARD, ESSAY, "General " + AWKWARD),
    GiftQuestion("Second", "Desc", "description", "[plain] looks like a format " + AWKWARD, {}),
    GiftQuestion("Second", "", "single_choice", "No title", choices(("[html]x", 1, "[plain]y"), ("z", 0))),
]


@pytest.mark.parametrize("question", ROUND_TRIP, ids=lambda q: f"{q.type}-{q.title or 'untitled'}")
def test_export_then_import_gives_back_the_same_question(question):
    questions, errors = parse_gift(export_gift([question]))
    assert errors == []
    assert questions == [question]


def test_export_then_import_keeps_a_whole_bank_in_order():
    questions, errors = parse_gift(export_gift(ROUND_TRIP))
    assert errors == []
    assert questions == ROUND_TRIP
    assert all(question.line > 0 for question in questions)


def test_moodles_files_survive_export_and_import():
    for name in ("questions.gift.txt", "questions_in_category.gift.txt", "examples.txt"):
        questions, _ = parse_gift(read_reference(name))
        again, errors = parse_gift(export_gift(questions))
        assert errors == []
        assert again == questions


# Properties -----------------------------------------------------------------------------------------

# Random text, and random GIFT built from its grammar with awkward texts, so that every type occurs.
TOKENS = ["a", "b c", " ", "\t", "é", "\\:", "\\#", "\\=", "\\{", "\\}", "\\~", "\\\\", "\\n", "\\\\n",
          "[plain]", "[html]", "%", "_", "*", "&", "<b>", "->", ":", "#", "=", "-", "1.", "//", "\ufdd0"]
TEXT = st.lists(st.sampled_from(TOKENS), max_size=6).map("".join)
FEEDBACK = st.one_of(st.just(""), TEXT.map(lambda text: "#" + text))
WEIGHT = st.sampled_from(["", "%50%", "%-25%", "%100%", "%0%", "%33.3%", "%12.5%", "%5O%"])
NUMBER = st.sampled_from(["1", "-2.5", "3.14:0.01", "1..5", "-5..-1", "*", "1e3", "x", "2:"])
ANSWERS = st.one_of(
    st.lists(st.tuples(st.sampled_from(["=", "~"]), WEIGHT, TEXT, FEEDBACK).map("".join), min_size=1, max_size=5)
    .map(" ".join),
    st.lists(st.tuples(st.just("="), WEIGHT, TEXT, FEEDBACK).map("".join), min_size=1, max_size=4).map("\n".join),
    st.tuples(st.lists(st.tuples(st.just("="), WEIGHT, NUMBER, FEEDBACK).map("".join), min_size=1, max_size=3)
              .map(" ".join), st.sampled_from(["", "~#other", "~"])).map(lambda parts: "#" + "".join(parts)),
    st.lists(st.tuples(st.just("="), TEXT, st.just(" -> "), TEXT).map("".join), min_size=1, max_size=4)
    .map("\n".join),
    st.tuples(st.sampled_from(["T", "TRUE", "F", "FALSE"]), FEEDBACK, FEEDBACK).map("".join),
    st.just(""),
)
QUESTION = st.tuples(
    st.sampled_from(["", "::", "::Title\\: x::", "::Tit{le::"]), TEXT,
    st.one_of(st.none(), st.tuples(ANSWERS, st.sampled_from(["", "####", "####general \\#"])).map("".join)),
    TEXT,
).map(lambda parts: parts[0] + parts[1] + ("" if parts[2] is None else "{" + parts[2] + "}") + parts[3])
HEADER = st.sampled_from(["", "$CATEGORY: $course$/top/A/B\n\n", "$CATEGORY: c\n", "// comment\n"])
GIFT_FILE = st.lists(st.tuples(HEADER, QUESTION).map("".join), max_size=5).map("\n\n".join)


@settings(max_examples=200, database=None, deadline=None)
@given(st.one_of(st.text(), GIFT_FILE))
def test_parse_never_raises_and_only_returns_usable_questions(text):
    questions, errors = parse_gift(text)
    for question in questions:
        assert get_type(question.type).validate(question.spec) == []
        assert question.stem and question.line >= 1
    for error in errors:
        assert isinstance(error, GiftError) and error.line >= 1 and error.message


@settings(max_examples=100, database=None, deadline=None)
@given(GIFT_FILE)
def test_whatever_parses_survives_export_and_import(text):
    questions, _ = parse_gift(text)
    again, errors = parse_gift(export_gift(questions))
    assert errors == []
    assert again == questions
