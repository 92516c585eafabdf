"""Sampling-error helpers for the scorecard.

Thin, well-defined wrappers around statsmodels/scipy so that the rest of the
pipeline never hand-writes a statistical formula. Each works column-wise, on
arrays (one element per scorecard row or metric value), and has a scalar form
for one value:

* :func:`wilson_intervals` / :func:`wilson_interval` - Wilson score interval for a share, in percent.
* :func:`poisson_intervals` / :func:`poisson_interval` - exact (Garwood) interval for an event count.
* :func:`two_proportion_pvalues` / :func:`two_proportion_pvalue` - two-sided z-test (pooled
  variance) of two shares.
* :func:`poisson_rate_pvalues` / :func:`poisson_rate_pvalue` - two-sided test that two Poisson
  counts/rates differ.

Conventions: "undefined" inputs (no observations, degenerate variance, missing
values) give ``nan``; impossible inputs (negative counts, more successes than
observations) raise ``ValueError`` because they indicate a data error upstream.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

# scipy.stats and statsmodels (with the pandas it pulls in) are imported where they are used: they
# cost about 0.6 s, and every process that loads the code location (the Dagster code server, each
# sensor tick's process, a run that only builds the report) would otherwise pay it.

NAN = float("nan")

ArrayLike = Sequence[float | None] | np.ndarray

__all__ = [
    "wilson_intervals",
    "wilson_interval",
    "poisson_intervals",
    "poisson_interval",
    "two_proportion_pvalues",
    "two_proportion_pvalue",
    "poisson_rate_pvalues",
    "poisson_rate_pvalue",
]


def _array(values: ArrayLike | float | None) -> np.ndarray:
    """Floats, with None as nan."""
    return np.atleast_1d(np.asarray(values, dtype=float))


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def _check_shares(successes: np.ndarray, n: np.ndarray, where: np.ndarray) -> None:
    if np.any(where & (successes < 0)):
        raise ValueError(f"successes must be non-negative, got {successes[where & (successes < 0)][0]!r}")
    if np.any(where & (successes > n)):
        i = np.flatnonzero(where & (successes > n))[0]
        raise ValueError(f"successes ({successes[i]!r}) cannot exceed n ({n[i]!r})")


def wilson_intervals(successes: ArrayLike, n: ArrayLike, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score intervals of ``successes / n``, as PERCENT bounds (0-100).

    ``statsmodels.stats.proportion.proportion_confint(method="wilson")`` on the whole column.
    ``n <= 0`` or a missing input gives ``nan`` bounds.
    """
    from statsmodels.stats.proportion import proportion_confint

    _check_alpha(alpha)
    x, n = np.broadcast_arrays(_array(successes), _array(n))
    ok = np.isfinite(x) & np.isfinite(n) & (n > 0)
    _check_shares(x, n, ok)
    low, high = np.full(x.shape, NAN), np.full(x.shape, NAN)
    if ok.any():
        lo, hi = proportion_confint(x[ok], n[ok], alpha=alpha, method="wilson")
        low[ok], high[ok] = np.asarray(lo) * 100.0, np.asarray(hi) * 100.0
    return low, high


def poisson_intervals(counts: ArrayLike, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) two-sided intervals for Poisson event counts.

    lower = chi2.ppf(alpha/2, 2k) / 2 (0 when k = 0), upper = chi2.ppf(1 - alpha/2, 2k + 2) / 2,
    with ``scipy.stats.chi2`` on the whole column. A missing count gives ``nan`` bounds.
    """
    from scipy.stats import chi2

    _check_alpha(alpha)
    k = _array(counts)
    ok = np.isfinite(k)
    if np.any(ok & (k < 0)):
        raise ValueError(f"count must be non-negative, got {k[ok & (k < 0)][0]!r}")
    kk = np.where(ok, k, 0.0)
    with np.errstate(invalid="ignore"):
        lower = np.where(kk == 0, 0.0, chi2.ppf(alpha / 2.0, 2.0 * kk) / 2.0)
    upper = chi2.ppf(1.0 - alpha / 2.0, 2.0 * kk + 2.0) / 2.0
    return np.where(ok, lower, NAN), np.where(ok, upper, NAN)


def two_proportion_pvalues(x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike) -> np.ndarray:
    """Two-sided p-values for ``x1/n1 != x2/n2``, row by row of the columns.

    The z-test with the pooled variance of ``statsmodels.stats.proportion.proportions_ztest``
    (the usual test under H0: equal proportions), computed column-wise:
    z = (x1/n1 - x2/n2) / sqrt(p (1 - p) (1/n1 + 1/n2)) with p = (x1 + x2) / (n1 + n2),
    p-value = 2 * norm.sf(|z|). ``nan`` when undefined: a missing input, ``n <= 0``, or both
    proportions 0 or both 1 (zero variance). Identical, non-degenerate proportions give ``1.0``.
    """
    from scipy.stats import norm

    x1, n1, x2, n2 = np.broadcast_arrays(_array(x1), _array(n1), _array(x2), _array(n2))
    ok = np.isfinite(x1) & np.isfinite(n1) & np.isfinite(x2) & np.isfinite(n2) & (n1 > 0) & (n2 > 0)
    _check_shares(x1, n1, ok)
    _check_shares(x2, n2, ok)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (x1 + x2) * 1.0 / (n1 + n2)
        ok &= (pooled > 0.0) & (pooled < 1.0)
        diff = x1 * 1.0 / n1 - x2 * 1.0 / n2
        std = np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
        pvalue = norm.sf(np.abs(diff / std)) * 2
    return np.where(ok & np.isfinite(pvalue), pvalue, NAN)


def _binary_search(pmf, d: np.ndarray, lo: np.ndarray, hi: np.ndarray, n, p, sign: float) -> np.ndarray:
    """scipy's ``_binary_search_for_binom_tst`` on every element at once: the index i in
    [lo, hi] with a(i) <= d < a(i + 1), where a(x) = sign * pmf(x) ascends over the range."""
    lo, hi = lo.copy(), hi.copy()
    found = np.full(lo.shape, -1.0)
    active = lo < hi
    while active.any():
        mid = lo + (hi - lo) // 2
        midval = sign * pmf(mid, n, p)
        less, more = active & (midval < d), active & (midval > d)
        equal = active & ~less & ~more
        found[equal] = mid[equal]
        lo = np.where(less, mid + 1, lo)
        hi = np.where(more, mid - 1, hi)
        active = (lo < hi) & (found < 0)
    last = np.where(sign * pmf(lo, n, p) <= d, lo, lo - 1)
    return np.where(found >= 0, found, last)


def _binom_two_sided(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``scipy.stats.binomtest(k, n, p).pvalue`` (two-sided, "minlike") column-wise: the same
    search for the other tail, for every element at once."""
    from scipy.stats import binom

    d = binom.pmf(k, n, p)
    rerr = 1 + 1e-7
    pval = np.ones(k.shape)
    below, above = k < p * n, k > p * n
    if below.any():
        kb, nb, pb, db = k[below], n[below], p[below], d[below]
        ix = _binary_search(binom.pmf, -db * rerr, np.ceil(pb * nb), nb, nb, pb, -1.0)
        y = nb - ix + (db * rerr == binom.pmf(ix, nb, pb))
        pval[below] = binom.cdf(kb, nb, pb) + binom.sf(nb - y, nb, pb)
    if above.any():
        ka, na, pa, da = k[above], n[above], p[above], d[above]
        ix = _binary_search(binom.pmf, da * rerr, np.zeros(ka.shape), np.floor(pa * na), na, pa, 1.0)
        y = ix + 1
        pval[above] = binom.cdf(y - 1, na, pa) + binom.sf(ka - 1, na, pa)
    return np.minimum(1.0, pval)


def poisson_rate_pvalues(
    c1: ArrayLike, c2: ArrayLike, exposure1: ArrayLike | float = 1.0, exposure2: ArrayLike | float = 1.0
) -> np.ndarray:
    """Two-sided p-values for ``c1/exposure1 != c2/exposure2`` (Poisson counts), row by row.

    As ``statsmodels.stats.rates.test_poisson_2indep``: the exact conditional (binomial) test for
    integer counts, computed column-wise (``c1`` out of ``c1 + c2`` against the share
    ``exposure1 / (exposure1 + exposure2)``, scipy's two-sided binomial test), and the score test
    for counts that are not whole (e.g. counts that are themselves estimates). ``nan`` when
    undefined: a missing input, non-positive exposure, or ``c1 + c2 == 0`` (no events, no
    information).
    """
    from statsmodels.stats.rates import test_poisson_2indep

    c1, c2, e1, e2 = np.broadcast_arrays(_array(c1), _array(c2), _array(exposure1), _array(exposure2))
    ok = np.isfinite(c1) & np.isfinite(c2) & np.isfinite(e1) & np.isfinite(e2) & (e1 > 0) & (e2 > 0)
    if np.any(ok & ((c1 < 0) | (c2 < 0))):
        i = np.flatnonzero(ok & ((c1 < 0) | (c2 < 0)))[0]
        raise ValueError(f"counts must be non-negative, got {c1[i]!r}, {c2[i]!r}")
    ok &= c1 + c2 != 0
    pvalue = np.full(c1.shape, NAN)
    whole = ok & (c1 == np.floor(c1)) & (c2 == np.floor(c2))
    if whole.any():
        r_d = 1 / (e2[whole] / e1[whole])  # as statsmodels: the null share is r_d / (1 + r_d)
        pvalue[whole] = _binom_two_sided(c1[whole], c1[whole] + c2[whole], r_d / (1 + r_d))
    for i in np.flatnonzero(ok & ~whole):  # rare: estimated counts
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = test_poisson_2indep(c1[i], e1[i], c2[i], e2[i], method="score", alternative="two-sided")
        pvalue[i] = float(result.pvalue)
    return np.where(np.isfinite(pvalue), np.minimum(pvalue, 1.0), NAN)


# -- one value ---------------------------------------------------------------------------------


def wilson_interval(successes: float | None, n: float | None, alpha: float = 0.05) -> tuple[float, float]:
    """:func:`wilson_intervals` of one share."""
    low, high = wilson_intervals([successes], [n], alpha)
    return float(low[0]), float(high[0])


def poisson_interval(count: float | None, alpha: float = 0.05) -> tuple[float, float]:
    """:func:`poisson_intervals` of one count."""
    low, high = poisson_intervals([count], alpha)
    return float(low[0]), float(high[0])


def two_proportion_pvalue(x1: float | None, n1: float | None, x2: float | None, n2: float | None) -> float:
    """:func:`two_proportion_pvalues` of one pair of shares."""
    return float(two_proportion_pvalues([x1], [n1], [x2], [n2])[0])


def poisson_rate_pvalue(
    c1: float | None, c2: float | None, exposure1: float | None = 1.0, exposure2: float | None = 1.0
) -> float:
    """:func:`poisson_rate_pvalues` of one pair of counts."""
    return float(poisson_rate_pvalues([c1], [c2], [exposure1], [exposure2])[0])
