"""The code location's shape, written out: an accidental rename of an asset, job, schedule or
sensor (which would orphan its history in the Dagster instance) shows up here in review."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.resources import SbuSettings, WarehouseResource

ASSETS = {
    # sources (one per data contract)
    "absence",
    "child_welfare",
    "population",
    "ppt",
    "school_register",
    "services",
    "ssb_outcomes",
    "ungdata",
    # staging (one SQL model per sql/staging file, i.e. per raw table)
    "stg_absence",
    "stg_child_welfare_key_figures",
    "stg_child_welfare_reports",
    "stg_population",
    "stg_ppt",
    "stg_school_register",
    "stg_services",
    "stg_ungdata",
    "stg_ungdata_reference",
    "stg_vgs_completion",
    "stg_young_disability",
    # reference
    "plan",
    "areas",
    "compared_regions",  # the plan's municipality and its comparators, as series of the SSB sources
    "area_ancestors",  # a SQL model (sql/marts/area_ancestors.sql)
    "metric_catalogue",
    "satsingsomrader",
    "metric_sources",
    "targets",
    # metrics (every table a step writes is an asset of its own)
    "metric_base",
    "metric_values",
    "suppression_thresholds",
    "cw_reports_by_reporter",
    "scorecard",
    "source_schedule",
    "comparisons",  # the municipality beside its comparators (Fingertips' benchmark method)
    "trends",  # the recent-trend marker per metric and area
    # serving
    "published_snapshot",
    "status_report",
}
# fetching public tables into landing (group "fetch", job fetch_public; not in refresh_all)
FETCH_ASSETS = {"fetch_ssb_07459", "fetch_ssb_12870", "fetch_ssb_12272", "fetch_ssb_12971"}


def test_asset_keys_and_groups():
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == ASSETS | FETCH_ASSETS
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {a for a, g in groups.items() if g == "sources"} == {
        "absence",
        "child_welfare",
        "population",
        "ppt",
        "school_register",
        "services",
        "ssb_outcomes",
        "ungdata",
    }
    assert {a for a, g in groups.items() if g == "staging"} == {a for a in ASSETS if a.startswith("stg_")}
    assert groups["area_ancestors"] == "reference"
    assert groups["scorecard"] == "metrics" and groups["published_snapshot"] == "serving"
    assert {a for a, g in groups.items() if g == "fetch"} == FETCH_ASSETS
    for name in FETCH_ASSETS:  # freshness in the UI: fetched on the publication day
        policy = graph.get(dg.AssetKey(name)).freshness_policy
        assert policy is not None and policy.deadline_cron.startswith("0 16 ")


def test_publication_checks_are_blocking():
    graph = defs.resolve_asset_graph()
    checks = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    intervals = {k for k in checks if k[1] == "protection_intervals"}
    assert intervals == {("metric_values", "protection_intervals"), ("cw_reports_by_reporter", "protection_intervals")}
    specs = {
        (s.asset_key.to_user_string(), s.name): s
        for a in [*defs.assets, *(defs.asset_checks or [])]
        for s in a.check_specs
    }
    for key in intervals:
        assert specs[key].blocking


def test_jobs_schedules_sensors():
    assert defs.resolve_job_def("refresh_all").executor_def.name == "in_process"
    assert defs.resolve_job_def("status_reports").executor_def.name == "in_process"
    assert defs.resolve_job_def("fetch_public").executor_def.name == "in_process"
    schedules = {s.name: s.cron_schedule for s in defs.schedules}
    assert schedules == {
        "refresh_all_schedule": "0 5 * * *",
        # SSB publishes at 08:00; KOSTRA preliminary 15 March, final 15 June
        "fetch_ssb_07459_schedule": "30 8 1 3 *",
        "fetch_ssb_12870_12272_schedule": "30 8 15 3,6 *",
        "fetch_ssb_12971_schedule": "30 8 15 6 *",
    }
    assert sorted(s.name for s in defs.sensors) == ["landing_files", "report_after_publish"]


def test_only_the_status_report_is_partitioned_by_report_year():
    graph = defs.resolve_asset_graph()
    partitioned = {
        k.to_user_string(): graph.get(k).partitions_def
        for k in graph.get_all_asset_keys()
        if graph.get(k).partitions_def is not None
    }
    assert list(partitioned) == ["status_report"]
    assert partitioned["status_report"].name == "report_year"
    refresh = {k.to_user_string() for k in defs.resolve_job_def("refresh_all").asset_layer.selected_asset_keys}
    assert refresh == ASSETS - {"status_report"}


def test_every_warehouse_writer_is_in_the_warehouse_pool():
    pools = {
        spec.key.to_user_string(): a.op.pool
        for a in defs.assets
        for spec in a.specs
        if spec.key.to_user_string() not in FETCH_ASSETS  # they write files, not the warehouse
    }
    writers = ASSETS - {"status_report"}  # the report only reads the published snapshot
    assert {k for k, pool in pools.items() if pool == "warehouse"} == writers


def test_resources_settings_and_the_warehouse_reading_it():
    resources = dict(defs.resources or {})
    assert set(resources) == {"settings", "warehouse"}
    # Configured at launch (every field optional), so the launchpad's config for "settings" reaches
    # the warehouse's nested settings too: the same object (tests/test_settings_resource.py runs it).
    assert resources["settings"].resource_cls is SbuSettings
    assert isinstance(resources["warehouse"], WarehouseResource)
    assert resources["warehouse"].settings is resources["settings"]


def test_definitions_read_settings_only_from_the_resource():
    """Assets, checks, sensors and jobs take their settings from the ``settings`` resource (so a
    run's resource config applies), never from the process-wide ``get_settings()``."""
    defs_dir = Path(__file__).resolve().parent.parent / "pipelines" / "defs"
    offenders = [
        f"{path.relative_to(defs_dir.parent.parent)}:{n}"
        for path in sorted(defs_dir.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "get_settings(" in line
    ]
    assert offenders == []
