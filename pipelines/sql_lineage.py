"""Lineage read from the SQL itself: which stored tables a SELECT reads, and which asset writes each.

* :func:`tables_read` parses one SELECT with sqlglot (DuckDB dialect) and returns the
  schema-qualified tables it reads. It is a parser, not a pattern: a table named in a comment is
  not read, a CTE is not a table (a recursive one neither, nor one named like a table), and
  subqueries, joins, unions and lateral joins are followed.
* :func:`table_writers` maps every stored table to the asset (or asset spec of a multi-asset) that
  writes it: a source's raw tables (from its data contract), each SQL model's table (from
  ``sql/``) and the tables the Python steps write (:data:`PYTHON_TABLES`).
* :func:`upstream_assets` joins the two into an asset's deps, and fails clearly when SQL reads a
  table that no asset writes.

The SQL models (``sql/staging/*.sql`` and :data:`MART_MODELS`) are assets whose deps come from
here (``pipelines/defs/models``), and so are ``metric_base`` (the catalogue's metric SQL) and
``metric_values`` (``sql/marts/metric_cells.sql``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.optimizer.scope import traverse_scope

from pipelines.ingest.contracts import contract_sources, load_contract
from pipelines.settings import get_settings
from pipelines.warehouse import read_select, sql_path

DIALECT = "duckdb"

# Tables that Python steps write, by the asset (or asset spec) that writes them. Raw tables come
# from the data contracts and the SQL models' tables from sql/; a new Python step writing a table
# that SQL reads adds it here (tests/test_sql_lineage.py checks every key is an asset).
PYTHON_TABLES: dict[str, str] = {
    "marts.plan": "plan",
    "marts.areas": "areas",
    "marts.compared_regions": "compared_regions",
    "marts.metric_catalogue": "metric_catalogue",
    "marts.satsingsomrader": "satsingsomrader",
    "marts.metric_sources": "metric_sources",
    "marts.target_history": "targets",
    "marts.metric_base": "metric_base",
    "marts.metric_values": "metric_values",
    "marts.suppression_thresholds": "suppression_thresholds",
    "marts.cw_reports_by_reporter": "cw_reports_by_reporter",
    "marts.scorecard": "scorecard",
    "marts.source_schedule": "source_schedule",
    "marts.comparisons": "comparisons",
    "marts.trends": "trends",
}

# The files in sql/marts that are stored as tables of their own (SQL models). The others are
# queries a Python step runs: metric_cells.sql is the roll-up that metric_values suppresses.
MART_MODELS = ("area_ancestors",)


class SqlLineageError(ValueError):
    """SQL whose lineage cannot be read: it does not parse, is not one SELECT, names a table
    without its schema, or reads a table that no asset writes."""


@dataclass(frozen=True)
class SqlModel:
    """A SQL file stored as the table of the same name: ``sql/<layer>/<name>.sql`` becomes
    ``<layer>.<name>``, written by the asset ``<name>``."""

    layer: str
    name: str

    @property
    def table(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def path(self) -> Path:
        return sql_path(self.layer, self.name)

    @property
    def origin(self) -> str:
        return f"sql/{self.layer}/{self.name}.sql"

    def sql(self) -> str:
        return read_select(self.path)


def sql_models() -> list[SqlModel]:
    """Every staging file (one per raw table) and the mart models, in a stable order."""
    staging = sorted(p.stem for p in (Path(get_settings().sql_dir) / "staging").glob("*.sql"))
    return [*(SqlModel("staging", name) for name in staging), *(SqlModel("marts", name) for name in MART_MODELS)]


@functools.lru_cache(maxsize=4096)
def tables_read(sql: str, origin: str = "SQL") -> frozenset[str]:
    """The stored tables one SELECT reads, as lower-case ``<schema>.<table>``. ``origin`` names the
    SQL in errors (e.g. its file). Remembered per text: the code location's deps and a run's
    lineage parse the same SQL, and parsing is most of what they cost."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except ParseError as e:
        where = e.errors[0] if e.errors else {}
        raise SqlLineageError(
            f"{origin} does not parse as DuckDB SQL (line {where.get('line')}, column {where.get('col')}): "
            f"{where.get('description', e)}"
        ) from e
    except SqlglotError as e:
        raise SqlLineageError(f"{origin} does not parse as DuckDB SQL: {e}") from e
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        kinds = ", ".join(type(s).__name__ for s in statements) or "nothing"
        raise SqlLineageError(f"{origin} must be exactly one SELECT (found: {kinds})")
    query = statements[0]
    # Every FROM and JOIN, scope by scope (CTEs, subqueries, unions): a name the scope resolves to a
    # CTE is a Scope, not a Table; a table function (range(), read_csv()) has no plain name.
    tables: set[str] = set()
    for scope in traverse_scope(query):
        for source in scope.sources.values():
            if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
                tables.add(_qualified(source, origin))
    # Belt and braces: a schema-qualified table is never a CTE, wherever the scopes put it.
    for table in query.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier) and table.db:
            tables.add(_qualified(table, origin))
    return frozenset(tables)


def _qualified(table: exp.Table, origin: str) -> str:
    if not table.db or table.catalog:
        raise SqlLineageError(
            f"{origin} reads {table.sql(DIALECT)!r}: name a stored table as <schema>.<table> "
            "(raw, staging, marts), without a database; an unqualified name must be a CTE"
        )
    return f"{table.db}.{table.name}".lower()


def table_writers() -> dict[str, str]:
    """Every stored table that SQL may read, with the asset (or asset spec) that writes it."""
    writers = {f"raw.{t.name}": source for source in contract_sources() for t in load_contract(source).tables}
    for table, key in [*((m.table, m.name) for m in sql_models()), *PYTHON_TABLES.items()]:
        if table in writers:
            raise SqlLineageError(f"{table} is written by two assets: {writers[table]} and {key}")
        writers[table] = key
    return writers


def upstream_assets(sqls: Mapping[str, str], writers: Mapping[str, str] | None = None) -> list[str]:
    """The asset keys that write the tables these SELECTs (origin → SQL) read, sorted: the deps
    of an asset that runs them."""
    writers = table_writers() if writers is None else writers
    keys = set()
    for origin, sql in sqls.items():
        for table in sorted(tables_read(sql, origin)):
            if table not in writers:
                schema = table.split(".")[0]
                known = sorted(t for t in writers if t.startswith(f"{schema}."))
                raise SqlLineageError(
                    f"{origin} reads {table}, which no asset writes. Tables in {schema}: "
                    + (", ".join(known) if known else "none")
                    + ". A raw table comes from a data contract, a staging table from sql/staging/<name>.sql, "
                    "a Python step's table from PYTHON_TABLES in pipelines/sql_lineage.py."
                )
            keys.add(writers[table])
    return sorted(keys)


def raw_tables_upstream(sql: str, origin: str = "SQL") -> frozenset[str]:
    """The raw tables a SELECT reads, directly or through SQL models (a metric reads
    ``staging.stg_x``, which reads ``raw.x``): where its figures come from."""
    models = {m.table: m for m in sql_models()}
    pending, seen, raw = list(tables_read(sql, origin)), set(), set()
    while pending:
        table = pending.pop()
        if table in seen:
            continue
        seen.add(table)
        if table.startswith("raw."):
            raw.add(table)
        elif table in models:
            pending.extend(tables_read(models[table].sql(), models[table].origin))
    return frozenset(raw)
