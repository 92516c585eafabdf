"""Detection of Norwegian national identity numbers (fødselsnummer, D-number).

Used as a privacy guard: aggregated statistics must never contain a
person's identity number, so free text and cells are scanned before data is
stored or published.

An identity number has 11 digits ``DDMMYYIIIKK``: date of birth, a 3-digit
individual number and two modulo-11 control digits. A D-number (for people
without a fødselsnummer) adds 4 to the first digit of the day (41-71).
H-numbers (month + 40) and synthetic test numbers (month + 80) are not
treated as valid.
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = [
    "CELL_CANDIDATE",
    "SEPARATOR",
    "find_identity_numbers",
    "find_identity_numbers_in_cell",
    "is_identity_number_pair",
    "is_valid_identity_number",
]

_WEIGHTS_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# What people and spreadsheets put between the birth date and the personal number: any Unicode space
# but a line break (no-break space, thin space, …, zero-width space), any dash (hyphen, non-breaking
# hyphen, en and em dash, minus sign, …) or a full stop, with a space or two around it; or, right
# between the digits, a slash, a backslash or an underscore (a file or case name: "311239_90008";
# " / " with spaces is a ratio, not a separator). The classes are written with literal characters so
# that Python's ``re`` and the Rust regex of Polars read them alike.
_SPACE = "(?:[^\\S\\r\\n]|[\u200b\u2060\ufeff])"
_DASH_OR_DOT = "[\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d.]"
SEPARATOR = f"(?:{_SPACE}{{0,2}}{_DASH_OR_DOT}?{_SPACE}{{0,2}}|[/\\\\_])"
# 11 digits not part of a longer digit run, optionally written "DDMMYY IIIKK" / "DDMMYY-IIIKK" / "DDMMYY.IIIKK".
_CANDIDATE = re.compile(rf"(?<!\d)(\d{{6}}){SEPARATOR}(\d{{5}})(?!\d)")
_SPLIT = re.compile(rf"(\d{{6}}){SEPARATOR}(\d{{5}})")
# A whole cell that is a number of 10 or 11 digits: an identity number that a spreadsheet stored as a
# number (10 digits when it lost its leading zero), also as the sheet shows it with thousands
# separators (space, no-break or thin space, full stop: "31 123 990 008", "1 123 990 095") or a
# decimal part of zeros ("1123990095,0").
_GROUP = "[ \u00a0\u2009\u202f.]"
_NUMBER_CELL = re.compile(rf"\s*(\d{{10,11}}|\d{{1,3}}(?:{_GROUP}\d{{3}}){{3}})(?:[.,]0*)?\s*")
# Cells worth a closer look (for a vectorised pre-filter): either pattern above.
CELL_CANDIDATE = rf"\d{{6}}{SEPARATOR}\d{{5}}|^\s*(?:\d{{10,11}}|\d{{1,3}}(?:{_GROUP}\d{{3}}){{3}})(?:[.,]0*)?\s*$"


def _control_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    remainder = sum(d * w for d, w in zip(digits, weights)) % 11
    k = 11 - remainder
    if k == 11:
        return 0
    if k == 10:
        return None  # no valid control digit: such numbers are never issued
    return k


def _centuries(individual: int, yy: int) -> list[int]:
    """Possible centuries from the individual number ranges (Skatteetaten)."""
    centuries: list[int] = []
    if individual <= 499:
        centuries.append(1900)
    if 500 <= individual <= 749 and yy >= 54:
        centuries.append(1800)
    if 500 <= individual <= 999 and yy <= 39:
        centuries.append(2000)
    if 900 <= individual <= 999 and yy >= 40:
        centuries.append(1900)
    return centuries or [1900, 2000]


def _valid_date(day: int, month: int, yy: int, individual: int) -> bool:
    if day > 40:
        day -= 40  # D-number
    for century in _centuries(individual, yy):
        try:
            _dt.date(century + yy, month, day)
        except ValueError:
            continue
        return True
    return False


def is_valid_identity_number(s: str) -> bool:
    """True if ``s`` is a valid fødselsnummer or D-number.

    ``s`` must be exactly 11 digits, or ``"DDMMYY IIIKK"`` with a separator (:data:`SEPARATOR`:
    a space of any kind, a dash of any kind or a full stop); the date must be a real calendar date
    and both control digits must match.
    """
    if not isinstance(s, str):
        return False
    split = _SPLIT.fullmatch(s)
    compact = split.group(1) + split.group(2) if split else s
    if len(compact) != 11 or not compact.isascii() or not compact.isdigit():
        return False
    digits = [int(ch) for ch in compact]
    k1 = _control_digit(digits[:9], _WEIGHTS_K1)
    if k1 is None or k1 != digits[9]:
        return False
    k2 = _control_digit(digits[:10], _WEIGHTS_K2)
    if k2 is None or k2 != digits[10]:
        return False
    day, month, yy = int(compact[0:2]), int(compact[2:4]), int(compact[4:6])
    return _valid_date(day, month, yy, int(compact[6:9]))


def find_identity_numbers(text: str) -> list[str]:
    """Find valid identity numbers in free text.

    Looks at every run of exactly 11 digits (not part of a longer digit run),
    also written as ``"DDMMYY IIIKK"`` with a separator (:data:`SEPARATOR`), and returns those that
    pass :func:`is_valid_identity_number`, in order of appearance. Each item
    is the substring exactly as it occurs in ``text`` (including the separator,
    if any) so callers can mask it.
    """
    if not text:
        return []
    found: list[str] = []
    for match in _CANDIDATE.finditer(text):
        if is_valid_identity_number(match.group(1) + match.group(2)):
            found.append(match.group(0))
    return found


def find_identity_numbers_in_cell(cell: str) -> list[str]:
    """Find valid identity numbers in one cell of a table.

    As :func:`find_identity_numbers`, and also a cell that is nothing but a number of 10 or 11
    digits, checked with a leading zero put back: Excel turns a pasted identity number into a number,
    so everyone born on the 1st to the 9th of a month loses the first digit (and a CSV saved from
    that sheet keeps the 10 digits), and a number format may show it with thousands separators.
    Each item is the text as it occurs in ``cell``.
    """
    if not cell:
        return []
    number = _NUMBER_CELL.fullmatch(cell)
    if number:
        digits = re.sub(r"\D", "", number.group(1))
        if is_valid_identity_number(digits.zfill(11)):
            return [number.group(1)]
    return find_identity_numbers(cell)


# A birth date written as a date: 31.12.39, 31.12.2039, 31/12/2039, 2039-12-31.
_DAY_FIRST = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?")
_DIGITS = re.compile(r"(\d+)(?:\.0*)?")


def _birth_date_digits(value: object) -> str | None:
    """``DDMMYY`` of a cell that may hold a birth date: six digits (five when a spreadsheet dropped
    the leading zero of a number), a date value or a date written out."""
    if isinstance(value, _dt.date):
        return value.strftime("%d%m%y")
    if isinstance(value, bool) or value is None:
        return None
    number = isinstance(value, (int, float))
    if number:
        value = str(int(value)) if float(value).is_integer() and value >= 0 else ""
    text = str(value).strip()
    if digits := _DIGITS.fullmatch(text):
        # Five digits only from a number cell (the leading zero of the day dropped).
        return digits.group(1).zfill(6) if len(digits.group(1)) == 6 or (number and len(text) == 5) else None
    if m := _DAY_FIRST.fullmatch(text):
        return f"{int(m.group(1)):02d}{int(m.group(2)):02d}{m.group(3)[-2:]}"
    if m := _ISO_DATE.fullmatch(text):
        return f"{m.group(3)}{m.group(2)}{m.group(1)[-2:]}"
    return None


def _personal_number_digits(value: object) -> str | None:
    """``IIIKK`` of a cell that may hold the five-digit personal number (a number cell may have lost
    leading zeros)."""
    if isinstance(value, bool) or value is None or isinstance(value, _dt.date):
        return None
    if isinstance(value, (int, float)):
        value = str(int(value)) if float(value).is_integer() and value >= 0 else ""
    digits = _DIGITS.fullmatch(str(value).strip())
    if not digits or len(digits.group(1)) > 5:
        return None
    if len(digits.group(1)) < 5 and not isinstance(value, (int, float)) and "." not in str(value):
        return None  # text keeps its zeros: fewer than five digits written as text is something else
    return digits.group(1).zfill(5)


def is_identity_number_pair(birth_date: object, personal_number: object) -> bool:
    """True if two adjacent cells of one row together make a valid identity number: the birth date
    (``DDMMYY``, a date, or a date written out) in one and the five-digit personal number in the
    next, as a register export splits them."""
    date = _birth_date_digits(birth_date)
    if date is None:
        return False
    personal = _personal_number_digits(personal_number)
    return personal is not None and is_valid_identity_number(date + personal)
