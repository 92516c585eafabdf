"""Downloads of exactly the visible (already suppressed) table: CSV and Excel.

A table is a Polars frame or a list of rows (dicts, in the screen's order). A cell is text, a
number, or a :class:`~presentation.formatting.Figure` (a number as shown, with its decimals):
numbers become number cells in Excel with a Norwegian-readable number format (Excel shows
``#,##0.0`` with the reader's own separators, "1 234,5" in Norwegian), and decimal-comma numbers in
the CSV; the unit is in the column heading (or a column of its own where the rows mix units).

Every text cell is neutralised against formula injection (OWASP, "CSV Injection"): a school
name or reporter label starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with a single quote in the CSV, and written as a text cell (never a formula) with Excel's
quote prefix in the workbook, so neither Excel nor a re-save as CSV turns it into a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
import xlsxwriter

from presentation.formatting import Figure, format_number_nb

Table = pl.DataFrame | Sequence[Mapping[str, Any]]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    """Would a spreadsheet read ``text`` as the start of a formula (OWASP's trigger characters)?"""
    return text.startswith(FORMULA_TRIGGERS)


def neutralised(text: str) -> str:
    """``text`` as a CSV field a spreadsheet shows as text: a leading single quote before a
    formula trigger (OWASP); other text unchanged."""
    return "'" + text if is_formula_like(text) else text


def _columns_and_rows(table: Table) -> tuple[list[str], list[list[Any]]]:
    if isinstance(table, pl.DataFrame):
        return list(table.columns), [list(r) for r in table.iter_rows()]
    columns: list[str] = []
    for row in table:
        columns.extend(c for c in row if c not in columns)
    return columns, [[row.get(c) for c in columns] for row in table]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _csv_field(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, Figure):
        return f"{v.value:.{v.decimals}f}".replace(".", ",")
    if _is_number(v):
        return str(v).replace(".", ",")
    return neutralised(str(v))


def to_csv_bytes(table: Table) -> bytes:
    """Semicolon-separated UTF-8 with BOM and decimal commas: what Norwegian Excel opens correctly
    by double-click, numbers as numbers."""
    columns, rows = _columns_and_rows(table)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")  # CR or LF in a field is quoted
    writer.writerow([neutralised(c) for c in columns])
    writer.writerows([_csv_field(v) for v in row] for row in rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def number_format(decimals: int) -> str:
    """Excel's code for a number with a thousands separator and ``decimals`` decimals."""
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def to_xlsx_bytes(table: Table, *, sheet: str = "Tabell", title: str | None = None, notes: Sequence[str] = ()) -> bytes:
    """One worksheet with the table (header in row 1, rows in the screen's order), and an "Om
    uttrekket" sheet with context."""
    columns, rows = _columns_and_rows(table)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    header = wb.add_format({"bold": True, "bg_color": "#DDE7F0", "border": 1, "text_wrap": True, "valign": "top"})
    text = wb.add_format({"text_wrap": True, "valign": "top"})
    quoted = wb.add_format({"text_wrap": True, "valign": "top", "quote_prefix": True})
    numbers: dict[int, Any] = {}

    def number(decimals: int) -> Any:
        if decimals not in numbers:
            numbers[decimals] = wb.add_format({"num_format": number_format(decimals), "valign": "top"})
        return numbers[decimals]

    def write(ws: Any, r: int, c: int, v: Any, fmt: Any = None) -> None:
        if v is None:
            ws.write_blank(r, c, None, fmt or text)
        elif isinstance(v, Figure):
            ws.write_number(r, c, v.value, number(v.decimals))
        elif _is_number(v):
            ws.write_number(r, c, v, number(0 if isinstance(v, int) or float(v).is_integer() else 1))
        else:
            s = str(v)
            ws.write_string(r, c, s, quoted if is_formula_like(s) else (fmt or text))

    ws = wb.add_worksheet(sheet[:31])
    for c, name in enumerate(columns):
        write(ws, 0, c, name, header)
        shown = [
            v.text if isinstance(v, Figure) else format_number_nb(v, 1) if _is_number(v) else v
            for v in (r[c] for r in rows)
        ]
        width = max([len(str(name))] + [len(str(v)) for v in shown if v is not None]) + 2
        ws.set_column(c, c, min(max(width, 8), 60))
        for r, row in enumerate(rows, start=1):
            write(ws, r, c, row[c])
    ws.freeze_panes(1, 0)
    if columns:
        ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    about = wb.add_worksheet("Om uttrekket")
    about.set_column(0, 0, 110)
    for i, line in enumerate(([title] if title else []) + list(notes)):
        write(about, i, 0, line)
    wb.close()
    return buf.getvalue()
