"""Read one delivered file and hold it against its contract.

Every contract rule is a SQL predicate over the typed table (:func:`rule_failures_sql`). The
same predicates run on a single file before it is loaded (rows that break them are named in the
quarantine reason) and on the loaded DuckDB table as Dagster asset checks.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl
import sqlglot
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter
from sqlglot import exp
from sqlglot.errors import SqlglotError

from pipelines.ingest.contracts import REGISTER_NB, Property, Rule, TableSchema, format_bound, rules_for
from pipelines.nb_format import format_number_nb
from pipelines.readers import (
    CELL_CANDIDATE,
    ReaderError,
    find_identity_numbers,
    find_identity_numbers_in_cell,
    is_identity_number_pair,
    norwegian_number_exprs,
    parse_norwegian_numbers,
    read_norwegian_csv,
    read_ssb_csv,
    read_ssb_jsonstat,
    read_text_detect_encoding,
    region_codes,
    split_region_code,
)
from pipelines.readers.fhi import read_fhi_jsonstat
from pipelines.readers.udir import read_udir_json
from pipelines.readers.xlsx import Workbook, cell_text, package_texts, read_workbook, sheet_frame

if TYPE_CHECKING:
    from pipelines.plan import Plan

ROW = "_row"
FILE_YEAR = "_file_year"  # the column a year taken from the file name is read into
MAX_ROWS_NAMED = 20  # a reason names at most this many offending rows per rule


@dataclass(frozen=True)
class Violation:
    """One broken rule in one file: what a person needs to find and fix it."""

    file: str
    rule: str  # machine-readable rule code (see contracts.Rule.kind and the reader rules)
    check: str | None  # the contract rule's name (the Dagster check name), when a contract rule
    row: int | None  # 1-based line in the file (header = 1) or spreadsheet row
    column: str | None  # the column header as delivered
    value: str | None
    message_nb: str
    sheet: str | None = None  # the workbook sheet, when not the first one (the table's)

    def as_dict(self) -> dict:
        return asdict(self)


_RULE_NB = {
    "missing_column": "kolonnen mangler",
    "bad_type": "verdien er ikke et gyldig tall",
    "required": "verdien mangler",
    "minimum": "verdien er under tillatt minimum",
    "maximum": "verdien er over tillatt maksimum",
    "pattern": "verdien har feil format",
    "valid_values": "ukjent kode",
    "duplicate_key": "samme nøkkel finnes på flere rader",
    "sql": "raden bryter en regel for sammenheng mellom kolonner",
    "identity_number": "filen inneholder noe som ser ut som et fødselsnummer eller D-nummer",
    "unknown_file": "filen passer ikke med noen tabell i kontrakten",
    "file_name_year": "årstallet mangler i filnavnet",
    "region_code_conflict": "samme kommune har to regionkoder med ulike tall for samme år",
    "symlink": "filen er en snarvei (symbolsk lenke) ut av mottaksmappen og er ikke lest",
    "file_too_large": "filen er større enn kontrakten tillater og er ikke lest",
}


def _decoded_name(path: Path) -> str:
    raw = os.fsencode(path.name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def file_label(path: Path) -> str:
    """The file's name as text for reasons, the load log, DuckDB and the quarantine copy: a name the
    file system holds as bytes that are not UTF-8 (a zip made on Windows: "ppt_2016_\\xe6.csv") is
    read as Windows-1252, like the files' content, and an identity number in it is masked (the file
    itself is refused, :func:`validate_file`)."""
    return _mask_identity_numbers(_decoded_name(path))


def _where(file: str, row: int | None, column: str | None, row_word: str = "rad", sheet: str | None = None) -> str:
    parts = [f"Fil «{file}»"]
    if sheet is not None:
        parts.append(sheet)
    if row is not None:
        parts.append(f"{row_word} {row}")
    if column is not None:
        parts.append(f"kolonne «{column}»")
    return ", ".join(parts)


def violation(
    file: str,
    rule: str,
    *,
    check: str | None = None,
    row: int | None = None,
    column: str | None = None,
    value: object = None,
    detail_nb: str | None = None,
    row_word: str = "rad",
    sheet: str | None = None,
) -> Violation:
    """``row_word`` says what ``row`` counts: "rad" (data row / spreadsheet row as Excel numbers it),
    "linje" (line in a text file) or "celle" (JSON-stat cell, described by its dimensions).
    ``sheet``: where in a workbook, when not its first sheet (e.g. "ark 2 «Navn» (skjult)")."""
    text = _mask_identity_numbers(detail_nb or _RULE_NB.get(rule, rule))
    shown = None if value is None else _shorter(_mask_identity_numbers(_shown_value(value), cell=True))
    file, column, sheet = (None if t is None else _mask_identity_numbers(t) for t in (file, column, sheet))
    msg = f"{_where(file, row, column, row_word, sheet)}: {text}" + (
        f" (verdi: «{shown}»)" if shown is not None else ""
    )
    return Violation(file, rule, check, row, column, shown, msg + f" [regel: {check or rule}]", sheet)


def _shorter(shown: str, limit: int = 60) -> str:
    """A value of hundreds of characters (a 309-digit number) shown by its start and its length."""
    return shown if len(shown) <= limit else f"{shown[:40]}… ({len(shown)} tegn)"


def _shown_value(value: object) -> str:
    """A value as the file's owner wrote it: 153 not 153.0, 7,3 not 7.3."""
    if isinstance(value, float) and math.isfinite(value):
        text = repr(value)
        if "e" not in text:
            return text.removesuffix(".0").replace(".", ",")
    return "".join(_visible(ch) for ch in str(value))


def _visible(ch: str) -> str:
    """A character nobody can see in a reason (no-break space, zero-width space, a combining accent
    left over), or a dash that looks like the hyphen (en dash, non-breaking hyphen), as its code
    point, so that a code that looks allowed shows why it is not."""
    if ch in " -" or unicodedata.category(ch) not in ("Zs", "Zl", "Zp", "Cf", "Cc", "Mn", "Pd"):
        return ch
    return f"<U+{ord(ch):04X}>"


def _mask_identity_numbers(text: str, cell: bool = False) -> str:
    """A reason is stored in DuckDB and shown to people: it must never repeat an identity number.
    ``cell``: ``text`` is one cell's value (where a number cell may have lost its leading zero)."""
    for found in (find_identity_numbers_in_cell if cell else find_identity_numbers)(text):
        text = text.replace(found, "*" * len(found))
    return text


# -- reading ----------------------------------------------------------------------------------


def read_raw(path: Path, table: TableSchema, workbook: Workbook | None = None) -> pl.DataFrame:
    """Read a file in the table's format to a frame with the delivered headers and ``_row``.

    Headers and text cells are Unicode-normalised (NFC: a macOS "å" is two code points), every kind
    of space inside them is a space (a no-break space between "1-5" and "år") and they are stripped
    of surrounding spaces (a trailing no-break space), so that a code that looks like the allowed one
    is the allowed one. An xlsx table is the first sheet of ``workbook`` (read here
    when not given)."""
    fmt = table.format
    if fmt == "norwegian_csv":
        df = read_norwegian_csv(path)
    elif fmt == "ssb_csv":
        df = read_ssb_csv(path)
    elif fmt in ("ssb_jsonstat", "fhi_jsonstat"):
        df = read_ssb_jsonstat(path) if fmt == "ssb_jsonstat" else read_fhi_jsonstat(path)
        if ROW not in df.columns:
            df = df.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    elif fmt == "udir_json":
        df = read_udir_json(path)
    elif fmt == "xlsx":
        df = sheet_frame((workbook or read_workbook(path)).sheets[0], path)
    else:  # pragma: no cover - the contract model restricts formats
        raise ValueError(f"unknown format {fmt!r}")
    if table.year_from_file_name:
        m = re.search(table.year_from_file_name, file_label(path), flags=re.IGNORECASE)
        if not m:
            example = re.sub(r"\(\?P<year>[^)]*\)", "2016", table.year_from_file_name).strip("^$")
            suffix = Path(table.file_pattern).suffix
            written = re.search(r"(?<!\d)\d{4}(?!\d)", file_label(path))
            year_pattern = re.search(r"\(\?P<year>([^)]*)\)", table.year_from_file_name)
            a_year = written and year_pattern and re.fullmatch(year_pattern.group(1), written.group())
            raise ReaderError(
                f"the file name has no valid year (expected a name like {example}{suffix})",
                rule="file_name_year",
                path=path,
                detail_nb=(
                    (
                        f"filnavnet følger ikke malen, så årstallet {written.group()} er ikke lest"
                        if a_year
                        else f"årstallet {written.group()} i filnavnet er ikke et år malen godtar"
                        if written
                        else "årstallet mangler i filnavnet"
                    )
                    + f"; filen må hete som i malen, f.eks. «{example}{suffix}» (året i navnet er året tallene gjelder)"
                ),
            )
        df = df.with_columns(pl.lit(m.group("year"), dtype=pl.Utf8).alias(FILE_YEAR))
    return _normalise_text(df)


# Spaces that look like a space: no-break (Word and Excel put one between "1-5" and "år"), thin,
# narrow no-break and the other fixed-width spaces. Inside a code they are a space.
_SPACES = "[\u00a0\u2000-\u200a\u202f\u205f\u3000]"


def _normalise_text(df: pl.DataFrame) -> pl.DataFrame:
    df = df.rename({c: " ".join(unicodedata.normalize("NFC", c).split()) for c in df.columns})
    text = [c for c, t in df.schema.items() if t == pl.String]
    # ASCII is NFC already and holds none of the look-alike spaces: only a column with some other
    # character is normalised (the costly part), once per distinct value (labels repeat).
    other = df.select(pl.col(c).str.contains(r"[^\x00-\x7F]").any() for c in text).row(0) if text else ()
    cleaned = []
    for c, normalise in zip(text, other):
        column = pl.col(c)
        if normalise:
            values = df[c].drop_nulls().unique()
            column = column.replace_strict(
                values, values.str.normalize("NFC").str.replace_all(_SPACES, " "), default=None
            )
        cleaned.append(column.str.strip_chars())
    return df.with_columns(cleaned).with_columns(
        [pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in text]
    )


def scan_identity_numbers(
    path: Path, raw: pl.DataFrame | None, table: TableSchema, workbook: Workbook | None = None
) -> list[Violation]:
    """Anything that looks like a fødselsnummer/D-number anywhere in the file rejects it whole.

    Every cell counts, numbers too: a reader that parsed ``1123990095`` as a count has read an
    identity number that lost its leading zero in a spreadsheet. So do two adjacent cells of a row
    that together make one (birth date, personal number). A workbook is scanned whole
    (:func:`_scan_workbook`); a text file's lines are scanned too (a header, a JSON key)."""
    if workbook is not None:
        return _scan_workbook(path, workbook)
    found: list[Violation] = []
    if raw is not None:
        # An SSB CSV is read long: "variable" holds the value columns' headers (the line scan names a
        # header by its line), and a "value" is named by its delivered column.
        long = table.format == "ssb_csv" and "variable" in raw.columns
        columns = [c for c in raw.columns if c != ROW and not c.startswith("_file_") and not (long and c == "variable")]
        cell_candidates = [pl.col(c).cast(pl.Utf8).str.contains(CELL_CANDIDATE) for c in columns]
        adjacent = list(zip(columns, columns[1:])) if table.format == "norwegian_csv" else []
        pair_candidates = [
            pl.col(left).str.contains(_BIRTH_DATE_CANDIDATE) & pl.col(right).str.contains(r"^\s*\d{5}\s*$")
            for left, right in adjacent
        ]
        # Which columns (and pairs) have a candidate at all, in one pass; nearly always none.
        flags = (
            raw.select(e.any().alias(str(i)) for i, e in enumerate(cell_candidates + pair_candidates)).row(0)
            if columns
            else ()
        )
        for col, candidate, flagged in zip(columns, cell_candidates, flags):
            if not flagged:
                continue
            named = pl.col("variable") if long and col == "value" else pl.lit(col)
            candidates = raw.filter(candidate).select(
                ROW, pl.col(col).cast(pl.Utf8).alias("cell"), named.alias("column")
            )
            for row, cell, column in candidates.iter_rows():
                if find_identity_numbers_in_cell(cell):
                    found.append(violation(file_label(path), "identity_number", row=row, column=column))
        for (left, right), candidate, flagged in zip(adjacent, pair_candidates, flags[len(columns) :]):
            if flagged:
                for row, a, b in raw.filter(candidate).select(ROW, left, right).iter_rows():
                    if is_identity_number_pair(a, b):
                        found.append(
                            violation(
                                file_label(path), "identity_number", row=row, column=left, detail_nb=_pair_text(right)
                            )
                        )
        found.sort(key=lambda v: v.row or 0)
    if not found:
        found = _identity_numbers_in_text(path, table)
    return found[:MAX_ROWS_NAMED]


# A cell that may be a birth date (a vectorised pre-filter for the pair scan of text files).
_BIRTH_DATE_CANDIDATE = r"^\s*(?:\d{6}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})\s*$"


def _pair_text(next_column: str | None) -> str:
    beside = "ved siden av" if next_column is None else f"ved siden av (kolonne «{next_column}»)"
    return (
        f"{'to felt' if next_column is None else 'cellen og cellen'} {beside} er til sammen et fødselsnummer eller "
        "D-nummer (fødselsdato og personnummer)"
    )


def _column_name(header: dict[int, str], index: int) -> str:
    """A sheet's column by its header, else by its letter (B)."""
    return header.get(index) or get_column_letter(index + 1)


def _scan_workbook(path: Path, workbook: Workbook) -> list[Violation]:
    """Every sheet (hidden ones too), its name, every cell (headers included), every pair of adjacent
    cells in a row and every cell comment; then, if none of them holds one, every text of the package
    (text boxes, headers and footers, names, properties). The first sheet is the table: its places are
    named by row and column header; any other sheet is named as well."""
    file = file_label(path)
    found: list[Violation] = []
    rule = "identity_number"
    for sheet in workbook.sheets:
        where = None
        if sheet.position > 1 or sheet.hidden:
            where = f"ark {sheet.position} «{sheet.title}»" + (" (skjult)" if sheet.hidden else "")
        if find_identity_numbers_in_cell(sheet.title):
            found.append(
                violation(
                    file,
                    rule,
                    sheet=where or f"ark {sheet.position} «{sheet.title}»",
                    detail_nb="navnet på arket ser ut som et fødselsnummer eller D-nummer",
                )
            )
        header = sheet.header()

        for row, values in sheet.rows:
            texts = [cell_text(v) for v in values]
            for i, text in enumerate(texts):
                if text and find_identity_numbers_in_cell(text):
                    found.append(
                        violation(
                            file,
                            rule,
                            row=row,
                            column=_column_name(header, i),
                            sheet=where,
                            detail_nb=f"cellen {get_column_letter(i + 1)}{row} inneholder noe som ser ut som et "
                            "fødselsnummer eller D-nummer",
                        )
                    )
            for i in range(len(values) - 1):
                if is_identity_number_pair(values[i], values[i + 1]):
                    found.append(
                        violation(
                            file,
                            rule,
                            row=row,
                            column=_column_name(header, i),
                            sheet=where,
                            detail_nb=_pair_text(_column_name(header, i + 1)),
                        )
                    )
        for ref, text in sheet.comments:
            if find_identity_numbers(text) or find_identity_numbers_in_cell(text):
                letters, row = coordinate_from_string(ref)
                found.append(
                    violation(
                        file,
                        rule,
                        row=row,
                        column=_column_name(header, column_index_from_string(letters) - 1),
                        sheet=where,
                        detail_nb=f"kommentaren i celle {ref} inneholder noe som ser ut som et fødselsnummer "
                        "eller D-nummer",
                    )
                )
    if not found:
        # What no cell shows: a text box, a header or footer, a defined name, the document's properties.
        # An identity number has six digits in a row (the birth date): a part without them is not parsed.
        texts = package_texts(path, digit_run=6)
        part = next((part for part, text in texts if find_identity_numbers(text)), None)
        if part is not None:
            found.append(
                violation(
                    file,
                    rule,
                    detail_nb="arbeidsboka inneholder noe som ser ut som et fødselsnummer eller D-nummer utenfor "
                    f"cellene: {_package_place(part)} (delen {part})",
                )
            )
    return found[:MAX_ROWS_NAMED]


# Where in Excel a part of the package is seen (checked in order; the first match names it).
_PACKAGE_PLACES = (
    ("docProps/", "i dokumentegenskapene (Fil > Info)"),
    ("xl/workbook.xml", "i et definert navn (Formler > Navnebehandling)"),
    ("xl/worksheets/_rels/", "i en hyperkobling"),
    ("xl/worksheets/", "i et ark, men ikke i en celle: topptekst, bunntekst, datavalidering eller lignende"),
    ("xl/drawings/", "i en tekstboks, figur eller et diagram"),
    ("xl/charts/", "i et diagram"),
    ("xl/sharedStrings.xml", "i en tekst arbeidsboka har lagret, men som ikke står i noen celle (lagre fila på nytt)"),
)


def _package_place(part: str) -> str:
    return next((place for prefix, place in _PACKAGE_PLACES if part.startswith(prefix)), "et sted utenfor arkene")


# Between the fields of a line of CSV or JSON: a number cell may stand alone between them.
_FIELD_SEPARATORS = re.compile(r'[;,\t\[\]{}:"\s]+')
# Every form an identity number is found in has six digits in a row (11 digits, DDMMYY with a
# separator, 10 digits that lost the leading zero), or three, a separator and three (a number shown
# with thousands separators), or is a date next to a personal number ("31.12.39";"90008"): a line
# with none of them needs no closer look.
_LOOK_CLOSER = re.compile(r"\d{6}|\d{3}[ \u00a0\u2009\u202f.]\d{3}|\d[./-]\d{1,2}[./-]\d{2}")
_JSON_FORMATS = ("ssb_jsonstat", "fhi_jsonstat", "udir_json")
_CSV_FORMATS = ("norwegian_csv", "ssb_csv")


def _scan_text(path: Path) -> str | None:
    """The file as text for the identity-number scan: as the readers decode it, or, for a file they
    refuse as UTF-16, as UTF-16 (it is refused either way, but for the identity number first)."""
    try:
        text, _ = read_text_detect_encoding(path)
        return text
    except ReaderError:
        data = path.read_bytes()
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16", errors="replace")
        if data[1::2].count(0) * 2 > len(data) // 2:  # UTF-16 without a byte order mark: a NUL after each letter
            return data.decode("utf-16-le", errors="replace")
        if data[0::2].count(0) * 2 > len(data) // 2:
            return data.decode("utf-16-be", errors="replace")
        return None


# Two adjacent fields of a CSV line that may be a birth date and a personal number.
_PAIR_IN_LINE = re.compile(
    r'(?:^|[;,\t])"?\s*(\d{6}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2})\s*"?[;,\t]"?\s*(\d{5})\s*"?(?=[;,\t\r\n]|$)'
)
# A JSON string with an escape in it ("311239\\u00a090008"): the line shows the escape, not the text.
_ESCAPED_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*\\(?:[^"\\\n]|\\.)*"')


def _decoded_strings(line: str) -> list[str]:
    if "\\" not in line:
        return []
    out = []
    for literal in _ESCAPED_JSON_STRING.findall(line):
        try:
            out.append(json.loads(literal))
        except ValueError:
            continue
    return out


def _lines_to_look_closer_at(text: str) -> list[tuple[int, str]]:
    """The lines of ``text`` that :data:`_LOOK_CLOSER` matches, with their 1-based numbers, split as
    ``io.StringIO(text, newline="")`` splits them (after \\n, \\r\\n or \\r, the line end kept); searched
    column-wise (Rust's regex reads the pattern as Python's does)."""
    lines = io.StringIO(text, newline="").readlines()
    closer = pl.Series(lines, dtype=pl.String).str.contains(_LOOK_CLOSER.pattern).arg_true()
    return [(i + 1, lines[i]) for i in closer.to_list()]


def _identity_numbers_in_text(path: Path, table: TableSchema) -> list[Violation]:
    """The identity-number scan of a text file line by line: a file the reader refused, or what no
    cell shows (a header, an SSB title line, a JSON key or note); in a CSV also two adjacent fields that
    together make one (birth date, personal number); in JSON also every string as JSON decodes it (a
    note written with escapes, "311239\\u00a090008", shows no number on its line)."""
    if table.format == "xlsx":
        return []
    text = _scan_text(path)
    if text is None:
        return []
    csv_file, json_file = table.format in _CSV_FORMATS, table.format in _JSON_FORMATS
    found: list[Violation] = []
    for line_no, line in _lines_to_look_closer_at(text):
        pair = csv_file and any(is_identity_number_pair(a, b) for a, b in _PAIR_IN_LINE.findall(line))
        if (
            pair
            or find_identity_numbers(line)
            or any(find_identity_numbers_in_cell(field) for field in _FIELD_SEPARATORS.split(line))
            or (json_file and any(find_identity_numbers_in_cell(t) for t in _decoded_strings(line)))
        ):
            found.append(
                violation(
                    file_label(path),
                    "identity_number",
                    row=line_no,
                    row_word="linje",
                    detail_nb=_pair_text(None) if pair else _RULE_NB["identity_number"],
                )
            )
            if len(found) >= MAX_ROWS_NAMED:
                break
    return found


# -- typing -----------------------------------------------------------------------------------

_POLARS_TYPE = {"string": pl.Utf8, "integer": pl.Int64, "number": pl.Float64, "boolean": pl.Boolean, "date": pl.Date}


# How a spreadsheet cell read as text shows a number: "12", "12.5", "-3.0", "1.5E-05".
_SPREADSHEET_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_DECIMAL_POINT = re.compile(r"[+-]?\d+\.\d+")


def _parse_numbers(
    cells: pl.Series, prop: Property, spreadsheet: bool = False
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """A text column as the property's number type, column-wise: (typed values, ok per cell, too
    large per cell; a cell that is not ok or too large is null). Too large: a whole number beyond
    int64 in an integer column. Text files must use the Norwegian form (decimal comma, SSB symbols);
    only spreadsheet cells may show a decimal point. Never NaN or infinity; an integer has no
    fraction."""
    parsed = parse_norwegian_numbers(cells)
    if spreadsheet and not parsed["ok"].all():
        # "12.5", "1.5E-05": how a spreadsheet cell read as text shows a number.
        failed = cells.filter(~parsed["ok"]).unique().to_list()
        retry = {c: float(c) for c in failed if _SPREADSHEET_NUMBER.fullmatch(c.strip())}
        shown = cells.is_in(list(retry))
        parsed = parsed.with_columns(
            pl.when(shown)
            .then(cells.replace_strict(retry, default=None, return_dtype=pl.Float64))
            .otherwise(pl.col("value"))
            .alias("value"),
            pl.col("ok") | shown,
        )
    value = pl.col("value")
    ok = pl.col("ok") & (value.is_null() | value.is_finite())
    huge = pl.lit(False)
    if prop.logicalType == "integer":
        ok = ok & (value.is_null() | (value == value.floor()))
        huge = ok & value.is_not_null() & (value.abs() >= _INT64_LIMIT)
    typed = parsed.select(
        pl.when(ok & ~huge).then(value).cast(_POLARS_TYPE[prop.logicalType]).alias(prop.name),
        ok,
        huge.alias("huge"),
    )
    return typed[prop.name], typed["ok"], typed["huge"]


def _bad_type_text(cell: str | None, prop: Property, spreadsheet: bool) -> str:
    text = f"verdien er ikke et gyldig {_TYPE_NB[prop.logicalType]}"
    if cell is not None and not spreadsheet and _DECIMAL_POINT.fullmatch(cell.strip()):
        return text + " (bruk desimalkomma, f.eks. 12,5; punktum er tvetydig)"
    return text


def type_frame(raw: pl.DataFrame, table: TableSchema, file: str) -> tuple[pl.DataFrame, list[Violation]]:
    """Select and rename the contract's columns and cast them; name every cell that fails."""
    problems: list[Violation] = []
    missing = [p.physicalName for p in table.properties if p.physicalName not in raw.columns]
    check = f"{table.name}__columns_present"
    for col in missing:
        problems.append(
            violation(
                file,
                "missing_column",
                check=check,
                column=col,
                detail_nb=f"kolonnen «{col}» mangler (fant: {', '.join(c for c in raw.columns if not c.startswith('_'))})",
            )
        )
    if missing:
        return pl.DataFrame(), problems
    columns: dict[str, pl.Series] = {ROW: raw[ROW]}
    clean = _clean_number_columns(raw, table)
    for prop in table.properties:
        if prop.name in clean:
            columns[prop.name] = clean[prop.name]
            continue
        series = raw[prop.physicalName]
        target = _POLARS_TYPE[prop.logicalType]
        if series.dtype == target or (series.dtype.is_numeric() and target == pl.Float64):
            columns[prop.name] = series.cast(target).rename(prop.name)
            continue
        if series.dtype.is_numeric() and target == pl.Int64:
            huge = series.is_not_null() & (series.cast(pl.Float64).abs() >= _INT64_LIMIT)
            for row, value in raw.filter(huge).select(ROW, prop.physicalName).head(MAX_ROWS_NAMED).iter_rows():
                problems.append(_out_of_bounds(file, table, prop, row, value))
            if huge.any():
                series = pl.select(pl.when(huge).then(None).otherwise(series)).to_series().rename(series.name)
            bad = series.is_not_null() & (series != series.round(0))
            for row, value in raw.filter(bad).select(ROW, prop.physicalName).head(MAX_ROWS_NAMED).iter_rows():
                problems.append(_bad_type(file, table, prop, row, value, "verdien er ikke et heltall"))
            columns[prop.name] = series.cast(pl.Float64).round(0).cast(pl.Int64).rename(prop.name)
            continue
        text = series.cast(pl.Utf8)
        spreadsheet = table.format == "xlsx"
        if prop.logicalType in ("integer", "number"):
            columns[prop.name], ok, huge = _parse_numbers(text, prop, spreadsheet)
        else:  # boolean, date: as delivered
            columns[prop.name] = pl.Series(prop.name, text.to_list(), dtype=target)
            ok = pl.repeat(True, len(text), eager=True)
            huge = ~ok
        if ok.all() and not huge.any():
            continue
        failing = (
            raw.select(ROW, pl.col(prop.physicalName).cast(pl.Utf8), huge.alias("_huge"))
            .filter(~ok | huge)
            .head(MAX_ROWS_NAMED)
        )
        for row, cell, too_large in failing.iter_rows():
            if too_large:
                # A whole number no integer column holds (1e308 pupils): beyond every plausibility bound.
                problems.append(_out_of_bounds(file, table, prop, row, cell))
                continue
            problems.append(_bad_type(file, table, prop, row, cell, _bad_type_text(cell, prop, spreadsheet)))
    return pl.DataFrame(columns), problems


def _clean_number_columns(raw: pl.DataFrame, table: TableSchema) -> dict[str, pl.Series]:
    """The number properties delivered as text whose every cell Polars parses (plain numbers, SSB
    symbols, blanks) into a value their type holds, typed in one pass over the frame: what
    :func:`_parse_numbers` gives them, without a failing cell. The others are left to it."""
    props = [
        p
        for p in table.properties
        if p.logicalType in ("integer", "number") and raw.schema[p.physicalName] == pl.String
    ]
    if not props or raw.height == 0:
        return {}
    parts = [norwegian_number_exprs(pl.col(p.physicalName)) for p in props]
    parsed = raw.select(
        *(value.alias(f"value{i}") for i, (value, _, _) in enumerate(parts)),
        *(handled.alias(f"handled{i}") for i, (_, _, handled) in enumerate(parts)),
    )
    typed, clean = [], []
    for i, prop in enumerate(props):
        value = pl.col(f"value{i}")
        ok = value.is_null() | value.is_finite()
        huge = pl.lit(False)
        if prop.logicalType == "integer":
            ok = ok & (value.is_null() | (value == value.floor()))
            huge = ok & value.is_not_null() & (value.abs() >= _INT64_LIMIT)
        typed.append(pl.when(ok & ~huge).then(value).cast(_POLARS_TYPE[prop.logicalType]).alias(prop.name))
        clean.append((pl.col(f"handled{i}").all() & ok.all() & ~huge.any()).alias(f"clean{i}"))
    out = parsed.select(*typed)
    flags = parsed.select(*clean).row(0)
    return {prop.name: out[prop.name] for prop, flag in zip(props, flags) if flag}


def _bad_type(file: str, table: TableSchema, prop: Property, row: int, value: object, text_nb: str) -> Violation:
    """A cell that is not of its column's type, named as the column's type check."""
    return violation(
        file,
        "bad_type",
        check=f"{table.name}__{prop.name}__type",
        row=row,
        column=prop.physicalName,
        value=value,
        detail_nb=text_nb,
    )


_INT64_LIMIT = 2**63


def _out_of_bounds(file: str, table: TableSchema, prop: Property, row: int, value: object) -> Violation:
    """A figure too large (or too small) for any integer: the column's maximum (minimum) rule, named
    as that rule would name it."""
    negative = str(value).strip().startswith(("-", "\u2212"))
    kind = "minimum" if negative else "maximum"
    bound = prop.logicalTypeOptions.minimum if negative else prop.logicalTypeOptions.maximum
    text = f"verdien er {'under minimum' if negative else 'over maksimum'}" + (
        f" {format_bound(bound)}" if bound is not None else ""
    )
    return violation(
        file,
        kind,
        check=f"{table.name}__{prop.name}__{kind}",
        row=row,
        column=prop.physicalName,
        value=value,
        detail_nb=text,
    )


_TYPE_NB = {"integer": "heltall", "number": "tall", "boolean": "ja/nei-verdi", "date": "dato", "string": "tekst"}


# -- rules as SQL -----------------------------------------------------------------------------


def _quote(value: object) -> str:
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def failing_counts(con: duckdb.DuckDBPyConnection, rules: list[Rule], relation: str) -> list[tuple[Rule, str, int]]:
    """The rules that apply to rows (those :func:`rule_failures_sql` has SQL for), each with its
    SQL and how many rows of ``relation`` break it, counted for all rules in one query (the rules
    of one row at a time in one scan of ``relation``); the examples are worth a query of their own
    only for a rule that fails."""
    found = [(rule, sql) for rule in rules if (sql := rule_failures_sql(rule, relation)) is not None]
    if not found:
        return []
    counts = {i: count for i, (rule, _) in enumerate(found) if (count := _failing_count(rule)) is not None}
    parts = []
    if counts:
        parts.append(f"(SELECT {', '.join(f'{count} AS n{i}' for i, count in counts.items())} FROM {relation})")
    parts += [f"(SELECT COUNT(*) AS n{i} FROM ({sql}))" for i, (_, sql) in enumerate(found) if i not in counts]
    row = con.execute("SELECT * FROM " + ", ".join(parts)).fetchone()
    failing = dict(zip(list(counts) + [i for i in range(len(found)) if i not in counts], row))
    return [(rule, sql, failing[i]) for i, (rule, sql) in enumerate(found)]


# A contract's SQL rule that counts the rows of its table meeting one condition: the condition is
# counted in the one scan as well, when it is one of a single row (:func:`_one_row_condition`).
_COUNT_WHERE = re.compile(r"\s*SELECT\s+COUNT\(\*\)\s+FROM\s+\{object\}\s+WHERE\s+(.+?)\s*", re.IGNORECASE | re.DOTALL)


def _one_row_condition(query: str) -> str | None:
    """The condition of a contract SQL rule ``SELECT COUNT(*) FROM {object} WHERE <condition>`` when
    it is one expression (parsed by sqlglot, as the SQL lineage parses SQL) about one row: no
    subquery, no window; else None (the rule is counted by its own query)."""
    if not (m := _COUNT_WHERE.fullmatch(query)):
        return None
    try:
        condition = sqlglot.parse_one(m[1], read="duckdb")
    except SqlglotError:
        return None
    one_row = isinstance(condition, exp.Condition) and condition.find(exp.Select, exp.Window) is None
    return m[1] if one_row else None


def _failing_count(rule: Rule) -> str | None:
    """An aggregate counting the rows that break ``rule`` in one scan of the rows, for the rules that
    have one: a row condition (also a SQL rule that counts the rows meeting one), or a duplicate key
    (every row of a key but its first: the rows less the keys, nulls one key as in PARTITION BY)."""
    if (condition := _row_condition(rule)) is not None:
        return f"COUNT(*) FILTER (WHERE {condition})"
    if rule.kind == "sql" and (condition := _one_row_condition(rule.params[0])) is not None:
        return f"COUNT(*) FILTER (WHERE {condition})"
    if rule.kind == "duplicate_key":
        return "COUNT(*) - COUNT(DISTINCT row(" + ", ".join(f'"{k}"' for k in rule.params) + "))"
    return None


def _row_condition(rule: Rule) -> str | None:
    """The SQL condition a row that breaks ``rule`` meets, for the rules that look at one row at a time."""
    col = f'"{rule.column}"' if rule.column else None
    if rule.kind == "required":
        return f"{col} IS NULL"
    if rule.kind == "minimum":
        return f"{col} < {rule.params[0]!r}"
    if rule.kind == "maximum":
        return f"{col} > {rule.params[0]!r}"
    if rule.kind == "pattern":
        return f"{col} IS NOT NULL AND NOT regexp_full_match({col}, {_quote(rule.params[0])})"
    if rule.kind == "after_as_of":
        as_of, month = rule.params
        year = f"TRY_CAST(left(CAST({col} AS VARCHAR), 4) AS INTEGER)"
        return f"{year} IS NOT NULL AND make_date({year}, {int(month)}, 1) > DATE {_quote(as_of)}"
    if rule.kind in ("valid_values", "in_register"):
        allowed = ", ".join(_quote(v) for v in (rule.params if rule.kind == "valid_values" else rule.params[1:]))
        return f"{col} IS NOT NULL AND CAST({col} AS VARCHAR) NOT IN ({allowed})"
    return None


def rule_failures_sql(rule: Rule, relation: str) -> str | None:
    """SQL selecting (_row, offending value) for every row that breaks ``rule``; None if n/a.

    ``relation`` is the table or view the rule runs on (a registered frame or ``raw.<table>``).
    """
    if (condition := _row_condition(rule)) is not None:
        value = "NULL" if rule.kind == "required" else f'"{rule.column}"'
        return f"SELECT {ROW}, {value} AS value FROM {relation} WHERE {condition}"
    if rule.kind == "duplicate_key":
        keys = ", ".join(f'"{k}"' for k in rule.params)
        return (
            f"SELECT {ROW}, concat_ws(' / ', {keys}) AS value FROM ("
            f"SELECT *, COUNT(*) OVER (PARTITION BY {keys}) AS _n, "
            f"ROW_NUMBER() OVER (PARTITION BY {keys} ORDER BY {ROW}) AS _k FROM {relation}) "
            f"WHERE _n > 1 AND _k > 1"
        )
    if rule.kind == "sql":
        query = rule.params[0].replace("{object}", relation)
        m = re.match(
            r"\s*SELECT\s+COUNT\(\*\)\s+FROM\s+" + re.escape(relation) + r"(?:\s+(?:AS\s+)?(\w+))?",
            query,
            flags=re.IGNORECASE,
        )
        if not m:
            return None
        alias = m.group(1)
        prefix = f"{alias}." if alias and alias.upper() not in ("WHERE", "JOIN", "LEFT", "INNER", "GROUP") else ""
        return re.sub(
            r"^\s*SELECT\s+COUNT\(\*\)", f"SELECT {prefix}{ROW}, NULL AS value", query, count=1, flags=re.IGNORECASE
        )
    return None


_scratch_lock = threading.Lock()
_scratch: tuple[int, duckdb.DuckDBPyConnection] | None = None


def _scratch_cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on one in-memory database per process. Opening a new in-memory DuckDB costs more
    (~15 ms) than checking a small file's rules; a cursor is a separate connection, so the frame it
    registers is its own (safe across threads)."""
    global _scratch
    with _scratch_lock:
        if _scratch is None or _scratch[0] != os.getpid():
            _scratch = (os.getpid(), duckdb.connect())
        return _scratch[1].cursor()


def check_rules(
    typed: pl.DataFrame,
    table: TableSchema,
    file: str,
    plan: Plan | None = None,
    as_of: dt.date | None = None,
    registers: Mapping[str, Sequence[str]] | None = None,
) -> list[Violation]:
    """Run every row-level contract rule on one file's typed frame (values allowed by a plan: ``plan``'s,
    None: the selected plan's; periods not after ``as_of``, when given; values of a register in
    ``registers``, when given)."""
    con = _scratch_cursor()
    try:
        con.register("delivered", typed.to_arrow())
        props = {p.name: p for p in table.properties}
        problems: list[Violation] = []
        for rule, sql, failing in failing_counts(con, rules_for(table, plan, as_of, registers), "delivered"):
            if not failing:
                continue
            rows = con.execute(sql + f" ORDER BY 1 LIMIT {MAX_ROWS_NAMED}").fetchall()
            column = props[rule.column].physicalName if rule.column else None
            if column == FILE_YEAR:
                # The year is the file name's, the same on every row: the reason names the file name.
                problems.append(
                    violation(
                        file,
                        rule.kind,
                        check=rule.name,
                        detail_nb=f"årstallet {rows[0][1]} i filnavnet: {_rule_text(rule, props)}",
                    )
                )
                continue
            for row, value in rows:
                detail = _rule_text(rule, props)
                if rule.kind == "valid_values":
                    detail += _looks_like(value, rule.params)
                problems.append(
                    violation(
                        file,
                        rule.kind if rule.kind != "sql" else "sql",
                        check=rule.name,
                        row=row,
                        column=column,
                        value=value,
                        detail_nb=detail,
                    )
                )
        return problems
    finally:
        con.close()


def _skeleton(text: str) -> str:
    """What a person sees of a code: compatibility forms folded (NFKC), every dash a hyphen, every run
    of spaces one space, invisible characters gone, case ignored."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join("-" if unicodedata.category(ch) == "Pd" else ch for ch in text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc", "Mn"))
    return " ".join(text.split()).casefold()


def _looks_like(value: object, allowed: Sequence[object]) -> str:
    """For an unknown code that looks like an allowed one (an en dash for a hyphen, a double space,
    another case): which one, and what differs."""
    if value is None:
        return ""
    shown = str(value)
    twin = next((a for a in allowed if _skeleton(str(a)) == _skeleton(shown)), None)
    if twin is None:
        return ""
    odd = [ch for ch in shown if _visible(ch) != ch or ch.casefold() not in str(twin).casefold()]
    if odd:
        what = "tegnet " + ", ".join(dict.fromkeys(f"«{_visible(ch)}» ({_char_name(ch)})" for ch in odd))
    elif " ".join(shown.split()) != shown:
        what = "flere mellomrom etter hverandre"
    else:
        what = "andre store og små bokstaver"
    return f"; verdien ligner «{twin}», men har {what}"


def _char_name(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, '').lower()}".strip()


def _rule_text(rule: Rule, props: dict[str, Property]) -> str:
    if rule.kind == "minimum":
        return f"verdien er under minimum {format_bound(rule.params[0])}"
    if rule.kind == "maximum":
        return f"verdien er over maksimum {format_bound(rule.params[0])}"
    if rule.kind == "after_as_of":
        day = dt.date.fromisoformat(rule.params[0])
        return (
            f"perioden er ikke begynt per statusdagen {day:%d.%m.%Y}; tall for en senere periode kan ikke "
            "være riktige (skrivefeil i året?)"
        )
    if rule.kind == "in_register":
        return (
            f"finnes ikke i {REGISTER_NB[rule.params[0]]}, så tallene på raden ville falle ut av alle summer; "
            "legg den inn i registeret (eller rett nummeret) og legg så denne filen inn på nytt"
        )
    if rule.kind == "valid_values":
        shown = ", ".join(map(str, rule.params[:8])) + (" …" if len(rule.params) > 8 else "")
        return f"ukjent kode; tillatt er {shown}"
    if rule.kind == "duplicate_key":
        return "samme nøkkel (" + ", ".join(props[k].physicalName for k in rule.params) + ") finnes på en tidligere rad"
    if rule.kind == "sql":
        return f"regelen «{rule.description_nb}» er brutt"
    return _RULE_NB.get(rule.kind, rule.kind)


# -- one municipality under two codes ---------------------------------------------------------

REGION_COLUMNS = ("region_code", "municipality", "year")
# A cell without a number whose symbol is one of these carries no figure: "." the category was not in
# use (a code before it existed or after it was retired), ".." the figure is not available.
NO_FIGURE = (".", "..")


@dataclass(frozen=True)
class LoadNote:
    """Something a valid file's load changed and an analyst should see (kept in meta.file_loads)."""

    file: str
    rule: str  # region_code_duplicate
    municipality: str
    years: tuple[int, ...]
    kept_code: str
    dropped_code: str
    rows: int  # rows of the dropped code that were not loaded
    message_nb: str

    def as_dict(self) -> dict:
        return asdict(self)


def _years_text(years: list[int]) -> str:
    """2014, 2015, 2016, 2020 -> "2014-2016 og 2020"."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " og " + parts[-1]


def resolve_region_codes(
    typed: pl.DataFrame, table: TableSchema, file: str
) -> tuple[pl.DataFrame, list[Violation], list[LoadNote]]:
    """Keep one figure per municipality and year when a file carries a municipality under two codes.

    SSB back-casts series to today's municipality, so one export can hold Tromsø as 5401 *and* 5501 for
    2023 (and 1902 before 2020). Summed, the rows would count the municipality twice. For every table
    of a contract with ``region_code``, ``municipality`` (the series from the region-code table) and
    ``year``: rows with the same municipality, year and other key columns but different region codes,
    each carrying a figure, are one figure delivered twice.

    * Same figures: the row of the code valid that year (else the ``K-`` series code, else the latest
      code) is kept, the others are dropped, and a :class:`LoadNote` says so.
    * Different figures: a ``region_code_conflict`` violation per row that disagrees, naming the
      file, both rows, both codes, the year and both figures; the file is quarantined.

    Rows without a figure (null, or "."/".." only) are left as they are: they double-count nothing.
    """
    names = {p.name for p in table.properties}
    if not set(REGION_COLUMNS) <= names or typed.height == 0:
        return typed, [], []
    props = {p.name: p for p in table.properties}
    keys = [k for k in table.primary_key if k != "region_code"]
    keys += [k for k in ("municipality", "year") if k not in keys]
    # The figure of a row: its columns outside the key, less the labels of key codes (region_label,
    # reporter_label: text for a code, not a figure) and the series itself.
    figures = [
        p.name
        for p in table.properties
        if p.name not in table.primary_key and p.name != "municipality" and not p.name.endswith("_label")
    ]
    numeric = [f for f in figures if props[f].logicalType in ("integer", "number")]
    text = [f for f in figures if f not in numeric]
    carries = pl.lit(False)
    for f in numeric:
        carries = carries | pl.col(f).is_not_null()
    for f in text:
        carries = carries | (pl.col(f).is_not_null() & ~pl.col(f).is_in(list(NO_FIGURE)))
    candidates = typed.filter(
        pl.col("municipality").is_not_null()
        & pl.col("year").is_not_null()
        & pl.col("region_code").is_not_null()
        & carries
    )
    overlapping = candidates.filter(pl.col("region_code").n_unique().over(keys) > 1)
    if overlapping.height == 0:
        return typed, [], []

    regions = region_codes()
    row_word = "celle" if table.format in ("ssb_jsonstat", "fhi_jsonstat") else "rad"
    region_col = props["region_code"].physicalName
    extra_keys = [k for k in keys if k not in ("municipality", "year")]

    def rank(code: str, year: int) -> tuple:
        plain, aggregate = split_region_code(code)
        entry = regions.lookup(code)
        if aggregate:
            level = 2  # the series under today's borders
        elif entry is None:
            level = 1  # a code the table does not know: its own series
        else:
            level = 0 if entry.valid_in(year) else 3
        latest = entry.valid_to if entry and entry.valid_to else dt.date.max
        return (level, -latest.toordinal(), plain, code)

    def why(code: str, year: int) -> str:
        _, aggregate = split_region_code(code)
        entry = regions.lookup(code)
        if aggregate:
            return f"{code} er SSBs serie for kommunen med dagens grenser"
        if entry is not None and entry.valid_in(year):
            return f"{code} er kommunenummeret som gjaldt i {year}"
        return f"ingen av kodene gjaldt i {year} etter kodetabellen; {code} er valgt"

    def figure_text(row: dict) -> str:
        shown = [_shown_value(row[f]) for f in numeric if row[f] is not None]
        symbols = [row[f] for f in text if row[f] is not None]
        if shown:
            return " / ".join(shown) + (f" ({', '.join(symbols)})" if symbols else "")
        return f"«{', '.join(symbols)}»" if symbols else "ingen verdi"

    def label(row: dict) -> str:
        entry = regions.lookup(row["region_code"])
        if entry is not None:
            return entry.name
        return str(row.get("region_label") or row["municipality"])

    problems: list[Violation] = []
    dropped_rows: list[int] = []
    notes: dict[tuple[str, str, str], list] = {}
    for _, group in overlapping.sort(keys + [ROW]).group_by(keys, maintain_order=True):
        rows = group.to_dicts()
        year = rows[0]["year"]
        kept = min(rows, key=lambda r: (rank(r["region_code"], year), r[ROW]))
        kept_figure = tuple(kept[f] for f in figures)
        for row in rows:
            if row is kept or row["region_code"] == kept["region_code"]:
                continue  # the same code twice is the duplicate-key rule's business
            if tuple(row[f] for f in figures) == kept_figure:
                dropped_rows.append(row[ROW])
                note = notes.setdefault((label(kept), kept["region_code"], row["region_code"]), [set(), 0])
                note[0].add(year)
                note[1] += 1
                continue
            if len(problems) >= MAX_ROWS_NAMED:
                continue
            where = ", ".join(f"{props[k].physicalName} {row[k]}" for k in extra_keys)
            problems.append(
                violation(
                    file,
                    "region_code_conflict",
                    row=row[ROW],
                    column=region_col,
                    detail_nb=(
                        f"{label(kept)} har to regionkoder med ulike tall for {year}"
                        + (f" ({where})" if where else "")
                        + f": {kept['region_code']} ({row_word} {kept[ROW]}) har {figure_text(kept)}, "
                        f"{row['region_code']} ({row_word} {row[ROW]}) har {figure_text(row)}. Kodene er samme "
                        f"kommune (nytt kommunenummer), og tallene ville blitt telt to ganger; "
                        f"{why(kept['region_code'], year)}. Lever tallet under én kode, eller rett tallet som er feil"
                    ),
                )
            )
    if problems:
        return typed, problems, []
    out = typed.filter(~pl.col(ROW).is_in(dropped_rows))
    load_notes = []
    for (name, kept_code, dropped_code), (years, n) in notes.items():
        years_text = _years_text(sorted(years))
        reason = (
            why(kept_code, max(years))
            if len(years) == 1
            else (
                f"{kept_code} er koden som gjaldt"
                if all(rank(kept_code, y)[0] == 0 for y in years)
                else why(kept_code, max(years))
            )
        )
        load_notes.append(
            LoadNote(
                file,
                "region_code_duplicate",
                name,
                tuple(sorted(years)),
                kept_code,
                dropped_code,
                n,
                f"Fil «{file}»: {name} {years_text} finnes under både {kept_code} og {dropped_code} med like tall "
                f"({n} {'rad' if n == 1 else 'rader'}); beholdt {kept_code} ({reason}), {dropped_code} er ikke "
                f"lastet inn, så kommunen telles én gang [regel: region_code_duplicate]",
            )
        )
    return out, [], load_notes


def _too_large_text(size: int, table: TableSchema) -> str:
    limit_mb = table.max_file_bytes / 2**20
    decimals = next((d for d in range(1, 6) if round(size / 2**20, d) > limit_mb), 6)  # never "10,0 MB, mer enn 10"
    mb = format_number_nb(size / 2**20, decimals)
    limit = format_number_nb(limit_mb, 1).removesuffix(",0")
    return (
        f"filen er {mb} MB, mer enn {limit} MB som kontrakten tillater for en fil i tabellen {table.name}, og "
        "den er ikke lest. Leveransene er summerte tall, fra noen kilobyte til noen få megabyte: sjekk at "
        "det er riktig fil, eller del den opp (f.eks. ett år per fil)"
    )


_NAME_HOLDS_IDENTITY_NUMBER = "filnavnet inneholder noe som ser ut som et fødselsnummer eller D-nummer (vist med *)"


def validate_file(
    path: Path,
    table: TableSchema,
    plan: Plan | None = None,
    as_of: dt.date | None = None,
    registers: Mapping[str, Sequence[str]] | None = None,
) -> tuple[pl.DataFrame | None, list[Violation], list[LoadNote]]:
    """Read, scan, type, resolve region codes and check one file (against ``plan``'s allowed values
    where the contract takes them from the plan; None: the selected plan; no period after ``as_of``).

    Returns (typed frame, [], notes) or (None, violations, []); the notes say what the load changed
    (a municipality delivered under two codes with the same figures, see :func:`resolve_region_codes`)."""
    if find_identity_numbers(_decoded_name(path)):
        return None, [violation(file_label(path), "identity_number", detail_nb=_NAME_HOLDS_IDENTITY_NUMBER)], []
    if (size := path.stat().st_size) > table.max_file_bytes:
        return None, [violation(file_label(path), "file_too_large", detail_nb=_too_large_text(size, table))], []
    workbook = None
    try:
        if table.format == "xlsx":
            workbook = read_workbook(path)
        raw = read_raw(path, table, workbook)
    except ReaderError as err:
        # Readers count lines of a text file; a workbook has rows. An unreadable file may still
        # hold an identity number: that is the first thing its owner must hear about.
        problem = violation(
            file_label(path),
            err.rule,
            row=err.row,
            column=err.column,
            detail_nb=err.detail_nb,
            row_word="rad" if table.format == "xlsx" else "linje",
        )
        return None, scan_identity_numbers(path, None, table, workbook) + [problem], []
    ids = scan_identity_numbers(path, raw, table, workbook)
    if ids:
        return None, _located(ids, raw, table, file_label(path)), []
    typed, problems = type_frame(raw, table, file_label(path))
    if problems:
        return None, _located(problems, raw, table, file_label(path)), []
    typed, conflicts, notes = resolve_region_codes(typed, table, file_label(path))
    problems = conflicts + check_rules(typed, table, file_label(path), plan, as_of, registers)
    return (None, _located(problems, raw, table, file_label(path)), []) if problems else (typed, [], notes)


def _located(problems: list[Violation], raw: pl.DataFrame, table: TableSchema, file: str) -> list[Violation]:
    """Say where a problem is in words the file's owner can find.

    A JSON-stat file has no rows: ``_row`` counts its cells (1 = ``value[0]``), so the message names
    the cell by its category codes. SSB CSV: the derived ``year`` and ``value`` are shown as the
    delivered time and value columns.
    """
    if table.format in ("ssb_jsonstat", "fhi_jsonstat"):
        dims = [c for c in raw.columns if f"{c}_label" in raw.columns]
        keys = {r[0]: ", ".join(f"{d}={v}" for d, v in zip(dims, r[1:])) for r in raw.select(ROW, *dims).iter_rows()}
        # The derived "year" is the time dimension's code as delivered (Tid, AAR).
        time_dim = next((d for d in dims if d.casefold() in ("tid", "år", "aar", "year", "time")), None)
        out = []
        for p in problems:
            if p.row in keys:
                column = time_dim if p.column == "year" and time_dim else p.column
                old = _where(file, p.row, p.column)
                new = _where(file, p.row, column, row_word="celle").replace(
                    f"celle {p.row}", f"celle {p.row} (value[{p.row - 1}]: {keys[p.row]})", 1
                )
                p = Violation(p.file, p.rule, p.check, p.row, column, p.value, p.message_nb.replace(old, new, 1))
            out.append(p)
        return out
    if table.format == "ssb_csv":
        time_col = next(
            (
                c
                for c in raw.columns
                if f"{c}_label" in raw.columns
                and c.removesuffix("_dim").casefold() in ("år", "aar", "year", "tid", "time")
            ),
            None,
        )
        headers: dict[int, set[str]] = {}
        for row, header in raw.select(ROW, "variable").iter_rows():
            headers.setdefault(row, set()).add(header)
        out = []
        for p in problems:
            delivered = None
            if p.column == "year":
                delivered = time_col
            elif p.column == "value" and len(headers.get(p.row, ())) == 1:
                (delivered,) = headers[p.row]  # the value column's header on that line
            if delivered:
                p = Violation(
                    p.file,
                    p.rule,
                    p.check,
                    p.row,
                    delivered,
                    p.value,
                    p.message_nb.replace(_where(file, p.row, p.column), _where(file, p.row, delivered), 1),
                )
            out.append(p)
        return out
    return problems
