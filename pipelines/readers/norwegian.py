"""Parsing of Norwegian-formatted numbers and encoding-aware CSV reading.

Norwegian statistics (SSB, municipal spreadsheets, exports from case
management systems) use a decimal comma, a space or no-break space as
thousands separator, ``;`` as CSV separator and are often saved as
Windows-1252 instead of UTF-8. SSB also marks missing or suppressed values
with a small set of symbols (see :data:`SSB_SYMBOLS`).

Every failure is raised as :class:`ReaderError`, which carries a machine
readable ``rule`` and both an English and a Norwegian (bokmål) message that
name the file, line and column, so the message can be shown as-is to the
person who delivered the file.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.nb_format import format_number_nb

__all__ = [
    "ReaderError",
    "SSB_SYMBOLS",
    "parse_norwegian_number",
    "parse_norwegian_numbers",
    "norwegian_number_exprs",
    "format_norwegian_number",
    "read_text_detect_encoding",
    "read_norwegian_csv",
]

#: SSB's standard symbols for cells without an ordinary number.
SSB_SYMBOLS: dict[str, str] = {
    ".": "not_applicable",  # Lovlig null / ikke mulig å oppgi tall
    "..": "missing",  # Tallgrunnlag mangler
    "...": "not_yet_available",  # Tall kan ikke offentliggjøres ennå
    ":": "confidential",  # Vises ikke av konfidensialitetshensyn
    "-": "zero",  # Null
}

# Short Norwegian descriptions of the rules, used in ``message_nb`` when the
# raising code does not provide its own Norwegian text.
_RULE_TEXT_NB: dict[str, str] = {
    "encoding": "Fila har en tegnkoding som ikke støttes",
    "nul_byte": "Fila inneholder et NUL-tegn (byte 0x00)",
    "empty_file": "Fila er tom",
    "header_only": "Fila har overskriftsrad, men ingen datarader",
    "missing_column": "Påkrevd kolonne mangler",
    "ragged_row": "Raden har feil antall felt",
    "duplicate_column": "Kolonnenavnet finnes flere ganger",
    "bad_number": "Verdien er ikke et gyldig tall",
    "invalid_json": "Fila er ikke gyldig JSON",
    "jsonstat_version": "JSON-stat-versjonen støttes ikke",
    "jsonstat_size_mismatch": "Antall verdier stemmer ikke med dimensjonene",
    "jsonstat_structure": "JSON-stat-strukturen er ugyldig",
}


def _display_path(path: str | os.PathLike[str] | None) -> str | None:
    return None if path is None else os.fspath(path)


class ReaderError(Exception):
    """A file could not be read; explains where and why.

    Attributes:
        path: The file that failed (``None`` when reading from memory).
        row: 1-based line number in the file (header is line 1), or ``None``.
        column: Column name involved, or ``None``.
        rule: Machine-readable rule code, e.g. ``"encoding"`` or ``"bad_number"``.
        message: English message naming file, line, column and rule (``str(err)``).
        message_nb: The same in Norwegian bokmål, for the people who deliver data.
        detail: The English message without the location prefix.
    """

    def __init__(
        self,
        detail: str,
        *,
        rule: str,
        path: str | os.PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
        detail_nb: str | None = None,
    ) -> None:
        self.path: str | None = _display_path(path)
        self.row = row
        self.column = column
        self.rule = rule
        self.detail = detail
        self.detail_nb = detail_nb or _RULE_TEXT_NB.get(rule, "Fila kunne ikke leses")
        self.message = self._compose_en()
        self.message_nb = self._compose_nb()
        super().__init__(self.message)

    def _compose_en(self) -> str:
        where = []
        if self.path is not None:
            where.append(f"file '{self.path}'")
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = (", ".join(where) + ": ") if where else ""
        return f"{prefix}{self.detail} [rule: {self.rule}]"

    def _compose_nb(self) -> str:
        where = []
        if self.path is not None:
            where.append(f"fil «{self.path}»")
        if self.row is not None:
            where.append(f"linje {self.row}")
        if self.column is not None:
            where.append(f"kolonne «{self.column}»")
        prefix = (", ".join(where) + ": ") if where else ""
        prefix = prefix[:1].upper() + prefix[1:]
        return f"{prefix}{self.detail_nb} (regel: {self.rule})"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message

    def __reduce__(self):  # keep picklable (Dagster may ship errors between processes)
        return (
            _rebuild_reader_error,
            (self.detail, self.rule, self.path, self.row, self.column, self.detail_nb),
        )


def _rebuild_reader_error(detail, rule, path, row, column, detail_nb) -> ReaderError:
    return ReaderError(detail, rule=rule, path=path, row=row, column=column, detail_nb=detail_nb)


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

_SPACE_SEPARATORS = (" ", "\u00a0", "\u202f")
_MINUS_SIGNS = ("-", "\u2212")  # hyphen-minus and the typographic minus sign
_PLAIN = re.compile(r"\d+(?:,\d+)?")
_SPACE_GROUPED = re.compile(r"\d{1,3}(?: \d{3})+(?:,\d+)?")
# "1.234.567" (two or more dots) or "1.234,5" / "1.234.567,89" (dots and a comma).
_DOT_GROUPED = re.compile(r"\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?|\d{1,3}\.\d{3},\d+")
_DECIMAL_POINT = re.compile(r"\d+\.\d+")


def parse_norwegian_number(text: str | None, *, allow_decimal_point: bool = False) -> tuple[float | None, str | None]:
    """Parse a Norwegian-formatted number or SSB symbol.

    Returns ``(value, symbol)``:

    * ``"1 234,5"`` -> ``(1234.5, None)``; ``"-3,25"`` -> ``(-3.25, None)``
    * ``"-"`` (SSB "zero") -> ``(0.0, "-")``
    * ``"."``, ``".."``, ``"..."``, ``":"`` -> ``(None, symbol)``
    * ``""``, whitespace or ``None`` -> ``(None, None)``

    Thousands separators may be a space, U+00A0 or U+202F (in correct groups
    of three digits) or ``"."`` when the grouping is unambiguous
    (``"1.234.567"``, ``"1.234,5"``). ``"1.234"`` and ``"12.5"`` are
    ambiguous and rejected unless ``allow_decimal_point=True`` (for files
    that use ``,`` as field separator and therefore a decimal point).

    Raises:
        ValueError: the text is not a number in one of these forms.
    """
    if text is None:
        return None, None
    if not isinstance(text, str):
        raise TypeError(f"expected str or None, got {type(text).__name__}")
    stripped = text.strip().strip("".join(_SPACE_SEPARATORS))
    if stripped == "":
        return None, None
    if stripped in SSB_SYMBOLS:
        return (0.0, "-") if stripped == "-" else (None, stripped)

    sign = 1.0
    body = stripped
    if body[0] in _MINUS_SIGNS:
        sign, body = -1.0, body[1:]
    elif body[0] == "+":
        body = body[1:]
    for sep in _SPACE_SEPARATORS[1:]:
        body = body.replace(sep, " ")

    if _PLAIN.fullmatch(body) or _SPACE_GROUPED.fullmatch(body):
        digits = body.replace(" ", "")
    elif _DOT_GROUPED.fullmatch(body):
        digits = body.replace(".", "")
    elif allow_decimal_point and _DECIMAL_POINT.fullmatch(body):
        return sign * float(body), None
    else:
        hint = ""
        if _DECIMAL_POINT.fullmatch(body):
            hint = (
                " (a single '.' is ambiguous: use decimal comma, e.g. '12,5', "
                "or full thousands grouping such as '1.234.567')"
            )
        raise ValueError(f"not a Norwegian number or SSB symbol: {text!r}{hint}")
    return sign * float(digits.replace(",", ".")), None


# What Python's str.strip() strips (str.isspace): Unicode's White_Space plus the ASCII separators
# 0x1C-0x1F, which Polars' strip_chars() without arguments would keep.
PY_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# The forms nearly every cell of a statistics file takes, parsed column-wise; up to 15 digits on each
# side of the comma, so that the float (and an integer made of it) is what the Python parser gives.
_COLUMN_PLAIN = "^[-+\u2212]?[0-9]{1,15}(?:,[0-9]{1,15})?$"
_COLUMN_POINT = "^[-+\u2212]?[0-9]{1,15}(?:[.,][0-9]{1,15})?$"


def norwegian_number_exprs(cell: pl.Expr, *, allow_decimal_point: bool = False) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """The column-wise part of :func:`parse_norwegian_numbers` on the String column ``cell``:
    expressions for its ``value`` (Float64) and ``symbol`` (String), and ``handled``: False for a cell
    they do not parse (thousands separators, a malformed number), which only
    :func:`parse_norwegian_number` itself can."""
    stripped = cell.str.strip_chars(PY_WHITESPACE)
    number = stripped.str.contains(_COLUMN_POINT if allow_decimal_point else _COLUMN_PLAIN)
    symbol = stripped.is_in(list(SSB_SYMBOLS))
    digits = stripped.str.replace("\u2212", "-", literal=True).str.replace("+", "", literal=True)
    value = (
        pl.when(number)
        .then(digits.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False))
        .when(stripped == "-")
        .then(0.0)
    )
    return value, pl.when(symbol).then(stripped).cast(pl.String), cell.is_null() | (stripped == "") | symbol | number


def parse_norwegian_numbers(cells: pl.Series, *, allow_decimal_point: bool = False) -> pl.DataFrame:
    """:func:`parse_norwegian_number` of every cell of a String column, column-wise.

    Returns a frame of the column's length: ``value`` (Float64), ``symbol`` (String) and ``ok``
    (Boolean, False where :func:`parse_norwegian_number` raises; value and symbol are then null).
    Null, blank, the SSB symbols and plain numbers ("12", "-3,25"; "12.5" with
    ``allow_decimal_point``) are parsed by Polars; any other cell (thousands separators, a
    malformed number) once per distinct text by :func:`parse_norwegian_number` itself, so the
    result is that function's, cell for cell."""
    cells = cells.cast(pl.String)
    value, symbol, handled = norwegian_number_exprs(pl.col("cell"), allow_decimal_point=allow_decimal_point)
    frame = (
        cells.rename("cell")
        .to_frame()
        .select(value.alias("value"), symbol.alias("symbol"), pl.lit(True).alias("ok"), handled.alias("handled"))
    )
    handled = frame["handled"]
    frame = frame.drop("handled")
    if handled.all():
        return frame
    parsed: dict[str, tuple[float | None, str | None, bool]] = {}
    for text in cells.filter(~handled).unique().to_list():
        try:
            parsed[text] = (*parse_norwegian_number(text, allow_decimal_point=allow_decimal_point), True)
        except ValueError:
            parsed[text] = (None, None, False)
    texts = list(parsed)
    rest = [
        cells.replace_strict(texts, [parsed[t][i] for t in texts], default=None, return_dtype=dtype)
        for i, dtype in enumerate((pl.Float64, pl.String, pl.Boolean))
    ]
    return frame.with_columns(
        pl.when(handled).then(frame[name]).otherwise(other).alias(name)
        for name, other in zip(("value", "symbol", "ok"), rest)
    )


def format_norwegian_number(value: float, decimals: int) -> str:
    """Format ``value`` with ``decimals`` decimals and a decimal comma.

    No thousands separator; ``"-"`` prefix for negatives (never ``"-0,0"``).
    The output always parses back with :func:`parse_norwegian_number`.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"cannot format non-finite number {value!r}")
    if not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative int, got {decimals!r}")
    text = f"{abs(float(value)):.{decimals}f}"
    negative = value < 0 and any(ch not in "0." for ch in text)
    return ("-" if negative else "") + text.replace(".", ",")


# ---------------------------------------------------------------------------
# Text and encodings
# ---------------------------------------------------------------------------

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_text_detect_encoding(path: str | os.PathLike[str]) -> tuple[str, str]:
    """Read a text file as UTF-8 (with or without BOM) or Windows-1252.

    Returns ``(text, encoding)`` where ``encoding`` is ``"utf-8-sig"``,
    ``"utf-8"`` or ``"cp1252"``; the BOM is not part of ``text``.

    Raises:
        ReaderError: rule ``"empty_file"`` for a 0-byte or whitespace-only
            file; rule ``"encoding"`` for UTF-16/32 files (BOM or NUL bytes)
            and for bytes that are neither UTF-8 nor Windows-1252.
    """
    p = Path(path)
    data = p.read_bytes()
    if not data:
        raise ReaderError(
            "the file is empty (0 bytes)",
            rule="empty_file",
            path=path,
            detail_nb="Fila er tom (0 byte)",
        )
    nul = data.find(b"\x00")
    if not data.startswith(_UTF16_BOMS) and nul >= 0 and data[:4096].count(b"\x00") * 10 < len(data[:4096]):
        # UTF-16 has a NUL beside nearly every letter; a few stray ones are damage, not an encoding.
        raise ReaderError(
            f"the file holds a NUL byte (0x00) at offset {nul}",
            rule="nul_byte",
            path=path,
            row=_line_of_offset(data, nul),
            detail_nb=(
                f"Fila inneholder et NUL-tegn (byte 0x00, posisjon {nul}), som ikke hører hjemme i en tekstfil; "
                "den er trolig skadet under lagring eller kopiering. Lagre fila på nytt fra kilden"
            ),
        )
    if data.startswith(_UTF16_BOMS) or nul >= 0:
        raise ReaderError(
            "the file looks like UTF-16/UTF-32 (byte order mark or NUL bytes); save it as UTF-8 (or Windows-1252)",
            rule="encoding",
            path=path,
            detail_nb=(
                "Fila ser ut til å være lagret som UTF-16 (byte order mark eller "
                "NUL-tegn). Lagre fila som UTF-8 (eller Windows-1252)"
            ),
        )
    if data.startswith(_UTF8_BOM):
        try:
            text, encoding = data[len(_UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            offset = exc.start + len(_UTF8_BOM)
            raise ReaderError(
                f"the file starts with a UTF-8 byte order mark but byte "
                f"0x{data[offset]:02X} at offset {offset} is not valid UTF-8",
                rule="encoding",
                path=path,
                row=_line_of_offset(data, offset),
                detail_nb=(
                    f"Fila starter med UTF-8-merke (BOM), men byte 0x{data[offset]:02X} "
                    f"(posisjon {offset}) er ikke gyldig UTF-8"
                ),
            ) from exc
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError as exc:
                raise ReaderError(
                    f"the file is neither UTF-8 nor Windows-1252: byte "
                    f"0x{data[exc.start]:02X} at offset {exc.start} is undefined "
                    f"in Windows-1252; save the file as UTF-8",
                    rule="encoding",
                    path=path,
                    row=_line_of_offset(data, exc.start),
                    detail_nb=(
                        f"Fila er verken UTF-8 eller Windows-1252: byte "
                        f"0x{data[exc.start]:02X} (posisjon {exc.start}) er ikke "
                        f"definert i Windows-1252. Lagre fila som UTF-8"
                    ),
                ) from exc
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ReaderError(
            "the file contains only whitespace",
            rule="empty_file",
            path=path,
            detail_nb="Fila inneholder bare blanke tegn",
        )
    return text, encoding


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

ROW_COLUMN = "_row"


@dataclass
class _Table:
    header: list[str]
    frame: pl.DataFrame  # the data rows: one String column per header name
    lines: pl.Series  # Int64: the 1-based line in the file where each data row starts
    separator: str
    encoding: str


# What may make a JSON number that no float holds, or an integer read as a float: 19 digits in a
# row, or an exponent of three digits (a superset: it may also be in a string).
_LONG_NUMBER = r"\d{19}|[eE][+-]?\d{3}"
_JSON_CONSTANT = re.compile(r'(?<![\w"])(?:-?Infinity|NaN)(?![\w"])')


def read_json_file(path: str | os.PathLike[str], *, publisher: str | None = None) -> Any:
    """A JSON file's document (UTF-8 or Windows-1252), or a ``ReaderError`` (rule ``invalid_json``)
    naming the line and column, and saying so when the file ends before the JSON does (a download
    cut short). ``publisher`` ("FHI") names where to download the file again."""
    text, _ = read_text_detect_encoding(path)

    def number_error(at: int, what: str, what_nb: str) -> ReaderError:
        # A number JSON or a statistic cannot hold, named with its line: never a missing figure.
        line = _line_of_offset(text.encode("utf-8"), len(text[:at].encode("utf-8"))) if at >= 0 else None
        return ReaderError(
            f"invalid JSON: {what}",
            rule="invalid_json",
            path=path,
            row=line,
            detail_nb=(
                what_nb
                + (f" (linje {line})" if line else "")
                + "; et tall som mangler skrives null, eller med SSBs symbol «..»"
            ),
        )

    def not_json(constant: str) -> None:
        # Python's json accepts NaN and Infinity; JSON has no such numbers, and a figure that is not a
        # number must not become a missing one.
        match = _JSON_CONSTANT.search(text)
        raise number_error(
            match.start() if match else -1,
            f"{constant} is not a JSON number",
            f"Ugyldig JSON: «{constant}» er ikke et tall i JSON",
        )

    def finite(number: str) -> float:
        # "1e999" is valid JSON, but Python reads it as infinity (and a 400-digit integer as a number no
        # float holds): a figure no count can have, never a missing one.
        value = float(number)
        if math.isfinite(value):
            return value
        shown = number if len(number) <= 20 else number[:12] + "…"
        raise number_error(
            text.find(number),
            f"number {shown} is too large for a figure",
            f"Tallet «{shown}» er for stort til å være et tall i en statistikk",
        )

    def whole(number: str) -> int | float:
        return int(number) if len(number) <= 18 else finite(number)

    try:
        if pl.Series([text]).str.contains(_LONG_NUMBER).item():
            return json.loads(text, parse_constant=not_json, parse_float=finite, parse_int=whole)
        # No number literal long enough to overflow a float or to pass 18 digits: the default parsing
        # gives the same numbers, without a Python call for each.
        return json.loads(text, parse_constant=not_json)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip())
        again = f"Last ned fila fra {publisher} på nytt" if publisher else "Last ned fila på nytt"
        raise ReaderError(
            f"invalid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            + (" (the file ends before the JSON is complete: truncated?)" if truncated else ""),
            rule="invalid_json",
            path=path,
            row=exc.lineno,
            detail_nb=(
                f"Ugyldig JSON: fila slutter før innholdet er avsluttet (linje {exc.lineno}); "
                f"den er trolig avkuttet under nedlasting eller lagring. {again}"
                if truncated
                else f"Ugyldig JSON: {exc.msg} på linje {exc.lineno}, tegn {exc.colno}"
                + (f". {again}" if publisher else "")
            ),
        ) from exc
    except RecursionError as exc:
        # Thousands of nested arrays ("[[[[…"): Python's decoder gives up; no statistics file nests so.
        raise ReaderError(
            "invalid JSON: nested deeper than the reader follows",
            rule="invalid_json",
            path=path,
            detail_nb=(
                "Ugyldig JSON: lister eller objekter ligger i hverandre i tusenvis av nivåer, "
                "noe ingen statistikkfil gjør; fila er ikke lest"
            ),
        ) from exc


def _clean_header_name(name: str, position: int) -> str:
    cleaned = name.replace("\ufeff", "").strip()
    while len(cleaned) >= 2 and cleaned[0] == cleaned[-1] and cleaned[0] in "\"'":
        cleaned = cleaned[1:-1].strip()
    cleaned = cleaned.strip("\"'").strip()
    return cleaned or f"column_{position}"


def _detect_separator(header_line: str) -> str:
    if ";" in header_line:
        return ";"
    if "," in header_line:
        return ","
    if "\t" in header_line:
        return "\t"
    return ";"


# The most columns a delimited file may have: a delivery has tens; a header line of ten million
# separators (10 MB) would cost gigabytes of column names before anything else is checked.
MAX_COLUMNS = 1000
# Data rows are taken from the CSV reader in blocks of this many, each made into columns at once.
_BLOCK_ROWS = 20_000


def _blank(record: list[str]) -> bool:
    return all(not field.strip() for field in record)


# A character class of PY_WHITESPACE for Rust's regex.
_WHITESPACE_CLASS = "".join(f"\\x{{{ord(ch):x}}}" for ch in PY_WHITESPACE)


def _simple_rows(rest: str, separator: str, width: int, first_line: int) -> pl.DataFrame | None:
    """The data rows after the header (``rest``, its first line numbered ``first_line``) as the CSV
    reader gives them, read column-wise by Polars when every line is simple: no line end but \\n or
    \\r\\n, no line as long as the reader's field limit, a quote only around a whole field ("a";b, no
    "" inside), and every line that is not blank (blank: all its fields spaces) of the header's width.
    A frame of columns "0", "1", … and "_line" without the blank lines; None when some line is not
    simple (the caller then reads row by row, and names what is wrong)."""
    if "\x00" in rest or rest.count("\r") != rest.count("\r\n"):
        return None
    lines = rest.replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()  # the text's last line end
    if not lines:
        return None
    sep = {"\t": "\\t"}.get(separator, separator)
    field = f'(?:"[^"]*"|[^"{sep}]*)'
    blank_field = f'(?:"[{_WHITESPACE_CLASS}]*"|[{_WHITESPACE_CLASS}]*)'
    cells = pl.Series(lines, dtype=pl.String)
    checked = pl.select(
        simple=cells.str.contains(f"^{field}(?:{sep}{field}){{{width - 1}}}$"),
        blank=cells.str.contains(f"^{blank_field}(?:{sep}{blank_field})*$"),
        length=cells.str.len_chars(),
    )
    if not ((checked["simple"] | checked["blank"]).all() and checked["length"].max() < csv.field_size_limit()):
        return None
    kept = (~checked["blank"]).arg_true()
    if kept.len() == 0:
        return None
    try:
        frame = pl.read_csv(
            (cells if kept.len() == len(lines) else cells.gather(kept)).str.join("\n").item().encode("utf-8"),
            has_header=False,
            separator=separator,
            quote_char='"',
            schema={str(i): pl.String for i in range(width)},
            empty_string_is_null=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if frame.height != kept.len():
        return None
    return frame.with_columns((kept.cast(pl.Int64) + first_line).alias("_line"))


def _parse_delimited(
    text: str,
    path: str | os.PathLike[str],
    *,
    encoding: str,
    first_line: int = 1,
) -> _Table:
    """Split ``text`` into header and rows, starting at 1-based ``first_line``.

    Blank lines are skipped; line numbers refer to the whole file. The first row (not blank) whose
    number of fields is not the header's is refused (ragged_row); reading stops at a row wider than the
    header, so a line of millions of fields is never held as columns. A file of simple lines only (the
    common case, :func:`_simple_rows`) is read by Polars; any other row by row by the csv module.
    """
    # Walk to the header without copying the text: lines split exactly like the csv module will
    # (\n, \r\n, \r), so that line numbers agree; blank lines before the header are skipped.
    buffer = io.StringIO(text, newline="")
    start = 0
    while start < first_line - 1 and buffer.readline():
        start += 1
    position = buffer.tell()
    while (line := buffer.readline()) and not line.strip():
        start += 1
        position = buffer.tell()
    if not line:
        raise ReaderError(
            "the file has no header line",
            rule="empty_file",
            path=path,
            detail_nb="Fila mangler overskriftsrad",
        )
    separator = _detect_separator(line)
    buffer.seek(position)
    reader = csv.reader(
        buffer,
        delimiter=separator,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        strict=False,
    )
    header: list[str] | None = None
    header_line = start + 1
    blocks: list[pl.DataFrame] = []
    odd: tuple[int, int] | None = None  # (line, fields) of the first row (not blank) of another width
    follows = False  # a row (not blank) after a narrower ``odd``: it was not the file's last
    previous = 0  # reader.line_num after the last record read
    try:
        for record in reader:
            line_no = start + previous + 1
            previous = reader.line_num
            if _blank(record):
                continue
            if len(record) > MAX_COLUMNS:
                raise ReaderError(
                    f"the header has {len(record)} columns, more than {MAX_COLUMNS}",
                    rule="too_many_columns",
                    path=path,
                    row=line_no,
                    detail_nb=(
                        f"Overskriftsraden har {format_number_nb(len(record), 0)} kolonner, mer enn "
                        f"{format_number_nb(MAX_COLUMNS, 0)} som tillates; "
                        f"fila er ikke lest videre (er skilletegnet «{separator}» riktig?)"
                    ),
                )
            header = [_clean_header_name(f, i + 1) for i, f in enumerate(record)]
            header_line = line_no
            break
        assert header is not None  # guaranteed: start points at a non-blank line
        width = len(header)
        simple = _simple_rows(text[buffer.tell() :], separator, width, first_line=start + previous + 1)
        if simple is not None:
            blocks.append(simple)
        while odd is None and simple is None:
            records: list[list[str]] = []
            ends: list[int] = []  # reader.line_num after each record (a quoted field may span lines)
            for record in itertools.islice(reader, _BLOCK_ROWS):
                records.append(record)
                ends.append(reader.line_num)
            if not records:
                break
            starts, previous = [previous, *ends[:-1]], ends[-1]
            other = [j for j, r in enumerate(records) if len(r) != width and not _blank(r)]
            if other:
                j = other[0]
                odd = (start + starts[j] + 1, len(records[j]))
                if len(records[j]) < width:
                    for later in itertools.chain(records[j + 1 :], reader):
                        if not _blank(later):
                            follows = True
                            if len(later) > width:
                                break
                records, starts = records[:j], starts[:j]
            kept = [j for j, r in enumerate(records) if len(r) == width]
            if len(kept) < len(records):
                records, starts = [records[j] for j in kept], [starts[j] for j in kept]
            if records:
                block = pl.DataFrame(
                    [pl.Series(str(i), cells, dtype=pl.String) for i, cells in enumerate(zip(*records))]
                ).with_columns(pl.Series("_line", starts, dtype=pl.Int64) + (start + 1))
                blocks.append(
                    block.filter(
                        ~pl.all_horizontal(pl.col(str(i)).str.strip_chars(PY_WHITESPACE) == "" for i in range(width))
                    )
                )
    except csv.Error as exc:  # pragma: no cover - csv with strict=False rarely raises
        raise ReaderError(
            f"malformed CSV: {exc}",
            rule="ragged_row",
            path=path,
            row=start + reader.line_num,
            detail_nb=f"Ugyldig CSV: {exc}",
        ) from exc
    seen: set[str] = set()
    for name in header:
        if name in seen or name == ROW_COLUMN:
            raise ReaderError(
                f"column name '{name}' occurs more than once (or is reserved)",
                rule="duplicate_column",
                path=path,
                row=header_line,
                column=name,
                detail_nb=f"Kolonnenavnet «{name}» finnes flere ganger (eller er reservert)",
            )
        seen.add(name)
    rows = (
        pl.concat(blocks)
        if blocks
        else pl.DataFrame(schema={**{str(i): pl.String for i in range(width)}, "_line": pl.Int64})
    )
    lines = rows["_line"]
    rows = rows.drop("_line")
    last = str(width - 1)

    # Tolerate a trailing separator on every line ("a;b;") -> drop the empty column.
    if (
        odd is None
        and width > 1
        and header[-1] == f"column_{width}"
        and rows.height
        and (rows[last].str.strip_chars(PY_WHITESPACE) == "").all()
    ):
        header = header[:-1]
        rows = rows.drop(last)

    if odd is not None:
        line_no, fields = odd
        # A last row that is short and has no line end: the file was cut off mid-row.
        cut_off = fields < len(header) and not follows and not text.endswith(("\n", "\r"))
        raise ReaderError(
            f"line {line_no} has {fields} fields but the header "
            f"(line {header_line}) has {len(header)}"
            + ("; the file seems to be cut off in the middle of this line" if cut_off else ""),
            rule="ragged_row",
            path=path,
            row=line_no,
            detail_nb=(
                f"Linje {line_no} har {fields} felt, men overskriftsraden "
                f"(linje {header_line}) har {len(header)}"
                + (
                    "; fila ser ut til å være avkuttet midt i denne linjen"
                    if cut_off
                    else f" (et skilletegn «{separator}» for mye eller for lite?)"
                )
            ),
        )
    if not rows.height:
        raise ReaderError(
            "the file has a header line but no data rows",
            rule="header_only",
            path=path,
            row=header_line,
            detail_nb="Fila har overskriftsrad, men ingen datarader",
        )
    rows.columns = header
    return _Table(header, rows, lines, separator, encoding)


def _check_required(header: list[str], required: list[str] | None, path: str | os.PathLike[str]) -> None:
    if not required:
        return
    missing = [c for c in required if c not in header]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        names_nb = ", ".join(f"«{c}»" for c in missing)
        available = ", ".join(f"'{c}'" for c in header)
        raise ReaderError(
            f"missing required column(s) {names}; the file has {available}",
            rule="missing_column",
            path=path,
            row=1,
            column=", ".join(missing),
            detail_nb=f"Påkrevd(e) kolonne(r) mangler: {names_nb}. Fila har: {available}",
        )


def _table_to_frame(table: _Table) -> pl.DataFrame:
    blank = [pl.when(pl.col(c).str.strip_chars(PY_WHITESPACE) != "").then(pl.col(c)).alias(c) for c in table.header]
    return table.frame.with_columns(*blank, table.lines.alias(ROW_COLUMN))


def read_norwegian_csv(path: str | os.PathLike[str], *, required_columns: list[str] | None = None) -> pl.DataFrame:
    """Read a Norwegian CSV file into a DataFrame of String columns.

    * Encoding: UTF-8 with/without BOM or Windows-1252 (see
      :func:`read_text_detect_encoding`).
    * Separator ``;``; ``,`` (or tab) only if the header line has no ``;``.
      Quoted fields (with ``""`` escapes and embedded newlines) are supported.
    * Header names are stripped of BOM, quotes and whitespace; an empty name
      becomes ``column_<n>``. A trailing empty column produced by a trailing
      separator on every line is dropped.
    * Blank lines are skipped. Empty/whitespace-only fields become null.
    * Adds ``_row`` (Int64): the 1-based line in the file where each data row
      starts (the header is line 1).

    Raises:
        ReaderError: rules ``empty_file``, ``encoding``, ``header_only``,
            ``ragged_row``, ``duplicate_column`` and ``missing_column``.
    """
    text, encoding = read_text_detect_encoding(path)
    table = _parse_delimited(text, path, encoding=encoding)
    _check_required(table.header, required_columns, path)
    return _table_to_frame(table)
