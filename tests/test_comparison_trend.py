"""The comparison class (Fingertips' benchmark method) and the recent-trend marker at their
boundaries, with every figure worked out here by hand (pipelines/metrics/comparison.py)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from pipelines.metrics import codes, stats
from pipelines.metrics.comparison import compare_with_benchmark, recent_trend, weighted_slope

Z_975 = 1.959963984540054  # the 97.5 % normal quantile: a 95 % interval
Z_999 = 3.090232306167813  # the 99.9 % normal quantile: two-sided 99.8 %


def _compare(value, low, high, comparator, direction="higher", unit="percent") -> str:
    frame = pl.DataFrame(
        {
            "value": [value],
            "ci_low": [low],
            "ci_high": [high],
            "comparator_value": [comparator],
            "direction": [direction],
            "unit": [unit],
        },
        schema={
            "value": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "comparator_value": pl.Float64,
            "direction": pl.Utf8,
            "unit": pl.Utf8,
        },
    )
    return compare_with_benchmark(frame)["comparison"][0]


def test_the_municipalitys_wilson_interval_worked_out_by_hand():
    # 30 of 100: p = 0.3, n = 100, z = 1.96.
    #   centre = (p + z²/2n) / (1 + z²/n) = (0.3 + 0.0192074) / 1.0384146 = 0.3074029
    #   half   = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n) = 1.959964 · sqrt(0.0021 + 0.0000960) / 1.0384146
    #          = 1.959964 · 0.0468623 / 1.0384146 = 0.0884508
    # so the interval is 21.895 % to 39.585 %.
    n, p = 100, 0.3
    centre = (p + Z_975**2 / (2 * n)) / (1 + Z_975**2 / n)
    half = Z_975 * math.sqrt(p * (1 - p) / n + Z_975**2 / (4 * n**2)) / (1 + Z_975**2 / n)
    assert (100 * (centre - half), 100 * (centre + half)) == pytest.approx((21.895, 39.585), abs=5e-4)
    low, high = stats.wilson_interval(30, 100)
    assert (low, high) == pytest.approx((100 * (centre - half), 100 * (centre + half)), rel=1e-9)
    # Norway at 21.8 % lies below the interval: the municipality's 30 % is significantly higher.
    assert _compare(30.0, low, high, 21.8, "higher") == codes.BETTER
    assert _compare(30.0, low, high, 21.8, "lower") == codes.WORSE
    assert _compare(30.0, low, high, 22.0, "lower") == codes.SIMILAR  # 22.0 > 21.895: inside
    assert _compare(30.0, low, high, 39.5, "higher") == codes.SIMILAR  # 39.5 < 39.585: inside
    assert _compare(30.0, low, high, 39.7, "higher") == codes.WORSE  # above: the municipality is lower


@pytest.mark.parametrize(
    ("comparator", "direction", "expected"),
    [
        # interval [20, 40]: a comparator on a bound is inside (Fingertips: "not significantly different")
        (19.99, "higher", codes.BETTER),
        (20.0, "higher", codes.SIMILAR),
        (40.0, "higher", codes.SIMILAR),
        (40.01, "higher", codes.WORSE),
        (19.99, "lower", codes.WORSE),
        (40.01, "lower", codes.BETTER),
        (19.99, "context", codes.HIGHER),
        (40.01, "context", codes.LOWER),
        (40.01, "towards_target", codes.LOWER),
        (30.0, "context", codes.SIMILAR),
    ],
)
def test_comparison_class_at_the_interval_bounds(comparator, direction, expected):
    assert _compare(30.0, 20.0, 40.0, comparator, direction) == expected


def test_not_compared_without_an_interval_a_value_or_a_rate():
    # per_1000 and years have no interval
    assert _compare(12.0, None, None, 10.0, "lower", "per_1000") == codes.NOT_COMPARED_NO_INTERVAL
    assert _compare(12.0, None, None, 10.0, "lower", "years") == codes.NOT_COMPARED_NO_INTERVAL
    # a suppressed municipality or a missing comparator
    assert _compare(None, None, None, 10.0) == codes.NOT_COMPARED_NO_VALUE
    assert _compare(30.0, 20.0, 40.0, None) == codes.NOT_COMPARED_NO_VALUE
    # a count follows the population: 553 young disabled against Norway's 60 800 is no comparison
    assert _compare(553.0, 507.9, 601.1, 60800.0, "lower", "count") == codes.NOT_COMPARED_COUNT


# -- the recent trend ------------------------------------------------------------------------------
# Five yearly points on a straight line y = s·k (k = 0..4) with variance 1 each: the weighted slope is
# s, its standard error sqrt(1 / Σ(k - 2)²) = sqrt(1/10), so z = s·√10. Leaving out an end point
# leaves k = 1..4 (or 0..3) with Σ(k - k̄)² = 2.25 + 0.25 + 0.25 + 2.25 = 5: z = s·√5, the smallest
# of the five leave-one-out fits (leaving out k = 1 or 3 gives 8.75, k = 2 gives 10). Significant at
# 99.8 % two-sided means z > 3.0902, so
#   s = 0.97: z = 3.067           -> not significant               -> ingen sikker endring
#   s = 1.00: z = 3.162, but √5·s = 2.236 -> not robust           -> ingen sikker endring
#   s = 1.38: √5·s = 3.0858 < 3.0902      -> not robust           -> ingen sikker endring
#   s = 1.39: √5·s = 3.1081 > 3.0902      -> robust, significant  -> a trend
YEARS = [2020, 2021, 2022, 2023, 2024]


def _line(s: float) -> list[float]:
    return [10.0 + s * k for k in range(5)]


def test_the_weighted_slope_and_its_z_test_worked_out_by_hand():
    fit = weighted_slope([0, 1, 2, 3, 4], _line(1.0), [1.0] * 5)
    assert fit.slope == pytest.approx(1.0)
    z = 1.0 * math.sqrt(10)
    assert fit.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)  # two-sided normal p
    # weights are inverse variances: a variance of 4 is a weight of ¼, so Σw(k - 2)² = 10/4, z = s·√2.5
    assert weighted_slope([0, 1, 2, 3, 4], _line(1.0), [4.0] * 5).p_value == pytest.approx(
        math.erfc(math.sqrt(2.5) / math.sqrt(2)), rel=1e-9
    )


@pytest.mark.parametrize(
    ("slope", "direction", "expected"),
    [
        (0.97, "higher", codes.TREND_NONE),  # z = 3.067 < 3.0902
        (1.00, "higher", codes.TREND_NONE),  # significant, but not when an end point is left out
        (1.38, "higher", codes.TREND_NONE),  # leave-one-out z = 3.0858
        (1.39, "higher", codes.TREND_UP_BETTER),  # leave-one-out z = 3.1081
        (1.39, "lower", codes.TREND_UP_WORSE),
        (1.39, "context", codes.TREND_UP),
        (-1.39, "lower", codes.TREND_DOWN_BETTER),
        (-1.39, "higher", codes.TREND_DOWN_WORSE),
        (-1.39, "towards_target", codes.TREND_DOWN),
    ],
)
def test_trend_class_at_the_significance_and_robustness_bounds(slope, direction, expected):
    assert Z_999 / math.sqrt(5) == pytest.approx(1.38199, abs=1e-5)  # the robustness bound on s
    trend = recent_trend(YEARS, _line(slope), [1.0] * 5, cadence=1, direction=direction)
    assert trend.trend == expected
    assert (trend.first_year, trend.last_year) == (2020, 2024)
    assert trend.slope == pytest.approx(slope)


def test_five_consecutive_periods_in_the_metrics_cadence():
    line = _line(3.0)
    # four periods: cannot be calculated
    assert recent_trend(YEARS[1:], line[1:], [1.0] * 4, cadence=1, direction="higher").trend == codes.TREND_CANNOT
    # a suppressed 2023 breaks six years into runs of 2 (2020-2021) and 3 (2024-2026): cannot
    years = [2020, 2021, 2023, 2024, 2025, 2026]
    values = [10.0, 13.0, None, 22.0, 25.0, 28.0]
    assert recent_trend(years, values, [1.0] * 6, cadence=1, direction="higher").trend == codes.TREND_CANNOT
    # the last five of six consecutive years are used: the first point, far off the line, is ignored
    years = [2019, *YEARS]
    trend = recent_trend(years, [99.0, *_line(1.39)], [1.0] * 6, cadence=1, direction="higher")
    assert trend.trend == codes.TREND_UP_BETTER and trend.first_year == 2020
    # Ungdata every third year: 2011, 2014, …, 2023 are five consecutive periods; the slope is per year
    survey = [2011, 2014, 2017, 2020, 2023]
    trend = recent_trend(survey, _line(3 * 1.39), [1.0] * 5, cadence=3, direction="lower")
    assert trend.trend == codes.TREND_UP_WORSE and trend.slope == pytest.approx(1.39)
    # no sampling variance (years, per_1000): cannot be calculated
    assert recent_trend(YEARS, _line(5.0), [None] * 5, cadence=1, direction="higher").trend == codes.TREND_CANNOT


# -- the recent trend per report year ----------------------------------------------------------------
def _count_values(series: dict[int, float], other_years: list[int]) -> pl.DataFrame:
    """``marts.metric_values`` rows of the count metric young_disability (Poisson: the variance of
    a count is the count) for Bærum, and one row of another metric in ``other_years`` (a report
    year is any year with a value)."""
    rows = [
        {"metric_id": "young_disability", "year": y, "value": v, "numerator": v, "denominator": None}
        for y, v in series.items()
    ] + [
        {"metric_id": "vgs_completion", "year": y, "value": 80.0, "numerator": 80.0, "denominator": 100.0}
        for y in other_years
    ]
    return pl.DataFrame(rows, schema_overrides={"denominator": pl.Float64}).with_columns(
        area_code=pl.lit("baerum"),
        area_name=pl.lit("Bærum kommune"),
        area_level=pl.lit("kommune"),
        school_level=pl.lit("alle"),
        gender=pl.lit("alle"),
    )


def test_the_trend_is_computed_per_report_year_from_the_periods_up_to_it():
    from pipelines.catalogue import load_catalogue
    from pipelines.metrics.comparison import build_trends

    # Young disabled (a count, lower is better) rising by 200 a year 2015-2019, then flat at 1800.
    rising = {2015: 1000.0, 2016: 1200.0, 2017: 1400.0, 2018: 1600.0, 2019: 1800.0}
    flat = {y: 1800.0 for y in range(2020, 2025)}
    trends = build_trends(_count_values(rising | flat, [2025]), load_catalogue()).filter(
        pl.col("metric_id") == "young_disability"
    )
    by_year = {r["report_year"]: r for r in trends.iter_rows(named=True)}
    assert sorted(by_year) == list(range(2015, 2026))  # every report year of the values

    # 2018: four periods (2015-2018) -> kan ikke beregnes; the 2019 report is the first with five
    assert by_year[2018]["trend"] == codes.TREND_CANNOT and by_year[2018]["slope_per_year"] is None

    # 2019: the five points lie on a line, so the weighted slope is 200 whatever the weights. With
    # w = 1/count and k = 0..4: x̄_w = Σw·k/Σw, S = Σw(k - x̄_w)², z = 200·√S.
    def z(counts: list[float], ks: list[int]) -> float:
        w = [1 / c for c in counts]
        mean = sum(wi * k for wi, k in zip(w, ks)) / sum(w)
        return 200 * math.sqrt(sum(wi * (k - mean) ** 2 for wi, k in zip(w, ks)))

    counts, ks = list(rising.values()), [0, 1, 2, 3, 4]
    full = z(counts, ks)
    assert full == pytest.approx(17.155, abs=1e-3)
    # the weakest leave-one-out fit drops 2015 (the smallest count, the largest weight): z = 11.63
    weakest = min(z(counts[:i] + counts[i + 1 :], ks[:i] + ks[i + 1 :]) for i in range(5))
    assert weakest == pytest.approx(11.631, abs=1e-3) and weakest > Z_999
    row = by_year[2019]
    assert row["trend"] == codes.TREND_UP_WORSE  # a count of young disabled rising: dårligere
    assert (row["first_year"], row["last_year"]) == (2015, 2019)
    assert row["slope_per_year"] == pytest.approx(200.0)
    assert row["p_value"] == pytest.approx(math.erfc(full / math.sqrt(2)), rel=1e-6)

    # 2024: the last five periods 2020-2024 are flat: slope 0 -> ingen sikker endring
    assert by_year[2024]["trend"] == codes.TREND_NONE
    assert (by_year[2024]["first_year"], by_year[2024]["last_year"]) == (2020, 2024)
    assert by_year[2024]["slope_per_year"] == pytest.approx(0.0, abs=1e-9)
    # 2025 has no new period of this metric: the 2024 trend stands
    assert {k: by_year[2025][k] for k in ("trend", "first_year", "last_year")} == {
        k: by_year[2024][k] for k in ("trend", "first_year", "last_year")
    }


# -- survey metrics beside FHI's national reference --------------------------------------------------
def test_a_survey_metric_takes_hele_landet_from_the_fhi_period_containing_its_survey_year():
    """depressive_mood (lower is better) has no Hele landet cell of its own: its comparator value is
    FHI's national share of the shortest period containing the survey year (the latest of equals),
    held against Bærum's Wilson interval; the KOSTRA group, which the survey has no figure for, gets
    no row."""
    from pipelines.catalogue import load_catalogue
    from pipelines.metrics.comparison import build_comparisons

    catalogue = load_catalogue()
    # 30 of 100 in 2023 and 2022: Wilson 21.895 % to 39.585 % (worked out above)
    low, high = stats.wilson_interval(30, 100)
    values = pl.DataFrame(
        {
            "metric_id": ["depressive_mood"] * 3,
            "year": [2022, 2023, 2020],
            "period": ["2022", "2023", "2020"],
            "unit": ["percent"] * 3,
            "area_code": ["baerum"] * 3,
            "area_name": ["Bærum kommune"] * 3,
            "value": [30.0, 30.0, 30.0],
            "ci_low": [low] * 3,
            "ci_high": [high] * 3,
            "suppressed": [False] * 3,
            "suppression_reason": [None, None, None],
            "school_level": ["alle"] * 3,
            "gender": ["alle"] * 3,
        },
        schema_overrides={"suppression_reason": pl.Utf8},
    )
    compared = pl.DataFrame(
        {
            "area_code": ["baerum", "sammenligning:norge", "sammenligning:kostra_13"],
            "comparator_kind": ["kommune_selv", "norge", "kostra_gruppe"],
            "sort_order": [0, 1, 2],
            "area_name": ["Bærum kommune", "Hele landet", "KOSTRA-gruppe 13"],
        }
    )
    references = pl.DataFrame(
        {
            "metric_id": ["depressive_mood"] * 4,
            "period_start": [2021, 2022, 2023, 2015],
            "period_end": [2023, 2024, 2023, 2017],
            "value": [20.0, 21.0, 45.0, 30.0],
        }
    )
    table = build_comparisons(values, compared, catalogue, references)
    rows = {r["year"]: r for r in table.iter_rows(named=True)}
    assert sorted(rows) == [2022, 2023]  # 2020: no FHI period contains it -> no row
    assert {r["comparator_name"] for r in rows.values()} == {"Hele landet"}
    # 2023: the one-year period 2023_2023 (45.0) beats the three-year ones; 45.0 > 39.585: Bærum is
    # significantly lower, and lower is better -> bedre
    assert rows[2023]["comparator_value"] == 45.0 and rows[2023]["comparison"] == codes.BETTER
    # 2022: 2021_2023 (20.0) and 2022_2024 (21.0) both span three years; the latest, 21.0, is below
    # 21.895: Bærum is significantly higher -> dårligere
    assert rows[2022]["comparator_value"] == 21.0 and rows[2022]["comparison"] == codes.WORSE
    assert rows[2022]["comparator_ci_low"] is None and rows[2022]["comparator_suppressed"] is False


def test_the_weighted_slope_is_statsmodels_wls_to_the_last_bit():
    """The slope and p-value are computed as statsmodels' WLS with a fixed scale computes them, so
    the published trends do not move by a bit (the years and variances of real series)."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(13)
    for n in (4, 5) * 200:
        start = int(rng.integers(2005, 2020))
        step = int(rng.choice([1, 3]))
        x = [float(start + step * k) for k in range(n)]
        y = list(rng.uniform(0, 100, n) * rng.choice([1e-3, 1.0, 1e3]))
        variance = list(rng.uniform(0.01, 500, n))
        fit = sm.WLS(np.asarray(y), sm.add_constant(np.asarray(x)), weights=1.0 / np.asarray(variance)).fit(
            cov_type="fixed scale"
        )
        ours = weighted_slope(x, y, variance)
        assert (ours.slope, ours.p_value) == (float(fit.params[1]), float(fit.pvalues[1]))
