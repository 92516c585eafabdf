"""Small helpers the tests share. Expected figures are never computed here."""

from __future__ import annotations

import functools
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:
    import pyarrow as pa

APP = Path(__file__).resolve().parent.parent / "dashboards" / "app.py"


def sql(path: Path, query: str, params: list | None = None) -> list[tuple]:
    """Rows of ``query`` on a DuckDB file opened read-only (and closed again)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF, read with pdfium (PDFium's own text layer: some 30 times
    faster than pypdf on the status report, and the same words and lines)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range().replace("\r\n", "\n") for i in range(len(pdf))]
    finally:
        pdf.close()


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> pa.Table:
    """``raw.<table>`` as an Arrow table, in the order DuckDB scans it."""
    return con.sql(f"SELECT * FROM raw.{table}").to_arrow_table()


def assert_same_rows(con: duckdb.DuckDBPyConnection, table: str, expected: pa.Table) -> None:
    """``raw.<table>`` holds exactly the rows of ``expected``, each as often, in any order.

    A table nothing wrote to scans in the order it was stored, so the Arrow tables are compared
    as they come first (equal: the same rows); only if they differ, sorted row for row as Python
    tuples, which shows the difference (fetching and sorting a large table row for row into Python
    costs more than most loads under test)."""
    found = table_rows(con, table)
    if not found.equals(expected):
        got, want = Counter(sorted_tuples(found)), Counter(sorted_tuples(expected))
        assert got == want, (
            f"raw.{table}: unexpected rows {list((got - want).elements())[:5]}, missing rows {list((want - got).elements())[:5]}"
        )


def sorted_tuples(rows: pa.Table) -> list[tuple]:
    return duckdb.connect().from_arrow(rows).query("t", "SELECT * FROM t ORDER BY ALL").fetchall()


def nb(x: float, decimals: int = 1) -> str:
    """Norwegian number as a reader sees it: decimal comma, space between thousands (written here,
    not imported from the project, so a formatting bug there shows up in the tests)."""
    return f"{x:,.{decimals}f}".replace(",", " ").replace(".", ",")


@functools.cache
def _components():  # -> streamlit's BidiComponentManager
    """Streamlit's installed components, discovered once per test process. Each new AppTest scans
    every installed package's metadata for them (0.1-0.2 s, some 60 times a suite); the dashboard
    uses none, and the packages do not change while the tests run."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


def new_app_test():  # -> AppTest
    """``AppTest`` of the dashboard, sharing :func:`_components`: AppTest scans only when its private
    ``_bidi_component_manager`` is unset (were that renamed, each AppTest would scan again: slower,
    not wrong)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=60)
    at._bidi_component_manager = _components()
    return at


def run_app(page: str | None = None, *, user: dict | None = None, **params: str):
    """The dashboard in Streamlit's AppTest on ``page`` (default: the overview) with query
    parameters; fails on any exception the page raised. Reads the snapshot the ``SBU_*``
    environment points at. ``user`` is what the page reads as ``st.user`` (default: AppTest's, which
    is what a dashboard without an identity provider sees; ``{"is_logged_in": True, ...}`` is a
    signed-in identity's ID-token claims)."""
    at = new_app_test()
    if user is not None:
        at.user = user
    if page and page != "oversikt":
        at.switch_page(f"app_pages/{page}.py")
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def make_newest(path: Path) -> None:
    """Make ``path`` the last delivery of its folder (landing files load in modification order)."""
    newest = max(p.stat().st_mtime for p in path.parent.iterdir())
    os.utime(path, (newest + 10, newest + 10))
