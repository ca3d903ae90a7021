"""The search builder's judgement: concept checks against the learner's plan and the model, and the rubric."""
import pytest
from hypothesis import given, settings, strategies as st
from werkzeug.datastructures import MultiDict

from lit_platform.exercises import search_review
from lit_platform.exercises.search_review import entries_match, review
from lit_platform.quizzes.tokens import AnswerTokens
from lit_platform.quizzes.types import ResponseError, get_type

from .conftest import SEARCH_SPEC


def codes(result):
    return [finding.code for finding in result.findings]


def answer(search, syntax="pubmed", plan=()):
    return {"syntax": syntax, "search": search, "plan": [{"name": n, "terms": list(t)} for n, t in plan]}


@pytest.mark.parametrize("a, b, same", [
    ("child*", "children", True), ("children", "child*", True), ("chil*", "child*", True),
    ("paediatric*", "pediatric*", False), ("p?ediatric", "paediatric", True), ("p?ediatric", "pediatric", True),
    ("wom#n", "women", True), ("wom#n", "woman", True), ("wom#n", "womn", False),
    ('"air pollution"', "air pollution", True), ("Asthma[mh]", "asthma", True), ("exp Asthma/", "Asthma", True),
    ("*Asthma/", "asthma", True), ("asthma.ti,ab.", "asthma*", True), ("pollut$2", "pollute", True),
    ("pollut$2", "pollution", False), ("c*", "child", False), ("asthma", "asthmatic", False),
])
def test_entries_match_through_truncation_wildcards_and_notation(a, b, same):
    assert entries_match(a, b) is same


@pytest.mark.parametrize("syntax", ["pubmed", "ovid"])
def test_the_model_answer_scores_full_marks_in_each_syntax(search_spec, syntax):
    result = review(search_spec, answer(search_spec["model"][syntax], syntax))
    assert result.parsed.ok, result.findings
    assert [f for f in result.findings if f.severity != "advice"] == []
    assert {c.key: c.fraction for c in result.criteria} == {"concepts": 1, "synonyms": 1, "combination": 1, "syntax": 1}
    assert result.fraction == 1


def test_or_between_concepts_names_both_concepts(search_spec):
    result = review(search_spec, answer("(child*[tiab] OR asthma*[tiab]) AND traffic[tiab]"))
    finding = next(f for f in result.findings if f.code == "or-between-concepts")
    assert finding.severity == "error"
    assert "`child*` (Children) and `asthma*` (Asthma) are joined by OR" in finding.message


def test_and_between_synonyms_of_one_concept(search_spec):
    result = review(search_spec, answer("child*[tiab] AND paediatric*[tiab] AND asthma*[tiab] AND traffic[tiab]"))
    assert codes(result).count("and-between-synonyms") == 1
    message = next(f.message for f in result.findings if f.code == "and-between-synonyms")
    assert "`child*` and `paediatric*` are both terms for Children" in message


def test_the_learners_own_plan_decides_what_counts_as_one_concept(search_spec):
    # "kids" and "youngsters" are not in the model; the learner's plan says they are one concept
    plan = [("Young people", ["kids", "youngsters"]), ("Breathing", ["asthma*"])]
    result = review(search_spec, answer("kids[tiab] AND youngsters[tiab] AND asthma*[tiab]", plan=plan), stage="check")
    message = next(f.message for f in result.findings if f.code == "and-between-synonyms")
    assert "both terms for Young people" in message
    # a plan row holding a model concept's terms stands for that concept, under the learner's name for it
    assert result.labels[(1, 0)] == "Young people"


def test_a_missing_concept_is_hinted_before_hand_in_and_named_after(search_spec):
    search = "(child*[tiab] OR paediatric*[tiab]) AND (asthma*[tiab] OR wheez*[tiab])"
    before = next(f for f in review(search_spec, answer(search), stage="check").findings if f.code == "missing-concept")
    assert "the Exposure in PEO" in before.message and "Traffic" not in before.message
    after = next(f for f in review(search_spec, answer(search)).findings if f.code == "missing-concept")
    assert "no terms for Traffic pollution" in after.message


def test_an_optional_concept_may_be_left_out(search_spec):
    search_spec["concepts"][1]["required"] = False
    result = review(search_spec, answer("(child*[tiab] OR paediatric*[tiab]) AND asthma*[tiab]"))
    assert "missing-concept" not in codes(result)


def test_not_that_removes_a_needed_concept_is_an_error_and_any_other_not_a_warning(search_spec):
    base = "(child*[tiab] OR paediatric*[tiab]) AND traffic[tiab] AND asthma*[tiab]"
    removes_needed = review(search_spec, answer(f"({base}) NOT wheez*[tiab]"))
    assert "not-removes-concept" in codes(removes_needed)
    risky = review(search_spec, answer(f"({base}) NOT adults[tiab]"))
    finding = next(f for f in risky.findings if f.code == "risky-not")
    assert finding.severity == "warning" and "`adults`" in finding.message


def test_syntax_only_checks_before_hand_in_keep_the_test_fair(search_spec):
    search_spec["checks_before_submit"] = "syntax"
    search = "child*[tiab] OR asthma*[tiab]"
    assert "or-between-concepts" not in codes(review(search_spec, answer(search), stage="check"))
    assert "or-between-concepts" in codes(review(search_spec, answer(search), stage="submitted"))


def test_a_search_with_too_few_synonyms_loses_only_the_synonym_marks(search_spec):
    result = review(search_spec, answer("child*[tiab] AND traffic[tiab] AND asthma*[tiab]"))
    scores = {c.key: c.fraction for c in result.criteria}
    assert scores == {"concepts": 1, "synonyms": pytest.approx(1 / 3), "combination": 1, "syntax": 1}
    assert result.fraction == pytest.approx((30 + 10 + 25 + 15) / 100)
    synonyms = next(c for c in result.criteria if c.key == "synonyms")
    assert synonyms.explanation == "Children: 1 of the 3 wanted; Traffic pollution: 1 of the 3 wanted; Asthma: 1 of the 3 wanted."


def test_a_search_that_cannot_be_read_is_still_judged_on_its_words(search_spec):
    result = review(search_spec, answer("(child* OR paediatric* AND asthma"))
    scores = {c.key: c.fraction for c in result.criteria}
    assert scores["syntax"] == 0 and scores["combination"] == 0
    assert scores["concepts"] == pytest.approx(2 / 3)
    assert "could not be read" in next(c.explanation for c in result.criteria if c.key == "concepts")
    assert result.fraction == pytest.approx((30 * 2 / 3 + 30 * (2 / 3 + 0 + 1 / 3) / 3) / 100)


def test_the_question_type_scores_with_criteria_and_reads_the_form(search_spec):
    qtype = get_type("search_strategy")
    form = MultiDict({"r5.syntax": "ovid", "r5.search": "asthma*.ti,ab.\r\n", "r5.plan.1.name": " Asthma ",
                      "r5.plan.1.terms": "asthma*\nwheez*; Asthma/", "r6.search": "ignored"})
    got = qtype.read_response(search_spec, qtype.values_from_form(form, "r5", search_spec, AnswerTokens(b"k" * 32, 5)))
    assert got == {"syntax": "ovid", "search": "asthma*.ti,ab.",
                   "plan": [{"name": "Asthma", "terms": ["asthma*", "wheez*", "Asthma/"]},
                            {"name": "", "terms": []}, {"name": "", "terms": []}]}
    with pytest.raises(ResponseError, match="databases offered"):
        qtype.read_response({**search_spec, "syntaxes": ["pubmed"]}, MultiDict({"syntax": "ovid", "search": "x"}))
    scored = qtype.score(search_spec, answer(search_spec["model"]["pubmed"]))
    assert scored.fraction == 1 and set(scored.criteria) == {"concepts", "synonyms", "combination", "syntax"}
    assert scored.feedback[0].startswith("**Concepts covered: 100%.**")


def test_demo_answers_give_a_spread_of_scores(search_spec):
    qtype = get_type("search_strategy")
    good = qtype.score(search_spec, qtype.read_response(search_spec, qtype.demo_values(search_spec, True)))
    novice = qtype.score(search_spec, qtype.read_response(search_spec, qtype.demo_values(search_spec, False)))
    assert good.fraction == 1 and 0 < novice.fraction < 0.6


def test_the_spec_is_checked_including_its_model_answers(search_spec):
    qtype = get_type("search_strategy")
    assert qtype.validate(search_spec) == []
    broken = {**search_spec, "framework": "PICOT", "syntaxes": ["pubmed", "scopus"], "rubric": {"speed": 5},
              "model": {"pubmed": "(asthma[tiab]"}, "concepts": [{"name": "", "terms": []}]}
    problems = qtype.validate(broken)
    assert "framework must be one of PICO, PEO, SPIDER or free" in problems
    assert "unknown syntax scopus (use pubmed, ovid)" in problems
    assert "rubric: unknown criterion 'speed' (use concepts, synonyms, combination, syntax)" in problems
    assert "concept 1 has no name" in problems and "concept 1 needs terms or headings" in problems
    assert any(p.startswith("model (pubmed), line 1:") for p in problems)


def test_the_appendix_numbers_lines_and_records_what_prisma_s_asks_for(search_spec):
    from datetime import date
    text = search_review.appendix(
        "Traffic and asthma", "ovid", search_spec["model"]["ovid"], [("Children", ["child*", "Child/"])],
        question="Does traffic pollution cause asthma in children?", searched_on=date(2026, 11, 27),
        hits={1: "12345", 10: "87"}, limits="English language", notes="Peer reviewed by a colleague.")
    lines = text.splitlines()
    assert lines[0] == "Traffic and asthma"
    assert "Database: Ovid MEDLINE(R) ALL" in lines and "Platform: Ovid" in lines
    assert "Date searched: 2026-11-27" in lines and "Search syntax: Ovid MEDLINE" in lines
    assert "  1. Children: child*; Child/" in lines
    assert any(line.startswith("  1  exp Child/") and line.endswith("12345") for line in lines)
    assert any(line.startswith(" 10  3 and 6 and 9") and line.endswith("87") for line in lines)
    assert "Limits and filters: English language" in lines
    assert lines[-1] == "Syntax check: valid Ovid MEDLINE syntax."


@settings(max_examples=150, deadline=None)
@given(search=st.text(alphabet=st.sampled_from(list('abc *()"[]#/.,:~ANDORNOTtiabmhexpadj3\n')), max_size=60),
       plan=st.lists(st.tuples(st.text(max_size=10), st.lists(st.text(max_size=12), max_size=3)), max_size=4),
       syntax=st.sampled_from(["pubmed", "ovid"]), stage=st.sampled_from(["check", "submitted"]))
def test_any_answer_gets_a_judgement_never_an_exception(search, plan, syntax, stage):
    result = review(SEARCH_SPEC, answer(search, syntax, plan), stage=stage)
    for finding in result.findings:
        assert finding.message and finding.severity in ("error", "warning", "advice")
    if stage == "submitted":
        assert 0 <= result.fraction <= 1
        assert get_type("search_strategy").check_summary(result)
