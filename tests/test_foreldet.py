"""'Foreldet': the latest value is older than the source's cadence allows on the day the report
is read (KOSTRA's year Y is out in March of Y+1; Ungdata runs every three years, results in
September of the survey year). 'Foreløpig': KOSTRA's March figures are preliminary until the final
ones in mid-June (the catalogue counts them final from 1 July)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from pipelines.catalogue import load_catalogue, load_targets
from pipelines.metrics.engine import build_scorecard, report_clock, stale_after_year
from tests.helpers import sql


def test_kostra_year_is_due_in_march_and_a_survey_every_three_years():
    cat = load_catalogue()
    kostra = next(m for m in cat.metrics if m.id == "cw_reports_early_share")
    survey = next(m for m in cat.metrics if m.id == "depressive_mood")
    # Before March 2026 the newest KOSTRA year out is 2024; from 1 March it is 2025.
    assert stale_after_year(kostra, dt.date(2026, 2, 28)) == 2024
    assert stale_after_year(kostra, dt.date(2026, 3, 1)) == 2025
    # Ungdata (results in September of the survey year, every third year): in August 2026 the
    # 2023 survey is current; from September 2026 the 2026 survey's results are due and 2023 is stale.
    assert stale_after_year(survey, dt.date(2026, 8, 31)) == 2023
    assert stale_after_year(survey, dt.date(2026, 9, 1)) == 2024


def test_kostra_figures_are_preliminary_from_march_until_july():
    cat = load_catalogue()
    kostra = next(m for m in cat.metrics if m.id == "cw_investigation_rate")
    survey = next(m for m in cat.metrics if m.id == "depressive_mood")
    assert kostra.preliminary_on(2024, dt.date(2025, 3, 1))
    assert kostra.preliminary_on(2024, dt.date(2025, 6, 30))
    assert not kostra.preliminary_on(2024, dt.date(2025, 7, 1))
    assert not kostra.preliminary_on(2023, dt.date(2025, 3, 1))
    # Ungdata publishes its results once: never preliminary.
    assert not survey.preliminary_on(2023, dt.date(2023, 9, 1))


def test_scorecard_read_in_april_marks_the_latest_kostra_year_preliminary(pipeline_result, demo_data_dir, tmp_path):
    """The demo's figures end in 2024. Read on 15 April 2025, KOSTRA's 2024 figures are the
    preliminary ones; the 2023 report (read at the end of 2024) had final figures."""
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(demo_data_dir / "warehouse" / "sbu.duckdb", warehouse)
    cat = load_catalogue()
    con = duckdb.connect(str(warehouse))
    try:
        card = build_scorecard(con, cat, load_targets(catalogue=cat), dt.date(2025, 4, 15))
    finally:
        con.close()
    baerum = card.filter((card["area_code"] == "baerum") & (card["school_level"] == "alle")
                         & (card["gender"] == "alle"))
    flags = {(r["metric_id"], r["report_year"]): (r["status_year"], r["status_preliminary"])
             for r in baerum.iter_rows(named=True)}
    kostra = [m.id for m in cat.metrics if m.source == "child_welfare"]
    assert len(kostra) == 3
    for metric_id in kostra:
        assert flags[(metric_id, 2024)] == (2024, True)
        assert flags[(metric_id, 2023)] == (2023, False)
    assert {m for (m, year), (_, prelim) in flags.items() if prelim} == set(kostra)


def test_latest_report_is_read_today_earlier_ones_when_they_were_made():
    today = dt.date(2026, 11, 23)
    assert report_clock(2024, 2024, today) == today
    assert report_clock(2019, 2024, today) == dt.date(2020, 12, 31)


def test_snapshot_flags_what_is_overdue_on_its_as_of_date(published_snapshot: Path):
    (as_of,) = sql(published_snapshot, "SELECT as_of FROM snapshot")[0]
    rows = dict(sql(published_snapshot, """
        SELECT metric_id, stale FROM scorecard
        WHERE area_code = 'baerum' AND school_level = 'alle' AND gender = 'alle'
          AND report_year = (SELECT max(report_year) FROM scorecard)"""))
    # The demo's KOSTRA figures end in 2024: overdue once March of 2026 has come.
    kostra_2025_due = as_of >= dt.date(2026, 3, 1)
    assert rows["cw_reports_early_share"] is kostra_2025_due
    # The demo's last Ungdata survey is 2023: overdue once the 2026 survey's results (Sept 2026) are due.
    assert rows["depressive_mood"] is (as_of >= dt.date(2026, 9, 1))
    # Earlier report years are judged when they were made: 2019's report had 2019's figures.
    (stale_2019,) = sql(published_snapshot, """
        SELECT bool_or(stale) FROM scorecard WHERE report_year = 2019 AND area_code = 'baerum'
          AND metric_id = 'cw_reports_early_share'""")[0]
    assert stale_2019 is False


def test_published_schedule_names_the_next_delivery(published_snapshot: Path):
    (as_of,) = sql(published_snapshot, "SELECT as_of FROM snapshot")[0]
    schedule = {r[0]: r[1:] for r in sql(published_snapshot,
                "SELECT source, latest_year, next_year, next_due, overdue FROM source_schedule")}
    assert schedule["child_welfare"][:3] == (2024, 2025, dt.date(2026, 3, 1))
    assert schedule["ungdata"][:3] == (2023, 2026, dt.date(2026, 9, 1))
    assert schedule["absence"][:3] == (2024, 2025, dt.date(2026, 8, 1))  # school year 2025/26 ends in June 2026
    assert schedule["child_welfare"][3] is (as_of >= dt.date(2026, 3, 1))
