"""The municipality beside its comparators, and each series' recent trend, as Fingertips makes them.

Fingertips (the public-health profiles of England's Office for Health Improvement and Disparities)
judges every indicator of an area against a benchmark and marks its recent trend. Two of its methods
are used here, on the published (suppressed) values of ``marts.metric_values``:

**Comparison with a benchmark** (:func:`compare_with_benchmark`): Fingertips' "confidence interval
of the area's value against the benchmark's value" method. The comparator's value is held against the
municipality's 95 % interval (Wilson for shares, exact Poisson for counts; ``pipelines/metrics/stats.py``):

* the comparator's value below the interval → the municipality is significantly *higher*; above it →
  significantly *lower*; inside it (bounds included) → *som* (similar);
* read with the metric's direction: ``higher`` is better → higher = *bedre*, lower = *dårligere*;
  ``lower`` is better → the other way round; ``context`` / ``towards_target`` → *høyere* / *lavere*;
* a survey metric's Hele landet value comes from FHI Statistikk's national figure for the same
  Ungdata question (the catalogue's ``national_reference``; :func:`national_references`), as the
  survey export carries the municipality's schools only: it has no interval of its own, which the
  method does not need (it is the municipality's interval the comparator is held against). FHI
  publishes some indicators over periods of several years (``2022_2024``): a survey year is compared
  with the period that contains it, the shortest such period, and of those the latest;
* no interval (``years``, ``per_1000``, ``uncertainty: none``) → *mangler usikkerhet*; a ``count``
  is not compared (*antall*: its size follows the population, it is no rate); a missing or suppressed
  value on either side → *mangler tall*.

**Recent trend** (:func:`recent_trend`): Fingertips' recent-trend marker, as an inverse-variance
weighted least-squares slope over the most recent five consecutive periods up to the report year
(consecutive in the metric's cadence: every third year for Ungdata), fitted as statsmodels' ``WLS``
fits it, with the variances taken as known (``cov_type="fixed scale"``: a z-test of the slope, as the
sampling variances of a share or a count are known). A trend is marked when the slope is significant at 99.8 % (two-sided
p < 0.002) *and* stays so, with the same sign, when any one of the five points is left out;
otherwise *ingen sikker endring*. Fewer than five consecutive periods, or a metric without a
sampling variance (``years``, ``per_1000``, ``uncertainty: none``), → *kan ikke beregnes*. The
variance of a share in percent is ``p(1-p)/n · 100²`` (with ``p = (k + 0.5)/(n + 1)`` where k is 0
or n, so a share of 0 or 100 % keeps a weight), of a count its value (Poisson).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.catalogue import Catalogue
from pipelines.metrics import codes
from pipelines.readers.ssb import NATIONAL_KEY

__all__ = [
    "TREND_ALPHA",
    "TREND_POINTS",
    "Trend",
    "WeightedSlope",
    "build_comparisons",
    "build_trends",
    "compare_with_benchmark",
    "national_references",
    "recent_trend",
    "weighted_slope",
]

TREND_POINTS = 5  # Fingertips: at least five, and the most recent five, periods
TREND_ALPHA = 0.002  # significant at 99.8 % (two-sided)


# -- comparison -------------------------------------------------------------------------------------
def compare_with_benchmark(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``comparison`` (a code of :data:`pipelines.metrics.codes.COMPARISON_CLASSES`) to a frame
    with ``value``, ``ci_low``, ``ci_high`` (the municipality's), ``comparator_value``, ``unit`` and
    ``direction``: Fingertips' benchmark method (module docstring), vectorised."""
    higher = pl.col("comparator_value") < pl.col("ci_low")  # the municipality is significantly higher
    lower = pl.col("comparator_value") > pl.col("ci_high")
    better_if_higher = pl.col("direction") == "higher"
    better_if_lower = pl.col("direction") == "lower"
    comparison = (
        pl.when(pl.col("unit") == "count")
        .then(pl.lit(codes.NOT_COMPARED_COUNT))
        .when(pl.col("value").is_null() | pl.col("comparator_value").is_null())
        .then(pl.lit(codes.NOT_COMPARED_NO_VALUE))
        .when(pl.col("ci_low").is_null() | pl.col("ci_high").is_null())
        .then(pl.lit(codes.NOT_COMPARED_NO_INTERVAL))
        .when(higher & better_if_higher)
        .then(pl.lit(codes.BETTER))
        .when(higher & better_if_lower)
        .then(pl.lit(codes.WORSE))
        .when(higher)
        .then(pl.lit(codes.HIGHER))
        .when(lower & better_if_higher)
        .then(pl.lit(codes.WORSE))
        .when(lower & better_if_lower)
        .then(pl.lit(codes.BETTER))
        .when(lower)
        .then(pl.lit(codes.LOWER))
        .otherwise(pl.lit(codes.SIMILAR))
    )
    return frame.with_columns(comparison.alias("comparison"))


FHI_BOTH_GENDERS = "0"  # FHI's KJONN code of "kjønn samlet"


def national_references(reference: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """The Hele landet figures of the catalogue's survey metrics: per metric with a
    ``national_reference``, FHI's national share (its ``measure``, both genders) per FHI period, from
    ``staging.stg_ungdata_reference`` (``reference``). Columns ``metric_id``, ``period_start``,
    ``period_end``, ``value``."""
    wanted = pl.DataFrame(
        [
            {"metric_id": m.id, "indicator": ref.fhi_indicator, "measure": ref.measure}
            for m in catalogue.metrics
            if (ref := m.national_reference) is not None
        ],
        schema={"metric_id": pl.Utf8, "indicator": pl.Utf8, "measure": pl.Utf8},
    )
    national = reference.filter((pl.col("municipality") == NATIONAL_KEY) & (pl.col("gender") == FHI_BOTH_GENDERS))
    return national.join(wanted, on=["indicator", "measure"]).select(
        "metric_id",
        pl.col("period_start").cast(pl.Int64),
        pl.col("year").cast(pl.Int64).alias("period_end"),
        pl.col("value").cast(pl.Float64),
    )


def _reference_rows(
    own: pl.DataFrame, references: pl.DataFrame, national: pl.DataFrame, others: pl.DataFrame
) -> pl.DataFrame:
    """Hele landet's rows of :func:`build_comparisons` from the national references, for the
    municipality's periods that the metric's own SQL gave no national cell: each year takes the
    shortest FHI period that contains it, the latest of equals (module docstring)."""
    if national.is_empty() or references.is_empty():
        return others.clear()
    area = national.row(0, named=True)
    matched = (
        own.select("metric_id", "year")
        .join(references, on="metric_id")
        .filter((pl.col("period_start") <= pl.col("year")) & (pl.col("year") <= pl.col("period_end")))
        .sort("metric_id", "year", pl.col("period_end") - pl.col("period_start"), pl.col("period_end") * -1)
        .unique(["metric_id", "year"], keep="first", maintain_order=True)
        .join(others.filter(pl.col("comparator_code") == area["area_code"]), on=["metric_id", "year"], how="anti")
    )
    return matched.select(
        "metric_id",
        "year",
        pl.lit(area["area_code"]).alias("comparator_code"),
        pl.lit(area["area_name"]).alias("comparator_name"),
        pl.lit(area["comparator_kind"]).alias("comparator_kind"),
        pl.lit(area["sort_order"]).alias("comparator_order"),
        pl.col("value").alias("comparator_value"),
        pl.lit(None, pl.Float64).alias("comparator_ci_low"),
        pl.lit(None, pl.Float64).alias("comparator_ci_high"),
        pl.lit(False).alias("comparator_suppressed"),
        pl.lit(None, pl.Utf8).alias("comparator_suppression_reason"),
    ).cast(others.schema)


def build_comparisons(
    values: pl.DataFrame,
    compared: pl.DataFrame,
    catalogue: Catalogue,
    references: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """``marts.comparisons``: per metric, comparator and period, the municipality's value and
    interval beside the comparator's, and the comparison class. ``values`` is ``marts.metric_values``
    (suppressed), ``compared`` is ``marts.compared_regions``; only the whole population's cells
    (school level and gender ``alle``) are compared. ``references`` (:func:`national_references`)
    give the survey metrics their Hele landet value, where the plan compares with Hele landet."""
    meta = pl.DataFrame(
        {
            "metric_id": [m.id for m in catalogue.metrics],
            "direction": [m.direction for m in catalogue.metrics],
        }
    )
    areas = compared.select("area_code", "comparator_kind", "sort_order").unique("area_code")
    own_codes = areas.filter(pl.col("comparator_kind") == "kommune_selv")["area_code"].to_list()
    whole = values.filter((pl.col("school_level") == "alle") & (pl.col("gender") == "alle"))
    shown = ["value", "ci_low", "ci_high", "suppressed", "suppression_reason"]
    own = whole.filter(pl.col("area_code").is_in(own_codes)).select(
        "metric_id", "year", "period", "unit", "area_code", "area_name", *shown
    )
    others = whole.join(areas.filter(pl.col("comparator_kind") != "kommune_selv"), on="area_code").select(
        "metric_id",
        "year",
        pl.col("area_code").alias("comparator_code"),
        pl.col("area_name").alias("comparator_name"),
        "comparator_kind",
        pl.col("sort_order").alias("comparator_order"),
        *[pl.col(c).alias(f"comparator_{c}") for c in shown],
    )
    if references is not None:
        national = compared.filter(pl.col("comparator_kind") == "norge").unique("area_code")
        others = pl.concat([others, _reference_rows(own, references, national, others)])
    joined = own.join(others, on=["metric_id", "year"], how="inner").join(meta, on="metric_id")
    return compare_with_benchmark(joined).sort("metric_id", "comparator_order", "year")


# -- recent trend -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class WeightedSlope:
    slope: float
    p_value: float


def weighted_slope(x: list[float], y: list[float], variance: list[float]) -> WeightedSlope:
    """The inverse-variance weighted least-squares slope of ``y`` on ``x`` and its two-sided p-value,
    the variances taken as known: the slope's standard error is ``sqrt(1 / Σ w (x - x̄_w)²)`` and the
    test a z-test. Computed as statsmodels ``WLS(...).fit(cov_type="fixed scale")`` computes it, step
    for step (the whitened design's pseudo-inverse by SVD, ``statsmodels.tools.tools.pinv_extended``),
    so the figures are the same to the last bit, without its per-fit overhead."""
    from scipy.special import ndtr  # imported here: scipy costs the code location's every process 0.2 s

    root_weight = np.sqrt(1.0 / np.asarray(variance, dtype=float))
    design = root_weight[:, None] * np.column_stack([np.ones(len(x)), np.asarray(x, dtype=float)])
    u, singular, vt = np.linalg.svd(design, full_matrices=False)
    kept = singular > 1e-15 * singular.max()
    inverse = np.zeros_like(singular)
    inverse[kept] = 1.0 / singular[kept]
    pinv = np.dot(vt.T, inverse[:, None] * u.T)
    params = np.dot(pinv, np.asarray(y, dtype=float) * root_weight)
    std_error = np.sqrt(np.diag(np.dot(pinv, pinv.T)))
    z = params[1] / std_error[1]
    return WeightedSlope(float(params[1]), float(ndtr(-abs(z)) * 2))


@dataclass(frozen=True)
class Trend:
    trend: str  # a code of codes.TREND_CLASSES
    slope: float | None = None  # per year, in the metric's unit (percentage points for shares)
    p_value: float | None = None
    first_year: int | None = None
    last_year: int | None = None


def recent_trend(
    years: list[int], values: list[float], variances: list[float | None], *, cadence: int, direction: str
) -> Trend:
    """Fingertips' recent-trend marker over the last five consecutive periods (module docstring)."""
    points = sorted(
        (y, v, s) for y, v, s in zip(years, values, variances, strict=True) if v is not None and not math.isnan(v)
    )
    # the latest run of consecutive periods
    run: list[tuple[int, float, float | None]] = []
    for point in points:
        run = [*run, point] if run and point[0] - run[-1][0] == cadence else [point]
    run = run[-TREND_POINTS:]
    if len(run) < TREND_POINTS or any(s is None or not s > 0 for _, _, s in run):
        return Trend(codes.TREND_CANNOT)
    x = [float(y) for y, _, _ in run]
    y = [v for _, v, _ in run]
    var = [float(s) for _, _, s in run]  # type: ignore[arg-type]
    full = weighted_slope(x, y, var)
    robust = full.p_value < TREND_ALPHA and full.slope != 0
    for drop in range(len(run)):
        if not robust:
            break
        keep = [i for i in range(len(run)) if i != drop]
        part = weighted_slope([x[i] for i in keep], [y[i] for i in keep], [var[i] for i in keep])
        robust = part.p_value < TREND_ALPHA and np.sign(part.slope) == np.sign(full.slope)
    first, last = run[0][0], run[-1][0]
    if not robust:
        return Trend(codes.TREND_NONE, full.slope, full.p_value, first, last)
    up = full.slope > 0
    if direction == "higher":
        label = codes.TREND_UP_BETTER if up else codes.TREND_DOWN_WORSE
    elif direction == "lower":
        label = codes.TREND_UP_WORSE if up else codes.TREND_DOWN_BETTER
    else:
        label = codes.TREND_UP if up else codes.TREND_DOWN
    return Trend(label, full.slope, full.p_value, first, last)


def _variance() -> pl.Expr:
    """The sampling variance of a cell's value: a share in percent p(1-p)/n·100² (p moved off 0 and 1
    by a half), a count its value; none for other units or methods."""
    k, n = pl.col("numerator"), pl.col("denominator")
    p = pl.when((k <= 0) | (k >= n)).then((k + 0.5) / (n + 1)).otherwise(k / n)
    return (
        pl.when((pl.col("_method") == "wilson") & (n > 0))
        .then(p * (1 - p) / n * 10_000)
        .when(pl.col("_method") == "poisson")
        .then(pl.max_horizontal(pl.col("numerator"), pl.lit(0.5)))
        .otherwise(None)
    )


def build_trends(values: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """``marts.trends``: the recent trend of every metric in every area (the plan's and the
    comparators'), for the whole population (school level and gender ``alle``), per report year: as
    the scorecard, each report year sees the periods up to that year only, so the 2019 report shows
    the trend as it stood in 2019. The report years are those of the values (the scorecard's).
    From the published values: a suppressed period breaks the run of consecutive periods."""
    by_id = {m.id: m for m in catalogue.metrics}
    whole = values.filter((pl.col("school_level") == "alle") & (pl.col("gender") == "alle")).with_columns(
        pl.col("metric_id").replace_strict({m.id: m.interval_method for m in catalogue.metrics}).alias("_method")
    )
    whole = whole.with_columns(_variance().alias("_variance")).sort("year")
    report_years = sorted(values["year"].unique().to_list())
    rows = []
    for (metric_id, area_code), cell in whole.group_by(["metric_id", "area_code"], maintain_order=True):
        metric = by_id[metric_id]
        years, vals, variances = cell["year"].to_list(), cell["value"].to_list(), cell["_variance"].to_list()
        trend = Trend(codes.TREND_CANNOT)
        seen = -1  # how many of the series' periods the last computed trend saw
        for report_year in report_years:
            upto = sum(1 for y in years if y <= report_year)
            if upto != seen:  # a report year with no new period keeps the previous year's trend
                trend = recent_trend(
                    years[:upto],
                    vals[:upto],
                    variances[:upto],
                    cadence=metric.cadence_years,
                    direction=metric.direction,
                )
                seen = upto
            rows.append(
                {
                    "metric_id": metric_id,
                    "area_code": area_code,
                    "area_name": cell["area_name"][0],
                    "area_level": cell["area_level"][0],
                    "report_year": report_year,
                    "trend": trend.trend,
                    "slope_per_year": trend.slope,
                    "p_value": trend.p_value,
                    "first_year": trend.first_year,
                    "last_year": trend.last_year,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "metric_id": pl.Utf8,
            "area_code": pl.Utf8,
            "area_name": pl.Utf8,
            "area_level": pl.Utf8,
            "report_year": pl.Int64,
            "trend": pl.Utf8,
            "slope_per_year": pl.Float64,
            "p_value": pl.Float64,
            "first_year": pl.Int64,
            "last_year": pl.Int64,
        },
    )
