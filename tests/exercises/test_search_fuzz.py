"""Property tests of the search-syntax checker: whatever a learner types, they get findings, not a
crash; whatever passes the check can be written back and translated without new errors."""
from __future__ import annotations

from dataclasses import fields as dataclass_fields

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lit_platform.exercises.search_syntax import (
    INTERNAL_PROBLEM,
    SYNTAXES,
    Group,
    LineRef,
    Term,
    parse_search,
    to_text,
    translate,
)

FAST = settings(max_examples=400, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])

#: Errors a translation may carry into the target syntax, on purpose: Ovid's wildcards have no
#: PubMed equivalent, so they are kept (with a note) for the learner to write the spellings out.
ALLOWED_AFTER_TRANSLATION = {"pubmed": {"wildcard-not-supported"}, "ovid": set()}

SYNTAX = st.sampled_from(sorted(SYNTAXES))

# Text rich in both syntaxes' special characters and words.
PIECES = list('()[]"*$#?/.,:~ 0123456789\n') + [
    " AND ", " OR ", " NOT ", " and ", " or ", " not ", " adj3 ", " adj ", "exp ", "asthma", "child",
    "air pollution", "tiab", "ti,ab", "[tiab]", ".ti,ab.", "[mh]", "/dt", "#1", "or/1-2", "NEAR/3",
    "[tiab:~2]", "wom#n", "the*", "pollut$2", '"hip pain"', "Asthma/", ".sh.", "1. ", "2 ",
]
RICH_TEXT = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def check_findings(text: str, syntax: str):
    parsed = parse_search(text, syntax)
    for finding in parsed.findings:
        assert finding.severity in ("error", "warning", "advice")
        assert finding.message.strip() and "Traceback" not in finding.message
        assert finding.message != INTERNAL_PROBLEM, text  # the safety net never catches anything
        assert 1 <= finding.line <= max(1, len(parsed.lines))
        if finding.start is not None:
            line = parsed.lines[finding.line - 1].text
            assert finding.end is not None and 0 <= finding.start <= finding.end <= len(line)
    assert [line.number for line in parsed.lines] == list(range(1, len(parsed.lines) + 1))
    return parsed


@FAST
@given(text=st.text(max_size=120), syntax=SYNTAX)
def test_any_text_gets_findings_never_an_exception(text, syntax):
    check_findings(text, syntax)


@FAST
@given(text=RICH_TEXT, syntax=SYNTAX)
def test_text_full_of_search_syntax_gets_findings_never_an_exception(text, syntax):
    parsed = check_findings(text, syntax)
    if parsed.ok:
        check_round_trip_and_translation(parsed)


# Searches built from the syntax itself, so that many of them pass the check.

WORDS = ["asthma", "child*", "wheez*", "air", "pollution", "the*", "2019", "o'brien", "x-ray", "and", "exp"]
HEADINGS = ["Asthma", "Air Pollution", "Child, Preschool"]


def pubmed_search():
    word = st.sampled_from(WORDS[:-2])
    tag = st.sampled_from(["", "[tiab]", "[ti]", "[tw]", "[mh]", "[majr]", "[mh:noexp]", "[au]", "[dp]",
                           "[ot]", "[Title/Abstract]"])
    atom = st.one_of(
        st.tuples(word, tag).map("".join),
        st.tuples(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join), tag)
        .map(lambda t: f'"{t[0]}"{t[1]}'),
        st.tuples(st.lists(word, min_size=2, max_size=3).map(" ".join), st.sampled_from(["tiab", "ti", "ad"]),
                  st.integers(0, 12)).map(lambda t: f'"{t[0]}"[{t[1]}:~{t[2]}]'),
        st.tuples(st.sampled_from(HEADINGS), st.sampled_from(["/drug therapy", ""]))
        .map(lambda t: f'"{t[0]}{t[1]}"[mh]'),
        st.integers(1, 3).map(lambda n: f"#{n}"),
        st.tuples(word, word).map(" ".join),
    )
    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from([" AND ", " OR ", " NOT ", " or "]), inner).map("".join),
            st.tuples(inner, st.sampled_from(["", "[tiab]", "[mh]"])).map(lambda t: f"({t[0]}){t[1]}"),
        )

    expression = st.recursive(atom, extend, max_leaves=8)
    return st.lists(expression, min_size=1, max_size=4).map("\n".join)


def ovid_search():
    word = st.sampled_from(WORDS + ["wom#n", "colo?r", "pollut$2", "pollut$"])
    suffix = st.sampled_from(["", ".ti,ab.", ".ti.", ".tw.", ".kf.", ".mp.", ".sh.", ".ab,ti.", ".lg.", ".yr."])
    atom = st.one_of(
        st.tuples(st.lists(word, min_size=1, max_size=3).map(" ".join), suffix).map("".join),
        st.tuples(st.lists(word, min_size=1, max_size=3).map(" ".join), suffix).map(lambda t: f'"{t[0]}"{t[1]}'),
        st.tuples(st.sampled_from(["", "exp ", "exp *", "*"]), st.sampled_from(HEADINGS + ['"Wit and Humor"']),
                  st.sampled_from(["/", "/dt", "/dt,th"])).map("".join),
        st.integers(1, 3).map(str),
        st.sampled_from(["or/1-3", "and/1,2"]),
    )
    def extend(inner):
        operators = st.sampled_from([" and ", " or ", " not ", " adj3 ", " adj ", " AND "])
        return st.one_of(
            st.tuples(inner, operators, inner).map("".join),
            st.tuples(inner, st.sampled_from(["", ".ti,ab.", ".tw."])).map(lambda t: f"({t[0]}){t[1]}"),
        )

    expression = st.recursive(atom, extend, max_leaves=8)
    return st.lists(expression, min_size=1, max_size=4).map("\n".join)


def content(node):
    """A tree without spans, bracketed/implicit flags, or `quoted` (to_text may add quotes that
    the syntax needs, as in PubMed's "air pollution"[tiab])."""
    if isinstance(node, LineRef):
        return ("ref", node.number)
    if isinstance(node, Term):
        return ("term",) + tuple(getattr(node, f.name) for f in dataclass_fields(Term)
                                 if f.name not in ("line", "start", "end", "quoted"))
    assert isinstance(node, Group)
    return ("group", node.operator, node.distance, node.fields, tuple(content(c) for c in node.children))


def check_round_trip_and_translation(parsed):
    syntax = parsed.syntax
    written = "\n".join(to_text(line.node, syntax) for line in parsed.lines)
    again = parse_search(written, syntax)
    assert [f for f in again.findings if f.severity == "error"] == [], written
    assert [content(line.node) for line in again.lines] == [content(line.node) for line in parsed.lines]

    other = next(s for s in SYNTAXES if s != syntax)
    translation = translate(parsed, other)
    assert all(note.strip() for note in translation.notes)
    result = parse_search(translation.text, other)
    assert len(result.lines) == len(parsed.lines), translation.text
    unexpected = [f for f in result.findings
                  if f.severity == "error" and f.code not in ALLOWED_AFTER_TRANSLATION[other]]
    assert unexpected == [], translation.text


@settings(max_examples=500, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=pubmed_search())
def test_a_pubmed_search_that_passes_can_be_written_back_and_translated(text):
    parsed = check_findings(text, "pubmed")
    if parsed.ok:
        check_round_trip_and_translation(parsed)


@settings(max_examples=500, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ovid_search())
def test_an_ovid_search_that_passes_can_be_written_back_and_translated(text):
    parsed = check_findings(text, "ovid")
    if parsed.ok:
        check_round_trip_and_translation(parsed)
