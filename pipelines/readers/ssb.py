"""Readers for Statistics Norway (SSB) data: JSON-stat 2.0 and PxWeb CSV.

Both readers return *long* polars DataFrames with the category codes and
labels of every dimension, a Float64 ``value``, the SSB ``status`` symbol
(see :data:`~pipelines.readers.norwegian.SSB_SYMBOLS`) and two derived keys
that the pipeline joins on: ``year`` (Int64) and ``municipality`` (a stable
key that survives the municipal reforms of 2020 and 2024, from the region-code
table, see :func:`normalize_municipality`).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from typing import Any

import polars as pl

from pipelines.nb_format import format_number_nb
from pipelines.readers.norwegian import (
    PY_WHITESPACE,
    ROW_COLUMN,
    SSB_SYMBOLS,
    ReaderError,
    _parse_delimited,
    parse_norwegian_number,
    parse_norwegian_numbers,
    read_json_file,
    read_text_detect_encoding,
)
from pipelines.readers.regions import RegionCodes, fold_name, region_codes, split_region_code

__all__ = [
    "MAX_DATASET_CELLS",
    "NATIONAL_KEY",
    "kostra_group_series",
    "normalize_municipality",
    "read_ssb_jsonstat",
    "jsonstat_to_frame",
    "read_ssb_csv",
]

# ---------------------------------------------------------------------------
# Municipalities
# ---------------------------------------------------------------------------

NATIONAL_KEY = "norge"

# SSB's national aggregate is no municipality (KLASS 131 does not list it), so it stays here.
_NATIONAL_CODES = {"0", "EAK"}
_NATIONAL_NAMES = {"hele_landet", "landet", "norge"}
# SSB's KOSTRA groups ("EKG13" / "KOSTRA-gruppe 13"): aggregates the KOSTRA tables carry beside the
# municipalities; each is a series of its own ("kostragruppe_13").
_KOSTRA_GROUP_CODE = re.compile(r"^EKG(\d{1,2})$", re.IGNORECASE)
_KOSTRA_GROUP_NAME = re.compile(r"^kostra_gruppe_(\d{1,2})$")


def kostra_group_series(group: int) -> str:
    """The series key of KOSTRA group ``group`` (13 -> ``"kostragruppe_13"``)."""
    return f"kostragruppe_{group:02d}"


def normalize_municipality(code_or_label: str | None, table: RegionCodes | None = None) -> str | None:
    """Return a stable series key for a municipality code or label.

    The codes and names come from the region-code table (:func:`~pipelines.readers.regions.region_codes`,
    ``catalogue/region_codes.csv`` by default; ``table`` overrides it):

    * a code in the table -> its series (Tromsø 1902, 5401, 5501 -> ``"tromso"``), also as an
      SSB ``K-`` code (``"K-5401"``: the series summed under
      today's borders)
    * any other 4-digit code -> the code itself (``"0301"`` -> ``"0301"``, ``"K-4601"`` -> ``"4601"``)
    * ``"0"``, ``"EAK"``, ``"Hele landet"`` -> ``"norge"``
    * ``"EKG13"``, ``"KOSTRA-gruppe 13"`` -> ``"kostragruppe_13"``
    * accepts ``"5401 Tromsø"``, ``"K-1902 Tromsø (-2019)"``, ``"Tromsø (-2019)"``, ``"Tromsø kommune"``
      (a name is looked up among the table's names)
    * anything else (county codes, names not in the table, empty) -> ``None``
    """
    if code_or_label is None:
        return None
    text = str(code_or_label).strip().strip('"').strip()
    if not text:
        return None
    table = table or region_codes()
    token = text.split(None, 1)[0]
    code, aggregate = split_region_code(token)
    if code.upper() in _NATIONAL_CODES:
        return NATIONAL_KEY
    if match := _KOSTRA_GROUP_CODE.match(code):
        return kostra_group_series(int(match.group(1)))
    if re.fullmatch(r"\d{4}", code):
        return table.series_of_code(code) or code
    if aggregate or code.isdigit():
        return None  # a code, but not a municipality code (e.g. county "30")
    if fold_name(text) in _NATIONAL_NAMES:
        return NATIONAL_KEY
    if match := _KOSTRA_GROUP_NAME.match(fold_name(text)):
        return kostra_group_series(int(match.group(1)))
    return table.series_of_name(text)


# ---------------------------------------------------------------------------
# JSON-stat 2.0
# ---------------------------------------------------------------------------

# The most cells an SSB dataset may have: a JSON-stat dataset's ``size`` multiplied out, an SSB CSV's
# data lines times its value columns. Every cell becomes a row, and reading, checking and loading
# cost about a kilobyte a cell (300 000 cells peak at 663 MiB in a Dagster run of the source). SSB's 07459 for every municipality, ages 0-29 and 12 years (the demo's
# population file) is 136 000 cells; what a plan fetches (its municipality and comparators) some
# tens of thousands. A larger extract is refused before anything is allocated per cell.
MAX_DATASET_CELLS = 300_000

_TIME_NAMES = {"tid", "år", "aar", "year", "time"}
_GEO_NAMES = {"region", "kommune", "kommunenr", "kommunenummer"}
_YEAR_PREFIX = re.compile(r"^(\d{4})")


def _year_of(code: str | None) -> int | None:
    if code is None:
        return None
    match = _YEAR_PREFIX.match(code.strip())
    return int(match.group(1)) if match else None


def _structure(path: Any, detail: str, detail_nb: str, rule: str = "jsonstat_structure") -> ReaderError:
    return ReaderError(detail, rule=rule, path=path, detail_nb=detail_nb)


def _check_version(doc: Any, path: Any) -> None:
    if not isinstance(doc, dict):
        raise _structure(
            path,
            f"the top level must be a JSON object (a JSON-stat dataset), got {type(doc).__name__}",
            "Toppnivået må være et JSON-objekt (et JSON-stat-datasett)",
        )
    version = doc.get("version")
    cls = doc.get("class")
    if version is None:
        looks_like_v1_bundle = (
            cls is None and len(doc) > 0 and all(isinstance(v, dict) and "dimension" in v for v in doc.values())
        )
        kind = (
            "a JSON-stat 1.x bundle (top-level keys are dataset names)"
            if looks_like_v1_bundle
            else "no 'version' property (JSON-stat 1.x)"
        )
        raise ReaderError(
            f"unsupported JSON-stat version: {kind}; request JSON-stat 2.0 (SSB PxWebApi: format 'json-stat2')",
            rule="jsonstat_version",
            path=path,
            detail_nb=(
                "JSON-stat-versjonen støttes ikke: fila mangler 'version' og ser ut "
                "som JSON-stat 1.x. Hent data som JSON-stat 2.0 (SSB: format 'json-stat2')"
            ),
        )
    if not str(version).startswith("2"):
        raise ReaderError(
            f"unsupported JSON-stat version {version!r}; only 2.x is supported",
            rule="jsonstat_version",
            path=path,
            detail_nb=f"JSON-stat-versjon {version!r} støttes ikke; bare 2.x støttes",
        )
    if cls == "bundle":
        raise ReaderError(
            "unsupported JSON-stat version/layout: class 'bundle' is not supported; request a single dataset",
            rule="jsonstat_version",
            path=path,
            detail_nb="JSON-stat-klassen 'bundle' støttes ikke; hent ett enkelt datasett",
        )
    if cls != "dataset":
        raise _structure(
            path,
            f"expected JSON-stat class 'dataset', got {cls!r}",
            f"Forventet JSON-stat-klasse 'dataset', fikk {cls!r}",
        )


def _category_codes(dim_id: str, dim: Any, expected: int, path: Any) -> tuple[list[str], dict[str, str]]:
    if not isinstance(dim, dict) or not isinstance(dim.get("category"), dict):
        raise _structure(
            path,
            f"dimension '{dim_id}' has no 'category' object",
            f"Dimensjonen «{dim_id}» mangler 'category'",
        )
    category = dim["category"]
    labels = category.get("label") or {}
    if not isinstance(labels, dict):
        raise _structure(
            path,
            f"dimension '{dim_id}': category.label must be an object",
            f"Dimensjonen «{dim_id}»: category.label må være et objekt",
        )
    index = category.get("index")
    if index is None:
        if len(labels) != 1:
            raise _structure(
                path,
                f"dimension '{dim_id}' has no category.index (allowed only for a single category)",
                f"Dimensjonen «{dim_id}» mangler category.index (lov bare med én kategori)",
            )
        codes = [str(next(iter(labels)))]
    elif isinstance(index, list):
        codes = [str(c) for c in index]
        if len(set(codes)) != len(codes):
            raise _structure(
                path,
                f"dimension '{dim_id}' has duplicate category codes",
                f"Dimensjonen «{dim_id}» har like kategorikoder flere ganger",
            )
    elif isinstance(index, dict):
        positions = list(index.values())
        if sorted(positions) != list(range(len(positions))) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in positions
        ):
            raise _structure(
                path,
                f"dimension '{dim_id}': category.index positions must be 0..{len(positions) - 1}",
                f"Dimensjonen «{dim_id}»: posisjonene i category.index må være 0..{len(positions) - 1}",
            )
        codes = [str(code) for code, _ in sorted(index.items(), key=lambda kv: kv[1])]
    else:
        raise _structure(
            path,
            f"dimension '{dim_id}': category.index must be an array or an object",
            f"Dimensjonen «{dim_id}»: category.index må være en liste eller et objekt",
        )
    if len(codes) != expected:
        raise _structure(
            path,
            f"dimension '{dim_id}' has {len(codes)} categories but size says {expected}",
            f"Dimensjonen «{dim_id}» har {len(codes)} kategorier, men 'size' sier {expected}",
        )
    label_map = {code: str(labels.get(code, code)) for code in codes}
    return codes, label_map


def _expand_sparse(raw: Any, n: int, what: str, path: Any) -> list[Any]:
    """Turn an array (length n or 1), object {"idx": x}, scalar or None into n cells."""
    if raw is None:
        return [None] * n
    if isinstance(raw, list):
        if len(raw) == n:
            return list(raw)
        if what == "status" and len(raw) == 1:
            return raw * n
        raise ReaderError(
            f"'{what}' has {len(raw)} entries but the dimension sizes imply {n} cells",
            rule="jsonstat_size_mismatch",
            path=path,
            column=what,
            detail_nb=f"'{what}' har {len(raw)} elementer, men dimensjonene gir {n} celler",
        )
    if isinstance(raw, dict):
        cells: list[Any] = [None] * n
        for key, item in raw.items():
            try:
                position = int(key)
            except (TypeError, ValueError):
                position = -1
            if not 0 <= position < n:
                raise _structure(
                    path,
                    f"'{what}' key {key!r} is not a cell index in 0..{n - 1}",
                    f"'{what}': nøkkelen {key!r} er ikke en celleindeks i 0..{n - 1}",
                )
            cells[position] = item
        return cells
    if what == "status" and isinstance(raw, str):
        return [raw] * n
    raise _structure(
        path,
        f"'{what}' must be an array or an object",
        f"'{what}' må være en liste eller et objekt",
    )


def _cell_value(raw: Any, position: int, path: Any) -> tuple[float | None, str | None]:
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        raise _structure(path, f"value at cell {position} is a boolean", f"Verdien i celle {position} er boolsk")
    if isinstance(raw, (int, float)):
        value = float(raw)
        return (value, None) if math.isfinite(value) else (None, None)
    if isinstance(raw, str):
        try:
            return parse_norwegian_number(raw, allow_decimal_point=True)
        except ValueError:
            pass
    raise ReaderError(
        f"value at cell {position} is not a number: {raw!r}",
        rule="bad_number",
        path=path,
        column="value",
        detail_nb=f"Verdien value[{position}] (celle {position + 1}) er ikke et tall: {raw!r}",
    )


def _pick_dimension(ids: list[str], role: Any, role_name: str, fallback: set[str]) -> str | None:
    if isinstance(role, dict):
        declared = role.get(role_name)
        if isinstance(declared, str):
            declared = [declared]
        if isinstance(declared, list):
            for dim_id in declared:
                if dim_id in ids:
                    return dim_id
    for dim_id in ids:
        if dim_id.casefold() in fallback:
            return dim_id
    return None


def jsonstat_to_frame(doc: Any, path: str | os.PathLike[str] | None = None) -> pl.DataFrame:
    """Convert an already parsed JSON-stat 2.0 dataset (e.g. an API response).

    See :func:`read_ssb_jsonstat` for the output layout; ``path`` is only
    used in error messages.
    """
    _check_version(doc, path)
    ids, sizes, dimensions = doc.get("id"), doc.get("size"), doc.get("dimension")
    if not isinstance(ids, list) or not isinstance(sizes, list) or not isinstance(dimensions, dict):
        raise _structure(
            path,
            "a dataset needs 'id' (array), 'size' (array) and 'dimension' (object)",
            "Et datasett må ha 'id' (liste), 'size' (liste) og 'dimension' (objekt)",
        )
    if len(ids) != len(sizes):
        raise _structure(
            path,
            f"'id' lists {len(ids)} dimensions but 'size' has {len(sizes)} entries",
            f"'id' har {len(ids)} dimensjoner, men 'size' har {len(sizes)} elementer",
        )
    ids = [str(d) for d in ids]
    if len(set(ids)) != len(ids):
        raise _structure(path, "'id' contains duplicates", "'id' inneholder duplikater")
    for dim_id, size in zip(ids, sizes):
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise _structure(
                path,
                f"size of dimension '{dim_id}' must be a non-negative integer, got {size!r}",
                f"Størrelsen til dimensjonen «{dim_id}» må være et ikke-negativt heltall",
            )
        if dim_id not in dimensions:
            raise _structure(
                path,
                f"dimension '{dim_id}' is listed in 'id' but missing from 'dimension'",
                f"Dimensjonen «{dim_id}» står i 'id', men mangler i 'dimension'",
            )
    n = math.prod(sizes)
    if n > MAX_DATASET_CELLS:
        shown = " × ".join(format_number_nb(size, 0) for size in sizes)
        raise ReaderError(
            f"the dataset declares {n} cells (size {sizes}), more than {MAX_DATASET_CELLS}",
            rule="jsonstat_too_large",
            path=path,
            column="size",
            detail_nb=(
                f"Datasettet oppgir {format_number_nb(n, 0)} celler ('size' {shown}), mer enn "
                f"{format_number_nb(MAX_DATASET_CELLS, 0)} som tillates; det er ikke lest. "
                "Hent et mindre uttrekk (færre regioner, år eller kategorier)"
            ),
        )

    raw_values = doc.get("value")
    if raw_values is None:
        raise _structure(path, "the dataset has no 'value'", "Datasettet mangler 'value'")
    values_raw = _expand_sparse(raw_values, n, "value", path)
    statuses_raw = _expand_sparse(doc.get("status"), n, "status", path)

    values, statuses = _cells(values_raw, statuses_raw, path)
    role = doc.get("role")
    time_dim = _pick_dimension(ids, role, "time", _TIME_NAMES)
    geo_dim = _pick_dimension(ids, role, "geo", _GEO_NAMES)

    columns: dict[str, pl.Series] = {}
    reserved = {"value", "status", "year", "municipality"}
    stride = n
    cells = pl.int_range(n, dtype=pl.Int64, eager=True)
    for dim_id, size in zip(ids, sizes):
        codes, labels = _category_codes(dim_id, dimensions[dim_id], size, path)
        for name in (dim_id, f"{dim_id}_label"):
            if name in reserved or name in columns:
                raise _structure(
                    path,
                    f"dimension '{dim_id}' clashes with output column '{name}'",
                    f"Dimensjonen «{dim_id}» kolliderer med utdatakolonnen «{name}»",
                )
        stride = stride // size if size else 0
        # Row-major, the last dimension fastest: cell i has category (i // stride) % size.
        category = (cells // stride) % size if stride else cells
        columns[dim_id] = pl.Series(dim_id, codes, dtype=pl.String).gather(category)
        columns[f"{dim_id}_label"] = pl.Series(f"{dim_id}_label", [labels[c] for c in codes], dtype=pl.String).gather(
            category
        )

    def per_category(dim_id: str | None, fn: Any, name: str, dtype: pl.DataType) -> pl.Series:
        if dim_id is None:
            return pl.Series(name, [None] * n, dtype=dtype)
        codes = columns[dim_id].unique(maintain_order=True).to_list()
        return columns[dim_id].replace_strict(codes, [fn(c) for c in codes], return_dtype=dtype).rename(name)

    columns["value"] = values.rename("value")
    columns["status"] = statuses.rename("status")
    columns["year"] = per_category(time_dim, _year_of, "year", pl.Int64)
    regions = region_codes() if geo_dim else None
    columns["municipality"] = per_category(
        geo_dim, lambda c: normalize_municipality(c, regions), "municipality", pl.String
    )
    return pl.DataFrame(list(columns.values()))


def _cells(values_raw: list[Any], statuses_raw: list[Any], path: Any) -> tuple[pl.Series, pl.Series]:
    """The cells' values (Float64; SSB "-" is 0.0) and status symbols (String). Numbers (or nulls)
    with text (or null) statuses, what an SSB or FHI dataset holds, are read column-wise; any
    other cell (a number as text, a boolean, a status that is not text) cell by cell, which
    names the first bad one."""
    if set(map(type, values_raw)) <= {int, float, type(None)} and set(map(type, statuses_raw)) <= {str, type(None)}:
        value = pl.Series(values_raw, dtype=pl.Float64)
        status = pl.Series(statuses_raw, dtype=pl.String).str.strip_chars(PY_WHITESPACE)
        status = pl.select(pl.when(status != "").then(status)).to_series()
        value = pl.select(pl.when(value.is_finite()).then(value).when(status == "-").then(0.0)).to_series()
        return value, status
    values: list[float | None] = []
    statuses: list[str | None] = []
    for position, (raw, status) in enumerate(zip(values_raw, statuses_raw)):
        value, symbol = _cell_value(raw, position, path)
        if status is not None and not isinstance(status, str):
            raise _structure(
                path,
                f"status at cell {position} must be a string, got {status!r}",
                f"Status i celle {position} må være tekst",
            )
        status = (status or "").strip() or symbol
        if value is None and status == "-":
            value = 0.0  # SSB "-" means a true zero
        values.append(value)
        statuses.append(status)
    return pl.Series(values, dtype=pl.Float64), pl.Series(statuses, dtype=pl.String)


def read_ssb_jsonstat(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read a JSON-stat 2.0 dataset (SSB PxWebApi v0 ``json-stat2`` / v2 default).

    Output, one row per cell in JSON-stat order (row-major, last dimension
    fastest):

    * per dimension ``<id>`` (String, category code) and ``<id>_label``
      (String, category label, the code when there is no label);
    * ``value`` (Float64, null when missing; SSB ``"-"`` becomes 0.0);
    * ``status`` (String, the SSB symbol/flag of the cell, else null);
    * ``year`` (Int64, from the leading 4 digits of the time dimension code:
      ``role.time``, else a dimension named Tid/år/year; null otherwise);
    * ``municipality`` (String, :func:`normalize_municipality` of the geo
      dimension code: ``role.geo``, else a dimension named Region/Kommune;
      null otherwise).

    Raises:
        ReaderError: rules ``invalid_json``, ``jsonstat_version``,
            ``jsonstat_size_mismatch``, ``jsonstat_structure``, ``bad_number``,
            plus ``encoding``/``empty_file`` from reading the file.
    """
    doc = read_json_file(path)
    return jsonstat_to_frame(doc, path)


# ---------------------------------------------------------------------------
# SSB CSV (PxWeb "semikolonseparert")
# ---------------------------------------------------------------------------

_KNOWN_DIMENSIONS = {
    "region",
    "kommune",
    "kommunenr",
    "kommunenummer",
    "fylke",
    "bydel",
    "år",
    "aar",
    "year",
    "tid",
    "time",
    "kvartal",
    "måned",
    "maaned",
    "skoleår",
    "skoleaar",
    "alder",
    "age",
    "kjønn",
    "kjonn",
    "sex",
    "statistikkvariabel",
    "contents",
    "contentscode",
    "statistikkmål",
    "enhet",
    "trinn",
    "klassetrinn",
    "tiltak",
    "grunnlag",
}
_CODE_LIKE_LEADING_ZERO = r"^0\d+$"
_HEADER_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)")
_RESERVED_CSV = {"variable", "value", "status", "year", "municipality", ROW_COLUMN}


def _split_code_label(text: str | None) -> tuple[str | None, str | None]:
    if text is None or not text.strip():
        return None, None
    cleaned = text.strip()
    parts = cleaned.split(None, 1)
    if len(parts) == 2:
        token = parts[0]
        if any(ch.isdigit() for ch in token) or re.match(r"^[KkFf]-", token) or token.upper() == "EAK":
            return token, parts[1].strip()
    return cleaned, cleaned


def _ssb_header_line(text: str) -> int:
    """1-based line of the header, skipping an SSB title block ("med overskrift"). Reads only the
    lines up to the header, never a list of them all."""
    lines = io.StringIO(text, newline="")
    first = 0
    line = lines.readline()
    while line and not line.strip():
        first += 1
        line = lines.readline()
    block: list[str] = []
    while line and line.strip() and len(block) <= 3:
        block.append(line)
        line = lines.readline()
    if not line or len(block) > 3:
        return first + 1  # no blank line after a short first block: no title block
    block_is_title = all(len(next(csv.reader([b], delimiter=";"), [])) == 1 for b in block)
    after = first + len(block)
    while line and not line.strip():
        after += 1
        line = lines.readline()
    if block_is_title and line:
        return after + 1
    return first + 1


def _is_value_column(name: str, cells: pl.Series, allow_point: bool) -> bool:
    if name.casefold() in _KNOWN_DIMENSIONS:
        return False
    stripped = cells.str.strip_chars(PY_WHITESPACE)
    nonempty = stripped.filter(stripped != "")
    if nonempty.len() == 0:
        return True
    if nonempty.str.contains(_CODE_LIKE_LEADING_ZERO).any():
        return False  # "1902", "015": codes, not numbers
    parsed = int(parse_norwegian_numbers(nonempty, allow_decimal_point=allow_point)["ok"].sum())
    # Mostly numbers/symbols: a value column; stray bad cells raise bad_number later.
    return parsed * 2 > nonempty.len()


def _per_distinct(cells: pl.Series, fn: Any, dtype: pl.DataType) -> pl.Series:
    """``fn`` of every cell of a column with few distinct values (codes, labels), called once per value."""
    values = cells.unique().drop_nulls().to_list()
    return cells.replace_strict(values, [fn(v) for v in values], default=None, return_dtype=dtype)


def _bad_number(cell: str, allow_point: bool, path: Any, line_no: int, variable: str) -> ReaderError:
    """The error for a value cell that is neither a number nor an SSB symbol."""
    try:
        parse_norwegian_number(cell, allow_decimal_point=allow_point)
    except ValueError as exc:
        return ReaderError(
            f"{cell.strip()!r} is not a number or SSB symbol ({exc})",
            rule="bad_number",
            path=path,
            row=line_no,
            column=variable,
            detail_nb=(
                f"«{cell.strip()}» er ikke et tall eller et SSB-symbol "
                f"(bruk desimalkomma, f.eks. 12,5, eller ett av "
                f"{', '.join(SSB_SYMBOLS)})"
            ),
        )
    raise AssertionError(f"{cell!r} parses")  # pragma: no cover - only called for a failing cell


def read_ssb_csv(path: str | os.PathLike[str]) -> pl.DataFrame:
    """Read an SSB PxWeb CSV export into long format.

    The file is ``;``-separated with decimal comma (``,``-separated files
    with decimal point are accepted too), UTF-8 with BOM or Windows-1252,
    optionally preceded by an SSB title line and a blank line. The trailing
    columns whose cells are (mostly) numbers or SSB symbols and whose header
    is not a known dimension name are value columns; all columns before them
    are dimensions.

    Output columns, one row per data row and value column:

    * per dimension ``X``: ``X`` (code: the first word when it looks like a
      code, i.e. contains a digit or is ``K-``/``F-`` prefixed, else the whole
      text) and ``X_label`` (the rest, else the whole text);
    * ``variable`` (value column header), ``value`` (Float64, ``"-"`` -> 0.0),
      ``status`` (SSB symbol or null);
    * ``year`` (Int64: from a dimension named år/year/tid, else a 4-digit year
      in the value column header, else null);
    * ``municipality`` (:func:`normalize_municipality` of a column named
      region/kommune, else null);
    * ``_row`` (Int64, 1-based line number in the file).

    A dimension whose name clashes with one of these output names gets the
    suffix ``_dim``.

    Raises:
        ReaderError: rule ``bad_number`` (with row and column) for a value
            cell that is neither a number nor an SSB symbol, ``ssb_csv_too_many_cells``
            (more than ``MAX_DATASET_CELLS`` lines x value columns), plus the rules of
            :func:`~pipelines.readers.norwegian.read_norwegian_csv`.
    """
    text, encoding = read_text_detect_encoding(path)
    table = _parse_delimited(text, path, encoding=encoding, first_line=_ssb_header_line(text))
    header = table.header
    allow_point = table.separator != ";"
    columns = table.frame.get_columns()

    n_values = 0
    for position in range(len(header) - 1, -1, -1):
        if table.frame.height * n_values > MAX_DATASET_CELLS:
            break  # too many cells already: the other columns need not be classified
        if not _is_value_column(header[position], columns[position], allow_point):
            break
        n_values += 1
    n_values = max(n_values, 1)
    if table.frame.height * n_values > MAX_DATASET_CELLS:
        raise ReaderError(
            f"{table.frame.height} lines x {n_values} or more value columns: more than {MAX_DATASET_CELLS} cells",
            rule="ssb_csv_too_many_cells",
            path=path,
            detail_nb=(
                f"Fila har {format_number_nb(table.frame.height, 0)} datalinjer med {format_number_nb(n_values, 0)} "
                f"eller flere verdikolonner, til sammen mer enn {format_number_nb(MAX_DATASET_CELLS, 0)} celler, "
                "som er det som tillates; den er ikke lest videre. Hent et mindre uttrekk (færre regioner, år "
                "eller variabler)"
            ),
        )
    dim_names = header[: len(header) - n_values]
    value_names = header[len(header) - n_values :]

    time_dim = next((d for d in dim_names if d.casefold() in _TIME_NAMES), None)
    geo_dim = next((d for d in dim_names if d.casefold() in _GEO_NAMES), None)

    out_names: dict[str, str] = {}
    for name in dim_names:
        out = name
        if out in _RESERVED_CSV or f"{out}_label" in _RESERVED_CSV or f"{out}_label" in header:
            out = f"{name}_dim"
        out_names[name] = out

    # Column-wise, one row per data row; codes, labels, years and municipalities are worked out once
    # per distinct cell.
    n_dims = len(dim_names)
    parsed = [parse_norwegian_numbers(columns[n_dims + k], allow_decimal_point=allow_point) for k in range(n_values)]
    failing = [(parsed[k]["ok"].arg_min(), k) for k in range(n_values) if not parsed[k]["ok"].all()]
    if failing:
        row, k = min(failing)  # the first bad cell, row by row
        raise _bad_number(columns[n_dims + k][row], allow_point, path, table.lines[row], value_names[k])

    wide: list[pl.Series] = []
    time_codes = None
    for position, name in enumerate(dim_names):
        out = out_names[name]
        codes = _per_distinct(columns[position], lambda c: _split_code_label(c)[0], pl.String)
        wide.append(codes.rename(out))
        wide.append(
            _per_distinct(columns[position], lambda c: _split_code_label(c)[1], pl.String).rename(f"{out}_label")
        )
        if name == time_dim:
            time_codes = codes
    if geo_dim is not None:
        regions = region_codes()
        municipality = _per_distinct(
            columns[dim_names.index(geo_dim)], lambda c: normalize_municipality(c, regions), pl.String
        )
    else:
        municipality = pl.Series([None] * table.frame.height, dtype=pl.String)
    row_years = _per_distinct(time_codes, _year_of, pl.Int64) if time_codes is not None else None
    lines = table.lines.alias(ROW_COLUMN)

    n_rows = table.frame.height
    long: list[pl.DataFrame] = []
    for k, variable in enumerate(value_names):
        years = row_years if row_years is not None else pl.Series([_header_year(variable)] * n_rows, dtype=pl.Int64)
        long.append(
            pl.DataFrame(
                [
                    *wide,
                    pl.Series("variable", [variable] * n_rows, dtype=pl.String),
                    parsed[k]["value"].rename("value"),
                    parsed[k]["symbol"].rename("status"),
                    years.rename("year"),
                    municipality.rename("municipality"),
                    lines,
                ]
            ).with_columns(
                pl.int_range(pl.len(), dtype=pl.Int64).alias("_record"),
                pl.lit(k, dtype=pl.Int64).alias("_value_column"),
            )
        )
    frame = pl.concat(long) if len(long) > 1 else long[0]
    if len(long) > 1:
        frame = frame.sort("_record", "_value_column")  # each row's values in the file's column order
    return frame.drop("_record", "_value_column")


def _header_year(header: str) -> int | None:
    match = _HEADER_YEAR.search(header)
    return int(match.group(1)) if match else None
