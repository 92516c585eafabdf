"""Status class for one scorecard row ("Hva | 0-punkt | Mål | Status | Forbedring").

The plan asks whether each metric is on track: compare the latest value (Status)
with the straight path from the 0-punkt (baseline) to the Mål (target) for the
status year; survey shares carry sampling error, and a difference inside it is
not a change.

Vocabulary
----------
* ``unit`` in {"percent", "count", "years", "per_1000", "nok"}.
* ``direction`` in {"lower", "higher", "towards_target", "context"}.
* ``target_kind`` in {"numeric", "direction", "none"}.

Status classes (codes in ``pipelines.metrics.codes``, with the vocabulary above; the codes are
the plan's Norwegian words): ``ON_TRACK`` "på sporet", ``OFF_TRACK`` "ikke på sporet",
``UNCERTAIN`` "usikkert", ``NO_DATA`` "mangler data", ``NO_TARGET`` "ingen mål".

Rules of :func:`assess`, applied in this order
----------------------------------------------
1. **Mangler data** when the status or the 0-punkt observation (or its value)
   is missing, or when ``status.year < latest_expected_year`` (no value for the
   latest period the source should have published). The descriptive fields
   (improvement, expected value, interval, p-value, stale) are still filled in
   whenever the inputs for them exist.
2. **Ingen mål** when ``direction == "context"`` or ``target_kind == "none"``:
   the metric is followed for context only, so on/off track makes no sense.
3. **Numeric target** (``target_kind == "numeric"``): ``expected`` is the
   straight-path value for the status year (:func:`expected_on_path`, clamped to
   the 0-punkt before the baseline year and to the target from the target year
   on). The candidate class is *på sporet* when the status is at least as good as
   expected in the metric's direction (for ``towards_target``:
   ``|status - target| <= |expected - target|``); exactly on the path (within
   floating-point tolerance) counts as *på sporet*. Otherwise *ikke på sporet*,
   **unless** the status has a 95 % interval (see below) that contains the
   expected value: then the shortfall is inside the noise -> *usikkert*. A status
   that is better than expected is never downgraded.
4. **Directional target** (``target_kind == "direction"``, "lavere/høyere enn
   0-punkt"): candidate *på sporet* when improvement > 0, *ikke på sporet* when
   improvement <= 0; but when a test of status vs 0-punkt exists and its p-value
   is >= ``alpha``, the change is inside the noise -> *usikkert*. An undefined
   test (e.g. 0 % at both times) does not downgrade the candidate.

Intervals and tests (only where counts make them meaningful):

* ``unit == "percent"``: Wilson interval of the status when the status has
  numerator and denominator; two-proportion z-test of status vs 0-punkt when
  both observations have them.
* ``unit == "count"``: exact Poisson interval of the status count (``numerator``
  if given, else ``value``); exact conditional Poisson test of the two counts
  (counts are compared as counts, any denominator is ignored).
* ``unit == "per_1000"`` with numerator (events) and denominator (population) on
  the observation(s): Poisson interval of the events scaled by 1000/denominator;
  Poisson rate test with the denominators as exposures.
* ``years``, ``nok`` and ``per_1000`` without counts: no interval, no test, so no
  *usikkert*.

``stale`` ("foreldet") is a separate flag, not a class:
``stale_after_year is not None and status.year < stale_after_year``; the caller
derives ``stale_after_year`` from the source's publication cadence.

``improvement`` (Forbedring) is signed so positive = better: ``lower``:
baseline - status; ``higher``: status - baseline; ``towards_target``:
|baseline - target| - |status - target|; ``context``: status - baseline (no sign
meaning). ``improvement_pp`` equals it for percent units (a difference of
percent shares is in percentage points) and is None otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipelines.metrics import stats
from pipelines.metrics.codes import (
    DIRECTIONS,
    NO_DATA,
    NO_TARGET,
    OFF_TRACK,
    ON_TRACK,
    TARGET_KINDS,
    UNCERTAIN,
    UNITS,
    improvement,
)
from pipelines.nb_format import _UNIT_DECIMALS, _UNIT_SUFFIX, format_number_nb, format_value_nb

_TOL = 1e-9

__all__ = [
    "Observation",
    "Assessment",
    "improvement",
    "expected_on_path",
    "assess",
    "classify",
    "intervals_and_pvalues",
]


@dataclass(frozen=True)
class Observation:
    """One value of a metric for one period."""

    year: int  # calendar year, start year of a school year, or survey year
    value: float | None  # in the metric's unit (percent for shares)
    numerator: float | None = None
    denominator: float | None = None  # respondents / base for shares, exposure for rates


@dataclass(frozen=True)
class Assessment:
    """The scorecard verdict for one metric."""

    status_class: str
    expected_value: float | None
    improvement: float | None
    improvement_pp: float | None
    p_value: float | None
    interval: tuple[float, float] | None
    stale: bool
    explanation_nb: str


# --------------------------------------------------------------------------- formatting


def _format_p(p: float) -> str:
    if p < 0.001:
        return "p < 0,001"
    return f"p = {format_number_nb(p, 3)}"


def _format_interval(interval: tuple[float, float], unit: str, alpha: float) -> str:
    level = (1 - alpha) * 100
    level_txt = format_number_nb(level, 0 if _close(level, round(level)) else 1)
    decimals = 1 if unit == "count" else _UNIT_DECIMALS.get(unit, 1)
    low = format_number_nb(interval[0], decimals)
    high = format_number_nb(interval[1], decimals)
    return f"{level_txt} %-intervallet ({low}–{high}{_UNIT_SUFFIX.get(unit, '')})"


# --------------------------------------------------------------------------- core rules


def expected_on_path(baseline: float, baseline_year: int, target: float, target_year: int, year: int) -> float:
    """Value on the straight line from (baseline_year, baseline) to (target_year, target).

    Clamped: ``year >= target_year`` gives the target, ``year <= baseline_year``
    the baseline.
    """
    if target_year < baseline_year:
        raise ValueError(f"target year {target_year} is before the baseline year {baseline_year}")
    if year >= target_year:
        return target
    if year <= baseline_year:
        return baseline
    fraction = (year - baseline_year) / (target_year - baseline_year)
    return baseline + (target - baseline) * fraction


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_TOL, abs_tol=_TOL)


def _at_least_as_good(status: float, expected: float, direction: str, target: float | None) -> bool:
    """Is ``status`` better than or equal to ``expected`` in the metric's direction?"""
    if _close(status, expected):
        return True
    if direction == "lower":
        return status < expected
    if direction == "higher":
        return status > expected
    if direction == "towards_target":
        assert target is not None
        d_status, d_expected = abs(status - target), abs(expected - target)
        return d_status < d_expected or _close(d_status, d_expected)
    raise ValueError(f"direction {direction!r} has no notion of better")


def _has(*values: float | None) -> bool:
    """Every value is there (not None, not NaN). A plain loop: it runs for every scorecard row."""
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return False
    return True


def _column(values) -> np.ndarray:
    return np.asarray([np.nan if v is None else v for v in values], dtype=float)


def intervals_and_pvalues(
    units: Sequence[str],
    baselines: Sequence[Observation | None],
    statuses: Sequence[Observation | None],
    alpha: float = 0.05,
) -> tuple[list[tuple[float, float] | None], list[float | None]]:
    """The 95 % (1 - alpha) interval of each status value and the p-value of each status vs its
    0-punkt, for many rows at once (one element per row of the three sequences); computed
    column-wise per unit by :mod:`pipelines.metrics.stats` (see the module docstring for which
    interval and test a unit gets). An observation without a value counts as missing."""
    n = len(units)
    unit = np.asarray(units, dtype=object)
    s = [o if o is not None and _has(o.value) else None for o in statuses]
    b = [o if o is not None and _has(o.value) else None for o in baselines]
    s_num, s_den, s_val = (
        _column(getattr(o, f) if o else None for o in s) for f in ("numerator", "denominator", "value")
    )
    b_num, b_den, b_val = (
        _column(getattr(o, f) if o else None for o in b) for f in ("numerator", "denominator", "value")
    )
    has_base = np.asarray([o is not None for o in b], dtype=bool)
    low, high, p = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    fin = np.isfinite

    # percent: Wilson interval of the status; two-proportion z-test of status vs 0-punkt.
    rows = (unit == "percent") & fin(s_num) & fin(s_den) & (s_den > 0)
    low[rows], high[rows] = stats.wilson_intervals(s_num[rows], s_den[rows], alpha)
    tested = rows & has_base & fin(b_num) & fin(b_den)
    p[tested] = stats.two_proportion_pvalues(s_num[tested], s_den[tested], b_num[tested], b_den[tested])

    # count: exact Poisson interval of the count (numerator, else value); test of the two counts.
    count, base_count = np.where(fin(s_num), s_num, s_val), np.where(fin(b_num), b_num, b_val)
    rows = (unit == "count") & fin(count)
    low[rows], high[rows] = stats.poisson_intervals(count[rows], alpha)
    tested = rows & has_base & fin(base_count)
    p[tested] = stats.poisson_rate_pvalues(count[tested], base_count[tested])

    # per_1000 with counts: Poisson interval of the events scaled; rate test with exposures.
    rows = (unit == "per_1000") & fin(s_num) & fin(s_den) & (s_den > 0)
    lo, hi = stats.poisson_intervals(s_num[rows], alpha)
    scale = 1000.0 / s_den[rows]
    low[rows], high[rows] = lo * scale, hi * scale
    tested = rows & has_base & fin(b_num) & fin(b_den)
    p[tested] = stats.poisson_rate_pvalues(s_num[tested], b_num[tested], s_den[tested], b_den[tested])
    # years, nok: no sampling model.

    intervals = [
        (float(lo), float(hi)) if math.isfinite(lo) and math.isfinite(hi) else None
        for lo, hi in zip(low.tolist(), high.tolist(), strict=True)
    ]
    return intervals, [None if math.isnan(v) else v for v in p.tolist()]


def _validate(unit: str, direction: str, target_kind: str, target_value, target_year) -> None:
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; expected one of {sorted(UNITS)}")
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; expected one of {sorted(DIRECTIONS)}")
    if target_kind not in TARGET_KINDS:
        raise ValueError(f"unknown target_kind {target_kind!r}; expected one of {sorted(TARGET_KINDS)}")
    if direction == "context" or target_kind == "none":
        return
    if target_kind == "numeric" and (target_value is None or target_year is None):
        raise ValueError("a numeric target needs both target_value and target_year")
    if direction == "towards_target" and target_value is None:
        raise ValueError("direction 'towards_target' needs a target_value")


_BETTER_WORD = {"lower": "lavere enn", "higher": "høyere enn"}


def assess(
    *,
    unit: str,
    direction: str,
    baseline: Observation | None,
    status: Observation | None,
    target_kind: str,
    target_value: float | None,
    target_year: int | None,
    latest_expected_year: int,
    stale_after_year: int | None = None,
    alpha: float = 0.05,
) -> Assessment:
    """Classify one scorecard row; see the module docstring for the rules. For many rows,
    :func:`intervals_and_pvalues` once and :func:`classify` per row give the same."""
    (interval,), (p_value,) = intervals_and_pvalues([unit], [baseline], [status], alpha)
    return classify(
        unit=unit,
        direction=direction,
        baseline=baseline,
        status=status,
        target_kind=target_kind,
        target_value=target_value,
        target_year=target_year,
        latest_expected_year=latest_expected_year,
        stale_after_year=stale_after_year,
        alpha=alpha,
        interval=interval,
        p_value=p_value,
    )


def classify(
    *,
    unit: str,
    direction: str,
    baseline: Observation | None,
    status: Observation | None,
    target_kind: str,
    target_value: float | None,
    target_year: int | None,
    latest_expected_year: int,
    stale_after_year: int | None = None,
    alpha: float = 0.05,
    interval: tuple[float, float] | None,
    p_value: float | None,
) -> Assessment:
    """The rules of :func:`assess`, given the row's interval and p-value from
    :func:`intervals_and_pvalues`."""
    _validate(unit, direction, target_kind, target_value, target_year)

    has_status = status is not None and _has(status.value)
    has_baseline = baseline is not None and _has(baseline.value)
    no_target = direction == "context" or target_kind == "none"

    stale = bool(status is not None and stale_after_year is not None and status.year < stale_after_year)

    impr: float | None = None
    if has_status and has_baseline:
        impr = improvement(baseline.value, status.value, direction, target_value)
    impr_pp = impr if (impr is not None and unit == "percent") else None

    expected: float | None = None
    if target_kind == "numeric" and not no_target and has_status and has_baseline:
        expected = expected_on_path(baseline.value, baseline.year, target_value, target_year, status.year)

    def result(status_class: str, explanation: str) -> Assessment:
        return Assessment(
            status_class=status_class,
            expected_value=expected,
            improvement=impr,
            improvement_pp=impr_pp,
            p_value=p_value,
            interval=interval,
            stale=stale,
            explanation_nb=explanation,
        )

    fmt = lambda x: format_value_nb(x, unit)  # noqa: E731

    # Rule 1: missing data.
    if not has_status:
        return result(NO_DATA, "Mangler statusverdi.")
    if not has_baseline:
        return result(NO_DATA, "Mangler verdi for 0-punkt.")
    if status.year < latest_expected_year:
        return result(
            NO_DATA,
            f"Mangler verdi for {latest_expected_year}; siste verdi er {fmt(status.value)} ({status.year}).",
        )

    status_txt = f"{fmt(status.value)} ({status.year})"
    baseline_txt = f"{fmt(baseline.value)} ({baseline.year})"

    # Rule 2: no target.
    if no_target:
        return result(
            NO_TARGET,
            f"Ingen mål: indikatoren følges som kontekst; status {status_txt} mot 0-punkt {baseline_txt}.",
        )

    # Rule 2b: the status is the 0-punkt itself (the baseline year's report): nothing has changed
    # yet, so there is no progress to judge either way.
    if status.year <= baseline.year:
        return result(UNCERTAIN, f"Status er 0-punktet {baseline_txt}; ingen endring å vurdere ennå.")

    # Rule 3: numeric target on a straight path.
    if target_kind == "numeric":
        assert expected is not None
        expected_txt = fmt(expected)
        if _at_least_as_good(status.value, expected, direction, target_value):
            relation = "lik" if _close(status.value, expected) else "bedre enn"
            return result(
                ON_TRACK,
                f"Status {status_txt} er {relation} forventet {expected_txt} på veien mot målet.",
            )
        if interval is not None and interval[0] - _TOL <= expected <= interval[1] + _TOL:
            return result(
                UNCERTAIN,
                f"Status {status_txt} er dårligere enn forventet {expected_txt} på veien mot målet, "
                f"men forventet verdi ligger innenfor {_format_interval(interval, unit, alpha)}.",
            )
        return result(
            OFF_TRACK,
            f"Status {status_txt} er dårligere enn forventet {expected_txt} på veien mot målet.",
        )

    # Rule 4: directional target relative to the 0-punkt.
    assert impr is not None
    if direction == "towards_target":
        better = f"nærmere målet {fmt(target_value)} enn"
    else:
        better = _BETTER_WORD[direction]
    if p_value is not None and p_value >= alpha:
        return result(
            UNCERTAIN,
            f"Endringen fra 0-punkt {baseline_txt} til status {status_txt} er innenfor den "
            f"statistiske usikkerheten ({_format_p(p_value)}).",
        )
    significance = f", og endringen er statistisk sikker ({_format_p(p_value)})" if p_value is not None else ""
    if impr > 0:
        return result(ON_TRACK, f"Status {status_txt} er {better} 0-punkt {baseline_txt}{significance}.")
    return result(OFF_TRACK, f"Status {status_txt} er ikke {better} 0-punkt {baseline_txt}{significance}.")
