"""Running the project's SQL files against the DuckDB warehouse.

Every SQL file under ``sql/`` is a single SELECT named after the table it makes; this module
wraps it in ``CREATE OR REPLACE TABLE <schema>.<name> AS``. One place, so a reader can find how
``sql/staging``, ``sql/metrics`` and ``sql/marts`` become tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from pipelines.settings import REPO_ROOT, get_settings

if TYPE_CHECKING:
    import pyarrow as pa


def sql_path(layer: str, name: str) -> Path:
    return Path(get_settings().sql_dir) / layer / f"{name}.sql"


def shown_path(path: Path) -> str:
    """A SQL file's path as messages name it: relative to the repository when it is inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def read_select(path: Path) -> str:
    """A SQL file's single SELECT, without the trailing semicolon (it is wrapped in other SQL)."""
    return path.read_text(encoding="utf-8").strip().rstrip(";")


def read_sql(layer: str, name: str) -> str:
    return read_select(sql_path(layer, name))


def build_table(con: duckdb.DuckDBPyConnection, layer: str, name: str, schema: str | None = None) -> int:
    """CREATE OR REPLACE ``<schema>.<name>`` from ``sql/<layer>/<name>.sql``; returns its row count."""
    schema = schema or layer
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(f"CREATE OR REPLACE TABLE {schema}.{name} AS {read_sql(layer, name)}")
    return count(con, f"{schema}.{name}")


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return con.sql(sql, params=params).pl() if params else con.sql(sql).pl()


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"SELECT COUNT(*) FROM {table}").fetchall()[0][0]


def to_arrow(frame: pl.DataFrame) -> pa.Table:
    """The frame as Arrow without copying its text: Polars' own string views, which DuckDB reads as
    VARCHAR. The default (oldest) compatibility level copies every text column into a large_string
    buffer first, as much memory again as the frame's text (about 75 MiB for a 16x city's scorecard)."""
    return frame.to_arrow(compat_level=pl.CompatLevel.newest())


def replace_table(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Write a Polars frame as ``table`` (schema-qualified), replacing what was there."""
    schema = table.split(".")[0]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return _write(con, f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _frame", frame)


def append_table(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    """Add a Polars frame's rows to ``table`` (its columns by name): a table too large to hold as
    one frame is written a batch at a time."""
    return _write(con, f"INSERT INTO {table} BY NAME SELECT * FROM _frame", frame)


def swap_table(con: duckdb.DuckDBPyConnection, built: str, table: str) -> None:
    """Put the finished table ``built`` in the place of ``table`` (both schema-qualified, the same
    schema), in one transaction: a rename, not a copy. A table written in batches is built under
    another name, so a failure halfway leaves the previous ``table`` as it was."""
    con.execute(f"BEGIN; DROP TABLE IF EXISTS {table}; ALTER TABLE {built} RENAME TO {table.split('.')[-1]}; COMMIT")


def _write(con: duckdb.DuckDBPyConnection, sql: str, frame: pl.DataFrame) -> int:
    con.register("_frame", to_arrow(frame))
    try:
        con.execute(sql)
    finally:
        con.unregister("_frame")
    return frame.height
