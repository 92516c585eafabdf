"""Child-welfare reports per reporting source: the categories add up to the total, so a small
category is suppressed together with a complement, and SSB's own ":" stays withheld."""

from __future__ import annotations

import duckdb

from pipelines.metrics.engine import reports_by_reporter


def test_small_reporter_category_and_its_complement_are_suppressed():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute("""
        CREATE TABLE staging.stg_child_welfare_reports AS SELECT * FROM (VALUES
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
    out = {(r["year"], r["reporter_code"]): r for r in reports_by_reporter(con, min_count=5, protection_width=5).to_dicts()}
    assert len(out) == 9
    assert out[(2020, "01")]["suppression_reason"] == "liten_telling" and out[(2020, "01")]["reports"] is None
    # 100 - 40 - 48 = 12 = 3 + 9: neither hidden cell can be recovered alone.
    assert out[(2020, "04")]["suppression_reason"] == "komplementaer" and out[(2020, "04")]["reports"] is None
    assert out[(2020, "00")]["reports"] == 100 and out[(2020, "02")]["reports"] == 40
    assert out[(2021, "01")]["suppression_reason"] == "kilde_skjermet"
    # 60 - 30 = 30 would reveal nothing about "01" only if another cell is hidden too: 22 is.
    assert out[(2021, "06")]["suppression_reason"] == "komplementaer"
    shown = [r for r in out.values() if not r["suppressed"] and r["reporter_code"] != "00"]
    assert all(r["reports"] >= 5 for r in shown)
