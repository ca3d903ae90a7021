"""Literature searches in PubMed and Ovid MEDLINE syntax: parse, check, serialise and translate.

A learner writes a search of one or more lines. `parse_search` turns each line into a tree of
`Term`, `Group` and `LineRef` nodes and lists `Finding`s: specific, teachable remarks on the
syntax, each with a stable code, a severity and a message that quotes the learner's text.
`to_text` writes a tree back in either syntax and `translate` turns a whole search into the other
syntax, with a note for everything that does not carry over exactly. Everything here is a pure
function of its arguments; nothing is stored.

How a line is read
------------------
1. Numbering that the learner typed ("1. ", "1) ", "#1 ", "1 ") is removed when it equals the
   line's own number. Empty lines are skipped and not numbered, so line numbers (also in findings)
   count search lines, not lines of the text box.
2. A hand-written scanner turns the line into tokens. It knows the notation of both syntaxes, so
   that it can say "this is how the other database writes it" (`asthma.ti,ab.` in PubMed,
   `asthma[tiab]` in Ovid, `adj3` in PubMed, `NEAR/3` anywhere).
3. Unbalanced brackets or quotes, empty brackets and operators with nothing to join stop the line
   from being read (its node is None). Otherwise a small LALR grammar (lark) reads the tokens and
   the tree is built from lark's parse tree.
4. Checks on the tree add the remaining findings.

Reading decisions (documented for course authors and the exercise code)
-----------------------------------------------------------------------
* AND, OR and NOT are read strictly left to right in both syntaxes: `a OR b AND c` is
  `(a OR b) AND c`. The inner group has `implicit=True` and the line gets "mixed-operators".
  Runs of the same operator make one group: `a OR b OR c` is one OR group with three children;
  `a NOT b NOT c` is NOT(a, b, c): a, without b, without c.
* Ovid `adjN` binds more tightly than and/or/not: `traffic adj3 pollution or smog` is
  `(traffic adj3 pollution) or smog`. A field suffix on the last word of an adjacency
  (`traffic adj3 pollution.ti,ab.`) applies to the whole adjacency. Plain `adj` (words next to
  each other, in order) and `adj1` both have distance 0; the tree does not keep the word order.
* PubMed words side by side with no operator are read as AND (as PubMed does), tighter than any
  written operator: `asthma children OR infants` is `(asthma AND children) OR infants`. The AND
  group has `implicit=True`. With a field tag, unquoted words are one phrase-like term:
  `air pollution[tiab]` is Term("air pollution", quoted=False).
* Ovid words side by side are one phrase. Two phrases, brackets or headings side by side with no
  operator are an error.
* A heading field on a bracketed group (PubMed `(Asthma OR Wheeze)[mh]`, Ovid `(...).sh.`) is
  applied to each term inside; other field tags on a group stay on the group (`Group.fields`).
* Subject headings have `fields=("mh",)`. Ovid subheading lists are kept whole:
  `exp Asthma/dt,th` has `subheading="dt,th"`.
* Ovid `.ot.` is "original title" in Ovid MEDLINE, so it is read as the code "tt" (PubMed's
  [tt]); PubMed [ot] ("other term") is "ot".
* A search line longer than 6000 tokens, or nested more than 100 levels deep, is refused with
  "unparseable" (the learner is asked to split it), which keeps every function fast and free
  of recursion limits.

Known limits
------------
* Plain Ovid `adj` (in order) and `adj1` (either order) are both distance 0; `to_text` writes
  `adj1`.
* An unquoted Ovid phrase holding and/or/not ("do not resuscitate") is read as operators; only
  numbers in a phrase get "phrase-needs-quotes".
* Curly quotation marks (“ ”) are not read as quotes.
* Subheading names are converted to Ovid's two-letter codes for the common subheadings only;
  others are left out of the translation with a note.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Iterable, Iterator, Union

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

__all__ = [
    "FIELDS",
    "SYNTAXES",
    "Finding",
    "Group",
    "LineRef",
    "Node",
    "ParsedSearch",
    "SearchLine",
    "Term",
    "FINDING_CODES",
    "INTERNAL_PROBLEM",
    "Translation",
    "parse_search",
    "to_text",
    "translate",
]

SYNTAXES: dict[str, str] = {"pubmed": "PubMed", "ovid": "Ovid MEDLINE"}

#: Canonical field codes and their readable names. The order is the canonical order of
#: `fields` tuples (so `.ab,ti.` and `.ti,ab.` give the same tuple).
FIELDS: dict[str, str] = {
    "ti": "title",
    "ab": "abstract",
    "tw": "text words",
    "kf": "author keywords",
    "kw": "author keyword headings",
    "ot": "other term",
    "mh": "MeSH heading",
    "sh": "subheading",
    "hw": "heading words",
    "mp": "multi-purpose (Ovid)",
    "au": "author",
    "pt": "publication type",
    "la": "language",
    "jn": "journal",
    "dp": "publication date",
    "ad": "affiliation",
    "nm": "substance name",
    "tt": "original title",
    "all": "all fields",
}

#: Every finding code and its severity.
FINDING_CODES: dict[str, str] = {
    "empty-search": "error",
    "unbalanced-brackets": "error",
    "unbalanced-quotes": "error",
    "empty-brackets": "error",
    "dangling-operator": "error",
    "unknown-field": "error",
    "foreign-operator": "error",
    "bad-line-reference": "error",
    "unparseable": "error",
    "proximity-needs-phrase": "error",
    "proximity-field": "error",
    "wildcard-not-supported": "error",
    "truncation-in-heading": "error",
    "lowercase-operator": "warning",
    "mixed-operators": "warning",
    "short-truncation": "warning",
    "heading-syntax": "warning",
    "truncation-inside-word": "warning",
    "phrase-needs-quotes": "warning",
    "unquoted-phrase": "advice",
    "implicit-and": "advice",
}

#: The message of the last-resort finding for a line that made the checker fail (a bug).
INTERNAL_PROBLEM = ("This line could not be checked. Check its operators, brackets and field tags, "
                    "or split it into shorter lines.")

_MAX_TOKENS = 6000
_MAX_DEPTH = 100


# Public data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A word, phrase or subject heading, with the field(s) it is searched in."""

    text: str
    line: int
    start: int
    end: int
    quoted: bool = False
    fields: tuple[str, ...] = ()
    heading: bool = False
    explode: bool = False
    major: bool = False
    subheading: str = ""
    limited_truncation: int | None = None

    @property
    def words(self) -> list[str]:
        """The words of the term."""
        return self.text.split()

    @property
    def is_phrase(self) -> bool:
        """True for two or more words."""
        return len(self.words) > 1

    @property
    def truncated(self) -> bool:
        """True when a word ends in (or holds) a truncation mark: `*`, `$` or Ovid's `:`."""
        return any("*" in word or "$" in word or _colon_truncated(word) for word in self.words)

    @property
    def wildcard(self) -> bool:
        """True when the text holds an Ovid wildcard, `#` or `?`."""
        return "#" in self.text or "?" in self.text


@dataclass(frozen=True)
class Group:
    """Terms, groups or line references joined by one operator."""

    operator: str
    children: tuple["Node", ...]
    line: int
    start: int
    end: int
    distance: int | None = None
    fields: tuple[str, ...] = ()
    bracketed: bool = False
    implicit: bool = False


@dataclass(frozen=True)
class LineRef:
    """A reference to an earlier search line (PubMed `#3`, Ovid `3`)."""

    number: int
    line: int
    start: int
    end: int


Node = Union[Term, Group, LineRef]


@dataclass(frozen=True)
class Finding:
    """A remark on the learner's search: what is wrong or could be better, and what to do."""

    code: str
    severity: str
    message: str
    line: int
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class SearchLine:
    """One search line: its number, its text (without the learner's numbering) and its tree."""

    number: int
    text: str
    node: Node | None


@dataclass(frozen=True)
class ParsedSearch:
    """A whole search: its lines and all findings, sorted by line and position."""

    syntax: str
    lines: tuple[SearchLine, ...]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is an error and at least one line was read."""
        return not any(f.severity == "error" for f in self.findings) and any(
            line.node is not None for line in self.lines
        )

    def resolved(self, number: int | None = None) -> Node | None:
        """The tree of line `number` (default: the last) with every line reference replaced by
        the resolved tree of the line it points at.

        None when that line, or any line it depends on, could not be read, or when a reference
        does not point at an earlier line.
        """
        if not self.lines:
            return None
        if number is None:
            number = self.lines[-1].number
        by_number = {line.number: line for line in self.lines}
        if number not in by_number:
            return None
        needed = _dependencies(by_number, number)
        if needed is None:
            return None
        done: dict[int, Node] = {}
        # Referenced lines are always earlier, so resolving in order means every reference
        # is already in `done`.
        for n in sorted(needed):
            node = _substitute(by_number[n].node, done)
            if node is None:
                return None
            done[n] = node
        return done[number]


@dataclass(frozen=True)
class Translation:
    """A search written in another syntax, with notes on what does not translate exactly."""

    text: str
    notes: tuple[str, ...]


def _dependencies(by_number: dict[int, SearchLine], number: int) -> set[int] | None:
    """The line numbers that line `number` needs (itself included), or None if any is invalid."""
    needed: set[int] = set()
    todo = [number]
    while todo:
        n = todo.pop()
        if n in needed:
            continue
        line = by_number.get(n)
        if line is None or line.node is None:
            return None
        needed.add(n)
        for ref in _walk(line.node):
            if isinstance(ref, LineRef):
                if not 1 <= ref.number < n:
                    return None
                todo.append(ref.number)
    return needed


def _substitute(node: Node | None, done: dict[int, Node]) -> Node | None:
    if node is None:
        return None
    if isinstance(node, LineRef):
        return done.get(node.number)
    if isinstance(node, Group):
        children = []
        for child in node.children:
            new = _substitute(child, done)
            if new is None:
                return None
            children.append(new)
        return replace(node, children=tuple(children))
    return node


def _colon_truncated(word: str) -> bool:
    """Ovid's old truncation mark: a colon at the end of a word (after a letter or digit)."""
    return len(word) > 1 and word.endswith(":") and word[-2].isalnum()


def _walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents before children (without recursion)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, Group):
            stack.extend(reversed(current.children))


# Field tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldSpec:
    """What a field tag or suffix means: fields, heading flags and PubMed proximity."""

    fields: tuple[str, ...] = ()
    heading: bool = False
    explode: bool = False
    major: bool = False
    proximity: int | None = None


_FIELD_ORDER = {code: n for n, code in enumerate(FIELDS)}


def _canon(fields: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(fields), key=lambda code: _FIELD_ORDER.get(code, len(_FIELD_ORDER))))


_PUBMED_TAGS: dict[str, tuple[str, ...]] = {
    "tiab": ("ti", "ab"), "title/abstract": ("ti", "ab"),
    "ti": ("ti",), "title": ("ti",),
    "ab": ("ab",), "abstract": ("ab",),
    "tw": ("tw",), "text word": ("tw",), "text words": ("tw",),
    "au": ("au",), "author": ("au",),
    "pt": ("pt",), "publication type": ("pt",),
    "la": ("la",), "language": ("la",),
    "ta": ("jn",), "journal": ("jn",), "jour": ("jn",),
    "dp": ("dp",), "publication date": ("dp",), "pdat": ("dp",),
    "all": ("all",), "all fields": ("all",),
    "ot": ("ot",), "other term": ("ot",),
    "sh": ("sh",), "subheading": ("sh",), "mesh subheading": ("sh",),
    "ad": ("ad",), "affiliation": ("ad",),
    "nm": ("nm",), "substance name": ("nm",),
    "tt": ("tt",), "transliterated title": ("tt",),
}
# tag -> (major, explode by default)
_PUBMED_HEADING_TAGS: dict[str, bool] = {
    "mh": False, "mesh": False, "mesh terms": False, "majr": True, "mesh major topic": True,
}
_PUBMED_PROXIMITY_FIELDS = {("ti",), ("ti", "ab"), ("ad",)}

#: canonical code -> PubMed tag (Ovid-only codes get the nearest tag; translate() explains).
_PUBMED_TAG_OF = {
    "ti": "ti", "ab": "ab", "tw": "tw", "au": "au", "pt": "pt", "la": "la", "jn": "ta",
    "dp": "dp", "all": "all", "ot": "ot", "sh": "sh", "ad": "ad", "nm": "nm", "tt": "tt",
    "mh": "mh", "kf": "ot", "kw": "ot", "mp": "tw", "hw": "tw",
}

_OVID_FIELDS: dict[str, str] = {
    "ti": "ti", "ab": "ab", "tw": "tw", "kf": "kf", "kw": "kw", "mp": "mp", "sh": "mh",
    "hw": "hw", "au": "au", "pt": "pt", "lg": "la", "jn": "jn", "yr": "dp", "af": "all",
    "ot": "tt", "fs": "sh", "in": "ad", "nm": "nm",
}
#: canonical code -> Ovid suffix code
_OVID_CODE_OF = {
    "ti": "ti", "ab": "ab", "tw": "tw", "kf": "kf", "kw": "kw", "mp": "mp", "mh": "sh",
    "hw": "hw", "au": "au", "pt": "pt", "la": "lg", "jn": "jn", "dp": "yr", "all": "af",
    "tt": "ot", "sh": "fs", "ad": "in", "nm": "nm", "ot": "kf",
}

#: MeSH subheadings: two-letter code -> name (the common ones).
_SUBHEADINGS: dict[str, str] = {
    "ad": "administration & dosage", "ae": "adverse effects", "ai": "antagonists & inhibitors",
    "an": "analysis", "bl": "blood", "ch": "chemistry", "ci": "chemically induced",
    "cl": "classification", "cn": "congenital", "co": "complications", "ct": "contraindications",
    "de": "drug effects", "df": "deficiency", "dg": "diagnostic imaging", "di": "diagnosis",
    "dt": "drug therapy", "ec": "economics", "ed": "education", "eh": "ethnology",
    "ep": "epidemiology", "es": "ethics", "et": "etiology", "ge": "genetics", "hi": "history",
    "im": "immunology", "in": "injuries", "lj": "legislation & jurisprudence",
    "me": "metabolism", "mi": "microbiology", "mo": "mortality", "mt": "methods",
    "nu": "nursing", "og": "organization & administration", "pa": "pathology",
    "pc": "prevention & control", "pd": "pharmacology", "ph": "physiology",
    "pk": "pharmacokinetics", "po": "poisoning", "pp": "physiopathology", "px": "psychology",
    "rh": "rehabilitation", "rt": "radiotherapy", "sn": "statistics & numerical data",
    "st": "standards", "su": "surgery", "th": "therapy", "tm": "transmission",
    "to": "toxicity", "tu": "therapeutic use", "ur": "urine", "ve": "veterinary",
    "vi": "virology",
}
_SUBHEADING_CODES = {name: code for code, name in _SUBHEADINGS.items()}


def _subheading_code(name: str) -> str | None:
    key = " ".join(name.lower().replace(" and ", " & ").split())
    if re.fullmatch(r"[a-z]{2}", key):
        return key
    return _SUBHEADING_CODES.get(key)


# Messages ------------------------------------------------------------------------------------


def _q(text: str, limit: int = 60) -> str:
    """Learner text quoted for a message: in backticks, on one line, shortened if long at a space, so that no
    term or field tag is cut in two (a single long term is kept whole)."""
    words = text.replace("`", "'").split()
    kept: list[str] = []
    for word in words:
        if kept and len(" ".join(kept + [word])) > limit:
            break
        kept.append(word)
    return f"`{' '.join(kept)}{' …' if len(kept) < len(words) else ''}`"


def _after(text: str, pos: int, fallback: str) -> str:
    """A few whole words of `text` from `pos`, for pointing at a place in a message."""
    words = text[pos:].split()
    out: list[str] = []
    for word in words:
        out.append(word)
        if len(" ".join(out)) >= 20:
            break
    snippet = " ".join(out)
    return snippet + (" …" if len(out) < len(words) else "") if snippet else fallback


def _before(text: str, pos: int, fallback: str) -> str:
    """A few whole words of `text` before `pos`."""
    words = text[:pos].split()
    out: list[str] = []
    for word in reversed(words):
        out.insert(0, word)
        if len(" ".join(out)) >= 20:
            break
    snippet = " ".join(out)
    return ("… " if len(out) < len(words) else "") + snippet if snippet else fallback


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# Tokens --------------------------------------------------------------------------------------


@dataclass
class _Tok:
    """A token of a search line.

    `kind` is a terminal of the grammar; `value` depends on it: BOOL "AND"/"OR"/"NOT", NEAR the
    most words between, NUMBER and REF the number, QUOTED the text between the quotes, FIELD a
    `_FieldSpec` (None when the tag is unknown), SLASH the subheading ("" if none), COMBINE
    (operator, line numbers, written backwards?). FOREIGN (another database's proximity
    operator) exists only while scanning: it becomes NEAR or WORD.
    """

    kind: str
    text: str
    start: int
    end: int
    value: Any = None
    foreign: str = ""  # the other syntax's notation, for messages
    lowercase: bool = False


_OPERAND_END = {"WORD", "NUMBER", "QUOTED", "RPAR", "FIELD", "REF", "COMBINE", "SLASH"}
_OPERAND_START = {"WORD", "NUMBER", "QUOTED", "LPAR", "REF", "COMBINE", "EXP", "STAR"}
_OPERATORS = {"BOOL", "NEAR"}

_BOOL_WORDS = {"and": "AND", "or": "OR", "not": "NOT"}
_FOREIGN_NEAR = re.compile(r"(?i)(?:near|w|pre)/([0-9]{1,3})")
_COMBINE = re.compile(r"(?i)(and|or)/\s*([0-9]+(?:\s*-\s*[0-9]+)?(?:\s*,\s*[0-9]+(?:\s*-\s*[0-9]+)?)*)")
_OVID_SUFFIX = re.compile(r"\.[ ]?([A-Za-z]{2,4}(?:[ ]?,[ ]?[A-Za-z]{2,4})*)[ ]?\.")
_OVID_SUFFIX_OPEN = re.compile(r"\.([A-Za-z]{2,4}(?:,[A-Za-z]{2,4})*)(?=$|[\s()])")
_OVID_SLASH = re.compile(r"/([A-Za-z]{2}(?:,[A-Za-z]{2})*)?(?=$|[\s()])")
_PM_OVID_SUFFIX = re.compile(r"^(.*?)\.([A-Za-z]{2,3}(?:,[A-Za-z]{2,3})*)\.$")
_PM_OVID_HEADING = re.compile(r"^(.+?)/([A-Za-z]{2}(?:,[A-Za-z]{2})*)?$")
_ADJ = re.compile(r"(?i)adj([0-9]*)")
_TRUNC_LIMIT = re.compile(r"\$([0-9]+)$")


class _LineError(Exception):
    """Raised while building a tree when the line cannot be read; becomes a finding."""

    def __init__(self, code: str, message: str, start: int | None, end: int | None):
        super().__init__(message)
        self.code, self.message, self.start, self.end = code, message, start, end


# Grammar -------------------------------------------------------------------------------------

_GRAMMAR = r"""
start: expr
expr: near (BOOL near)*
near: operand (NEAR operand)*
operand: item+
item: EXP? STAR? words SLASH? FIELD?     -> term_item
    | EXP? STAR? QUOTED SLASH? FIELD?    -> quoted_item
    | LPAR expr RPAR FIELD?              -> group_item
    | REF                                -> ref_item
    | COMBINE                            -> combine_item
words: (WORD | NUMBER)+
%declare BOOL NEAR EXP STAR SLASH FIELD QUOTED LPAR RPAR REF COMBINE WORD NUMBER
"""


@lru_cache(maxsize=1)
def _parser() -> Lark:
    # `operand: item+` next to `words: WORD+` is a shift/reduce conflict that LALR settles by
    # shifting: words side by side always make one run of words, which is what we want.
    return Lark(_GRAMMAR, parser="lalr", lexer="basic")


# Reading one line ----------------------------------------------------------------------------


class _Line:
    """Reads one search line: scanning, structural checks, parsing, building and checks."""

    def __init__(self, syntax: str, number: int, text: str, scan_text: str):
        self.syntax = syntax
        self.number = number
        self.text = text
        self.scan_text = scan_text
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, int | None, int | None]] = set()
        self.fatal = False
        self.tokens: list[_Tok] = []
        self._by_start: dict[int, _Tok] = {}
        self._runs: dict[int, Group] = {}  # untagged PubMed word runs, by id (kept alive)
        self._open_quote: int | None = None  # where a quotation mark is left open

    @property
    def pubmed(self) -> bool:
        return self.syntax == "pubmed"

    def add(self, code: str, message: str, start: int | None = None, end: int | None = None,
            fatal: bool = False) -> None:
        key = (code, start, end)
        if key in self._seen:
            return
        self._seen.add(key)
        self.findings.append(Finding(code, FINDING_CODES[code], message, self.number, start, end))
        if fatal:
            self.fatal = True

    # The whole line ------------------------------------------------------------------------

    def read(self) -> Node | None:
        self.tokens = self._scan_pubmed() if self.pubmed else self._scan_ovid()
        self._check_tokens()
        self._check_structure()
        node = None
        if not self.fatal:
            if not self.tokens:
                self.add("unparseable", "This line has nothing to search for.", 0, len(self.text),
                         fatal=True)
            elif len(self.tokens) > _MAX_TOKENS:
                self.add("unparseable", f"This line is too long to check ({len(self.tokens)} "
                         "words and signs). Split it into several lines and combine them.",
                         0, len(self.text), fatal=True)
            else:
                node = self._parse()
        if node is not None:
            self._check_tree(node)
        else:
            self._check_runs()
        return node

    # Scanning: PubMed ----------------------------------------------------------------------

    def _scan_pubmed(self) -> list[_Tok]:
        text, toks = self.scan_text, []
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            if c.isspace():
                i += 1
            elif c in "()":
                toks.append(_Tok("LPAR" if c == "(" else "RPAR", c, i, i + 1))
                i += 1
            elif c == '"':
                i = self._scan_quoted(toks, i)
            elif c == "[":
                close = text.find("]", i + 1)
                reopen = text.find("[", i + 1)
                if close < 0 or 0 <= reopen < close:
                    self.add("unbalanced-brackets", f"The square bracket `[` before "
                             f"{_q(text[i + 1:i + 20] or 'the end')} is never closed. Field tags "
                             "are written in square brackets, like `[tiab]`.", i, i + 1, fatal=True)
                    i += 1
                    continue
                toks.append(self._pubmed_tag(text[i:close + 1], i, close + 1))
                i = close + 1
            elif c == "]":
                self.add("unbalanced-brackets", "The square bracket `]` has no `[` before it. "
                         "Field tags are written in square brackets, like `[tiab]`.",
                         i, i + 1, fatal=True)
                i += 1
            else:
                j = i
                while j < n and not text[j].isspace() and text[j] not in '()[]"':
                    j += 1
                toks.extend(self._pubmed_word(text[i:j], i, j))
                i = j
        return self._pubmed_post(toks)

    def _scan_quoted(self, toks: list[_Tok], i: int) -> int:
        text = self.scan_text
        close = text.find('"', i + 1)
        if close < 0:
            self._open_quote = i
            if text[i + 1:].strip():
                message = (f"The quotation mark before {_q(text[i + 1:], 40)} is never closed. "
                           "Add `\"` at the end of the phrase.")
            else:
                message = ("The quotation mark at the end of the line is never closed. Remove it, "
                           "or write the phrase after it and close it with `\"`.")
            self.add("unbalanced-quotes", message, i, len(text), fatal=True)
            # The rest of the line is the open phrase: an operand, so that nothing before it
            # looks unfinished.
            toks.append(_Tok("QUOTED", text[i:], i, len(text), text[i + 1:], foreign="open"))
            return len(text)
        inner = text[i + 1:close]
        if not inner.strip():
            self.add("unparseable", 'The quotation marks `""` have nothing between them. Put '
                     "the phrase you want between them, or remove them.", i, close + 1, fatal=True)
        toks.append(_Tok("QUOTED", text[i:close + 1], i, close + 1, inner))
        return close + 1

    def _pubmed_tag(self, raw: str, start: int, end: int) -> _Tok:
        tok = _Tok("FIELD", raw, start, end)
        tag = " ".join(raw[1:-1].lower().split())
        tag = re.sub(r"\s*([:/~])\s*", r"\1", tag)
        base, _, modifier = tag.partition(":")
        proximity = int(modifier[1:]) if re.fullmatch(r"~[0-9]{1,3}", modifier) else None
        if base in _PUBMED_HEADING_TAGS and modifier in ("", "noexp"):
            major = _PUBMED_HEADING_TAGS[base]
            tok.value = _FieldSpec(("mh",), heading=True, explode=modifier != "noexp", major=major)
        elif base in _PUBMED_HEADING_TAGS and proximity is not None:
            tok.value = _FieldSpec(("mh",), proximity=proximity)
        elif base in _PUBMED_TAGS and (modifier == "" or proximity is not None):
            tok.value = _FieldSpec(_canon(_PUBMED_TAGS[base]), proximity=proximity)
        return tok

    def _pubmed_word(self, word: str, start: int, end: int) -> list[_Tok]:
        lower = word.lower()
        if re.fullmatch(r"#[0-9]+", word):
            return [_Tok("REF", word, start, end, int(word[1:]))]
        if lower in _BOOL_WORDS:
            return [_Tok("BOOL", word, start, end, _BOOL_WORDS[lower], lowercase=word != word.upper())]
        match = _COMBINE.fullmatch(word)
        if match:
            return [_Tok("COMBINE", word, start, end, _combine_value(match), foreign="ovid")]
        if _is_foreign_near(word):
            return [_Tok("FOREIGN", word, start, end)]
        match = _PM_OVID_SUFFIX.match(word)
        if match and all(code.lower() in _OVID_FIELDS for code in match.group(2).split(",")):
            split = start + len(match.group(1))
            toks = [_Tok("WORD", match.group(1), start, split)] if match.group(1) else []
            spec = _FieldSpec(_canon(_OVID_FIELDS[c.lower()] for c in match.group(2).split(",")))
            return toks + [_Tok("FIELD", word[len(match.group(1)):], split, end, spec, foreign="ovid")]
        return [_Tok("WORD", word, start, end)]

    def _pubmed_post(self, toks: list[_Tok]) -> list[_Tok]:
        """Second pass: foreign operators and Ovid subject-heading notation (`exp Asthma/`)."""
        toks = self._resolve_foreign(toks)
        out: list[_Tok] = []
        for k, tok in enumerate(toks):
            nxt = toks[k + 1] if k + 1 < len(toks) else None
            prev = out[-1] if out else None
            match = _PM_OVID_HEADING.match(tok.text) if tok.kind == "WORD" else None
            if (tok.kind == "WORD" and prev is not None and prev.kind == "QUOTED"
                    and prev.end == tok.start and _OVID_SLASH.fullmatch(tok.text)):
                out.append(_Tok("SLASH", tok.text, tok.start, tok.end, tok.text[1:], foreign="ovid"))
                self._mark_ovid_heading(out)
            elif match and not (nxt and nxt.kind == "FIELD") and not re.fullmatch(r"[0-9/]+", tok.text):
                split = tok.start + len(match.group(1))
                out.append(_Tok("WORD", match.group(1), tok.start, split))
                out.append(_Tok("SLASH", tok.text[len(match.group(1)):], split, tok.end,
                                match.group(2) or "", foreign="ovid"))
                self._mark_ovid_heading(out)
            else:
                out.append(tok)
        return out

    def _mark_ovid_heading(self, out: list[_Tok]) -> None:
        """Turn `exp` and a leading `*` before an Ovid-style heading into EXP and STAR tokens,
        and report the heading with its PubMed spelling."""
        slash = out[-1]
        k = len(out) - 2
        if out[k].kind == "QUOTED":
            if k > 0 and out[k - 1].kind == "WORD" and out[k - 1].text.lower() in ("exp", "*", "exp*"):
                k -= 1
        else:
            while k > 0 and out[k - 1].kind == "WORD":
                k -= 1
        run = out[k:-1]
        if len(run) > 1 and run[0].text.lower() in ("exp", "exp*", "*"):
            star = run[0].text.endswith("*")
            run[0].kind = "STAR" if run[0].text == "*" else "EXP"
            if star and run[0].kind == "EXP":
                run[0].text, run[0].end = run[0].text[:3], run[0].start + 3
                out.insert(k + 1, _Tok("STAR", "*", run[0].end, run[0].end + 1))
            run = run[1:]
        first = run[0]
        if first.kind == "WORD" and first.text.startswith("*") and len(first.text) > 1:
            star = _Tok("STAR", "*", first.start, first.start + 1)
            first.text, first.start = first.text[1:], first.start + 1
            out.insert(out.index(first), star)
        explode = out[k].kind == "EXP"
        major = any(t.kind == "STAR" for t in out[k:])
        name = " ".join(first.value.split()) if first.kind == "QUOTED" else " ".join(t.text for t in run)
        heading = Term(name, self.number, 0, 0, heading=True,
                       explode=explode, major=major, subheading=slash.value)
        written = self.text[out[k].start:slash.end]
        self.add("unknown-field", f"{_q(written)} is how Ovid marks subject headings; in PubMed "
                 f"write {_q(_pm_term(_pubmed_heading_subheading(heading)))}.",
                 out[k].start, slash.end)

    def _resolve_foreign(self, toks: list[_Tok]) -> list[_Tok]:
        """A proximity operator of another database counts as one only between two operands."""
        for k, tok in enumerate(toks):
            if tok.kind != "FOREIGN":
                continue
            before = toks[k - 1] if k else None
            after = toks[k + 1] if k + 1 < len(toks) else None
            if before and after and before.kind in _OPERAND_END and after.kind in _OPERAND_START:
                tok.kind = "NEAR"
                tok.value = _foreign_distance(tok.text)
                tok.foreign = "other"
            else:
                tok.kind = "WORD"
        return toks

    # Scanning: Ovid ------------------------------------------------------------------------

    def _scan_ovid(self) -> list[_Tok]:
        text, toks = self.scan_text, []
        i, n = 0, len(text)
        limit = re.match(r"\s*limit\s+[0-9]+\s+to\b", text, re.I)
        if limit:
            self.add("unparseable", "Limits such as "
                     f"{_q(text.strip(), 40)} are not checked in this exercise: leave them out and "
                     "write only the search lines.", 0, len(text), fatal=True)
            return []
        while i < n:
            c = text[i]
            if c.isspace():
                i += 1
            elif c in "()":
                toks.append(_Tok("LPAR" if c == "(" else "RPAR", c, i, i + 1))
                i += 1
            elif c == '"':
                i = self._scan_quoted(toks, i)
            elif c == "[":
                close = text.find("]", i + 1)
                reopen = text.find("[", i + 1)
                if close < 0 or 0 <= reopen < close:
                    self.add("unbalanced-brackets", "The square bracket `[` before "
                             f"{_q(text[i + 1:i + 20] or 'the end')} is never closed. Ovid does not "
                             "use square brackets: fields go after a full stop, like `.ti,ab.`.",
                             i, i + 1, fatal=True)
                    i += 1
                    continue
                tok = self._pubmed_tag(text[i:close + 1], i, close + 1)
                tok.foreign = "pubmed"
                toks.append(tok)
                i = close + 1
            elif c == "]":
                self.add("unbalanced-brackets", "The square bracket `]` has no `[` before it. Ovid "
                         "does not use square brackets: fields go after a full stop, like "
                         "`.ti,ab.`.", i, i + 1, fatal=True)
                i += 1
            elif c == ".":
                i = self._scan_ovid_suffix(toks, i)
            elif c == "/":
                match = _OVID_SLASH.match(text, i)
                if match:
                    toks.append(_Tok("SLASH", match.group(0), i, match.end(), match.group(1) or ""))
                    i = match.end()
                else:
                    j = i + 1
                    while j < n and not text[j].isspace() and text[j] not in "()":
                        j += 1
                    self.add("unparseable", f"Ovid cannot read {_q(text[i:j])}. After a subject "
                             "heading, `/` may be followed only by two-letter subheading codes, "
                             "like `Asthma/dt`.", i, j, fatal=True)
                    i = j
            elif c == "*" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == '"'):
                toks.append(_Tok("STAR", "*", i, i + 1))
                i += 1
            elif c == "#" and re.match(r"#[0-9]+\b", text[i:]):
                match = re.match(r"#([0-9]+)", text[i:])
                assert match
                toks.append(_Tok("REF", match.group(0), i, i + match.end(), int(match.group(1)),
                                 foreign="pubmed"))
                i += match.end()
            else:
                i = self._scan_ovid_word(toks, i)
        return self._ovid_post(toks)

    def _scan_ovid_suffix(self, toks: list[_Tok], i: int) -> int:
        text = self.scan_text
        match = _OVID_SUFFIX.match(text, i)
        closed = bool(match)
        if not match:
            match = _OVID_SUFFIX_OPEN.match(text, i)
        if not match:
            self.add("unparseable", f"Ovid cannot read the full stop in {_q(text[max(0, i - 15):i + 5])}. "
                     "A full stop starts a field suffix such as `.ti,ab.`; remove it if it "
                     "is not one.", i, i + 1, fatal=True)
            return i + 1
        codes = [c.strip().lower() for c in match.group(1).split(",")]
        tok = _Tok("FIELD", match.group(0), i, match.end())
        if all(code in _OVID_FIELDS for code in codes):
            fields = _canon(_OVID_FIELDS[code] for code in codes)
            if fields == ("mh",):
                tok.value = _FieldSpec(("mh",), heading=True)
            else:
                tok.value = _FieldSpec(fields)
        if not closed:
            tok.foreign = "open"
        toks.append(tok)
        return match.end()

    def _scan_ovid_word(self, toks: list[_Tok], i: int) -> int:
        text, n = self.scan_text, len(self.scan_text)
        combine = _COMBINE.match(text, i)
        if combine and (combine.end() == n or not text[combine.end()].isalnum()):
            toks.append(_Tok("COMBINE", combine.group(0), i, combine.end(), _combine_value(combine)))
            return combine.end()
        foreign = _FOREIGN_NEAR.match(text, i)
        if foreign and (foreign.end() == n or not text[foreign.end()].isalnum()):
            toks.append(_Tok("FOREIGN", foreign.group(0), i, foreign.end()))
            return foreign.end()
        j = i
        while j < n:
            ch = text[j]
            if ch.isspace() or ch in '()"[]/':
                break
            if ch == ".":
                if (j + 1 < n and text[j + 1].isalnum() and not _OVID_SUFFIX.match(text, j)
                        and not _OVID_SUFFIX_OPEN.match(text, j)):
                    j += 1
                    continue
                break
            j += 1
        word = text[i:j]
        lower = word.lower()
        if lower in _BOOL_WORDS:
            toks.append(_Tok("BOOL", word, i, j, _BOOL_WORDS[lower]))
        elif _ADJ.fullmatch(word):
            digits = _ADJ.fullmatch(word).group(1)  # type: ignore[union-attr]
            distance = int(digits) - 1 if digits else 0
            if digits and not 1 <= int(digits) <= 99:
                self.add("unparseable", f"{_q(word)} is not an Ovid operator: the number after adj "
                         "goes from 1 to 99 (adj1 = next to each other).", i, j)
                distance = min(max(distance, 0), 98)
            toks.append(_Tok("NEAR", word, i, j, distance))
        elif re.fullmatch(r"[0-9]+", word):
            toks.append(_Tok("NUMBER", word, i, j, int(word)))
        elif lower == "exp":
            toks.append(_Tok("EXP", word, i, j))
        elif _is_foreign_near(word):
            toks.append(_Tok("FOREIGN", word, i, j))
        else:
            toks.append(_Tok("WORD", word, i, j))
        return j

    def _ovid_post(self, toks: list[_Tok]) -> list[_Tok]:
        for k, tok in enumerate(toks):
            after = toks[k + 1] if k + 1 < len(toks) else None
            if tok.kind == "NEAR" and tok.text.lower() == "adj" and after and after.kind == "NUMBER":
                self.add("unparseable", f"Write the number straight after adj, without a space: "
                         f"`adj{after.text}`, not {_q(self.scan_text[tok.start:after.end])}.",
                         tok.start, after.end, fatal=True)
            if tok.kind == "EXP":
                before = toks[k - 1] if k else None
                after = toks[k + 1] if k + 1 < len(toks) else None
                at_start = before is None or before.kind in ("BOOL", "NEAR", "LPAR")
                if not (at_start and after and after.kind in ("WORD", "NUMBER", "STAR", "QUOTED")):
                    tok.kind = "WORD"
        return self._resolve_foreign(toks)

    # Token checks --------------------------------------------------------------------------

    def _check_tokens(self) -> None:
        toks = self.tokens
        for k, tok in enumerate(toks):
            before = toks[k - 1] if k else None
            if tok.kind == "FIELD":
                self._check_field(tok, k)
            elif tok.kind == "BOOL" and tok.lowercase:
                self.add("lowercase-operator", f"PubMed reads the lowercase {_q(tok.text)} as a "
                         f"search word, not as an operator. Write it in capitals: `{tok.value}`.",
                         tok.start, tok.end)
            elif tok.kind == "NEAR" and tok.foreign:
                self._foreign_near(tok, k)
            elif tok.kind == "REF" and tok.foreign == "pubmed":
                self.add("bad-line-reference", f"{_q(tok.text)} is how PubMed refers to a search "
                         f"line; Ovid uses the number alone: write `{tok.value}`.", tok.start, tok.end)
            elif tok.kind == "COMBINE" and tok.foreign == "ovid":
                op, numbers = tok.value[0], tok.value[1]
                suggestion = f" {op} ".join(f"#{n}" for n in numbers[:6])
                self.add("bad-line-reference", f"{_q(tok.text)} is how Ovid combines search lines; "
                         f"in PubMed write {_q(suggestion)}.", tok.start, tok.end)
            elif tok.kind == "COMBINE" and tok.value[2]:
                self.add("bad-line-reference", f"{_q(tok.text)} counts backwards: write the lower "
                         "line number first, as in `or/1-3`.", tok.start, tok.end)
            if tok.kind == "SLASH" and before is not None and before.kind not in ("WORD", "NUMBER", "QUOTED"):
                self.add("unparseable", "The `/` of a subject heading must follow the heading, "
                         "as in `Asthma/`.", tok.start, tok.end, fatal=True)

    def _target_text(self, k: int) -> tuple[str, bool, int]:
        """The text of the operand before token k (for suggestions), whether it is a quoted
        phrase, and its number of words."""
        toks = self.tokens
        if k == 0:
            return "", False, 0
        before = toks[k - 1]
        if before.kind == "QUOTED":
            inner = " ".join(before.value.split())
            return inner, True, len(inner.split())
        if before.kind in ("WORD", "NUMBER"):
            j = k - 1
            while j > 0 and toks[j - 1].kind in ("WORD", "NUMBER"):
                j -= 1
            words = [t.text for t in toks[j:k]]
            return " ".join(words), False, len(words)
        if before.kind == "RPAR":
            return "(...)", False, 0
        return "", False, 0

    def _check_field(self, tok: _Tok, k: int) -> None:
        spec: _FieldSpec | None = tok.value
        target, quoted, count = self._target_text(k)
        term = target if target and target != "(...)" else "asthma"
        if self.pubmed:
            if tok.foreign == "ovid":
                if target == "(...)":
                    tip = "in PubMed put a field tag after each term inside the brackets, e.g. "
                    example = Term("asthma", 0, 0, 0, fields=spec.fields if spec else ())
                else:
                    tip = "in PubMed write "
                    example = Term(term, 0, 0, 0, fields=spec.fields if spec else (),
                                   quoted=quoted or len(term.split()) > 1)
                self.add("unknown-field", f"{_q(tok.text)} is how Ovid marks fields; "
                         f"{tip}{_q(_pm_term(example))}.", tok.start, tok.end)
            elif spec is None:
                self.add("unknown-field", f"{_q(tok.text)} is not a PubMed field tag."
                         f"{_suggest_pubmed_tag(tok.text)}", tok.start, tok.end)
            elif spec.proximity is not None:
                self._check_pubmed_proximity(tok, spec, target, quoted, count)
            return
        # Ovid
        if tok.foreign == "pubmed":
            if spec is not None and spec.proximity is not None:
                words = target.split() if target and target != "(...)" else ["hip", "pain"]
                example = f" adj{spec.proximity + 1} ".join(words or ["hip", "pain"])
                self.add("foreign-operator", f"{_q(tok.text)} is PubMed's proximity search; in Ovid "
                         f"write {_q(example + _ov_suffix(spec.fields))}.", tok.start, tok.end)
            elif spec is not None and spec.heading:
                heading = Term(term, 0, 0, 0, heading=True, explode=spec.explode, major=spec.major)
                self.add("unknown-field", f"{_q(tok.text)} is how PubMed marks MeSH headings; in Ovid "
                         f"write {_q(_ov_term(heading))}.", tok.start, tok.end)
            elif spec is not None:
                if target == "(...)":
                    example = "(...)" + _ov_suffix(spec.fields)
                else:
                    example = _ov_term(Term(term, 0, 0, 0, fields=spec.fields))
                self.add("unknown-field", f"{_q(tok.text)} is how PubMed marks fields; in Ovid write "
                         f"{_q(example)}.", tok.start, tok.end)
            else:
                self.add("unknown-field", f"{_q(tok.text)} is not an Ovid field. Ovid puts fields "
                         "after a full stop, like `asthma.ti,ab.` for title and abstract.",
                         tok.start, tok.end)
        elif spec is None:
            self.add("unknown-field", f"{_q(tok.text)} is not an Ovid field."
                     f"{_suggest_ovid_field(tok.text)}", tok.start, tok.end)
        elif tok.foreign == "open":
            written = (target if target and target != "(...)" else "") + tok.text + "."
            self.add("unknown-field", f"Ovid field suffixes start and end with a full stop: write "
                     f"{_q(written)}.", tok.start, tok.end)

    def _check_pubmed_proximity(self, tok: _Tok, spec: _FieldSpec, target: str, quoted: bool,
                                count: int) -> None:
        n = spec.proximity
        if not (quoted and count >= 2):
            if target == "(...)" or not target:
                what = "It cannot follow brackets"
            elif not quoted and count >= 2:
                what = f"{_q(target)} is not in quotes"
            else:
                what = f"{_q(target)} is a single word"
            example = f'"{target}"' if count >= 2 else '"hip pain"'
            self.add("proximity-needs-phrase", f"A proximity search ({_q(tok.text)}) needs two or "
                     f"more words in quotes. {what}: write, for example, "
                     f"{_q(example + f'[tiab:~{n}]')}.", tok.start, tok.end)
        if spec.fields not in _PUBMED_PROXIMITY_FIELDS:
            self.add("proximity-field", f"PubMed allows proximity searches ({_q(tok.text)}) only in "
                     f"the title [ti], title and abstract [tiab] or affiliation [ad] fields: "
                     f"write {_q(f'[tiab:~{n}]')}.", tok.start, tok.end)

    def _foreign_near(self, tok: _Tok, k: int) -> None:
        before, after = self.tokens[k - 1], self.tokens[k + 1]
        left = before.text if before.kind in ("WORD", "NUMBER") else "traffic"
        right = after.text if after.kind in ("WORD", "NUMBER") else "pollution"
        distance = tok.value
        if self.pubmed:
            example = f'"{left} {right}"[tiab:~{distance}]'
            self.add("foreign-operator", f"PubMed has no {_q(tok.text)} operator. For words near each "
                     f"other, put them in quotes with a proximity tag: {_q(example)} finds them "
                     f"with at most {distance} words between them.", tok.start, tok.end)
        else:
            example = f"{left} adj{distance + 1} {right}"
            self.add("foreign-operator", f"Ovid has no {_q(tok.text)} operator; use adjN, where N "
                     f"minus one is the most words between: {_q(example)}.", tok.start, tok.end)

    # Structure -----------------------------------------------------------------------------

    def _check_structure(self) -> None:
        toks, text = self.tokens, self.text
        stack: list[_Tok] = []
        depth = 0
        for k, tok in enumerate(toks):
            if tok.kind == "LPAR":
                stack.append(tok)
                depth = max(depth, len(stack))
                nxt = toks[k + 1] if k + 1 < len(toks) else None
                if nxt is not None and nxt.kind == "RPAR":
                    self.add("empty-brackets", "The brackets `()` have nothing inside them. Put the "
                             "terms you want to group inside, or remove them.", tok.start, nxt.end,
                             fatal=True)
            elif tok.kind == "RPAR":
                if stack:
                    stack.pop()
                else:
                    self.add("unbalanced-brackets", "The closing bracket `)` after "
                             f"{_q(_before(text, tok.start, 'the start'))} "
                             "has no opening bracket. Add `(` where the group starts, or remove it.",
                             tok.start, tok.end, fatal=True)
        for tok in stack:
            if self._open_quote is not None and tok.start < self._open_quote:
                continue  # its `)` may be inside the open quotation; that finding says enough
            self.add("unbalanced-brackets", "The bracket `(` before "
                     f"{_q(_after(text, tok.end, 'the end of the line'))} is never "
                     "closed. Add `)` where the group ends.", tok.start, tok.end, fatal=True)
        if depth > 40:
            self.add("unparseable", "The brackets on this line are nested too deeply to check. "
                     "Split the search into several lines and combine them.", 0, len(text), fatal=True)
        self._check_operators()

    def _check_operators(self) -> None:
        toks = self.tokens
        for k, tok in enumerate(toks):
            if tok.kind not in _OPERATORS:
                continue
            before = toks[k - 1] if k else None
            after = toks[k + 1] if k + 1 < len(toks) else None
            if after is not None and after.kind in _OPERATORS:
                pair = self.text[tok.start:after.end]
                if tok.value == "AND" and after.value == "NOT" and after.kind == "BOOL":
                    word = "NOT" if self.pubmed else "not"
                    message = (f"{_q(pair)} has two operators in a row. Write just `{word}`: "
                               f"it already means ‘and not’.")
                else:
                    message = (f"{_q(pair)} has two operators in a row. Keep the one you mean, or "
                               "put a term between them.")
                self.add("dangling-operator", message, tok.start, after.end, fatal=True)
                continue
            if before is not None and before.kind in _OPERATORS:
                continue  # reported with the pair
            if before is None:
                self.add("dangling-operator", f"The line starts with {_q(tok.text)}, which has "
                         "nothing before it to join. Remove it, or put a term before it.",
                         tok.start, tok.end, fatal=True)
            elif before.kind == "LPAR":
                self.add("dangling-operator", f"{_q(tok.text)} comes straight after `(`, so it has "
                         "nothing before it to join. Remove it, or put a term before it.",
                         tok.start, tok.end, fatal=True)
            if after is None:
                self.add("dangling-operator", f"The line ends with {_q(tok.text)}, which has nothing "
                         "after it to join. Remove it, or add the term that should follow.",
                         tok.start, tok.end, fatal=True)
            elif after.kind == "RPAR":
                self.add("dangling-operator", f"{_q(tok.text)} comes just before `)`, so it has "
                         "nothing after it to join. Remove it, or add the term that should follow.",
                         tok.start, tok.end, fatal=True)

    # Parsing -------------------------------------------------------------------------------

    def _parse(self) -> Node | None:
        if not self.tokens:
            return None
        interactive = _parser().parse_interactive()
        self._by_start = {tok.start: tok for tok in self.tokens}
        try:
            for tok in self.tokens:
                interactive.feed_token(Token(tok.kind, tok.text, start_pos=tok.start,
                                             end_pos=tok.end))
            tree = interactive.feed_eof()
        except UnexpectedInput as error:
            token = getattr(error, "token", None)
            start = getattr(token, "start_pos", None)
            self._unexpected(self._by_start.get(start) if start is not None else None)
            return None
        try:
            node = self._expr(tree.children[0])
            if _depth(node) > _MAX_DEPTH:
                raise _LineError("unparseable", "This line is nested too deeply to check. Split it "
                                 "into several lines and combine them.", 0, len(self.text))
            return node
        except _LineError as error:
            self.add(error.code, error.message, error.start, error.end, fatal=True)
            return None

    def _unexpected(self, tok: _Tok | None) -> None:
        if tok is None:
            self.add("unparseable", "The line ends before the search is complete. Check that "
                     "every operator and bracket has what it needs.", len(self.text), len(self.text),
                     fatal=True)
            return
        if tok.kind == "FIELD":
            place = "a word, a phrase in quotes or a closing bracket" if self.pubmed else \
                "a word, a phrase or a closing bracket"
            message = (f"The field {_q(tok.text)} has nothing it can apply to here. Write it "
                       f"straight after {place}, and only once.")
        elif tok.kind == "SLASH":
            message = f"{_q(tok.text)} cannot go here: `/` marks a subject heading, as in `Asthma/`."
        elif tok.kind in ("EXP", "STAR"):
            message = (f"{_q(tok.text)} cannot go here: it goes just before a subject heading, as in "
                       "`exp *Asthma/`.")
        elif tok.kind in ("REF", "COMBINE"):
            message = (f"{_q(tok.text)} refers to search lines and cannot take a field or a "
                       "heading mark. Combine it with other lines or terms using an operator.")
        else:
            message = (f"The search cannot be read at {_q(tok.text)}. Check the operators, brackets "
                       "and field tags around it.")
        self.add("unparseable", message, tok.start, tok.end, fatal=True)

    def tok(self, token: Token) -> _Tok:
        return self._by_start[token.start_pos]

    # Building the tree ---------------------------------------------------------------------

    def _expr(self, tree: Tree) -> Node:
        kids = tree.children
        operands = [self._near(kids[0])]
        ops: list[_Tok] = []
        for k in range(1, len(kids), 2):
            ops.append(self.tok(kids[k]))
            operands.append(self._near(kids[k + 1]))
        if not ops:
            return operands[0]
        node = self._chain(operands, [op.value for op in ops])
        if len({op.value for op in ops}) > 1:
            self._mixed(node)
        return node

    def _chain(self, operands: list[Node], names: list[str]) -> Node:
        """Operands joined left to right; a run of one operator makes one group."""
        current: list[Node] = list(self._flat(names[0], operands[0]))
        current_op = names[0]
        for name, right in zip(names, operands[1:]):
            if name != current_op:
                inner = Group(current_op, tuple(current), self.number, current[0].start,
                              current[-1].end, implicit=True)
                current, current_op = [inner], name
            current.extend(self._flat(name, right))
        return Group(current_op, tuple(current), self.number, current[0].start, current[-1].end)

    def _flat(self, name: str, node: Node) -> tuple[Node, ...]:
        """The children of an unbracketed PubMed juxtaposition (implicit AND) joining an AND run."""
        if (isinstance(node, Group) and name == "AND" and node.operator == "AND" and node.implicit
                and not node.bracketed and not node.fields):
            return node.children
        return (node,)

    def _mixed(self, node: Group) -> None:
        opens: dict[int, int] = {}
        closes: dict[int, int] = {}
        stack: list[Node] = list(node.children)
        while stack:
            child = stack.pop()
            if isinstance(child, Group) and child.implicit and not child.bracketed:
                opens[child.start] = opens.get(child.start, 0) + 1
                closes[child.end] = closes.get(child.end, 0) + 1
                stack.extend(child.children)
        written = self.text[node.start:node.end]
        reading = []
        for pos in range(node.start, node.end + 1):
            reading.append(")" * closes.get(pos, 0) + "(" * opens.get(pos, 0))
            if pos < node.end:
                reading.append(self.text[pos])
        read = "".join(reading)
        if self.pubmed:
            message = (f"PubMed reads AND, OR and NOT strictly from left to right, so "
                       f"{_q(written, 200)} is read as {_q(read, 220)}. Add brackets to state the "
                       "meaning you intend.")
        else:
            message = (f"{_q(written, 200)} mixes operators without brackets, and databases differ "
                       f"in how they read this (reading left to right gives {_q(read, 220)}). Add "
                       "brackets to make the meaning explicit.")
        self.add("mixed-operators", message, node.start, node.end)

    def _near(self, tree: Tree) -> Node:
        kids = tree.children
        operands = [self._operand(kids[0])]
        distances: list[int] = []
        for k in range(1, len(kids), 2):
            tok = self.tok(kids[k])
            distances.append(tok.value)
            operands.append(self._operand(kids[k + 1]))
        if not distances:
            return operands[0]
        for operand in operands:
            if isinstance(operand, LineRef):
                word = "adj" if not self.pubmed else "a proximity operator"
                raise _LineError("unparseable", f"{_q(self.text[operand.start:operand.end])} is a line "
                                 f"number; {word} joins words or phrases, not search lines.",
                                 operand.start, operand.end)
        current: Node = operands[0]
        made = False
        for distance, right in zip(distances, operands[1:]):
            if made and isinstance(current, Group) and current.distance == distance:
                current = replace(current, children=current.children + (right,), end=right.end)
            else:
                left = self._lift(current) if made else current
                current = Group("NEAR", (left, right), self.number, left.start, right.end,
                                distance=distance)
                made = True
        return self._lift(current)

    def _lift(self, group: Node) -> Node:
        """Ovid: a field suffix on the last operand of an adjacency (and nowhere else in it)
        applies to the whole adjacency: `traffic adj3 pollution.ti,ab.`."""
        if self.pubmed or not isinstance(group, Group):
            return group
        last = group.children[-1]
        others = [n for child in group.children[:-1] for n in _walk(child)]
        if (isinstance(last, (Term, Group)) and last.fields
                and not (isinstance(last, Term) and last.heading)
                and not any(isinstance(n, (Term, Group)) and n.fields for n in others)):
            return replace(group, fields=last.fields,
                           children=group.children[:-1] + (replace(last, fields=()),))
        return group

    def _operand(self, tree: Tree) -> Node:
        items = [self._item(kid) for kid in tree.children]
        if len(items) == 1:
            return items[0]
        if not self.pubmed:
            a, b = items[0], items[1]
            raise _LineError("unparseable", f"Ovid needs an operator between "
                             f"{_q(self.text[a.start:a.end], 40)} and {_q(self.text[b.start:b.end], 40)}: "
                             "join them with and, or, not or adjN.", a.start, b.end)
        children: list[Node] = []
        for item in items:
            children.extend(item.children if self._is_run(item) else (item,))  # type: ignore[union-attr]
        group = Group("AND", tuple(children), self.number, items[0].start, items[-1].end,
                      implicit=True)
        if not any(self._is_run(item) for item in items):
            self.add("implicit-and", f"There is no operator in {_q(self.text[group.start:group.end])}, "
                     "so PubMed puts AND between the parts. Write AND yourself, so that the "
                     "search says what it does.", group.start, group.end)
        return group

    def _is_run(self, node: Node) -> bool:
        return self._runs.get(id(node)) is node

    def _item(self, tree: Tree) -> Node:
        kind = tree.data
        if kind in ("term_item", "quoted_item"):
            return self._term(tree.children)
        if kind == "group_item":
            return self._bracketed(tree.children)
        tok = self.tok(tree.children[0])
        if kind == "ref_item":
            return LineRef(tok.value, self.number, tok.start, tok.end)
        op, numbers, _ = tok.value
        refs = tuple(LineRef(n, self.number, tok.start, tok.end) for n in numbers)
        if len(refs) == 1:
            return refs[0]
        return Group(op, refs, self.number, tok.start, tok.end)

    def _bracketed(self, kids: list) -> Node:
        lpar, rpar = self.tok(kids[0]), self.tok(kids[2])
        field = self.tok(kids[3]) if len(kids) > 3 else None
        inner = self._expr(kids[1])
        spec: _FieldSpec | None = field.value if field else None
        end = field.end if field else rpar.end
        if field is not None and spec is not None:
            if isinstance(inner, LineRef):
                raise _LineError("unparseable", f"A field cannot apply to a line number "
                                 f"({_q(self.text[lpar.start:end])}).", lpar.start, end)
            if spec.heading:
                inner = _push_heading(inner, spec)
            elif inner.fields or (isinstance(inner, Term) and inner.heading):
                raise _LineError("unparseable", f"{_q(self.text[lpar.start:end])} gives two fields "
                                 "to the same terms. Keep one of them.", lpar.start, end)
            elif isinstance(inner, Term):
                return replace(inner, fields=spec.fields, start=lpar.start, end=end)
            else:
                inner = replace(inner, fields=spec.fields)
        if isinstance(inner, Group):
            return replace(inner, bracketed=True, implicit=False, start=lpar.start, end=end)
        return inner

    def _term(self, kids: list) -> Node:
        exp = star = slash = field = quoted = None
        words: list[_Tok] = []
        for kid in kids:
            if isinstance(kid, Tree):
                words = [self.tok(t) for t in kid.children]
                continue
            tok = self.tok(kid)
            if tok.kind == "EXP":
                exp = tok
            elif tok.kind == "STAR":
                star = tok
            elif tok.kind == "SLASH":
                slash = tok
            elif tok.kind == "FIELD":
                field = tok
            elif tok.kind == "QUOTED":
                quoted = tok
        marks = [t for t in (exp, star, quoted, slash, field) if t] + words
        start = min(t.start for t in marks)
        end = max(t.end for t in marks)
        spec: _FieldSpec = field.value if field and field.value else _FieldSpec()
        if quoted is not None:
            text = " ".join(quoted.value.split())
        else:
            text = " ".join(t.text for t in words)
        if self.pubmed:
            return self._pubmed_term(text, quoted, words, spec, start, end, bool(field),
                                     exp is not None, star is not None, slash)
        return self._ovid_term(text, quoted, words, spec, start, end, field, exp, star, slash)

    def _pubmed_term(self, text: str, quoted: _Tok | None, words: list[_Tok], spec: _FieldSpec,
                     start: int, end: int, has_field: bool, exp: bool, star: bool,
                     slash: _Tok | None) -> Node:
        if slash is not None:  # Ovid heading notation, reported by the scanner
            return Term(text, self.number, start, end, quoted=quoted is not None, fields=("mh",),
                        heading=True, explode=exp, major=star, subheading=slash.value)
        if spec.heading:
            text, subheading = _split_subheading(text)
            return Term(text, self.number, start, end, quoted=quoted is not None, fields=("mh",),
                        heading=True, explode=spec.explode, major=spec.major,
                        subheading=subheading)
        if spec.proximity is not None:
            parts = self._word_terms(quoted, words)
            if len(parts) >= 2:
                return Group("NEAR", tuple(parts), self.number, start, end,
                             distance=spec.proximity, fields=spec.fields)
            return Term(text, self.number, start, end, quoted=quoted is not None, fields=spec.fields)
        if quoted is not None:
            return Term(text, self.number, start, end, quoted=True, fields=spec.fields)
        if has_field:
            term = Term(text, self.number, start, end, fields=spec.fields)
            if term.is_phrase and set(spec.fields) & {"ti", "ab", "tw", "all", "ot", "ad"}:
                example = f'"{text}"' + (_pm_tags(spec.fields)[0] if spec.fields else "")
                self.add("unquoted-phrase", f"Put {_q(text)} in quotes to search it as a phrase: "
                         f"{_q(example)}. Without quotes PubMed may search the words separately.",
                         start, end)
            return term
        parts = self._word_terms(None, words)
        if len(parts) == 1:
            return parts[0]
        group = Group("AND", tuple(parts), self.number, start, end, implicit=True)
        self._runs[id(group)] = group
        self.add("unquoted-phrase", f"{_q(text)} has no operator between its words. Put it in "
                 f"quotes to search it as a phrase ({_q(chr(34) + text + chr(34))}), or put AND "
                 "between the words to find them anywhere; without either, PubMed may search "
                 "the words separately.", start, end)
        return group

    def _word_terms(self, quoted: _Tok | None, words: list[_Tok]) -> list[Term]:
        if quoted is None:
            return [Term(t.text, self.number, t.start, t.end) for t in words]
        offset = quoted.start + 1
        return [Term(m.group(0), self.number, offset + m.start(), offset + m.end())
                for m in re.finditer(r"\S+", quoted.value)]

    def _ovid_term(self, text: str, quoted: _Tok | None, words: list[_Tok], spec: _FieldSpec,
                   start: int, end: int, field: _Tok | None, exp: _Tok | None, star: _Tok | None,
                   slash: _Tok | None) -> Node:
        if (quoted is None and len(words) == 1 and words[0].kind == "NUMBER"
                and not (exp or star or slash or field)):
            return LineRef(words[0].value, self.number, start, end)
        written = self.text[start:end]
        heading = slash is not None or spec.heading
        if (exp or star) and not heading:
            if field is not None and spec.fields:
                self.add("heading-syntax", f"{_q(written)}: `exp` and `*` work only with subject "
                         f"headings. For the heading write {_q(_ov_heading_example(text, exp, star))}; "
                         "for a word in a field, leave them out.", start, end)
                exp = star = None
            else:
                self.add("heading-syntax", f"Add `/` after a subject heading: write "
                         f"{_q(_ov_heading_example(text, exp, star))}.", start, end)
                heading = True
        if slash is not None and field is not None:
            self.add("heading-syntax", f"{_q(written)}: a subject heading (ending in `/`) cannot also "
                     "have a field suffix. Remove the suffix.", start, end)
        if not heading and quoted is None and len(words) > 1 and any(t.kind == "NUMBER" for t in words):
            self.add("phrase-needs-quotes", f"Ovid may read the number in {_q(text)} as a search line "
                     f"number. Put the phrase in quotes: {_q(chr(34) + text + chr(34))}.", start, end)
        limited = None
        for word in text.split():
            match = _TRUNC_LIMIT.search(word)
            if match:
                limited = int(match.group(1))
                break
        if heading:
            return Term(text, self.number, start, end, quoted=quoted is not None, fields=("mh",),
                        heading=True, explode=exp is not None, major=star is not None,
                        subheading=slash.value if slash is not None else "",
                        limited_truncation=limited)
        return Term(text, self.number, start, end, quoted=quoted is not None, fields=spec.fields,
                    limited_truncation=limited)

    # Checks on the tree --------------------------------------------------------------------

    def _check_tree(self, node: Node) -> None:
        leaves: list[Node] = []
        for current in _walk(node):
            if isinstance(current, Term):
                self._check_term(current)
                leaves.append(current)
            elif isinstance(current, LineRef):
                self._check_ref(current)
                leaves.append(current)
        if (self.pubmed and len(leaves) >= 2 and all(
                isinstance(leaf, Term) and re.fullmatch(r"[0-9]+", leaf.text) and not leaf.fields
                and not leaf.quoted for leaf in leaves)):
            written = self.text[node.start:node.end]
            fixed = re.sub(r"\b([0-9]+)\b", r"#\1", written)
            self.add("bad-line-reference", f"PubMed reads the numbers in {_q(written)} as search words. "
                     f"To combine earlier search lines, put # before each number: {_q(fixed)}.",
                     node.start, node.end)

    def _check_ref(self, ref: LineRef) -> None:
        name = f"#{ref.number}" if self.pubmed else f"line {ref.number}"
        earlier = self.number - 1
        if ref.number == self.number:
            message = (f"Line {self.number} refers to itself ({name}); a line can only combine "
                       "lines before it.")
        elif ref.number < 1:
            message = f"Line {self.number} refers to {name}, but search lines are numbered from 1."
        elif ref.number > earlier:
            before = "there are no lines before it" if earlier == 0 else \
                f"there {'is' if earlier == 1 else 'are'} only {_plural(earlier, 'line')} before it"
            message = f"Line {self.number} refers to {name}, but {before}."
        else:
            return
        self.add("bad-line-reference", message, ref.start, ref.end)

    def _check_term(self, term: Term) -> None:
        heading_done = False
        pos = term.start
        for word in term.words:
            found = self.text.find(word, pos, term.end)
            if found < 0:
                start, end = term.start, term.end
            else:
                start, end = found, found + len(word)
                pos = end
            if self.pubmed:
                self._check_pubmed_word(word, start, end)
            marks = [word.find(m) for m in ("*", "$") if m in word]
            if not self.pubmed and _colon_truncated(word):
                marks.append(len(word) - 1)
            wild = not self.pubmed and ("#" in word or "?" in word)
            if term.heading and (marks or wild):
                if not heading_done:
                    heading_done = True
                    self._truncated_heading(term)
                continue
            if not marks:
                continue
            if not self.pubmed and _TRUNC_LIMIT.search(word):
                continue
            if self.pubmed and not word.endswith("*"):
                continue  # reported as truncation-inside-word
            first = min(marks)
            letters = sum(ch.isalnum() for ch in word[:first])
            if letters < 4:
                stem = word[:first] or "cat"
                extra = (" PubMed also asks for at least four letters before `*`." if self.pubmed
                         else f" Use a longer stem, limited truncation (such as `{stem}$1`), or "
                         "write the words out.")
                before = "no letters" if letters == 0 else _plural(letters, "letter")
                self.add("short-truncation", f"{_q(word)} has {before} before the truncation mark, "
                         f"so it finds many unrelated words.{extra}", start, end)

    def _check_pubmed_word(self, word: str, start: int, end: int) -> None:
        if "$" in word:
            fixed = re.sub(r"\$[0-9]*", "*", word)
            self.add("wildcard-not-supported", f"{_q(word)}: `$` is Ovid's truncation mark. PubMed "
                     f"uses `*` at the end of a word: {_q(fixed)}.", start, end)
        for mark, example in (("#", "woman OR women"), ("?", "color OR colour")):
            if mark in word:
                self.add("wildcard-not-supported", f"PubMed has no wildcards, so the `{mark}` in "
                         f"{_q(word)} does not stand for a letter. Write the spellings out and join "
                         f"them with OR (e.g. `{example}`), or truncate at the end of the word.",
                         start, end)
                break
        star = word.find("*")
        if 0 <= star < len(word) - 1:
            self.add("truncation-inside-word", f"PubMed truncates only at the end of a word, so the "
                     f"`*` in {_q(word)} will not work. Write the spellings out and join them with "
                     "OR, or put `*` at the end.", start, end)

    def _truncated_heading(self, term: Term) -> None:
        written = self.text[term.start:term.end]
        if self.pubmed:
            tip = "[mh] already includes the narrower headings." if term.explode else \
                "[mh] (without :noexp) also includes the narrower headings."
        else:
            tip = "`exp` includes the narrower headings."
        self.add("truncation-in-heading", f"Subject headings cannot be truncated or contain "
                 f"wildcards: {_q(written)} will not match a heading. Write the heading in full "
                 f"as the thesaurus spells it; {tip}", term.start, term.end)

    def _check_runs(self) -> None:
        """Word checks for a line that could not be read: the same checks as on the tree, on
        runs of words found in the tokens."""
        toks = self.tokens
        k = 0
        while k < len(toks):
            tok = toks[k]
            if tok.kind == "QUOTED" and tok.foreign == "open":
                k += 1  # an unclosed phrase: where it ends is unknown, so its words are not checked
                continue
            if tok.kind == "QUOTED":
                run, j = [tok], k + 1
            elif tok.kind in ("WORD", "NUMBER"):
                j = k
                while j < len(toks) and toks[j].kind in ("WORD", "NUMBER"):
                    j += 1
                run = toks[k:j]
            else:
                k += 1
                continue
            after = toks[j] if j < len(toks) else None
            before = toks[k - 1] if k else None
            heading = bool(
                (after and (after.kind == "SLASH" or (after.kind == "FIELD" and after.value
                                                      and after.value.heading)))
                or (before and before.kind in ("EXP", "STAR")))
            text = " ".join(tok.value.split()) if tok.kind == "QUOTED" else " ".join(t.text for t in run)
            if text:
                self._check_term(Term(text, self.number, run[0].start, run[-1].end, heading=heading,
                                      explode=heading))
            k = j


def _depth(node: Node) -> int:
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(current, Group):
            stack.extend((child, depth + 1) for child in current.children)
    return deepest


def _push_heading(node: Node, spec: _FieldSpec) -> Node:
    """A heading tag on a bracketed group, given to each term inside that has no field."""
    if isinstance(node, Term):
        if node.fields or node.heading:
            return node
        text, subheading = _split_subheading(node.text)
        return replace(node, text=text, subheading=subheading, fields=("mh",), heading=True,
                       explode=spec.explode, major=spec.major)
    if isinstance(node, Group) and node.operator != "NEAR":
        return replace(node, children=tuple(_push_heading(c, spec) for c in node.children))
    return node


def _split_subheading(text: str) -> tuple[str, str]:
    """PubMed `asthma/drug therapy` -> ("asthma", "drug therapy") when the part after the slash
    is a known subheading or a two-letter code."""
    head, slash, tail = text.rpartition("/")
    if slash and head.strip() and tail.strip() and (
            re.fullmatch(r"[A-Za-z]{2}", tail.strip()) or _subheading_code(tail) is not None):
        return head.strip(), tail.strip()
    return text, ""


def _combine_value(match: re.Match) -> tuple[str, tuple[int, ...], bool]:
    """Ovid `or/1-3,7` -> ("OR", (1, 2, 3, 7), backwards?)."""
    op = match.group(1).upper()
    numbers: list[int] = []
    backwards = False
    for part in match.group(2).split(","):
        low, _, high = part.partition("-")
        a = int(low)
        b = int(high) if high.strip() else a
        if b < a:
            backwards = True
            a, b = b, a
        numbers.extend(range(a, min(b, a + 500) + 1))
    return op, tuple(dict.fromkeys(numbers)), backwards


def _is_foreign_near(word: str) -> bool:
    return bool(re.fullmatch(r"(?i:adj)[0-9]*|(?i:near|w|pre)/[0-9]{1,3}|N[0-9]{1,3}|NEAR", word))


def _foreign_distance(word: str) -> int:
    """The most words between, for a proximity operator of another database."""
    digits = re.search(r"[0-9]+", word)
    n = int(digits.group(0)) if digits else 0
    if re.match(r"(?i)adj", word):
        return max(n - 1, 0)
    return min(n, 98)


def _suggest_pubmed_tag(raw: str) -> str:
    tag = raw[1:-1].strip().lower()
    if "," in tag:
        return " PubMed puts one field in each tag; for title and abstract write `[tiab]`."
    if tag in _OVID_FIELDS and tag not in _PUBMED_TAGS:
        nearest = _pm_tags((_OVID_FIELDS[tag],))[0]
        return (f" It looks like Ovid's `.{tag}.`; the nearest PubMed tag is `{nearest}`, written "
                "straight after the term.")
    names = list(_PUBMED_TAGS) + list(_PUBMED_HEADING_TAGS) + ["mh:noexp", "majr:noexp"]
    close = difflib.get_close_matches(tag, names, n=1, cutoff=0.6)
    hint = f" Did you mean `[{close[0]}]`?" if close else ""
    return (f"{hint} Common tags are [tiab] (title and abstract), [mh] (MeSH heading) and [tw] "
            "(text words).")


def _suggest_ovid_field(raw: str) -> str:
    code = raw.strip(".").replace(" ", "").lower()
    if code == "tiab":
        return " For title and abstract write `.ti,ab.`."
    if code in ("mh", "mesh"):
        return " For a subject heading write the heading with `/` after it, like `exp Asthma/`."
    close = difflib.get_close_matches(code, list(_OVID_FIELDS), n=1, cutoff=0.5)
    hint = f" Did you mean `.{close[0]}.`?" if close else ""
    return (f"{hint} Common fields are `.ti,ab.` (title and abstract), `.tw.` (text words) and "
            "`.mp.` (multi-purpose).")


def _ov_heading_example(text: str, exp: Any, star: Any) -> str:
    return ("exp " if exp else "") + ("*" if star else "") + text[:1].upper() + text[1:] + "/"


# Whole searches ------------------------------------------------------------------------------

_NUMBERING = re.compile(r"\s*(?:#([0-9]+)\s+|([0-9]+)[.)](?:\s+|$)|([0-9]+)\s+)")
_STARTS_WITH_OPERATOR = re.compile(r"(?i)(?:and|or|not|adj[0-9]*)(?=$|[\s(])")


def _strip_numbering(raw: str, number: int, syntax: str) -> tuple[str, str, Finding | None]:
    """(text, text to scan, finding): the learner's own line numbering removed when it is the
    line's own number; other "N." or "N)" prefixes are reported and blanked for scanning."""
    match = _NUMBERING.match(raw)
    if not match:
        return raw, raw, None
    value = int(next(g for g in match.groups() if g is not None))
    rest = raw[match.end():]
    if not rest.strip():
        return raw, raw, None
    dotted = match.group(2) is not None
    if value == number and (dotted or not _STARTS_WITH_OPERATOR.match(rest)):
        return rest, rest, None
    if dotted:
        prefix = raw[:match.end()].rstrip()
        finding = Finding("unparseable", "error", f"Line {number} starts with {_q(prefix.strip())}, "
                          f"which looks like a line number, but this is search line {number} (empty "
                          "lines are not counted). Remove the number or correct it.", number,
                          len(raw) - len(raw.lstrip()), len(prefix))
        return raw, " " * match.end() + rest, finding
    return raw, raw, None


def parse_search(text: str, syntax: str) -> ParsedSearch:
    """Read a search of one or more lines in `syntax` ("pubmed" or "ovid").

    Never raises for any text; raises ValueError only for an unknown syntax.
    """
    if syntax not in SYNTAXES:
        raise ValueError(f"Unknown search syntax {syntax!r}; expected one of {sorted(SYNTAXES)}.")
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    lines: list[SearchLine] = []
    findings: list[Finding] = []
    number = 0
    for raw in text.splitlines():
        if not raw.strip():
            continue
        number += 1
        line_text, scan_text, numbering = _strip_numbering(raw, number, syntax)
        reader = _Line(syntax, number, line_text, scan_text)
        if numbering is not None:
            reader.findings.append(numbering)
        try:
            node = reader.read()
        except Exception:  # pragma: no cover - a last resort: a learner never meets a crash
            node = None
            reader.add("unparseable", INTERNAL_PROBLEM, 0, len(line_text), fatal=True)
        lines.append(SearchLine(number, line_text, node))
        findings.extend(reader.findings)
    if not lines:
        findings.append(Finding("empty-search", "error", "The search is empty: write at least one "
                                "search line.", 1))
    order = {id(f): n for n, f in enumerate(findings)}
    findings.sort(key=lambda f: (f.line, -1 if f.start is None else f.start, order[id(f)]))
    return ParsedSearch(syntax, tuple(lines), tuple(findings))


# Writing trees -------------------------------------------------------------------------------


def to_text(node: Node, syntax: str) -> str:
    """Write a tree in `syntax`, in the canonical spelling, with brackets where needed.

    PubMed: capital operators, `#n`, tags like [tiab], [mh], [mh:noexp], [majr]; multi-word
    terms in quotes when they have a field tag or were quoted; a proximity group as
    `"w1 w2"[tiab:~N]`. Ovid: lowercase operators, bare line numbers (`or/1-3` for a whole line
    joining three or more lines), suffixes like `.ti,ab.`, headings like `exp *Asthma/`, `adjN`
    with N = distance + 1; phrases are quoted only when quoted or when Ovid would otherwise
    misread them. Every sub-group is bracketed (a run of one operator is never split), except a
    PubMed proximity group, which is written as one phrase. Truncation and wildcard marks are
    written as they are: `translate` converts them.
    """
    if syntax not in SYNTAXES:
        raise ValueError(f"Unknown search syntax {syntax!r}; expected one of {sorted(SYNTAXES)}.")
    if syntax == "pubmed":
        return _pm(node)
    return _ov(node, top=True)


def _pm(node: Node) -> str:
    if isinstance(node, LineRef):
        return f"#{node.number}"
    if isinstance(node, Term):
        return _pm_term(node)
    if node.operator == "NEAR":
        return _pm_near(node)
    parts = []
    for child in node.children:
        text = _pm(child)
        if isinstance(child, Group) and not _pm_atomic(child):
            text = f"({text})"
        parts.append(text)
    text = f" {node.operator} ".join(parts)
    if node.fields:
        tags = _pm_tags(node.fields)
        text = f"({text}){tags[0]}"
    return text


def _pm_atomic(group: Group) -> bool:
    return bool(group.fields) or (group.operator == "NEAR" and _pm_near_phrase(group) is not None)


def _pm_near_phrase(group: Group) -> list[str] | None:
    words: list[str] = []
    for child in group.children:
        if not isinstance(child, Term) or child.heading or child.fields:
            return None
        words.extend(child.words)
    return words


def _pm_near(group: Group) -> str:
    words = _pm_near_phrase(group)
    if words is None:  # not expressible in PubMed: the nearest is AND
        return _pm(Group("AND", group.children, group.line, group.start, group.end,
                         fields=group.fields))
    fields = group.fields if group.fields in _PUBMED_PROXIMITY_FIELDS else ("ti", "ab")
    tag = _pm_tags(fields)[0][1:-1]
    phrase = " ".join(words).replace('"', "")
    return f'"{phrase}"[{tag}:~{group.distance or 0}]'


def _pm_tags(fields: tuple[str, ...]) -> list[str]:
    """The PubMed tag(s) for a fields tuple: title and abstract together make [tiab]."""
    codes = list(fields)
    tags: list[str] = []
    if "ti" in codes and "ab" in codes:
        tags.append("[tiab]")
        codes = [c for c in codes if c not in ("ti", "ab")]
    for code in codes:
        tag = f"[{_PUBMED_TAG_OF.get(code, 'all')}]"
        if tag not in tags:
            tags.append(tag)
    return tags


def _pm_needs_quotes(text: str) -> bool:
    """True when PubMed would not read `text` as plain words (or could take a leading number
    for the learner's line numbering)."""
    if re.match(r"#?[0-9]+(?:[.)](?:\s|$)|\s)", text):
        return True
    reader = _Line("pubmed", 1, text, text)
    toks = reader._scan_pubmed()
    return bool(reader.findings) or any(t.kind != "WORD" for t in toks) or not toks


def _pm_term(term: Term) -> str:
    if term.heading:
        text = term.text + (f"/{term.subheading}" if term.subheading else "")
        tag = "majr" if term.major else "mh"
        if not term.explode:
            tag += ":noexp"
        if (term.quoted or _pm_needs_quotes(term.text)
                or (term.subheading and _pm_needs_quotes(term.subheading))):
            text = f'"{text.replace(chr(34), "")}"'
        return f"{text}[{tag}]"
    tags = _pm_tags(term.fields) if term.fields else [""]
    quote = term.quoted or (term.is_phrase and bool(term.fields)) or _pm_needs_quotes(term.text)
    text = f'"{term.text.replace(chr(34), "")}"' if quote else term.text
    written = [text + tag for tag in tags]
    if len(written) == 1:
        return written[0]
    return "(" + " OR ".join(written) + ")"


def _pubmed_heading_subheading(term: Term) -> Term:
    """A heading with an Ovid subheading code written as PubMed's subheading name."""
    if not term.subheading:
        return term
    code = term.subheading.split(",")[0].lower()
    return replace(term, subheading=_SUBHEADINGS.get(code, code))


def _ov(node: Node, top: bool = False) -> str:
    if isinstance(node, LineRef):
        return str(node.number)
    if isinstance(node, Term):
        return _ov_term(node)
    numbers = [c.number for c in node.children if isinstance(c, LineRef)]
    if (top and node.operator in ("AND", "OR") and not node.fields and len(numbers) >= 3
            and len(numbers) == len(node.children) and len(set(numbers)) == len(numbers)):
        return f"{node.operator.lower()}/{_ranges(numbers)}"
    parts = []
    for child in node.children:
        text = _ov(child)
        if isinstance(child, Group) and not child.fields:
            text = f"({text})"
        parts.append(text)
    joiner = f" adj{(node.distance or 0) + 1} " if node.operator == "NEAR" else f" {node.operator.lower()} "
    text = joiner.join(parts)
    if node.fields:
        text = f"({text}){_ov_suffix(node.fields)}"
    return text


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3,7" (kept in the written order)."""
    parts: list[str] = []
    k = 0
    while k < len(numbers):
        j = k
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        parts.append(str(numbers[k]) if j == k else f"{numbers[k]}-{numbers[j]}")
        k = j + 1
    return ",".join(parts)


def _ov_suffix(fields: tuple[str, ...]) -> str:
    codes = list(dict.fromkeys(_OVID_CODE_OF.get(code, "mp") for code in fields))
    return "." + ",".join(codes) + "." if codes else ""


def _ov_needs_quotes(text: str) -> bool:
    """True when Ovid would not read `text` as plain words of one phrase."""
    reader = _Line("ovid", 1, text, text)
    toks = reader._scan_ovid()
    return bool(reader.findings) or any(t.kind != "WORD" for t in toks) or not toks


def _ov_term(term: Term) -> str:
    text = term.text
    # A number with a field suffix (2019.yr.) is a search word, not a line number.
    number = bool(re.fullmatch(r"[0-9]+", text)) and bool(term.fields) and not term.heading
    if term.quoted or (not number and _ov_needs_quotes(text)):
        text = f'"{text.replace(chr(34), "")}"'
    if term.heading:
        subheading = term.subheading if re.fullmatch(r"[A-Za-z]{2}(,[A-Za-z]{2})*",
                                                      term.subheading) else ""
        return ("exp " if term.explode else "") + ("*" if term.major else "") + f"{text}/{subheading}"
    return text + _ov_suffix(term.fields)


# Translation ---------------------------------------------------------------------------------


class _Notes:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, note: str) -> None:
        if note not in self.items:
            self.items.append(note)


def translate(parsed: ParsedSearch, target: str) -> Translation:
    """Write a whole search in the `target` syntax, line by line, keeping line references.

    `parsed` must be ok (ValueError otherwise). Every step that does not carry over exactly gets
    a note. Ovid wildcards (`#`, `?`) have no PubMed equivalent: they are kept as written, with a
    note, so the PubMed text shows exactly where the learner must write the spellings out (and
    PubMed's own check reports them as "wildcard-not-supported").
    """
    if target not in SYNTAXES:
        raise ValueError(f"Unknown search syntax {target!r}; expected one of {sorted(SYNTAXES)}.")
    if not parsed.ok:
        raise ValueError("Only a search without errors can be translated.")
    notes = _Notes()
    lines = []
    for line in parsed.lines:
        node = line.node
        assert node is not None
        if parsed.syntax != target:
            node = _to_pubmed(node, (), notes) if target == "pubmed" else _to_ovid(node, notes)
        lines.append(to_text(node, target))
    return Translation("\n".join(lines), tuple(notes.items))


_OVID_TO_PUBMED_NOTES = {
    "tw": "Ovid's .tw. searches titles and abstracts; PubMed's [tw] also searches MeSH terms, "
          "keywords and other fields, so it finds more.",
    "kf": "Ovid's .kf. searches author keywords; PubMed has no author-keyword tag, and [ot] "
          "(other term) is the nearest: it holds author keywords and other keywords.",
    "kw": "Ovid's .kw. searches author keywords; PubMed has no author-keyword tag, and [ot] "
          "(other term) is the nearest: it holds author keywords and other keywords.",
    "mp": "Ovid's .mp. searches several fields at once (title, abstract, headings and more); "
          "PubMed has no such field, and [tw] (text words) is the nearest.",
    "hw": "Ovid's .hw. searches words of subject headings; PubMed has no such field, and [tw] "
          "(text words, which include MeSH terms) is the nearest.",
    "tt": "Ovid's .ot. searches the original (non-English) title; PubMed's [tt] (transliterated "
          "title) is the nearest.",
}
_PUBMED_TO_OVID_NOTES = {
    "tw": "PubMed's [tw] searches titles, abstracts, MeSH terms and more; Ovid's .tw. searches "
          "only titles and abstracts, so it finds less.",
    "ot": "PubMed's [ot] (other term) holds author keywords and other keywords; Ovid's .kf. "
          "(author keywords) is the nearest.",
}
_FIELDLESS_PUBMED = (
    "Terms without a field tag: Ovid searches them in its default fields (.mp.), while PubMed "
    "applies Automatic Term Mapping, which also adds matching MeSH headings. Add a tag such as "
    "[tiab] if you want only titles and abstracts.")
_FIELDLESS_OVID = (
    "PubMed searches terms without a field tag in all fields with Automatic Term Mapping; Ovid has "
    "no such mapping, and .mp. (multi-purpose) is the nearest, so those terms are written with "
    ".mp.")


def _to_pubmed(node: Node, fields: tuple[str, ...], notes: _Notes) -> Node:
    """An Ovid tree made expressible in PubMed. `fields` are fields from an enclosing group."""
    if isinstance(node, LineRef):
        return node
    if isinstance(node, Term):
        return _term_to_pubmed(node, fields, notes)
    inherited = node.fields or fields
    if node.operator == "NEAR":
        return _near_to_pubmed(node, inherited, notes)
    children = tuple(_to_pubmed(child, inherited, notes) for child in node.children)
    return replace(node, children=children, fields=())


def _pubmed_word(word: str, notes: _Notes) -> str:
    limited = re.search(r"\$([0-9]+)$", word)
    if limited:
        stem = word[: limited.start()]
        notes.add(f"PubMed has no limited truncation: {_q(word)} became {_q(stem + '*')}, which "
                  "also finds longer words.")
    word = re.sub(r"\$[0-9]*$", "*", word)
    word = word.replace("$", "*")
    if _colon_truncated(word):
        word = word[:-1] + "*"
    if "#" in word or "?" in word:
        notes.add(f"PubMed has no wildcards, so {_q(word)} is kept as written and PubMed will not "
                  "accept it: replace it with the spellings it stands for, joined with OR (e.g. "
                  "`woman OR women` for `wom#n`).")
    return word


def _term_to_pubmed(term: Term, fields: tuple[str, ...], notes: _Notes) -> Node:
    text = " ".join(_pubmed_word(word, notes) for word in term.words)
    term = replace(term, text=text, limited_truncation=None)
    if term.heading:
        return _heading_to_pubmed(term, notes)
    fields = term.fields or fields
    if not fields:
        notes.add(_FIELDLESS_PUBMED)
        return replace(term, quoted=term.quoted or term.is_phrase)
    for code in fields:
        if code in _OVID_TO_PUBMED_NOTES:
            notes.add(_OVID_TO_PUBMED_NOTES[code])
    tags = _pm_tags(fields)
    quoted = term.quoted or term.is_phrase
    if len(tags) == 1:
        return replace(term, fields=_pubmed_fields(fields), quoted=quoted)
    notes.add("PubMed takes one field tag per term, so a term searched in several Ovid fields is "
              "written once for each field, joined with OR.")
    groups = _split_fields(fields)
    return Group("OR", tuple(replace(term, fields=g, quoted=quoted) for g in groups), term.line,
                 term.start, term.end)


def _split_fields(fields: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Fields grouped as PubMed tags take them: ("ti", "ab", "kf") -> [("ti", "ab"), ("kf",)]."""
    groups: list[tuple[str, ...]] = []
    rest = list(fields)
    if "ti" in rest and "ab" in rest:
        groups.append(("ti", "ab"))
        rest = [c for c in rest if c not in ("ti", "ab")]
    seen = {tuple(_pm_tags(g)) for g in groups}
    for code in rest:
        tags = tuple(_pm_tags((code,)))
        if tags not in seen:
            seen.add(tags)
            groups.append((code,))
    return groups


def _pubmed_fields(fields: tuple[str, ...]) -> tuple[str, ...]:
    """Ovid-only codes replaced by the code of the nearest PubMed tag."""
    nearest = {"kf": "ot", "kw": "ot", "mp": "tw", "hw": "tw"}
    return _canon(nearest.get(code, code) for code in fields)


def _heading_to_pubmed(term: Term, notes: _Notes) -> Node:
    term = replace(term, quoted=term.quoted or _pm_needs_quotes(term.text), fields=("mh",))
    if not term.subheading:
        return term
    versions = []
    for code in term.subheading.split(","):
        name = _SUBHEADINGS.get(code.lower())
        if name is None:
            notes.add(f"The subheading code `{code}` is kept as written; check that PubMed "
                      "recognises it, or write the subheading's full name.")
            name = code
        versions.append(replace(term, subheading=name))
    if len(versions) == 1:
        return versions[0]
    notes.add("PubMed takes one subheading per heading, so a heading with several subheadings is "
              "written once for each, joined with OR.")
    return Group("OR", tuple(versions), term.line, term.start, term.end)


def _near_to_pubmed(group: Group, fields: tuple[str, ...], notes: _Notes) -> Node:
    """Ovid adjN as PubMed "w1 w2"[tiab:~N], when the words and the field allow it."""
    proximity_fields = {("ti", "ab"): ("ti", "ab"), ("ti",): ("ti",), ("ab",): ("ti", "ab"),
                        ("ad",): ("ad",)}
    written = _ov(group)
    target = proximity_fields.get(fields)
    sides = [_near_side(child) for child in group.children]
    variants = 1
    for side in sides:
        variants *= len(side) if side else 0
    if target is None or variants == 0 or variants > 20 or (group.distance or 0) > 998:
        reason = ("PubMed allows proximity only in titles and abstracts ([tiab], [ti]) or "
                  "affiliations ([ad])" if target is None else
                  "PubMed's proximity search takes only words and phrases")
        notes.add(f"{_q(written, 80)} cannot be kept as a proximity search: {reason}. It is "
                  "translated with AND, which finds the words anywhere in the record.")
        children = tuple(_to_pubmed(child, fields, notes) for child in group.children)
        return Group("AND", children, group.line, group.start, group.end)
    if fields == ("ab",):
        notes.add("PubMed has no proximity search in abstracts alone, so [tiab:~N] (title or "
                  "abstract) is used.")
    if any(len(option.split()) > 1 for side in sides for option in side):
        notes.add("PubMed's proximity search counts the distance between every word, so a phrase "
                  "in it is no longer searched as an exact phrase.")
    combos: list[list[str]] = [[]]
    for side in sides:
        combos = [done + [option] for done in combos for option in side]
    if len(combos) > 1:
        notes.add(f"{_q(written, 80)} is written out as one PubMed proximity search for each "
                  "combination of its words, joined with OR.")
    nears = []
    for combo in combos:
        words = [_pubmed_word(w, notes) for option in combo for w in option.split()]
        terms = tuple(Term(w, group.line, group.start, group.end) for w in words)
        nears.append(Group("NEAR", terms, group.line, group.start, group.end,
                           distance=group.distance, fields=target))
    if len(nears) == 1:
        return nears[0]
    return Group("OR", tuple(nears), group.line, group.start, group.end)


def _near_side(node: Node) -> list[str] | None:
    """The words or phrases one side of an adjacency stands for (an OR of terms gives several)."""
    if isinstance(node, Term):
        return None if node.heading or node.fields else [node.text]
    if isinstance(node, Group) and node.operator == "OR" and not node.fields:
        options: list[str] = []
        for child in node.children:
            side = _near_side(child)
            if side is None:
                return None
            options.extend(side)
        return options
    return None


def _to_ovid(node: Node, notes: _Notes, inherited: bool = False) -> Node:
    """A PubMed tree made expressible in Ovid. `inherited`: an enclosing group has fields."""
    if isinstance(node, LineRef):
        return node
    if isinstance(node, Term):
        return _term_to_ovid(node, notes, inherited)
    if node.operator == "NEAR":
        if (node.distance or 0) > 98:
            notes.add(f"Ovid's adj allows at most 98 words between, so {_q(_pm(node), 80)} is "
                      "translated with AND.")
            return Group("AND", tuple(_term_to_ovid(c, notes) if isinstance(c, Term) else c
                                      for c in node.children), node.line, node.start, node.end)
        if len(node.children) > 2:
            notes.add("A PubMed proximity search with more than two words is written as a chain "
                      "of adj operators, which Ovid checks pair by pair.")
        children = tuple(replace(c, quoted=False) if isinstance(c, Term) else c
                         for c in node.children)
        return replace(node, children=children)
    children = tuple(_to_ovid(child, notes, inherited or bool(node.fields)) for child in node.children)
    for code in node.fields:
        if code in _PUBMED_TO_OVID_NOTES:
            notes.add(_PUBMED_TO_OVID_NOTES[code])
    return replace(node, children=children)


def _term_to_ovid(term: Term, notes: _Notes, inherited: bool = False) -> Node:
    words = []
    for word in term.words:
        if _colon_truncated(word):
            notes.add(f"{_q(word)} is written without its final colon, because Ovid reads a colon "
                      "at the end of a word as a truncation mark.")
            word = word.rstrip(":")
        words.append(word)
    term = replace(term, text=" ".join(words), quoted=False)
    if term.heading:
        if term.subheading:
            code = _subheading_code(term.subheading)
            if code is None:
                notes.add(f"Ovid writes subheadings as two-letter codes; the code for "
                          f"{_q(term.subheading)} is not known here, so it was left out: add it "
                          f"after the slash (e.g. `{term.text}/dt`).")
                term = replace(term, subheading="")
            else:
                term = replace(term, subheading=code)
        return term
    if not term.fields and inherited:
        return term
    if not term.fields:
        notes.add(_FIELDLESS_OVID)
        return replace(term, fields=("mp",))
    for code in term.fields:
        if code in _PUBMED_TO_OVID_NOTES:
            notes.add(_PUBMED_TO_OVID_NOTES[code])
    if "dp" in term.fields and not re.fullmatch(r"[0-9]{4}", term.text):
        notes.add(f"PubMed's [dp] takes full dates and ranges, but Ovid's .yr. searches the year "
                  f"of publication: check that {_q(term.text)} gives the years you want, or use "
                  "Ovid's year limit instead.")
    nearest = {"ot": "kf"}
    return replace(term, fields=_canon(nearest.get(code, code) for code in term.fields))
