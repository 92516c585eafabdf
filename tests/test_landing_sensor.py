"""The landing sensor: a real sensor evaluation, then the run it asks for, executed for real."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.settings import get_settings
from tests.conftest import use_data_dir


def _evaluate(defs, instance, cursor, name="landing_files"):
    """One tick as the sensor daemon evaluates it: with the code location's top-level resources
    (the settings resource, unconfigured: the environment's values at this tick)."""
    sensor = defs.resolve_sensor_def(name)
    resources = defs.get_repository_def().get_top_level_resources()
    with (
        dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs, resources=resources) as context,
        dg.partition_loading_context(dynamic_partitions_store=instance),
    ):
        result = sensor.evaluate_tick(context)
        return result, context.cursor


@pytest.mark.slow
def test_new_file_launches_its_source_and_downstream(tmp_path: Path, materialized_data_dir: Path, demo_data_dir: Path):
    data = materialized_data_dir  # loaded and published, but on a Dagster instance that knows nothing of it
    use_data_dir(data)
    from pipelines.definitions import defs

    with dg.DagsterInstance.ephemeral() as instance:
        first, cursor = _evaluate(defs, instance, None)
        assert len(first.run_requests) == 1  # the first tick sees every folder as new
        keys = {k.to_user_string() for k in first.run_requests[0].asset_selection}
        assert {"ungdata", "services", "metric_values", "scorecard", "published_snapshot"} <= keys

        # Run exactly what the sensor asked for, as the daemon would.
        job = defs.resolve_job_def("refresh_all")
        run = job.execute_in_process(instance=instance, asset_selection=first.run_requests[0].asset_selection)
        assert run.success

        # Nothing changed: the next tick skips.
        again, cursor = _evaluate(defs, instance, cursor)
        assert again.run_requests == [] and again.skip_message
        # A sensor's first tick (no cursor) on this instance, as when `make dagster-ui` starts on
        # data `make pipeline` loaded: nothing is newer than the publication, nothing launches.
        fresh, fresh_cursor = _evaluate(defs, instance, None)
        assert fresh.run_requests == [] and fresh.skip_message
        assert fresh_cursor == cursor

        # A services file for a new year lands: only services and what depends on it run.
        services = data / "landing" / "services"
        newest = max(int(p.stem.split("_")[1]) for p in services.glob("tjenestetall_*.xlsx"))
        shutil.copy(services / f"tjenestetall_{newest}.xlsx", services / f"tjenestetall_{newest + 1}.xlsx")
        # A first tick would see it too: the file is newer than the publication.
        (first_tick,) = _evaluate(defs, instance, None)[0].run_requests
        assert first_tick.tags["sbu/changed_sources"] == "services"
        third, cursor = _evaluate(defs, instance, cursor)
        assert len(third.run_requests) == 1
        keys = {k.to_user_string() for k in third.run_requests[0].asset_selection}
        assert keys == {
            "services",
            "stg_services",  # its staging model (a SQL model downstream of the source)
            # metric_values writes its base cells and thresholds in the same step
            "metric_base",
            "metric_values",
            "suppression_thresholds",
            # the scorecard step also writes the source schedule
            "scorecard",
            "source_schedule",
            # the comparators' classes and the trend markers read the values (one step, two tables)
            "comparisons",
            "trends",
            "published_snapshot",
            # the cheap reference assets (the catalogue step writes three tables)
            "plan",
            "areas",
            "compared_regions",
            "area_ancestors",
            "metric_catalogue",
            "satsingsomrader",
            "metric_sources",
            "targets",
        }
        assert third.run_requests[0].tags["sbu/changed_sources"] == "services"
        run = job.execute_in_process(instance=instance, asset_selection=third.run_requests[0].asset_selection)
        assert run.success

        con = duckdb.connect(str(data / "published" / "sbu.duckdb"), read_only=True)
        years = con.execute("SELECT max(year) FROM metric_values WHERE metric_id = 'youth_homeless'").fetchall()
        con.close()
        assert years == [(newest + 1,)]

        # The new snapshot reaches the new report year: the report sensor asks for that partition once.
        report_request, report_cursor = _evaluate(defs, instance, None, "report_after_publish")
        (request,) = report_request.run_requests
        assert request.partition_key == str(newest + 1)
        assert defs.resolve_sensor_def("report_after_publish").job_name == "status_reports"
        assert str(newest + 1) in instance.get_dynamic_partitions("report_year")
        report_run = defs.resolve_job_def("status_reports").execute_in_process(
            instance=instance, partition_key=request.partition_key
        )
        assert report_run.success
        assert (data / "reports" / f"statusrapport_{newest + 1}.pdf").stat().st_size > 0
        again, _ = _evaluate(defs, instance, report_cursor, "report_after_publish")
        assert again.run_requests == []  # no new snapshot, no new report
        # A freshly started daemon's first tick: the report of the last snapshot exists already.
        fresh, _ = _evaluate(defs, instance, None, "report_after_publish")
        assert fresh.run_requests == [] and f"{newest + 1} er allerede laget" in fresh.skip_message

        # The steering group edits a target: only the targets, the scorecard and the snapshot run.
        targets = tmp_path / "targets.yaml"
        targets.write_text(
            get_settings()
            .targets_path.read_text(encoding="utf-8")
            .replace('note: "Planens måltall"', 'note: "Planens måltall (omtalt på nytt)"', 1),
            encoding="utf-8",
        )
        use_data_dir(data, SBU_TARGETS_PATH=str(targets))
        fourth, cursor = _evaluate(defs, instance, cursor)
        keys = {k.to_user_string() for k in fourth.run_requests[0].asset_selection}
        assert keys == {"targets", "scorecard", "source_schedule", "published_snapshot"}
    use_data_dir(demo_data_dir)


def test_report_sensor_skips_a_snapshot_published_before_report_years(demo_data_dir: Path):
    """An instance upgraded from a version whose snapshots named no report year: skip, not crash."""
    from pipelines.definitions import defs

    with dg.DagsterInstance.ephemeral() as instance:
        instance.report_runless_asset_event(dg.AssetMaterialization("published_snapshot", metadata={"path": "x"}))
        result, _ = _evaluate(defs, instance, None, "report_after_publish")
        assert result.run_requests == [] and "ingen rapportår" in result.skip_message
