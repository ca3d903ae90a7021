"""Lateral-reading investigations: the SIFT moves and the verdict, scored against an expert's route."""
import pytest
from werkzeug.datastructures import MultiDict

from lit_platform.exercises import lateral_reading
from lit_platform.quizzes.attempts import score_answer
from lit_platform.quizzes.tokens import AnswerTokens
from lit_platform.quizzes.types import ResponseError, UnknownAnswer, get_type


def _move(name, expert=2, weak=2, findings=True):
    actions = [{"text": f"{name} expert {n}", "expert": True, "feedback": f"good {name} {n}"} for n in range(1, expert + 1)]
    actions += [{"text": f"{name} weak {n}", "feedback": f"weak {name} {n}"} for n in range(1, weak + 1)]
    move = {"move": name, "actions": actions}
    if findings:
        move["findings"] = [{"text": "Wrong reading", "feedback": "No."}, {"text": "Right reading", "correct": True}]
    return move


SPEC = {
    "claim": "Rainwater cures hay fever.",
    "source": {"kind": "post", "text": "Drink it daily!"},
    "moves": [_move("stop", findings=False), _move("investigate"), _move("find"), _move("trace")],
    "verdict": [{"text": "True"}, {"text": "Misleading", "correct": True, "feedback": "Yes."}],
    "expert_route": "1. Open the encyclopaedia entry.",
}


def test_an_expert_route_scores_full_marks_on_every_criterion():
    answer = {"moves": {"stop": {"actions": ["1", "2"]},
                        **{m: {"actions": ["1", "2"], "finding": "2", "notes": "searched the name"}
                           for m in ("investigate", "find", "trace")}},
              "verdict": "2", "confidence": 4}
    values = score_answer("lateral_reading", SPEC, answer, 10.0, ("", "", ""))
    assert values["fraction"] == pytest.approx(1.0)
    assert values["criteria"] == {"stop": 1.0, "investigate": 1.0, "find": 1.0, "trace": 1.0, "verdict": 1.0}


def test_weak_moves_cancel_expert_ones_and_a_wrong_finding_halves_a_move():
    answer = {"moves": {"stop": {"actions": ["1", "3"]},               # 1 expert - 1 weak = 0
                        "investigate": {"actions": ["1"], "finding": "2"},  # (0.5 + 1) / 2
                        "find": {"actions": ["1", "2"], "finding": "1"},    # (1 + 0) / 2
                        "trace": {"actions": ["3", "4"]}},                  # 0, no finding
              "verdict": "1"}
    result = lateral_reading.assess(SPEC, answer)
    assert result.criteria == {"stop": 0.0, "investigate": 0.75, "find": 0.5, "trace": 0.0, "verdict": 0.0}
    # weights: four moves at 1, the verdict at 2
    assert result.fraction == pytest.approx((0 + 0.75 + 0.5 + 0) / 6)
    lines = lateral_reading.summary_lines(result)
    assert lines[0].startswith("**Stop: 0%**") and "Weak moves chosen: stop weak 1" in lines[0]
    assert "Missed: investigate expert 2" in lines[1]
    assert "not the one the evidence supports" in lines[2]
    assert lines[-1] == "**Verdict: not the expert's.**"


def test_an_empty_record_scores_nothing_and_says_so():
    result = lateral_reading.assess(SPEC, None)
    assert result.fraction == 0
    assert lateral_reading.summary_lines(result)[-1] == "**Verdict: not given.**"


def test_the_form_records_moves_notes_verdict_and_confidence():
    qtype = get_type("lateral_reading")
    tokens = AnswerTokens(b"k" * 32, 3)
    form = MultiDict([("r3.stop.actions", tokens("stop.action", "2")), ("r3.stop.actions", tokens("stop.action", "1")),
                      ("r3.investigate.finding", tokens("investigate.finding", "2")),
                      ("r3.investigate.notes", " who runs it? "), ("r3.verdict", tokens("verdict", "2")),
                      ("r3.confidence", "4"), ("r4.verdict", "1")])
    answer = qtype.read_response(SPEC, qtype.values_from_form(form, "r3", SPEC, tokens))
    assert answer == {"moves": {"stop": {"actions": ["1", "2"], "finding": None, "notes": ""},
                                "investigate": {"actions": [], "finding": "2", "notes": "who runs it?"}},
                      "verdict": "2", "confidence": 4}
    for bad, message in ((("verdict", "7"),), "verdict"), ((("confidence", "9"),), "confidence"), \
                        ((("find.finding", "5"),), "found"):
        with pytest.raises(ResponseError, match=message):
            qtype.read_response(SPEC, MultiDict(bad))
    # What the page sends is an option's opaque value: a stored id, or another question's value, is refused.
    for value in ("1", tokens("stop.action", "2"), AnswerTokens(b"k" * 32, 4)("verdict", "2")):
        with pytest.raises(UnknownAnswer):
            qtype.values_from_form(MultiDict({"r3.verdict": value}), "r3", SPEC, tokens)


def test_the_spec_is_checked_for_what_scoring_needs():
    broken = {"claim": "", "source": {"image": "images/x.svg"},
              "moves": [{"move": "stop", "actions": [{"text": "Look"}]}, {"move": "wander", "actions": []},
                        {"move": "find", "actions": [{"text": "a", "expert": True}, {"text": "b"}],
                         "findings": [{"text": "x"}, {"text": "y"}], "weight": 0}],
              "verdict": [{"text": "only one", "correct": True}]}
    problems = get_type("lateral_reading").validate(broken)
    for expected in ("needs the claim, in one sentence", "source: an image needs alt text that says what it shows",
                     "unknown move 'wander' (use stop, investigate, find, trace)",
                     "move 'stop': needs at least two actions, one or more of them expert: true",
                     "move 'find': findings need exactly one marked correct: true",
                     "move 'find': weight must be a number greater than 0",
                     "verdict: give at least two options, exactly one correct: true",
                     "needs the expert_route, shown after hand-in"):
        assert expected in problems
    assert get_type("lateral_reading").validate(SPEC) == []
    assert get_type("lateral_reading").validate({**SPEC, "moves": [{"move": "stop", "actions": "look"}]}) == [
        "move 'stop': actions must be a list of mappings with text"]
