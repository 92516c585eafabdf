"""Tests for pipelines.metrics.suppression (primary + complementary small-cell protection)."""

from __future__ import annotations

import math
import random

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from pipelines.metrics.suppression import (
    PRIMARY_COMPLEMENT,
    PRIMARY_COUNT,
    PRIMARY_RESPONDENTS,
    SECONDARY,
    SuppressionError,
    audit_intervals,
    category_constraints,
    complementary_suppression,
    hierarchy_constraints,
    primary_suppression,
)

WIDTH = 5  # the protection width the tests ask for (the default count threshold)

KEYS = ["omraade", "kategori"]
TOTAL = "Alle"


# --------------------------------------------------------------------------- helpers


def frame(values: dict[tuple[str, str], int]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "omraade": [k[0] for k in values],
            "kategori": [k[1] for k in values],
            "antall": list(values.values()),
        },
        schema={"omraade": pl.Utf8, "kategori": pl.Utf8, "antall": pl.Int64},
    )


def protect(cells: pl.DataFrame, parent_of: dict[str, str | None], **kwargs) -> pl.DataFrame:
    """Primary (min_count = 5) then complementary suppression over a linked area x category table."""
    cells = cells.with_columns(
        primary_suppression(cells, count_col="antall", n_col=None, min_count=5, min_n=10).alias("grunn")
    )
    constraints = hierarchy_constraints(
        cells, area_col="omraade", parent_of=parent_of, other_key_cols=["kategori"]
    ) + category_constraints(
        cells, category_col="kategori", total_category=TOTAL, other_key_cols=["omraade"], key_order=KEYS
    )
    kwargs.setdefault("protection_width", WIDTH)
    return complementary_suppression(
        cells, key_cols=KEYS, size_col="antall", reason_col="grunn", constraints=constraints, **kwargs
    )


def reasons(result: pl.DataFrame) -> dict[tuple, str | None]:
    return {(r["omraade"], r["kategori"]): r["grunn"] for r in result.iter_rows(named=True)}


def independent_constraints(parent_of, areas, categories):
    """The additive relations, derived from the structure itself (not from the module)."""
    out = []
    for parent in areas:
        children = [a for a in areas if parent_of.get(a) == parent]
        if children:
            for c in [*categories, TOTAL]:
                out.append(((parent, c), [(child, c) for child in children]))
    for area in areas:
        out.append(((area, TOTAL), [(area, c) for c in categories]))
    return out


def attacker_interval(relations, values: dict, hidden: set, cell, upper: dict | None = None) -> tuple[float, float]:
    """The test's own attacker: min and max of ``cell`` over every relation, with the shown
    cells as constants, non-negativity and the known upper bounds (scipy's LP, built here
    from the structure, not from the module)."""
    unknowns = sorted(hidden)
    col = {k: j for j, k in enumerate(unknowns)}
    a_eq, b_eq = [], []
    for total, comps in relations:
        row = np.zeros(len(unknowns))
        rhs = 0.0
        for key, coef in [(total, 1.0)] + [(c, -1.0) for c in comps]:
            if key in col:
                row[col[key]] += coef
            else:
                rhs -= coef * values[key]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    bounds = [(0, (upper or {}).get(k)) for k in unknowns]
    ends = []
    for sign in (1, -1):
        c = np.zeros(len(unknowns))
        c[col[cell]] = sign
        res = linprog(
            c,
            A_eq=np.array(a_eq) if a_eq else None,
            b_eq=np.array(b_eq) if b_eq else None,
            bounds=bounds,
            method="highs",
        )
        ends.append(math.inf if res.status == 3 else sign * res.fun)
    return ends[0], ends[1]


def recoverable_by_linear_algebra(constraints, suppressed: set) -> list:
    """Suppressed cells whose value is fixed by the shown cells (rank test, numpy only).

    A cell x_i is determined iff the unit vector e_i lies in the row space of the
    constraint matrix restricted to the unknowns: rank(A) == rank([A; e_i]).
    """
    unknowns = sorted(suppressed)
    col = {k: j for j, k in enumerate(unknowns)}
    rows = []
    for total, comps in constraints:
        row = np.zeros(len(unknowns))
        for key, coef in [(total, 1.0)] + [(c, -1.0) for c in comps]:
            if key in col:
                row[col[key]] = coef
        if row.any():
            rows.append(row)
    if not rows:
        return []
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    leaked = []
    for key, j in col.items():
        e = np.zeros(len(unknowns))
        e[j] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            leaked.append(key)
    return leaked


# --------------------------------------------------------------------------- primary


def test_primary_reason_codes():
    df = pl.DataFrame({"antall": [0, 3, 5, None, 40, 8], "n": [100, 100, 100, 100, 9, None]})
    out = primary_suppression(df, count_col="antall", n_col="n", min_count=5, min_n=10)
    assert out.dtype == pl.Utf8
    assert out.to_list() == [PRIMARY_COUNT, PRIMARY_COUNT, None, None, PRIMARY_RESPONDENTS, None]
    only_n = primary_suppression(df, count_col=None, n_col="n", min_count=5, min_n=10)
    assert only_n.to_list() == [None, None, None, None, PRIMARY_RESPONDENTS, None]
    nothing = primary_suppression(df, count_col=None, n_col=None, min_count=5, min_n=10)
    assert nothing.null_count() == df.height


# --------------------------------------------------------------------------- hand examples

PARENTS = {"Bærum": None, "Østre": "Bærum", "Vestre": "Bærum"}


def test_two_areas_one_small():
    # Bærum = Østre + Vestre = 97 + 3. Vestre < 5 -> primary. Alone it would be
    # recoverable as 100 - 97, so Østre (the only other component) is suppressed too.
    # Bærum stays shown: knowing Østre + Vestre = 100 does not reveal either one.
    cells = frame({("Bærum", TOTAL): 100, ("Østre", TOTAL): 97, ("Vestre", TOTAL): 3})
    got = reasons(protect(cells, PARENTS))
    assert got == {
        ("Bærum", TOTAL): None,
        ("Østre", TOTAL): SECONDARY,
        ("Vestre", TOTAL): PRIMARY_COUNT,
    }


def test_category_total_one_small():
    # Alle = Jenter + Gutter = 2 + 48 in one area: Jenter primary, Gutter complementary,
    # the total 50 stays shown.
    cells = frame({("Bærum", TOTAL): 50, ("Bærum", "Jenter"): 2, ("Bærum", "Gutter"): 48})
    got = reasons(protect(cells, {"Bærum": None}))
    assert got == {
        ("Bærum", TOTAL): None,
        ("Bærum", "Jenter"): PRIMARY_COUNT,
        ("Bærum", "Gutter"): SECONDARY,
    }


def test_linked_area_by_category_table():
    #            Jenter  Gutter  Alle
    #   Østre       3      40     43
    #   Vestre     30      27     57
    #   Bærum      33      67    100
    # Østre/Jenter = 3 is primary. Hierarchy "Jenter": Bærum = Østre + Vestre has one
    # suppressed cell -> Vestre/Jenter (30, the only other component). Category row
    # Østre: Alle = J + G -> Østre/Gutter (40). Category row Vestre: now one suppressed
    # (Vestre/Jenter) -> Vestre/Gutter (27). Hierarchy "Gutter" then has two. All
    # totals stay shown; the four inner cells form a 2x2 block with one degree of
    # freedom (a+b=33, c+d=67, a+c=43, b+d=57), so none of them can be recovered.
    values = {
        ("Østre", "Jenter"): 3, ("Østre", "Gutter"): 40, ("Østre", TOTAL): 43,
        ("Vestre", "Jenter"): 30, ("Vestre", "Gutter"): 27, ("Vestre", TOTAL): 57,
        ("Bærum", "Jenter"): 33, ("Bærum", "Gutter"): 67, ("Bærum", TOTAL): 100,
    }  # fmt: skip
    got = reasons(protect(frame(values), PARENTS))
    assert got == {
        ("Østre", "Jenter"): PRIMARY_COUNT,
        ("Østre", "Gutter"): SECONDARY,
        ("Østre", TOTAL): None,
        ("Vestre", "Jenter"): SECONDARY,
        ("Vestre", "Gutter"): SECONDARY,
        ("Vestre", TOTAL): None,
        ("Bærum", "Jenter"): None,
        ("Bærum", "Gutter"): None,
        ("Bærum", TOTAL): None,
    }


def test_smallest_component_is_chosen():
    # Bærum = Østre + Vestre + Sentrum = 60 + 2 + 38: Vestre primary; the complement
    # is the smallest other component, Sentrum (38), not Østre (60).
    parents = {**PARENTS, "Sentrum": "Bærum"}
    cells = frame({("Bærum", TOTAL): 100, ("Østre", TOTAL): 60, ("Vestre", TOTAL): 2, ("Sentrum", TOTAL): 38})
    got = reasons(protect(cells, parents))
    assert got[("Sentrum", TOTAL)] == SECONDARY
    assert got[("Østre", TOTAL)] is None and got[("Bærum", TOTAL)] is None


def test_total_is_suppressed_only_when_no_component_is_available():
    # Shares suppressed by respondents: the size is the number of respondents.
    # Bærum = Østre + Vestre; Vestre hidden (faa_svar); Østre has size 0 (no
    # respondents, a zero-size cell is a last-resort complement), so the total is
    # taken: with Bærum and Vestre hidden the pair Bærum - Vestre = Østre is unknown.
    cells = pl.DataFrame(
        {"omraade": ["Bærum", "Østre", "Vestre"], "n": [20, 0, 20], "grunn": [None, None, PRIMARY_RESPONDENTS]},
        schema={"omraade": pl.Utf8, "n": pl.Int64, "grunn": pl.Utf8},
    )
    constraints = [(("Bærum",), [("Østre",), ("Vestre",)])]
    out = complementary_suppression(
        cells, key_cols=["omraade"], size_col="n", reason_col="grunn", constraints=constraints
    )
    assert out.get_column("grunn").to_list() == [SECONDARY, None, PRIMARY_RESPONDENTS]


def test_missing_total_skips_constraint_and_missing_component_is_ignored():
    # The Bærum total is not published: no relation is published, nothing to add.
    cells = frame({("Østre", TOTAL): 97, ("Vestre", TOTAL): 3})
    assert reasons(protect(cells, PARENTS))[("Østre", TOTAL)] is None
    # Sentrum is named in the constraint but not published: the relation is kept
    # over the published cells (conservatively), so Østre becomes a complement.
    cells = frame({("Bærum", TOTAL): 100, ("Østre", TOTAL): 97, ("Vestre", TOTAL): 3})
    cells = cells.with_columns(
        primary_suppression(cells, count_col="antall", n_col=None, min_count=5, min_n=10).alias("grunn")
    )
    out = complementary_suppression(
        cells,
        key_cols=KEYS,
        size_col="antall",
        reason_col="grunn",
        constraints=[(("Bærum", TOTAL), [("Østre", TOTAL), ("Vestre", TOTAL), ("Sentrum", TOTAL)])],
    )
    assert reasons(out)[("Østre", TOTAL)] == SECONDARY


def _dumbbell():
    # Areas R1..R4 under "Total", categories C1..C4 with total "Alle". Nine inner
    # cells are primary: a 2x2 block (R1,R2)x(C1,C2), a 2x2 block (R3,R4)x(C3,C4),
    # and a bridge (R2,C3). Every row and column holds 0, 2 or 3 suppressed cells,
    # so singleton elimination is satisfied - but adding rows R1 + R2 and subtracting
    # columns C1 + C2 cancels the first block and leaves the bridge alone:
    #   x = (R1 - shown R1) + (R2 - shown R2) - (C1 - shown C1) - (C2 - shown C2).
    rng = random.Random(7)
    areas, cats = ["R1", "R2", "R3", "R4"], ["C1", "C2", "C3", "C4"]
    inner = {(a, c): rng.randint(10, 60) for a in areas for c in cats}
    values = dict(inner)
    for a in areas:
        values[(a, TOTAL)] = sum(inner[(a, c)] for c in cats)
    for c in [*cats, TOTAL]:
        values[("Total", c)] = sum(values[(a, c)] for a in areas)
    hidden = {("R1", "C1"), ("R1", "C2"), ("R2", "C1"), ("R2", "C2"),
              ("R3", "C3"), ("R3", "C4"), ("R4", "C3"), ("R4", "C4"), ("R2", "C3")}  # fmt: skip
    cells = frame(values).with_columns(
        pl.struct(KEYS)
        .map_elements(
            lambda r: PRIMARY_RESPONDENTS if (r["omraade"], r["kategori"]) in hidden else None,
            return_dtype=pl.Utf8,
        )
        .alias("grunn")
    )
    parents = {"Total": None, **{a: "Total" for a in areas}}
    constraints = hierarchy_constraints(cells, area_col="omraade", parent_of=parents, other_key_cols=["kategori"]) + (
        category_constraints(
            cells, category_col="kategori", total_category=TOTAL, other_key_cols=["omraade"], key_order=KEYS
        )
    )
    return values, cells, constraints


def test_singleton_elimination_alone_leaks_a_bridge_and_the_audit_closes_it():
    values, cells, constraints = _dumbbell()
    shown = lambda a, c: values[(a, c)]  # noqa: E731
    recovered = (
        (shown("R1", TOTAL) - shown("R1", "C3") - shown("R1", "C4"))
        + (shown("R2", TOTAL) - shown("R2", "C4"))
        - (shown("Total", "C1") - shown("R3", "C1") - shown("R4", "C1"))
        - (shown("Total", "C2") - shown("R3", "C2") - shown("R4", "C2"))
    )
    assert recovered == values[("R2", "C3")]  # the leak, by hand

    plain = complementary_suppression(
        cells, key_cols=KEYS, size_col="antall", reason_col="grunn", constraints=constraints, audit=False
    )
    assert plain.get_column("grunn").to_list() == cells.get_column("grunn").to_list()
    pinned = [
        i.key
        for i in audit_intervals(
            plain,
            key_cols=KEYS,
            value_col="antall",
            reason_col="grunn",
            constraints=constraints,
            protection_width=WIDTH,
        )
        if i.width < 1e-6
    ]
    assert pinned == [("R2", "C3")]

    audited = complementary_suppression(
        cells, key_cols=KEYS, size_col="antall", reason_col="grunn", constraints=constraints, protection_width=WIDTH
    )
    assert (audited.get_column("grunn") == SECONDARY).sum() >= 1
    hidden = {k for k, r in reasons(audited).items() if r is not None}
    assert recoverable_by_linear_algebra(constraints, hidden) == []
    for key in hidden:
        low, high = attacker_interval(constraints, values, hidden, key)
        assert high - low >= WIDTH - 1e-6, (key, low, high)


def test_result_does_not_depend_on_row_order():
    values, cells, constraints = _dumbbell()
    base = reasons(
        complementary_suppression(cells, key_cols=KEYS, size_col="antall", reason_col="grunn", constraints=constraints)
    )
    shuffled = cells.sample(fraction=1.0, shuffle=True, seed=3)
    constraints2 = hierarchy_constraints(
        shuffled,
        area_col="omraade",
        parent_of={"Total": None, **{a: "Total" for a in ["R1", "R2", "R3", "R4"]}},
        other_key_cols=["kategori"],
    ) + category_constraints(
        shuffled, category_col="kategori", total_category=TOTAL, other_key_cols=["omraade"], key_order=KEYS
    )
    assert (
        reasons(
            complementary_suppression(
                shuffled, key_cols=KEYS, size_col="antall", reason_col="grunn", constraints=constraints2
            )
        )
        == base
    )


def test_builders_key_order_and_duplicates():
    cells = frame({("Bærum", TOTAL): 100, ("Østre", TOTAL): 97, ("Vestre", TOTAL): 3})
    cons = category_constraints(cells, category_col="kategori", total_category=TOTAL, other_key_cols=["omraade"])
    assert cons == []  # no categories besides the total
    hier = hierarchy_constraints(cells, area_col="omraade", parent_of=PARENTS, other_key_cols=["kategori"])
    assert hier == [(("Bærum", TOTAL), [("Vestre", TOTAL), ("Østre", TOTAL)])]
    with pytest.raises(ValueError):
        hierarchy_constraints(
            cells, area_col="omraade", parent_of=PARENTS, other_key_cols=["kategori"], key_order=["x"]
        )
    dup = pl.concat([cells, cells]).with_columns(pl.lit(None, pl.Utf8).alias("grunn"))
    with pytest.raises(ValueError, match="duplicate key"):
        complementary_suppression(dup, key_cols=KEYS, size_col="antall", reason_col="grunn", constraints=hier)


# --------------------------------------------------------------------------- property test


@st.composite
def hierarchical_tables(draw, max_areas: int = 4, max_categories: int = 3):
    """A total, 2-4 areas each with 0-5 sub-areas (2 or 3 levels) x 1-3 categories + total."""
    three_levels = draw(st.booleans())
    categories = [f"K{i}" for i in range(draw(st.integers(1, max_categories)))]
    parent_of: dict[str, str | None] = {"Bærum": None}
    leaves: list[str] = []
    for a in range(draw(st.integers(2, max_areas))):
        area = f"O{a}"
        parent_of[area] = "Bærum"
        n_sub = draw(st.integers(0, 5)) if three_levels else 0
        if n_sub == 0:
            leaves.append(area)
        for s in range(n_sub):
            sub = f"O{a}.{s}"
            parent_of[sub] = area
            leaves.append(sub)
    small_or_any = st.one_of(st.integers(0, 7), st.integers(0, 60))
    values = {(leaf, c): draw(small_or_any) for leaf in leaves for c in categories}

    def total(area: str, c: str) -> int:
        if (area, c) in values:
            return values[(area, c)]
        return sum(total(ch, c) for ch, p in parent_of.items() if p == area)

    for area in parent_of:
        for c in categories:
            values[(area, c)] = total(area, c)
    for area in parent_of:
        values[(area, TOTAL)] = sum(values[(area, c)] for c in categories)
    return parent_of, categories, values


@settings(max_examples=80, deadline=None)
@given(hierarchical_tables())
def test_property_no_small_cell_shown_and_nothing_recoverable(table):
    check_protected(table)


@settings(max_examples=15, deadline=None)
@given(hierarchical_tables(max_areas=8, max_categories=6))
def test_property_larger_linked_tables(table):
    # Larger tables are where singleton elimination alone sometimes leaves a cell
    # recoverable through a combination of relations (about 4 % of random 8 x 6
    # tables when tried); the audit must close every such case.
    check_protected(table)


def check_protected(table):
    parent_of, categories, values = table
    areas = list(parent_of)
    relations = independent_constraints(parent_of, areas, categories)

    # The generated table is additive along every link.
    for total, comps in relations:
        assert values[total] == sum(values[c] for c in comps)

    cells = frame(values)
    result = protect(cells, parent_of)
    got = reasons(result)
    primary = {k for k, r in got.items() if r in (PRIMARY_COUNT, PRIMARY_RESPONDENTS)}
    hidden = {k for k, r in got.items() if r is not None}

    # The module's constraints are exactly the structure's relations.
    built = hierarchy_constraints(cells, area_col="omraade", parent_of=parent_of, other_key_cols=["kategori"]) + (
        category_constraints(
            cells, category_col="kategori", total_category=TOTAL, other_key_cols=["omraade"], key_order=KEYS
        )
    )
    norm = lambda cs: {(t, frozenset(c)) for t, c in cs}  # noqa: E731
    assert norm(built) == norm(relations)

    # (a) every cell below 5 is primary-suppressed, and only those are primary; no shown cell < 5.
    assert primary == {k for k, v in values.items() if v < 5}
    assert all(values[k] >= 5 for k in values if k not in hidden)

    # (b) + (c) arithmetic: in no relation is a suppressed cell the only unknown. If it
    # were, total - shown components (or shown total ... ) would give it back exactly.
    for total, comps in relations:
        unknown = [k for k in [total, *comps] if k in hidden]
        if len(unknown) == 1:
            (k,) = unknown
            shown_components = sum(values[c] for c in comps if c not in hidden)
            recovered = shown_components if k == total else values[total] - shown_components
            assert recovered == values[k]  # the leak is real arithmetic...
            pytest.fail(f"{k} = {recovered} is recoverable from {total} = sum{comps}")  # ...and must not happen
        assert len(unknown) == 0 or len(unknown) >= 2

    # (d) stronger, across all linked relations at once (independent numpy rank test).
    assert recoverable_by_linear_algebra(relations, hidden) == []

    # (e) strongest: every hidden cell keeps an attacker interval of at least the protection
    # width, bounds from non-negativity included (the test's own LP).
    for key in hidden:
        low, high = attacker_interval(relations, values, hidden, key)
        assert high - low >= WIDTH - 1e-6, f"{key} = {values[key]} is pinned to [{low}, {high}]"


# --------------------------------------------------------------------------- shares


def share_frame(values: dict[tuple[str, str], tuple[int, int]]) -> pl.DataFrame:
    """Cells of a share: (numerator, respondents) per (area, category)."""
    return pl.DataFrame(
        {
            "omraade": [k[0] for k in values],
            "kategori": [k[1] for k in values],
            "teller": [v[0] for v in values.values()],
            "nevner": [v[1] for v in values.values()],
        },
        schema={"omraade": pl.Utf8, "kategori": pl.Utf8, "teller": pl.Float64, "nevner": pl.Float64},
    )


def protect_shares(cells: pl.DataFrame, parent_of: dict[str, str | None]) -> pl.DataFrame:
    """The engine's rule for shares: respondents < 10, numerator < 5 or respondents - numerator
    < 5 are primary; complements by respondents; the numerator's interval is audited with the
    respondents as its known upper bound."""
    cells = cells.with_columns(
        primary_suppression(cells, count_col="teller", n_col="nevner", total_col="nevner", min_count=5, min_n=10).alias(
            "grunn"
        )
    )
    constraints = hierarchy_constraints(
        cells, area_col="omraade", parent_of=parent_of, other_key_cols=["kategori"]
    ) + category_constraints(
        cells, category_col="kategori", total_category=TOTAL, other_key_cols=["omraade"], key_order=KEYS
    )
    return complementary_suppression(
        cells,
        key_cols=KEYS,
        size_col="nevner",
        value_col="teller",
        upper_col="nevner",
        reason_col="grunn",
        constraints=constraints,
        protection_width=WIDTH,
    )


def test_primary_share_rule_numerator_and_complement():
    df = pl.DataFrame({"teller": [1, 9, 5, 20, 3], "nevner": [22, 10, 10, 25, 8]})
    out = primary_suppression(df, count_col="teller", n_col="nevner", total_col="nevner", min_count=5, min_n=10)
    # 1 of 22: too few with; 9 of 10: too few without (1); 5 of 10: both sides 5, shown;
    # 20 of 25: 5 without, shown; 3 of 8: too few respondents (the first reason wins).
    assert out.to_list() == [PRIMARY_COUNT, PRIMARY_COMPLEMENT, None, None, PRIMARY_RESPONDENTS]


def test_a_total_shown_as_1_of_19_pins_its_parts_until_the_total_is_hidden_too():
    # The audit's case: a school's girls (1 of 9) are primary and its boys (0 of 10) the single
    # complement. Shown "1 of 19" for the school, the girls' numerator is pinned to [0, 1]:
    # singleton elimination is satisfied, the interval audit is not.
    values = {("Skole", TOTAL): (1, 19), ("Skole", "Jenter"): (1, 9), ("Skole", "Gutter"): (0, 10)}
    hand_made = share_frame(values).with_columns(
        pl.Series("grunn", [None, PRIMARY_RESPONDENTS, SECONDARY], dtype=pl.Utf8)
    )
    relation = [(("Skole", TOTAL), [("Skole", "Jenter"), ("Skole", "Gutter")])]

    def audited(cells: pl.DataFrame) -> dict:
        return {
            i.key: i
            for i in audit_intervals(
                cells,
                key_cols=KEYS,
                value_col="teller",
                reason_col="grunn",
                constraints=relation,
                protection_width=WIDTH,
                upper_col="nevner",
            )
        }

    audit = audited(hand_made)
    # by hand: j + g = 1, j, g >= 0 -> j in [0, 1], g in [0, 1]
    assert (audit[("Skole", "Jenter")].lower, audit[("Skole", "Jenter")].upper) == pytest.approx((0, 1))
    assert not audit[("Skole", "Jenter")].protected and not audit[("Skole", "Gutter")].protected

    # The same cells through complementary suppression: the total is hidden too, and then the
    # girls' numerator can be anything from 0 to their 9 respondents.
    out = complementary_suppression(
        hand_made,
        key_cols=KEYS,
        size_col="nevner",
        value_col="teller",
        upper_col="nevner",
        reason_col="grunn",
        constraints=relation,
        protection_width=WIDTH,
    )
    assert reasons(out) == {
        ("Skole", TOTAL): SECONDARY,
        ("Skole", "Jenter"): PRIMARY_RESPONDENTS,
        ("Skole", "Gutter"): SECONDARY,
    }
    after = audited(out)
    assert (after[("Skole", "Jenter")].lower, after[("Skole", "Jenter")].upper) == pytest.approx((0, 9))
    assert all(i.protected for i in after.values())


def test_cells_that_do_not_add_up_are_an_error_not_a_publication():
    # The shown cells contradict the relation (Bærum 4 < Vestre 5 alone): no non-negative
    # Østre exists, so no attacker interval either, and the audit refuses the table.
    cells = frame({("Bærum", TOTAL): 4, ("Østre", TOTAL): 2, ("Vestre", TOTAL): 5}).with_columns(
        pl.Series("grunn", [None, PRIMARY_COUNT, None], dtype=pl.Utf8)
    )
    relation = [(("Bærum", TOTAL), [("Østre", TOTAL), ("Vestre", TOTAL)])]
    with pytest.raises(SuppressionError, match="do not add up"):
        audit_intervals(
            cells, key_cols=KEYS, value_col="antall", reason_col="grunn", constraints=relation, protection_width=WIDTH
        )


@st.composite
def hierarchical_share_tables(draw, max_areas: int = 5, max_categories: int = 3):
    """Like hierarchical_tables, but each leaf holds a share: (numerator, respondents), with
    small numerators and small complements (respondents - numerator) drawn often."""
    parent_of, categories, _ = draw(hierarchical_tables(max_areas=max_areas, max_categories=max_categories))
    leaves = [a for a in parent_of if a not in set(parent_of.values())]
    values: dict[tuple[str, str], tuple[int, int]] = {}
    for leaf in leaves:
        for c in categories:
            n = draw(st.one_of(st.integers(0, 12), st.integers(10, 80)))
            kind = draw(st.sampled_from(["small", "nearly_all", "any"]))
            if kind == "small":
                x = draw(st.integers(0, min(n, 6)))
            elif kind == "nearly_all":
                x = n - draw(st.integers(0, min(n, 6)))
            else:
                x = draw(st.integers(0, n))
            values[(leaf, c)] = (x, n)

    def total(area: str, c: str) -> tuple[int, int]:
        if (area, c) in values:
            return values[(area, c)]
        parts = [total(ch, c) for ch, p in parent_of.items() if p == area]
        return sum(p[0] for p in parts), sum(p[1] for p in parts)

    for area in parent_of:
        for c in categories:
            values[(area, c)] = total(area, c)
    for area in parent_of:
        parts = [values[(area, c)] for c in categories]
        values[(area, TOTAL)] = (sum(p[0] for p in parts), sum(p[1] for p in parts))
    return parent_of, categories, values


@settings(max_examples=60, deadline=None)
@given(hierarchical_share_tables())
def test_property_shares_no_small_group_shown_and_every_interval_wide_enough(table):
    parent_of, categories, values = table
    relations = independent_constraints(parent_of, list(parent_of), categories)
    result = protect_shares(share_frame(values), parent_of)
    hidden = {k for k, r in reasons(result).items() if r is not None}

    # No shown share has fewer than 10 respondents, or fewer than 5 with or without the trait.
    for key, (x, n) in values.items():
        if key not in hidden:
            assert n >= 10 and x >= 5 and n - x >= 5, f"{key} = {x} of {n} is shown"

    # Every hidden numerator keeps an attacker interval of the protection width, or its whole
    # range [0, respondents] where that is narrower (the respondents taken as known).
    numerators = {k: v[0] for k, v in values.items()}
    respondents = {k: v[1] for k, v in values.items()}
    for key in hidden:
        low, high = attacker_interval(relations, numerators, hidden, key, upper=respondents)
        assert high - low >= min(WIDTH, respondents[key]) - 1e-6, f"{key} = {values[key]} is pinned to [{low}, {high}]"
