"""The yearly status report (Årlig statusrapport): one partition per report year.

The asset reads only the published snapshot and the leaders' commentary file (never the
warehouse), and writes ``<reports_dir>/statusrapport_<year>.pdf`` atomically; the dashboard's
overview page offers that file for download.

Building a report takes chromium and about 13 s, so it is not part of ``refresh_all``: each
time a snapshot is published, the sensor ``report_after_publish`` asks for the latest report
year's partition, unless that report was built after the snapshot already. Any other year is one click in the Dagster UI (or ``make report YEAR=2019``),
and the UI shows which years' reports are missing or older than the data.
"""

# No ``from __future__ import annotations`` here: Dagster checks the context/event annotations.

import dagster as dg

from pipelines.defs.resources import SbuSettings
from pipelines.defs.serving.assets import REPORT_YEARS, SERVING_GROUP, published_snapshot
from pipelines.defs.serving.snapshot import last_report, latest_report_year
from pipelines.instance import sensor_interval_seconds
from pipelines.report.build import ReportError, build_report


@dg.asset(
    group_name=SERVING_GROUP,
    kinds={"pdf"},
    deps=[published_snapshot],
    partitions_def=REPORT_YEARS,
    description="Årlig statusrapport (PDF) for ett rapportår: scorecard per satsingsområde, én graf per "
    "indikator, ledernes kommentarer, datadato og kilder. Leser bare det publiserte datasettet.",
)
def status_report(context: dg.AssetExecutionContext, settings: SbuSettings) -> dg.MaterializeResult:
    effective = settings.effective()
    try:
        result = build_report(
            effective.published_path,
            report_year=int(context.partition_key),
            data_dir=effective.data_dir,
            reports_dir=effective.reports_dir,
        )
    except ReportError as exc:
        raise dg.Failure(description=str(exc)) from exc
    context.log.info(
        f"Statusrapport {result.report_year}: {result.path} ({result.pages} sider) "
        f"på {result.seconds:.1f} s {result.timings}"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "report_year": result.report_year,
            "pages": result.pages,
            "size_bytes": result.size_bytes,
            "metrics": result.metrics,
            "charts": result.charts,
            "commentaries": result.commentaries,
            "demo_data": result.demo_data,
            "seconds": result.seconds,
            **{f"seconds_{k}": v for k, v in result.timings.items()},
        }
    )


status_reports = dg.define_asset_job(
    "status_reports",
    selection=[status_report],
    partitions_def=REPORT_YEARS,
    executor_def=dg.in_process_executor,
    description="Lag statusrapporten (PDF) for ett rapportår.",
)


@dg.asset_sensor(
    asset_key=published_snapshot.key,
    job=status_reports,
    minimum_interval_seconds=sensor_interval_seconds(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Lager statusrapporten for siste rapportår hver gang et nytt datasett er publisert.",
)
def report_after_publish(context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry):
    year = latest_report_year(asset_event.asset_materialization)
    if year is None:
        return dg.SkipReason("Det siste publiserte datasettet har ingen rapportår; neste publisering lager rapporten.")
    # The sensor's first tick on an instance that has data sees the last snapshot ever published:
    # its report may already be built (by `make pipeline`, or before the sensor was switched on).
    built = last_report(context.instance, year)
    if built is not None and built.timestamp >= asset_event.timestamp:
        return dg.SkipReason(f"Statusrapporten for {year} er allerede laget fra det siste publiserte datasettet.")
    return dg.RunRequest(
        run_key=f"{asset_event.run_id}:{year}", partition_key=year, tags={"sbu/snapshot_run": asset_event.run_id}
    )


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[status_report], jobs=[status_reports], sensors=[report_after_publish])
