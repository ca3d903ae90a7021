"""Self-generated identification codes for anonymous participants in walk-in workshops.

Each participant answers the same three prompts before and after the session. The answers are
easy to give the same way twice but do not identify anyone, and only the combined code is stored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Prompt:
    name: str
    label: str
    hint: str
    pattern: str
    error: str


PROMPTS = (
    Prompt("letters", "The first two letters of the first name of a parent or someone who brought you up",
           "For example, MA for Margaret. Use XX if you would rather not say.", r"[A-Z]{2}",
           "Enter two letters, for example MA."),
    Prompt("day", "The day of the month you were born",
           "Two digits, for example 07 for the 7th.", r"(0[1-9]|[12][0-9]|3[01])",
           "Enter a day from 01 to 31, for example 07."),
    Prompt("siblings", "How many older brothers and sisters you have",
           "One digit, 0 to 9. Count half- and step-siblings if you grew up with them.", r"[0-9]",
           "Enter one digit from 0 to 9."),
)


def normalise(name: str, value: str) -> str:
    value = re.sub(r"\s+", "", value or "").upper()
    if name == "day" and value.isdigit() and len(value) == 1:
        value = "0" + value
    return value


def make_code(answers: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    """The participant's code from their answers, or None and {prompt name: error}."""
    errors, parts = {}, []
    for prompt in PROMPTS:
        value = normalise(prompt.name, answers.get(prompt.name, ""))
        if not re.fullmatch(prompt.pattern, value):
            errors[prompt.name] = prompt.error
        parts.append(value)
    return (None, errors) if errors else ("".join(parts), {})
