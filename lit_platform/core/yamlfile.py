"""YAML that remembers where things are, so every problem can name its file and line."""
from __future__ import annotations

from dataclasses import dataclass

import yaml


class LineDict(dict):
    """A mapping from a YAML file; `.line` is where it starts, `.key_lines[key]` where each key is."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    line: int = 0


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.message}"


#: limits checked while the document is read, before anything is built from it
MAX_CHARACTERS = 2_000_000
MAX_NODES = 200_000
MAX_DEPTH = 40


class _Loader(yaml.SafeLoader):
    """A safe loader that also refuses anchors and aliases, and stops at MAX_NODES values or MAX_DEPTH levels.

    Aliases would let a few hundred bytes stand for billions of values (an "alias bomb"); no course,
    quiz or question needs them, so the document is refused at the first one, before any copy is made.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (& and *) are not allowed: write each value out", event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise yaml.composer.ComposerError(None, None, f"the document has more than {MAX_NODES:,} values",
                                              event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"the document is nested more than {MAX_DEPTH} levels "
                                                              "deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader, node):
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, filename: str, first_line: int = 1):
    """Parse YAML text; returns (data, problems). `first_line` offsets lines for front matter."""
    if len(text) > MAX_CHARACTERS:
        return None, [Problem(filename, first_line, f"the file is too large ({len(text):,} characters; at most "
                                                    f"{MAX_CHARACTERS:,})")]
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + first_line) if mark else first_line
        return None, [Problem(filename, line, f"this is not valid YAML: {error.problem or error}")]
    except yaml.YAMLError as error:
        return None, [Problem(filename, first_line, f"this is not valid YAML: {error}")]
    if first_line != 1:
        _shift(data, first_line - 1)
    return data, []


def _shift(data, offset: int) -> None:
    if isinstance(data, LineDict):
        data.line += offset
        data.key_lines = {k: v + offset for k, v in data.key_lines.items()}
        for value in data.values():
            _shift(value, offset)
    elif isinstance(data, LineList):
        data.line += offset
        for value in data:
            _shift(value, offset)
