"""Reader for exports from Udir's statistics bank (Utdanningsdirektoratet, Statistikkbanken).

Its API hands out a table page by page, each page a JSON list of row objects (one key per column:
codes, names, the school year, the figures); an export saved by hand is one page, the list of
pages, or an object holding either. Figures come as text with decimal comma; ``*`` is a cell
Udir suppressed (*prikket*) to protect small groups, and ``-`` or an empty cell means no figure.

Output: one row per data row in file order, one String column per key, and for every column
whose cells are all numbers or symbols a Float64 column of the same name with a
``<column>_status`` column (``*`` suppressed, ``-``, else null); ``year`` (Int64) from a column
named like ``Årstall``/``Skoleår`` (its first four digits: 2023 for ``2023-24``), ``municipality``
(the series key, as the SSB readers give it) when there is a ``Kommunekode`` column, ``_row``
(1-based). Columns named ``…kode``/``…nr``/``…id`` are codes and stay text.
"""

from __future__ import annotations

import os
import re
from typing import Any

import polars as pl

from pipelines.readers.norwegian import ROW_COLUMN, ReaderError, parse_norwegian_number, read_json_file
from pipelines.readers.regions import region_codes
from pipelines.readers.ssb import normalize_municipality

__all__ = ["udir_rows", "udir_to_frame", "read_udir_json"]

SUPPRESSED = "*"
_NO_FIGURE = {"", "-", "—"}
_ROW_KEYS = ("data", "rader", "rows", "items", "value", "verdier")
_PAGE_KEYS = ("pages", "sider")
_YEAR_COLUMNS = re.compile(r"^(årstall|aarstall|år|aar|skoleår|skoleaar|skoleårnavn|skoleaarnavn)$", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})")
_CODE_COLUMN = re.compile(r"(kode|nr|nummer|id)$", re.IGNORECASE)  # codes stay text, leading zeros and all
_MUNICIPALITY_COLUMNS = {"kommunekode", "kommunenummer", "kommunenr"}


def _structure(path: Any, detail: str, detail_nb: str) -> ReaderError:
    return ReaderError(detail, rule="udir_structure", path=path, detail_nb=detail_nb)


def udir_rows(doc: Any, path: Any = None) -> list[dict]:
    """The data rows of a page, a list of pages, or an object holding rows or pages."""
    if isinstance(doc, dict):
        lowered = {str(k).casefold(): v for k, v in doc.items()}
        for key in _PAGE_KEYS:
            if isinstance(lowered.get(key), list):
                return [row for page in lowered[key] for row in udir_rows(page, path)]
        for key in _ROW_KEYS:
            if isinstance(lowered.get(key), list):
                return udir_rows(lowered[key], path)
        raise _structure(
            path,
            "a JSON object without a list of rows ('data') or pages ('pages')",
            "Fant ingen rader i fila: forventet en liste med rader (eller sider med rader) fra Udirs statistikkbank",
        )
    if isinstance(doc, list):
        if all(isinstance(r, dict) for r in doc):
            return [r for r in doc if not _is_paging(r)]
        if all(isinstance(p, (list, dict)) for p in doc):
            return [row for page in doc for row in udir_rows(page, path)]
    raise _structure(
        path,
        "expected a list of row objects",
        "Forventet en liste med rader (JSON-objekter) fra Udirs statistikkbank",
    )


def _is_paging(row: dict) -> bool:
    """A page's trailing paging record (page number, page count) rather than a data row."""
    keys = {str(k).casefold() for k in row}
    return bool(keys) and keys <= {
        "sidenummer",
        "antallsider",
        "antallrader",
        "sidestorrelse",
        "pagenumber",
        "totalpages",
    }


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell).lower()
    return str(cell).strip()


def udir_to_frame(doc: Any, path: Any = None) -> pl.DataFrame:
    rows = udir_rows(doc, path)
    if not rows:
        raise _structure(path, "no data rows", "Fila har ingen datarader")
    columns: list[str] = []
    for row in rows:
        columns += [str(k) for k in row if str(k) not in columns]
    text = {c: [_text(r.get(c)) for r in rows] for c in columns}
    series: list[pl.Series] = [pl.Series(ROW_COLUMN, range(1, len(rows) + 1), dtype=pl.Int64)]
    for column in columns:
        cells = text[column]
        parsed = None if _CODE_COLUMN.search(column) else _numbers(cells)
        if parsed is None:
            series.append(pl.Series(column, [c or None for c in cells], dtype=pl.String))
            continue
        values, statuses = parsed
        series.append(pl.Series(column, values, dtype=pl.Float64))
        series.append(pl.Series(f"{column}_status", statuses, dtype=pl.String))
    year_column = next((c for c in columns if _YEAR_COLUMNS.match(c)), None)
    years = [int(m.group(1)) if (m := _YEAR.search(c)) else None for c in text[year_column]] if year_column else None
    series.append(pl.Series("year", years or [None] * len(rows), dtype=pl.Int64))
    code_column = next((c for c in columns if c.casefold() in _MUNICIPALITY_COLUMNS), None)
    if code_column:
        regions = region_codes()
        series.append(
            pl.Series(
                "municipality",
                [normalize_municipality(c, regions) if c else None for c in text[code_column]],
                dtype=pl.String,
            )
        )
    return pl.DataFrame(series)


def _numbers(cells: list[str]) -> tuple[list[float | None], list[str | None]] | None:
    """Values and statuses when every cell is a number, ``*``, ``-`` or empty (and one is a number
    or ``*``); None for a text column. Codes with a leading zero stay text."""
    values: list[float | None] = []
    statuses: list[str | None] = []
    seen = False
    for cell in cells:
        if cell == SUPPRESSED:
            values.append(None)
            statuses.append(SUPPRESSED)
            seen = True
            continue
        if cell in _NO_FIGURE:
            values.append(None)
            statuses.append("-" if cell else None)
            continue
        if re.fullmatch(r"0\d+", cell):
            return None
        try:
            value, symbol = parse_norwegian_number(cell, allow_decimal_point=True)
        except ValueError:
            return None
        values.append(value)
        statuses.append(symbol)
        seen = True
    return (values, statuses) if seen else None


def read_udir_json(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read an export from Udir's statistics bank; see the module's description."""
    doc = read_json_file(path)
    return udir_to_frame(doc, path)
