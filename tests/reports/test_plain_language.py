"""The learning report's plain-language layer: what changed, for how many and how sure, in words a manager
can act on, worked out from the same figures as the statistics beneath it."""
import numpy as np
import pytest

from lit_platform.reports.learning import _retention_verb, plain_summary
from lit_platform.reports.stats import paired_summary


def summary_of(changes: list[float], before: float = 40.0):
    pre = np.full(len(changes), before) + np.linspace(-5, 5, len(changes))
    return paired_summary(pre, pre + np.array(changes), max_score=100)


def test_a_clear_rise_in_a_large_group_on_a_reliable_test():
    s = summary_of([18 + (k % 7) - 3 for k in range(42)])
    sentences = plain_summary(s, [(0.82, (0.74, 0.88))])
    assert sentences[0] == "Of 42 learners who took both tests, scores rose by 18 percentage points on average " \
                           "(from 40% to 58%)."
    assert sentences[1].startswith("We are confident this is a real rise (95% interval 17 to 19 points")
    assert sentences[2] == "The test is reliable enough for group comparisons (alpha 0.82)."
    assert len(sentences) == 3, "nothing about a small group"


def test_an_interval_that_crosses_zero_is_not_called_a_rise():
    s = summary_of([30, -25, 10, -15, 20, -12, 5, 8])
    sentences = plain_summary(s, [])
    assert "rose by" in sentences[0]
    assert sentences[1].startswith("We cannot be sure there was a real change: the 95% interval -")
    assert "includes no change at all" in sentences[1]
    assert sentences[2] == "With only 8 learners, a few more results could move these figures a good deal."


def test_a_fall_is_called_a_fall():
    s = summary_of([-10 - (k % 3) for k in range(30)])
    sentences = plain_summary(s, [])
    assert "scores fell by 11 percentage points" in sentences[0]
    assert sentences[1].startswith("We are confident this is a real fall")


@pytest.mark.parametrize("alpha, interval, expected", [
    (0.55, (0.3, 0.7), "But the test is not reliable enough for group comparisons (alpha 0.55, below 0.7)"),
    (0.74, (0.61, 0.84), "The test is probably reliable enough for group comparisons (alpha 0.74), though"),
])
def test_low_or_uncertain_reliability_is_said_plainly(alpha, interval, expected):
    s = summary_of([18 + (k % 7) - 3 for k in range(42)])
    assert plain_summary(s, [(alpha, interval)])[-1].startswith(expected)


def test_held_is_said_only_when_scores_did_not_fall():
    assert _retention_verb(summary_of([2, -3, 4, -1, 3, 0, -2, 1])) == "held"
    assert _retention_verb(summary_of([-2, 3, -4, 1, -3, 0, 2, -1.5])) == \
        "fell slightly, by no more than chance alone could explain"
    assert _retention_verb(summary_of([-10, -12, -9, -11, -10, -13])) == "fell"
    assert _retention_verb(summary_of([10, 12, 9, 11, 10, 13])) == "rose"
