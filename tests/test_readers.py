"""Tests for pipelines.readers: Norwegian numbers, CSV, SSB JSON-stat and SSB CSV."""

from __future__ import annotations

import json
import math
import pickle
import shutil
import unicodedata
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.ingest.landing import ingest_source
from pipelines.readers import (
    SSB_SYMBOLS,
    ReaderError,
    RegionCodeTableError,
    format_norwegian_number,
    load_region_codes,
    normalize_municipality,
    parse_norwegian_number,
    parse_norwegian_numbers,
    read_norwegian_csv,
    read_ssb_csv,
    read_ssb_jsonstat,
    read_text_detect_encoding,
    region_codes,
)
from pipelines.readers.xlsx import MAX_UNPACKED_BYTES, read_workbook

FIXTURES = Path(__file__).parent / "fixtures" / "ssb"


def write_bytes(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def write_json(tmp_path: Path, doc: object, name: str = "data.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def cell(df: pl.DataFrame, **where: str) -> dict:
    """The single row matching all column=value conditions, as a dict."""
    rows = df.filter(*[pl.col(k) == v for k, v in where.items()])
    assert rows.height == 1, f"{where} matched {rows.height} rows"
    return rows.row(0, named=True)


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,5", (1234.5, None)),
        ("12,0", (12.0, None)),
        ("-3,25", (-3.25, None)),
        ("\u22123,25", (-3.25, None)),  # typographic minus
        ("+7", (7.0, None)),
        ("0", (0.0, None)),
        ("  42  ", (42.0, None)),
        ("1\u00a0234\u00a0567", (1234567.0, None)),
        ("1\u202f234,75", (1234.75, None)),
        ("-12 345 678,9", (-12345678.9, None)),
        ("1.234.567", (1234567.0, None)),
        ("1.234,5", (1234.5, None)),
        ("1.234.567,89", (1234567.89, None)),
        ("-", (0.0, "-")),
        (" - ", (0.0, "-")),
        (".", (None, ".")),
        ("..", (None, "..")),
        ("...", (None, "...")),
        (":", (None, ":")),
        ("", (None, None)),
        ("   ", (None, None)),
        (None, (None, None)),
    ],
)
def test_parse_norwegian_number_examples(text, expected) -> None:
    assert parse_norwegian_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1.234",
        "12.5",
        "1,234.5",
        "12 34",
        "1 2345",
        "1,2,3",
        "--3",
        "- 3",
        "abc",
        "12a",
        "1e5",
        "nan",
        "inf",
        ",5",
        "5,",
        "....",
        "1.23.456",
        "12%",
    ],
)
def test_parse_norwegian_number_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a Norwegian number"):
        parse_norwegian_number(text)


def test_parse_decimal_point_only_when_allowed() -> None:
    assert parse_norwegian_number("12.5", allow_decimal_point=True) == (12.5, None)
    with pytest.raises(ValueError, match="ambiguous"):
        parse_norwegian_number("12.5")


def test_ssb_symbols_mapping() -> None:
    assert SSB_SYMBOLS == {
        ".": "not_applicable",
        "..": "missing",
        "...": "not_yet_available",
        ":": "confidential",
        "-": "zero",
    }


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.5, 1, "1234,5"),
        (-3.25, 2, "-3,25"),
        (3, 0, "3"),
        (-0.0001, 2, "0,00"),
        (0.5, 0, "0"),
        (1e11, 2, "100000000000,00"),
    ],
)
def test_format_norwegian_number(value: float, decimals: int, expected: str) -> None:
    assert format_norwegian_number(value, decimals) == expected


def test_format_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        format_norwegian_number(float("nan"), 1)
    with pytest.raises(ValueError):
        format_norwegian_number(1.0, -1)


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(finite, st.integers(min_value=0, max_value=6))
def test_property_format_then_parse_roundtrip(value: float, decimals: int) -> None:
    rounded = round(value, decimals)
    text = format_norwegian_number(rounded, decimals)
    assert "." not in text and " " not in text
    parsed, symbol = parse_norwegian_number(text)
    assert symbol is None
    assert math.isclose(parsed, rounded, rel_tol=1e-12, abs_tol=10.0**-decimals)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(SSB_SYMBOLS)), st.sampled_from(["", " ", "\u00a0", "\t"]))
def test_property_symbols(symbol: str, pad: str) -> None:
    value, parsed_symbol = parse_norwegian_number(f"{pad}{symbol}{pad}")
    assert parsed_symbol == symbol
    assert value == (0.0 if SSB_SYMBOLS[symbol] == "zero" else None)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**12),
    st.integers(min_value=0, max_value=3),
    st.sampled_from([" ", "\u00a0", "\u202f"]),
    st.booleans(),
)
def test_property_thousands_separators(integer: int, decimals: int, sep: str, negative: bool) -> None:
    plain = format_norwegian_number(integer + 0.25 if decimals else integer, decimals)
    whole, _, fraction = plain.partition(",")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = sep.join(groups) + (f",{fraction}" if fraction else "")
    if negative:
        text = "-" + text
    parsed, _ = parse_norwegian_number(text)
    expected, _ = parse_norwegian_number(("-" if negative else "") + plain)
    assert parsed == expected


def _one_by_one(cells: list[str | None], allow_point: bool) -> list[tuple]:
    out = []
    for cell in cells:
        try:
            out.append((*parse_norwegian_number(cell, allow_decimal_point=allow_point), True))
        except ValueError:
            out.append((None, None, False))
    return out


_CELL_TEXT = st.text(alphabet="0123456789,.-+\u2212 \u00a0\u202f\t\x1c:٣e", max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), _CELL_TEXT), max_size=30), st.booleans())
def test_property_column_wise_parse_is_the_cell_parse(cells: list[str | None], allow_point: bool) -> None:
    """The column-wise parser gives, cell for cell, what parse_norwegian_number gives (value to the
    bit, the sign of a zero included), and fails exactly where it raises."""
    frame = parse_norwegian_numbers(pl.Series(cells, dtype=pl.String), allow_decimal_point=allow_point)
    got = [(v, s, ok) for v, s, ok in frame.iter_rows()]
    expected = _one_by_one(cells, allow_point)
    assert got == expected
    assert [None if v is None else math.copysign(1, v) for v, _, _ in got] == [
        None if v is None else math.copysign(1, v) for v, _, _ in expected
    ]


def test_column_wise_parse_of_the_usual_forms() -> None:
    cells = ["12", " -3,25 ", "..", "-", ":", "1 234,5", "12.5", "abc", None, "", "\u22120", "+5", "1.234.567"]
    frame = parse_norwegian_numbers(pl.Series(cells, dtype=pl.String))
    assert frame.rows() == [
        (12.0, None, True),
        (-3.25, None, True),
        (None, "..", True),
        (0.0, "-", True),
        (None, ":", True),
        (1234.5, None, True),
        (None, None, False),  # a single point is ambiguous without allow_decimal_point
        (None, None, False),
        (None, None, True),
        (None, None, True),
        (-0.0, None, True),
        (5.0, None, True),
        (1234567.0, None, True),
    ]
    assert parse_norwegian_numbers(pl.Series(["12.5"]), allow_decimal_point=True).rows() == [(12.5, None, True)]


# ---------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------


def test_encodings_detected(tmp_path: Path) -> None:
    text = "kommune;antall\nBærum;1\nÅsnes;2\n"
    plain = write_bytes(tmp_path, "a.csv", text.encode("utf-8"))
    bom = write_bytes(tmp_path, "b.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    ansi = write_bytes(tmp_path, "c.csv", text.encode("cp1252"))
    assert read_text_detect_encoding(plain) == (text, "utf-8")
    assert read_text_detect_encoding(bom) == (text, "utf-8-sig")
    assert read_text_detect_encoding(ansi) == (text, "cp1252")


@pytest.mark.parametrize("bad_byte", [0x81, 0x8D, 0x8F, 0x90, 0x9D])
def test_bytes_neither_utf8_nor_cp1252(tmp_path: Path, bad_byte: int) -> None:
    path = write_bytes(tmp_path, "bad.csv", b"a;b\n1;2\nx" + bytes([bad_byte]) + b";3\n")
    with pytest.raises(ReaderError) as info:
        read_text_detect_encoding(path)
    err = info.value
    assert err.rule == "encoding"
    assert err.row == 3
    assert f"0x{bad_byte:02X}" in err.message
    assert "bad.csv" in err.message_nb and "linje 3" in err.message_nb


def test_invalid_utf8_after_bom(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "bom.csv", b"\xef\xbb\xbfa;b\n\xe6;1\n")
    with pytest.raises(ReaderError) as info:
        read_text_detect_encoding(path)
    assert info.value.rule == "encoding"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_rejected(tmp_path: Path, encoding: str) -> None:
    path = write_bytes(tmp_path, "u16.csv", "kommune;antall\nBærum;1\n".encode(encoding))
    with pytest.raises(ReaderError) as info:
        read_norwegian_csv(path)
    assert info.value.rule == "encoding"
    assert "UTF-16" in info.value.message


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    path = write_bytes(tmp_path, "empty.csv", data)
    with pytest.raises(ReaderError) as info:
        read_norwegian_csv(path)
    assert info.value.rule == "empty_file"
    assert "empty.csv" in info.value.message_nb


# ---------------------------------------------------------------------------
# Norwegian CSV
# ---------------------------------------------------------------------------


def test_read_norwegian_csv_basic(tmp_path: Path) -> None:
    content = '\ufeff "Kommune" ;"Antall barn";Andel\r\n"Bærum";"1 234";12,5\r\n\r\nAsker;"7";..\r\n'
    path = write_bytes(tmp_path, "barn.csv", content.encode("utf-8"))
    df = read_norwegian_csv(path, required_columns=["Kommune", "Andel"])
    assert df.columns == ["Kommune", "Antall barn", "Andel", "_row"]
    assert df.schema == {
        "Kommune": pl.String,
        "Antall barn": pl.String,
        "Andel": pl.String,
        "_row": pl.Int64,
    }
    assert df.rows() == [("Bærum", "1 234", "12,5", 2), ("Asker", "7", "..", 4)]


def test_read_norwegian_csv_cp1252_same_as_utf8(tmp_path: Path) -> None:
    content = "Kommune;Tiltak\nBærum;Støttekontakt\nÅs;Fosterhjem – beredskap\n"
    a = read_norwegian_csv(write_bytes(tmp_path, "a.csv", content.encode("utf-8-sig")))
    b = read_norwegian_csv(write_bytes(tmp_path, "b.csv", content.encode("cp1252")))
    assert a.equals(b)
    assert a["Tiltak"].to_list() == ["Støttekontakt", "Fosterhjem – beredskap"]


def test_read_norwegian_csv_comma_only_without_semicolon(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "c.csv", b'kommune,verdi\n"Asker","1,5"\n')
    assert read_norwegian_csv(path).rows() == [("Asker", "1,5", 2)]
    # A ';' header wins even though values contain commas.
    path = write_bytes(tmp_path, "s.csv", b"kommune;verdi\nAsker;1,5\n")
    assert read_norwegian_csv(path).rows() == [("Asker", "1,5", 2)]


def test_read_norwegian_csv_quoted_newline_keeps_line_numbers(tmp_path: Path) -> None:
    content = 'tekst;n\n"linje en\nlinje to";1\n"ny ""rad""";2\n'
    df = read_norwegian_csv(write_bytes(tmp_path, "q.csv", content.encode()))
    assert df["tekst"].to_list() == ["linje en\nlinje to", 'ny "rad"']
    assert df["_row"].to_list() == [2, 4]


def test_read_norwegian_csv_empty_fields_are_null_and_trailing_separator(tmp_path: Path) -> None:
    df = read_norwegian_csv(write_bytes(tmp_path, "t.csv", b"a;b;\n1;;\n2; x ;\n"))
    assert df.columns == ["a", "b", "_row"]
    assert df.rows() == [("1", None, 2), ("2", " x ", 3)]


def test_header_only(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "h.csv", b"\xef\xbb\xbfkommune;antall\r\n\r\n")
    with pytest.raises(ReaderError) as info:
        read_norwegian_csv(path)
    assert info.value.rule == "header_only"
    assert "h.csv" in info.value.message_nb


def test_missing_column_names_the_columns(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "m.csv", b"kommune;antall\nAsker;1\n")
    with pytest.raises(ReaderError) as info:
        read_norwegian_csv(path, required_columns=["kommune", "år", "andel"])
    err = info.value
    assert err.rule == "missing_column"
    assert "'år'" in err.message and "'andel'" in err.message
    assert "«år»" in err.message_nb and "«andel»" in err.message_nb
    assert err.column == "år, andel"


def test_ragged_row_names_the_line(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "r.csv", b"kommune;antall\nAsker;1\n\nBaerum;2;3\n")
    with pytest.raises(ReaderError) as info:
        read_norwegian_csv(path)
    err = info.value
    assert (err.rule, err.row) == ("ragged_row", 4)
    assert "line 4" in str(err)
    assert "linje 4" in err.message_nb and "r.csv" in err.message_nb


def test_duplicate_column(tmp_path: Path) -> None:
    path = write_bytes(tmp_path, "d.csv", b"a;a\n1;2\n")
    with pytest.raises(ReaderError) as info:
        read_norwegian_csv(path)
    assert info.value.rule == "duplicate_column"


# ---------------------------------------------------------------------------
# ReaderError
# ---------------------------------------------------------------------------


def test_reader_error_messages() -> None:
    err = ReaderError(
        "'12x' is not a number",
        rule="bad_number",
        path="/data/ssb/meldinger.csv",
        row=7,
        column="Meldinger 2021",
        detail_nb="«12x» er ikke et tall",
    )
    assert isinstance(err, Exception)
    assert str(err) == err.message
    assert "/data/ssb/meldinger.csv" in err.message and "line 7" in err.message
    assert err.message_nb == (
        "Fil «/data/ssb/meldinger.csv», linje 7, kolonne «Meldinger 2021»: «12x» er ikke et tall (regel: bad_number)"
    )
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.rule, clone.row, clone.column, clone.message_nb) == (
        err.rule,
        err.row,
        err.column,
        err.message_nb,
    )


def test_reader_error_default_norwegian_text() -> None:
    err = ReaderError("no data rows", rule="header_only")
    assert err.path is None and err.row is None and err.column is None
    assert err.message_nb == "Fila har overskriftsrad, men ingen datarader (regel: header_only)"


# ---------------------------------------------------------------------------
# Municipalities
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0219", "baerum"),
        ("3024", "baerum"),
        ("3201", "baerum"),
        ("0220", "asker"),
        ("3025", "asker"),
        ("3203", "asker"),
        ("K-3024", "baerum"),
        ("3024 Bærum", "baerum"),
        ("0219 Bærum (-2019)", "baerum"),
        ("Bærum (-2019)", "baerum"),
        ("Bærum", "baerum"),
        ("K-0219 Bærum (-2019)", "baerum"),
        ("Bærum kommune", "baerum"),
        ("Asker (2020-2023)", "asker"),
        (" K-3203 Asker ", "asker"),
        ("0301", "0301"),
        ("0301 Oslo", "0301"),
        ("K-4601 Bergen", "4601"),
        ("EAK", "norge"),
        ("0", "norge"),
        ("0 Hele landet", "norge"),
        ("Hele landet", "norge"),
        ("30 Viken", None),
        ("F-30", None),
        ("Oslo", None),
        ("", None),
        (None, None),
        ("12345", None),
    ],
)
def test_normalize_municipality(given, expected) -> None:
    assert normalize_municipality(given) == expected


def test_region_code_table_shipped_validity() -> None:
    """The shipped table (catalogue/region_codes.csv): Bærum 0219 until 2019, 3024 in 2020-2023, 3201
    from 2024; Asker 0220, 3025, 3203 the same years."""
    table = region_codes()
    for series, codes in (("baerum", ("0219", "3024", "3201")), ("asker", ("0220", "3025", "3203"))):
        assert [c.code for c in table.codes_of(series)] == list(codes)
        old, mid, new = codes
        assert [table.valid_code(series, y) for y in (2015, 2019, 2020, 2023, 2024, 2030)] == [
            old,
            old,
            mid,
            mid,
            new,
            new,
        ]
        assert [y for y in range(2010, 2031) if table.lookup(mid).valid_in(y)] == [2020, 2021, 2022, 2023]
        assert table.lookup(f"K-{new}").code == new  # an SSB K- code is looked up by its code


def test_k_codes_read_as_the_municipality_series() -> None:
    """SSB's agg_KommSummer codes (K-xxxx: the series under today's borders) are the whole series."""
    for code in ("K-0219", "K-3024", "K-3201", "k-3201", "K_3201", "K-3201 Bærum"):
        assert normalize_municipality(code) == "baerum", code
    assert normalize_municipality("K-3025 Asker (2020-2023)") == "asker"
    assert normalize_municipality("K-9999") == "9999"  # not in the table: its own series


def test_code_not_in_the_table(tmp_path: Path) -> None:
    """A 4-digit code the table does not list is its own series; a name it does not list is None."""
    assert normalize_municipality("0301") == "0301"
    assert normalize_municipality("Oslo") is None
    assert region_codes().lookup("0301") is None
    # ... until the table lists it (a user's table, e.g. a fuller KLASS export): then by code and name.
    path = tmp_path / "klass_131.csv"
    path.write_text(
        "code;parentCode;level;name;shortName;presentationName;validFrom;validTo;notes\n"
        "0301;;1;Oslo;;;1838-01-01;;\n"
        "3024;;1;Bærum;;;2020-01-01;2024-01-01;\n"
        "3201;;1;Bærum;;;2024-01-01;;\n",
        encoding="utf-8",
    )
    table = load_region_codes(path)
    assert normalize_municipality("0301", table) == "oslo"
    assert normalize_municipality("Oslo kommune", table) == "oslo"
    assert normalize_municipality("K-3024", table) == "baerum"
    assert normalize_municipality("0219", table) == "0219"  # this table has no 0219


def test_region_code_table_from_settings(tmp_path: Path, monkeypatch) -> None:
    """The setting SBU_REGION_CODES_PATH names the table; KLASS's range-export date columns work too."""
    from pipelines.settings import get_settings

    path = tmp_path / "kommuner.csv"
    path.write_text(
        "code,name,validFromInRequestedRange,validToInRequestedRange\n"
        "3024,Bærum,2020-01-01,2024-01-01\n"
        "3201,Bærum,2024-01-01,\n"
        "3101,Halden,2020-01-01,2024-01-01\n"
        "3101,Halden,2024-01-01,\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SBU_REGION_CODES_PATH", str(path))
    get_settings.cache_clear()
    try:
        assert normalize_municipality("3101 Halden") == "halden"
        assert region_codes().lookup("3101").valid_to is None  # two versions of one code: one span
        assert normalize_municipality("0220") == "0220"  # the shipped table is not read
    finally:
        monkeypatch.delenv("SBU_REGION_CODES_PATH")
        get_settings.cache_clear()
    assert normalize_municipality("0220") == "asker"


def test_region_code_table_rejects_two_codes_valid_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "code;name;validFrom;validTo\n3024;Bærum;2020-01-01;2024-01-01\n3201;Bærum;2023-01-01;\n", encoding="utf-8"
    )
    with pytest.raises(RegionCodeTableError, match="3024.*3201"):
        load_region_codes(path)
    with pytest.raises(RegionCodeTableError, match="does not exist"):
        load_region_codes(tmp_path / "missing.csv")


# ---------------------------------------------------------------------------
# JSON-stat 2.0
# ---------------------------------------------------------------------------


def test_jsonstat_07459_hand_checked_cells() -> None:
    df = read_ssb_jsonstat(FIXTURES / "07459_befolkning_baerum.json")
    assert df.height == 3 * 1 * 2 * 1 * 3
    assert df.columns == [
        "Region",
        "Region_label",
        "Kjonn",
        "Kjonn_label",
        "Alder",
        "Alder_label",
        "ContentsCode",
        "ContentsCode_label",
        "Tid",
        "Tid_label",
        "value",
        "status",
        "year",
        "municipality",
    ]
    assert df.schema["value"] == pl.Float64
    assert df.schema["year"] == pl.Int64
    assert all(df.schema[c] == pl.String for c in ("Region", "Tid", "status", "municipality"))

    # Cell index = region*6 + age*3 + year (sizes [3,1,2,1,3], last dimension fastest).
    # index 7: Region=3024, Alder=015, Tid=2021
    row = cell(df, Region="3024", Alder="015", Tid="2021")
    assert (row["value"], row["status"], row["year"]) == (731.0, None, 2021)
    assert row["Region_label"] == "Bærum (2020-2023)"
    assert row["Alder_label"] == "15 år"
    assert row["Kjonn"] == "2" and row["Kjonn_label"] == "Kvinner"
    # index 3: Region=0219, Alder=016, Tid=2019
    row = cell(df, Region="0219", Alder="016", Tid="2019")
    assert (row["value"], row["Region_label"], row["municipality"]) == (689.0, "Bærum (-2019)", "baerum")
    # index 16: null with ":" (confidential)
    row = cell(df, Region="3201", Alder="016", Tid="2021")
    assert (row["value"], row["status"]) == (None, ":")
    # index 11: null with ".."
    row = cell(df, Region="3024", Alder="016", Tid="2024")
    assert (row["value"], row["status"]) == (None, "..")
    # index 17: last cell
    row = cell(df, Region="3201", Alder="016", Tid="2024")
    assert (row["value"], row["status"], row["Region_label"]) == (760.0, None, "Bærum")

    assert df["value"].to_list() == [
        702,
        None,
        None,
        689,
        None,
        None,
        702,
        731,
        None,
        689,
        715,
        None,
        None,
        None,
        748,
        None,
        None,
        760,
    ]
    assert df["status"].null_count() == 8
    assert set(df["municipality"].to_list()) == {"baerum"}
    assert df.filter(pl.col("Region") == "3024")["value"].sum() == 702 + 731 + 689 + 715


def test_jsonstat_sparse_value_object() -> None:
    df = read_ssb_jsonstat(FIXTURES / "12272_sparse_values.json")
    assert df.height == 6
    region = "KOKkommuneregion0000"
    assert df[region].to_list() == ["3025"] * 3 + ["3201"] * 3
    assert df["Tid"].to_list() == ["2022", "2023", "2024"] * 2
    # No label for Tid -> the code is used; ContentsCode has no index (single category).
    assert df["Tid_label"].to_list() == df["Tid"].to_list()
    assert df["ContentsCode"].unique().to_list() == ["KOSandel350000"]
    assert df["value"].to_list() == [2.9, 3.05, None, None, None, 2.4]
    assert df["status"].to_list() == [None, None, "..", ".", None, None]
    assert df["year"].to_list() == [2022, 2023, 2024] * 2
    assert df["municipality"].to_list() == ["asker"] * 3 + ["baerum"] * 3
    assert cell(df, **{region: "3201", "Tid": "2024"})[f"{region}_label"] == "Bærum"


def test_jsonstat_status_array() -> None:
    df = read_ssb_jsonstat(FIXTURES / "status_array.json")
    assert df["Trinn"].to_list() == ["01", "01", "02", "02", "03", "03"]
    assert df["value"].to_list() == [1301.5, None, 1288.0, 0.0, None, 1275.0]
    # "e" flags an estimated value that is present; "-" is SSB's true zero.
    assert df["status"].to_list() == [None, "...", "e", "-", ":", None]
    assert df["year"].to_list() == [2022, 2023] * 3  # from "2022-2023"
    assert df["municipality"].unique().to_list() == ["baerum"]  # "K-3024"


def _minimal(**overrides) -> dict:
    doc = {
        "version": "2.0",
        "class": "dataset",
        "id": ["Region", "Tid"],
        "size": [2, 2],
        "role": {"time": ["Tid"], "geo": ["Region"]},
        "dimension": {
            "Region": {"category": {"index": ["0301", "3203"], "label": {"3203": "Asker"}}},
            "Tid": {"category": {"index": {"2023": 0, "2024": 1}}},
        },
        "value": [1, 2, 3, 4],
    }
    doc.update(overrides)
    return doc


def test_jsonstat_status_string_applies_to_all(tmp_path: Path) -> None:
    df = read_ssb_jsonstat(write_json(tmp_path, _minimal(status="e")))
    assert df["status"].to_list() == ["e"] * 4
    assert df["municipality"].to_list() == ["0301", "0301", "asker", "asker"]
    assert df["Region_label"].to_list() == ["0301", "0301", "Asker", "Asker"]


def test_jsonstat_time_without_four_digits_gives_null_year(tmp_path: Path) -> None:
    doc = _minimal(role={})
    doc["id"] = ["Region", "Periode"]
    doc["dimension"] = {
        "Region": doc["dimension"]["Region"],
        "Periode": {"category": {"index": ["H1", "2024H2"]}},
    }
    doc["role"] = {"time": ["Periode"]}
    df = read_ssb_jsonstat(write_json(tmp_path, doc))
    assert df["year"].to_list() == [None, 2024, None, 2024]
    assert df["municipality"].to_list() == ["0301", "0301", "asker", "asker"]  # name fallback


def _expect_error(tmp_path: Path, doc, rule: str) -> ReaderError:
    path = (
        write_json(tmp_path, doc, "bad.json") if not isinstance(doc, bytes) else write_bytes(tmp_path, "bad.json", doc)
    )
    with pytest.raises(ReaderError) as info:
        read_ssb_jsonstat(path)
    err = info.value
    assert err.rule == rule
    assert err.path == str(path)
    assert "bad.json" in err.message_nb and f"regel: {rule}" in err.message_nb
    return err


def test_jsonstat_invalid_json(tmp_path: Path) -> None:
    err = _expect_error(tmp_path, b'{"version": "2.0",\n  "class": "dataset",\n  "id": [}', "invalid_json")
    assert err.row == 3
    assert "line 3" in err.message and "column" in err.message


def test_jsonstat_missing_version(tmp_path: Path) -> None:
    doc = _minimal()
    del doc["version"]
    err = _expect_error(tmp_path, doc, "jsonstat_version")
    assert "unsupported JSON-stat version" in err.message


def test_jsonstat_version_1(tmp_path: Path) -> None:
    err = _expect_error(tmp_path, _minimal(version="1.0"), "jsonstat_version")
    assert "unsupported JSON-stat version" in err.message


def test_jsonstat_v1_bundle_layout(tmp_path: Path) -> None:
    bundle = {
        "dataset": {
            "label": "Befolkning",
            "value": [1, 2],
            "dimension": {
                "id": ["Region"],
                "size": [2],
                "Region": {"category": {"index": {"0219": 0, "0220": 1}}},
            },
        }
    }
    err = _expect_error(tmp_path, bundle, "jsonstat_version")
    assert "unsupported JSON-stat version" in err.message
    assert "1.x" in err.message


def test_jsonstat_v2_bundle_class(tmp_path: Path) -> None:
    err = _expect_error(tmp_path, {"version": "2.0", "class": "bundle", "a": {}}, "jsonstat_version")
    assert "unsupported JSON-stat version" in err.message


def test_jsonstat_size_mismatch(tmp_path: Path) -> None:
    err = _expect_error(tmp_path, _minimal(value=[1, 2, 3]), "jsonstat_size_mismatch")
    assert "3" in err.detail and "4" in err.detail
    _expect_error(tmp_path, _minimal(status=["a", "b"]), "jsonstat_size_mismatch")


def test_jsonstat_dimension_missing(tmp_path: Path) -> None:
    doc = _minimal()
    del doc["dimension"]["Tid"]
    err = _expect_error(tmp_path, doc, "jsonstat_structure")
    assert "'Tid'" in err.message


def test_jsonstat_id_size_length_mismatch(tmp_path: Path) -> None:
    _expect_error(tmp_path, _minimal(size=[2, 2, 1]), "jsonstat_structure")


def test_jsonstat_category_count_mismatch(tmp_path: Path) -> None:
    err = _expect_error(tmp_path, _minimal(size=[3, 2], value=[0] * 6), "jsonstat_structure")
    assert "2 categories" in err.message and "3" in err.message


def test_jsonstat_sparse_key_out_of_range(tmp_path: Path) -> None:
    _expect_error(tmp_path, _minimal(value={"4": 1}), "jsonstat_structure")


# ---------------------------------------------------------------------------
# SSB CSV
# ---------------------------------------------------------------------------


def test_ssb_csv_utf8_bom_and_cp1252_read_the_same() -> None:
    utf8 = FIXTURES / "barnevern_meldinger_utf8_bom.csv"
    ansi = FIXTURES / "barnevern_meldinger_cp1252.csv"
    assert utf8.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"B\xe6rum" in ansi.read_bytes()  # Windows-1252 "æ"
    assert read_text_detect_encoding(utf8)[1] == "utf-8-sig"
    assert read_text_detect_encoding(ansi)[1] == "cp1252"
    a, b = read_ssb_csv(utf8), read_ssb_csv(ansi)
    assert a.equals(b)
    for df in (a, b):
        assert "Bærum (-2019)" in df["region_label"].to_list()


def test_ssb_csv_wide_layout_values() -> None:
    df = read_ssb_csv(FIXTURES / "barnevern_meldinger_cp1252.csv")
    assert df.columns == [
        "region",
        "region_label",
        "statistikkvariabel",
        "statistikkvariabel_label",
        "variable",
        "value",
        "status",
        "year",
        "municipality",
        "_row",
    ]
    assert df.schema["value"] == pl.Float64
    assert df.schema["year"] == pl.Int64 and df.schema["_row"] == pl.Int64
    assert df.height == 5 * 3

    row = cell(df, region="0219", variable="Meldinger 2019")
    assert (row["value"], row["status"], row["year"], row["municipality"], row["_row"]) == (
        812.0,
        None,
        2019,
        "baerum",
        2,
    )
    assert row["region_label"] == "Bærum (-2019)"
    assert row["statistikkvariabel"] == row["statistikkvariabel_label"] == "Meldinger i alt"

    row = cell(df, region="3024", variable="Meldinger 2021")
    assert (row["value"], row["year"], row["municipality"]) == (1001.0, 2021, "baerum")
    row = cell(df, region="3024", variable="Meldinger 2019")
    assert (row["value"], row["status"]) == (None, "..")
    row = cell(df, region="3025", variable="Meldinger 2021")
    assert (row["value"], row["status"], row["municipality"]) == (0.0, "-", "asker")
    row = cell(df, region="3025", variable="Meldinger 2020")
    assert (row["value"], row["status"]) == (None, ":")
    row = cell(df, region="0301", variable="Meldinger 2020")
    assert (row["value"], row["municipality"], row["_row"]) == (5980.5, "0301", 5)
    row = cell(df, region="0", variable="Meldinger 2021")
    assert (row["value"], row["status"], row["municipality"], row["region_label"]) == (
        None,
        ".",
        "norge",
        "Hele landet",
    )


def test_ssb_csv_with_title_line_and_year_dimension() -> None:
    df = read_ssb_csv(FIXTURES / "07459_befolkning_med_overskrift.csv")
    assert df.columns[:6] == ["region", "region_label", "alder", "alder_label", "år", "år_label"]
    assert df["_row"].to_list() == [4, 5, 6, 7, 8]  # title, blank line, header come first
    assert df["region"].to_list() == ["K-0219", "K-3024", "K-3024", "K-3201", "K-3203"]
    assert df["region_label"].to_list()[0] == "Bærum (-2019)"
    assert df["alder"].to_list()[:3] == ["015", "015", "016"]
    assert df["alder_label"].to_list()[:3] == ["15 år", "15 år", "16 år"]
    assert df["variable"].unique().to_list() == ["Personer"]
    assert df["year"].to_list() == [2019, 2021, 2021, 2024, 2024]
    assert df["value"].to_list() == [702.0, 731.0, 715.0, 748.0, None]
    assert df["status"].to_list() == [None, None, None, None, ".."]
    assert df["municipality"].to_list() == ["baerum"] * 4 + ["asker"]


def test_ssb_csv_code_label_split(tmp_path: Path) -> None:
    content = (
        '"kommune";"tjeneste";"tid";"Antall"\n'
        '"K-3024 Bærum";"01 Barnehage";"2023";"12,5"\n'
        '"Bærum";"Helsestasjon";"2024M01";7\n'
    )
    df = read_ssb_csv(write_bytes(tmp_path, "t.csv", content.encode("cp1252")))
    assert df["kommune"].to_list() == ["K-3024", "Bærum"]
    assert df["kommune_label"].to_list() == ["Bærum", "Bærum"]
    assert df["tjeneste"].to_list() == ["01", "Helsestasjon"]
    assert df["tjeneste_label"].to_list() == ["Barnehage", "Helsestasjon"]
    assert df["year"].to_list() == [2023, 2024]
    assert df["value"].to_list() == [12.5, 7.0]
    assert df["municipality"].to_list() == ["baerum", "baerum"]


def test_ssb_csv_bad_number(tmp_path: Path) -> None:
    content = '"region";"Meldinger 2022";"Meldinger 2023"\n"3024 Bærum";10;12\n"3025 Asker";12x;8\n"0301 Oslo";1;2\n'
    path = write_bytes(tmp_path, "meldinger.csv", content.encode("utf-8"))
    with pytest.raises(ReaderError) as info:
        read_ssb_csv(path)
    err = info.value
    assert (err.rule, err.row, err.column) == ("bad_number", 3, "Meldinger 2022")
    assert "'12x'" in err.message
    assert "meldinger.csv" in err.message_nb
    assert "linje 3" in err.message_nb and "kolonne «Meldinger 2022»" in err.message_nb
    assert "desimalkomma" in err.message_nb


def test_ssb_csv_comma_separated_decimal_point(tmp_path: Path) -> None:
    content = '"region","år","Andel (prosent)"\n"3201 Bærum","2024","12.5"\n"3203 Asker","2024","-"\n'
    df = read_ssb_csv(write_bytes(tmp_path, "c.csv", content.encode("utf-8")))
    assert df["value"].to_list() == [12.5, 0.0]
    assert df["year"].to_list() == [2024, 2024]
    assert df["municipality"].to_list() == ["baerum", "asker"]


def test_ssb_csv_without_year_or_region(tmp_path: Path) -> None:
    df = read_ssb_csv(write_bytes(tmp_path, "n.csv", b'"tiltak";"Antall"\n"Hjelpetiltak";5\n'))
    assert df["year"].to_list() == [None]
    assert df["municipality"].to_list() == [None]
    assert df.schema["year"] == pl.Int64


def test_ssb_csv_header_only(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as info:
        read_ssb_csv(write_bytes(tmp_path, "h.csv", b'"region";"Personer 2024"\n'))
    assert info.value.rule == "header_only"


# -- what a delivered file looks like to the eye, not to the byte ------------------------------


def test_decomposed_letters_and_trailing_no_break_spaces_load_as_the_codes_they_look_like(
    demo_data_dir: Path, tmp_path: Path
) -> None:
    """macOS writes "å" as "a" + a combining ring; Excel keeps a trailing no-break space. Both look
    like the allowed code and are loaded as it, the header too."""
    source = demo_data_dir / "landing" / "ungdata" / "ungdata_2014.csv"
    text = source.read_text(encoding="utf-8-sig")
    assert "Videregående" in text and ";Gutter;" in text.replace('"', "")
    bent = unicodedata.normalize("NFD", text).replace('"Gutter"', '"Gutter\u00a0"')
    assert bent != text and "Videregående" not in bent
    landing = tmp_path / "landing"
    (landing / "ungdata").mkdir(parents=True)
    (landing / "ungdata" / "ungdata_2014.csv").write_text(bent, encoding="utf-8")
    con = duckdb.connect()
    try:
        report = ingest_source(con, "ungdata", landing, tmp_path / "quarantine")
        assert report.loaded == ["ungdata_2014.csv"] and not report.quarantined
        levels = {r[0] for r in con.execute("SELECT DISTINCT school_level FROM raw.ungdata").fetchall()}
        genders = {r[0] for r in con.execute("SELECT DISTINCT gender FROM raw.ungdata").fetchall()}
    finally:
        con.close()
    assert levels == {"Ungdomsskole", "Videregående"} and genders == {"Jenter", "Gutter"}
    assert all(unicodedata.is_normalized("NFC", v) for v in levels)


def _bend_xlsx(path: Path) -> None:
    """Every district with no-break spaces (inside and trailing) and every text cell decomposed (NFD)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    for row in book.active.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = unicodedata.normalize("NFD", cell.value)
                if cell.value.endswith("Bærum") or cell.value.endswith(unicodedata.normalize("NFD", "Bærum")):
                    cell.value = cell.value.replace(" ", "\u00a0") + "\u00a0"
    book.save(path)


def _bend_text(path: Path, encoding: str, replacements: dict[str, str]) -> None:
    text = path.read_bytes().decode(encoding)
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    path.write_bytes(text.encode("utf-8"))


@pytest.mark.parametrize(
    ("source", "file", "bend"),
    [
        ("absence", "fravaer_2016-17.xlsx", _bend_xlsx),
        (
            "child_welfare",
            "ssb_12870_meldinger_etter_melder.csv",
            # A no-break space between code and name, and after a code whose name is gone.
            lambda p: _bend_text(p, "cp1252", {'"3024 Bærum': '"3024\u00a0Bærum', '"01 Barnet selv"': '"01\u00a0"'}),
        ),
        (
            "population",
            "ssb_07459_befolkning.json",
            lambda p: _bend_text(p, "utf-8", {'"3024"': '"3024\\u00a0"'}),  # a JSON escape in a category code
        ),
    ],
    ids=["xlsx", "ssb_csv", "jsonstat"],
)
def test_codes_with_invisible_differences_load_as_the_codes_in_every_format(
    source: str, file: str, bend, demo_data_dir: Path, tmp_path: Path
) -> None:
    """A trailing or separating no-break space and decomposed letters, in a workbook, an SSB CSV and
    JSON-stat: the file loads, and its codes and figures are the clean file's."""

    def load(root: Path) -> list[tuple]:
        con = duckdb.connect()
        try:
            report = ingest_source(con, source, root, tmp_path / "q" / root.name)
            assert report.loaded and not report.quarantined, report.quarantined
            out = []
            for table in report.rows:
                columns = [
                    c
                    for (c,) in con.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' "
                        "AND table_name = ? AND column_name NOT LIKE '\\_%' ESCAPE '\\' AND column_name NOT LIKE '%label'",
                        [table],
                    ).fetchall()
                ]
                out += con.execute(f"SELECT {', '.join(columns)} FROM raw.{table} ORDER BY ALL").fetchall()
            return out
        finally:
            con.close()

    clean, bent = tmp_path / "clean", tmp_path / "bent"
    for root in (clean, bent):
        shutil.copytree(demo_data_dir / "landing" / source, root / source)
    bend(bent / source / file)
    assert (bent / source / file).read_bytes() != (clean / source / file).read_bytes()
    assert load(bent) == load(clean)


def test_a_stray_nul_byte_is_not_called_utf16(tmp_path: Path) -> None:
    stray = write_bytes(tmp_path, "a.csv", b"A;B\n1;2\n3;\x004\n")
    with pytest.raises(ReaderError) as err:
        read_text_detect_encoding(stray)
    assert err.value.rule == "nul_byte" and err.value.row == 3 and "UTF-16" not in err.value.message_nb
    utf16 = write_bytes(tmp_path, "b.csv", "A;B\n1;2\n".encode("utf-16-le"))
    with pytest.raises(ReaderError) as err:
        read_text_detect_encoding(utf16)
    assert err.value.rule == "encoding" and "UTF-16" in err.value.message_nb


def test_a_workbook_that_unpacks_beyond_the_bound_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A small xlsx can unpack to gigabytes (one huge shared string): its declared sizes decide."""
    bomb = tmp_path / "bombe.xlsx"
    chunk = b"A" * (1 << 20)
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/sharedStrings.xml", "w") as part:
            for _ in range(MAX_UNPACKED_BYTES // len(chunk) + 1):
                part.write(chunk)
    assert bomb.stat().st_size < MAX_UNPACKED_BYTES // 100
    with pytest.raises(ReaderError) as err:
        read_workbook(bomb)
    assert err.value.rule == "xlsx_too_large" and "utpakket" in err.value.message_nb
