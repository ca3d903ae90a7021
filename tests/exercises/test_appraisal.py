"""Critical-appraisal checklists: agreement with the expert, as a learner and a report see it."""
import pytest
from werkzeug.datastructures import MultiDict

from lit_platform.exercises import appraisal
from lit_platform.quizzes.attempts import score_answer
from lit_platform.quizzes.tokens import AnswerTokens
from lit_platform.quizzes.types import ResponseError, UnknownAnswer, get_type

SPEC = {
    "study": {"title": "A trial", "design": "randomised controlled trial", "text": "Forty adults were ..."},
    "items": [
        {"key": "randomised", "question": "Were people randomly allocated?", "expert": "yes", "explanation": "By computer."},
        {"key": "concealed", "question": "Was allocation concealed?", "expert": "cant_tell", "explanation": "Not said."},
        {"key": "blinded", "question": "Were assessors blinded?", "expert": "no", "explanation": "They knew."},
        {"key": "followed", "question": "Were most people followed up?", "expert": "yes", "explanation": "95%."},
    ],
    "require_reasons": True,
}


def test_kappa_matches_the_textbook_two_rater_example():
    # 50 items: both yes 20, A yes B no 5, A no B yes 10, both no 15 -> po 0.7, pe 0.5, kappa 0.4
    pairs = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    assert appraisal.cohen_kappa(pairs).value == pytest.approx(0.4)


def test_kappa_is_one_for_perfect_agreement_and_can_fall_below_zero():
    assert appraisal.cohen_kappa([("yes", "yes"), ("no", "no"), ("cant_tell", "cant_tell")]).value == pytest.approx(1)
    assert appraisal.cohen_kappa([("yes", "no"), ("no", "yes")]).value == pytest.approx(-1)


def test_kappa_is_not_given_when_chance_explains_everything():
    kappa = appraisal.cohen_kappa([("yes", "yes"), ("yes", "yes")])
    assert kappa.value is None and "same answer" in kappa.reason
    assert appraisal.cohen_kappa([]).value is None


@pytest.mark.parametrize("value, label", [(-0.1, "less than chance"), (0.1, "slight"), (0.3, "fair"),
                                          (0.5, "moderate"), (0.7, "substantial"), (0.9, "almost perfect")])
def test_kappa_labels_follow_landis_and_koch(value, label):
    assert appraisal.describe_kappa(value) == label


def test_a_learner_is_scored_on_agreement_item_by_item_with_kappa_explained():
    answer = {"randomised": {"answer": "yes", "why": "computer list"}, "concealed": {"answer": "yes", "why": ""},
              "blinded": {"answer": "no", "why": "open"}, "followed": {"answer": "yes", "why": "19 of 20"}}
    values = score_answer("appraisal_checklist", SPEC, answer, 5.0, ("", "", ""))
    assert values["fraction"] == pytest.approx(0.75)
    assert values["score"] == pytest.approx(3.75)
    assert values["criteria"] == {"randomised": 1.0, "concealed": 0.0, "blinded": 1.0, "followed": 1.0}
    # learner yes,yes,no,yes vs expert yes,cant_tell,no,yes: po 0.75; pe = 3/4*2/4 + 1/4*1/4 = 0.4375
    expected = (0.75 - 0.4375) / (1 - 0.4375)
    assert "3 of 4 items (75%)" in values["feedback"][0]
    assert f"{expected:.2f}" in values["feedback"][0]


def test_unanswered_items_count_as_disagreement_and_are_left_out_of_kappa():
    result = appraisal.compare(SPEC, {"randomised": {"answer": "yes", "why": ""}, "blinded": {"answer": "yes", "why": ""}})
    assert result.agreed == 1 and result.percent == 25
    # kappa over the two answered items: the learner said yes to both, the expert yes and no, so
    # agreement (1 of 2) is exactly what chance predicts
    assert result.kappa.value == pytest.approx(0)
    assert [item.answer for item in result.items] == ["yes", None, "yes", None]


def test_the_form_keeps_answers_and_reasons_and_refuses_unknown_answers():
    qtype = get_type("appraisal_checklist")
    tokens = AnswerTokens(b"k" * 32, 7)
    form = MultiDict({"r7.randomised.answer": tokens("randomised.answer", "yes"),
                      "r7.randomised.why": "  A  computer\\nlist ", "r7.blinded.why": "not sure yet",
                      "r9.randomised.answer": "no"})
    answer = qtype.read_response(SPEC, qtype.values_from_form(form, "r7", SPEC, tokens))
    assert answer == {"randomised": {"answer": "yes", "why": "A computer\\nlist"},
                      "blinded": {"answer": None, "why": "not sure yet"}}
    with pytest.raises(ResponseError, match="Yes, No or Can't tell"):
        qtype.read_response(SPEC, MultiDict({"randomised.answer": "maybe"}))
    assert qtype.read_response(SPEC, MultiDict()) is None
    with pytest.raises(UnknownAnswer):  # the stored value itself is not what the page sends
        qtype.values_from_form(MultiDict({"r7.randomised.answer": "yes"}), "r7", SPEC, tokens)


def test_the_spec_needs_expert_answers_and_explanations():
    broken = {"study": {"text": ""}, "items": [{"key": "a", "question": "Q?", "expert": "perhaps"},
                                               {"key": "a", "question": "", "expert": "yes", "explanation": "x"}]}
    problems = get_type("appraisal_checklist").validate(broken)
    assert "every checklist item needs a distinct key" in problems
    assert "checklist item 1: expert must be yes, no or cant_tell" in problems
    assert "checklist item 1 needs an explanation of the expert's answer" in problems
    assert "checklist item 2 has no question" in problems
    assert "study: give the text of the study report" in problems
    assert get_type("appraisal_checklist").validate({"items": "not a list"}) == [
        "items: give a list of mappings (each item with its fields, as in courses/README.md)"]
    assert get_type("appraisal_checklist").validate(SPEC) == []
