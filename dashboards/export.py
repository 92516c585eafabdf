"""Downloads of exactly the visible (already suppressed) table: CSV and Excel."""

from __future__ import annotations

import io
from collections.abc import Sequence

import polars as pl
import xlsxwriter


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    """Semicolon-separated UTF-8 with BOM: what Norwegian Excel opens correctly by double-click."""
    return b"\xef\xbb\xbf" + frame.write_csv(separator=";").encode("utf-8")


def to_xlsx_bytes(
    frame: pl.DataFrame, *, sheet: str = "Tabell", title: str | None = None, notes: Sequence[str] = ()
) -> bytes:
    """One worksheet with the table (header in row 1), and an "Om uttrekket" sheet with context."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    header = wb.add_format({"bold": True, "bg_color": "#DDE7F0", "border": 1, "text_wrap": True, "valign": "top"})
    cell = wb.add_format({"text_wrap": True, "valign": "top"})
    ws = wb.add_worksheet(sheet[:31])
    for c, name in enumerate(frame.columns):
        ws.write(0, c, name, header)
        values = ["" if v is None else v for v in frame.get_column(name).to_list()]
        width = max([len(str(name))] + [len(str(v)) for v in values]) + 2
        ws.set_column(c, c, min(max(width, 8), 60), cell)
        for r, v in enumerate(values, start=1):
            ws.write(r, c, v if isinstance(v, (int, float)) else str(v))
    ws.freeze_panes(1, 0)
    if frame.width:
        ws.autofilter(0, 0, max(frame.height, 1), frame.width - 1)
    about = wb.add_worksheet("Om uttrekket")
    about.set_column(0, 0, 110)
    lines = ([title] if title else []) + list(notes)
    for i, line in enumerate(lines):
        about.write(i, 0, line)
    wb.close()
    return buf.getvalue()
