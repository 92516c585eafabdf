"""Child-welfare reports per reporting source: the categories add up to the total, and the early
reporters (04-07) to the numerator cw_reports_early_share publishes, so a small category is
suppressed together with complements that keep it protected under both sums, and SSB's own ":"
stays withheld."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from pipelines.metrics.engine import audit_reports_by_reporter, reports_by_reporter


def test_small_reporter_category_and_its_complement_are_suppressed():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.plan AS SELECT 'baerum' AS municipality_series, 'baerum' AS root_area_code")
    con.execute("""
        CREATE TABLE staging.stg_child_welfare_reports AS SELECT *, reporter_code IN ('04', '05', '06', '07') AS is_early
        FROM (VALUES
            ('baerum', 2020, '00', 'I alt',        100.0, NULL),
            ('baerum', 2020, '01', 'Barnet selv',    3.0, NULL),   -- under 5: primary
            ('baerum', 2020, '02', 'Foreldre',      40.0, NULL),
            ('baerum', 2020, '04', 'Barnehage',      9.0, NULL),   -- smallest other: complement
            ('baerum', 2020, '06', 'Skole',         48.0, NULL),
            ('baerum', 2021, '00', 'I alt',         60.0, NULL),
            ('baerum', 2021, '01', 'Barnet selv',   NULL, ':'),    -- withheld by SSB
            ('baerum', 2021, '02', 'Foreldre',      30.0, NULL),
            ('baerum', 2021, '06', 'Skole',         22.0, NULL),
            ('asker',  2020, '01', 'Barnet selv',    1.0, NULL)    -- other municipality: not here
        ) t(municipality, year, reporter_code, reporter_label, reports, reports_status)""")
    out = {
        (r["year"], r["reporter_code"]): r for r in reports_by_reporter(con, min_count=5, protection_width=5).to_dicts()
    }
    assert len(out) == 9
    reason = {key: r["suppression_reason"] for key, r in out.items()}
    # 2020: "01" (3) is under 5. The total alone would take the smallest other category, "04" (9),
    # but the early sum is published too (04 + 06 = 57): 04 = 57 - 48 unless 06 is hidden as well.
    # Then 01 = 100 - 40 - 57 = 3 exactly, so one more cell of the total's relation goes: "02" (40,
    # smaller than the total). Now 01 + 02 = 43 and 04 + 06 = 57: every hidden cell ranges 43 or 57.
    assert {k[1]: v for k, v in reason.items() if k[0] == 2020} == {
        "00": None,
        "01": "liten_telling",
        "02": "komplementaer",
        "04": "komplementaer",
        "06": "komplementaer",
    }
    assert out[(2020, "00")]["reports"] == 100 and out[(2020, "04")]["reports"] is None
    # 2021: SSB withheld "01". The only early reporter, "06", is its own early sum (22, published
    # as the share's numerator), so hiding it protects nothing: the complement is "02" (30), and
    # 01 + 02 = 60 - 22 = 38.
    assert {k[1]: v for k, v in reason.items() if k[0] == 2021} == {
        "00": None,
        "01": "kilde_skjermet",
        "02": "komplementaer",
        "06": None,
    }
    assert out[(2021, "06")]["reports"] == 22
    shown = [r for r in out.values() if not r["suppressed"] and r["reporter_code"] != "00"]
    assert all(r["reports"] >= 5 for r in shown)


def test_the_audit_reads_the_early_sum_and_pins_the_old_pattern():
    # The pattern suppression gave before the early sum counted: 01 (3) and 04 (9) hidden, the
    # total 100 and the early sum 57 published. By hand: 04 = 57 - 48 = 9, then 01 = 100 - 40 - 48 - 9 = 3.
    published = pl.DataFrame(
        {
            "year": [2020] * 5,
            "reporter_code": ["00", "01", "02", "04", "06"],
            "reports": [100.0, None, 40.0, None, 48.0],
            "is_early": [False, False, False, True, True],
            "suppressed": [False, True, False, True, False],
        }
    )
    early = pl.DataFrame({"year": [2020], "reports": [57.0]})
    got = {r["reporter_code"]: r for r in audit_reports_by_reporter(published, early, protection_width=5).to_dicts()}
    assert (got["01"]["lower"], got["01"]["upper"]) == pytest.approx((3, 3))
    assert (got["04"]["lower"], got["04"]["upper"]) == pytest.approx((9, 9))
    assert not got["01"]["protected"] and not got["04"]["protected"]
    # Without the early sum (a year where it is not published) the pair ranges over 0-12.
    alone = audit_reports_by_reporter(published, early.clear(), protection_width=5)
    assert alone.filter(pl.col("reporter_code") == "01").select("lower", "upper").row(0) == pytest.approx((0, 12))
