"""What attempt pages send for answers: opaque values (lit_platform/quizzes/tokens.py), read from a page's
HTML the way a browser sees it, or computed for a response as the page would show them."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

from lit_platform.quizzes.tokens import AnswerTokens, tokens_key


def page_value(app, response_id: int, kind: str, stored) -> str:
    """The value the page of `response_id` shows for the option stored as `stored` (kinds as in the
    templates: choice, answer (true/false), prompt, option, item, <move>.action, <move>.finding, verdict,
    <item key>.answer)."""
    with app.app_context():
        return AnswerTokens(tokens_key(), response_id)(kind, stored)


@dataclass
class Field:
    tag: str  # input, select, textarea
    type: str
    name: str
    value: str
    id: str
    label: str = ""
    checked: bool = False
    #: a select's options as (value, text)
    options: list[tuple[str, str]] = field(default_factory=list)
    #: the question's response id (data-response-id of the enclosing section), as text
    section: str = ""


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[Field] = []
        self.labels: dict[str, str] = {}
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._option: list | None = None
        self._select: Field | None = None
        self._section = ""

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v or "") for k, v in attrs}
        if tag == "section" and "data-response-id" in attrs:
            self._section = attrs["data-response-id"]
        elif tag == "label":
            self._label_for, self._label_text = attrs.get("for"), []
        elif tag in ("input", "textarea", "select"):
            found = Field(tag, attrs.get("type", tag), attrs.get("name", ""), attrs.get("value", ""),
                          attrs.get("id", ""), checked="checked" in attrs, section=self._section)
            self.fields.append(found)
            if tag == "select":
                self._select = found
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value", ""), ""]
            if "selected" in attrs:
                self._select.value = self._option[0]

    def handle_endtag(self, tag):
        if tag == "label" and self._label_for:
            self.labels[self._label_for] = " ".join("".join(self._label_text).split())
            self._label_for = None
        elif tag == "option" and self._option is not None:
            self._select.options.append((self._option[0], self._option[1].strip()))
            self._option = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._label_for:
            self._label_text.append(data)
        if self._option is not None:
            self._option[1] += data


def page_fields(html: str) -> list[Field]:
    """Every form field of the page, with its label's text and its question."""
    parser = _FormParser()
    parser.feed(html)
    for found in parser.fields:
        found.label = parser.labels.get(found.id, "")
    return parser.fields


def answer_fields(html: str, response_id) -> list[Field]:
    """The fields of one question (those named r<id> or r<id>.<...>)."""
    name = f"r{response_id}"
    return [f for f in page_fields(html) if f.name == name or f.name.startswith(name + ".")]


def choose(html: str, response_id, label: str) -> tuple[str, str]:
    """(name, value) of the radio button or checkbox of one question whose label is `label`."""
    matches = [f for f in answer_fields(html, response_id) if f.type in ("radio", "checkbox") and f.label == label]
    assert len(matches) == 1, f"{len(matches)} inputs labelled {label!r} in question r{response_id}"
    return matches[0].name, matches[0].value


def select(html: str, response_id, label: str, option: str) -> tuple[str, str]:
    """(name, value) of the list labelled `label` of one question, with the option shown as `option`."""
    matches = [f for f in answer_fields(html, response_id) if f.tag == "select" and f.label == label]
    assert len(matches) == 1, f"{len(matches)} lists labelled {label!r} in question r{response_id}"
    values = [value for value, text in matches[0].options if text == option]
    assert len(values) == 1, f"no option {option!r} in {label!r}"
    return matches[0].name, values[0]


def checked_labels(html: str, response_id) -> list[str]:
    """The labels of the checked radio buttons and checkboxes of one question."""
    return [f.label for f in answer_fields(html, response_id) if f.checked]


def strip_tags(text: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
