"""Statistics for the reports: paired pre/post learning gains, McNemar's test and Moodle-style item analysis.

Pure functions on numbers: no Flask, no database. Large reports compute sums in SQL and pass
them to the `*_from_sums` functions; the functions that take raw scores build the same sums and
call those, so every figure has a single formula path.

Anything that cannot be computed is None, never a silent 0; `PairedSummary.reasons` says why.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace

import numpy as np
from scipy import special

#: Sums of squares smaller than this fraction of their scale are floating-point noise, not spread.
_NOISE = 1e-12
#: Marks, totals and score differences are compared after rounding to this many decimals.
_DECIMALS = 9
#: Largest number of learners for which the Wilcoxon test uses the exact distribution.
_WILCOXON_EXACT_MAX_N = 50
#: Below this many discordant pairs McNemar's test uses the exact binomial distribution.
_MCNEMAR_EXACT_BELOW = 25


def _centred_cross_sum(sum_xy: float, sum_x: float, sum_y: float, n: int, scale: float) -> float:
    """Σ(x − x̄)(y − ȳ) from raw sums; values within rounding noise of `scale` become exactly 0."""
    value = sum_xy - sum_x * sum_y / n
    return 0.0 if abs(value) <= _NOISE * scale else value


def _centred_square_sum(sum_x2: float, sum_x: float, n: int) -> float:
    """Σ(x − x̄)² from raw sums, never negative (rounding can push a zero spread just below 0)."""
    return max(_centred_cross_sum(sum_x2, sum_x, sum_x, n, sum_x2), 0.0)


# Paired pre/post summary ---------------------------------------------------------------------

@dataclass(frozen=True)
class PairedSums:
    """Everything the paired summary needs except each learner's scores; SQL can compute these."""

    n: int
    sum_pre: float
    sum_post: float
    sum_pre2: float
    sum_post2: float
    sum_prepost: float
    #: Σ (post − pre) / (max − pre) over learners whose pre-test score is below the maximum
    gain_sum: float
    gain_n: int
    #: learners left out of `gain_sum` because their pre-test score was already the maximum
    gain_excluded: int

    @classmethod
    def from_scores(cls, pre: Sequence[float], post: Sequence[float], max_score: float = 100) -> PairedSums:
        """Sums of one pre-test and one post-test score per learner."""
        a, b = _paired_values(pre, post)
        room = a < max_score
        gains = (b[room] - a[room]) / (max_score - a[room])
        return cls(
            n=len(a),
            sum_pre=float(np.sum(a)),
            sum_post=float(np.sum(b)),
            sum_pre2=float(np.sum(a * a)),
            sum_post2=float(np.sum(b * b)),
            sum_prepost=float(np.sum(a * b)),
            gain_sum=float(np.sum(gains)),
            gain_n=len(gains),
            gain_excluded=len(a) - len(gains),
        )


@dataclass(frozen=True)
class PairedSummary:
    """Pre/post comparison of the same learners; None fields are explained in `reasons`."""

    n: int
    mean_pre: float | None
    mean_post: float | None
    sd_pre: float | None
    sd_post: float | None
    #: mean of post − pre
    mean_diff: float | None
    sd_diff: float | None
    #: paired t-test, two-sided
    t: float | None
    df: int | None
    p: float | None
    #: 95% confidence interval of the mean difference
    ci_low: float | None
    ci_high: float | None
    #: Pearson correlation of pre and post scores
    r: float | None
    #: standardised mean differences (Lakens 2013): by the SD of differences, the average SD, repeated measures
    d_z: float | None
    d_av: float | None
    d_rm: float | None
    #: Hake's normalised gain of the class means
    hake_g: float | None
    #: average of the learners' own normalised gains
    g_ave: float | None
    g_ave_excluded: int | None
    g_ave_n: int | None
    #: Wilcoxon signed-rank test: W is the smaller of the positive and negative rank sums
    wilcoxon_w: float | None
    wilcoxon_p: float | None
    wilcoxon_method: str | None
    #: field name -> plain-English reason, for every field that is None
    reasons: dict[str, str] = field(default_factory=dict)


_PAIRED_FIELDS = tuple(f.name for f in fields(PairedSummary) if f.name not in ("n", "reasons"))
_WILCOXON_FIELDS = ("wilcoxon_w", "wilcoxon_p", "wilcoxon_method")


def paired_summary(pre: Sequence[float], post: Sequence[float], max_score: float = 100) -> PairedSummary:
    """Summarise pre/post scores of the same learners (one pair per learner, same order in both).

    Adds the Wilcoxon signed-rank test to `paired_summary_from_sums`. Differences of zero are
    dropped (scipy's zero_method="wilcox"). The p-value is exact for up to 50 learners when no
    difference is zero and no two differences tie in size; otherwise it is the normal approximation
    with tie and continuity corrections. `wilcoxon_w` is the statistic as scipy reports it for a
    two-sided test: the smaller of W+ and W− (R's `wilcox.test` reports W+ instead).
    """
    pre_values, post_values = _paired_values(pre, post)
    summary = paired_summary_from_sums(PairedSums.from_scores(pre_values, post_values, max_score), max_score)
    reasons = {name: why for name, why in summary.reasons.items() if name not in _WILCOXON_FIELDS}

    # Rounded so that, say, 1.3 − 1.1 and 2.3 − 2.1 count as the same difference (a tie).
    differences = np.round(post_values - pre_values, _DECIMALS)
    nonzero = differences[differences != 0]
    if len(differences) < 2:
        why = "needs at least two learners" if len(differences) else "no learners"
        reasons.update(dict.fromkeys(_WILCOXON_FIELDS, why))
        return replace(summary, reasons=reasons)
    if not len(nonzero):
        reasons.update(dict.fromkeys(_WILCOXON_FIELDS, "no learner's score changed between the tests"))
        return replace(summary, reasons=reasons)

    has_ties = len(np.unique(np.abs(nonzero))) < len(nonzero)
    exact = len(differences) <= _WILCOXON_EXACT_MAX_N and len(nonzero) == len(differences) and not has_ties
    if exact:
        from scipy import stats as scipy_stats  # heavy; small samples only

        result = scipy_stats.wilcoxon(nonzero, method="exact")
        w, p = float(result.statistic), float(result.pvalue)
    else:
        w, p = _wilcoxon_normal(nonzero)
    return replace(summary, wilcoxon_w=w, wilcoxon_p=p,
                   wilcoxon_method="exact" if exact else "normal approximation", reasons=reasons)


def _wilcoxon_normal(nonzero: np.ndarray) -> tuple[float, float]:
    """Signed-rank W = min(W+, W−) and its two-sided p by the normal approximation, with the tie
    correction of the variance and a continuity correction of 0.5 towards the mean."""
    n = len(nonzero)
    sizes, inverse, ties = np.unique(np.abs(nonzero), return_inverse=True, return_counts=True)
    # Average rank of each distinct size: the ranks its ties share.
    upper = np.cumsum(ties)
    average_rank = upper - (ties - 1) / 2.0
    ranks = average_rank[inverse]
    w_plus = float(ranks[nonzero > 0].sum())
    w = min(w_plus, n * (n + 1) / 2.0 - w_plus)
    mean = n * (n + 1) / 4.0
    variance = n * (n + 1) * (2 * n + 1) / 24.0 - float(((ties ** 3) - ties).sum()) / 48.0
    if variance <= 0:
        return w, 1.0
    z = (w - mean + 0.5 * (1 if w < mean else -1 if w > mean else 0)) / math.sqrt(variance)
    return w, float(min(1.0, 2 * special.ndtr(-abs(z))))


class _Figures:
    """The fields of a PairedSummary as they are worked out, each None one with its reason."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.reasons: dict[str, str] = {}

    def set(self, **values: object) -> None:
        self.values.update(values)

    def missing(self, reason: str, *names: str) -> None:
        for name in names:
            self.values[name] = None
            self.reasons[name] = reason

    def summary(self, n: int) -> PairedSummary:
        return PairedSummary(n=n, reasons=self.reasons, **self.values)


def paired_summary_from_sums(sums: PairedSums, max_score: float = 100) -> PairedSummary:
    """Summarise pre/post scores from their sums: every figure except the Wilcoxon test."""
    n = sums.n
    figures = _Figures()
    figures.missing("needs each learner's scores", *_WILCOXON_FIELDS)
    if n == 0:
        figures.missing("no learners have both a pre-test and a post-test score",
                        *(name for name in _PAIRED_FIELDS if name not in _WILCOXON_FIELDS))
        return figures.summary(0)

    mean_pre, mean_post = sums.sum_pre / n, sums.sum_post / n
    mean_diff = mean_post - mean_pre
    figures.set(mean_pre=mean_pre, mean_post=mean_post, mean_diff=mean_diff)
    _add_gains(figures, sums, max_score, mean_pre, mean_post)
    if n < 2:
        figures.missing("needs at least two learners", "sd_pre", "sd_post", "sd_diff", "t", "df", "p", "ci_low",
                        "ci_high", "r", "d_z", "d_av", "d_rm")
        return figures.summary(n)

    df = n - 1
    ss_pre = _centred_square_sum(sums.sum_pre2, sums.sum_pre, n)
    ss_post = _centred_square_sum(sums.sum_post2, sums.sum_post, n)
    # Σd² = Σpost² − 2Σpre·post + Σpre²: its rounding noise scales with the scores, not the differences.
    sum_diff = sums.sum_post - sums.sum_pre
    sum_diff2 = sums.sum_post2 - 2 * sums.sum_prepost + sums.sum_pre2
    ss_diff = max(_centred_cross_sum(sum_diff2, sum_diff, sum_diff, n, sums.sum_pre2 + sums.sum_post2), 0.0)
    var_pre, var_post, var_diff = ss_pre / df, ss_post / df, ss_diff / df
    sd_diff = math.sqrt(var_diff)
    figures.set(sd_pre=math.sqrt(var_pre), sd_post=math.sqrt(var_post), sd_diff=sd_diff, df=df)

    if var_diff > 0:
        standard_error = sd_diff / math.sqrt(n)
        t = mean_diff / standard_error
        margin = t_quantile(0.975, df) * standard_error
        figures.set(t=t, p=float(2 * special.stdtr(df, -abs(t))), ci_low=mean_diff - margin,
                    ci_high=mean_diff + margin, d_z=mean_diff / sd_diff)
    elif mean_diff == 0:
        figures.missing("no learner's score changed between the tests", "t", "p", "ci_low", "ci_high", "d_z")
    else:
        figures.missing(f"every learner's score changed by exactly {mean_diff:+g}, so the changes have no "
                        "spread to test against", "t", "p", "ci_low", "ci_high", "d_z")

    if var_pre > 0 or var_post > 0:
        figures.set(d_av=mean_diff / math.sqrt((var_pre + var_post) / 2))
    else:
        figures.missing("neither the pre-test nor the post-test scores vary", "d_av")

    if var_pre > 0 and var_post > 0:
        cross = _centred_cross_sum(sums.sum_prepost, sums.sum_pre, sums.sum_post, n,
                                   math.sqrt(sums.sum_pre2 * sums.sum_post2))
        r = min(max(cross / math.sqrt(ss_pre * ss_post), -1.0), 1.0)
        figures.set(r=r)
        d_z = figures.values["d_z"]
        if d_z is None:
            figures.missing(figures.reasons["d_z"], "d_rm")
        else:
            figures.set(d_rm=d_z * math.sqrt(2 * (1 - r)))
    else:
        which = "pre-test" if var_pre == 0 else "post-test"
        figures.missing(f"the correlation is undefined because every learner has the same {which} score",
                        "r", "d_rm")
    return figures.summary(n)


def _add_gains(figures: _Figures, sums: PairedSums, max_score: float, mean_pre: float, mean_post: float) -> None:
    """Hake's gain of the class means and the average of the learners' own gains."""
    if mean_pre < max_score:
        figures.set(hake_g=(mean_post - mean_pre) / (max_score - mean_pre))
    else:
        figures.missing("the pre-test mean is already the maximum score, so there is no room to gain", "hake_g")
    figures.set(g_ave_n=sums.gain_n, g_ave_excluded=sums.gain_excluded)
    if sums.gain_n:
        figures.set(g_ave=sums.gain_sum / sums.gain_n)
    else:
        figures.missing("every learner's pre-test score was already the maximum, so nobody had room to gain",
                        "g_ave")


def t_quantile(probability: float, df: int) -> float:
    """The t distribution's quantile (e.g. 0.975 for a two-sided 95% interval)."""
    return float(special.stdtrit(df, probability))


def _paired_values(pre: Sequence[float], post: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Both score lists as float arrays; raises ValueError unless there is one post score per pre score."""
    if len(pre) != len(post):
        raise ValueError(f"pre and post must pair up: {len(pre)} pre-test scores, {len(post)} post-test scores")
    return np.asarray(pre, dtype=float).reshape(-1), np.asarray(post, dtype=float).reshape(-1)


def interpret_gain(g: float | None) -> str | None:
    """Hake's (1998) band for a normalised gain: low below 0.3, high from 0.7, medium between."""
    if g is None:
        return None
    if g < 0.3:
        return "low"
    return "medium" if g < 0.7 else "high"


def interpret_d(d: float | None) -> str | None:
    """Cohen's (1988) label for the size of a standardised mean difference, by absolute value."""
    if d is None:
        return None
    size = abs(d)
    if size < 0.2:
        return "negligible"
    if size < 0.5:
        return "small"
    return "medium" if size < 0.8 else "large"


# McNemar ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class McNemarResult:
    """McNemar's test of paired right/wrong answers; b = wrong→right, c = right→wrong."""

    b: int
    c: int
    #: chi-square value, reported in both branches so results are comparable
    statistic: float | None
    p: float | None
    method: str | None
    reason: str | None = None


def mcnemar(b: int, c: int, correction: bool = True) -> McNemarResult:
    """Two-sided McNemar test: exact binomial when b + c < 25, chi-square with 1 df otherwise.

    The continuity-corrected statistic is (|b − c| − 1)² / (b + c) as in statsmodels and R, so it
    is not clamped at 0 when b equals c.

    :raises ValueError: if b or c is negative.
    """
    if b < 0 or c < 0:
        raise ValueError(f"counts cannot be negative (b={b}, c={c})")
    discordant = b + c
    if discordant == 0:
        return McNemarResult(b, c, None, None, None, reason="no learner changed")
    excess = abs(b - c) - 1 if correction else abs(b - c)
    statistic = excess ** 2 / discordant
    if discordant < _MCNEMAR_EXACT_BELOW:
        # Two-sided binomial test with p = 1/2: the distribution is symmetric, so twice the smaller tail.
        p = min(1.0, 2 * float(special.bdtr(min(b, c), discordant, 0.5)))
        method = "exact binomial"
    else:
        p = special.chdtrc(1, statistic)
        method = "chi-square with continuity correction" if correction else "chi-square"
    return McNemarResult(b, c, statistic, float(p), method)


# Item analysis (Moodle's quiz statistics) -----------------------------------------------------

@dataclass(frozen=True)
class ItemSums:
    """One item's sums over the attempts that answered it; x = item mark, o = attempt total − x."""

    n: int
    sum_x: float
    sum_x2: float
    #: Σ x·T, T being the attempt total
    sum_xt: float
    #: histogram of the item's marks, keyed by round(x, 9)
    x_counts: dict[float, int]
    #: histogram of the rest of the attempt's total, keyed by round(T − x, 9)
    o_counts: dict[float, int]
    max_mark: float


@dataclass(frozen=True)
class TotalSums:
    """Power sums of the attempt totals T, and their histogram (keyed by round(T, 9)) for the median."""

    n: int
    sum_t: float
    sum_t2: float
    sum_t3: float
    sum_t4: float
    t_counts: dict[float, int]


@dataclass(frozen=True)
class ItemStats:
    """Moodle's statistics for one item (question slot). Variances divide by n − 1."""

    n: int
    #: mean mark as a fraction of the maximum (0..1); None when the maximum is 0
    facility: float | None
    #: SD of the raw marks
    sd: float | None
    #: 100 · correlation of the item mark with the rest of the test
    discrimination_index: float | None
    #: 100 · covariance / the largest covariance these marks allow
    discriminative_efficiency: float | None
    #: the item's share (%) of the spread of totals; None when it works against the total
    effective_weight: float | None
    #: covariance of the item mark with the rest of the test
    covariance: float | None
    mark_variance: float | None
    other_mark_variance: float | None
    #: covariance of item and rest-of-test marks after sorting both ascending
    covariance_max: float | None
    #: covariance of the item mark with the attempt total
    covariance_with_total: float | None


@dataclass(frozen=True)
class TestStats:
    """Moodle's statistics of the attempt totals."""

    __test__ = False  # not a pytest test class, despite the name

    n: int
    mean: float | None
    median: float | None
    sd: float | None
    #: k3 / k2^1.5 and k4 / k2² (excess kurtosis) from the k-statistics
    skewness: float | None
    kurtosis: float | None
    #: coefficient of internal consistency: Cronbach's alpha × 100
    cic: float | None
    error_ratio: float | None
    standard_error: float | None


@dataclass(frozen=True)
class ItemAnalysis:
    """Per-item statistics, in column order, and the statistics of the attempt totals."""

    items: list[ItemStats]
    test: TestStats


def item_analysis(marks: Sequence[Sequence[float]], max_marks: Sequence[float]) -> ItemAnalysis:
    """Moodle's item analysis of an attempts × items matrix of marks; the attempt total is the row sum.

    :raises ValueError: if a row does not have one mark per item.
    """
    for row_number, row in enumerate(marks):
        if len(row) != len(max_marks):
            raise ValueError(f"attempt {row_number} has {len(row)} marks for {len(max_marks)} items")
    matrix = np.asarray(marks, dtype=float).reshape(len(marks), len(max_marks))
    totals = matrix.sum(axis=1)
    items = []
    for column, max_mark in zip(matrix.T, max_marks):
        items.append(ItemSums(
            n=len(column),
            sum_x=float(column.sum()),
            sum_x2=float((column * column).sum()),
            sum_xt=float((column * totals).sum()),
            x_counts=_histogram(column),
            o_counts=_histogram(totals - column),
            max_mark=float(max_mark),
        ))
    total = TotalSums(
        n=len(totals),
        sum_t=float(totals.sum()),
        sum_t2=float((totals ** 2).sum()),
        sum_t3=float((totals ** 3).sum()),
        sum_t4=float((totals ** 4).sum()),
        t_counts=_histogram(totals),
    )
    return item_analysis_from_sums(items, total)


def item_analysis_from_sums(items: list[ItemSums], total: TotalSums) -> ItemAnalysis:
    """Moodle's item analysis from per-item sums and the attempt totals' power sums.

    Each item uses its own attempts, so an item that some attempts did not include still works;
    the sums of its rest-of-test marks come from its `o_counts` histogram.
    """
    partial = [_item_stats(item) for item in items]
    # Effective weights share out the square roots of the items' covariances with the total.
    weight_base = math.fsum(math.sqrt(stats.covariance_with_total) for stats in partial
                            if stats.covariance_with_total is not None and stats.covariance_with_total >= 0)
    weighted = []
    for stats in partial:
        cov_total = stats.covariance_with_total
        if weight_base > 0 and cov_total is not None and cov_total >= 0:
            stats = replace(stats, effective_weight=100 * math.sqrt(cov_total) / weight_base)
        weighted.append(stats)
    sum_of_mark_variances = math.fsum(s.mark_variance for s in partial if s.mark_variance is not None)
    return ItemAnalysis(weighted, _test_stats(total, len(items), sum_of_mark_variances))


def _item_stats(item: ItemSums) -> ItemStats:
    """One item's figures, with the effective weight still to be shared out (None here)."""
    _check_histogram(item.x_counts, item.n, "x_counts")
    _check_histogram(item.o_counts, item.n, "o_counts")
    n = item.n
    facility = item.sum_x / n / item.max_mark if n and item.max_mark else None
    if n < 2:
        return ItemStats(n, facility, *[None] * 9)

    df = n - 1
    sum_o = math.fsum(o * count for o, count in item.o_counts.items())
    sum_o2 = math.fsum(o * o * count for o, count in item.o_counts.items())
    sum_xo = item.sum_xt - item.sum_x2
    # A single distinct value means no spread at all, whatever rounding the sums picked up.
    x_varies, o_varies = len(item.x_counts) > 1, len(item.o_counts) > 1
    mark_variance = _centred_square_sum(item.sum_x2, item.sum_x, n) / df if x_varies else 0.0
    other_variance = _centred_square_sum(sum_o2, sum_o, n) / df if o_varies else 0.0
    if x_varies and o_varies:
        scale = math.sqrt(item.sum_x2 * sum_o2)
        covariance = _centred_cross_sum(sum_xo, item.sum_x, sum_o, n, scale) / df
        covariance_max = _centred_cross_sum(_comonotonic_cross_sum(item.x_counts, item.o_counts), item.sum_x,
                                            sum_o, n, scale) / df
    else:
        covariance = covariance_max = 0.0
    # T = x + o, so cov(x, T) = cov(x, o) + var(x).
    covariance_with_total = covariance + mark_variance

    spread = mark_variance * other_variance
    return ItemStats(
        n=n,
        facility=facility,
        sd=math.sqrt(mark_variance),
        discrimination_index=100 * covariance / math.sqrt(spread) if spread > 0 else None,
        discriminative_efficiency=100 * covariance / covariance_max if covariance_max else None,
        effective_weight=None,
        covariance=covariance,
        mark_variance=mark_variance,
        other_mark_variance=other_variance,
        covariance_max=covariance_max,
        covariance_with_total=covariance_with_total,
    )


def _comonotonic_cross_sum(x_counts: Mapping[float, int], o_counts: Mapping[float, int]) -> float:
    """Σ x₍ₖ₎·o₍ₖ₎ over ranks k with both lists sorted ascending, walking the two histograms together."""
    x_bins, o_bins = sorted(x_counts.items()), sorted(o_counts.items())
    products = []
    i = j = 0
    x_left, o_left = x_bins[0][1], o_bins[0][1]
    while i < len(x_bins) and j < len(o_bins):
        shared = min(x_left, o_left)
        products.append(x_bins[i][0] * o_bins[j][0] * shared)
        x_left -= shared
        o_left -= shared
        if x_left == 0:
            i += 1
            x_left = x_bins[i][1] if i < len(x_bins) else 0
        if o_left == 0:
            j += 1
            o_left = o_bins[j][1] if j < len(o_bins) else 0
    return math.fsum(products)


def _test_stats(total: TotalSums, item_count: int, sum_of_mark_variances: float) -> TestStats:
    """Mean, median, SD, skewness, kurtosis and reliability of the attempt totals (Moodle's rules)."""
    _check_histogram(total.t_counts, total.n, "t_counts")
    n = total.n
    if n == 0:
        return TestStats(0, *[None] * 8)
    mean, median = total.sum_t / n, _median(total.t_counts, n)
    if n < 2:
        return TestStats(n, mean, median, *[None] * 6)

    # Central sums Σ(T − mean)^r, expanded in the raw power sums.
    c2 = _centred_square_sum(total.sum_t2, total.sum_t, n) if len(total.t_counts) > 1 else 0.0
    k2 = c2 / (n - 1)
    sd = math.sqrt(k2)
    skewness = kurtosis = cic = error_ratio = standard_error = None
    if k2 > 0:
        if n > 2:
            c3 = total.sum_t3 - 3 * mean * total.sum_t2 + 2 * n * mean ** 3
            k3 = n * c3 / ((n - 1) * (n - 2))
            skewness = k3 / k2 ** 1.5
        if n > 3:
            c4 = total.sum_t4 - 4 * mean * total.sum_t3 + 6 * mean ** 2 * total.sum_t2 - 3 * n * mean ** 4
            k4 = (n * (n + 1) * c4 - 3 * (n - 1) * c2 ** 2) / ((n - 1) * (n - 2) * (n - 3))
            kurtosis = k4 / k2 ** 2
        if item_count > 1:
            cic = 100 * item_count / (item_count - 1) * (1 - sum_of_mark_variances / k2)
            error_ratio = 100 * math.sqrt(max(1 - cic / 100, 0.0))
            standard_error = error_ratio * sd / 100
    return TestStats(n, mean, median, sd, skewness, kurtosis, cic, error_ratio, standard_error)


def _median(counts: Mapping[float, int], n: int) -> float:
    """Median of a histogram: the middle value, or the mean of the two middle values."""
    wanted = sorted({(n - 1) // 2, n // 2})
    found = []
    seen = 0
    for value, count in sorted(counts.items()):
        seen += count
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return found[0] if len(found) == 1 else (found[0] + found[1]) / 2


def _histogram(values: Iterable[float]) -> dict[float, int]:
    found, counts = np.unique(np.round(np.asarray(values, dtype=float), _DECIMALS), return_counts=True)
    return dict(zip(found.tolist(), counts.tolist()))


def _check_histogram(counts: Mapping[float, int], n: int, name: str) -> None:
    if sum(counts.values()) != n:
        raise ValueError(f"{name} holds {sum(counts.values())} values but n is {n}")


# Reliability ----------------------------------------------------------------------------------

#: below this Cronbach's alpha a test's scores are too unreliable to compare groups (Nunnally 1978)
ALPHA_TO_COMPARE = 0.7


def cronbach_alpha(marks) -> float | None:
    """Cronbach's alpha of an attempts × items matrix of marks (the item analysis's CIC ÷ 100, without the
    per-item figures). None with fewer than two items or attempts, or no spread in the totals."""
    matrix = np.asarray(marks, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] < 2 or matrix.shape[1] < 2:
        return None
    k = matrix.shape[1]
    total_variance = float(matrix.sum(axis=1).var(ddof=1))
    if total_variance <= 1e-12:
        return None
    return k / (k - 1) * (1 - float(matrix.var(axis=0, ddof=1).sum()) / total_variance)


def feldt_interval(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float] | None:
    """Feldt's (1965) confidence interval for Cronbach's alpha from n attempts at k items.

    (1 − α) / (1 − α̂) follows an F distribution with n − 1 and (n − 1)(k − 1) degrees of freedom, so
    the interval is 1 − (1 − α̂)·F(1 − γ/2) to 1 − (1 − α̂)·F(γ/2), with γ = 1 − level. None when
    there are too few attempts or items, or alpha is missing.
    """
    if alpha is None or not math.isfinite(alpha) or n < 2 or k < 2:
        return None
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - level) / 2
    low = 1 - (1 - alpha) * float(special.fdtri(df1, df2, 1 - tail))
    high = 1 - (1 - alpha) * float(special.fdtri(df1, df2, tail))
    return low, high
