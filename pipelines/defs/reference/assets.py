"""Reference data: the plan, its area hierarchy, the metric catalogue and the steering group's targets."""

import json
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from pipelines.catalogue import load_catalogue, load_targets
from pipelines.comparators import comparator_areas
from pipelines.comparators import compared_regions as compared_region_rows
from pipelines.defs.resources import SbuSettings
from pipelines.instance import WAREHOUSE_POOL
from pipelines.plan import load_plan
from pipelines.settings import REPO_ROOT
from pipelines.sql_lineage import raw_tables_upstream, table_writers
from pipelines.warehouse import query, replace_table

REFERENCE_GROUP = "reference"


@dg.asset(pool=WAREHOUSE_POOL, group_name=REFERENCE_GROUP, kinds={"duckdb"})
def plan(warehouse: DuckDBResource, settings: SbuSettings) -> dg.MaterializeResult:
    """The plan this deployment follows (the setting ``plan``, a folder in catalogue/plans/): its name,
    period and adoption, and its municipality with the series key the staged SSB tables carry.
    SQL reads the municipality from here (``marts.plan``) instead of naming it."""
    selected = load_plan(settings.effective())
    row = {
        "plan_id": selected.id,
        "plan_name": selected.plan.name,
        "period_start": selected.plan.period.start,
        "period_end": selected.plan.period.end,
        "adopted": selected.plan.adopted,
        "decided_by": selected.plan.decided_by,
        "case_ref": selected.plan.case_ref,
        "municipality_name": selected.municipality.name,
        "municipality_short_name": selected.municipality_short_name,
        "municipality_region_code": selected.municipality.region_code,
        "municipality_series": selected.municipality_series,
        "root_area_code": selected.root_area.code,
        "level_names": json.dumps(selected.level_names, ensure_ascii=False),
        "report_title": selected.report.title,
        "report_introduction": selected.report.introduction,
        "report_reading_guide": selected.report.reading_guide,
    }
    with warehouse.get_connection() as con:
        replace_table(con, "marts.plan", pl.DataFrame([row], infer_schema_length=None))
    return dg.MaterializeResult(
        metadata={
            "plan": selected.id,
            "municipality": selected.municipality.name,
            "series": selected.municipality_series,
        }
    )


@dg.asset(pool=WAREHOUSE_POOL, group_name=REFERENCE_GROUP, kinds={"duckdb"}, deps=["stg_school_register", plan])
def areas(warehouse: DuckDBResource, settings: SbuSettings) -> dg.MaterializeResult:
    """Areas with their parent: the plan's hierarchy (catalogue/plans/<plan>/areas.yaml: the
    municipality, its parts, teams) and the schools of the school register below the part they name,
    each with its ``school_type`` from the register (ungdomsskole, videregående: schools are ranked
    within their type; empty for other areas).
    Every area's ancestors, for rolling metrics up, are the SQL model ``area_ancestors``."""
    selected = load_plan(settings.effective())
    fixed = pl.DataFrame([a.model_dump() for a in selected.areas]).rename(
        {"code": "area_code", "name": "area_name", "level": "area_level", "parent": "parent_code"}
    )
    with warehouse.get_connection() as con:
        schools = query(
            con,
            "SELECT area_code, area_name, 'skole' AS area_level, district, school_type "
            "FROM staging.stg_school_register ORDER BY area_code",
        )
        parent_by_name = dict(fixed.select("area_name", "area_code").iter_rows())
        if unknown := sorted(set(schools["district"].drop_nulls()) - set(parent_by_name)):
            raise dg.Failure(
                description=f"The school register names parts that are no area of the plan: "
                f"{', '.join(unknown)} (areas.yaml of plan {selected.id!r})"
            )
        schools = schools.with_columns(
            pl.col("district").replace_strict(parent_by_name, default=None, return_dtype=pl.Utf8).alias("parent_code")
        ).drop("district")
        # The comparators are areas of their own level, with no parent (pipelines/comparators.py).
        table = pl.concat(
            [fixed.cast(pl.Utf8), schools.cast(pl.Utf8), comparator_areas(selected)], how="diagonal"
        ).select("area_code", "area_name", "area_level", "parent_code", "school_type")
        replace_table(con, "marts.areas", table)
    counts = table.group_by("area_level").len().sort("area_level")
    return dg.MaterializeResult(metadata={"rows": table.height, **{f"areas_{lvl}": n for lvl, n in counts.iter_rows()}})


@dg.asset(pool=WAREHOUSE_POOL, group_name=REFERENCE_GROUP, kinds={"duckdb"}, deps=[plan])
def compared_regions(warehouse: DuckDBResource, settings: SbuSettings) -> dg.MaterializeResult:
    """Which series of the SSB-shaped sources each compared area sums: the plan's municipality (its
    root area) and each comparator of plan.yaml's ``comparators`` (Hele landet, the KOSTRA group,
    ASSS, named peers). The metric SQL of those sources joins on it, so the comparators are computed
    by the same SQL as the municipality (pipelines/comparators.py)."""
    table = compared_region_rows(load_plan(settings.effective()))
    with warehouse.get_connection() as con:
        replace_table(con, "marts.compared_regions", table)
    return dg.MaterializeResult(
        metadata={"rows": table.height, "comparators": ", ".join(table["area_name"].unique(maintain_order=True))}
    )


@dg.multi_asset(
    pool=WAREHOUSE_POOL,
    group_name=REFERENCE_GROUP,
    specs=[
        dg.AssetSpec(
            "metric_catalogue",
            kinds={"duckdb"},
            description="The plan's metrics (its metrics.yaml over the library catalogue/metrics.yaml), one row "
            "per metric.",
        ),
        dg.AssetSpec("satsingsomrader", kinds={"duckdb"}, description="The satsingsområder in the plan's order."),
        dg.AssetSpec(
            "metric_sources",
            kinds={"duckdb"},
            description="Which staged tables (and so which sources) each metric's SQL reads.",
        ),
    ],
)
def metric_catalogue(warehouse: DuckDBResource, settings: SbuSettings):
    """The metric catalogue as three tables: the metrics, the satsingsområder, and each metric's
    sources (the lineage behind provenance)."""
    effective = settings.effective()
    cat = load_catalogue(settings=effective)
    area_label = {s.id: s.label for s in cat.satsingsomrader}
    rows = [
        {
            "metric_id": m.id,
            "label": m.label,
            "definition": m.definition,
            "numerator_text": m.numerator,
            "denominator_text": m.denominator,
            "unit": m.unit,
            "direction": m.direction,
            "owners": "; ".join(m.owners),
            "source": m.source,
            "period_type": m.period_type,
            "cadence_years": m.cadence_years,
            "publication_lag_months": m.publication_lag_months,
            "final_lag_months": m.final_lag_months,
            "lowest_level": m.lowest_level,
            "satsingsomrade": m.satsingsomrade,
            "satsingsomrade_label": area_label[m.satsingsomrade],
            "baseline_year": m.baseline_year,
            "baseline_note": m.baseline_note,
            "plan_baseline": m.plan_baseline,
            "kind": m.kind,
            "sql_file": _repo_relative(m.sql_file),
            "sort_order": i,
        }
        for i, m in enumerate(cat.metrics)
    ]
    order = [{"satsingsomrade": s.id, "label": s.label, "sort_order": i} for i, s in enumerate(cat.satsingsomrader)]
    sources = metric_sources(cat)
    with warehouse.get_connection() as con:
        replace_table(con, "marts.metric_catalogue", pl.DataFrame(rows, infer_schema_length=None))
        replace_table(con, "marts.satsingsomrader", pl.DataFrame(order))
        replace_table(con, "marts.metric_sources", sources)
    yield dg.MaterializeResult(
        asset_key="metric_catalogue",
        metadata={"metrics": len(rows), "target_metrics": sum(r["kind"] == "target" for r in rows)},
    )
    yield dg.MaterializeResult(asset_key="satsingsomrader", metadata={"rows": len(order)})
    yield dg.MaterializeResult(asset_key="metric_sources", metadata={"rows": sources.height})


def _repo_relative(path: Path) -> str:
    """``sql/metrics/x.sql`` or ``catalogue/plans/<plan>/sql/x.sql``: where a reader finds the SQL."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def metric_sources(cat) -> pl.DataFrame:
    """Which raw tables (and so which sources) each metric's SQL reads, through the staged tables:
    the lineage behind provenance. Parsed from each metric's SQL itself, so it cannot drift from it."""
    writers = table_writers()
    rows = []
    for m in cat.metrics:
        for raw in sorted(raw_tables_upstream(m.sql, _repo_relative(m.sql_file))):
            rows.append({"metric_id": m.id, "source": writers[raw], "table_name": raw.removeprefix("raw.")})
    return pl.DataFrame(rows)


@dg.asset(pool=WAREHOUSE_POOL, group_name=REFERENCE_GROUP, kinds={"duckdb"})
def targets(warehouse: DuckDBResource, settings: SbuSettings) -> dg.MaterializeResult:
    """Every version of every target from catalogue/plans/<plan>/targets.yaml (who, when, decision, old value).
    Changing a target re-runs only this asset and the scorecard."""
    effective = settings.effective()
    history = load_targets(effective.targets_path, load_catalogue(settings=effective))
    rows = []
    for metric_id, t in history.items():
        for v in t.versions:
            rows.append(
                {
                    "metric_id": metric_id,
                    "version": v.version,
                    "kind": v.kind,
                    "value": v.value,
                    "target_year": v.target_year,
                    "decided_by": v.decided_by,
                    "decided_at": v.decided_at,
                    "decision_ref": v.decision_ref,
                    "note": v.note,
                    "is_current": v.version == t.current.version,
                }
            )
    with warehouse.get_connection() as con:
        replace_table(con, "marts.target_history", pl.DataFrame(rows, infer_schema_length=None))
    return dg.MaterializeResult(
        metadata={"versions": len(rows), "changed_metrics": sum(len(t.versions) > 1 for t in history.values())}
    )


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(assets=[plan, areas, compared_regions, metric_catalogue, targets])
