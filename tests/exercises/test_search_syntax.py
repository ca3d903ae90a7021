"""The search-syntax checker, as a learner meets it: findings, trees, serialising, translation."""
from __future__ import annotations

from dataclasses import fields as dataclass_fields

import pytest

from lit_platform.exercises.search_syntax import (
    FIELDS,
    SYNTAXES,
    Finding,
    Group,
    LineRef,
    Term,
    parse_search,
    to_text,
    translate,
)

LONG_PUBMED = " OR ".join(f"term{n}*[tiab]" for n in range(300))
LONG_OVID = "(" + " or ".join(f"term{n}*" for n in range(300)) + ").ti,ab."

# (syntax, search, the exact finding codes in order)
CASES = [
    # PubMed: fine as written
    ("pubmed", "(asthma[mh] OR asthma*[tiab] OR wheez*[tiab]) AND (child*[tiab] OR paediatric*[tiab])", []),
    ("pubmed", '"hip pain"[tiab:~2] OR "traffic pollution"[Title/Abstract:~3]', []),
    ("pubmed", 'Asthma[majr] AND asthma/drug therapy[mh] AND "Child, Preschool"[mh:noexp]', []),
    ("pubmed", "(asthma OR (wheez* AND child*)) NOT animals[mh]", []),
    ("pubmed", "asthma[tiab]\nchild*[tiab]\n#1 AND #2", []),
    ("pubmed", "1. asthma[tiab]\n2. child*[tiab]\n3. #1 AND #2", []),
    ("pubmed", "#1 asthma[tiab]\n\n#2 #1 AND wheez*[tiab]", []),
    ("pubmed", LONG_PUBMED, []),
    # PubMed: warnings and advice
    ("pubmed", "asthma OR wheeze AND child*", ["mixed-operators"]),
    ("pubmed", "asthma and child*", ["lowercase-operator"]),
    ("pubmed", "air pollution[tiab]", ["unquoted-phrase"]),
    ("pubmed", "heart attack", ["unquoted-phrase"]),
    ("pubmed", '"air pollution" asthma', ["implicit-and"]),
    ("pubmed", "wom*n[tiab]", ["truncation-inside-word"]),
    ("pubmed", "the*[tiab] AND car*[ti]", ["short-truncation", "short-truncation"]),
    ("pubmed", "asthma or wheeze AND child*", ["mixed-operators", "lowercase-operator"]),
    # PubMed: errors
    ("pubmed", "hip[tiab:~2]", ["proximity-needs-phrase"]),
    ("pubmed", "hip pain[tiab:~2]", ["proximity-needs-phrase"]),
    ("pubmed", '"hip pain"[mh:~2]', ["proximity-field"]),
    ("pubmed", "wom#n[tiab] OR colo?r", ["wildcard-not-supported", "wildcard-not-supported"]),
    ("pubmed", "pollut$[tiab]", ["wildcard-not-supported"]),
    ("pubmed", "Asthm*[mh]", ["truncation-in-heading"]),
    ("pubmed", "asthma.ti,ab.", ["unknown-field"]),
    ("pubmed", "exp Asthma/", ["unknown-field"]),
    ("pubmed", "asthma[tiabb]", ["unknown-field"]),
    ("pubmed", "asthma[tiab] AND the*[tiab] AND asthma.ti.", ["short-truncation", "unknown-field"]),
    ("pubmed", "traffic adj3 pollution", ["foreign-operator"]),
    ("pubmed", "traffic NEAR/3 pollution", ["foreign-operator"]),
    ("pubmed", "(asthma OR wheeze AND child*", ["unbalanced-brackets"]),
    ("pubmed", "asthma OR wheeze) AND child*", ["unbalanced-brackets"]),
    ("pubmed", "((asthma) OR wheeze", ["unbalanced-brackets"]),
    ("pubmed", "asthma[tiab", ["unbalanced-brackets"]),
    ('pubmed', '"air pollution AND asthma', ["unbalanced-quotes"]),
    ('pubmed', '(asthma OR "air pollution) AND child*', ["unbalanced-quotes"]),
    ('pubmed', 'asthma[tiab] AND "breast feed*[tiab]', ["unbalanced-quotes"]),
    ("pubmed", "asthma[mp]", ["unknown-field"]),
    ("pubmed", "asthma AND ()", ["empty-brackets"]),
    ("pubmed", "AND asthma", ["dangling-operator"]),
    ("pubmed", "asthma[tiab] OR", ["dangling-operator"]),
    ("pubmed", "asthma AND OR wheeze", ["dangling-operator"]),
    ("pubmed", "asthma AND NOT copd", ["dangling-operator"]),
    ("pubmed", "[tiab]", ["unparseable"]),
    ("pubmed", "asthma[tiab]\n#1 AND #3", ["bad-line-reference"]),
    ("pubmed", "asthma[tiab]\nchild*[tiab]\n1 AND 2", ["bad-line-reference"]),
    ("pubmed", "asthma[tiab]\nchild*[tiab]\nor/1-2", ["bad-line-reference"]),
    ("pubmed", "", ["empty-search"]),
    ("pubmed", "   \n\t \n", ["empty-search"]),
    # Ovid: fine as written
    ("ovid", "exp Asthma/\n(asthma* or wheez*).ti,ab.\n1 or 2", []),
    ("ovid", "exp Asthma/\nasthma*.ti,ab,kf.\nexp Child/\nchild*.ti,ab.\n1 or 2\n3 or 4\n5 and 6", []),
    ("ovid", "exp *Asthma/dt or Child, Preschool/ or asthma.sh.", []),
    ("ovid", "(traffic or vehicle*) adj3 pollut*.ti,ab.", []),
    ("ovid", "pollut$2.ti,ab. or colo?r.ti. or wom#n.ti. or cat$1.ti.", []),
    ("ovid", '"phase 3 trial".ti,ab. or "bed and breakfast".ti.', []),
    ("ovid", "1. exp Asthma/\n2. asthma*.ti,ab.\n3. or/1-2", []),
    ("ovid", "ASTHMA.TI. AND WHEEZ*.TI.", []),
    ("ovid", LONG_OVID, []),
    # Ovid: warnings
    ("ovid", "asthma or wheeze and child*", ["mixed-operators"]),
    ("ovid", "exp asthma", ["heading-syntax"]),
    ("ovid", "phase 3 trial.ti,ab.", ["phrase-needs-quotes"]),
    ("ovid", "cat*.ti. or the$.ti.", ["short-truncation", "short-truncation"]),
    # Ovid: errors
    ("ovid", "asthma[tiab]", ["unknown-field"]),
    ("ovid", "Asthma[mh]", ["unknown-field"]),
    ("ovid", "asthma.tiab.", ["unknown-field"]),
    ("ovid", "asthma.ti", ["unknown-field"]),
    ("ovid", "asthma.ti,ab. and the*.ti. and asthma[tiab]", ["short-truncation", "unknown-field"]),
    ("ovid", '"hip pain"[tiab:~2]', ["foreign-operator"]),
    ("ovid", "traffic NEAR/3 pollution", ["foreign-operator"]),
    ("ovid", "traffic N3 pollution", ["foreign-operator"]),
    ("ovid", "exp Asth*/", ["truncation-in-heading"]),
    ("ovid", "(asthma or wheeze", ["unbalanced-brackets"]),
    ("ovid", "(asthma or wheeze)).ti.", ["unbalanced-brackets"]),
    ("ovid", '"air pollution or smog', ["unbalanced-quotes"]),
    ("ovid", '(asthma or "air pollution).ti,ab.', ["unbalanced-quotes"]),
    ("ovid", "traffic adj 3 pollution", ["unparseable"]),
    ("ovid", "asthma.ti. and ()", ["empty-brackets"]),
    ("ovid", "or asthma", ["dangling-operator"]),
    ("ovid", "asthma and not copd", ["dangling-operator"]),
    ("ovid", 'asthma.ti,ab. "air pollution"', ["unparseable"]),
    ("ovid", "Asthma/drug therapy", ["unparseable"]),
    ("ovid", "limit 3 to english language", ["unparseable"]),
    ("ovid", "asthma.ti.\n1 adj3 asthma", ["unparseable"]),
    ("ovid", "exp Asthma/\n\nasthma.ti.\n5. 1 or 2", ["unparseable"]),
    ("ovid", "exp Asthma/\n1 or 3", ["bad-line-reference"]),
    ("ovid", "exp Asthma/\nasthma.ti.\n#1 or #2", ["bad-line-reference", "bad-line-reference"]),
    ("ovid", "exp Asthma/\nasthma.ti.\nor/2-1", ["bad-line-reference"]),
    ("ovid", "", ["empty-search"]),
    ("ovid", "\n  \n", ["empty-search"]),
]


@pytest.mark.parametrize("syntax,text,codes", CASES, ids=[f"{s}:{t[:40]!r}" for s, t, _ in CASES])
def test_findings(syntax, text, codes):
    parsed = parse_search(text, syntax)
    assert [f.code for f in parsed.findings] == codes
    assert parsed.ok == (not any(f.severity == "error" for f in parsed.findings) and bool(parsed.lines))


def test_the_table_covers_both_syntaxes_broadly():
    assert len(CASES) >= 45
    assert sum(s == "pubmed" for s, _, _ in CASES) >= 18
    assert sum(s == "ovid" for s, _, _ in CASES) >= 18


def only(text: str, syntax: str, code: str) -> Finding:
    found = [f for f in parse_search(text, syntax).findings if f.code == code]
    assert len(found) == 1, found
    return found[0]


# (syntax, search, code, (line, start, end), words the message must contain)
DETAILS = [
    ("pubmed", "asthma.ti,ab.", "unknown-field", (1, 6, 13),
     ["`.ti,ab.` is how Ovid marks fields", "in PubMed write `asthma[tiab]`"]),
    ("pubmed", "exp Asthma/", "unknown-field", (1, 0, 11), ["how Ovid marks subject headings", "`Asthma[mh]`"]),
    ("pubmed", "*Asthma/", "unknown-field", (1, 0, 8), ["`Asthma[majr:noexp]`"]),
    ("ovid", "asthma[tiab]", "unknown-field", (1, 6, 12), ["how PubMed marks fields", "`asthma.ti,ab.`"]),
    ("ovid", "Asthma[mh]", "unknown-field", (1, 6, 10), ["`exp Asthma/`"]),
    ("ovid", "asthma.tiab.", "unknown-field", (1, 6, 12), ["`.ti,ab.`"]),
    ("pubmed", "asthma[tiabb]", "unknown-field", (1, 6, 13), ["Did you mean `[tiab]`?"]),
    ("pubmed", "traffic adj3 pollution", "foreign-operator", (1, 8, 12),
     ["no `adj3` operator", '`"traffic pollution"[tiab:~2]`']),
    ("ovid", '"hip pain"[tiab:~2]', "foreign-operator", (1, 10, 19), ["`hip adj3 pain.ti,ab.`"]),
    ("ovid", "traffic NEAR/3 pollution", "foreign-operator", (1, 8, 14), ["`traffic adj4 pollution`"]),
    ("pubmed", "(asthma OR wheeze AND child*", "unbalanced-brackets", (1, 0, 1),
     ["`(`", "never closed", "Add `)`"]),
    ("pubmed", "asthma OR wheeze) AND child*", "unbalanced-brackets", (1, 16, 17),
     ["`)`", "no opening bracket"]),
    ("ovid", "(a or (b and c).ti.", "unbalanced-brackets", (1, 0, 1), ["never closed"]),
    ("pubmed", 'asthma AND "air pollution', "unbalanced-quotes", (1, 11, 25),
     ["`air pollution`", "never closed"]),
    ("pubmed", "asthma AND ()", "empty-brackets", (1, 11, 13), ["nothing inside"]),
    ("pubmed", "asthma AND OR wheeze", "dangling-operator", (1, 7, 13), ["`AND OR`", "two operators in a row"]),
    ("pubmed", "asthma AND NOT copd", "dangling-operator", (1, 7, 14), ["Write just `NOT`"]),
    ("ovid", "asthma or", "dangling-operator", (1, 7, 9), ["ends with `or`"]),
    ("pubmed", "asthma OR wheeze AND child*", "mixed-operators", (1, 0, 27),
     ["left to right", "read as `(asthma OR wheeze) AND child*`", "Add brackets"]),
    ("pubmed", "a AND b OR c AND d", "mixed-operators", (1, 0, 18), ["`((a AND b) OR c) AND d`"]),
    ("ovid", "asthma or wheeze and child*", "mixed-operators", (1, 0, 27),
     ["databases differ", "`(asthma or wheeze) and child*`", "explicit"]),
    ("pubmed", "asthma and child*", "lowercase-operator", (1, 7, 10), ["lowercase `and`", "`AND`"]),
    ("pubmed", "air pollution[tiab]", "unquoted-phrase", (1, 0, 19),
     ['`"air pollution"[tiab]`', "search the words separately"]),
    ("pubmed", '"air pollution" asthma', "implicit-and", (1, 0, 22), ["AND"]),
    ("pubmed", "the*[tiab]", "short-truncation", (1, 0, 4), ["`the*`", "3 letters", "at least four"]),
    ("ovid", "cat*.ti.", "short-truncation", (1, 0, 4), ["`cat$1`"]),
    ("pubmed", "wom#n[tiab]", "wildcard-not-supported", (1, 0, 5), ["no wildcards", "OR"]),
    ("pubmed", "pollut$[tiab]", "wildcard-not-supported", (1, 0, 7), ["`pollut*`"]),
    ("pubmed", "wom*n", "truncation-inside-word", (1, 0, 5), ["only at the end of a word"]),
    ("pubmed", "Asthm*[mh]", "truncation-in-heading", (1, 0, 10), ["cannot be truncated"]),
    ("ovid", "exp asthma", "heading-syntax", (1, 0, 10), ["`exp Asthma/`"]),
    ("ovid", "phase 3 trial.ti,ab.", "phrase-needs-quotes", (1, 0, 20), ['`"phase 3 trial"`']),
    ("pubmed", "hip[tiab:~2]", "proximity-needs-phrase", (1, 3, 12), ["two or more words in quotes"]),
    ("pubmed", '"hip pain"[au:~2]', "proximity-field", (1, 10, 17), ["[tiab]", "[ti]", "[ad]"]),
    ("pubmed", "a[tiab]\nb[tiab]\n#5 AND #1", "bad-line-reference", (3, 0, 2),
     ["Line 3 refers to #5, but there are only 2 lines before it."]),
    ("pubmed", "a[tiab]\n#2 OR a[ti]", "bad-line-reference", (2, 0, 2), ["refers to itself"]),
    ("ovid", "exp Asthma/\n3 or 1", "bad-line-reference", (2, 0, 1),
     ["Line 2 refers to line 3, but there is only 1 line before it."]),
    ("ovid", "exp Asthma/\n#1 or asthma.ti.", "bad-line-reference", (2, 0, 2), ["write `1`"]),
    ("pubmed", "a[ti]\nb[ti]\n1 OR 2", "bad-line-reference", (3, 0, 6), ["`#1 OR #2`"]),
    ("ovid", 'asthma.ti,ab. "air pollution"', "unparseable", (1, 0, 29), ["needs an operator between"]),
    ("pubmed", "[tiab] asthma", "unparseable", (1, 0, 6), ["`[tiab]`", "straight after"]),
    ("pubmed", "asthma[mp]", "unknown-field", (1, 6, 10), ["Ovid's `.mp.`", "`[tw]`"]),
    ("ovid", "traffic adj 3 pollution", "unparseable", (1, 8, 13), ["`adj3`, not `adj 3`"]),
    ("ovid", "a.ti.\n\nb.ti.\n5. 1 or 2", "unparseable", (3, 0, 2),
     ["`5.`", "search line 3", "empty lines are not counted"]),
]


@pytest.mark.parametrize("syntax,text,code,where,words", DETAILS,
                         ids=[f"{d[2]}:{d[1][:30]!r}" for d in DETAILS])
def test_finding_details(syntax, text, code, where, words):
    finding = only(text, syntax, code)
    assert (finding.line, finding.start, finding.end) == where
    for word in words:
        assert word in finding.message
    assert "Traceback" not in finding.message and "Unexpected" not in finding.message


def test_every_problem_on_a_line_is_reported():
    codes = [f.code for f in parse_search("the*.tiab. or asthma[tiab] or wom#n", "ovid").findings]
    assert codes == ["short-truncation", "unknown-field", "unknown-field"]
    # also on a line that cannot be read at all
    codes = [f.code for f in parse_search("(the*[tiab] OR asthma.ti.", "pubmed").findings]
    assert codes == ["unbalanced-brackets", "short-truncation", "unknown-field"]


def test_other_lines_are_still_read_when_one_is_broken():
    parsed = parse_search("exp Asthma/\n(asthma or wheeze\nchild*.ti,ab.", "ovid")
    assert [line.node is None for line in parsed.lines] == [False, True, False]
    assert [(f.code, f.line) for f in parsed.findings] == [("unbalanced-brackets", 2)]
    assert not parsed.ok


def test_findings_are_sorted_and_severities_known():
    parsed = parse_search("asthma and child*\nthe* OR (a", "pubmed")
    keys = [(f.line, -1 if f.start is None else f.start) for f in parsed.findings]
    assert keys == sorted(keys)
    assert {f.severity for f in parsed.findings} <= {"error", "warning", "advice"}


def test_empty_search():
    parsed = parse_search("", "ovid")
    assert parsed.lines == () and not parsed.ok
    assert parsed.findings == (Finding("empty-search", "error",
                                       "The search is empty: write at least one search line.", 1),)


def test_unknown_syntax():
    with pytest.raises(ValueError):
        parse_search("asthma", "embase")
    with pytest.raises(ValueError):
        to_text(Term("asthma", 1, 0, 6), "embase")


def test_public_tables():
    assert SYNTAXES == {"pubmed": "PubMed", "ovid": "Ovid MEDLINE"}
    for code in ("ti", "ab", "tw", "mh", "kf", "au", "pt", "la", "jn", "dp", "all", "mp", "sh", "ot"):
        assert FIELDS[code]


# Trees ---------------------------------------------------------------------------------------


def node(text: str, syntax: str, number: int | None = None):
    parsed = parse_search(text, syntax)
    line = parsed.lines[-1] if number is None else parsed.lines[number - 1]
    return line.node


def test_pubmed_reads_mixed_operators_left_to_right():
    tree = node("asthma OR wheeze AND child*", "pubmed")
    assert isinstance(tree, Group) and tree.operator == "AND" and not tree.implicit
    inner, last = tree.children
    assert inner.operator == "OR" and inner.implicit and not inner.bracketed
    assert [t.text for t in inner.children] == ["asthma", "wheeze"]
    assert last == Term("child*", 1, 21, 27)


def test_brackets_nest_and_are_marked():
    tree = node("(asthma OR (wheez* AND child*)) NOT animals[mh]", "pubmed")
    assert tree.operator == "NOT"
    kept, removed = tree.children
    assert kept.bracketed and kept.operator == "OR" and (kept.start, kept.end) == (0, 31)
    assert kept.children[1].operator == "AND" and kept.children[1].bracketed
    assert removed.heading and removed.explode and removed.fields == ("mh",)


def test_a_run_of_one_operator_is_one_group():
    tree = node("a NOT b NOT c", "pubmed")
    assert tree.operator == "NOT" and [t.text for t in tree.children] == ["a", "b", "c"]
    tree = node("a or b or c or d", "ovid")
    assert tree.operator == "OR" and len(tree.children) == 4


def test_pubmed_terms_and_fields():
    tree = node('air pollution[tiab] AND "breast feed*"[ti] AND asthma[Title/Abstract]', "pubmed")
    phrase, quoted, word = tree.children
    assert phrase == Term("air pollution", 1, 0, 19, fields=("ti", "ab"))
    assert phrase.is_phrase and not phrase.quoted
    assert quoted.quoted and quoted.truncated and quoted.fields == ("ti",)
    assert word.fields == ("ti", "ab")


def test_pubmed_words_side_by_side_are_and():
    tree = node("asthma children OR infants", "pubmed")
    assert tree.operator == "OR"
    words, infants = tree.children
    assert words.operator == "AND" and words.implicit and [t.text for t in words.children] == ["asthma", "children"]
    assert infants.text == "infants"


def test_pubmed_headings():
    tree = node("Asthma[majr] OR asthma/drug therapy[mh] OR Asthma[mh:noexp] OR Asthma[majr:noexp]", "pubmed")
    majr, sub, noexp, majr_noexp = tree.children
    assert (majr.heading, majr.explode, majr.major) == (True, True, True)
    assert (sub.text, sub.subheading, sub.explode) == ("asthma", "drug therapy", True)
    assert (noexp.explode, noexp.major) == (False, False)
    assert (majr_noexp.explode, majr_noexp.major) == (False, True)


def test_pubmed_heading_tag_on_brackets_goes_to_each_term():
    tree = node("(Asthma OR Wheeze)[mh] OR (a OR b)[tiab]", "pubmed")
    headings, words = tree.children
    assert all(t.heading and t.explode for t in headings.children) and headings.fields == ()
    assert words.fields == ("ti", "ab") and words.bracketed


def test_pubmed_proximity():
    tree = node('"hip pain"[tiab:~2]', "pubmed")
    assert tree == Group("NEAR", (Term("hip", 1, 1, 4), Term("pain", 1, 5, 9)), 1, 0, 19,
                         distance=2, fields=("ti", "ab"))


def test_ovid_phrases_fields_and_headings():
    tree = node("exp *Asthma/dt,th or air pollut$2.ti,ab. or colo?r.ab,ti.", "ovid")
    heading, phrase, wild = tree.children
    assert heading == Term("Asthma", 1, 0, 17, fields=("mh",), heading=True, explode=True, major=True,
                           subheading="dt,th")
    assert phrase.text == "air pollut$2" and phrase.limited_truncation == 2 and phrase.truncated
    assert phrase.fields == ("ti", "ab") and (phrase.start, phrase.end) == (21, 40)
    assert wild.wildcard and wild.fields == ("ti", "ab")


def test_ovid_group_fields_and_adjacency():
    tree = node("exp Child/ or (child* or infant*).ti,ab. or traffic adj3 pollution.ti,ab. or a adj b", "ovid")
    heading, group, near, adj = tree.children
    assert heading.heading and heading.explode
    assert group.bracketed and group.fields == ("ti", "ab") and all(not t.fields for t in group.children)
    assert near.operator == "NEAR" and near.distance == 2 and near.fields == ("ti", "ab")
    assert [t.text for t in near.children] == ["traffic", "pollution"]
    assert adj.distance == 0


def test_ovid_line_references():
    tree = node("a.ti.\nb.ti.\nc.ti.\nd.ti.\ne.ti.\nor/1-3,5", "ovid")
    assert tree.operator == "OR" and [r.number for r in tree.children] == [1, 2, 3, 5]
    assert node("a.ti.\nb.ti.\n1 and 2", "ovid").children == (LineRef(1, 3, 0, 1), LineRef(2, 3, 6, 7))


def test_the_learners_numbering_is_not_part_of_the_search():
    parsed = parse_search("1. exp Asthma/\n2) asthma.ti.\n#3 1 or 2\n4 3 not 1", "ovid")
    assert [line.text for line in parsed.lines] == ["exp Asthma/", "asthma.ti.", "1 or 2", "3 not 1"]
    assert parsed.ok
    # a leading number that is not the line's own is a line reference in Ovid
    assert node("asthma.ti.\n1 or wheeze.ti.", "ovid").children[0] == LineRef(1, 2, 0, 1)


def test_empty_lines_are_not_numbered():
    parsed = parse_search("\n\nexp Asthma/\n\n\nasthma.ti.\n\n1 or 2\n", "ovid")
    assert [line.number for line in parsed.lines] == [1, 2, 3] and parsed.ok


def test_term_properties():
    term = Term("breast feed*", 1, 0, 10)
    assert term.words == ["breast", "feed*"] and term.is_phrase and term.truncated and not term.wildcard
    assert Term("pollut$2", 1, 0, 8).truncated and Term("pollut:", 1, 0, 7).truncated
    assert Term("wom#n", 1, 0, 5).wildcard and not Term("asthma", 1, 0, 6).truncated


def test_broken_line_has_no_tree():
    parsed = parse_search("(asthma OR", "pubmed")
    assert parsed.lines[0].node is None and not parsed.ok


# resolved() ----------------------------------------------------------------------------------


def test_resolved_replaces_line_references():
    parsed = parse_search("exp Asthma/\n(asthma* or wheez*).ti,ab.\n1 or 2\nexp Child/\n3 and 4", "ovid")
    tree = parsed.resolved()
    assert tree.operator == "AND"
    either, child = tree.children
    assert either.operator == "OR" and either.children[0].text == "Asthma"
    assert either.children[1].fields == ("ti", "ab")
    assert child.text == "Child"
    assert parsed.resolved(2) == parsed.lines[1].node
    assert parsed.resolved(9) is None


def test_resolved_pubmed_history():
    parsed = parse_search("asthma[mh]\nchild*[tiab]\n#1 AND #2 NOT #1", "pubmed")
    tree = parsed.resolved()
    assert tree.operator == "NOT"
    assert [getattr(c, "operator", None) for c in tree.children] == ["AND", None]
    assert tree.children[1] == parsed.lines[0].node


def test_resolved_is_none_for_bad_or_broken_references():
    parsed = parse_search("asthma[tiab]\n#1 AND #4", "pubmed")
    assert parsed.resolved() is None and parsed.resolved(1) is not None
    parsed = parse_search("(asthma[tiab]\nwheeze[tiab]\n#1 OR #2", "pubmed")
    assert parsed.resolved() is None and parsed.resolved(2) is not None
    assert parse_search("", "pubmed").resolved() is None


# to_text -------------------------------------------------------------------------------------


def content(node):
    """A tree without spans and the bracketed/implicit flags."""
    if isinstance(node, LineRef):
        return ("ref", node.number)
    if isinstance(node, Term):
        return ("term",) + tuple(getattr(node, f.name) for f in dataclass_fields(Term)
                                 if f.name not in ("line", "start", "end"))
    return ("group", node.operator, node.distance, node.fields, tuple(content(c) for c in node.children))


ROUND_TRIPS = [
    ("pubmed", "(asthma[mh] OR asthma*[tiab] OR wheez*[tiab]) AND (child*[tiab] OR infant*[tiab])"),
    ("pubmed", "asthma OR wheeze AND child* NOT adult*"),
    ("pubmed", '"hip pain"[tiab:~2] OR "traffic pollution"[ti:~0] OR "cleveland clinic"[ad:~1]'),
    ("pubmed", 'Asthma[majr] OR Asthma[majr:noexp] OR Asthma[mh:noexp] OR asthma/drug therapy[mh]'),
    ("pubmed", '"Child, Preschool"[mh] AND ("air pollution"[tiab] OR smog[tw]) AND english[la]'),
    ("pubmed", "(a OR b) OR (c AND (d NOT e))"),
    ("pubmed", "(a NOT b) NOT c"),
    ("pubmed", "(asthma OR wheeze)[tiab] AND 2019[dp]"),
    ("pubmed", 'wheeze[ti]\nasthma and child "bed and breakfast"[tiab] #1'),
    ("pubmed", "asthma[tiab]\nchild*[tiab]\n#1 AND #2"),
    ("ovid", "exp Asthma/\n(asthma* or wheez*).ti,ab,kf.\n1 or 2"),
    ("ovid", "exp *Asthma/dt,th or *Asthma/ or Asthma/ or asthma.sh. or dt.fs."),
    ("ovid", "traffic adj3 pollution.ti,ab. or (car adj exhaust) or a adj3 b adj5 c"),
    ("ovid", "((traffic or vehicle*) adj3 (pollut$2 or emission?)).ti,ab."),
    ("ovid", 'a or b and c not d'),
    ("ovid", '"phase 3 trial".ti,ab. or "bed and breakfast".tw. or wom#n.mp. or english.lg. or 2019.yr.'),
    ("ovid", "a.ti.\nb.ti.\nc.ti.\nor/1-3\nand/1,3\n1 not (2 or 3)"),
    ("ovid", '(a or b) or (c and (d not e)).ti.'),
]


@pytest.mark.parametrize("syntax,text", ROUND_TRIPS)
def test_round_trip(syntax, text):
    parsed = parse_search(text, syntax)
    assert parsed.ok, parsed.findings
    written = "\n".join(to_text(line.node, syntax) for line in parsed.lines)
    again = parse_search(written, syntax)
    assert again.ok, (written, again.findings)
    assert [content(line.node) for line in again.lines] == [content(line.node) for line in parsed.lines]
    assert content(again.resolved()) == content(parsed.resolved())


def test_round_trip_quotes_a_tagged_phrase():
    # The one change: PubMed's canonical spelling quotes a tagged phrase, as the advice says.
    tree = node("air pollution[tiab]", "pubmed")
    assert to_text(tree, "pubmed") == '"air pollution"[tiab]'
    assert node(to_text(tree, "pubmed"), "pubmed") == Term("air pollution", 1, 0, 21, quoted=True,
                                                           fields=("ti", "ab"))


@pytest.mark.parametrize("syntax,text,expected", [
    ("pubmed", "asthma or wheeze and child*", "(asthma OR wheeze) AND child*"),
    ("pubmed", "asthma children", "asthma AND children"),
    ("pubmed", "Asthma[MeSH Terms] OR asthma[Title/Abstract]", "Asthma[mh] OR asthma[tiab]"),
    ("pubmed", '"hip pain"[Title/Abstract:~2]', '"hip pain"[tiab:~2]'),
    ("pubmed", "(a OR b)[tiab] NOT (c OR d)", "(a OR b)[tiab] NOT (c OR d)"),
    ("ovid", "EXP ASTHMA/ OR Asthma.AB,TI.", "exp ASTHMA/ or Asthma.ti,ab."),
    ("ovid", "traffic adj3 pollution.ti,ab.", "(traffic adj3 pollution).ti,ab."),
    ("ovid", "a.ti.\nb.ti.\nc.ti.\n1 or 2 or 3", "or/1-3"),
    ("ovid", "a or b and c", "(a or b) and c"),
    ("ovid", "phase 3 trial.ti.", '"phase 3 trial".ti.'),
])
def test_to_text_canonical_spelling(syntax, text, expected):
    assert to_text(node(text, syntax), syntax) == expected


def test_to_text_of_hand_built_trees():
    near = Group("NEAR", (Term("hip", 1, 0, 0), Term("pain", 1, 0, 0)), 1, 0, 0, distance=3,
                 fields=("ti", "ab"))
    assert to_text(near, "pubmed") == '"hip pain"[tiab:~3]'
    assert to_text(near, "ovid") == "(hip adj4 pain).ti,ab."
    heading = Term("Asthma", 1, 0, 0, fields=("mh",), heading=True, explode=True, major=True)
    assert to_text(heading, "pubmed") == "Asthma[majr]"
    assert to_text(heading, "ovid") == "exp *Asthma/"
    assert to_text(LineRef(2, 3, 0, 1), "pubmed") == "#2" and to_text(LineRef(2, 3, 0, 1), "ovid") == "2"


# translate -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text,expected,notes", [
    ("exp Asthma/\n(asthma* or wheez*).ti,ab.\n1 or 2",
     "Asthma[mh]\nasthma*[tiab] OR wheez*[tiab]\n#1 OR #2", []),
    ("Asthma/ or *Asthma/ or exp *Asthma/ or exp Asthma/dt",
     "Asthma[mh:noexp] OR Asthma[majr:noexp] OR Asthma[majr] OR Asthma/drug therapy[mh]", []),
    ("traffic adj3 pollution.ti,ab.", '"traffic pollution"[tiab:~2]', []),
    ("traffic adj pollution.ti.", '"traffic pollution"[ti:~0]', []),
    ("(traffic or vehicle*) adj3 (pollut* or smog).ti,ab.",
     '"traffic pollut*"[tiab:~2] OR "traffic smog"[tiab:~2] OR "vehicle* pollut*"[tiab:~2] OR '
     '"vehicle* smog"[tiab:~2]',
     ["is written out as one PubMed proximity search for each combination"]),
    ("traffic adj3 pollution", "traffic AND pollution",
     ["cannot be kept as a proximity search", "Terms without a field tag"]),
    ("pollut$2.ti,ab. or air pollution.ti. or pollut$.ab.",
     'pollut*[tiab] OR "air pollution"[ti] OR pollut*[ab]',
     ["PubMed has no limited truncation: `pollut$2` became `pollut*`"]),
    ("wom#n.tw.", "wom#n[tw]", ["PubMed has no wildcards, so `wom#n` is kept as written",
                                "Ovid's .tw. searches titles and abstracts"]),
    ("asthma.ti,ab,kf.", "asthma[tiab] OR asthma[ot]",
     ["Ovid's .kf. searches author keywords", "one field tag per term"]),
    ("asthma.mp.", "asthma[tw]", ["Ovid's .mp. searches several fields"]),
    ("a.ti.\nb.ti.\nc.ti.\nor/1-3", "a[ti]\nb[ti]\nc[ti]\n#1 OR #2 OR #3", []),
])
def test_translate_ovid_to_pubmed(text, expected, notes):
    parsed = parse_search(text, "ovid")
    assert parsed.ok, parsed.findings
    result = translate(parsed, "pubmed")
    assert result.text == expected
    assert len(result.notes) == len(notes)
    for note, start in zip(result.notes, notes):
        assert start in note


@pytest.mark.parametrize("text,expected,notes", [
    ("(asthma[mh] OR asthma*[tiab]) AND child*[tiab]", "(exp asthma/ or asthma*.ti,ab.) and child*.ti,ab.", []),
    ('"hip pain"[tiab:~2] OR "hip pain"[ti:~0]', "(hip adj3 pain).ti,ab. or (hip adj1 pain).ti.", []),
    ("asthma OR wheeze[tiab]", "asthma.mp. or wheeze.ti,ab.", ["PubMed searches terms without a field tag"]),
    ("Asthma[majr:noexp] OR Asthma[mh:noexp] OR asthma/drug therapy[mh] OR Asthma[majr]",
     "*Asthma/ or Asthma/ or exp asthma/dt or exp *Asthma/", []),
    ("a[ti]\nb[ti]\nc[ti]\n#1 OR #2 OR #3\n#1 AND #4", "a.ti.\nb.ti.\nc.ti.\nor/1-3\n1 and 4", []),
    ("asthma[tw] OR asthma[ot]", "asthma.tw. or asthma.kf.",
     ["PubMed's [tw] searches titles, abstracts, MeSH terms", "PubMed's [ot] (other term)"]),
    ('"air pollution"[tiab] OR "bed and breakfast"[tiab] OR english[la] OR 2019[dp]',
     'air pollution.ti,ab. or "bed and breakfast".ti,ab. or english.lg. or 2019.yr.', []),
    ("(asthma OR wheeze)[tiab]", "(asthma or wheeze).ti,ab.", []),
])
def test_translate_pubmed_to_ovid(text, expected, notes):
    parsed = parse_search(text, "pubmed")
    assert parsed.ok, parsed.findings
    result = translate(parsed, "ovid")
    assert result.text == expected
    assert len(result.notes) == len(notes)
    for note, start in zip(result.notes, notes):
        assert start in note


def test_translation_parses_cleanly_in_the_target():
    text = "exp Asthma/\n(asthma* or wheez*).ti,ab.\n1 or 2\nexp Child/\nchild*.ti,ab,kf.\n4 or 5\n3 and 6"
    pubmed = translate(parse_search(text, "ovid"), "pubmed")
    back = parse_search(pubmed.text, "pubmed")
    assert back.ok and [f.code for f in back.findings] == []
    ovid = translate(back, "ovid")
    assert parse_search(ovid.text, "ovid").ok
    assert ovid.text.splitlines()[0] == "exp Asthma/"


def test_translate_needs_a_search_without_errors():
    with pytest.raises(ValueError):
        translate(parse_search("(asthma", "pubmed"), "ovid")
    with pytest.raises(ValueError):
        translate(parse_search("asthma", "pubmed"), "embase")


def test_translate_to_the_same_syntax_is_the_canonical_spelling():
    result = translate(parse_search("asthma or wheeze and child*", "pubmed"), "pubmed")
    assert result == type(result)("(asthma OR wheeze) AND child*", ())


def test_translation_notes_in_full():
    result = translate(parse_search("pollut$2.ti,ab. or wom#n.ti.", "ovid"), "pubmed")
    assert result == type(result)("pollut*[tiab] OR wom#n[ti]", (
        "PubMed has no limited truncation: `pollut$2` became `pollut*`, which also finds longer words.",
        "PubMed has no wildcards, so `wom#n` is kept as written and PubMed will not accept it: replace "
        "it with the spellings it stands for, joined with OR (e.g. `woman OR women` for `wom#n`).",
    ))
    # the wildcard is kept on purpose: PubMed's own check then shows the learner where to act
    assert [f.code for f in parse_search(result.text, "pubmed").findings] == ["wildcard-not-supported"]
    result = translate(parse_search("asthma OR wheez*", "pubmed"), "ovid")
    assert result.text == "asthma.mp. or wheez*.mp."
    assert result.notes == (
        "PubMed searches terms without a field tag in all fields with Automatic Term Mapping; Ovid has "
        "no such mapping, and .mp. (multi-purpose) is the nearest, so those terms are written with .mp.",)


def test_a_colon_that_ovid_would_read_as_truncation_is_dropped_with_a_note():
    result = translate(parse_search("2015:2020[dp] OR foo:[tiab]", "pubmed"), "ovid")
    assert result.text == "2015:2020.yr. or foo.ti,ab."
    assert [note.split(" ")[0] for note in result.notes] == ["PubMed's", "`foo:`"]


def test_quoted_learner_text_is_shortened_between_terms_never_inside_one():
    from lit_platform.exercises.search_syntax import _q

    text = "child*[tiab] OR paediatric*[tiab] OR adolescen*[tiab] OR teenager*[tiab] OR youth[tiab]"
    quoted = _q(text, limit=40)
    assert quoted == "`child*[tiab] OR paediatric*[tiab] OR …`"
    assert _q("a" * 80, limit=40) == f"`{'a' * 80}`"  # one long term is kept whole
    assert _q("short `tick`") == "`short 'tick'`"
