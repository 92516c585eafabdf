"""'Foreldet': the latest value is older than the source's cadence allows on the day the report
is read (KOSTRA's year Y is out in March of Y+1; Ungdata runs every three years, results in
September of the survey year). 'Foreløpig': KOSTRA's March figures are preliminary until the final
ones in mid-June (the catalogue counts them final from 1 July)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipelines.catalogue import load_catalogue, load_targets
from pipelines.metrics.codes import report_clock
from pipelines.metrics.engine import build_scorecard, stale_after_year
from pipelines.settings import Settings, resolve_as_of
from pipelines.warehouse import query
from tests.conftest import AS_OF
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
    """The demo data stand on 15 April 2026: KOSTRA's newest year is 2025 (out 1 March 2026), and
    read that day its figures are the preliminary ones; the 2024 report (read at the end of 2025)
    had final figures."""
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(demo_data_dir / "warehouse" / "sbu.duckdb", warehouse)
    cat = load_catalogue()
    con = duckdb.connect(str(warehouse))
    try:
        build_scorecard(con, cat, load_targets(catalogue=cat), dt.date(2026, 4, 15))
        card = query(con, "SELECT * FROM marts.scorecard")
    finally:
        con.close()
    baerum = card.filter(
        (card["area_code"] == "baerum") & (card["school_level"] == "alle") & (card["gender"] == "alle")
    )
    flags = {
        (r["metric_id"], r["report_year"]): (r["status_year"], r["status_preliminary"])
        for r in baerum.iter_rows(named=True)
    }
    kostra = [m.id for m in cat.metrics if m.source == "child_welfare"]
    assert len(kostra) == 3
    for metric_id in kostra:
        assert flags[(metric_id, 2025)] == (2025, True)
        assert flags[(metric_id, 2024)] == (2024, False)
    assert {m for (m, year), (_, prelim) in flags.items() if prelim} == set(kostra)


def test_latest_report_is_read_today_earlier_ones_when_they_were_made():
    today = dt.date(2026, 11, 23)
    assert report_clock(2024, 2024, today) == today
    assert report_clock(2019, 2024, today) == dt.date(2020, 12, 31)


def test_the_run_tag_names_the_day_else_the_setting_else_today(monkeypatch):
    settings = Settings(as_of=dt.date(2025, 1, 2))
    assert resolve_as_of("2026-04-15", settings) == dt.date(2026, 4, 15)
    assert resolve_as_of(None, settings) == dt.date(2025, 1, 2)
    assert resolve_as_of("", settings) == dt.date(2025, 1, 2)
    monkeypatch.delenv("SBU_AS_OF", raising=False)
    assert resolve_as_of(None, Settings()) == dt.datetime.now(ZoneInfo("Europe/Oslo")).date()
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        resolve_as_of("15.04.2026", settings)


def test_the_snapshot_stores_the_day_the_run_was_tagged_with(published_snapshot: Path):
    # tests/conftest.py tags the session's run with as_of=2026-04-15.
    assert sql(published_snapshot, "SELECT as_of FROM snapshot") == [(dt.date(2026, 4, 15),)]
    assert sql(published_snapshot, "SELECT DISTINCT as_of FROM scorecard") == [(dt.date(2026, 4, 15),)]


# Judged on 15 April 2026, each source's newest period out (catalogue/metrics.yaml's calendar):
# KOSTRA 2025 (1 March 2026), PPT and the services 2025 (1 February 2026), SSB/NAV 2024 (2025's
# on 1 June 2026), school year 2024/25 (2025/26 on 1 August 2026), the 2023 Ungdata survey (the
# 2026 survey on 1 September 2026).
NEWEST_OUT = {
    "child_welfare": 2025,
    "ppt": 2025,
    "services": 2025,
    "ssb_outcomes": 2024,
    "absence": 2024,
    "ungdata": 2023,
}


def test_demo_data_made_for_the_day_leave_nothing_foreldet(published_snapshot: Path):
    """The demo data stand on the run's day (tests/conftest.py: AS_OF): every source has its newest
    period, so the latest report's rows are current, each with its source's newest period."""
    cat = load_catalogue()
    rows = sql(
        published_snapshot,
        """
        SELECT metric_id, stale, status_year, report_year FROM scorecard
        WHERE area_code = 'baerum' AND school_level = 'alle' AND gender = 'alle'
          AND report_year = (SELECT max(report_year) FROM scorecard)""",
    )
    assert {r[3] for r in rows} == {2025}
    source = {m.id: m.source for m in cat.metrics}
    # Only a newest value hidden by the small-number rule leaves an older one as the status.
    hidden = {
        m
        for m, year in sql(
            published_snapshot,
            """SELECT metric_id, year FROM metric_values
               WHERE area_code = 'baerum' AND school_level = 'alle' AND gender = 'alle' AND suppressed""",
        )
        if year == NEWEST_OUT[source[m]]
    }
    assert hidden == {"ti_units_using"}  # 2025: fewer than 5 of the 113 units had not used the team
    assert {m for m, stale, _, _ in rows if stale} == hidden
    assert {m: y for m, _, y, _ in rows if m not in hidden} == {
        m.id: NEWEST_OUT[m.source] for m in cat.metrics if m.id not in hidden
    }


def test_a_source_genuinely_late_is_still_foreldet(pipeline_result, demo_data_dir: Path, tmp_path: Path):
    """The services' 2025 template has not come (its rows gone from the warehouse's values): read on
    15 April 2026, every services metric is "foreldet" (2025 was due 1 February); nothing else is."""
    warehouse = tmp_path / "w.duckdb"
    shutil.copyfile(demo_data_dir / "warehouse" / "sbu.duckdb", warehouse)
    cat = load_catalogue()
    services = sorted(m.id for m in cat.metrics if m.source == "services")
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("DELETE FROM marts.metric_values WHERE year = 2025 AND metric_id IN (SELECT unnest(?))", [services])
        build_scorecard(con, cat, load_targets(catalogue=cat), AS_OF)
        card = query(con, "SELECT * FROM marts.scorecard")
    finally:
        con.close()
    latest = card.filter(
        (card["area_code"] == "baerum")
        & (card["school_level"] == "alle")
        & (card["gender"] == "alle")
        & (card["report_year"] == 2025)
    )
    assert sorted(latest.filter(latest["stale"])["metric_id"].to_list()) == services
    assert len(services) == 9
    # Earlier report years are judged when they were made: 2019's report had 2019's figures.
    y2019 = card.filter(
        (card["area_code"] == "baerum")
        & (card["report_year"] == 2019)
        & (card["metric_id"] == "cw_reports_early_share")
    )
    assert y2019.height and not y2019["stale"].any()


def test_published_schedule_names_the_next_delivery(published_snapshot: Path):
    schedule = {
        r[0]: r[1:]
        for r in sql(
            published_snapshot, "SELECT source, latest_year, next_year, next_due, overdue FROM source_schedule"
        )
    }
    assert schedule == {
        "child_welfare": (2025, 2026, dt.date(2027, 3, 1), False),
        "ppt": (2025, 2026, dt.date(2027, 2, 1), False),
        "services": (2025, 2026, dt.date(2027, 2, 1), False),
        "ssb_outcomes": (2024, 2025, dt.date(2026, 6, 1), False),
        "absence": (2024, 2025, dt.date(2026, 8, 1), False),  # school year 2025/26 ends in June 2026
        "ungdata": (2023, 2026, dt.date(2026, 9, 1), False),
    }


def test_publishing_alone_cannot_claim_another_day(pipeline_result, demo_data_dir: Path, tmp_path: Path):
    """The snapshot takes its day from the scorecard it publishes; a run that asks for another day
    without recomputing the scorecard fails and publishes nothing."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.defs.resources import SbuSettings, pipeline_resources
    from tests.conftest import use_data_dir

    (tmp_path / "warehouse").mkdir()
    shutil.copyfile(demo_data_dir / "warehouse" / "sbu.duckdb", tmp_path / "warehouse" / "sbu.duckdb")
    try:
        use_data_dir(tmp_path)
        assets = list(defs.assets or [])
        kwargs = dict(
            selection=["published_snapshot"],
            resources=pipeline_resources(SbuSettings()),
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
        result = dg.materialize(assets, tags={"as_of": "2027-01-01"}, **kwargs)
        assert not result.success
        assert not (tmp_path / "published" / "sbu.duckdb").exists()
        # Without a tag (or with the scorecard's own day) it publishes the scorecard's day.
        assert dg.materialize(assets, **kwargs).success
        assert sql(tmp_path / "published" / "sbu.duckdb", "SELECT as_of FROM snapshot") == [(dt.date(2026, 4, 15),)]
    finally:
        use_data_dir(demo_data_dir)
