"""Compare the published figures of two data folders: a speed-up must not change them.

Every table of ``<data>/published/sbu.duckdb`` in both folders, except those that differ from run
to run by design (``snapshot``, ``file_loads``, ``check_results``, ``metric_provenance``,
``revisions``), is read with ``ORDER BY ALL`` and compared row for row, column names included.
Prints one line per table and exits 1 when any table differs.

    .venv/bin/python scripts/compare_published.py <data folder before> <data folder after>
"""

import sys
from pathlib import Path

import duckdb

RUN_DEPENDENT = {"snapshot", "file_loads", "check_results", "metric_provenance", "revisions"}


def tables(con: duckdb.DuckDBPyConnection, database: str) -> set[tuple[str, str]]:
    return set(
        con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?", [database]
        ).fetchall()
    )


def main(before: Path, after: Path) -> int:
    con = duckdb.connect()
    for name, folder in (("before", before), ("after", after)):
        con.execute(f"ATTACH '{folder / 'published' / 'sbu.duckdb'}' AS {name} (READ_ONLY)")
    ours, theirs = tables(con, "before"), tables(con, "after")
    differ = 0
    if ours != theirs:
        print(f"tables in only one of them: {sorted(ours ^ theirs)}")
        differ += 1
    for schema, table in sorted(ours & theirs):
        if table in RUN_DEPENDENT:
            continue
        rows, columns = [], []
        for name in ("before", "after"):
            relation = con.execute(f'SELECT * FROM {name}."{schema}"."{table}" ORDER BY ALL')
            columns.append([d[0] for d in relation.description])
            rows.append(relation.fetchall())
        same = rows[0] == rows[1] and columns[0] == columns[1]
        print(f"{'same' if same else 'DIFFERENT':9} {schema}.{table}: {len(rows[0])} rows, {len(rows[1])} after")
        if not same:
            differ += 1
            first = next(((a, b) for a, b in zip(*rows) if a != b), None)
            if first:
                print(f"    first difference: {first[0]}\n                      {first[1]}")
    print("every published table is the same" if not differ else f"{differ} tables differ")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    raise SystemExit(main(Path(sys.argv[1]), Path(sys.argv[2])))
