"""The settings resource: what a run reads its settings from.

Its fields override the environment (``SBU_*``) for one run, as the Dagster UI's launchpad does
with resource config; unset fields are the environment's, read at run time. A pipeline run with
``min_count=10`` set on the resource alone suppresses every cell under 10 and publishes 10 as its
threshold.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.defs.resources import SbuSettings, WarehouseResource
from pipelines.settings import NORWAY, REPO_ROOT, get_settings, resolve_as_of
from tests.conftest import SECOND_PLAN, clear_settings_environment, materialize_all, use_data_dir
from tests.helpers import sql


@pytest.fixture
def restore_settings():
    """Put the SBU_* environment and the cached settings back afterwards."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("SBU_")}
    yield
    clear_settings_environment()
    os.environ.update(saved)


def test_unset_fields_are_the_environments_read_when_asked(tmp_path: Path, restore_settings):
    settings = SbuSettings()  # made before the environment changes, as the code location's resource is
    use_data_dir(tmp_path / "env", SBU_MIN_COUNT="7", SBU_DEMO_DATA="false")
    effective = settings.effective()
    assert effective.data_dir == tmp_path / "env"
    assert effective.warehouse_path == tmp_path / "env" / "warehouse" / "sbu.duckdb"
    assert (effective.min_count, effective.protection_width, effective.demo_data) == (7, 7, False)


def test_set_fields_win_and_derived_paths_follow_them(tmp_path: Path, restore_settings):
    use_data_dir(tmp_path / "env", SBU_MIN_COUNT="7", SBU_REPORTS_DIR=str(tmp_path / "env_reports"))
    effective = SbuSettings(data_dir=str(tmp_path / "run"), min_count=10, min_respondents=20).effective()
    assert effective.landing_dir == tmp_path / "run" / "landing"
    assert effective.quarantine_dir == tmp_path / "run" / "quarantine"
    assert effective.warehouse_path == tmp_path / "run" / "warehouse" / "sbu.duckdb"
    assert effective.published_path == tmp_path / "run" / "published" / "sbu.duckdb"
    assert effective.reports_dir == tmp_path / "env_reports"  # set explicitly in the environment: kept
    assert (effective.min_count, effective.min_respondents) == (10, 20)
    assert effective.protection_width == 10  # its default follows the run's min_count
    assert SbuSettings(min_count=10, protection_width=12).effective().protection_width == 12

    # A plan set on the resource brings its own targets and, without a data folder, its own folder.
    clear_settings_environment()
    effective = SbuSettings(plan=SECOND_PLAN).effective()
    assert effective.plan_dir == REPO_ROOT / "catalogue" / "plans" / SECOND_PLAN
    assert effective.targets_path == effective.plan_dir / "targets.yaml"
    assert effective.data_dir == Path("data") / SECOND_PLAN
    assert effective.warehouse_path == Path("data") / SECOND_PLAN / "warehouse" / "sbu.duckdb"


def test_the_warehouse_has_the_settings_memory_limit_unless_its_config_names_one(tmp_path: Path, restore_settings):
    use_data_dir(tmp_path, SBU_DUCKDB_MEMORY_LIMIT="300MB")

    def limit(resource: WarehouseResource) -> str:
        with resource.get_connection() as con:
            return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]

    assert limit(WarehouseResource(settings=SbuSettings())) == "286.1 MiB"  # 300 MB
    own = WarehouseResource(settings=SbuSettings(), connection_config={"memory_limit": "200MB"})
    assert limit(own) == "190.7 MiB"


def test_as_of_is_the_run_tag_else_the_resource_else_the_environment_else_today(restore_settings):
    clear_settings_environment()
    os.environ["SBU_AS_OF"] = "2025-01-02"
    resource = SbuSettings(as_of="2026-04-15").effective()
    assert resolve_as_of("2027-03-01", resource) == dt.date(2027, 3, 1)
    assert resolve_as_of(None, resource) == dt.date(2026, 4, 15)
    assert resolve_as_of(None, SbuSettings().effective()) == dt.date(2025, 1, 2)
    del os.environ["SBU_AS_OF"]
    assert resolve_as_of(None, SbuSettings().effective()) == dt.datetime.now(NORWAY).date()
    with pytest.raises(ValueError, match=r"resource 'settings': as_of='15\.04\.2026'"):
        SbuSettings(as_of="15.04.2026").effective()


def test_launchpad_config_reaches_the_assets_and_the_warehouse(tmp_path: Path, restore_settings):
    """Resource config given to a run (what the launchpad sends) moves that run's data folder: the
    warehouse, whose settings are the same resource, writes there; the environment's folder is untouched."""
    from pipelines.definitions import defs

    use_data_dir(tmp_path / "env")
    result = defs.resolve_job_def("refresh_all").execute_in_process(
        run_config={"resources": {"settings": {"config": {"data_dir": str(tmp_path / "run")}}}},
        asset_selection=[dg.AssetKey("plan")],
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    assert sql(tmp_path / "run" / "warehouse" / "sbu.duckdb", "SELECT count(*) FROM marts.plan") == [(1,)]
    assert not (tmp_path / "env").exists()


# The small-number rule per unit (docs/domain.md, "Privacy"): the count that must reach min_count
# (a share's "yes" and "no" groups both), and the respondents a share must reach min_respondents.
def _too_small(units: dict[str, str], min_count: int, min_respondents: int) -> pl.Expr:
    unit = pl.col("metric_id").replace_strict(units, return_dtype=pl.Utf8)
    num, den = pl.col("numerator"), pl.col("denominator")
    share = (den < min_respondents) | (num < min_count) | ((den - num) < min_count)
    return (
        pl.when(unit == "percent")
        .then(share)
        .when(unit == "years")  # a mean age: the children behind it
        .then(den < min_count)
        .otherwise(num < min_count)  # a count, or a rate per 1000 (its count)
        .fill_null(False)
    )


def test_a_threshold_set_on_the_resource_alone_suppresses_and_is_published(
    materialized_data_dir: Path, restore_settings
):
    from pipelines.catalogue import load_catalogue
    from pipelines.metrics import engine

    data = materialized_data_dir  # published with the default threshold (5)
    assert sql(data / "published" / "sbu.duckdb", "SELECT min_count FROM snapshot") == [(5,)]
    # No SBU_* variable at all: the data folder and the threshold come from the resource.
    run = materialize_all(data, report=False, settings={"min_count": 10})
    assert run.success
    assert not [k for k in os.environ if k.startswith("SBU_")] and get_settings().min_count == 5

    snapshot, warehouse = data / "published" / "sbu.duckdb", data / "warehouse" / "sbu.duckdb"
    thresholds = (10, 10, 10)  # min_count, min_respondents (default), protection_width (= min_count)
    assert sql(snapshot, "SELECT min_count, min_respondents, protection_width FROM snapshot") == [thresholds]
    assert sql(warehouse, "SELECT * FROM marts.suppression_thresholds") == [thresholds]

    # Which cells the rule hides, from the cells before suppression (the metric SQL over the loaded files).
    catalogue = load_catalogue()
    units = {m.id: m.unit for m in catalogue.metrics}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cells = engine.unsuppressed_cells(con, catalogue)
    finally:
        con.close()
    small = cells.filter(_too_small(units, 10, 10)).select("metric_id", "year", *engine.CELL_KEY)
    # The override matters: the data have cells the default threshold (5) would show.
    assert cells.filter(_too_small(units, 10, 10) & ~_too_small(units, 5, 10)).height > 0

    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        published = con.sql("SELECT * FROM metric_values").pl()
        reporters = con.sql("SELECT * FROM cw_reports_by_reporter").pl()
    finally:
        con.close()
    shown = published.filter(~pl.col("suppressed"))
    assert shown.filter(_too_small(units, 10, 10)).is_empty(), "a shown cell under the threshold"
    hidden = small.join(published, on=["metric_id", "year", *engine.CELL_KEY], how="left", nulls_equal=True)
    assert hidden.height == small.height and hidden["suppressed"].fill_null(False).all()
    assert set(hidden["suppression_reason"]) <= {"liten_telling", "faa_svar", "liten_rest"}
    assert reporters.filter(~pl.col("suppressed") & (pl.col("reports") < 10)).is_empty()
