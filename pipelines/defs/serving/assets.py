"""Publishing: the dashboard never opens the warehouse the pipeline writes.

At the end of a successful run the suppressed marts are copied into a fresh DuckDB file beside
the published one, which then replaces it atomically (``os.replace``). A dashboard that is
reading keeps its open file; a failed run never reaches this asset, so the last good snapshot
stays served. Only suppressed, aggregated tables are published: no raw or staging data.

Each publication also compares its figures with the previous publication's and publishes the
figures' revisions (``pipelines.revisions``); the history is written to the warehouse only once the
new snapshot has been swapped in.
"""

import datetime as dt
import os

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import revisions
from pipelines.defs.metrics.assets import SUPPRESSION_THRESHOLDS
from pipelines.defs.resources import SbuSettings
from pipelines.defs.serving.snapshot import LATEST_REPORT_YEAR
from pipelines.instance import WAREHOUSE_POOL
from pipelines.plan import COMPARATOR_LEVEL
from pipelines.report import available_years
from pipelines.settings import AS_OF_TAG, resolve_as_of
from pipelines.tempfiles import remove_stale, temp_path

SERVING_GROUP = "serving"

# One partition per report year the published snapshot has a scorecard for. Publishing adds the
# years the data have reached; each year's status report (serving/report.py) is one partition.
REPORT_YEARS = dg.DynamicPartitionsDefinition(name="report_year")

# The plan's own areas; the comparators' values are published in "comparisons".
PUBLISHED_VALUES = f"SELECT * EXCLUDE (parent_code) FROM marts.metric_values WHERE area_level <> '{COMPARATOR_LEVEL}'"

PUBLISHED_TABLES = {
    "metric_values": PUBLISHED_VALUES,
    # Each shown figure's earlier values, one row per revision (pipelines.revisions.prepare runs first).
    "revisions": revisions.PUBLISHED,
    "scorecard": "SELECT * FROM marts.scorecard",
    # The municipality beside its comparators, with the comparison class; the recent trend per area.
    "comparisons": "SELECT * FROM marts.comparisons",
    "trends": "SELECT * FROM marts.trends",
    "source_schedule": "SELECT * FROM marts.source_schedule",
    "cw_reports_by_reporter": "SELECT * FROM marts.cw_reports_by_reporter",
    "plan": "SELECT * FROM marts.plan",
    "metric_catalogue": "SELECT * FROM marts.metric_catalogue",
    "satsingsomrader": "SELECT * FROM marts.satsingsomrader",
    "areas": f"SELECT * FROM marts.areas WHERE area_level <> '{COMPARATOR_LEVEL}'",
    "target_history": "SELECT * FROM marts.target_history",
    "file_loads": "SELECT * FROM meta.file_loads ORDER BY processed_at, source, file_name",
    "check_results": "SELECT * FROM meta.check_results ORDER BY source, check_name",
    # Provenance: which delivered files each metric's values come from (through the staged tables
    # its SQL reads; see marts.metric_sources).
    "metric_provenance": """
        SELECT ms.metric_id, f.source, f.table_name, f.file_name, f.file_hash, f.rows, f.processed_at AS loaded_at,
               f.contract_version, f.slice AS periods
        FROM marts.metric_sources ms
        JOIN meta.file_loads f ON f.source = ms.source AND f.table_name = ms.table_name AND f.status = 'loaded'
        ORDER BY ms.metric_id, f.source, f.file_name""",
}


def _scorecard_as_of(con, run_tag: str | None) -> dt.date:
    """The day the scorecard being published was judged on (the scorecard asset resolved it once
    for its run). A run that names another day in its ``as_of`` tag but did not recompute the
    scorecard would publish a date the figures were not judged on: it fails instead."""
    days = [d for (d,) in con.execute("SELECT DISTINCT as_of FROM marts.scorecard").fetchall()]
    if len(days) != 1:
        raise dg.Failure(description=f"The scorecard should be judged on one day, found {days}.")
    if run_tag and resolve_as_of(run_tag) != days[0]:
        raise dg.Failure(
            description=f"This run asks for {AS_OF_TAG}={run_tag}, but the scorecard was judged on "
            f"{days[0]:%Y-%m-%d}: materialize the scorecard in the same run."
        )
    return days[0]


@dg.asset(
    pool=WAREHOUSE_POOL,
    group_name=SERVING_GROUP,
    kinds={"duckdb"},
    deps=[
        "scorecard",
        "source_schedule",
        "comparisons",
        "trends",
        "metric_values",
        "suppression_thresholds",
        "cw_reports_by_reporter",
        "plan",
        "metric_catalogue",
        "satsingsomrader",
        "metric_sources",
        "areas",
        "targets",
    ],
)
def published_snapshot(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: SbuSettings
) -> dg.MaterializeResult:
    """A read-only copy of the suppressed marts for the dashboard, swapped in atomically, with
    what the run decided: the day the status was judged on and the small-number thresholds."""
    effective = settings.effective()
    target = effective.published_path
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(target.parent)  # a snapshot a killed run was writing
    tmp = temp_path(target)
    tmp.unlink(missing_ok=True)
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    counts = {}
    with warehouse.get_connection() as con:
        as_of = _scorecard_as_of(con, context.run.tags.get(AS_OF_TAG))
        min_count, min_respondents, protection_width = con.execute(
            f"SELECT min_count, min_respondents, protection_width FROM {SUPPRESSION_THRESHOLDS}"
        ).fetchall()[0]
        revised = revisions.prepare(con, PUBLISHED_VALUES, published_at, context.run.run_id)
        con.execute(f"ATTACH '{tmp}' AS pub")
        try:
            for name, select in PUBLISHED_TABLES.items():
                con.execute(f"CREATE TABLE pub.main.{name} AS {select}")
                counts[name] = con.execute(f"SELECT COUNT(*) FROM pub.main.{name}").fetchall()[0][0]
            con.execute(
                "CREATE TABLE pub.main.snapshot AS SELECT ?::TIMESTAMP AS published_at, ?::DATE AS as_of, "
                "?::BOOLEAN AS demo_data, ? AS run_id, ?::INTEGER AS min_count, ?::INTEGER AS min_respondents, "
                "?::INTEGER AS protection_width",
                [
                    published_at,
                    as_of,
                    effective.demo_data,
                    context.run.run_id,
                    min_count,
                    min_respondents,
                    protection_width,
                ],
            )
        finally:
            con.execute("DETACH pub")
        os.replace(tmp, target)
        # Only a publication that is served enters the history (a kill before this line leaves it as it was).
        revisions.record(con, published_at, context.run.run_id)
    years = [str(y) for y in available_years(target)]
    known = set(context.instance.get_dynamic_partitions(REPORT_YEARS.name))
    if new_years := [y for y in years if y not in known]:
        context.instance.add_dynamic_partitions(REPORT_YEARS.name, new_years)
    return dg.MaterializeResult(
        metadata={
            "path": str(target),
            "published_at": published_at.isoformat(),
            "as_of": as_of.isoformat(),
            "min_count": min_count,
            "min_respondents": min_respondents,
            "protection_width": protection_width,
            "report_years": ", ".join(years),
            "revised_figures": revised,
            LATEST_REPORT_YEAR: years[-1],
            **{f"rows_{k}": v for k, v in counts.items()},
        }
    )


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[published_snapshot])
