"""Excel workbooks (xlsx): every sheet, hidden ones too, with real sheet row numbers and comments.

A workbook is more than its first sheet's table: a hidden sheet, a sheet's name, a column header or a
cell comment can hold personal data as well, and the identity-number scan must see all of them
(:func:`read_workbook`). The table a contract describes is the first sheet (:func:`sheet_frame`).

Rows are numbered as Excel shows them (row 1 is the top of the sheet), whatever blank rows lie
between. A formula cell counts with the result Excel saved with it; a formula saved without one
(written by a program, never opened in Excel) is refused, because its value is unknown, not 0.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import polars as pl
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_from_string

from pipelines.nb_format import format_number_nb
from pipelines.readers.norwegian import ROW_COLUMN, ReaderError, _clean_header_name

__all__ = [
    "MAX_CELLS",
    "MAX_TEXT_RUN_BYTES",
    "MAX_UNPACKED_BYTES",
    "Sheet",
    "Workbook",
    "cell_text",
    "check_package",
    "package_texts",
    "read_workbook",
    "sheet_frame",
]

_REL_COMMENTS = ("/comments", "/threadedComment")
# A workbook is a zip: what it unpacks to is what reading it costs (a 64 MiB sheet of one-digit cells
# peaks at 250 MiB, and takes openpyxl half a minute or more). A municipal template unpacks to well
# under a megabyte; a few hundred thousand cells to some tens. More is refused before openpyxl reads
# anything.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
# No text in a workbook's XML may run longer than this without markup: Excel holds at most 32 767
# characters in a cell (at most 6 bytes each in the XML, escaped), so a longer run is no cell
# anyone typed but one string made to fill memory (openpyxl reads every shared string whole, and
# Python holds a string with one character beyond Latin-1 at up to 4 bytes a character: one 64 MiB
# string took 1.1 GiB, one of 256 MiB 3.9 GiB).
MAX_TEXT_RUN_BYTES = 256 * 1024
_CHUNK = 1 << 20
# The most cells a workbook's rows may span when read, empty cells between used ones counted (a row
# is read from column A to its last used cell): one number in column XFD makes a row of 16 384 cells,
# so a 17 KB workbook of 3 000 such rows took 493 MiB and 37 s. A delivery spans some thousands.
MAX_CELLS = 2_000_000


@dataclass
class Sheet:
    """One sheet: its rows that hold anything, as (sheet row number, values from column A)."""

    position: int  # 1-based, in the workbook's order
    title: str
    hidden: bool
    rows: list[tuple[int, tuple]] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)  # (cell reference, text)
    formulas_without_value: list[str] = field(default_factory=list)  # cell references

    def header(self) -> dict[int, str]:
        """Column index (0-based) -> the text of the sheet's first row with content (its header)."""
        if not self.rows:
            return {}
        return {i: text for i, v in enumerate(self.rows[0][1]) if (text := cell_text(v))}


@dataclass
class Workbook:
    sheets: list[Sheet]


def cell_text(value: object) -> str | None:
    """A cell as text the way the sheet shows it: 573 not 573.0, a date as 2016-08-15."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


# openpyxl's complaint about a number cell whose stored value is no number (<v>NaN</v>, <v>INF</v>).
_NOT_A_NUMBER = re.compile(r"(?:invalid literal for int\(\) with base 10|could not convert string to float): '(.*)'")


def _unreadable(path: Path, exc: Exception) -> ReaderError:
    bad = _NOT_A_NUMBER.search(str(exc)) if isinstance(exc, ValueError) else None
    return ReaderError(
        f"not a readable xlsx workbook ({exc.__class__.__name__}: {exc})",
        rule="xlsx_unreadable",
        path=path,
        detail_nb=(
            f"Fila kan ikke åpnes som et Excel-ark (xlsx): en tallcelle har verdien «{bad.group(1)[:20]}», som ikke "
            "er et tall (skrevet av et program, ikke av Excel). Skriv tallet inn, eller la cellen stå tom"
            if bad
            else "Fila kan ikke åpnes som et Excel-ark (xlsx)"
        ),
    )


def _comments(archive: zipfile.ZipFile) -> dict[str, list[tuple[str, str]]]:
    """Sheet name -> its cell comments (legacy notes and threaded comments), read from the package's
    relationships (openpyxl's read-only mode skips them)."""

    def rels(part: str) -> dict[str, tuple[str, str]]:
        folder, name = posixpath.split(part)
        rels_path = posixpath.join(folder, "_rels", name + ".rels")
        if rels_path not in archive.namelist():
            return {}
        root = ElementTree.fromstring(archive.read(rels_path))
        out = {}
        for rel in root:
            target = rel.get("Target", "")
            target = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            )
            out[rel.get("Id", "")] = (rel.get("Type", ""), target)
        return out

    workbook_rels = rels("xl/workbook.xml")
    root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    found: dict[str, list[tuple[str, str]]] = {}
    for sheet in root.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
        if rid not in workbook_rels:
            continue
        for kind, target in rels(workbook_rels[rid][1]).values():
            if not kind.endswith(_REL_COMMENTS) or target not in archive.namelist():
                continue
            for element in ElementTree.fromstring(archive.read(target)).iter():
                if element.get("ref") and element.tag.endswith(("}comment", "}threadedComment")):
                    text = "".join(element.itertext())
                    found.setdefault(sheet.get("name", ""), []).append((element.get("ref"), text))
    return found


def _read_cells(path: Path, data_only: bool) -> list[tuple[str, bool, list[tuple[int, tuple]], list[str]]]:
    """(title, hidden, non-empty rows, formula cells) per sheet; ``data_only``: formulas as their saved result.

    Raises:
        ReaderError: ``xlsx_too_many_cells`` when the rows span more than ``MAX_CELLS`` cells.
    """
    book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    try:
        out = []
        spanned = 0
        for ws in book.worksheets:
            ws.reset_dimensions()  # a sheet's declared size may be a lie; read the cells there are
            rows: list[tuple[int, tuple]] = []
            formulas: list[str] = []
            for row in ws.iter_rows():
                spanned += len(row)
                if spanned > MAX_CELLS:
                    raise ReaderError(
                        f"the sheets' rows span more than {MAX_CELLS} cells (sheet {ws.title!r})",
                        rule="xlsx_too_many_cells",
                        path=path,
                        detail_nb=(
                            f"Radene i arbeidsboka spenner over mer enn {format_number_nb(MAX_CELLS, 0)} celler "
                            f"(fra kolonne A til siste brukte celle, i arket «{ws.title}» og foran det); den er "
                            "ikke lest videre. Slett innhold langt ute til høyre eller nede i arket, eller lever "
                            "tallene i et mindre ark"
                        ),
                    )
                cells = [c for c in row if c.value is not None]
                formulas += [c.coordinate for c in cells if c.data_type == "f"]
                if any(not isinstance(c.value, str) or c.value.strip() for c in cells):
                    rows.append((cells[0].row, tuple(c.value for c in row)))
            out.append((ws.title, ws.sheet_state != "visible", rows, formulas))
        return out
    finally:
        book.close()


def _too_large(path: Path, unpacked: int) -> ReaderError:
    return ReaderError(
        f"the workbook unpacks to more than {MAX_UNPACKED_BYTES} bytes ({unpacked} or more)",
        rule="xlsx_too_large",
        path=path,
        detail_nb=(
            f"Arbeidsboka er {unpacked / 2**20:.0f} MB eller mer utpakket, mer enn {MAX_UNPACKED_BYTES // 2**20} MB "
            "som tillates; den er ikke lest. Lever tallene uten andre ark, bilder eller store tekster"
        ),
    )


def check_package(path: Path) -> None:
    """Refuse a workbook that would cost more memory to read than any delivery needs, before openpyxl
    reads anything: the sizes its zip declares must add up to at most ``MAX_UNPACKED_BYTES``, and so
    must what its XML parts really unpack to, counted while they are unpacked chunk by chunk and
    stopped at the bound (a zip can declare less than it holds); no text in them may run longer than
    ``MAX_TEXT_RUN_BYTES`` without markup (one huge shared string).

    Raises:
        ReaderError: ``xlsx_unreadable``, ``xlsx_too_large``, ``xlsx_text_too_long``.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            declared = sum(info.file_size for info in infos)
            if declared > MAX_UNPACKED_BYTES:
                raise _too_large(path, declared)
            unpacked = 0
            for info in infos:
                if not info.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                run = 0  # bytes since the last "<", carried across chunks
                with archive.open(info) as part:
                    while chunk := part.read(_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > MAX_UNPACKED_BYTES:
                            raise _too_large(path, unpacked)
                        pieces = chunk.split(b"<")
                        run += len(pieces[0])
                        longest = max(run, max(map(len, pieces[1:]), default=0))
                        run = len(pieces[-1]) if len(pieces) > 1 else run
                        if longest > MAX_TEXT_RUN_BYTES:
                            raise ReaderError(
                                f"the part {info.filename} holds a text of more than {MAX_TEXT_RUN_BYTES} bytes",
                                rule="xlsx_text_too_long",
                                path=path,
                                detail_nb=(
                                    f"Arbeidsboka har en tekst på mer enn {MAX_TEXT_RUN_BYTES // 1024} KB i ett "
                                    f"stykke (i delen {info.filename}); en celle i Excel rommer høyst 32 767 tegn. "
                                    "Den er ikke lest. Lever tallene uten lange tekster"
                                ),
                            )
    except ReaderError:
        raise
    except Exception as exc:  # zipfile raises its own errors, e.g. a CRC that does not match
        raise _unreadable(path, exc) from exc


def read_workbook(path: str | Path) -> Workbook:
    """Every sheet of an xlsx workbook, hidden ones too, with its rows (real sheet row numbers),
    cell comments and the formula cells saved without a result.

    Raises:
        ReaderError: rules ``empty_file`` (0 bytes), ``xlsx_unreadable`` (not a workbook),
            ``xlsx_too_large`` and ``xlsx_text_too_long`` (:func:`check_package`),
            ``xlsx_too_many_cells`` (the rows span more than ``MAX_CELLS`` cells) and
            ``empty_workbook`` (no sheet has a single cell with content).
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise ReaderError("the file is empty", rule="empty_file", path=path, detail_nb="Fila er tom")
    check_package(path)
    try:
        sheets = _read_cells(path, data_only=False)
        with zipfile.ZipFile(path) as archive:
            comments = _comments(archive)
        if any(formulas for *_, formulas in sheets):
            saved = _read_cells(path, data_only=True)
        else:
            saved = sheets
    except ReaderError:
        raise
    except Exception as exc:  # zipfile, XML and openpyxl raise their own error types
        raise _unreadable(path, exc) from exc
    workbook = Workbook([])
    for position, ((title, hidden, _, formulas), (_, _, rows, _)) in enumerate(zip(sheets, saved), start=1):
        missing = []
        if formulas:
            values = {f"{get_column_letter(i + 1)}{r}": v for r, vs in rows for i, v in enumerate(vs) if v is not None}
            missing = [ref for ref in formulas if ref not in values]
        workbook.sheets.append(Sheet(position, title, hidden, rows, comments.get(title, []), missing))
    if not any(s.rows or s.comments for s in workbook.sheets):
        raise ReaderError(
            "the workbook has no sheet with any content",
            rule="empty_workbook",
            path=path,
            detail_nb="Arbeidsboka er tom: ingen av arkene har celler med innhold. Lagre tallene i det første arket",
        )
    return workbook


def sheet_frame(sheet: Sheet, path: str | Path) -> pl.DataFrame:
    """The sheet as a table of text columns: the first row with content is the header, every later
    row with content a data row, ``_row`` its row number in the sheet (as Excel shows it).

    Raises:
        ReaderError: ``formula_without_value``, ``duplicate_column``, ``header_only``.
    """
    if sheet.formulas_without_value:
        first = sheet.formulas_without_value[0]
        letters, row = coordinate_from_string(first)
        header = sheet.header()
        column = header.get(openpyxl.utils.column_index_from_string(letters) - 1, letters)
        more = len(sheet.formulas_without_value) - 1
        raise ReaderError(
            f"cell {first} holds a formula saved without its result",
            rule="formula_without_value",
            path=path,
            row=row,
            column=_clean_header_name(column, 0),
            detail_nb=(
                f"Cellen {first} har en formel uten lagret resultat"
                + (f" (og {more} celler til)" if more else "")
                + "; verdien er ukjent. Åpne fila i Excel, lagre den på nytt (da lagres resultatene), "
                "eller skriv inn tallene"
            ),
        )
    if not sheet.rows:
        raise ReaderError(
            "the first sheet is empty",
            rule="empty_file",
            path=path,
            detail_nb=f"Det første arket («{sheet.title}») er tomt; tallene leses bare fra det første arket",
        )
    header_row, header_values = sheet.rows[0]
    width = max(len(values) for _, values in sheet.rows)
    names = [
        _clean_header_name(unicodedata.normalize("NFC", cell_text(v) or ""), i + 1)
        for i, v in enumerate(header_values + (None,) * (width - len(header_values)))
    ]
    data = [(r, values + (None,) * (width - len(values))) for r, values in sheet.rows[1:]]
    # Columns without a header and without data (formatting to the right of the table) are not columns.
    keep = [i for i in range(width) if i < len(header_values) and header_values[i] is not None]
    keep += [i for i in range(width) if i not in keep and any(values[i] is not None for _, values in data)]
    keep.sort()
    seen: set[str] = set()
    for i in keep:
        if names[i] in seen or names[i] == ROW_COLUMN:
            raise ReaderError(
                f"column name '{names[i]}' occurs more than once",
                rule="duplicate_column",
                path=path,
                row=header_row,
                column=names[i],
                detail_nb=f"Kolonnenavnet «{names[i]}» finnes flere ganger",
            )
        seen.add(names[i])
    if not data:
        raise ReaderError(
            "the sheet has a header but no data rows",
            rule="header_only",
            path=path,
            detail_nb="Arket har overskrifter, men ingen datarader",
        )
    columns = {
        names[i]: pl.Series(names[i], [cell_text(values[i]) for _, values in data], dtype=pl.String) for i in keep
    }
    frame = pl.DataFrame(columns)
    return frame.with_columns(pl.Series(ROW_COLUMN, [r for r, _ in data], dtype=pl.Int64))


def package_texts(path: str | Path, *, digit_run: int = 0) -> Iterator[tuple[str, str]]:
    """(part, text) for every text and attribute value in every XML part of the workbook: what a cell
    scan does not see (text boxes, headers and footers, defined names, document properties). With
    ``digit_run``, only the parts whose texts may hold that many digits in a row (see
    :func:`_may_hold_digit_run`): the others are not parsed."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            with archive.open(info) as part:
                data = part.read()
            if digit_run and not _may_hold_digit_run(data, digit_run):
                continue
            try:
                for _, element in ElementTree.iterparse(io.BytesIO(data), events=("end",)):
                    for text in (element.text, element.tail, *element.attrib.values()):
                        if text and text.strip():
                            yield info.filename, text
                    element.clear()
            except ElementTree.ParseError:
                continue


_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""")


def _may_hold_digit_run(data: bytes, digits: int) -> bool:
    """False only when no text or attribute value the XML parser gives for ``data`` can hold ``digits``
    digits in a row: UTF-8 (or ASCII) without such a run, and nothing that could join or make digits
    the raw bytes do not show (a character reference, CDATA, a comment, a DTD and its entities, a
    processing instruction after the declaration, NUL bytes of another encoding)."""
    body = data.removeprefix(b"\xef\xbb\xbf")
    declaration = _XML_ENCODING.match(body)
    if (
        b"\x00" in data
        or b"&#" in data
        or b"<!" in data
        or body.find(b"<?", 1 if body.startswith(b"<?xml") else 0) >= 0
        or (declaration and declaration[1].lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"))
    ):
        return True
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return re.search(rf"\d{{{digits}}}", text) is not None
