"""Moodle GIFT import and export, as pure functions: text in, questions out, and back again.

GIFT is Moodle's plain-text question format: questions separated by blank lines, `//` comment
lines, `$CATEGORY: path` lines, an optional `::title::`, and the answers in braces. Reading follows
Moodle's own importer (qformat_gift), so a file means here what it means in Moodle:

* The stem is the text around the braces; text after the closing brace makes a missing-word
  question, with the braces replaced by a gap: "Grant is {~buried =entombed} in Grant's tomb."
  gives the stem "Grant is _____ in Grant's tomb.".
* Texts may start with a format: `[markdown]` and `[moodle]` (the default) are kept as written,
  `[html]` is kept as HTML (Markdown passes HTML through and the platform sanitises it), `[plain]`
  is escaped so that Markdown shows it literally. Answers and feedback default to the stem's format.
* `\\:`, `\\#`, `\\=`, `\\{`, `\\}`, `\\~`, `\\\\` are the characters themselves and `\\n` is a new line.
* The type comes from the answers, in Moodle's order: none (description), `{}` (essay),
  `{#...}` (numerical), any `~` (multiple choice), `=` with `->` (matching), `T`/`TRUE`/`F`/`FALSE`
  (true/false), otherwise short answer.
* Multiple choice with an answer marked `=` is single_choice (other answers may carry `~%50%` or
  negative weights); with no `=` at all it is multiple_response, as Moodle makes it a
  several-answers question. Its positive weights must add up to 100%.
* True/false `{FALSE#first#second}`: Moodle shows the first feedback to whoever gave the wrong
  answer and the second to whoever gave the right one; they are stored by the answer given
  (feedback_true / feedback_false).
* Numerical `~#feedback` (feedback for any other number) becomes an answer worth 0% that accepts
  every number, `ANY_NUMBER`, so that scoring shows it to every wrong answer.
* Matching lines with an empty prompt (`= -> Chat`) are extra answers: distractors.
* A `$CATEGORY:` path loses Moodle's context marker (`$course$`, `$system$`, ...) and its hidden
  `top` category: `$course$/top/Maths/Algebra` is the category "Maths/Algebra".

Moodle's question id numbers and tags (`[id:...]`, `[tag:...]` in comments) are not read.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable, Iterator

from .types import EPSILON, NUMBER, get_type

GAP = "_____"
#: A numerical answer accepting every number: how GIFT's "feedback for any other answer" is kept.
ANY_NUMBER = {"min": -sys.float_info.max, "max": sys.float_info.max}

_FORMAT_PREFIX = re.compile(r"\[(moodle|html|plain|markdown)\]")
_BLANKS = " \t\r\n\0\x0b"  # what Moodle's trim() removes
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ESCAPE = re.compile(r"\\([\\:#={}~n])")
# While reading, escaped characters are swapped for Unicode noncharacters (which no text file
# should hold, so any found in the input are replaced first) and so are never taken as syntax.
_HIDDEN = {char: chr(0xFDD0 + n) for n, char in enumerate(":#={}~n")}
_NONCHARACTERS = re.compile("[\ufdd0-\ufdd6]")
_UNHIDE = str.maketrans({hidden: "\n" if char == "n" else char for char, hidden in _HIDDEN.items()})
_BRACES = re.compile(r"[{}]")
_WEIGHT = re.compile(r"%(-?(?:\d+(?:\.\d*)?|\.\d+))%")
_WEIGHT_LIKE = re.compile(r"%(?=[^%\n]*\d)[^%\n]{1,8}%")  # short, with a digit: a mistyped weight
_CONTEXT = re.compile(r"\$[a-z]+\$")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


@dataclass
class GiftQuestion:
    """One question read from, or to be written to, a GIFT file (`line` is left out of comparisons)."""

    category: str | None
    title: str
    type: str
    stem: str
    spec: dict
    general_feedback: str = ""
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class GiftError:
    """A question that could not be read: the line it is on and what is wrong, in plain words."""

    line: int
    message: str


class _Malformed(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


# Reading ---------------------------------------------------------------------------------------

def parse_gift(text: str) -> tuple[list[GiftQuestion], list[GiftError]]:
    """Read a GIFT file: the questions it holds, and a GiftError for each one that is malformed."""
    questions: list[GiftQuestion] = []
    errors: list[GiftError] = []
    category = None
    for lines in _paragraphs(text):
        if lines[0][1].startswith("$CATEGORY:"):
            category = _category_path(lines[0][1][len("$CATEGORY:"):])
            lines = lines[1:]  # Moodle wants a blank line here; a question straight after is read anyway
            if not lines:
                continue
        try:
            questions.append(_read_question(_Text(lines), category))
        except _Malformed as problem:
            errors.append(GiftError(problem.line, problem.message))
    return questions, errors


def _paragraphs(text: str) -> Iterator[list[tuple[int, str]]]:
    """Blank-line separated groups of (line number, trimmed line), without comment lines."""
    text = _NONCHARACTERS.sub("\ufffd", text.removeprefix("\ufeff"))
    group: list[tuple[int, str]] = []
    for number, raw in enumerate(_LINE_BREAK.split(text), 1):
        line = raw.strip(_BLANKS)
        if not line:
            if group:
                yield group
            group = []
        elif not line.startswith("//"):
            group.append((number, line))
    if group:
        yield group


def _category_path(raw: str) -> str | None:
    names = [name.strip() for name in raw.split("/") if name.strip()]
    if names and _CONTEXT.fullmatch(names[0]):
        names = names[1:]
    if len(names) > 1 and names[0] == "top":
        names = names[1:]
    return "/".join(names) or None


class _Text:
    """One question's text, escapes hidden, remembering the file line of every character."""

    def __init__(self, lines: list[tuple[int, str]]):
        self.text = "\n".join(_ESCAPE.sub(_hide, line) for _, line in lines)
        self.numbers = [number for number, _ in lines]

    def fail(self, message: str, at: int = 0):
        line = self.numbers[self.text.count("\n", 0, max(0, at))]
        raise _Malformed(line, message)


def _hide(match: re.Match) -> str:
    char = match.group(1)
    return "\\" if char == "\\" else _HIDDEN[char]


def _unhide(text: str) -> str:
    return text.translate(_UNHIDE)


def _read_question(q: _Text, category: str | None) -> GiftQuestion:
    text = q.text
    start, title = _read_title(q)
    opening, closing = _answer_braces(q, start)
    if opening < 0:
        stem_source, body, body_at = text[start:], None, 0
    else:
        after = text[closing + 1:]
        stem_source = text[start:opening] + (GAP if after.strip(_BLANKS) else "") + after
        body, body_at = text[opening + 1:closing], opening + 1
    general_source = ""
    if body is not None and "####" in body:
        cut = body.rfind("####")
        body, general_source = body[:cut], body[cut + 4:]
    stem, text_format = _formatted(stem_source, "moodle")
    general_feedback, _ = _formatted(general_source, text_format)
    qtype, spec = _read_answers(q, body, body_at, text_format)
    question_type = get_type(qtype)
    problems = question_type.validate(spec)
    if problems:
        q.fail(f"{question_type.label} question: {'; '.join(problems)}")
    if not stem:
        q.fail("the question has no text")
    return GiftQuestion(category, title, qtype, stem, spec, general_feedback, q.numbers[0])


def _read_title(q: _Text) -> tuple[int, str]:
    if not q.text.startswith("::"):
        return 0, ""
    end = q.text.find("::", 2)
    if end < 0:
        q.fail("the title has no closing '::' (write it as ::Title::)")
    return end + 2, _unhide(q.text[2:end]).strip(_BLANKS)


def _answer_braces(q: _Text, start: int) -> tuple[int, int]:
    """Where the one answer block opens and closes (-1, -1 when there is none)."""
    opening = closing = -1
    for match in _BRACES.finditer(q.text, start):
        at = match.start()
        if match.group() == "{":
            if opening >= 0 and closing < 0:
                q.fail("unbalanced braces: '{' has no closing '}'", opening)
            if closing >= 0:
                q.fail("a question has one set of answers in braces; write a brace that belongs to the text "
                       "as \\{ or \\}", at)
            opening = at
        elif opening < 0 or closing >= 0:
            q.fail("unbalanced braces: '}' has no opening '{'", at)
        else:
            closing = at
    if opening >= 0 and closing < 0:
        q.fail("unbalanced braces: '{' has no closing '}'", opening)
    return opening, closing


def _formatted(source: str, default: str) -> tuple[str, str]:
    """A text as Markdown, and its format (a leading [format] or the default)."""
    source = source.strip(_BLANKS)
    match = _FORMAT_PREFIX.match(source)
    text_format = match.group(1) if match else default
    text = _unhide(source[match.end():] if match else source).strip(_BLANKS)
    return (_plain_to_markdown(text) if text_format == "plain" else text), text_format


def _bare(source: str) -> str:
    """A text compared rather than shown (a short answer, a number): no format, no Markdown escaping."""
    source = source.strip(_BLANKS)
    match = _FORMAT_PREFIX.match(source)
    return _unhide(source[match.end():] if match else source).strip(_BLANKS)


def _plain_to_markdown(text: str) -> str:
    """Escape plain text so that Markdown shows every character as typed, line breaks included."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = re.sub(r"([\\`*_{}\[\]|])", r"\\\1", text)
    text = re.sub(r"^([#>+-])", r"\\\1", text, flags=re.M)
    text = re.sub(r"^(\d+)\.", r"\1\\.", text, flags=re.M)
    text = re.sub(r"^([=:])", lambda m: f"&#{ord(m.group(1))};", text, flags=re.M)  # no backslash escape
    return text.replace("\n", "  \n")


def _read_answers(q: _Text, body: str | None, at: int, text_format: str) -> tuple[str, dict]:
    if body is None:
        return "description", {}
    at += len(body) - len(body.lstrip(_BLANKS))
    body = body.strip(_BLANKS)
    if not body:
        return "essay", {"guidance": ""}
    if body.startswith("#"):
        return "numerical", _numerical(q, body[1:], at + 1, text_format)
    if "~" in body:
        return _multiple_choice(q, body, at, text_format)
    if "=" in body and "->" in body:
        return "matching", _matching(q, body, at, text_format)
    if body.split("#", 1)[0].strip(_BLANKS) in _TRUE_FALSE:
        return "true_false", _true_false(body, text_format)
    return "short_answer", _short_answer(q, body, at, text_format)


def _pieces(body: str, at: int, marks: str) -> list[tuple[int, str, str]]:
    """Cut the answers before each mark: (position, mark, text after it); text before the first has mark ''."""
    cuts = [m.start() for m in re.finditer(f"[{marks}]", body)]
    pieces = []
    first = body[:cuts[0]] if cuts else body
    if first.strip(_BLANKS):
        pieces.append((at + len(first) - len(first.lstrip(_BLANKS)), "", first))
    for n, cut in enumerate(cuts):
        end = cuts[n + 1] if n + 1 < len(cuts) else len(body)
        pieces.append((at + cut, body[cut], body[cut + 1:end]))
    return pieces


def _weight(q: _Text, source: str, at: int, default: float) -> tuple[float, str]:
    """A leading %weight% as a fraction (or the default), and the text after it."""
    source = source.lstrip(_BLANKS)
    match = _WEIGHT.match(source)
    if match:
        return float(Decimal(match.group(1)).scaleb(-2)), source[match.end():]
    if bad := _WEIGHT_LIKE.match(source):
        q.fail(f"{_quote(bad.group())} is not a weight: write a percentage such as %50% or %-25%", at)
    return default, source


def _no_arrow(q: _Text, source: str, at: int) -> None:
    if "->" in source:
        q.fail(f"{_quote(source)} contains '->', which only matching questions use "
               "(every line written =prompt -> answer, with no '~')", at)


def _quote(source: str) -> str:
    text = " ".join(_unhide(source).split())
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def _multiple_choice(q: _Text, body: str, at: int, text_format: str) -> tuple[str, dict]:
    choices = []
    for where, mark, source in _pieces(body, at, "~="):
        if not mark:
            q.fail(f"{_quote(source)} is not marked as an answer: start each answer with = (right) or ~ (wrong)",
                   where)
        # As in Moodle, '=' means 100% and a weight is read only after '~'.
        weight, source = (1.0, source) if mark == "=" else _weight(q, source, where, 0.0)
        text, _, feedback = source.partition("#")
        _no_arrow(q, text, where)
        choices.append({"id": str(len(choices) + 1), "text": _formatted(text, text_format)[0],
                        "weight": weight, "feedback": _formatted(feedback, text_format)[0]})
    if len(choices) < 2:
        q.fail("a multiple-choice question needs at least two answers")
    if "=" not in body:
        if not any(choice["weight"] > 0 for choice in choices):
            q.fail("there is no right answer: mark it with =, or give each right answer a share such as ~%50%")
        return "multiple_response", {"choices": choices}
    if sum(1 for choice in choices if abs(choice["weight"] - 1) < EPSILON) > 1:
        q.fail("more than one answer is worth 100%; for several right answers, give each a share such as ~%50% "
               "and mark none with =")
    return "single_choice", {"choices": choices}


def _true_false(body: str, text_format: str) -> dict:
    answer, *feedback = body.split("#", 2) + ["", ""]
    wrong, right = _formatted(feedback[0], text_format)[0], _formatted(feedback[1], text_format)[0]
    if _TRUE_FALSE[answer.strip(_BLANKS)]:
        return {"answer": True, "feedback_true": right, "feedback_false": wrong}
    return {"answer": False, "feedback_true": wrong, "feedback_false": right}


def _short_answer(q: _Text, body: str, at: int, text_format: str) -> dict:
    answers = []
    for where, _mark, source in _pieces(body, at, "="):
        weight, source = _weight(q, source, where, 1.0)
        text, _, feedback = source.partition("#")
        _no_arrow(q, text, where)
        answers.append({"text": _bare(text), "weight": weight, "feedback": _formatted(feedback, text_format)[0]})
    return {"answers": answers, "case_sensitive": False}


def _numerical(q: _Text, body: str, at: int, text_format: str) -> dict:
    otherwise = None
    if "~" in body:  # Moodle: everything after '~' is the feedback for any other number
        body, _, otherwise = body.partition("~")
    answers = []
    for where, _mark, source in _pieces(body, at, "="):
        weight, source = _weight(q, source, where, 1.0)
        number, _, feedback = source.partition("#")
        answer = _number_answer(q, _bare(number), where)
        answers.append({**answer, "weight": weight, "feedback": _formatted(feedback, text_format)[0]})
    if not answers:
        q.fail("a numerical question needs an answer after '#', such as {#3.14:0.01}")
    if otherwise is not None:
        feedback = _formatted(otherwise.partition("#")[2], text_format)[0]
        answers.append({**ANY_NUMBER, "weight": 0.0, "feedback": feedback})
    return {"answers": answers}


def _number_answer(q: _Text, text: str, at: int) -> dict:
    """A numerical answer: '*' (any number), min..max, value:tolerance or a value."""
    if text == "*":
        return dict(ANY_NUMBER)
    dots, colon = text.find("..", 1), text.find(":", 1)
    if dots > 0:
        parts = {"min": text[:dots], "max": text[dots + 2:]}
    elif colon > 0:
        parts = {"value": text[:colon], "tolerance": text[colon + 1:]}
    else:
        parts = {"value": text, "tolerance": "0"}
    parts = {name: part.strip(_BLANKS) for name, part in parts.items()}
    if not all(NUMBER.match(part) for part in parts.values()):
        problem = f"{_quote(text)} is not a number" if text else "a numerical answer has no number"
        q.fail(f"{problem}: write numerical answers like 3.14, 3.14:0.01 (with a margin) or 3.1..3.2 (a range)", at)
    return {name: float(part) for name, part in parts.items()}


def _matching(q: _Text, body: str, at: int, text_format: str) -> dict:
    pairs, distractors = [], []
    for where, _mark, source in _pieces(body, at, "="):
        prompt, arrow, answer = source.partition("->")
        if not arrow:
            q.fail(f"{_quote(source)} is not a matching pair: write it as =prompt -> answer", where)
        prompt, answer = _formatted(prompt, text_format)[0], _unhide(answer).strip(_BLANKS)
        if prompt:
            pairs.append({"id": str(len(pairs) + 1), "prompt": prompt, "answer": answer})
        elif answer:  # Moodle's rule: an answer with no prompt is an extra, wrong answer
            distractors.append(answer)
    if len(pairs) < 2:
        q.fail(f"a matching question needs at least two pairs written =prompt -> answer (found {len(pairs)})")
    return {"pairs": pairs, "distractors": distractors}


# Writing ---------------------------------------------------------------------------------------

def export_gift(questions: Iterable[GiftQuestion]) -> str:
    """Write questions as GIFT that Moodle imports; types GIFT cannot express are skipped (see gift_unsupported).

    Stems are marked [markdown], texts are escaped, and a `$CATEGORY:` line comes before each
    change of category (a question with no category stays in the one before it). GIFT cannot
    carry an essay's guidance or word count, whether short answers are case sensitive, general
    feedback on a description, leading or trailing spaces in texts, or '->' in a choice, a short
    answer or a matching prompt (Moodle reads that as matching syntax).
    """
    chunks = []
    category = None
    for question in questions:
        if question.type not in _WRITERS:
            continue
        if question.category and question.category != category:
            category = question.category
            chunks.append(f"$CATEGORY: {_LINE_BREAK.sub(' ', category)}\n")
        chunks.append(_write_question(question))
    return "\n".join(chunks)


def gift_unsupported(questions: Iterable[GiftQuestion]) -> list[GiftQuestion]:
    """The questions export_gift leaves out because GIFT has no such type (ordering)."""
    return [question for question in questions if question.type not in _WRITERS]


def _write_question(question: GiftQuestion) -> str:
    head = f"::{_escape(question.title)}::" if question.title else ""
    if question.stem:
        head += f"[markdown]{_escape(question.stem)}"
    answers = _WRITERS[question.type](question.spec)
    if answers is None:
        return head + "\n"
    general = f"####{_text(question.general_feedback)}" if question.general_feedback else ""
    if "\n" in answers:
        return head + "{" + answers + (f"\t{general}\n" if general else "") + "}\n"
    return head + "{" + answers + general + "}\n"


def _escape(text: str) -> str:
    """Text with GIFT's special characters escaped and new lines written as \\n."""
    return re.sub(r"[\\~=#{}:\n]", lambda m: "\\n" if m.group() == "\n" else "\\" + m.group(), text.replace("\r", ""))


def _text(text: str) -> str:
    """An escaped text; one that starts like a [format] is marked [markdown] so the prefix stays text."""
    return ("[markdown]" if _FORMAT_PREFIX.match(text) else "") + _escape(text)


def _feedback(text: str | None) -> str:
    return f"#{_text(text)}" if text else ""


def _lines(lines: list[str]) -> str:
    return "\n" + "".join(f"\t{line}\n" for line in lines)


def _percent(weight: float) -> str:
    """A fraction as a GIFT percentage that reads back as the same fraction (0.5 -> '50')."""
    return format(Decimal(repr(float(weight))).scaleb(2), "f")


def _number_text(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _write_choices(spec: dict, single: bool) -> str:
    lines = []
    for choice in spec["choices"]:
        weight, text = choice.get("weight", 0), _text(choice["text"])
        if single and weight == 1:
            mark = "="
        elif weight == 0 and not text.startswith("%"):
            mark = "~"
        else:
            mark = f"~%{_percent(weight)}%"
        lines.append(mark + text + _feedback(choice.get("feedback")))
    return _lines(lines)


def _write_true_false(spec: dict) -> str:
    answer = bool(spec["answer"])
    right = spec.get("feedback_true" if answer else "feedback_false") or ""
    wrong = spec.get("feedback_false" if answer else "feedback_true") or ""
    text = "TRUE" if answer else "FALSE"
    if wrong or right:
        text += "#" + _text(wrong)  # Moodle's order: feedback for the wrong answer first
    if right:
        text += "#" + _text(right)
    return text


def _weighted(weight: float, text: str) -> str:
    return text if weight == 1 and not text.startswith("%") else f"%{_percent(weight)}%{text}"


def _write_short_answer(spec: dict) -> str:
    return _lines(["=" + _weighted(answer.get("weight", 1), _text(answer["text"])) + _feedback(answer.get("feedback"))
                   for answer in spec["answers"]])


def _accepts_any(answer: dict) -> bool:
    return "min" in answer and answer["min"] <= ANY_NUMBER["min"] and answer["max"] >= ANY_NUMBER["max"]


def _write_numerical(spec: dict) -> str:
    answers = list(spec["answers"])
    otherwise = None
    # GIFT's "~#feedback" must come last: Moodle reads everything after '~' as that feedback.
    if answers and _accepts_any(answers[-1]) and answers[-1].get("weight", 1) == 0:
        otherwise = answers.pop()
    lines = []
    for answer in answers:
        weight = answer.get("weight", 1)
        if _accepts_any(answer):
            number = "*"
        elif "min" in answer:
            number = f"{_number_text(answer['min'])}..{_number_text(answer['max'])}"
        else:
            tolerance = answer.get("tolerance", 0)
            number = _number_text(answer["value"]) + (f":{_number_text(tolerance)}" if tolerance else "")
        lines.append("=" + _weighted(weight, number) + _feedback(answer.get("feedback")))
    if otherwise is not None:
        lines.append("~" + _feedback(otherwise.get("feedback")))
    return "#" + _lines(lines)


def _write_matching(spec: dict) -> str:
    lines = [f"={_text(pair['prompt'])} -> {_escape(pair['answer'])}" for pair in spec["pairs"]]
    lines += [f"= -> {_escape(distractor)}" for distractor in spec.get("distractors") or []]
    return _lines(lines)


_WRITERS: dict[str, Callable[[dict], str | None]] = {
    "single_choice": lambda spec: _write_choices(spec, single=True),
    "multiple_response": lambda spec: _write_choices(spec, single=False),
    "true_false": _write_true_false,
    "short_answer": _write_short_answer,
    "numerical": _write_numerical,
    "matching": _write_matching,
    "essay": lambda spec: "",
    "description": lambda spec: None,
}
