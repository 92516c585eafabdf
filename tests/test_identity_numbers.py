"""Tests for Norwegian identity number detection (fødselsnummer and D-number).

Valid numbers are computed here from the published modulo-11 weights rather
than copied from anywhere, so no real person's number is in the repository.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.readers import (
    CELL_CANDIDATE,
    find_identity_numbers,
    find_identity_numbers_in_cell,
    is_identity_number_pair,
    is_valid_identity_number,
)

# Weights for the control digits, written out from the specification:
# k1 = 11 - ((3*d1 + 7*d2 + 6*m1 + 1*m2 + 8*y1 + 9*y2 + 4*i1 + 5*i2 + 2*i3) mod 11)
# k2 = 11 - ((5*d1 + 4*d2 + 3*m1 + 2*m2 + 7*y1 + 6*y2 + 5*i1 + 4*i2 + 3*i3 + 2*k1) mod 11)
# 11 -> 0, 10 -> no valid number.
K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2]
K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]


def control_digit(digits: str, weights: list[int]) -> int | None:
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    k = 11 - total % 11
    if k == 11:
        return 0
    if k == 10:
        return None
    return k


def complete(first_nine: str) -> str | None:
    """Append both control digits, or None if no valid number exists."""
    k1 = control_digit(first_nine, K1_WEIGHTS)
    if k1 is None:
        return None
    k2 = control_digit(first_nine + str(k1), K2_WEIGHTS)
    if k2 is None:
        return None
    return f"{first_nine}{k1}{k2}"


def first_valid(date6: str, individuals: range) -> str:
    for individual in individuals:
        number = complete(f"{date6}{individual:03d}")
        if number is not None:
            return number
    raise AssertionError(f"no valid number for {date6}")


# 1 January 1990, individual numbers from 000 (1900-1999 range).
FNR_1990 = first_valid("010190", range(0, 500))
# 17 May 2012 (individual 500-999 -> 2000s).
FNR_2012 = first_valid("170512", range(500, 1000))
# D-number for 5 March 1985: first digit + 4 -> day 45.
DNR_1985 = first_valid("450385", range(0, 500))


def test_hand_computed_example() -> None:
    # 010190 + individual 123: sum1 = 3*0+7*1+6*0+1*1+8*9+9*0+4*1+5*2+2*3 = 100,
    # 100 mod 11 = 1 -> k1 = 10 -> no valid number with individual 123.
    assert control_digit("010190123", K1_WEIGHTS) is None
    assert complete("010190123") is None
    # Individual 124: sum1 = 100 - 2*3 + 2*4 = 102, 102 mod 11 = 3 -> k1 = 8.
    # sum2 = 5*0+4*1+3*0+2*1+7*9+6*0+5*1+4*2+3*4+2*8 = 110, 110 mod 11 = 0 -> k2 = 11 -> 0.
    assert complete("010190124") == "01019012480"
    assert is_valid_identity_number("01019012480")


@pytest.mark.parametrize("number", [FNR_1990, FNR_2012, DNR_1985])
def test_computed_numbers_are_valid(number: str) -> None:
    assert len(number) == 11
    assert is_valid_identity_number(number)
    assert is_valid_identity_number(f"{number[:6]} {number[6:]}")


@pytest.mark.parametrize("number", [FNR_1990, FNR_2012, DNR_1985])
def test_wrong_check_digit_rejected(number: str) -> None:
    for position in (9, 10):
        wrong = str((int(number[position]) + 1) % 10)
        mutated = number[:position] + wrong + number[position + 1 :]
        assert not is_valid_identity_number(mutated)


def test_invalid_calendar_dates_rejected() -> None:
    # Control digits are right, but 31 February / month 13 / day 00 do not exist.
    for date6 in ("310290", "011390", "000190"):
        number = first_valid(date6, range(0, 500))
        assert not is_valid_identity_number(number), number
    # D-number with day 72 (= 32) is not a date either.
    assert not is_valid_identity_number(first_valid("720190", range(0, 500)))


def test_leap_day_depends_on_century() -> None:
    # 29.02.00: individual 000-499 -> 1900 (not a leap year), 500-999 -> 2000 (leap year).
    assert not is_valid_identity_number(first_valid("290200", range(0, 500)))
    assert is_valid_identity_number(first_valid("290200", range(500, 1000)))


def test_h_numbers_and_malformed_input_rejected() -> None:
    # Month + 40 (H-number) is deliberately not accepted.
    assert not is_valid_identity_number(first_valid("014190", range(0, 500)))
    for bad in ("", "0101901248", "010190124800", "0101901248a", "01019O12480", None, 1019012480):
        assert not is_valid_identity_number(bad)  # type: ignore[arg-type]
    # Non-ASCII digits (Arabic-Indic) are not identity numbers.
    assert not is_valid_identity_number("٠١٠١٩٠١٢٤٨٠")


def test_find_in_free_text() -> None:
    text = f"Melding om barn med fnr. {FNR_1990}, søsken {FNR_2012[:6]} {FNR_2012[6:]} og D-nummer {DNR_1985}."
    assert find_identity_numbers(text) == [
        FNR_1990,
        f"{FNR_2012[:6]} {FNR_2012[6:]}",
        DNR_1985,
    ]


def test_find_ignores_longer_digit_runs_and_invalid_numbers() -> None:
    invalid = FNR_1990[:10] + str((int(FNR_1990[10]) + 1) % 10)
    text = f"konto 9{FNR_1990} ref {FNR_1990}7 ordre 12{FNR_1990}34 ugyldig {invalid} telefon 22 33 44 55"
    assert find_identity_numbers(text) == []
    assert find_identity_numbers("") == []
    # 12-digit run with the space form is ignored too.
    assert find_identity_numbers(f"{FNR_1990[:6]} {FNR_1990[6:]}9") == []


def test_find_adjacent_to_letters_and_punctuation() -> None:
    assert find_identity_numbers(f"fnr:{FNR_1990};") == [FNR_1990]
    assert find_identity_numbers(f"ID{FNR_2012}x") == [FNR_2012]


# 1 January 1990 starts with a zero; as an Excel number cell it is the last ten digits.
FNR_1990_AS_NUMBER = FNR_1990[1:]


def _grouped(digits: str, separator: str) -> str:
    """Digits as a number format shows them: groups of three from the right."""
    head = len(digits) % 3 or 3
    return separator.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


@pytest.mark.parametrize(
    "cell",
    [
        FNR_1990_AS_NUMBER,
        f"{FNR_1990_AS_NUMBER}.0",
        f"{FNR_1990_AS_NUMBER},0",
        f" {FNR_1990_AS_NUMBER} ",
        _grouped(FNR_1990_AS_NUMBER, " "),
        _grouped(FNR_1990_AS_NUMBER, "\u00a0"),
        _grouped(FNR_1990_AS_NUMBER, "."),
    ],
)
def test_a_number_cell_that_lost_its_leading_zero_is_found(cell: str) -> None:
    assert len(FNR_1990_AS_NUMBER) == 10
    # What is found is the number as written (so that a reason can mask it), without a decimal part.
    written = cell.strip().removesuffix(".0").removesuffix(",0")
    assert written.replace(" ", "").replace("\u00a0", "").replace(".", "") == FNR_1990_AS_NUMBER
    assert find_identity_numbers_in_cell(cell) == [written]
    # In running text ten digits are just ten digits: only a whole number cell loses a zero.
    assert find_identity_numbers(cell) == []
    assert find_identity_numbers_in_cell(f"sak {FNR_1990_AS_NUMBER}") == []


def test_an_eleven_digit_number_cell_with_thousands_separators_is_found() -> None:
    for separator in (" ", "\u00a0", "\u202f", "."):
        written = _grouped(FNR_2012, separator)
        assert len(written) == 14 and find_identity_numbers_in_cell(written) == [written]
        assert pl.Series([written]).str.contains(CELL_CANDIDATE).item()
    assert find_identity_numbers_in_cell(_grouped("12345678901", " ")) == []  # a count, no check digits


def test_cells_are_also_searched_like_free_text() -> None:
    assert find_identity_numbers_in_cell(f"Fulgt tett, se {FNR_2012}") == [FNR_2012]
    assert find_identity_numbers_in_cell(FNR_2012) == [FNR_2012]


def test_ten_digit_cells_that_are_no_identity_number_pass() -> None:
    # A wrong check digit, and a number whose first digit is not a dropped zero.
    wrong = FNR_1990_AS_NUMBER[:-1] + str((int(FNR_1990_AS_NUMBER[-1]) + 1) % 10)
    assert find_identity_numbers_in_cell(wrong) == []
    assert complete("012345678") != "01234567890"  # so a count like 1234567890 is no identity number
    assert find_identity_numbers_in_cell("1234567890") == []
    assert find_identity_numbers_in_cell("") == []


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    day = draw(st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2039, 12, 31)))
    if day.year >= 2000:
        individual_range = range(500, 1000)
    else:
        individual_range = range(0, 500)
    d_number = draw(st.booleans())
    dd = day.day + (40 if d_number else 0)
    start = draw(st.sampled_from(list(individual_range)))
    candidates = [i for i in individual_range if i >= start] + [i for i in individual_range if i < start]
    prefix = f"{dd:02d}{day.month:02d}{day.year % 100:02d}"
    for individual in candidates:
        number = complete(f"{prefix}{individual:03d}")
        if number is not None:
            return number
    raise AssertionError("unreachable: most individual numbers give valid control digits")


@settings(max_examples=100, deadline=None)
@given(valid_numbers())
def test_property_valid_numbers_accepted_and_found(number: str) -> None:
    assert is_valid_identity_number(number)
    assert find_identity_numbers(f"tekst {number} tekst") == [number]


@settings(max_examples=100, deadline=None)
@given(valid_numbers(), st.integers(0, 10), st.integers(1, 9))
def test_property_any_single_digit_change_rejected(number: str, position: int, delta: int) -> None:
    changed = str((int(number[position]) + delta) % 10)
    mutated = number[:position] + changed + number[position + 1 :]
    assert not is_valid_identity_number(mutated)


# What people and programs put between birth date and personal number.
SEPARATORS = {
    "space": " ",
    "no_break_space": "\u00a0",
    "narrow_no_break_space": "\u202f",
    "thin_space": "\u2009",
    "zero_width_space": "\u200b",
    "hyphen": "-",
    "non_breaking_hyphen": "\u2011",
    "en_dash": "\u2013",
    "em_dash": "\u2014",
    "minus_sign": "\u2212",
    "full_stop": ".",
    "slash": "/",
    "backslash": "\\",
    "underscore": "_",
    "horizontal_bar": "\u2015",
    "spaced_dash": " - ",
    "thin_spaced_hyphen": "\u2009-\u2009",
}


@pytest.mark.parametrize("separator", SEPARATORS.values(), ids=SEPARATORS.keys())
def test_found_with_any_space_dash_or_full_stop_between_date_and_personal_number(separator: str) -> None:
    for number in (FNR_1990, FNR_2012, DNR_1985):
        written = f"{number[:6]}{separator}{number[6:]}"
        assert is_valid_identity_number(written)
        assert find_identity_numbers(f"Gjelder {written}, se sak") == [written]
        assert find_identity_numbers_in_cell(written) == [written]
        # The vectorised pre-filter (Polars' regex engine, not Python's) lets it through.
        assert pl.Series([written]).str.contains(CELL_CANDIDATE).item()


def test_a_line_break_or_a_wrong_check_digit_between_is_no_identity_number() -> None:
    assert find_identity_numbers(f"{FNR_1990[:6]}\n{FNR_1990[6:]}") == []
    wrong = FNR_1990[:10] + str((int(FNR_1990[10]) + 1) % 10)
    assert find_identity_numbers(f"{wrong[:6]}\u00a0{wrong[6:]}") == []
    assert find_identity_numbers(f"{FNR_1990[:6]} / {FNR_1990[6:]}") == []  # a ratio is not a separator


def test_birth_date_and_personal_number_in_two_adjacent_cells() -> None:
    date, personal = FNR_2012[:6], FNR_2012[6:]
    born = dt.date(2012, 5, 17)
    assert is_identity_number_pair(date, personal)
    assert is_identity_number_pair(born, personal)  # an Excel date cell
    assert is_identity_number_pair(dt.datetime(2012, 5, 17), int(personal))  # and a number cell
    assert is_identity_number_pair("17.05.2012", personal)
    assert is_identity_number_pair("2012-05-17", personal)
    # A number cell that lost the leading zero of the day (1 January 1990).
    assert is_identity_number_pair(int(FNR_1990[:6]), FNR_1990[6:])
    # Not an identity number: a wrong check digit, the cells the other way round, text too short.
    wrong = str((int(personal) + 1) % 100000).zfill(5)
    assert not is_identity_number_pair(date, wrong)
    assert not is_identity_number_pair(personal, date)
    assert not is_identity_number_pair(FNR_1990[1:6], FNR_1990[6:])  # five digits as text: not a date
    assert not is_identity_number_pair(None, personal)
