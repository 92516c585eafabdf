"""Revised figures: a published figure whose value changed in a later publication.

A figure is one metric value for an area, survey group and period, as the dashboard and the report
show it (``marts.metric_values`` as published). Every publication (``published_snapshot``) compares
the figures it is about to publish with the figures the previous publication showed, kept in the
warehouse, and keeps a persistent history of what changed:

``meta.published_figures``
    What the last publication showed: every figure with a value (neither suppressed nor missing),
    with ``published_at``, when that value (as shown) was first published.
``meta.revisions``
    One row per revision step: the figure, ``previous_value`` and ``value``, when the previous
    value was published (``previous_published_at``) and when it was revised (``revised_at``, the
    revising publication's time), the revising run (``run_id``) and the files of the metric's
    sources loaded between the two publications (``files``). A figure revised twice has two rows.
``meta.publications``
    One row per publication (its time and run), which dates the files of a revision.

The rules:

* a revision is a change of the value *as shown* (``pipelines.nb_format.shown_value``, in SQL
  :func:`~pipelines.nb_format.shown_value_sql`): 12,31 % → 12,34 % is none, 12,3 % → 12,4 % is one;
* only figures shown both before and after count: a figure that was suppressed (or missing) before
  or is suppressed now is no revision, and no suppressed value is ever kept or published; a figure
  new to the publication (a new period, a new area) is none either;
* the first publication records nothing (there is nothing before it), and a publication that shows
  the same figures as the last records nothing (idempotent);
* the published ``revisions`` table holds the history of the figures the publication shows, never of
  one it suppresses (the last step's new value would be the hidden one).

:func:`prepare` runs before the snapshot is written (its new steps go into the snapshot's
``revisions``), :func:`record` after the snapshot has been swapped in, in one transaction: a run
killed before the swap records nothing; one killed between the swap and :func:`record` leaves the
history as it was, and the next publication finds the same steps again.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from pipelines.nb_format import shown_value_sql

__all__ = ["FIGURES", "HISTORY", "PUBLICATIONS", "PUBLISHED", "prepare", "record"]

KEY = ("metric_id", "area_code", "school_level", "gender", "year")
_KEY = ", ".join(KEY)

FIGURES = "meta.published_figures"
HISTORY = "meta.revisions"
PUBLICATIONS = "meta.publications"
# This publication's figures and new steps, on the publishing connection until record().
_NOW = "temp.main.figures_now"
_NEW = "temp.main.revisions_new"

_DDL = [
    "CREATE SCHEMA IF NOT EXISTS meta",
    f"""CREATE TABLE IF NOT EXISTS {FIGURES} (
        metric_id VARCHAR, area_code VARCHAR, school_level VARCHAR, gender VARCHAR, year BIGINT,
        period VARCHAR, unit VARCHAR, value DOUBLE, published_at TIMESTAMP)""",
    f"""CREATE TABLE IF NOT EXISTS {HISTORY} (
        metric_id VARCHAR, area_code VARCHAR, school_level VARCHAR, gender VARCHAR, year BIGINT,
        period VARCHAR, unit VARCHAR, previous_value DOUBLE, value DOUBLE,
        previous_published_at TIMESTAMP, revised_at TIMESTAMP, run_id VARCHAR, files VARCHAR[])""",
    f"CREATE TABLE IF NOT EXISTS {PUBLICATIONS} (published_at TIMESTAMP, run_id VARCHAR)",
]

# The snapshot's ``revisions``: every step (the history and this publication's), only for the
# figures this publication shows.
PUBLISHED = f"""
    SELECT r.* FROM (SELECT * FROM {HISTORY} UNION ALL SELECT * FROM {_NEW}) r
    SEMI JOIN {_NOW} n USING ({_KEY})
    ORDER BY metric_id, area_code, school_level, gender, year, revised_at"""


def _shown(alias: str) -> str:
    return shown_value_sql(f"{alias}.value", f"{alias}.unit")


def prepare(con: duckdb.DuckDBPyConnection, published_values: str, published_at: dt.datetime, run_id: str) -> int:
    """Compare the figures of ``published_values`` (the SELECT the snapshot publishes
    ``metric_values`` with) with the last publication's; keep this publication's figures and new
    revision steps on ``con`` for :data:`PUBLISHED` and :func:`record`. Returns the new steps."""
    for ddl in _DDL:
        con.execute(ddl)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE figures_now AS
        SELECT {_KEY}, period, unit, value FROM ({published_values}) v
        WHERE NOT coalesce(suppressed, FALSE) AND value IS NOT NULL"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE revisions_new AS
        WITH since AS (SELECT coalesce(max(published_at), '-infinity'::TIMESTAMP) AS t FROM {PUBLICATIONS}),
        loaded AS (  -- per metric, the files of its sources loaded since the last publication
            SELECT ms.metric_id, list(DISTINCT f.file_name ORDER BY f.file_name) AS files
            FROM marts.metric_sources ms
            JOIN meta.file_loads f ON f.source = ms.source AND f.table_name = ms.table_name, since
            WHERE f.status = 'loaded' AND f.processed_at > since.t
            GROUP BY ms.metric_id)
        SELECT n.metric_id, n.area_code, n.school_level, n.gender, n.year, n.period, n.unit,
               p.value AS previous_value, n.value, p.published_at AS previous_published_at,
               ?::TIMESTAMP AS revised_at, ?::VARCHAR AS run_id, coalesce(l.files, []::VARCHAR[]) AS files
        FROM {_NOW} n JOIN {FIGURES} p USING ({_KEY}) LEFT JOIN loaded l ON l.metric_id = n.metric_id
        WHERE {_shown("p")} <> {_shown("n")}""",
        [published_at, run_id],
    )
    return con.execute(f"SELECT count(*) FROM {_NEW}").fetchall()[0][0]


def record(con: duckdb.DuckDBPyConnection, published_at: dt.datetime, run_id: str) -> None:
    """After the snapshot prepared on ``con`` is published: add its revision steps to the history
    and make its figures the last publication's, in one transaction. A figure whose shown value is
    unchanged keeps the time it was first published."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"INSERT INTO {HISTORY} SELECT * FROM {_NEW}")
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE figures_next AS
            SELECT n.*, CASE WHEN p.published_at IS NOT NULL AND {_shown("p")} = {_shown("n")}
                             THEN p.published_at ELSE ?::TIMESTAMP END AS published_at
            FROM {_NOW} n LEFT JOIN {FIGURES} p USING ({_KEY})""",
            [published_at],
        )
        con.execute(f"DELETE FROM {FIGURES}")
        con.execute(f"INSERT INTO {FIGURES} BY NAME SELECT * FROM temp.main.figures_next")
        con.execute(f"INSERT INTO {PUBLICATIONS} VALUES (?, ?)", [published_at, run_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS temp.main.figures_next")
