"""Small helpers the tests share. Expected figures are never computed here."""

from __future__ import annotations

from pathlib import Path

import duckdb


def sql(path: Path, query: str, params: list | None = None) -> list[tuple]:
    """Rows of ``query`` on a DuckDB file opened read-only (and closed again)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def nb(x: float, decimals: int = 1) -> str:
    """Norwegian number as a reader sees it: decimal comma, space between thousands (written here,
    not imported from the project, so a formatting bug there shows up in the tests)."""
    return f"{x:,.{decimals}f}".replace(",", " ").replace(".", ",")
