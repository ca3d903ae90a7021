"""Item-writing checks: known flaws of test questions (Haladyna, Downing and Rodriguez 2002; the NBME
item-writing guide), found automatically.

Everything here is pure. A question is a plain dict, as the course loader and the bank produce it:
{"key", "type", "stem", "spec", "outcome", "form", "file", "line"} (form, file and line optional).
Each check returns Findings: a code, error or warning, where it is and one sentence saying why.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass

from .types import EPSILON, get_type

ERROR, WARNING = "error", "warning"
CHOICE_TYPES = ("single_choice", "multiple_response")
#: the share of choice items whose key is the longest option above which a test teaches "pick the longest"
KEYED_LONGEST_LIMIT = 1 / 3
#: a multiple-response item counts as keyed-longest when its keyed options are this much longer on average
MULTIPLE_RESPONSE_RATIO = 1.2
#: exercise options: mean keyed length at or above this many times the others' mean is systematic
EXERCISE_RATIO = 1.25
MIN_ITEMS_PER_OUTCOME = 3
MIN_OPTIONS = 3
NEAR_DUPLICATE = 0.9

#: what each code means, for the documentation and the bank
CODES = {
    "keyed-longest": (WARNING, "the keyed option is the longest"),
    "keyed-longest-share": (ERROR, "too many items whose keyed option is the longest"),
    "all-none-of-the-above": (ERROR, "an 'all of the above', 'none of the above' or 'both A and B' option"),
    "negative-stem": (ERROR, "a negative stem (NOT, EXCEPT) that is not emphasised"),
    "true-false-same-key": (ERROR, "every true/false item keyed the same way"),
    "feedback-missing": (WARNING, "a wrong option with no feedback"),
    "feedback-bare": (WARNING, "feedback that only says the option is wrong"),
    "too-few-options": (ERROR, "fewer than three options"),
    "duplicate-option": (ERROR, "two options with the same text"),
    "near-duplicate-option": (WARNING, "two options that differ only slightly"),
    "clang": (WARNING, "the keyed option repeats stem words that the distractors lack"),
    "outcome-few-items": (ERROR, "an outcome measured by fewer than three items"),
    "outcome-missing-on-form": (ERROR, "an outcome with no item on one form"),
    "forms-differ": (ERROR, "forms A and B differ in their mix of item types or outcomes"),
    "outcome-no-confidence": (ERROR, "an outcome with no confidence rating"),
    "exercise-keyed-longer": (ERROR, "an exercise's keyed options are systematically longer than the others"),
}


@dataclass(frozen=True, order=True)
class Finding:
    file: str
    line: int
    severity: str
    code: str
    item: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.file else "(bank)"
        item = f" {self.item}:" if self.item else ""
        return f"{where}: {self.severity} [{self.code}]{item} {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "severity": self.severity, "code": self.code,
                "item": self.item, "message": self.message}


def _finding(item: dict, code: str, message: str, choice: int | None = None, field: str | None = None) -> Finding:
    """A finding about `item`, at the line of its choice number `choice` or of its `field` when known."""
    line = item.get("line") or 0
    choice_lines = item.get("choice_lines") or []
    if choice is not None and 0 < choice <= len(choice_lines):
        line = choice_lines[choice - 1]
    elif field is not None and field in (item.get("field_lines") or {}):
        line = item["field_lines"][field]
    return Finding(item.get("file") or "", int(line), CODES[code][0], code, item.get("key") or "", message)


# Text ------------------------------------------------------------------------------------------

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"[*_`~#>|]+")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


def plain(text) -> str:
    """Markdown source as the words a reader sees, spaces collapsed."""
    text = _LINK.sub(r"\1", str(text or ""))
    text = _TAG.sub("", text)
    return " ".join(_MARKS.sub("", text).split())


def length(text) -> int:
    return len(plain(text))


def _normal(text) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", plain(text).lower()))


STOPWORDS = set("""
a about above after again against all also am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers him
his how i if in into is it its itself just me more most my no nor not now of off on once only or other our out over
own same she should so some such than that the their them then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your yours yourself one two
may might must shall into onto upon within without best most likely following statement statements true false
option options answer answers choose question questions learner learners look looks first people person make makes
find finds use used uses using give gives take takes need needs know knows show shows help helps work works many much
well good like even next something someone thing things way ways time
""".split())


def _words(text) -> dict[str, str]:
    """The content words of a text: crude stem -> the word as written."""
    found = {}
    for word in re.findall(r"[a-z][a-z'-]+", plain(text).lower()):
        word = word.strip("'-")
        if len(word) < 4 or word in STOPWORDS:
            continue
        found.setdefault(_stem(word), word)
    return found


def _stem(word: str) -> str:
    for ending in ("ing", "ies", "es", "ed", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


# Options ---------------------------------------------------------------------------------------

def options(item: dict) -> list[dict]:
    """A choice item's options as {"text", "keyed", "feedback"}; other types have none."""
    if item.get("type") not in CHOICE_TYPES:
        return []
    single = item["type"] == "single_choice"
    result = []
    for choice in (item.get("spec") or {}).get("choices") or []:
        weight = choice.get("weight", 0) or 0
        keyed = weight >= 1 - EPSILON if single else weight > EPSILON
        result.append({"text": choice.get("text", ""), "keyed": keyed, "feedback": choice.get("feedback", "")})
    return result


def keyed_longest(item: dict) -> bool:
    """Does the item's key stand out by length? Single choice: the keyed option is strictly longer than every
    other. Multiple response: the longest option is keyed and the keyed mean is ≥ 1.2 × the unkeyed mean."""
    found = options(item)
    keyed = [length(o["text"]) for o in found if o["keyed"]]
    others = [length(o["text"]) for o in found if not o["keyed"]]
    if not keyed or not others:
        return False
    if item["type"] == "single_choice":
        return len(keyed) == 1 and keyed[0] > max(others)
    return max(keyed) > max(others) and sum(keyed) / len(keyed) >= MULTIPLE_RESPONSE_RATIO * sum(others) / len(others)


#: an option that points at the other options, at its start ("All of the above", "None of these are ...")
_ALL_NONE = re.compile(r"^((all|none|neither|both|any|each)\s+of\s+(the\s+)?(above|these|those|them|options|answers|"
                       r"other\s+options|choices)|all\s+the\s+above)\b", re.IGNORECASE)
_LETTERS = re.compile(r"^((?i:both|neither|only)\s+)?\(?[A-F1-6]\)?\s*(,\s*\(?[A-F1-6]\)?\s*)*(and|&|or|nor)\s+\(?[A-F1-6]\)?$")
_NEGATIVE = re.compile(
    r"\b(?:which|what|who|where)\b(?:\s+[\w'-]+){0,4}?\s+(?:is|are|does|do|did|would|should|could|can|will|was|were|"
    r"has|have|might|may|must)(?:\s+(?:you|we|they|it|she|he|i|a|the))?\s+(not)\b|\b(except)\b", re.IGNORECASE)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\3(?![\w*])|<(strong|em|b)>.*?</\5>",
                       re.DOTALL)
_CODE = re.compile(r"`[^`]*`")
_BARE_WORDS = set("""no nope not incorrect wrong false sorry try again that that's thats this it it's its is isn't
quite right correct answer the option choice one unfortunately afraid i'm im so a an oh actually really""".split())


def _question_sentences(stem: str) -> list[str]:
    """The sentences that ask: those ending with ? or :, and the last one."""
    text = _CODE.sub(" ", str(stem or ""))
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paragraphs:
        return []
    sentences = re.split(r"(?<=[.?!:])\s+", " ".join(paragraphs[-1].split()))
    asking = [s for p in paragraphs for s in re.split(r"(?<=[.?!:])\s+", " ".join(p.split()))
              if s.rstrip().endswith(("?", ":"))]
    return asking + sentences[-1:]


def _similar(a: str, b: str) -> bool:
    matcher = difflib.SequenceMatcher(None, a, b)
    # the quick ratios are upper bounds of the ratio: most pairs are told apart without the full comparison
    return (matcher.real_quick_ratio() >= NEAR_DUPLICATE and matcher.quick_ratio() >= NEAR_DUPLICATE
            and matcher.ratio() >= NEAR_DUPLICATE)


def _is_bare(feedback: str) -> bool:
    words = re.findall(r"[a-z']+", plain(feedback).lower())
    return bool(words) and all(word in _BARE_WORDS for word in words)


# Checks on one item ----------------------------------------------------------------------------

def lint_item(item: dict) -> list[Finding]:
    """Every item-writing finding about one question on its own."""
    found: list[Finding] = []
    qtype = item.get("type")
    choices = options(item)
    if qtype in CHOICE_TYPES:
        found += _choice_checks(item, choices)
    if qtype == "true_false":
        spec = item.get("spec") or {}
        wrong = "feedback_false" if spec.get("answer") is True else "feedback_true"
        text = spec.get(wrong, "")
        if not plain(text):
            found.append(_finding(item, "feedback-missing",
                                  f"the wrong answer ({'False' if wrong == 'feedback_false' else 'True'}) has no "
                                  f"feedback: say why it is wrong", field="answer"))
        elif _is_bare(text):
            found.append(_finding(item, "feedback-bare", f"the feedback on the wrong answer only says it is wrong "
                                                         f"(“{plain(text)}”): say why", field=wrong))
    found += _exercise_checks(item)
    return found


def _choice_checks(item: dict, choices: list[dict]) -> list[Finding]:
    found = []
    texts = [plain(c["text"]) for c in choices]
    if len(choices) < MIN_OPTIONS:
        found.append(_finding(item, "too-few-options", f"{len(choices)} options: write at least {MIN_OPTIONS} "
                                                       "(a two-option item is a true/false item guessed half the time)",
                              field="choices"))
    if keyed_longest(item):
        longest = max(range(len(choices)), key=lambda i: length(choices[i]["text"])) + 1
        found.append(_finding(item, "keyed-longest", "the keyed option is the longest: learners who pick the longest "
                                                     "option get it right without knowing; even out the lengths",
                              choice=longest))
    for n, text in enumerate(texts, 1):
        if _ALL_NONE.search(text) or _LETTERS.match(text):
            found.append(_finding(item, "all-none-of-the-above",
                                  f"option {n} (“{text}”) refers to other options: write an option that stands alone",
                                  choice=n))
    seen: dict[str, int] = {}
    prose: dict[str, int] = {}
    for n, choice in enumerate(choices, 1):
        exact = " ".join(str(choice["text"]).lower().split()).rstrip(".")
        if exact in seen:
            found.append(_finding(item, "duplicate-option", f"options {seen[exact]} and {n} say the same thing",
                                  choice=n))
            continue
        seen[exact] = n
        # Options written as code (searches, syntax) differ by a character on purpose.
        normal = _normal(choice["text"])
        if "`" in str(choice["text"]) or len(normal.split()) < 3:
            continue
        for other, m in prose.items():
            if normal == other or _similar(normal, other):
                found.append(_finding(item, "near-duplicate-option",
                                      f"options {m} and {n} differ only slightly: make each a distinct answer", choice=n))
                break
        prose[normal] = n
    stem = item.get("stem", "")
    for sentence in _question_sentences(stem):
        match = _NEGATIVE.search(_EMPHASIS.sub(" ", sentence))
        if match:
            word = match.group(1) or match.group(2)
            found.append(_finding(item, "negative-stem",
                                  f"the question asks in the negative (“{word}”) without emphasis: write **{word.upper()}**, "
                                  "or put a search operator in `code`", field="stem"))
            break
    keyed = [c for c in choices if c["keyed"]]
    distractors = [c for c in choices if not c["keyed"]]
    if keyed and distractors:
        stem_words = _words(stem)
        shared = set(stem_words)
        for choice in keyed:
            shared &= set(_words(choice["text"]))
        for choice in distractors:
            shared -= set(_words(choice["text"]))
        if shared:
            words = sorted(stem_words[w] for w in shared)
            found.append(_finding(item, "clang", f"the keyed option repeats stem word(s) no distractor uses "
                                                 f"({', '.join(words)}): a clue to the answer",
                                  choice=next(n for n, c in enumerate(choices, 1) if c["keyed"])))
    for n, choice in enumerate(choices, 1):
        if choice["keyed"]:
            continue
        feedback = choice.get("feedback", "")
        if not plain(feedback):
            found.append(_finding(item, "feedback-missing", f"wrong option {n} (“{texts[n - 1][:60]}”) has no "
                                                            "feedback: say why it is wrong", choice=n))
        elif _is_bare(feedback):
            found.append(_finding(item, "feedback-bare", f"the feedback on wrong option {n} only says it is wrong "
                                                         f"(“{plain(feedback)}”): say why", choice=n))
    return found


def exercise_option_groups(item: dict) -> list[tuple[str, list[dict]]]:
    """An exercise's option lists, as its question type exposes them: (label, [{"text", "keyed", "feedback"}])."""
    try:
        question_type = get_type(item.get("type") or "")
    except ValueError:
        return []
    try:
        return list(question_type.lint_options(item.get("spec") or {}))
    except (AttributeError, KeyError, TypeError):
        return []


def exercise_lengths(item: dict) -> tuple[float, float] | None:
    """The mean length of an exercise's keyed entries and of the others, or None without both."""
    keyed, others = [], []
    for _, group in exercise_option_groups(item):
        for option in group:
            (keyed if option["keyed"] else others).append(length(option["text"]))
    if not keyed or not others:
        return None
    return sum(keyed) / len(keyed), sum(others) / len(others)


def _exercise_checks(item: dict) -> list[Finding]:
    groups = exercise_option_groups(item)
    if not groups:
        return []
    found = []
    means = exercise_lengths(item)
    if means and means[1] and means[0] >= EXERCISE_RATIO * means[1]:
        found.append(_finding(item, "exercise-keyed-longer",
                              f"the keyed entries average {means[0]:.0f} characters, the others {means[1]:.0f} "
                              f"({means[0] / means[1]:.2f} times; keep it under {EXERCISE_RATIO}): learners can "
                              "spot the expert's choice by its length"))
    for label, group in groups:
        for n, option in enumerate(group, 1):
            if option["keyed"] or option.get("feedback") is None:
                continue
            text = plain(option["text"])[:60]
            if not plain(option["feedback"]):
                found.append(_finding(item, "feedback-missing", f"{label} {n} (“{text}”) has no feedback: say why "
                                                                "it is weak or wrong"))
            elif _is_bare(option["feedback"]):
                found.append(_finding(item, "feedback-bare", f"the feedback on {label} {n} only says it is wrong: "
                                                             "say why"))
    return found


# Checks on a set of items (a quiz, an instrument, a course's quizzes) ---------------------------

@dataclass(frozen=True)
class Share:
    counted: int
    of: int

    @property
    def fraction(self) -> float | None:
        return self.counted / self.of if self.of else None

    def __str__(self) -> str:
        return f"{self.counted} of {self.of}" + (f" ({self.fraction:.0%})" if self.of else "")


def keyed_longest_share(items: list[dict]) -> Share:
    choice_items = [i for i in items if i.get("type") in CHOICE_TYPES]
    return Share(sum(keyed_longest(i) for i in choice_items), len(choice_items))


def lint_share(items: list[dict], where: dict, label: str) -> list[Finding]:
    """The keyed-longest share of a set of items: an error above one in three."""
    share = keyed_longest_share(items)
    if share.of and share.fraction > KEYED_LONGEST_LIMIT + EPSILON:
        return [_finding(where, "keyed-longest-share",
                         f"{label}: the keyed option is the longest in {share} of the choice items; keep it to one "
                         "in three at most (aim for one in five)")]
    return []


def lint_true_false(items: list[dict], where: dict, label: str) -> list[Finding]:
    keys = [(i.get("spec") or {}).get("answer") for i in items if i.get("type") == "true_false"]
    if len(keys) >= 2 and len(set(keys)) == 1:
        word = "true" if keys[0] else "false"
        return [_finding(where, "true-false-same-key", f"{label}: all {len(keys)} true/false items are {word}; "
                                                       "a learner who always answers " + word + " gets them all")]
    return []


def lint_set(items: list[dict], where: dict, label: str) -> list[Finding]:
    """Per-item findings of every item and the findings about the set as a whole."""
    found = []
    for item in items:
        found += lint_item(item)
    return found + lint_share(items, where, label) + lint_true_false(items, where, label)


def lint_coverage(items: list[dict], confidence_outcomes: list[str] | None, outcomes: list[str] | None,
                  where: dict, confidence_where: dict | None = None) -> list[Finding]:
    """Pre/post coverage: ≥3 items per outcome on every form, both forms alike, a confidence rating per outcome.

    `outcomes`: the outcomes the instrument should cover (None: those its items name). `confidence_outcomes`:
    the outcomes of its confidence statements (None: confidence is not checked)."""
    scored = [i for i in items if i.get("type") != "description"]
    codes = list(outcomes) if outcomes is not None else sorted({i.get("outcome") for i in scored if i.get("outcome")})
    forms = sorted({i.get("form") for i in scored if i.get("form")})
    found = []
    for form in forms or [None]:
        on_form = [i for i in scored if not i.get("form") or i.get("form") == form]
        counts = Counter(i.get("outcome") for i in on_form)
        name = f"form {form}" if form else "the test"
        for code in codes:
            if forms and counts[code] == 0:
                found.append(_finding(where, "outcome-missing-on-form", f"outcome {code} has no item on {name}: "
                                                                        "its change cannot be measured"))
            elif counts[code] < MIN_ITEMS_PER_OUTCOME:
                found.append(_finding(where, "outcome-few-items",
                                      f"outcome {code} rests on {counts[code]} item(s) on {name}; write at least "
                                      f"{MIN_ITEMS_PER_OUTCOME} so one item does not decide it"))
    if len(forms) == 2:
        only = {form: [i for i in scored if i.get("form") == form] for form in forms}
        for what, field in (("item types", "type"), ("outcomes", "outcome")):
            a, b = (Counter(i.get(field) for i in only[form]) for form in forms)
            if a != b:
                differ = sorted(str(k) for k in set(a) | set(b) if a[k] != b[k])
                found.append(_finding(where, "forms-differ",
                                      f"forms A and B differ in their {what} ({', '.join(differ)}): pair each form A "
                                      "item with a form B item of the same type and outcome"))
    if confidence_outcomes is not None:
        rated = set(confidence_outcomes)
        for code in codes:
            if code not in rated:
                found.append(_finding(confidence_where or where, "outcome-no-confidence",
                                      f"outcome {code} has no confidence statement: learners cannot rate it before "
                                      "and after"))
    return found


def lint_instrument(items: list[dict], confidence_outcomes: list[str] | None, outcomes: list[str] | None,
                    where: dict, label: str, confidence_where: dict | None = None) -> list[Finding]:
    """Every finding about a pre/post instrument: its items one by one, then the instrument as a whole."""
    return [f for item in items for f in lint_item(item)] + lint_whole_instrument(
        items, confidence_outcomes, outcomes, where, label, confidence_where)


def lint_whole_instrument(items: list[dict], confidence_outcomes: list[str] | None, outcomes: list[str] | None,
                          where: dict, label: str, confidence_where: dict | None = None) -> list[Finding]:
    """The findings about an instrument as a whole (keyed-longest share, true/false keys, coverage)."""
    return (lint_share(items, where, label) + lint_true_false(items, where, label)
            + lint_coverage(items, confidence_outcomes, outcomes, where, confidence_where))


def counts(findings: list[Finding]) -> tuple[int, int]:
    """(errors, warnings)."""
    return (sum(f.severity == ERROR for f in findings), sum(f.severity == WARNING for f in findings))


def summary(findings: list[Finding]) -> str:
    errors, warnings = counts(findings)
    return f"{errors} error{'' if errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'}"


def item_from_version(key: str, version, form: str | None = None) -> dict:
    """A stored question version (or anything with its fields) as the plain dict the checks take."""
    return {"key": key, "type": version.type, "stem": version.stem, "spec": version.spec or {},
            "outcome": version.outcome, "form": form, "file": "", "line": 0}


