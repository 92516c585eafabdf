"""Tests for pipelines.metrics.stats and pipelines.metrics.status."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binomtest, chi2, norm

from pipelines.metrics.codes import NO_DATA, NO_TARGET, OFF_TRACK, ON_TRACK, UNCERTAIN
from pipelines.metrics.stats import (
    poisson_interval,
    poisson_intervals,
    poisson_rate_pvalue,
    poisson_rate_pvalues,
    two_proportion_pvalue,
    two_proportion_pvalues,
    wilson_interval,
    wilson_intervals,
)
from pipelines.metrics.status import (
    Observation,
    assess,
    expected_on_path,
    improvement,
)
from pipelines.nb_format import format_number_nb

# --------------------------------------------------------------------------- stats


def test_wilson_matches_textbook_formula():
    # Textbook Wilson score interval for p = 16/100, z = 1.959964 (97.5 % normal quantile):
    #   centre = (p + z^2 / (2n)) / (1 + z^2 / n)
    #   half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / (4 n^2))
    z = 1.959963984540054
    p, n = 0.16, 100
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    low, high = wilson_interval(16, 100)
    assert low == pytest.approx((centre - half) * 100, abs=1e-9)
    assert high == pytest.approx((centre + half) * 100, abs=1e-9)
    # And the rounded numbers, as a reader would check them by hand: 10.1 % - 24.4 %.
    assert round(low, 1) == 10.1 and round(high, 1) == 24.4


def test_wilson_edge_cases():
    assert all(math.isnan(b) for b in wilson_interval(0, 0))
    low, high = wilson_interval(0, 50)
    assert low == pytest.approx(0.0, abs=1e-12) and 0 < high < 10
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_poisson_interval_zero_and_ten():
    # Garwood: lower = chi2(alpha/2; 2k)/2, upper = chi2(1 - alpha/2; 2k + 2)/2.
    assert poisson_interval(0) == (0.0, pytest.approx(chi2.ppf(0.975, 2) / 2))
    assert poisson_interval(0)[1] == pytest.approx(3.689, abs=1e-3)  # table value
    low, high = poisson_interval(10)
    assert low == pytest.approx(chi2.ppf(0.025, 20) / 2)
    assert high == pytest.approx(chi2.ppf(0.975, 22) / 2)
    assert (round(low, 3), round(high, 3)) == (4.795, 18.390)  # table values


def test_two_proportion_pvalue():
    assert two_proportion_pvalue(10, 100, 10, 100) == pytest.approx(1.0)
    assert two_proportion_pvalue(20, 200, 10, 100) == pytest.approx(1.0)
    assert two_proportion_pvalue(50, 100, 20, 100) < 0.001
    assert math.isnan(two_proportion_pvalue(0, 100, 0, 80))  # both 0: undefined
    assert math.isnan(two_proportion_pvalue(100, 100, 80, 80))  # both 1: undefined
    assert math.isnan(two_proportion_pvalue(1, 0, 3, 10))


def test_poisson_rate_pvalue():
    assert poisson_rate_pvalue(10, 10) == pytest.approx(1.0)
    assert poisson_rate_pvalue(10, 40) < 0.001
    assert poisson_rate_pvalue(10, 20, 1000, 2000) == pytest.approx(1.0)
    assert math.isnan(poisson_rate_pvalue(0, 0))
    assert 0 < poisson_rate_pvalue(10.5, 20.2) < 1  # non-integer counts: score test


def test_column_wise_statistics():
    """The column forms the scorecard uses, against the definitions computed here element by element."""
    # Exact conditional test of two Poisson counts: c1 out of c1 + c2 against the exposure share,
    # scipy's two-sided binomial test; symmetric (equal exposures) and not, both tails, c2 = 0.
    c1, c2 = [0, 3, 10, 10, 25, 40, 7, 120], [5, 3, 40, 10, 20, 41, 0, 80]
    e1, e2 = [1, 1, 1000, 1000, 4800, 5234, 2, 18000], [1, 1, 2000, 1000, 5100, 4800, 3, 21000]
    got = poisson_rate_pvalues(c1, c2, e1, e2)
    for i in range(len(c1)):
        expected = binomtest(c1[i], c1[i] + c2[i], e1[i] / (e1[i] + e2[i])).pvalue
        assert got[i] == pytest.approx(expected, rel=1e-9), (c1[i], c2[i], e1[i], e2[i])
    assert math.isnan(poisson_rate_pvalues([0], [0])[0])  # no events: undefined

    # Pooled two-proportion z-test: z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2)).
    x1, n1, x2, n2 = [30, 10, 0], [100, 100, 100], [20, 10, 0], [120, 100, 80]
    got = two_proportion_pvalues(x1, n1, x2, n2)
    pooled = 50 / 220
    z = (0.30 - 20 / 120) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 120))
    assert got[0] == pytest.approx(2 * norm.sf(abs(z)), rel=1e-12)
    assert got[1] == pytest.approx(1.0) and math.isnan(got[2])  # equal shares; both 0: undefined

    low, high = wilson_intervals([16, 0, 3], [100, 0, None])
    assert (round(low[0], 1), round(high[0], 1)) == (10.1, 24.4)  # as test_wilson_matches_textbook_formula
    assert all(math.isnan(v) for v in (low[1], high[1], low[2], high[2]))  # n = 0, missing n
    low, high = poisson_intervals([10, None])
    assert (round(low[0], 3), round(high[0], 3)) == (4.795, 18.390) and math.isnan(low[1])


# --------------------------------------------------------------------------- helpers


def test_improvement_signs():
    assert improvement(20.0, 15.0, "lower") == 5.0  # lower is better and it went down
    assert improvement(20.0, 15.0, "higher") == -5.0
    assert improvement(30.0, 40.0, "towards_target", 50.0) == 10.0
    assert improvement(60.0, 45.0, "towards_target", 50.0) == 5.0
    assert improvement(20.0, 15.0, "context") == -5.0


def test_expected_on_path_and_clamping():
    assert expected_on_path(20.0, 2014, 10.0, 2019, 2016) == pytest.approx(16.0)
    assert expected_on_path(20.0, 2014, 10.0, 2019, 2019) == 10.0
    assert expected_on_path(20.0, 2014, 10.0, 2019, 2023) == 10.0
    assert expected_on_path(20.0, 2014, 10.0, 2019, 2012) == 20.0


def test_format_number_nb():
    assert format_number_nb(14.25, 1) in {"14,2", "14,3"}
    assert format_number_nb(1234567.891, 2) == "1 234 567,89"
    assert format_number_nb(-0.01, 1) == "0,0"


# --------------------------------------------------------------------------- assess

# Lower-is-better share, 0-punkt 20 % in 2014, target 10 % in 2019: the path passes
# 16 % in 2016.
NUMERIC = dict(unit="percent", direction="lower", target_kind="numeric", target_value=10.0, target_year=2019)


def test_exactly_on_path_is_on_track():
    a = assess(
        **NUMERIC,
        baseline=Observation(2014, 20.0),
        status=Observation(2016, 16.0),
        latest_expected_year=2016,
    )
    assert a.status_class == ON_TRACK
    assert a.expected_value == pytest.approx(16.0)
    assert a.improvement == pytest.approx(4.0) and a.improvement_pp == pytest.approx(4.0)
    assert a.explanation_nb == "Status 16,0 % (2016) er lik forventet 16,0 % på veien mot målet."


def test_just_worse_than_path_is_off_track():
    # No counts -> no interval -> no "usikkert".
    a = assess(
        **NUMERIC,
        baseline=Observation(2014, 20.0),
        status=Observation(2016, 16.01),
        latest_expected_year=2016,
    )
    assert a.status_class == OFF_TRACK
    assert a.interval is None
    assert "dårligere enn forventet 16,0 %" in a.explanation_nb


def test_better_than_path_is_on_track():
    a = assess(
        **NUMERIC,
        baseline=Observation(2014, 20.0),
        status=Observation(2023, 9.5),
        latest_expected_year=2023,
    )
    assert a.status_class == ON_TRACK
    assert a.expected_value == 10.0  # clamped to the target after 2019
    assert a.explanation_nb == "Status 9,5 % (2023) er bedre enn forventet 10,0 % på veien mot målet."


def test_worse_but_expected_inside_interval_is_uncertain():
    # 17/100 = 17 %, Wilson 95 % interval about 10.9-25.6 % contains the expected 16 %.
    a = assess(
        **NUMERIC,
        baseline=Observation(2014, 20.0, 40, 200),
        status=Observation(2016, 17.0, 17, 100),
        latest_expected_year=2016,
    )
    assert a.status_class == UNCERTAIN
    assert a.interval[0] < 16.0 < a.interval[1]
    assert a.p_value is not None and a.p_value > 0.05
    assert "innenfor 95 %-intervallet" in a.explanation_nb


def test_worse_and_expected_outside_interval_is_off_track():
    # 1700/10000 = 17 %: the Wilson interval (about 16.3-17.7 %) excludes the expected 16 %.
    a = assess(
        **NUMERIC,
        baseline=Observation(2014, 20.0, 1000, 5000),
        status=Observation(2016, 17.0, 1700, 10000),
        latest_expected_year=2016,
    )
    assert a.interval[0] > 16.0
    assert a.status_class == OFF_TRACK


DIRECTIONAL = dict(unit="percent", direction="lower", target_kind="direction", target_value=None, target_year=None)


def test_directional_not_significant_is_uncertain():
    # 18/100 vs 20/100: p about 0.72.
    a = assess(
        **DIRECTIONAL,
        baseline=Observation(2014, 20.0, 20, 100),
        status=Observation(2023, 18.0, 18, 100),
        latest_expected_year=2023,
    )
    assert a.status_class == UNCERTAIN
    assert a.expected_value is None
    assert a.improvement == pytest.approx(2.0)
    assert a.p_value > 0.05
    assert "innenfor den statistiske usikkerheten" in a.explanation_nb


def test_directional_significant_improvement_is_on_track():
    a = assess(
        **DIRECTIONAL,
        baseline=Observation(2014, 20.0, 400, 2000),
        status=Observation(2023, 15.0, 300, 2000),
        latest_expected_year=2023,
    )
    assert a.status_class == ON_TRACK
    assert a.p_value < 0.05
    assert a.explanation_nb.startswith("Status 15,0 % (2023) er lavere enn 0-punkt 20,0 % (2014)")


def test_directional_significant_worsening_is_off_track():
    a = assess(
        **DIRECTIONAL,
        baseline=Observation(2014, 15.0, 300, 2000),
        status=Observation(2023, 20.0, 400, 2000),
        latest_expected_year=2023,
    )
    assert a.status_class == OFF_TRACK
    assert a.improvement == pytest.approx(-5.0)


def test_directional_without_counts_uses_sign_only():
    base = dict(DIRECTIONAL, unit="years", direction="higher")
    up = assess(**base, baseline=Observation(2014, 2.0), status=Observation(2023, 2.5), latest_expected_year=2023)
    flat = assess(**base, baseline=Observation(2014, 2.0), status=Observation(2023, 2.0), latest_expected_year=2023)
    assert up.status_class == ON_TRACK and up.improvement_pp is None and up.p_value is None
    assert flat.status_class == OFF_TRACK


def test_count_uses_poisson():
    base = dict(unit="count", direction="lower", target_kind="direction", target_value=None, target_year=None)
    noisy = assess(**base, baseline=Observation(2014, 12), status=Observation(2023, 9), latest_expected_year=2023)
    clear = assess(**base, baseline=Observation(2014, 60), status=Observation(2023, 20), latest_expected_year=2023)
    assert noisy.status_class == UNCERTAIN
    assert noisy.interval == pytest.approx(poisson_interval(9))
    assert clear.status_class == ON_TRACK


def test_missing_latest_year_is_no_data_but_improvement_is_kept():
    a = assess(
        **NUMERIC,
        baseline=Observation(2014, 20.0),
        status=Observation(2022, 14.0),
        latest_expected_year=2023,
    )
    assert a.status_class == NO_DATA
    assert a.improvement == pytest.approx(6.0)
    assert "Mangler verdi for 2023" in a.explanation_nb


@pytest.mark.parametrize(
    "baseline,status",
    [
        (None, Observation(2023, 1.0)),
        (Observation(2014, 1.0), None),
        (Observation(2014, None), Observation(2023, 1.0)),
        (Observation(2014, 1.0), Observation(2023, None)),
    ],
)
def test_missing_values_are_no_data(baseline, status):
    a = assess(**NUMERIC, baseline=baseline, status=status, latest_expected_year=2023)
    assert a.status_class == NO_DATA
    assert a.improvement is None


def test_stale_flag_is_separate_from_class():
    a = assess(
        **NUMERIC,
        baseline=Observation(2014, 20.0),
        status=Observation(2021, 9.0),
        latest_expected_year=2021,
        stale_after_year=2023,
    )
    assert a.status_class == ON_TRACK and a.stale is True
    fresh = assess(
        **NUMERIC,
        baseline=Observation(2014, 20.0),
        status=Observation(2023, 9.0),
        latest_expected_year=2023,
        stale_after_year=2023,
    )
    assert fresh.stale is False


def test_towards_target_numeric():
    base = dict(unit="percent", direction="towards_target", target_kind="numeric", target_value=50.0, target_year=2019)
    # From 30 in 2014 to 50 in 2019: path value 2019 = 50.
    up = assess(**base, baseline=Observation(2014, 30.0), status=Observation(2019, 40.0), latest_expected_year=2019)
    assert up.improvement == pytest.approx(10.0)
    assert up.status_class == OFF_TRACK  # 40 is 10 from the target, expected 0
    # From 60 in 2014: path in 2016 = 56; status 45 is 5 from the target, closer than 6.
    down = assess(**base, baseline=Observation(2014, 60.0), status=Observation(2016, 45.0), latest_expected_year=2016)
    assert down.improvement == pytest.approx(5.0)
    assert down.expected_value == pytest.approx(56.0)
    assert down.status_class == ON_TRACK


def test_context_or_no_target_gives_no_target_class():
    ctx = assess(
        unit="nok",
        direction="context",
        target_kind="none",
        target_value=None,
        target_year=None,
        baseline=Observation(2014, 1000.0),
        status=Observation(2023, 1500.0),
        latest_expected_year=2023,
    )
    assert ctx.status_class == NO_TARGET
    assert ctx.improvement == 500.0 and ctx.improvement_pp is None
    assert "1 500 kr" in ctx.explanation_nb
    missing = assess(
        unit="nok",
        direction="context",
        target_kind="none",
        target_value=None,
        target_year=None,
        baseline=Observation(2014, 1000.0),
        status=None,
        latest_expected_year=2023,
    )
    assert missing.status_class == NO_DATA


def test_per_1000_with_counts_has_interval():
    a = assess(
        unit="per_1000",
        direction="lower",
        target_kind="direction",
        target_value=None,
        target_year=None,
        baseline=Observation(2014, 30.0, 300, 10000),
        status=Observation(2023, 20.0, 220, 11000),
        latest_expected_year=2023,
    )
    assert a.interval[0] < 20.0 < a.interval[1]
    assert a.status_class == ON_TRACK and a.p_value < 0.05


def test_invalid_arguments_raise():
    with pytest.raises(ValueError):
        assess(
            unit="percent",
            direction="lower",
            target_kind="numeric",
            target_value=None,
            target_year=None,
            baseline=Observation(2014, 1.0),
            status=Observation(2023, 1.0),
            latest_expected_year=2023,
        )
    with pytest.raises(ValueError):
        assess(
            unit="promille",
            direction="lower",
            target_kind="none",
            target_value=None,
            target_year=None,
            baseline=None,
            status=None,
            latest_expected_year=2023,
        )


def test_the_baseline_years_own_report_is_uncertain_whatever_the_unit():
    """In the 0-punkt year the status is the 0-punkt: no change to judge, for shares and means alike."""
    from pipelines.metrics.codes import UNCERTAIN
    from pipelines.metrics.status import Observation, assess

    for unit, obs in (("percent", Observation(2014, 16.0, 16, 100)), ("years", Observation(2014, 8.3))):
        a = assess(
            unit=unit,
            direction="lower",
            baseline=obs,
            status=obs,
            target_kind="direction",
            target_value=None,
            target_year=2019,
            latest_expected_year=2014,
        )
        assert a.status_class == UNCERTAIN and a.improvement == 0
