"""Critical-appraisal checklists: a learner's answers compared with an expert's, item by item.

Agreement is given as a percentage and as Cohen's kappa, which discounts the agreement two raters
would reach by chance given how often each used each answer.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..core import textlimits

ANSWERS = {"yes": "Yes", "no": "No", "cant_tell": "Can't tell"}


@dataclass(frozen=True)
class Kappa:
    value: float | None
    #: why the value is None, in words
    reason: str = ""


def cohen_kappa(pairs: list[tuple[str, str]]) -> Kappa:
    """Cohen's kappa for two raters' answers to the same items, as (rater A, rater B) pairs."""
    return kappa_from_counts(Counter(pairs))


def kappa_from_counts(counts: Counter) -> Kappa:
    """Cohen's kappa from how often each (rater A, rater B) pair of answers occurred."""
    n = sum(counts.values())
    if n == 0:
        return Kappa(None, "no items were answered")
    observed = sum(count for (a, b), count in counts.items() if a == b) / n
    first, second = Counter(), Counter()
    for (a, b), count in counts.items():
        first[a] += count
        second[b] += count
    expected = sum(first[c] * second[c] for c in set(first) | set(second)) / (n * n)
    if expected >= 1 - 1e-12:
        return Kappa(None, "both gave the same answer to every item, so agreement beyond chance cannot be measured")
    return Kappa((observed - expected) / (1 - expected))


def describe_kappa(value: float | None) -> str:
    """The conventional label for a kappa value (Landis and Koch, 1977)."""
    if value is None:
        return "not measurable"
    if value < 0:
        return "less than chance"
    for limit, label in ((0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial")):
        if value <= limit + 1e-12:
            return label
    return "almost perfect"


@dataclass(frozen=True)
class ItemResult:
    key: str
    question: str
    answer: str | None
    reason: str
    expert: str
    explanation: str

    @property
    def agrees(self) -> bool:
        return self.answer == self.expert


@dataclass(frozen=True)
class Appraisal:
    items: list[ItemResult]
    kappa: Kappa

    @property
    def agreed(self) -> int:
        return sum(1 for item in self.items if item.agrees)

    @property
    def percent(self) -> float:
        return 100 * self.agreed / len(self.items) if self.items else 0.0


def compare(spec: dict, response: dict | None) -> Appraisal:
    """The learner's answers beside the expert's; kappa counts only the items the learner answered."""
    response = response or {}
    items = []
    for item in spec["items"]:
        given = response.get(item["key"]) or {}
        items.append(ItemResult(item["key"], item["question"], given.get("answer"), given.get("why", ""),
                                item["expert"], item.get("explanation", "")))
    answered = [(item.answer, item.expert) for item in items if item.answer is not None]
    return Appraisal(items, cohen_kappa(answered))


def validate(spec: dict) -> list[str]:
    items = spec.get("items")
    if not isinstance(items, list) or len(items) < 2:
        return ["needs a checklist of at least two items"]
    problems = []
    keys = [item.get("key") for item in items]
    if len(set(keys)) != len(keys) or not all(isinstance(k, str) and k for k in keys):
        problems.append("every checklist item needs a distinct key")
    for n, item in enumerate(items, 1):
        if not str(item.get("question", "")).strip():
            problems.append(f"checklist item {n} has no question")
        if item.get("expert") not in ANSWERS:
            problems.append(f"checklist item {n}: expert must be yes, no or cant_tell")
        if not str(item.get("explanation", "")).strip():
            problems.append(f"checklist item {n} needs an explanation of the expert's answer")
    study = spec.get("study") or {}
    if not str(study.get("text", "")).strip():
        problems.append("study: give the text of the study report")
    return problems


def read_response(spec: dict, values: dict[str, tuple[str, str]]) -> dict | None:
    """Form values {item key: (answer, reason)} to the stored response; unknown answers are refused."""
    response = {}
    for n, item in enumerate(spec["items"], 1):
        answer, reason = values.get(item["key"], ("", ""))
        too_long = textlimits.too_long(f"Your reason for item {n}", (reason or "").strip(), textlimits.REASON)
        if too_long:
            raise ValueError(too_long)
        answer, reason = (answer or "").strip(), " ".join((reason or "").split())
        if answer and answer not in ANSWERS:
            raise ValueError("Answer each checklist item with Yes, No or Can't tell.")
        if answer or reason:
            response[item["key"]] = {"answer": answer or None, "why": reason}
    return response or None
