"""Small-cell protection for published aggregates about children.

Two stages, both applied in the data before anything reaches a page or a download:

1. **Primary suppression** (:func:`primary_suppression`): a cell whose count is
   below ``min_count`` (zero included) or whose share rests on fewer than
   ``min_n`` respondents is hidden. Reason codes are stored in the published data:
   ``PRIMARY_COUNT`` ("liten_telling"), ``PRIMARY_RESPONDENTS`` ("faa_svar").

2. **Secondary (complementary) suppression** (:func:`complementary_suppression`):
   published tables are additive - a parent area is the sum of its sub-areas
   (Bærum = Østre + Vestre) and a category total is the sum of the categories -
   so a hidden cell could be recovered as total minus the shown cells. The
   tables are linked through shared cells (a cell is both a component of its
   parent area and of its category total), and all relations are handled together.

   Method: **hypercube-style singleton elimination**. Iterate to a fixed point:
   for every additive constraint ``total = sum(components)`` whose published
   cells contain exactly one suppressed cell, suppress one more cell of that
   constraint - the smallest non-suppressed, non-zero-size component (ties broken
   by key order); the total only when no component is available; a zero-size cell
   only as a last resort. Repeat until no constraint has exactly one suppressed
   cell. The result is deterministic (constraints are visited in the given order,
   candidates ordered by (size, key)).

   Singleton elimination is necessary but not sufficient across linked tables:
   two blocks of suppressed cells joined by one "bridge" cell give every
   constraint two or more suppressed cells, yet adding and subtracting whole
   rows and columns reveals the bridge. Therefore an **audit** follows (on by
   default): the constraints restricted to the suppressed cells form a linear
   system; a suppressed cell is disclosed exactly when its unit vector lies in
   the row space of that system, i.e. its component is zero in every null-space
   vector (``scipy.linalg.null_space``). While a disclosed cell exists, one
   more cell next to it is suppressed and singleton elimination is rerun. The
   audit protects against exact recovery by linear combinations; it does not
   enforce protection intervals (a suppressed value can still be bounded, e.g.
   by non-negativity).

Conventions for :func:`complementary_suppression`: a key is the tuple of the
``key_cols`` values of a row, in ``key_cols`` order. Cells named in a constraint
but missing from ``cells`` are treated as not published and ignored; a
constraint whose *total* is missing is skipped (no relation is published), while
a constraint with missing *components* is kept over the published cells (a
conservative choice: missing rows are often zeros). A constraint with a single
published cell cannot leak and needs no complement.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import polars as pl
from scipy.linalg import null_space

log = logging.getLogger(__name__)

PRIMARY_COUNT = "liten_telling"
PRIMARY_RESPONDENTS = "faa_svar"
SECONDARY = "komplementaer"

Key = tuple
Constraint = tuple[Key, list[Key]]

__all__ = [
    "PRIMARY_COUNT",
    "PRIMARY_RESPONDENTS",
    "SECONDARY",
    "primary_suppression",
    "complementary_suppression",
    "disclosed_cells",
    "hierarchy_constraints",
    "category_constraints",
]

_NULLSPACE_TOL = 1e-9


# --------------------------------------------------------------------------- primary


def primary_suppression(
    df: pl.DataFrame, *, count_col: str | None, n_col: str | None, min_count: int, min_n: int
) -> pl.Series:
    """Reason code per row (Utf8, null = shown).

    ``PRIMARY_COUNT`` when ``count_col < min_count`` (zero included, null counts
    are not suppressed), else ``PRIMARY_RESPONDENTS`` when ``n_col < min_n``.
    Either column may be None to skip that rule.
    """
    expr: pl.Expr = pl.lit(None, dtype=pl.Utf8)
    if n_col is not None:
        expr = pl.when(pl.col(n_col) < min_n).then(pl.lit(PRIMARY_RESPONDENTS)).otherwise(expr)
    if count_col is not None:
        expr = pl.when(pl.col(count_col) < min_count).then(pl.lit(PRIMARY_COUNT)).otherwise(expr)
    return df.with_columns(expr.cast(pl.Utf8).alias("__reason")).get_column("__reason").alias("suppression_reason")


# --------------------------------------------------------------------------- helpers


def _keys(cells: pl.DataFrame, key_cols: Sequence[str]) -> list[Key]:
    return list(cells.select(key_cols).iter_rows())


def _key_ranks(cells: pl.DataFrame, key_cols: Sequence[str]) -> list[int]:
    """Rank of each row when rows are sorted by their key (nulls last)."""
    order = (
        cells.select(key_cols)
        .with_row_index("__row")
        .sort(list(key_cols), nulls_last=True, maintain_order=True)
        .get_column("__row")
        .to_list()
    )
    ranks = [0] * cells.height
    for rank, row in enumerate(order):
        ranks[row] = rank
    return ranks


class _Problem:
    """Index-based view of cells and constraints."""

    def __init__(
        self,
        cells: pl.DataFrame,
        key_cols: Sequence[str],
        size_col: str | None,
        constraints: Iterable[Constraint],
    ) -> None:
        self.keys = _keys(cells, key_cols)
        self.index: dict[Key, int] = {}
        for i, key in enumerate(self.keys):
            if key in self.index:
                raise ValueError(f"duplicate key {key!r} in cells")
            self.index[key] = i
        self.rank = _key_ranks(cells, key_cols)
        if size_col is not None:
            sizes = cells.get_column(size_col).to_list()
            if any(s is None for s in sizes):
                raise ValueError(f"{size_col!r} has null sizes; give every cell a size")
            if any(s < 0 for s in sizes):
                raise ValueError(f"{size_col!r} has negative sizes")
            self.size = [float(s) for s in sizes]
        else:
            self.size = [1.0] * len(self.keys)

        # (total index, [component indices]) over published cells only.
        self.constraints: list[tuple[int, list[int]]] = []
        for total_key, component_keys in constraints:
            total = self.index.get(tuple(total_key))
            if total is None:
                continue
            components: list[int] = []
            seen = {total}
            for key in component_keys:
                j = self.index.get(tuple(key))
                if j is not None and j not in seen:
                    seen.add(j)
                    components.append(j)
            if components:
                self.constraints.append((total, components))

    def order_key(self, i: int) -> tuple[bool, float, int]:
        """Complement preference: non-zero size first, then smallest, then key order."""
        return (self.size[i] == 0, self.size[i], self.rank[i])


def _singleton_elimination(problem: _Problem, suppressed: list[bool], added: list[bool]) -> None:
    changed = True
    while changed:
        changed = False
        for total, components in problem.constraints:
            members = [total, *components]
            if sum(suppressed[i] for i in members) != 1:
                continue
            open_components = [i for i in components if not suppressed[i]]
            nonzero = [i for i in open_components if problem.size[i] > 0]
            if nonzero:
                pick = min(nonzero, key=problem.order_key)
            elif not suppressed[total] and problem.size[total] > 0:
                pick = total
            elif open_components:  # last resort: a zero-size component
                pick = min(open_components, key=problem.order_key)
            elif not suppressed[total]:
                pick = total
            else:  # pragma: no cover - a one-cell constraint is never stored
                continue
            suppressed[pick] = True
            added[pick] = True
            changed = True


def _determined(problem: _Problem, suppressed: list[bool]) -> list[int]:
    """Suppressed cells whose value follows exactly from the shown cells."""
    rows = [
        (total, components)
        for total, components in problem.constraints
        if suppressed[total] or any(suppressed[i] for i in components)
    ]
    unknowns = sorted(
        {i for total, comps in rows for i in (total, *comps) if suppressed[i]},
        key=lambda i: problem.rank[i],
    )
    if not unknowns:
        return []
    column = {cell: c for c, cell in enumerate(unknowns)}
    matrix = np.zeros((len(rows), len(unknowns)))
    for r, (total, components) in enumerate(rows):
        if suppressed[total]:
            matrix[r, column[total]] = 1.0
        for i in components:
            if suppressed[i]:
                matrix[r, column[i]] = -1.0
    basis = null_space(matrix)
    if basis.shape[1] == 0:
        return list(unknowns)
    free = np.abs(basis).max(axis=1) > _NULLSPACE_TOL
    return [cell for cell, is_free in zip(unknowns, free) if not is_free]


def _audit(problem: _Problem, suppressed: list[bool], added: list[bool]) -> None:
    while True:
        disclosed = _determined(problem, suppressed)
        if not disclosed:
            return
        cell = disclosed[0]
        near = {
            i
            for total, comps in problem.constraints
            if cell == total or cell in comps
            for i in (total, *comps)
            if not suppressed[i]
        }
        if not near:
            near = {
                i
                for total, comps in problem.constraints
                if any(suppressed[j] for j in (total, *comps))
                for i in (total, *comps)
                if not suppressed[i]
            }
        if not near:  # pragma: no cover - cannot happen for additive tables
            log.warning("suppression audit: cell %r stays disclosed, nothing left to suppress", problem.keys[cell])
            return
        pick = min(near, key=problem.order_key)
        suppressed[pick] = True
        added[pick] = True
        _singleton_elimination(problem, suppressed, added)


# --------------------------------------------------------------------------- public API


def complementary_suppression(
    cells: pl.DataFrame,
    *,
    key_cols: list[str],
    size_col: str,
    reason_col: str,
    constraints: list[Constraint],
    audit: bool = True,
) -> pl.DataFrame:
    """Add secondary suppressions so no suppressed cell can be recovered.

    ``cells`` has one row per published cell: its key (``key_cols``), a
    non-negative size (``size_col``; the complement chosen is the smallest) and
    the primary reason (``reason_col``, null = shown). ``constraints`` are
    additive relations ``(total_key, [component_keys])``; a key may appear in
    many (hierarchy links and category totals together). Returns ``cells`` with
    ``reason_col`` set to ``SECONDARY`` for the extra cells; existing reasons are
    kept. See the module docstring for the method (hypercube-style singleton
    elimination, then a linear-algebra audit unless ``audit=False``).
    """
    problem = _Problem(cells, key_cols, size_col, constraints)
    reasons = cells.get_column(reason_col).cast(pl.Utf8).to_list()
    suppressed = [r is not None for r in reasons]
    added = [False] * len(reasons)

    _singleton_elimination(problem, suppressed, added)
    if audit:
        _audit(problem, suppressed, added)

    new_reasons = [SECONDARY if add and r is None else r for r, add in zip(reasons, added)]
    return cells.with_columns(pl.Series(reason_col, new_reasons, dtype=pl.Utf8))


def disclosed_cells(
    cells: pl.DataFrame, *, key_cols: list[str], reason_col: str, constraints: list[Constraint]
) -> list[Key]:
    """Keys of suppressed cells whose exact value follows from the shown cells.

    Uses the same linear-algebra test as the audit in
    :func:`complementary_suppression`; an empty list means no suppressed cell
    can be recovered by adding and subtracting published cells.
    """
    problem = _Problem(cells, key_cols, None, constraints)
    suppressed = [r is not None for r in cells.get_column(reason_col).to_list()]
    return [problem.keys[i] for i in _determined(problem, suppressed)]


def _key_builder(key_order: Sequence[str]):
    def build(values: dict[str, object]) -> Key:
        return tuple(values[c] for c in key_order)

    return build


def _check_key_order(key_order: Sequence[str], expected: Sequence[str]) -> None:
    if sorted(key_order) != sorted(expected):
        raise ValueError(f"key_order {list(key_order)} must be a permutation of {list(expected)}")


def hierarchy_constraints(
    cells: pl.DataFrame,
    *,
    area_col: str,
    parent_of: dict[str, str | None],
    other_key_cols: list[str],
    key_order: list[str] | None = None,
) -> list[Constraint]:
    """Constraints ``parent = sum(children)`` for every parent with children in ``cells``.

    One constraint per parent area and per combination of ``other_key_cols``
    values present among the parent's and its children's rows; only children
    present for that combination are listed. Keys are ``(area_col,
    *other_key_cols)`` unless ``key_order`` (a permutation of those columns,
    e.g. the ``key_cols`` used for :func:`complementary_suppression`) is given.
    Areas not in ``parent_of`` are treated as having no parent. Output order is
    independent of the row order of ``cells``.
    """
    all_cols = [area_col, *other_key_cols]
    order = key_order or all_cols
    _check_key_order(order, all_cols)
    build = _key_builder(order)

    table = cells.select(all_cols).unique().sort(all_cols, nulls_last=True)
    areas = table.get_column(area_col).unique(maintain_order=True).to_list()
    children_of: dict[str, list[str]] = {}
    for area in areas:
        parent = parent_of.get(area)
        if parent is not None:
            children_of.setdefault(parent, []).append(area)

    present = set(table.iter_rows())
    constraints: list[Constraint] = []
    for parent in sorted(children_of, key=str):
        children = children_of[parent]
        group = table.filter(pl.col(area_col).is_in([parent, *children]))
        if other_key_cols:
            combos = list(
                group.select(other_key_cols).unique().sort(other_key_cols, nulls_last=True).iter_rows()
            )
        else:
            combos = [()]
        for combo in combos:
            others = dict(zip(other_key_cols, combo))
            components = [
                build({area_col: child, **others})
                for child in children
                if (child, *combo) in present
            ]
            if components:
                constraints.append((build({area_col: parent, **others}), components))
    return constraints


def category_constraints(
    cells: pl.DataFrame,
    *,
    category_col: str,
    total_category: str,
    other_key_cols: list[str],
    key_order: list[str] | None = None,
) -> list[Constraint]:
    """Constraints ``total_category = sum(other categories)`` per combination of ``other_key_cols``.

    Keys are ``(category_col, *other_key_cols)`` unless ``key_order`` (a
    permutation of those columns) is given - pass the ``key_cols`` of
    :func:`complementary_suppression` when combining with
    :func:`hierarchy_constraints` so that the linked tables share keys.
    """
    all_cols = [category_col, *other_key_cols]
    order = key_order or all_cols
    _check_key_order(order, all_cols)
    build = _key_builder(order)

    table = cells.select(all_cols).unique().sort(all_cols, nulls_last=True)
    constraints: list[Constraint] = []
    if other_key_cols:
        groups = table.group_by(other_key_cols, maintain_order=True)
        combos = [(tuple(combo), frame) for combo, frame in groups]
    else:
        combos = [((), table)]
    for combo, frame in combos:
        others = dict(zip(other_key_cols, combo))
        categories = frame.get_column(category_col).to_list()
        components = [build({category_col: c, **others}) for c in categories if c != total_category]
        if components:
            constraints.append((build({category_col: total_category, **others}), components))
    return constraints
