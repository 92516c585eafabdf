"""Readers for Norwegian source files: numbers, CSV, SSB JSON-stat/CSV, identity numbers and the
municipality region-code table.

Every reader raises :class:`ReaderError` with a machine-readable ``rule``
and English/Norwegian messages naming the file, line and column.
"""

from pipelines.readers.identity import (
    CELL_CANDIDATE,
    find_identity_numbers,
    find_identity_numbers_in_cell,
    is_identity_number_pair,
    is_valid_identity_number,
)
from pipelines.readers.norwegian import (
    SSB_SYMBOLS,
    ReaderError,
    format_norwegian_number,
    norwegian_number_exprs,
    parse_norwegian_number,
    parse_norwegian_numbers,
    read_norwegian_csv,
    read_text_detect_encoding,
)
from pipelines.readers.regions import (
    RegionCode,
    RegionCodes,
    RegionCodeTableError,
    fold_name,
    load_region_codes,
    region_codes,
    split_region_code,
)
from pipelines.readers.ssb import (
    NATIONAL_KEY,
    jsonstat_to_frame,
    normalize_municipality,
    read_ssb_csv,
    read_ssb_jsonstat,
)

__all__ = [
    "ReaderError",
    "SSB_SYMBOLS",
    "NATIONAL_KEY",
    "RegionCode",
    "RegionCodes",
    "RegionCodeTableError",
    "fold_name",
    "load_region_codes",
    "region_codes",
    "split_region_code",
    "parse_norwegian_number",
    "parse_norwegian_numbers",
    "norwegian_number_exprs",
    "format_norwegian_number",
    "read_text_detect_encoding",
    "read_norwegian_csv",
    "read_ssb_jsonstat",
    "jsonstat_to_frame",
    "read_ssb_csv",
    "normalize_municipality",
    "CELL_CANDIDATE",
    "find_identity_numbers",
    "find_identity_numbers_in_cell",
    "is_identity_number_pair",
    "is_valid_identity_number",
]
