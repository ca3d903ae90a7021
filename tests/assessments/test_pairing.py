"""Pairing rules and counterbalancing, as pure functions."""
import random
from datetime import datetime, timedelta, timezone

from lit_platform.assessments.pairing import PhaseAttempt, assign_form, other_form, pair_attempts, summarise

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def attempt(pid, phase, n, minutes, score=0.5, complete=True):
    return PhaseAttempt(pid, phase, n, T0 + timedelta(minutes=minutes), score, complete)


def test_counterbalancing_uses_each_form_first_for_half_the_group():
    used = {"A": 0, "B": 0}
    for _ in range(101):
        used[assign_form(used)] += 1
    assert used == {"A": 51, "B": 50}
    assert other_form("A") == "B" and other_form("B") == "A" and other_form(None) is None


def test_counterbalancing_stays_close_to_half_when_people_drop_out_at_random():
    rng = random.Random(5)
    used = {"A": 0, "B": 0}
    firsts = []
    for _ in range(1000):
        form = assign_form(used)
        used[form] += 1
        if rng.random() < 0.3:  # some never take their pre-test; their form still counts as used
            continue
        firsts.append(form)
    share = firsts.count("A") / len(firsts)
    assert 0.45 <= share <= 0.55


def test_first_submitted_attempt_counts_and_repeats_are_reported():
    results = pair_attempts([
        attempt(1, "pre", 10, 0, 0.4), attempt(1, "pre", 11, 5, 0.9), attempt(1, "post", 12, 60, 0.8),
        attempt(2, "pre", 13, 1), attempt(3, "post", 14, 61), attempt(4, "pre", 15, 2),
        attempt(4, "post", 16, 62, complete=False),
    ])
    assert results[1].counted["pre"].attempt_id == 10 and results[1].repeated == {"pre": 1}
    assert results[1].status == "paired"
    assert results[2].status == "pre only" and results[3].status == "post only"
    assert summarise(results) == summarise(results).__class__(
        took_pre=3, took_post=3, paired=2, pre_only=1, post_only=1, conflicts=0, incomplete_pairs=1)


def test_an_anonymous_code_with_two_pre_attempts_is_a_conflict_not_a_pair():
    results = pair_attempts([attempt(7, "pre", 1, 0), attempt(7, "pre", 2, 1), attempt(7, "post", 3, 50)],
                            anonymous_ids={7})
    assert results[7].status == "conflict" and not results[7].is_paired
    assert summarise(results).conflicts == 1 and summarise(results).paired == 0


def test_an_anonymous_code_with_two_post_attempts_is_a_conflict_too():
    results = pair_attempts([attempt(7, "pre", 1, 0), attempt(7, "post", 2, 50), attempt(7, "post", 3, 51),
                             attempt(8, "pre", 4, 0), attempt(8, "post", 5, 50), attempt(8, "post", 6, 51)],
                            anonymous_ids={7})
    assert results[7].status == "conflict"
    # A signed-in participant's repeated post-test is just a repeat: the first one counts.
    assert results[8].status == "paired" and results[8].counted["post"].attempt_id == 5


def test_order_of_input_does_not_matter():
    rows = [attempt(1, "post", 2, 60), attempt(1, "pre", 1, 0), attempt(1, "delayed", 3, 90000)]
    assert pair_attempts(rows)[1].counted.keys() == pair_attempts(list(reversed(rows)))[1].counted.keys()
    assert pair_attempts(rows)[1].counted["delayed"].attempt_id == 3
