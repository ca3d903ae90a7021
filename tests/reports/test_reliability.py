"""Feldt's confidence interval for Cronbach's alpha, against a reference computed another way."""
import pytest


def feldt_by_beta(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's interval by another route: an F quantile from the beta distribution's quantile."""
    from scipy.stats import beta

    df1, df2 = n - 1, (n - 1) * (k - 1)

    def f_quantile(p):
        x = beta.ppf(p, df1 / 2, df2 / 2)
        return (df2 / df1) * x / (1 - x)

    tail = (1 - level) / 2
    return 1 - (1 - alpha) * f_quantile(1 - tail), 1 - (1 - alpha) * f_quantile(tail)


def test_feldt_interval_for_cronbachs_alpha():
    from lit_platform.reports.stats import feldt_interval

    # alpha 0.80 from 50 attempts at 10 items: F(49, 441) quantiles 1.4706 (97.5%) and 0.6331 (2.5%)
    low, high = feldt_interval(0.8, 50, 10)
    assert (low, high) == pytest.approx((0.70588, 0.87337), abs=1e-5)
    assert (low, high) == pytest.approx(feldt_by_beta(0.8, 50, 10))
    # wider with fewer attempts, and a 90% interval lies inside the 95% one
    assert feldt_interval(0.8, 10, 10)[0] < low
    narrow = feldt_interval(0.8, 50, 10, level=0.90)
    assert low < narrow[0] < 0.8 < narrow[1] < high
    assert feldt_interval(0.8, 1, 10) is None and feldt_interval(0.8, 50, 1) is None and feldt_interval(None, 50, 10) is None


def test_cronbach_alpha_is_the_item_analysis_coefficient():
    import numpy as np

    from lit_platform.reports.stats import cronbach_alpha, item_analysis

    # two items, six attempts: item variances 4/15 each, total variance 2/3, so alpha = 2 × (1 − 0.8) = 0.4
    marks = [[1, 0], [1, 1], [1, 1], [0, 1], [1, 1], [0, 0]]
    assert cronbach_alpha(marks) == pytest.approx(0.4)
    rng = np.random.default_rng(7)
    ability = rng.normal(size=(200, 1))
    marks = (ability + rng.normal(size=(200, 12)) > 0).astype(float)
    assert cronbach_alpha(marks) == pytest.approx(item_analysis(marks, [1] * 12).test.cic / 100)
    assert cronbach_alpha([[1, 1], [1, 1]]) is None and cronbach_alpha([[1], [0]]) is None
