"""What the Dagster instance knows of the published snapshot and the status reports: the latest
materializations and the report year a snapshot has reached. Light on purpose (no assets, no code
location): ``python -m pipelines.run`` reads it to decide that nothing needs rebuilding without
loading the pipeline, and the sensors read it on their first tick."""

from __future__ import annotations

import dagster as dg

PUBLISHED_SNAPSHOT = dg.AssetKey("published_snapshot")
STATUS_REPORT = dg.AssetKey("status_report")
# The snapshot's metadata entry naming its latest report year: the report that is due after it.
LATEST_REPORT_YEAR = "latest_report_year"


def latest_report_year(snapshot: dg.AssetMaterialization) -> str | None:
    """The report year a published snapshot has reached: the report to build after it (None for
    a snapshot published before the report was partitioned)."""
    entry = snapshot.metadata.get(LATEST_REPORT_YEAR)
    return None if entry is None else str(entry.value)


def last_snapshot(instance: dg.DagsterInstance) -> dg.EventLogEntry | None:
    """The latest materialization of ``published_snapshot``."""
    return instance.get_latest_materialization_event(PUBLISHED_SNAPSHOT)


def last_report(instance: dg.DagsterInstance, year: str) -> dg.EventLogEntry | None:
    """The latest materialization of the status report of ``year``."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=STATUS_REPORT, asset_partitions=[year]), limit=1
    ).records
    return records[0].event_log_entry if records else None
