"""Scoring for every question type, called directly as pure functions."""
import pytest

from lit_platform.quizzes.types import REGISTRY, ResponseError, get_type

from ..factories import sample_questions

SPECS = {q.type: q.spec for q in sample_questions()}


def score(qtype, response):
    return get_type(qtype).score(SPECS[qtype], response)


def test_every_sample_spec_is_valid():
    # the performance exercises have their own specs and tests in tests/exercises
    assert {q.type for q in sample_questions()} == {name for name, kind in REGISTRY.items() if not kind.is_performance}
    for question in sample_questions():
        assert get_type(question.type).validate(question.spec) == []


def test_single_choice():
    assert score("single_choice", "2").fraction == 1
    assert score("single_choice", "2").feedback == ["OR finds either term."]
    assert score("single_choice", "1").fraction == 0
    assert score("single_choice", "1").state == "incorrect"


def test_single_choice_partial_and_negative_weights_stay_between_0_and_1():
    spec = {"choices": [{"id": "1", "text": "a", "weight": 1}, {"id": "2", "text": "b", "weight": 0.5},
                        {"id": "3", "text": "c", "weight": -0.5}]}
    assert get_type("single_choice").score(spec, "2").fraction == 0.5
    assert get_type("single_choice").score(spec, "3").fraction == 0


@pytest.mark.parametrize("chosen,expected", [
    (["1", "2"], 1.0), (["1"], 0.5), (["1", "3"], 0.0), (["1", "2", "3"], 0.5), (["3"], 0.0), ([], 0.0),
])
def test_multiple_response_partial_credit_with_penalties_and_a_floor_of_zero(chosen, expected):
    assert score("multiple_response", chosen).fraction == pytest.approx(expected)


def test_single_choice_spec_needs_exactly_one_right_answer():
    bad = {"choices": [{"id": "1", "text": "a", "weight": 1}, {"id": "2", "text": "b", "weight": 1}]}
    assert get_type("single_choice").validate(bad) == [
        "has more than one fully correct choice; use multiple_response for several"]
    none_right = {"choices": [{"id": "1", "text": "a", "weight": 0}, {"id": "2", "text": "b", "weight": 0}]}
    assert get_type("single_choice").validate(none_right) == ["needs exactly one fully correct choice"]


def test_true_false_feedback_follows_what_was_answered():
    assert score("true_false", True).fraction == 1 and score("true_false", True).feedback == ["Yes."]
    assert score("true_false", False).fraction == 0 and score("true_false", False).feedback == ["It does."]


@pytest.mark.parametrize("answer,expected", [
    ("MeSH", 1), ("mesh", 1), ("  MeSH ", 1), ("Medical Subject Headings", 1), ("medical   subject heading", 1),
    ("MESH terms", 0), ("Emtree", 0),
])
def test_short_answer_is_case_insensitive_with_wildcards(answer, expected):
    assert score("short_answer", answer).fraction == expected


def test_short_answer_case_sensitive_and_weighted():
    spec = {"answers": [{"text": "PubMed", "weight": 1}, {"text": "Pub*", "weight": 0.5}], "case_sensitive": True}
    short = get_type("short_answer")
    assert short.score(spec, "PubMed").fraction == 1
    assert short.score(spec, "Publications").fraction == 0.5
    assert short.score(spec, "pubmed").fraction == 0


def test_numerical_tolerance_ranges_and_weights():
    spec = {"answers": [{"value": 3.14, "tolerance": 0.01, "weight": 1}, {"min": 3, "max": 3.5, "weight": 0.5}]}
    numerical = get_type("numerical")
    assert numerical.score(spec, 3.15).fraction == 1
    assert numerical.score(spec, 3.13).fraction == 1
    assert numerical.score(spec, 3.2).fraction == 0.5
    assert numerical.score(spec, 4).fraction == 0
    assert numerical.right_answer(spec) == "3.14 ± 0.01"


@pytest.mark.parametrize("typed,value", [("20", 20.0), (" 2,5 ", 2.5), ("1,000", 1000.0), ("-0.5", -0.5),
                                         ("1e3", 1000.0)])
def test_numerical_reads_what_people_type(typed, value):
    assert get_type("numerical").read_response(SPECS["numerical"], [typed]) == value


def test_numerical_rejects_text_with_a_clear_message():
    with pytest.raises(ResponseError, match="Enter a number"):
        get_type("numerical").read_response(SPECS["numerical"], ["twenty"])


def test_matching_partial_credit_per_pair():
    assert score("matching", {"1": "narrows", "2": "broadens"}).fraction == 1
    assert score("matching", {"1": "narrows", "2": "sorts"}).fraction == 0.5
    assert score("matching", {}).fraction == 0
    assert get_type("matching").options(SPECS["matching"]) == ["broadens", "narrows", "sorts"]


def test_matching_refuses_an_answer_that_was_not_offered():
    with pytest.raises(ResponseError):
        get_type("matching").read_response(SPECS["matching"], {"1": "<script>"})


@pytest.mark.parametrize("order,expected", [(["1", "2", "3"], 1), (["1", "3", "2"], 1 / 3), (["3", "1", "2"], 0),
                                            (["2", "1", "3"], 1 / 3)])
def test_ordering_scores_the_share_of_items_in_the_right_position(order, expected):
    assert score("ordering", order).fraction == pytest.approx(expected)


def test_ordering_reads_positions_and_refuses_duplicates():
    ordering = get_type("ordering")
    assert ordering.read_response(SPECS["ordering"], ["2", "3", "1"]) == ["3", "1", "2"]
    with pytest.raises(ResponseError, match="each position"):
        ordering.read_response(SPECS["ordering"], ["1", "1", "2"])
    assert ordering.read_response(SPECS["ordering"], ["", "", ""]) is None


def test_essay_and_description_are_not_auto_scored():
    assert score("essay", "Some text").fraction is None
    assert score("essay", "Some text").state == "needs_marking"
    assert not get_type("description").takes_response


def test_choice_response_must_be_offered():
    with pytest.raises(ResponseError):
        get_type("single_choice").read_response(SPECS["single_choice"], ["99"])
    with pytest.raises(ResponseError):
        get_type("multiple_response").read_response(SPECS["multiple_response"], ["1", "99"])
