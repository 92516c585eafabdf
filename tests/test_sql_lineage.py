"""Lineage read from the SQL with a parser: the tables a SELECT reads, on tricky SQL, and every
SQL file in sql/ reads only tables that an asset writes."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import sqlglot
from sqlglot import exp

from pipelines.catalogue import load_catalogue
from pipelines.ingest.contracts import contract_sources, load_contract
from pipelines.sql_lineage import (
    SqlLineageError,
    raw_tables_upstream,
    table_writers,
    tables_read,
    upstream_assets,
)
from pipelines.warehouse import read_select

REPO = Path(__file__).resolve().parent.parent
# Every SQL file: the library's and any plan folder's own metric SQL.
SQL_FILES = sorted([*(REPO / "sql").rglob("*.sql"), *(REPO / "catalogue" / "plans").glob("*/sql/*.sql")])


def test_a_cte_named_like_a_table_is_not_a_table():
    sql = """
        WITH stg_ungdata AS (SELECT * FROM staging.stg_ungdata WHERE indicator_id = 'hash'),
             plan AS (SELECT * FROM marts.plan)
        SELECT u.area_code FROM stg_ungdata u, plan"""
    assert tables_read(sql) == {"staging.stg_ungdata", "marts.plan"}


def test_tables_in_comments_and_strings_are_not_read():
    sql = """
        -- Reads raw.secret? No: FROM raw.secret is a comment.
        SELECT year /* JOIN marts.scorecard s ON true */, 'FROM raw.ungdata' AS note
        FROM staging.stg_services  -- , staging.stg_ppt
        """
    assert tables_read(sql) == {"staging.stg_services"}


def test_a_recursive_cte_reads_only_the_tables_it_starts_from():
    sql = """
        WITH RECURSIVE up(area_code, ancestor_code, depth) AS (
            SELECT area_code, area_code, 0 FROM marts.areas
            UNION ALL
            SELECT up.area_code, a.parent_code, up.depth + 1
            FROM up JOIN marts.areas a ON a.area_code = up.ancestor_code
            WHERE a.parent_code IS NOT NULL
        )
        SELECT * FROM up"""
    assert tables_read(sql) == {"marts.areas"}


def test_subqueries_joins_and_unions_are_followed():
    sql = """
        SELECT p.root_area_code AS area_code, r.year,
               (SELECT max(year) FROM staging.stg_population) AS latest
        FROM staging.stg_child_welfare_reports r
        JOIN marts.plan p ON r.municipality = p.municipality_series
        LEFT JOIN (SELECT area_code FROM marts.areas WHERE area_level = 'skole') s ON true
        WHERE r.year IN (SELECT year FROM staging.stg_ppt)
          AND EXISTS (SELECT 1 FROM staging.stg_services v WHERE v.year = r.year)
        UNION ALL
        SELECT area_code, year, NULL FROM staging.stg_absence, LATERAL (SELECT 1 FROM marts.area_ancestors) x"""
    assert tables_read(sql) == {
        "staging.stg_population",
        "staging.stg_child_welfare_reports",
        "marts.plan",
        "marts.areas",
        "staging.stg_ppt",
        "staging.stg_services",
        "staging.stg_absence",
        "marts.area_ancestors",
    }


def test_names_are_case_insensitive_and_table_functions_are_no_tables():
    sql = 'SELECT * FROM "Staging"."STG_PPT", range(3) r(i), unnest([1, 2]) u(x)'
    assert tables_read(sql) == {"staging.stg_ppt"}


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM areas", "<schema>.<table>"),  # not a CTE, no schema
        ("SELECT * FROM pub.main.metric_values", "without a database"),
        ("SELECT 1 FROM raw.a; SELECT 2 FROM raw.b", "exactly one SELECT"),
        ("DELETE FROM raw.ungdata", "exactly one SELECT"),
        ("SELEC area_code FROM raw.ungdata", "does not parse"),
    ],
)
def test_sql_whose_lineage_cannot_be_read_fails_clearly(sql, message):
    with pytest.raises(SqlLineageError, match="my.sql") as error:
        tables_read(sql, "my.sql")
    assert message in str(error.value)


def test_a_table_no_asset_writes_is_named_with_its_file():
    with pytest.raises(SqlLineageError) as error:
        upstream_assets({"sql/metrics/new_metric.sql": "SELECT * FROM staging.stg_nothing JOIN marts.plan p ON true"})
    assert "sql/metrics/new_metric.sql reads staging.stg_nothing, which no asset writes" in str(error.value)
    assert "staging.stg_ungdata" in str(error.value)  # the tables that do exist in that schema


def test_raw_tables_are_found_through_the_staging_models():
    sql = read_select(REPO / "sql" / "metrics" / "cw_investigation_rate.sql")
    assert raw_tables_upstream(sql) == {"raw.child_welfare_key_figures", "raw.population"}


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_sql_file_reads_only_tables_an_asset_writes(path: Path):
    origin = str(path.relative_to(REPO))
    tables = tables_read(read_select(path), origin)
    assert tables, f"{origin} reads no stored table"
    assert upstream_assets({origin: read_select(path)})  # raises SqlLineageError naming what is unknown


def test_every_table_writer_is_an_asset():
    from pipelines.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert set(table_writers().values()) <= keys


# -- the asset graph's lineage is the SQL's ------------------------------------------------------


def _read_independently(path: Path) -> set[str]:
    """The schema-qualified tables a file names outside comments: every table node of sqlglot's
    parse tree, without the scopes the module uses (a CTE is never schema-qualified)."""
    tree = sqlglot.parse_one(path.read_text(encoding="utf-8"), read="duckdb")
    return {f"{t.db}.{t.name}".lower() for t in tree.find_all(exp.Table) if t.db}


def _writer(table: str) -> str:
    """Which asset writes a table, by the naming rules, not the registry under test."""
    schema, name = table.split(".")
    if schema == "raw":
        return next(s for s in contract_sources() for t in load_contract(s).tables if t.name == name)
    if schema == "staging" or table == "marts.area_ancestors":
        return name
    return {"marts.plan": "plan", "marts.areas": "areas", "marts.metric_catalogue": "metric_catalogue"}.get(table, name)


def _deps(key: str) -> set[str]:
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    return {p.to_user_string() for p in graph.get(dg.AssetKey(key)).parent_keys}


STAGING = sorted((REPO / "sql" / "staging").glob("*.sql"))


@pytest.mark.parametrize("path", STAGING, ids=lambda p: p.stem)
def test_each_staging_model_is_an_asset_that_depends_on_what_its_sql_reads(path: Path):
    assert _deps(path.stem) == {_writer(t) for t in _read_independently(path)}


def test_some_deps_by_hand():
    assert _deps("stg_ungdata") == {"ungdata"}
    assert _deps("stg_vgs_completion") == {"ssb_outcomes"}  # one source, two tables
    assert _deps("area_ancestors") == {"areas"}  # a recursive CTE over marts.areas
    assert _deps("metric_values") == {"metric_base", "areas", "area_ancestors", "metric_catalogue"}


def test_metric_base_depends_on_what_the_catalogues_metric_sql_reads():
    tables = set()
    for metric in load_catalogue().metrics:
        tables |= _read_independently(metric.sql_file)  # sql/metrics/<id>.sql or the plan folder's own
    expected = {_writer(t) for t in tables}
    assert _deps("metric_base") == expected
    assert {"plan", "areas", "stg_ungdata", "stg_services", "stg_population"} <= expected
