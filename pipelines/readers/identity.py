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

__all__ = ["CELL_CANDIDATE", "find_identity_numbers", "find_identity_numbers_in_cell", "is_valid_identity_number"]

_WEIGHTS_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# 11 digits not part of a longer digit run, optionally written "DDMMYY IIIKK".
_CANDIDATE = re.compile(r"(?<!\d)(\d{6}) ?(\d{5})(?!\d)")
# A whole cell of 10 digits: an identity number that a spreadsheet stored as a number.
_NUMBER_CELL = re.compile(r"\s*(\d{10})(?:\.0*)?\s*")
# Cells worth a closer look (for a vectorised pre-filter): either pattern above.
CELL_CANDIDATE = r"\d{6} ?\d{5}|^\s*\d{10}(?:\.0*)?\s*$"


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

    ``s`` must be exactly 11 digits, or ``"DDMMYY IIIKK"`` with one space;
    the date must be a real calendar date and both control digits must match.
    """
    if not isinstance(s, str):
        return False
    compact = s[:6] + s[7:] if len(s) == 12 and s[6] == " " else s
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
    also written as ``"DDMMYY IIIKK"`` with one space, and returns those that
    pass :func:`is_valid_identity_number`, in order of appearance. Each item
    is the substring exactly as it occurs in ``text`` (including the space,
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

    As :func:`find_identity_numbers`, and also a cell that is nothing but 10 digits, checked with
    a leading zero put back: Excel turns a pasted identity number into a number, so everyone born
    on the 1st to the 9th of a month loses the first digit (and a CSV saved from that sheet keeps
    the 10 digits). Each item is the text as it occurs in ``cell``.
    """
    if not cell:
        return []
    number = _NUMBER_CELL.fullmatch(cell)
    if number and is_valid_identity_number("0" + number.group(1)):
        return [number.group(1)]
    return find_identity_numbers(cell)
