"""The plan's metrics per area and period, and the scorecard (0-punkt, Mål, Status, Forbedring)."""

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from pipelines.catalogue import load_catalogue, load_targets
from pipelines.defs.resources import SbuSettings
from pipelines.instance import WAREHOUSE_POOL
from pipelines.metrics import comparison, engine
from pipelines.settings import AS_OF_TAG, resolve_as_of
from pipelines.sql_lineage import upstream_assets
from pipelines.warehouse import count, query, read_sql, replace_table, shown_path

METRICS_GROUP = "metrics"
SUPPRESSION_THRESHOLDS = "marts.suppression_thresholds"


def metric_base_deps() -> list[str]:
    """What the catalogue's metric SQL reads, as asset keys (staging models, plan, areas …): the
    union over every metric of the tables its SELECT reads, parsed from the SQL. Read when the code
    location loads, so for the environment's plan (``SBU_PLAN``), not a plan a run sets."""
    return upstream_assets({shown_path(m.sql_file): m.sql for m in load_catalogue().metrics})


def metric_values_deps() -> list[str]:
    """What the roll-up the values are suppressed from reads (sql/marts/metric_cells.sql)."""
    return upstream_assets({"sql/marts/metric_cells.sql": read_sql("marts", "metric_cells")})


@dg.multi_asset(
    pool=WAREHOUSE_POOL,
    group_name=METRICS_GROUP,
    specs=[
        dg.AssetSpec(
            "metric_base",
            kinds={"duckdb"},
            deps=metric_base_deps(),
            description="Each metric's additive base cells (numerator, denominator) at the finest area its "
            "source has, from each metric's SQL (sql/metrics/<id>.sql or the plan's own). Not published.",
        ),
        dg.AssetSpec(
            "metric_values",
            kinds={"duckdb", "polars"},
            deps=metric_values_deps(),
            description="Every catalogue metric per area (the municipality, its parts, schools, teams), survey "
            "group and period, with primary and complementary suppression applied in the data.",
        ),
        dg.AssetSpec(
            "suppression_thresholds",
            kinds={"duckdb"},
            description="The small-number thresholds metric_values was suppressed with (published).",
        ),
    ],
)
def metric_values(warehouse: DuckDBResource, settings: SbuSettings):
    """The metrics' base cells, their suppressed values and the thresholds used: one step, since the
    values are suppressed with exactly the thresholds recorded beside them."""
    effective = settings.effective()
    catalogue = load_catalogue(settings=effective)
    with warehouse.get_connection() as con:
        base = engine.build_metric_base(con, catalogue)
        values = engine.metric_values(
            con,
            catalogue,
            min_count=effective.min_count,
            min_n=effective.min_respondents,
            protection_width=effective.protection_width,
        )
        # The thresholds these values were suppressed with: the snapshot publishes them beside the
        # values, and every text that explains "skjermet" reads them from there.
        replace_table(
            con,
            SUPPRESSION_THRESHOLDS,
            pl.DataFrame(
                {
                    "min_count": [effective.min_count],
                    "min_respondents": [effective.min_respondents],
                    "protection_width": [effective.protection_width],
                }
            ),
        )
    reasons = values.group_by("suppression_reason").len().drop_nulls()
    yield dg.MaterializeResult(asset_key="metric_base", metadata={"rows": base.height})
    yield dg.MaterializeResult(
        asset_key="suppression_thresholds",
        metadata={
            "min_count": effective.min_count,
            "min_respondents": effective.min_respondents,
            "protection_width": effective.protection_width,
        },
    )
    yield dg.MaterializeResult(
        asset_key="metric_values",
        metadata={
            "rows": values.height,
            "metrics": values["metric_id"].n_unique(),
            "min_count": effective.min_count,
            "min_respondents": effective.min_respondents,
            "areas": values["area_code"].n_unique(),
            "years": values["year"].n_unique(),
            "suppressed_cells": int(values["suppressed"].sum()),
            **{f"suppressed_{r}": n for r, n in reasons.iter_rows()},
        },
    )


@dg.asset(
    pool=WAREHOUSE_POOL,
    group_name=METRICS_GROUP,
    kinds={"duckdb", "polars"},
    deps=["stg_child_welfare_reports", "plan"],
)
def cw_reports_by_reporter(warehouse: DuckDBResource, settings: SbuSettings) -> dg.MaterializeResult:
    """Reports to child welfare in the plan's municipality per reporting source and year (the breakdown behind
    cw_reports_early_share), with small categories and their complements suppressed."""
    effective = settings.effective()
    with warehouse.get_connection() as con:
        table = engine.reports_by_reporter(
            con, min_count=effective.min_count, protection_width=effective.protection_width
        )
    return dg.MaterializeResult(metadata={"rows": table.height, "suppressed_cells": int(table["suppressed"].sum())})


def _interval_check(intervals: pl.DataFrame, key_cols: list[str], protection_width: int) -> dg.AssetCheckResult:
    """Pass when every suppressed cell keeps its protection interval; say which is narrowest."""
    too_narrow = intervals.filter(~pl.col("protected"))
    metadata: dict[str, object] = {
        "method": "attacker's linear program per suppressed cell (HiGHS, highspy), as sdcTable attack() / tau-ARGUS audit",
        "cells_audited": intervals.height,
        "too_narrow": too_narrow.height,
        "protection_width": protection_width,
    }
    if intervals.height:
        slack = intervals.with_columns((pl.col("width") - pl.col("required")).alias("_slack")).sort("_slack")
        narrowest = slack.row(0, named=True)
        metadata["narrowest_interval"] = float(intervals["width"].min())
        metadata["tightest_cell"] = dg.MetadataValue.json(
            {
                **{k: narrowest[k] for k in key_cols},
                "interval": [narrowest["lower"], narrowest["upper"]],
                "required": narrowest["required"],
            }
        )
    if too_narrow.height:
        metadata["examples"] = dg.MetadataValue.json(too_narrow.head(10).to_dicts())
    return dg.AssetCheckResult(passed=too_narrow.is_empty(), severity=dg.AssetCheckSeverity.ERROR, metadata=metadata)


@dg.asset_check(asset="metric_values", blocking=True, name="protection_intervals")
def metric_values_protection_intervals(warehouse: DuckDBResource, settings: SbuSettings) -> dg.AssetCheckResult:
    """Before publishing: no suppressed cell can be narrowed by an attacker to an interval
    smaller than the protection width, from every published additive relation (areas, survey
    groups) and non-negativity, with the respondent counts taken as known."""
    effective = settings.effective()
    catalogue = load_catalogue(settings=effective)
    with warehouse.get_connection() as con:
        published = query(con, "SELECT * FROM marts.metric_values")
        intervals = engine.audit_metric_values(
            published,
            engine.unsuppressed_cells(con, catalogue),
            catalogue,
            engine.area_parents(con),
            protection_width=effective.protection_width,
        )
    return _interval_check(intervals, ["metric_id", "year", *engine.CELL_KEY], effective.protection_width)


@dg.asset_check(asset=cw_reports_by_reporter, blocking=True, name="protection_intervals")
def reporter_protection_intervals(warehouse: DuckDBResource, settings: SbuSettings) -> dg.AssetCheckResult:
    """Before publishing: no suppressed reporter category can be narrowed below the protection
    width from the total, the early reporters' sum and the shown categories."""
    protection_width = settings.effective().protection_width
    with warehouse.get_connection() as con:
        published = query(con, "SELECT * FROM marts.cw_reports_by_reporter")
        early_sums = engine.early_report_sums(con)
    intervals = engine.audit_reports_by_reporter(published, early_sums, protection_width=protection_width)
    return _interval_check(intervals, engine.REPORTER_KEY, protection_width)


@dg.multi_asset(
    pool=WAREHOUSE_POOL,
    group_name=METRICS_GROUP,
    specs=[
        dg.AssetSpec(
            "scorecard",
            kinds={"duckdb", "polars"},
            deps=["metric_values", "targets"],
            description="The plan's table per metric, area and survey group: 0-punkt, Mål, Status, Forbedring "
            "and the status class.",
        ),
        dg.AssetSpec(
            "source_schedule",
            kinds={"duckdb", "polars"},
            deps=["metric_values"],
            description="Per source: the latest period delivered, the next one, the day it is due and whether "
            "it is overdue, judged on the same day as the scorecard.",
        ),
    ],
)
def scorecard(context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: SbuSettings):
    """The plan's table per metric, area and survey group: 0-punkt, Mål (with the target version
    used), Status, Forbedring and the status class, judged on the run's ``as_of`` day (run tag
    ``as_of``, else the settings resource's ``as_of``, else ``SBU_AS_OF``, else today). The day is
    stored in every row (and in ``marts.source_schedule``'s judgement); the published snapshot takes
    it from there."""
    effective = settings.effective()
    catalogue = load_catalogue(settings=effective)
    as_of = resolve_as_of(context.run.tags.get(AS_OF_TAG), effective)
    context.log.info(f"Status judged on {as_of.isoformat()}")
    with warehouse.get_connection() as con:
        rows = engine.build_scorecard(con, catalogue, load_targets(effective.targets_path, catalogue), as_of)
        schedule = count(con, "marts.source_schedule")
        # Summed in DuckDB: the scorecard is written in batches and never held whole.
        (metrics,) = con.execute("SELECT COUNT(DISTINCT metric_id) FROM marts.scorecard").fetchone()
        classes = con.execute(
            """WITH municipality AS (
                   SELECT report_year, status_class FROM marts.scorecard
                   WHERE school_level = 'alle' AND gender = 'alle' AND area_level = 'kommune')
               SELECT status_class, COUNT(*) FROM municipality
               WHERE report_year = (SELECT MAX(report_year) FROM municipality)
               GROUP BY status_class"""
        ).fetchall()
    yield dg.MaterializeResult(
        asset_key="scorecard",
        metadata={
            "as_of": as_of.isoformat(),
            "rows": rows,
            "metrics": metrics,
            **{f"municipality_latest_{c}": n for c, n in classes},
        },
    )
    yield dg.MaterializeResult(asset_key="source_schedule", metadata={"as_of": as_of.isoformat(), "rows": schedule})


@dg.multi_asset(
    pool=WAREHOUSE_POOL,
    group_name=METRICS_GROUP,
    specs=[
        dg.AssetSpec(
            "comparisons",
            kinds={"duckdb", "polars"},
            deps=["metric_values", "compared_regions", "metric_catalogue", "stg_ungdata_reference"],
            description="The municipality beside each comparator (Hele landet, KOSTRA group, ASSS, named peers) "
            "per metric and period, with the comparison class (Fingertips' benchmark method); survey metrics "
            "beside FHI's national Ungdata figure.",
        ),
        dg.AssetSpec(
            "trends",
            kinds={"duckdb", "polars"},
            deps=["metric_values", "metric_catalogue"],
            description="The recent trend of every metric per area (Fingertips' recent-trend marker: weighted "
            "slope over five consecutive periods, significant at 99.8 % and robust to dropping any one point).",
        ),
    ],
)
def comparisons(warehouse: DuckDBResource, settings: SbuSettings):
    """The comparators' values and comparison classes, and each series' recent trend
    (``pipelines/metrics/comparison.py``), from the suppressed values."""
    catalogue = load_catalogue(settings=settings.effective())
    with warehouse.get_connection() as con:
        values = query(con, "SELECT * FROM marts.metric_values")
        compared = query(con, "SELECT * FROM marts.compared_regions")
        reference = comparison.national_references(query(con, "SELECT * FROM staging.stg_ungdata_reference"), catalogue)
        table = comparison.build_comparisons(values, compared, catalogue, reference)
        trend_table = comparison.build_trends(values, catalogue)
        replace_table(con, "marts.comparisons", table)
        replace_table(con, "marts.trends", trend_table)
    latest = table.filter(pl.col("year") == pl.col("year").max().over("metric_id"))
    classes = latest.group_by("comparison").len().sort("comparison")
    trend_classes = trend_table.group_by("trend").len().sort("trend")
    yield dg.MaterializeResult(
        asset_key="comparisons",
        metadata={
            "rows": table.height,
            "metrics": table["metric_id"].n_unique(),
            "method": "Fingertips: the comparator's value against the municipality's 95 % interval",
            **{f"latest_{c}": n for c, n in classes.iter_rows()},
        },
    )
    yield dg.MaterializeResult(
        asset_key="trends",
        metadata={
            "rows": trend_table.height,
            "method": "Fingertips recent trend: WLS (statsmodels, known variances), 5 periods, p < 0.002, leave-one-out",
            **{f"trend_{c}": n for c, n in trend_classes.iter_rows()},
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[metric_values, cw_reports_by_reporter, scorecard, comparisons],
        asset_checks=[metric_values_protection_intervals, reporter_protection_intervals],
    )
