"""The whole path: generated landing files -> real Dagster materialization -> DuckDB -> scorecard.

Expected figures are worked out here from the generated landing files with the standard library
(csv, json) and openpyxl — not with the project's readers, SQL or engine.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from pipelines.catalogue import load_catalogue
from tests.helpers import sql

REPO = Path(__file__).resolve().parent.parent
BAERUM_CODES = {"0219", "3024", "3201"}


def headline(path: Path, metric_id: str, report_year: int = 2024) -> dict:
    rows = sql(
        path,
        "SELECT baseline_year, baseline_value, status_year, status_value, improvement, status_class "
        "FROM scorecard WHERE metric_id = ? AND area_code = 'baerum' AND school_level = 'alle' "
        "AND gender = 'alle' AND report_year = ?",
        [metric_id, report_year],
    )
    assert len(rows) == 1, f"{metric_id}: expected one headline row, got {rows}"
    keys = ["baseline_year", "baseline_value", "status_year", "status_value", "improvement", "status_class"]
    return dict(zip(keys, rows[0]))


# -- the run itself -----------------------------------------------------------------------------


def test_full_asset_graph_materializes_into_duckdb(pipeline_result, demo_data_dir):
    from pipelines.definitions import defs

    refresh = pipeline_result.refresh
    materialized = {e.asset_key.to_user_string() for e in refresh.materializations}
    graph = defs.resolve_asset_graph()
    # every asset but the report and the fetch assets (group "fetch": off without SBU_SSB_BASE_URL,
    # and not in refresh_all)
    expected = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).group_name != "fetch"}
    assert materialized == expected - {"status_report"}
    assert {
        "ungdata",
        "absence",
        "ppt",
        "child_welfare",
        "services",
        "population",
        "metric_values",
        "scorecard",
        "published_snapshot",
    } <= materialized
    # Then the report, for the newest year the demo data reach (2025: PPT, the services and KOSTRA
    # had published it by 15 April 2026), as its sensor asks.
    (report,) = pipeline_result.report.materializations
    assert (report.asset_key.to_user_string(), report.partition) == ("status_report", "2025")

    # Every contract check ran and passed on the demo data.
    checks = refresh.check_evaluations
    contract_checks = [c for c in checks if c.check_name.endswith("__contract")]
    assert sum(c.metadata["rules"].value for c in contract_checks) > 50  # every rule, one check per table
    assert [c.check_name for c in checks if not c.passed] == []

    warehouse = demo_data_dir / "warehouse" / "sbu.duckdb"
    assert warehouse.exists() and warehouse.is_relative_to(demo_data_dir)
    counts = dict(sql(warehouse, "SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables()"))
    for table in (
        "raw.ungdata",
        "raw.absence",
        "raw.ppt",
        "raw.services",
        "raw.population",
        "raw.child_welfare_reports",
        "staging.stg_ungdata",
        "marts.metric_values",
        "marts.scorecard",
    ):
        assert counts.get(table, 0) > 0, table


def test_every_catalogue_metric_is_computed_for_baerum(published_snapshot):
    ids = {m.id for m in load_catalogue().metrics}
    assert len(ids) == 26  # 20 plan metrics + 6 Ungdata context indicators
    with_values = {
        r[0]
        for r in sql(
            published_snapshot,
            "SELECT DISTINCT metric_id FROM metric_values WHERE area_code = 'baerum' AND value IS NOT NULL",
        )
    }
    assert with_values == ids
    on_card = {r[0] for r in sql(published_snapshot, "SELECT DISTINCT metric_id FROM scorecard")}
    assert on_card == ids


def test_snapshot_holds_only_published_tables(published_snapshot):
    tables = {r[0] for r in sql(published_snapshot, "SELECT table_name FROM duckdb_tables()")}
    assert "metric_values" in tables and "scorecard" in tables
    assert not any(t.startswith(("raw", "stg_")) for t in tables)
    assert sql(published_snapshot, "SELECT demo_data FROM snapshot") == [(True,)]


# -- hand-worked figures ----------------------------------------------------------------------


def _ungdata_share(landing: Path, year: int, indicator: str) -> float:
    """Bærum's share: recover each school's yes-count from its one-decimal share and n, then sum."""
    yes = total = 0
    with open(landing / "ungdata" / f"ungdata_{year}.csv", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            if row["Indikator-id"] != indicator:
                continue
            n = int(row["Antall svar"])
            share = float(row["Andel (%)"].replace(",", "."))
            yes += round(share * n / 100)
            total += n
    return 100 * yes / total


def test_survey_share_scorecard_matches_hand_calculation(published_snapshot, landing_dir):
    baseline = _ungdata_share(landing_dir, 2014, "depressive_mood")
    status = _ungdata_share(landing_dir, 2023, "depressive_mood")
    card = headline(published_snapshot, "depressive_mood")
    assert card["baseline_year"] == 2014 and card["status_year"] == 2023
    assert card["baseline_value"] == pytest.approx(baseline, abs=1e-9)
    assert card["status_value"] == pytest.approx(status, abs=1e-9)
    # Lower is better: Forbedring = 0-punkt - Status.
    assert card["improvement"] == pytest.approx(baseline - status, abs=1e-9)


def _early_report_share(landing: Path, year: int, codes: set[str] = BAERUM_CODES) -> float:
    early = total = 0
    path = landing / "child_welfare" / "ssb_12870_meldinger_etter_melder.csv"
    with open(path, encoding="cp1252", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            if row["region"].split()[0] not in codes or row["år"] != str(year):
                continue
            code = row["meldingsinstans"].split()[0]
            count = int(row["12870: Meldinger til barnevernet"])
            if code == "00":
                total += count
            elif code in {"04", "05", "06", "07"}:  # barnehage, helsestasjon/skolehelse, skole, fastlege
                early += count
    return 100 * early / total


def test_child_welfare_share_scorecard_matches_hand_calculation(published_snapshot, landing_dir):
    baseline = _early_report_share(landing_dir, 2014)
    status = _early_report_share(landing_dir, 2024)
    card = headline(published_snapshot, "cw_reports_early_share")
    assert (card["baseline_year"], card["status_year"]) == (2014, 2024)
    assert card["baseline_value"] == pytest.approx(baseline, abs=1e-9)
    assert card["status_value"] == pytest.approx(status, abs=1e-9)
    assert card["improvement"] == pytest.approx(status - baseline, abs=1e-9)  # higher is better


ASSS_CODES = {"0301", "1103", "1108", "3107", "3201", "3301", "4204", "4601", "5001", "5501"}


def test_comparators_are_computed_from_the_national_files_and_published(published_snapshot, landing_dir):
    """Hele landet is the file's national row ("0"), KOSTRA-gruppe 13 its group row, ASSS the sum of
    its ten members' counts (not a mean of their shares), Asker its own rows: each through the same
    metric SQL as Bærum, published in "comparisons" beside Bærum's value and interval."""
    rows = sql(
        published_snapshot,
        "SELECT comparator_name, value, ci_low, ci_high, comparator_value, comparison FROM comparisons "
        "WHERE metric_id = 'cw_reports_early_share' AND year = 2024 ORDER BY comparator_order",
    )
    names = [r[0] for r in rows]
    assert names == ["Hele landet", "KOSTRA-gruppe 13", "ASSS-kommunene", "Asker"]
    expected = {
        "Hele landet": _early_report_share(landing_dir, 2024, {"0"}),
        "KOSTRA-gruppe 13": _early_report_share(landing_dir, 2024, {"EKG13"}),
        "ASSS-kommunene": _early_report_share(landing_dir, 2024, ASSS_CODES),
        "Asker": _early_report_share(landing_dir, 2024, {"3203"}),
    }
    own = _early_report_share(landing_dir, 2024)
    for name, value, low, high, comparator, comparison in rows:
        assert value == pytest.approx(own, abs=1e-9)
        assert comparator == pytest.approx(expected[name], abs=1e-9), name
        assert comparison == ("bedre" if comparator < low else "dårligere" if comparator > high else "som")
    # the comparators are no areas of the plan: not in the published areas, values or scorecard
    for table in ("areas", "metric_values", "scorecard"):
        assert sql(published_snapshot, f"SELECT count(*) FROM {table} WHERE area_code LIKE 'sammenligning:%'") == [(0,)]
    trends = dict(sql(published_snapshot, "SELECT area_name, trend FROM trends WHERE metric_id = 'vgs_completion'"))
    assert {"Bærum kommune", "Hele landet", "Asker"} <= set(trends)
    # a trend marker per report year, as the scorecard has one per report year
    assert sql(published_snapshot, "SELECT DISTINCT report_year FROM trends ORDER BY 1") == sql(
        published_snapshot, "SELECT DISTINCT report_year FROM scorecard ORDER BY 1"
    )


def _service_count(landing: Path, year: int, indicator: str) -> float:
    sheet = openpyxl.load_workbook(landing / "services" / f"tjenestetall_{year}.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    values = [r[header.index("Teller")] for r in rows[1:] if r[header.index("Indikator-id")] == indicator]
    assert len(values) == 1
    return values[0]


def test_count_scorecard_matches_hand_calculation(published_snapshot, landing_dir):
    baseline = _service_count(landing_dir, 2014, "youth_homeless")
    status = _service_count(landing_dir, 2024, "youth_homeless")
    assert baseline == 18  # the plan's own 0-punkt (September 2014)
    card = headline(published_snapshot, "youth_homeless")
    assert (card["baseline_value"], card["status_value"]) == (baseline, status)
    assert card["improvement"] == baseline - status


def test_forbedring_is_positive_when_lower_is_better_went_down(published_snapshot):
    rows = sql(
        published_snapshot,
        "SELECT s.metric_id, s.area_code, s.baseline_value, s.status_value, s.improvement "
        "FROM scorecard s JOIN metric_catalogue c USING (metric_id) "
        "WHERE c.direction = 'lower' AND s.status_value IS NOT NULL AND s.baseline_value IS NOT NULL",
    )
    went_down = [r for r in rows if r[3] < r[2]]
    went_up = [r for r in rows if r[3] > r[2]]
    assert went_down and went_up  # the demo data have both
    assert all(r[4] > 0 for r in went_down)
    assert all(r[4] < 0 for r in went_up)


def test_area_split_adds_up(published_snapshot):
    """Bærum = Østre + Vestre for the additive parts of a school-level metric."""
    rows = sql(
        published_snapshot,
        "SELECT area_code, numerator, denominator FROM metric_values WHERE metric_id = 'absence_low_mastery' "
        "AND year = 2020 AND area_code IN ('baerum', 'ostre', 'vestre')",
    )
    by_area = {a: (n, d) for a, n, d in rows}
    assert by_area["baerum"][0] == by_area["ostre"][0] + by_area["vestre"][0]
    assert by_area["baerum"][1] == by_area["ostre"][1] + by_area["vestre"][1]


# -- Dagster loads from workspace.yaml --------------------------------------------------------


def test_definitions_validate_from_workspace_yaml(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "SBU_DATA_DIR": str(tmp_path / "data")}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dagster = Path(sys.executable).parent / "dagster"
    proc = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "code location sbu" in proc.stdout + proc.stderr  # its name (workspace.yaml, pyproject's [tool.dg])
    # The name in pyproject.toml matches the workspace's (Dagster warns on every load otherwise).
    assert "does not match" not in proc.stdout + proc.stderr


def test_the_warehouse_follows_the_data_folder_of_each_run(tmp_path, demo_data_dir):
    """The code location is loaded once per process; the warehouse a run writes must still be the
    one of the data folder set when the run starts (a test or a second folder never writes the
    first folder's warehouse)."""
    import dagster as dg

    from pipelines.definitions import defs
    from tests.conftest import use_data_dir

    job = defs.resolve_job_def("refresh_all")
    try:
        for name in ("first", "second"):
            data = tmp_path / name
            shutil.copytree(demo_data_dir / "landing" / "ppt", data / "landing" / "ppt")
            use_data_dir(data)
            result = job.execute_in_process(
                instance=dg.DagsterInstance.ephemeral(), asset_selection=[dg.AssetKey("ppt")]
            )
            assert result.success
            (files,) = sql(data / "warehouse" / "sbu.duckdb", "SELECT COUNT(DISTINCT _source_file) FROM raw.ppt")[0]
            assert files == len(list((data / "landing" / "ppt").iterdir()))
    finally:
        use_data_dir(demo_data_dir)


# -- a failed run leaves the last good snapshot served ----------------------------------------


def test_failed_run_keeps_last_good_snapshot(tmp_path, materialized_data_dir, demo_data_dir):
    from tests.conftest import materialize_all, use_data_dir

    data = materialized_data_dir  # the last good run: the session's demo pipeline run
    published = data / "published" / "sbu.duckdb"
    before = published.read_bytes()

    # Break one metric's SQL: the metrics step fails, so nothing is published.
    sql_dir = tmp_path / "sql"
    shutil.copytree(REPO / "sql", sql_dir)
    (sql_dir / "metrics" / "youth_homeless.sql").write_text("SELECT no_such_column FROM staging.stg_services")
    result = materialize_all(data, SBU_SQL_DIR=str(sql_dir))
    assert not result.success and result.report is None
    failed = {e.step_key for e in result.refresh.all_events if e.is_step_failure}
    assert failed == {"metric_values"}
    assert published.read_bytes() == before
    use_data_dir(demo_data_dir)


def test_intervals_only_where_there_is_sampling_error(published_snapshot):
    """Shares of people get a Wilson interval and counts a Poisson one; a share of kroner has none."""

    def with_ci(metric_id):
        return sql(
            published_snapshot,
            "SELECT COUNT(*), COUNT(ci_low) FROM metric_values WHERE metric_id = ? AND value IS NOT NULL",
            [metric_id],
        )[0]

    n, ci = with_ci("depressive_mood")
    assert n > 0 and ci == n
    n, ci = with_ci("youth_homeless")
    assert n > 0 and ci == n
    n, ci = with_ci("resources_before_10")
    assert n > 0 and ci == 0
    assert sql(
        published_snapshot, "SELECT COUNT(status_ci_low) FROM scorecard WHERE metric_id = 'resources_before_10'"
    ) == [(0,)]
