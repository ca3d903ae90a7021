"""Question types: each one validates its answer spec, reads a learner's response and scores it.

Everything here is pure: plain values in, plain values out. A question version stores its type
name and an answer `spec` (JSON); a response is stored as JSON too. Specs, by type:

single_choice      {"choices": [{"id", "text", "weight", "feedback"}]}   weight 0..1; one choice at 1
multiple_response  {"choices": [{"id", "text", "weight", "feedback"}]}   weight -1..1; positives sum to 1
true_false         {"answer": bool, "feedback_true", "feedback_false"}
short_answer       {"answers": [{"text", "weight", "feedback"}], "case_sensitive": bool}   '*' is a wildcard
numerical          {"answers": [{"value", "tolerance", "weight", "feedback"} | {"min", "max", "weight", "feedback"}]}
matching           {"pairs": [{"id", "prompt", "answer"}], "distractors": [str]}
ordering           {"items": [{"id", "text"}]}                  the items in their correct order
essay              {"guidance", "min_words"}                    marked by a person
description        {}                                           text only, no mark

Texts (choices, feedback) are Markdown source. Responses, by type: a choice id; a list of choice
ids; a bool; a string; a number; {pair id: answer text}; a list of item ids; a string; nothing.
Attempt pages never show stored ids: each type's `values_from_form` maps the opaque values the page
sent (tokens.py) back to them, and everything after that, scoring included, works on stored ids.
"""
from __future__ import annotations

import importlib
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..core import textlimits

EPSILON = 1e-9


@dataclass(frozen=True)
class Scored:
    """The result of scoring one response: fraction of the marks (None: not auto-scored) and feedback."""

    fraction: float | None
    feedback: list[str] = field(default_factory=list)
    #: rubric types: the fraction earned on each criterion (criterion id -> 0..1)
    criteria: dict[str, float] | None = None

    @property
    def state(self) -> str:
        if self.fraction is None:
            return "needs_marking"
        if self.fraction >= 1 - EPSILON:
            return "correct"
        if self.fraction > EPSILON:
            return "partial"
        return "incorrect"


class ResponseError(ValueError):
    """A response that cannot be read (e.g. text where a number is needed), with a message for the learner."""


class UnknownAnswer(ValueError):
    """A posted answer value (or field) that is not one of this question's in this attempt (see tokens.py)."""


def chosen(values, tokens, kind: str, candidates) -> list:
    """The stored ids of the non-empty posted `values`, each an opaque value of `kind` (see tokens.py)."""
    candidates = list(candidates)
    return [tokens.stored(kind, value, candidates) for value in values if value]


def fields_under(form, name: str) -> list[tuple[str, str]]:
    """(suffix, value) of every form field named `name.<suffix>`."""
    prefix = name + "."
    return [(key[len(prefix):], value) for key, value in form.items(multi=True) if key.startswith(prefix)]


def clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class QuestionType:
    name = ""
    label = ""
    #: False for types marked by a person or not marked at all
    auto_scored = True
    #: False for text-only items that take no response
    takes_response = True
    #: True for tasks scored with a rubric, criterion by criterion (see `criteria`)
    is_performance = False

    def criteria(self, spec: dict) -> list[tuple[str, str]]:
        """A rubric type's criteria as (id, label), in the order reports show them."""
        return []

    def values_from_form(self, form, name: str, spec: dict, tokens):
        """The submitted values of one question, whose fields are named `name` or start with `name.`, with the
        opaque values of its options mapped back to stored ids (`tokens`: an AnswerTokens, see tokens.py).

        :raises UnknownAnswer: a value or field that is not one of this question's in this attempt.
        """
        return form.getlist(name)

    def validate(self, spec: dict) -> list[str]:
        """Problems with an answer spec, as sentences; empty when it is usable."""
        return []

    def read_response(self, spec: dict, values: list[str]):
        """Turn submitted form values for this question into the stored response (None = unanswered)."""
        raise NotImplementedError

    def score(self, spec: dict, response) -> Scored:
        raise NotImplementedError

    def right_answer(self, spec: dict) -> str:
        """The right answer, in words, for review pages and exports."""
        return ""

    def lint_options(self, spec: dict) -> list[tuple[str, list[dict]]]:
        """For the item-writing checks (quizzes/lint.py): an exercise's option lists, as (label, options), each
        option {"text", "keyed": bool, "feedback": str or None}. Choice questions are checked from their spec."""
        return []


REGISTRY: dict[str, QuestionType] = {}


def register(cls):
    REGISTRY[cls.name] = cls()
    return cls


def get_type(name: str) -> QuestionType:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown question type '{name}' (known: {', '.join(REGISTRY)})") from None


def _choice_ids(spec) -> list[str]:
    return [c.get("id") for c in spec.get("choices") or []]


def _validate_choices(spec) -> list[str]:
    choices = spec.get("choices")
    if not isinstance(choices, list) or len(choices) < 2:
        return ["needs at least two choices"]
    problems = []
    ids = _choice_ids(spec)
    if len(set(ids)) != len(ids) or any(not isinstance(i, str) or not i for i in ids):
        problems.append("every choice needs a distinct id")
    for n, choice in enumerate(choices, 1):
        if not str(choice.get("text", "")).strip():
            problems.append(f"choice {n} has no text")
        if not _is_number(choice.get("weight", 0)):
            problems.append(f"choice {n} has a weight that is not a number")
    return problems


@register
class SingleChoice(QuestionType):
    name = "single_choice"
    label = "Single choice"

    def values_from_form(self, form, name, spec, tokens):
        return chosen(form.getlist(name), tokens, "choice", _choice_ids(spec))

    def validate(self, spec):
        problems = _validate_choices(spec)
        if problems:
            return problems
        weights = [c.get("weight", 0) for c in spec["choices"]]
        if not any(abs(w - 1) < EPSILON for w in weights):
            problems.append("needs exactly one fully correct choice")
        elif sum(1 for w in weights if abs(w - 1) < EPSILON) > 1:
            problems.append("has more than one fully correct choice; use multiple_response for several")
        if any(w < -1 - EPSILON or w > 1 + EPSILON for w in weights):
            problems.append("choice weights must be between -100% and 100%")
        return problems

    def read_response(self, spec, values):
        value = next((v for v in values if v), None)
        if value is None:
            return None
        if value not in _choice_ids(spec):
            raise ResponseError("Choose one of the options shown.")
        return value

    def score(self, spec, response):
        choice = next((c for c in spec["choices"] if c["id"] == response), None)
        if choice is None:
            return Scored(0.0)
        return Scored(clamp(choice.get("weight", 0)), [choice["feedback"]] if choice.get("feedback") else [])

    def right_answer(self, spec):
        return next(c["text"] for c in spec["choices"] if c.get("weight", 0) >= 1 - EPSILON)


@register
class MultipleResponse(QuestionType):
    name = "multiple_response"
    label = "Multiple response"

    def values_from_form(self, form, name, spec, tokens):
        return chosen(form.getlist(name), tokens, "choice", _choice_ids(spec))

    def validate(self, spec):
        problems = _validate_choices(spec)
        if problems:
            return problems
        positive = sum(c.get("weight", 0) for c in spec["choices"] if c.get("weight", 0) > 0)
        if positive < 1 - 0.01:
            problems.append("the weights of the right choices must add up to 100%")
        if any(abs(c.get("weight", 0)) > 1 + EPSILON for c in spec["choices"]):
            problems.append("choice weights must be between -100% and 100%")
        return problems

    def read_response(self, spec, values):
        chosen = [v for v in values if v]
        if not chosen:
            return None
        known = set(_choice_ids(spec))
        if any(v not in known for v in chosen):
            raise ResponseError("Choose from the options shown.")
        return sorted(set(chosen), key=_choice_ids(spec).index)

    def score(self, spec, response):
        chosen = set(response or [])
        picked = [c for c in spec["choices"] if c["id"] in chosen]
        return Scored(clamp(sum(c.get("weight", 0) for c in picked)),
                      [c["feedback"] for c in picked if c.get("feedback")])

    def right_answer(self, spec):
        return "; ".join(c["text"] for c in spec["choices"] if c.get("weight", 0) > 0)


@register
class TrueFalse(QuestionType):
    name = "true_false"
    label = "True or false"

    def values_from_form(self, form, name, spec, tokens):
        return chosen(form.getlist(name), tokens, "answer", ("true", "false"))

    def validate(self, spec):
        return [] if isinstance(spec.get("answer"), bool) else ["the answer must be true or false"]

    def read_response(self, spec, values):
        value = next((v for v in values if v), None)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise ResponseError("Choose True or False.")
        return value == "true"

    def score(self, spec, response):
        text = spec.get("feedback_true") if response else spec.get("feedback_false")
        return Scored(1.0 if response == spec["answer"] else 0.0, [text] if text else [])

    def right_answer(self, spec):
        return "True" if spec["answer"] else "False"


@lru_cache(maxsize=4096)
def _wildcard_pattern(text: str, case_sensitive: bool) -> re.Pattern:
    parts = [re.escape(part) for part in normalise_space(text).split("*")]
    return re.compile("^" + ".*".join(parts) + "$", 0 if case_sensitive else re.IGNORECASE)


def normalise_space(text: str) -> str:
    return " ".join(str(text).split())


@register
class ShortAnswer(QuestionType):
    name = "short_answer"
    label = "Short answer"

    def validate(self, spec):
        answers = spec.get("answers")
        if not isinstance(answers, list) or not answers:
            return ["needs at least one accepted answer"]
        problems = []
        for n, answer in enumerate(answers, 1):
            if not str(answer.get("text", "")).strip():
                problems.append(f"answer {n} is empty")
            if not _is_number(answer.get("weight", 1)) or not 0 <= answer.get("weight", 1) <= 1 + EPSILON:
                problems.append(f"answer {n} needs a weight between 0% and 100%")
        if not problems and not any(a.get("weight", 1) >= 1 - EPSILON for a in answers):
            problems.append("needs one answer worth 100%")
        return problems

    def read_response(self, spec, values):
        raw = next((v for v in values if v), "") or ""
        message = textlimits.too_long("Your answer", raw.strip(), textlimits.SHORT_ANSWER)
        if message:
            raise ResponseError(message)
        value = normalise_space(raw)
        return value or None

    def score(self, spec, response):
        best = None
        for answer in spec["answers"]:
            if _wildcard_pattern(answer["text"], bool(spec.get("case_sensitive"))).match(normalise_space(response)):
                if best is None or answer.get("weight", 1) > best.get("weight", 1):
                    best = answer
        if best is None:
            return Scored(0.0)
        return Scored(clamp(best.get("weight", 1)), [best["feedback"]] if best.get("feedback") else [])

    def right_answer(self, spec):
        return next(a["text"] for a in spec["answers"] if a.get("weight", 1) >= 1 - EPSILON)


NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@register
class Numerical(QuestionType):
    name = "numerical"
    label = "Numerical"

    def validate(self, spec):
        answers = spec.get("answers")
        if not isinstance(answers, list) or not answers:
            return ["needs at least one answer"]
        problems = []
        for n, answer in enumerate(answers, 1):
            if "min" in answer or "max" in answer:
                if not (_is_number(answer.get("min")) and _is_number(answer.get("max"))):
                    problems.append(f"answer {n} needs a number for both min and max")
                elif answer["min"] > answer["max"]:
                    problems.append(f"answer {n} has min greater than max")
            elif not _is_number(answer.get("value")):
                problems.append(f"answer {n} needs a number as its value")
            elif not _is_number(answer.get("tolerance", 0)) or answer.get("tolerance", 0) < 0:
                problems.append(f"answer {n} needs a tolerance of zero or more")
        if not problems and not any(a.get("weight", 1) >= 1 - EPSILON for a in answers):
            problems.append("needs one answer worth 100%")
        return problems

    def read_response(self, spec, values):
        raw = (next((v for v in values if v), "") or "").strip().replace(" ", "")
        if not raw:
            return None
        if raw.count(",") == 1 and "." not in raw and not re.search(r",\d{3}$", raw):
            raw = raw.replace(",", ".")  # a decimal comma, as in 2,5
        raw = raw.replace(",", "")  # thousands separators, as in 1,000
        if not NUMBER.match(raw):
            raise ResponseError("Enter a number, for example 12 or 0.5.")
        return float(raw)

    @staticmethod
    def _matches(answer, value: float) -> bool:
        if "min" in answer:
            return answer["min"] - EPSILON <= value <= answer["max"] + EPSILON
        return abs(value - answer["value"]) <= answer.get("tolerance", 0) + EPSILON

    def score(self, spec, response):
        matching = [a for a in spec["answers"] if self._matches(a, float(response))]
        if not matching:
            return Scored(0.0)
        best = max(matching, key=lambda a: a.get("weight", 1))
        return Scored(clamp(best.get("weight", 1)), [best["feedback"]] if best.get("feedback") else [])

    def right_answer(self, spec):
        best = next(a for a in spec["answers"] if a.get("weight", 1) >= 1 - EPSILON)
        if "min" in best:
            return f"between {best['min']:g} and {best['max']:g}"
        tolerance = best.get("tolerance", 0)
        return f"{best['value']:g}" + (f" ± {tolerance:g}" if tolerance else "")


@register
class Matching(QuestionType):
    name = "matching"
    label = "Matching"

    def validate(self, spec):
        pairs = spec.get("pairs")
        if not isinstance(pairs, list) or len(pairs) < 2:
            return ["needs at least two pairs"]
        problems = []
        ids = [p.get("id") for p in pairs]
        if len(set(ids)) != len(ids):
            problems.append("every pair needs a distinct id")
        for n, pair in enumerate(pairs, 1):
            if not str(pair.get("prompt", "")).strip() or not str(pair.get("answer", "")).strip():
                problems.append(f"pair {n} needs both a prompt and an answer")
        return problems

    @staticmethod
    def options(spec) -> list[str]:
        """Every answer a learner may pick, without repeats, sorted so no order gives anything away."""
        return sorted({p["answer"] for p in spec["pairs"]} | set(spec.get("distractors") or []), key=str.lower)

    def values_from_form(self, form, name, spec, tokens):
        """Fields are named by the prompt's value and hold the option's value."""
        pair_ids, options = [p["id"] for p in spec["pairs"]], self.options(spec)
        values = {pair_id: "" for pair_id in pair_ids}
        for suffix, value in fields_under(form, name):
            pair_id = tokens.stored("prompt", suffix, pair_ids)
            values[pair_id] = tokens.stored("option", value, options) if value else ""
        return values

    def read_response(self, spec, values_by_pair: dict[str, str]):
        options = set(self.options(spec))
        answer = {}
        for pair in spec["pairs"]:
            value = (values_by_pair.get(pair["id"]) or "").strip()
            if value:
                if value not in options:
                    raise ResponseError("Choose each match from the list.")
                answer[pair["id"]] = value
        return answer or None

    def score(self, spec, response):
        response = response or {}
        right = sum(1 for p in spec["pairs"] if response.get(p["id"]) == p["answer"])
        return Scored(right / len(spec["pairs"]))

    def right_answer(self, spec):
        return "; ".join(f"{p['prompt']} → {p['answer']}" for p in spec["pairs"])


@register
class Ordering(QuestionType):
    """Partial credit: the share of items placed in their correct position."""

    name = "ordering"
    label = "Ordering"

    def validate(self, spec):
        items = spec.get("items")
        if not isinstance(items, list) or len(items) < 2:
            return ["needs at least two items"]
        ids = [i.get("id") for i in items]
        problems = [] if len(set(ids)) == len(ids) else ["every item needs a distinct id"]
        problems += [f"item {n} has no text" for n, i in enumerate(items, 1) if not str(i.get("text", "")).strip()]
        return problems

    def values_from_form(self, form, name, spec, tokens):
        """Fields are named by the item's value (never its position) and hold the position chosen for it."""
        ids = [item["id"] for item in spec["items"]]
        positions = {item_id: "" for item_id in ids}
        for suffix, value in fields_under(form, name):
            positions[tokens.stored("item", suffix, ids)] = value
        return [positions[item_id] for item_id in ids]

    def read_response(self, spec, values):
        """`values` holds each item's chosen position, in item order as given in the spec's ids."""
        ids = [i["id"] for i in spec["items"]]
        if not any(values):
            return None
        if len(values) != len(ids) or any(not v or not v.isdigit() for v in values):
            raise ResponseError("Give every item a position.")
        positions = [int(v) for v in values]
        if sorted(positions) != list(range(1, len(ids) + 1)):
            raise ResponseError(f"Use each position from 1 to {len(ids)} once.")
        return [item_id for _, item_id in sorted(zip(positions, ids))]

    def score(self, spec, response):
        ids = [i["id"] for i in spec["items"]]
        response = response or []
        right = sum(1 for n, item_id in enumerate(ids) if n < len(response) and response[n] == item_id)
        return Scored(right / len(ids))

    def right_answer(self, spec):
        return " → ".join(i["text"] for i in spec["items"])


@register
class Essay(QuestionType):
    name = "essay"
    label = "Essay"
    auto_scored = False

    def validate(self, spec):
        min_words = spec.get("min_words")
        if min_words is not None and (not isinstance(min_words, int) or min_words < 0):
            return ["min_words must be a whole number"]
        return []

    def read_response(self, spec, values):
        text = textlimits.normalise_newlines(next((v for v in values if v), "") or "").strip()
        message = textlimits.too_long("Your answer", text, textlimits.ESSAY)
        if message:
            raise ResponseError(message)
        return text or None

    def score(self, spec, response):
        return Scored(None)

    def right_answer(self, spec):
        return spec.get("guidance") or ""


@register
class Description(QuestionType):
    name = "description"
    label = "Description (no answer)"
    auto_scored = False
    takes_response = False

    def read_response(self, spec, values):
        return None

    def score(self, spec, response):
        return Scored(None)


# The performance exercises register their types here too; they build on the classes above.
importlib.import_module("lit_platform.exercises.question_types")
