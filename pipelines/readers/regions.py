"""Municipality codes as data: which code belongs to which municipality series, valid when.

SSB renumbers municipalities (Tromsø: 1902 until 2019, 5401 in 2020-2023, 5501 from 2024) and often
back-casts a series to today's code, so one export can carry a municipality under two codes for the
same year. The codes, their names and validity periods come from a table in the shape of SSB's
classification of municipalities (KLASS 131) CSV export, named by the setting ``region_codes_path``
(``catalogue/region_codes.csv``); a user can replace it with a full export.

Columns read (``;`` or ``,`` separated, UTF-8 or Windows-1252): ``code``, ``name`` and ``validFrom``
/ ``validTo`` (or, in an export over a date range, ``validFromInRequestedRange`` /
``validToInRequestedRange``); the other KLASS columns (parentCode, level, shortName,
presentationName, notes) are allowed and ignored. As in KLASS, ``validTo`` is the first day the code
is no longer valid (5401: 2020-01-01 to 2024-01-01 is valid in 2020-2023); an empty date is open.

Codes with the same name are one series (a renumbering keeps the name): the series key is that
name folded (``"Tromsø"`` -> ``"tromso"``), the key the staging SQL joins on. Two codes of one
series may not be valid at the same time. SSB's ``K-`` codes (codelist ``agg_KommSummer``, the
series summed under today's borders) belong to the series of the code they carry.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pipelines.readers.norwegian import read_text_detect_encoding

__all__ = [
    "RegionCode",
    "RegionCodes",
    "RegionCodeTableError",
    "fold_name",
    "load_region_codes",
    "region_codes",
    "split_region_code",
]

_PERIOD_SUFFIX = re.compile(r"\s*\(\s*\d{0,4}\s*-\s*\d{0,4}\s*\)\s*$")  # statbank labels: "Tromsø (-2019)"
_AGGREGATE_PREFIX = re.compile(r"^[Kk][-_]")


class RegionCodeTableError(ValueError):
    """The region-code table cannot be used (missing file or columns, bad dates, ambiguous series)."""


def fold_name(name: str) -> str:
    """A municipality name as a stable key: ``"Tromsø kommune"`` / ``"Tromsø (-2019)"`` -> ``"tromso"``,
    ``"Våler (Innlandet)"`` -> ``"valer_innlandet"`` (a parenthesised county tells namesakes apart;
    a parenthesised period does not)."""
    folded = _PERIOD_SUFFIX.sub("", name.strip()).casefold()
    for src, dst in (("æ", "ae"), ("ø", "o"), ("å", "a")):
        folded = folded.replace(src, dst)
    folded = re.sub(r"\s+kommune$", "", folded.strip())
    return re.sub(r"[^0-9a-z]+", "_", folded).strip("_")


def split_region_code(code: str) -> tuple[str, bool]:
    """``"K-5401"`` -> ``("5401", True)`` (an SSB agg_KommSummer code); ``"5401"`` -> ``("5401", False)``."""
    text = code.strip()
    if _AGGREGATE_PREFIX.match(text):
        return text[2:], True
    return text, False


@dataclass(frozen=True)
class RegionCode:
    code: str
    name: str
    series: str
    valid_from: dt.date | None  # first day valid; None: before the table begins
    valid_to: dt.date | None  # first day no longer valid (KLASS convention); None: still valid

    def valid_in(self, year: int) -> bool:
        """Valid at some time in ``year``."""
        return (self.valid_from is None or self.valid_from <= dt.date(year, 12, 31)) and (
            self.valid_to is None or self.valid_to > dt.date(year, 1, 1)
        )

    @property
    def years(self) -> str:
        first = "" if self.valid_from is None else str(self.valid_from.year)
        last = "" if self.valid_to is None else str((self.valid_to - dt.timedelta(days=1)).year)
        return f"{first}-{last}"


@dataclass(frozen=True)
class RegionCodes:
    """The loaded table: lookups by code and by name."""

    path: Path
    codes: dict[str, RegionCode]
    by_name: dict[str, str]  # folded name -> series key

    def lookup(self, code: str) -> RegionCode | None:
        """The table's entry for a code, ``K-`` prefix or not; None when the table does not have it."""
        return self.codes.get(split_region_code(code)[0])

    def series_of_code(self, code: str) -> str | None:
        entry = self.lookup(code)
        return entry.series if entry else None

    def series_of_name(self, name: str) -> str | None:
        return self.by_name.get(fold_name(name))

    def codes_of(self, series: str) -> list[RegionCode]:
        return sorted(
            (c for c in self.codes.values() if c.series == series), key=lambda c: (c.valid_from or dt.date.min, c.code)
        )

    def valid_code(self, series: str, year: int) -> str | None:
        """The code of ``series`` valid in ``year`` (the later one if a change fell inside the year)."""
        valid = [c for c in self.codes_of(series) if c.valid_in(year)]
        return valid[-1].code if valid else None


def _parse_date(text: str | None, path: Path, line: int, column: str) -> dt.date | None:
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise RegionCodeTableError(f"{path}, line {line}: {column} {text!r} is not a date (YYYY-MM-DD)") from exc


def load_region_codes(path: str | os.PathLike[str]) -> RegionCodes:
    """Read a KLASS-131-shaped CSV (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise RegionCodeTableError(f"the region-code table {path} does not exist (setting SBU_REGION_CODES_PATH)")
    text, _ = read_text_detect_encoding(path)
    first = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if ";" in first else ",")
    header = set(reader.fieldnames or [])
    missing = {"code", "name"} - header
    if missing:
        raise RegionCodeTableError(f"{path}: the columns {sorted(missing)} are missing (found {sorted(header)})")
    # One code may be listed once per version (a KLASS export over a range lists a renamed code twice):
    # its validity is the union, its name the latest one.
    spans: dict[str, tuple[dt.date | None, dt.date | None, str]] = {}
    for line, row in enumerate(reader, start=2):
        code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        if not code:
            continue
        if not name:
            raise RegionCodeTableError(f"{path}, line {line}: code {code} has no name")
        start = _parse_date(row.get("validFrom") or row.get("validFromInRequestedRange"), path, line, "validFrom")
        end = _parse_date(row.get("validTo") or row.get("validToInRequestedRange"), path, line, "validTo")
        if start and end and end <= start:
            raise RegionCodeTableError(f"{path}, line {line}: code {code} ends ({end}) before it starts ({start})")
        if code in spans:
            old_start, old_end, old_name = spans[code]
            later = end is None or (old_end is not None and end > old_end)
            start = None if start is None or old_start is None else min(start, old_start)
            end = None if end is None or old_end is None else max(end, old_end)
            name = name if later else old_name
        spans[code] = (start, end, name)

    codes = {code: RegionCode(code, name, fold_name(name), start, end) for code, (start, end, name) in spans.items()}
    by_series: dict[str, list[RegionCode]] = {}
    for entry in codes.values():
        by_series.setdefault(entry.series, []).append(entry)
    for _series, entries in by_series.items():
        entries.sort(key=lambda c: c.valid_from or dt.date.min)
        for before, after in zip(entries, entries[1:]):
            if (
                before.valid_to is None
                or (after.valid_from is not None and before.valid_to > after.valid_from)
                or after.valid_from is None
            ):
                raise RegionCodeTableError(
                    f"{path}: codes {before.code} ({before.years}) and {after.code} ({after.years}) are both "
                    f"named {before.name!r} and valid at the same time; a series must have one code at a time"
                )
    by_name: dict[str, str] = {}
    for entry in codes.values():
        by_name[fold_name(entry.name)] = entry.series
    return RegionCodes(path, codes, by_name)


_cache: dict[tuple[str, int], RegionCodes] = {}


def region_codes(path: str | os.PathLike[str] | None = None) -> RegionCodes:
    """The table named by the settings (or ``path``), read again when the file changes."""
    if path is None:
        from pipelines.settings import get_settings

        path = get_settings().region_codes_path
    path = Path(path).resolve()
    try:
        key = (str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        return load_region_codes(path)  # raises with the setting's name
    if key not in _cache:
        _cache.clear()
        _cache[key] = load_region_codes(path)
    return _cache[key]
