"""Sampling-error helpers for the scorecard.

Thin, well-defined wrappers around statsmodels/scipy so that the rest of the
pipeline never hand-writes a statistical formula:

* :func:`wilson_interval` - Wilson score interval for a share, returned in percent.
* :func:`poisson_interval` - exact (Garwood) interval for an event count.
* :func:`two_proportion_pvalue` - two-sided z-test (pooled variance) of two shares.
* :func:`poisson_rate_pvalue` - two-sided test that two Poisson counts/rates differ.

Conventions: "undefined" inputs (no observations, degenerate variance, missing
values) give ``nan``; impossible inputs (negative counts, more successes than
observations) raise ``ValueError`` because they indicate a data error upstream.
"""

from __future__ import annotations

import math
import warnings

from scipy.stats import chi2
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.rates import test_poisson_2indep

NAN = float("nan")

__all__ = [
    "wilson_interval",
    "poisson_interval",
    "two_proportion_pvalue",
    "poisson_rate_pvalue",
]


def _missing(*values: float | None) -> bool:
    return any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values)


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def _check_share(successes: float, n: float) -> None:
    if successes < 0:
        raise ValueError(f"successes must be non-negative, got {successes!r}")
    if successes > n:
        raise ValueError(f"successes ({successes!r}) cannot exceed n ({n!r})")


def wilson_interval(successes: float, n: float, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval of ``successes / n``, as PERCENT bounds (0-100).

    Uses ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.
    ``n <= 0`` or a missing input gives ``(nan, nan)``.
    """
    _check_alpha(alpha)
    if _missing(successes, n) or n <= 0:
        return (NAN, NAN)
    _check_share(successes, n)
    low, high = proportion_confint(successes, n, alpha=alpha, method="wilson")
    return (float(low) * 100.0, float(high) * 100.0)


def poisson_interval(count: float, alpha: float = 0.05) -> tuple[float, float]:
    """Exact (Garwood) two-sided interval for a Poisson event count.

    lower = chi2.ppf(alpha/2, 2k) / 2 (0 when k = 0), upper = chi2.ppf(1 - alpha/2, 2k + 2) / 2,
    computed with ``scipy.stats.chi2``. A missing count gives ``(nan, nan)``.
    """
    _check_alpha(alpha)
    if _missing(count):
        return (NAN, NAN)
    if count < 0:
        raise ValueError(f"count must be non-negative, got {count!r}")
    lower = 0.0 if count == 0 else float(chi2.ppf(alpha / 2.0, 2.0 * count) / 2.0)
    upper = float(chi2.ppf(1.0 - alpha / 2.0, 2.0 * count + 2.0) / 2.0)
    return (lower, upper)


def two_proportion_pvalue(x1: float, n1: float, x2: float, n2: float) -> float:
    """Two-sided p-value for ``x1/n1 != x2/n2``.

    ``statsmodels.stats.proportion.proportions_ztest`` with the pooled variance
    (the usual test under H0: equal proportions). ``nan`` when undefined: a
    missing input, ``n <= 0``, or both proportions 0 or both 1 (zero variance).
    Identical, non-degenerate proportions give ``1.0``.
    """
    if _missing(x1, n1, x2, n2) or n1 <= 0 or n2 <= 0:
        return NAN
    _check_share(x1, n1)
    _check_share(x2, n2)
    pooled = (x1 + x2) / (n1 + n2)
    if pooled <= 0.0 or pooled >= 1.0:
        return NAN
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        _stat, pvalue = proportions_ztest([x1, x2], [n1, n2], alternative="two-sided")
    pvalue = float(pvalue)
    return pvalue if math.isfinite(pvalue) else NAN


def _is_integral(x: float) -> bool:
    return float(x).is_integer()


def poisson_rate_pvalue(c1: float, c2: float, exposure1: float = 1.0, exposure2: float = 1.0) -> float:
    """Two-sided p-value for ``c1/exposure1 != c2/exposure2`` (Poisson counts).

    ``statsmodels.stats.rates.test_poisson_2indep``: the exact conditional
    (binomial) test for integer counts, the score test otherwise (e.g. counts
    that are themselves estimates). ``nan`` when undefined: a missing input,
    non-positive exposure, or ``c1 + c2 == 0`` (no events, no information).
    """
    if _missing(c1, c2, exposure1, exposure2) or exposure1 <= 0 or exposure2 <= 0:
        return NAN
    if c1 < 0 or c2 < 0:
        raise ValueError(f"counts must be non-negative, got {c1!r}, {c2!r}")
    if c1 + c2 == 0:
        return NAN
    if _is_integral(c1) and _is_integral(c2):
        result = test_poisson_2indep(
            int(c1), exposure1, int(c2), exposure2, method="exact-cond", alternative="two-sided"
        )
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = test_poisson_2indep(c1, exposure1, c2, exposure2, method="score", alternative="two-sided")
    pvalue = float(result.pvalue)
    if not math.isfinite(pvalue):
        return NAN
    return min(pvalue, 1.0)
