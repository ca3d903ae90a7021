"""The reports' statistics against published results, Moodle's own test data and independent computations."""
from __future__ import annotations

import csv
import itertools
import math
from collections import Counter
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as scipy_stats

from lit_platform.reports.stats import (
    ItemSums,
    PairedSums,
    PairedSummary,
    TotalSums,
    interpret_d,
    interpret_gain,
    item_analysis,
    item_analysis_from_sums,
    mcnemar,
    paired_summary,
    paired_summary_from_sums,
)

MOODLE = Path(__file__).resolve().parents[1] / "fixtures" / "moodle" / "moodle-quiz-statistics"

# Student (1908), from Cushny & Peebles: extra hours of sleep of 10 patients on each of two drugs
# (R's `sleep` data set).
SLEEP_DRUG_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_DRUG_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]

WILCOXON_FIELDS = ("wilcoxon_w", "wilcoxon_p", "wilcoxon_method")


def read_csv(name: str) -> list[dict[str, str]]:
    with open(MOODLE / name, newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def assert_every_gap_explained(summary: PairedSummary) -> None:
    missing = {f.name for f in fields(summary) if getattr(summary, f.name) is None}
    assert missing == set(summary.reasons)
    assert all(reason.strip() for reason in summary.reasons.values())


# Item analysis against Moodle ----------------------------------------------------------------

QSTATS_FIELDS = {
    "facility": "facility",
    "sd": "sd",
    "effectiveweight": "effective_weight",
    "covariance": "covariance",
    "markvariance": "mark_variance",
    "othermarkvariance": "other_mark_variance",
    "discriminationindex": "discrimination_index",
    "covariancemax": "covariance_max",
    "discriminativeefficiency": "discriminative_efficiency",
}


@pytest.fixture(scope="module")
def results00():
    rows = read_csv("results00.csv")
    slots = range(1, 8)
    # The summarks column is rounded; the attempt total is the sum of the item marks.
    marks = [[float(row[f"slots.{slot}.mark"]) for slot in slots] for row in rows]
    return item_analysis(marks, [1.0] * len(slots))


@pytest.mark.parametrize("expected", read_csv("qstats00.csv"), ids=lambda row: f"slot{row['slot']}")
def test_item_statistics_match_moodle_walkthrough(results00, expected):
    item = results00.items[int(expected["slot"]) - 1]
    for moodle_name, our_name in QSTATS_FIELDS.items():
        assert getattr(item, our_name) == pytest.approx(float(expected[moodle_name]), rel=1e-5), moodle_name


@pytest.mark.parametrize("name, expected", [
    ("median", 4.5), ("mean", 4.617333332), ("sd", 0.8117265554), ("skewness", -0.092502502),
    ("kurtosis", -0.7073968557), ("cic", -87.2230935542), ("error_ratio", 136.8294900795),
    ("standard_error", 1.1106813066),
])
def test_test_statistics_match_moodle_walkthrough(results00, name, expected):
    assert getattr(results00.test, name) == pytest.approx(expected, rel=1.5e-5)


def test_walkthrough_counts_every_attempt(results00):
    assert results00.test.n == 25
    assert all(item.n == 25 for item in results00.items)


@pytest.fixture(scope="module")
def question_states():
    attempts: list[dict[int, tuple[float, float]]] = []
    # The file has no attempt id (`id` is the step id); as in Moodle's test, each attempt's rows
    # are listed together and start with slot 1.
    for row in read_csv("mdl_question_states.csv"):
        if row["slot"] == "1":
            attempts.append({})
        attempts[-1][int(row["slot"])] = (float(row["mark"]), float(row["maxmark"]))
    slots = sorted(attempts[0])
    assert all(sorted(attempt) == slots for attempt in attempts)
    marks = [[attempt[slot][0] for slot in slots] for attempt in attempts]
    max_marks = [attempts[0][slot][1] for slot in slots]
    return dict(zip(slots, item_analysis(marks, max_marks).items))


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


@pytest.mark.parametrize("expected", read_csv("expected_statistics_test_arrays.csv"),
                         ids=lambda row: f"slot{row['slot']}")
def test_question_statistics_match_moodle(question_states, expected):
    item = question_states[int(expected["slot"])]
    ours = {
        "facility": _scaled(item.facility, 100),
        "sd_x1000": _scaled(item.sd, 1000),
        "effectiveweight": item.effective_weight,
        "discriminationindex": item.discrimination_index,
        "discriminativeefficiency": item.discriminative_efficiency,
    }
    for name, value in ours.items():
        wanted = expected[name]
        if name == "sd_x1000" and wanted == "" and item.facility is None:
            # Items worth 0 marks (slots 5-7): Moodle's calculator computes sd = sqrt(0 / (n - 1)) = 0;
            # its test lists null there and passes only because PHPUnit's assertEquals(null, 0) is loose.
            assert value == 0.0
        elif wanted == "":
            assert value is None, name
        else:
            assert value == pytest.approx(float(wanted), abs=1e-6), name


def test_item_without_spread_is_not_rated_for_discrimination(question_states):
    # Slot 1: worth 1 mark, nobody scored; Moodle leaves discrimination blank and weights it 0.
    item = question_states[1]
    assert (item.facility, item.sd, item.effective_weight) == (0.0, 0.0, 0.0)
    assert item.discrimination_index is None and item.discriminative_efficiency is None


# Item analysis against its definitions ---------------------------------------------------------

def _random_fractional_marks(seed: int, attempts: int) -> tuple[np.ndarray, list[float]]:
    rng = np.random.default_rng(seed)
    max_marks = [1.0, 2.0, 0.5, 3.0, 1.0, 1.5]
    fractions = rng.choice([0.0, 0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1.0], size=(attempts, len(max_marks)),
                           p=[0.2, 0.1, 0.1, 0.15, 0.1, 0.1, 0.25])
    return fractions * np.array(max_marks), max_marks


def test_item_analysis_follows_moodle_definitions_on_random_marks():
    matrix, max_marks = _random_fractional_marks(seed=7, attempts=300)
    result = item_analysis(matrix.tolist(), max_marks)
    totals = matrix.sum(axis=1)

    root_covariances = []
    for column, max_mark, item in zip(matrix.T, max_marks, result.items):
        rest = totals - column
        covariance = np.cov(column, rest)[0, 1]
        covariance_max = np.cov(np.sort(column), np.sort(rest))[0, 1]
        assert item.facility == pytest.approx(column.mean() / max_mark, rel=1e-9)
        assert item.sd == pytest.approx(column.std(ddof=1), rel=1e-9)
        assert item.covariance == pytest.approx(covariance, rel=1e-8)
        assert item.covariance_max == pytest.approx(covariance_max, rel=1e-8)
        assert item.discrimination_index == pytest.approx(100 * np.corrcoef(column, rest)[0, 1], rel=1e-8)
        assert item.discriminative_efficiency == pytest.approx(100 * covariance / covariance_max, rel=1e-8)
        root_covariances.append(math.sqrt(max(np.cov(column, totals)[0, 1], 0.0)))
    for root, item in zip(root_covariances, result.items):
        assert item.effective_weight == pytest.approx(100 * root / sum(root_covariances), rel=1e-8)

    k2, k3, k4 = (scipy_stats.kstat(totals, order) for order in (2, 3, 4))
    alpha = len(max_marks) / (len(max_marks) - 1) * (1 - matrix.var(axis=0, ddof=1).sum() / k2)
    assert result.test.median == pytest.approx(float(np.median(totals)))
    assert result.test.mean == pytest.approx(totals.mean(), rel=1e-12)
    assert result.test.sd == pytest.approx(totals.std(ddof=1), rel=1e-9)
    assert result.test.skewness == pytest.approx(k3 / k2 ** 1.5, rel=1e-7)
    assert result.test.kurtosis == pytest.approx(k4 / k2 ** 2, rel=1e-7)
    assert result.test.cic == pytest.approx(100 * alpha, rel=1e-8)
    assert result.test.standard_error == pytest.approx(totals.std(ddof=1) * math.sqrt(1 - alpha), rel=1e-8)


def _grouped_sums(matrix: np.ndarray, max_marks: list[float]) -> tuple[list[ItemSums], TotalSums]:
    """The sums a report builds in SQL: GROUP BY (item mark, attempt total) with a count."""
    totals = matrix.sum(axis=1)
    items = []
    for column, max_mark in zip(matrix.T, max_marks):
        cells = Counter(zip(column.tolist(), totals.tolist()))
        x_counts: Counter = Counter()
        o_counts: Counter = Counter()
        for (x, t), count in cells.items():
            x_counts[round(x, 9)] += count
            o_counts[round(t - x, 9)] += count
        items.append(ItemSums(
            n=sum(cells.values()),
            sum_x=sum(x * count for (x, _), count in cells.items()),
            sum_x2=sum(x * x * count for (x, _), count in cells.items()),
            sum_xt=sum(x * t * count for (x, t), count in cells.items()),
            x_counts=dict(x_counts), o_counts=dict(o_counts), max_mark=max_mark))
    t_counts = Counter(round(t, 9) for t in totals.tolist())
    power_sums = [sum(t ** power * count for t, count in t_counts.items()) for power in (1, 2, 3, 4)]
    return items, TotalSums(len(totals), *power_sums, t_counts=dict(t_counts))


def test_item_analysis_from_grouped_sums_matches_the_matrix():
    matrix, max_marks = _random_fractional_marks(seed=11, attempts=500)
    from_matrix = item_analysis(matrix.tolist(), max_marks)
    from_sums = item_analysis_from_sums(*_grouped_sums(matrix, max_marks))
    for ours, theirs in zip(from_sums.items, from_matrix.items):
        for f in fields(ours):
            assert getattr(ours, f.name) == pytest.approx(getattr(theirs, f.name), rel=1e-8, abs=1e-12), f.name
    for f in fields(from_sums.test):
        assert getattr(from_sums.test, f.name) == pytest.approx(getattr(from_matrix.test, f.name), rel=1e-8)


def test_item_seen_by_only_some_attempts_uses_those_attempts():
    matrix, max_marks = _random_fractional_marks(seed=3, attempts=80)
    seen_by = matrix[:50]
    items, _ = _grouped_sums(seen_by, max_marks)
    _, all_totals = _grouped_sums(matrix, max_marks)
    partial = item_analysis_from_sums([items[0]], all_totals).items[0]
    expected = item_analysis(seen_by.tolist(), max_marks).items[0]
    assert partial.n == 50
    for name in ("facility", "sd", "covariance", "covariance_max", "discrimination_index",
                 "discriminative_efficiency"):
        assert getattr(partial, name) == pytest.approx(getattr(expected, name), rel=1e-9), name


def test_item_analysis_of_too_few_attempts_leaves_spread_blank():
    one = item_analysis([[1.0, 0.5]], [1.0, 1.0])
    assert one.items[0].facility == 1.0 and one.items[0].sd is None
    assert one.test.median == 1.5 and one.test.sd is None and one.test.cic is None
    nothing = item_analysis([], [1.0, 1.0])
    assert nothing.test.n == 0 and nothing.test.mean is None and nothing.items[0].facility is None


def test_item_analysis_rejects_ragged_rows():
    with pytest.raises(ValueError, match="attempt 1"):
        item_analysis([[1, 0], [1]], [1, 1])


# Paired t-test and effect sizes ----------------------------------------------------------------

def test_sleep_data_match_the_published_paired_t_test():
    summary = paired_summary(SLEEP_DRUG_1, SLEEP_DRUG_2)
    # Published: mean difference 1.58 hours, paired t = 4.06 with 9 df, p = 0.002833, 95% CI
    # 0.7001142 to 2.4598858 (R: t.test(extra ~ group, data = sleep, paired = TRUE)).
    assert summary.n == 10 and summary.df == 9
    assert summary.mean_diff == pytest.approx(1.58)
    assert summary.t == pytest.approx(4.06, abs=0.005)
    assert summary.p == pytest.approx(0.002833, abs=5e-7)
    assert (summary.ci_low, summary.ci_high) == pytest.approx((0.7001142, 2.4598858), abs=1e-7)
    assert summary.reasons == {}


def test_sleep_data_wilcoxon_matches_r():
    summary = paired_summary(SLEEP_DRUG_1, SLEEP_DRUG_2)
    # R: wilcox.test(extra ~ group, data = sleep, paired = TRUE) gives V = 0, p = 0.009091 with
    # continuity correction (one zero difference and a tie, so no exact p).
    assert summary.wilcoxon_method == "normal approximation"
    assert summary.wilcoxon_w == 0
    assert summary.wilcoxon_p == pytest.approx(0.009091, abs=5e-7)


def test_t_test_and_descriptives_agree_with_numpy_and_scipy():
    rng = np.random.default_rng(42)
    pre = rng.integers(20, 90, size=35).astype(float)
    post = np.clip(pre + rng.normal(8, 12, size=35), 0, 100)
    summary = paired_summary(pre.tolist(), post.tolist())
    reference = scipy_stats.ttest_rel(post, pre)
    assert summary.t == pytest.approx(reference.statistic, rel=1e-10)
    assert summary.p == pytest.approx(reference.pvalue, rel=1e-9)
    assert summary.sd_pre == pytest.approx(pre.std(ddof=1), rel=1e-12)
    assert summary.sd_post == pytest.approx(post.std(ddof=1), rel=1e-12)
    assert summary.sd_diff == pytest.approx((post - pre).std(ddof=1), rel=1e-10)
    assert summary.r == pytest.approx(np.corrcoef(pre, post)[0, 1], rel=1e-10)


def test_confidence_interval_ends_are_where_the_t_test_reaches_five_percent():
    rng = np.random.default_rng(5)
    pre = rng.uniform(30, 70, size=12)
    post = pre + rng.normal(6, 9, size=12)
    summary = paired_summary(pre.tolist(), post.tolist())
    differences = post - pre
    # A hypothesised mean at either end of the 95% interval is rejected at exactly p = 0.05.
    for end in (summary.ci_low, summary.ci_high):
        assert scipy_stats.ttest_1samp(differences, end).pvalue == pytest.approx(0.05, rel=1e-8)
    assert summary.ci_low < summary.mean_diff < summary.ci_high


def test_effect_sizes_and_gains_on_a_hand_checked_example():
    # pre 1, 2, 3 and post 2, 5, 5 out of 10: differences 1, 3, 2, so mean 2 and s_diff = 1.
    # s_pre² = 1, s_post² = ((−2)² + 1² + 1²) / 2 = 3; cov = ((−1)(−2) + 0 + (1)(1)) / 2 = 1.5,
    # so r = 1.5 / √3 = √3/2.
    # d_z = 2 / 1 = 2; d_av = 2 / √((1 + 3) / 2) = √2; d_rm = 2·√(2(1 − √3/2)) = 2·√(2 − √3).
    # t = 2 / (1/√3) = 2√3 on 2 df. Hake's g = (4 − 2) / (10 − 2) = 0.25;
    # the learners' own gains are 1/9, 3/8 and 2/7.
    summary = paired_summary([1, 2, 3], [2, 5, 5], max_score=10)
    assert summary.mean_diff == pytest.approx(2)
    assert summary.sd_diff == pytest.approx(1)
    assert summary.r == pytest.approx(math.sqrt(3) / 2)
    assert summary.d_z == pytest.approx(2)
    assert summary.d_av == pytest.approx(math.sqrt(2))
    assert summary.d_rm == pytest.approx(2 * math.sqrt(2 - math.sqrt(3)))
    assert summary.t == pytest.approx(2 * math.sqrt(3))
    assert summary.hake_g == pytest.approx(0.25)
    assert summary.g_ave == pytest.approx((1 / 9 + 3 / 8 + 2 / 7) / 3)
    assert (summary.g_ave_n, summary.g_ave_excluded) == (3, 0)


def test_learners_already_at_the_maximum_are_left_out_of_the_average_gain():
    summary = paired_summary([100, 50, 80], [90, 75, 90])
    # Only the two learners with room to gain count: 25/50 and 10/20.
    assert summary.g_ave == pytest.approx(0.5)
    assert (summary.g_ave_n, summary.g_ave_excluded) == (2, 1)


# Wilcoxon signed-rank ------------------------------------------------------------------------------

def _average_ranks(values: list[float]) -> list[float]:
    ordered = sorted(values)
    return [ordered.index(v) + (ordered.count(v) + 1) / 2 for v in values]


def _normal_approximation_p(differences: list[float]) -> float:
    """Two-sided p of the signed-rank test: zeros dropped, tie-corrected variance, continuity 0.5."""
    nonzero = [d for d in differences if d != 0]
    n = len(nonzero)
    ranks = _average_ranks([abs(d) for d in nonzero])
    w_plus = sum(rank for rank, d in zip(ranks, nonzero) if d > 0)
    tie_term = sum(t ** 3 - t for t in Counter(abs(d) for d in nonzero).values())
    variance = n * (n + 1) * (2 * n + 1) / 24 - tie_term / 48
    z = (abs(w_plus - n * (n + 1) / 4) - 0.5) / math.sqrt(variance)
    return math.erfc(z / math.sqrt(2))


def test_wilcoxon_exact_p_matches_enumerating_every_sign_pattern():
    pre = [10, 20, 30, 40, 50, 60]
    post = [13.5, 19, 37, 44.5, 48, 66.5]
    differences = [b - a for a, b in zip(pre, post)]
    ranks = _average_ranks([abs(d) for d in differences])
    w_plus = sum(rank for rank, d in zip(ranks, differences) if d > 0)
    half_total = sum(ranks) / 2
    # Under no effect every sign pattern is equally likely; count those at least as far from the middle.
    patterns = list(itertools.product((0, 1), repeat=len(ranks)))
    extreme = sum(1 for signs in patterns
                  if abs(sum(r for r, s in zip(ranks, signs) if s) - half_total) >= abs(w_plus - half_total))

    summary = paired_summary(pre, post)
    assert summary.wilcoxon_method == "exact"
    assert summary.wilcoxon_w == min(w_plus, 2 * half_total - w_plus) == 3
    assert summary.wilcoxon_p == pytest.approx(extreme / len(patterns))
    assert summary.wilcoxon_p == pytest.approx(scipy_stats.wilcoxon(differences, method="exact").pvalue)


@pytest.mark.parametrize("pre, post", [
    pytest.param([50, 60, 70, 80, 90], [52, 62, 69, 85, 93], id="ties"),
    pytest.param([50, 60, 70, 80, 90], [53, 60, 69, 84, 97], id="zero difference"),
])
def test_wilcoxon_uses_the_normal_approximation_with_ties_or_zeros(pre, post):
    differences = [b - a for a, b in zip(pre, post)]
    summary = paired_summary(pre, post)
    assert summary.wilcoxon_method == "normal approximation"
    assert summary.wilcoxon_p == pytest.approx(_normal_approximation_p(differences), rel=1e-9)
    scipy_result = scipy_stats.wilcoxon(differences, method="approx", correction=True)
    assert summary.wilcoxon_p == pytest.approx(scipy_result.pvalue, rel=1e-9)


def test_wilcoxon_uses_the_normal_approximation_above_fifty_learners():
    rng = np.random.default_rng(9)
    pre = rng.uniform(20, 80, size=51)
    post = pre + rng.normal(2, 10, size=51)
    summary = paired_summary(pre.tolist(), post.tolist())
    assert summary.wilcoxon_method == "normal approximation"
    assert summary.wilcoxon_p == pytest.approx(_normal_approximation_p((post - pre).tolist()), rel=1e-9)


def test_wilcoxon_counts_equal_differences_from_decimal_scores_as_ties():
    # In floats 1.3 − 1.1 and 2.3 − 2.1 differ in their last bits, but they are the same change.
    assert 1.3 - 1.1 != 2.3 - 2.1
    summary = paired_summary([1.1, 2.1, 5.0, 9.0], [1.3, 2.3, 6.0, 7.0])
    assert summary.wilcoxon_method == "normal approximation"
    assert summary.wilcoxon_p == pytest.approx(_normal_approximation_p([0.2, 0.2, 1.0, -2.0]), rel=1e-9)


# McNemar ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("b, c", [(3, 10), (10, 3), (0, 7), (5, 5), (12, 11), (2, 22)])
def test_mcnemar_exact_branch_is_the_two_sided_binomial(b, c):
    n = b + c
    as_extreme = sum(math.comb(n, k) for k in range(n + 1) if min(k, n - k) <= min(b, c))
    result = mcnemar(b, c)
    assert result.method == "exact binomial"
    assert result.p == pytest.approx(min(1.0, as_extreme / 2 ** n), rel=1e-12)
    assert result.statistic == pytest.approx((abs(b - c) - 1) ** 2 / n)


def test_mcnemar_chi_square_with_and_without_correction():
    # The textbook example b = 121, c = 59: χ² = (121 − 59)² / 180 ≈ 21.35 without correction.
    plain = mcnemar(121, 59, correction=False)
    corrected = mcnemar(121, 59)
    assert plain.method == "chi-square"
    assert plain.statistic == pytest.approx(21.35, abs=0.01)
    assert corrected.method == "chi-square with continuity correction"
    assert corrected.statistic == pytest.approx(61 ** 2 / 180)
    for result in (plain, corrected):
        # With one degree of freedom, P(χ² > x) = erfc(√(x/2)).
        assert result.p == pytest.approx(math.erfc(math.sqrt(result.statistic / 2)), rel=1e-9)
    assert corrected.p > plain.p


def test_mcnemar_switches_to_chi_square_at_25_changes():
    assert mcnemar(20, 4).method == "exact binomial"
    assert mcnemar(20, 5).method == "chi-square with continuity correction"


def test_mcnemar_without_changes_has_no_p_value():
    result = mcnemar(0, 0)
    assert result.statistic is None and result.p is None
    assert result.reason == "no learner changed"


def test_mcnemar_rejects_negative_counts():
    with pytest.raises(ValueError):
        mcnemar(-1, 3)


# Undefined values -------------------------------------------------------------------------------

def test_no_learners_gives_only_explained_gaps():
    summary = paired_summary([], [])
    assert summary.n == 0
    assert all(getattr(summary, f.name) is None for f in fields(summary) if f.name not in ("n", "reasons"))
    assert_every_gap_explained(summary)


def test_one_learner_has_means_but_no_inference():
    summary = paired_summary([40], [70])
    assert (summary.mean_pre, summary.mean_post, summary.mean_diff) == (40, 70, 30)
    assert summary.hake_g == pytest.approx(0.5)
    for name in ("sd_pre", "sd_diff", "t", "p", "ci_low", "r", "d_z", "d_av", "wilcoxon_p"):
        assert getattr(summary, name) is None
        assert "two learners" in summary.reasons[name]
    assert_every_gap_explained(summary)


def test_unchanged_scores_say_nothing_changed():
    summary = paired_summary([40, 55, 70], [40, 55, 70])
    assert summary.mean_diff == 0 and summary.sd_diff == 0
    for name in ("t", "p", "ci_low", "ci_high", "d_z", "d_rm", "wilcoxon_w", "wilcoxon_p"):
        assert getattr(summary, name) is None
        assert "no learner's score changed" in summary.reasons[name]
    assert summary.r == pytest.approx(1.0)
    assert_every_gap_explained(summary)


def test_identical_nonzero_changes_are_named():
    summary = paired_summary([40, 55, 70], [45, 60, 75])
    assert summary.t is None and summary.d_z is None
    assert "changed by exactly +5" in summary.reasons["t"]
    assert summary.wilcoxon_p is not None
    assert_every_gap_explained(summary)


def test_everyone_starting_at_the_maximum_has_no_gain():
    summary = paired_summary([100, 100, 100], [90, 100, 95])
    assert summary.hake_g is None and summary.g_ave is None
    assert (summary.g_ave_n, summary.g_ave_excluded) == (0, 3)
    assert "maximum" in summary.reasons["hake_g"] and "maximum" in summary.reasons["g_ave"]
    assert_every_gap_explained(summary)


def test_same_pre_score_for_everyone_leaves_correlation_undefined():
    summary = paired_summary([50, 50, 50, 50], [60, 72, 55, 64])
    assert summary.r is None and summary.d_rm is None
    assert "same pre-test score" in summary.reasons["r"]
    assert summary.t is not None and summary.d_av is not None
    assert_every_gap_explained(summary)


def test_scores_must_pair_up():
    with pytest.raises(ValueError, match="pair up"):
        paired_summary([1, 2], [1])


# One formula path from sums -----------------------------------------------------------------------

def test_summary_from_sql_style_sums_matches_the_scores():
    rng = np.random.default_rng(2024)
    pre = np.concatenate([rng.integers(0, 100, size=60), [100, 100]]).astype(float)
    post = np.clip(pre + rng.normal(10, 15, size=pre.size), 0, 100)
    room = pre < 100
    sums = PairedSums(int(pre.size), pre.sum(), post.sum(), (pre ** 2).sum(), (post ** 2).sum(), (pre * post).sum(),
                      ((post[room] - pre[room]) / (100 - pre[room])).sum(), int(room.sum()), int((~room).sum()))
    from_sums = paired_summary_from_sums(sums)
    from_scores = paired_summary(pre.tolist(), post.tolist())
    for f in fields(PairedSummary):
        if f.name in WILCOXON_FIELDS or f.name == "reasons":
            continue
        assert getattr(from_sums, f.name) == pytest.approx(getattr(from_scores, f.name), rel=1e-9), f.name
    assert from_sums.g_ave_excluded == 2
    assert {name: from_sums.reasons[name] for name in WILCOXON_FIELDS} == dict.fromkeys(
        WILCOXON_FIELDS, "needs each learner's scores")
    assert from_scores.wilcoxon_p is not None


def test_rounding_in_sql_sums_is_not_mistaken_for_spread():
    pre = [49.5, 2.5, 67.8, 48.4, 29.7, 71.0, 27.3, 40.8]
    post = [score + 12.5 for score in pre]
    # Plain running sums, as a database adds them up; here they leave Σd² − (Σd)²/n slightly above 0.
    sums = PairedSums(len(pre), sum(pre), sum(post), sum(a * a for a in pre), sum(b * b for b in post),
                      sum(a * b for a, b in zip(pre, post)), sum(12.5 / (100 - a) for a in pre), len(pre), 0)
    sum_diff = sums.sum_post - sums.sum_pre
    assert sums.sum_post2 - 2 * sums.sum_prepost + sums.sum_pre2 - sum_diff ** 2 / len(pre) > 0
    summary = paired_summary_from_sums(sums)
    assert summary.sd_diff == 0.0 and summary.t is None
    assert "changed by exactly +12.5" in summary.reasons["t"]


# Interpretation --------------------------------------------------------------------------------------

@pytest.mark.parametrize("g, band", [
    (None, None), (-0.2, "low"), (0.0, "low"), (0.2999, "low"), (0.3, "medium"), (0.6999, "medium"),
    (0.7, "high"), (1.0, "high"),
])
def test_interpret_gain_uses_hakes_bands(g, band):
    assert interpret_gain(g) == band


@pytest.mark.parametrize("d, label", [
    (None, None), (0.0, "negligible"), (0.1999, "negligible"), (-0.1999, "negligible"), (0.2, "small"),
    (-0.4999, "small"), (0.5, "medium"), (-0.7999, "medium"), (0.8, "large"), (-1.3, "large"),
])
def test_interpret_d_uses_cohens_thresholds(d, label):
    assert interpret_d(d) == label


@pytest.mark.parametrize("seed", range(5))
def test_normal_approximation_and_exact_binomial_agree_with_scipy_on_large_tied_samples(seed):
    """The report works these out with scipy.special alone; scipy.stats is the reference."""
    rng = np.random.default_rng(seed)
    pre = rng.integers(0, 11, 300) * 10.0
    post = np.clip(pre + rng.integers(-3, 6, 300) * 10.0, 0, 100)
    summary = paired_summary(pre, post)
    differences = post - pre
    expected = scipy_stats.wilcoxon(differences[differences != 0], method="approx", correction=True)
    assert summary.wilcoxon_method == "normal approximation"
    assert summary.wilcoxon_w == pytest.approx(expected.statistic)
    assert summary.wilcoxon_p == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert summary.p == pytest.approx(scipy_stats.ttest_rel(post, pre).pvalue, rel=1e-9, abs=1e-300)
    b, c = int(rng.integers(0, 13)), int(rng.integers(0, 12))
    if b + c:
        assert mcnemar(b, c).p == pytest.approx(scipy_stats.binomtest(b, b + c, 0.5).pvalue, rel=1e-12)
