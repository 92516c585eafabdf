"""Small-cell protection for published aggregates about children.

Three stages, all applied in the data before anything reaches a page or a download:

1. **Primary suppression** (:func:`primary_suppression`): a cell is hidden when

   - its respondents (the share's denominator) are fewer than ``min_n``
     (``PRIMARY_RESPONDENTS``, "faa_svar");
   - its count (a count, or a share's numerator) is below ``min_count``, zero included
     (``PRIMARY_COUNT``, "liten_telling");
   - for a share, the denominator minus the numerator (those *without* the trait) is
     below ``min_count`` (``PRIMARY_COMPLEMENT``, "liten_rest"): "9 of 10" tells as much
     about the tenth child as "1 of 10" tells about the first. This is the rule FHI's
     indicator production applies (teller and nevner-minus-teller).

2. **Secondary (complementary) suppression** (:func:`complementary_suppression`):
   published tables are additive - a parent area is the sum of its sub-areas
   (a municipality = its parts) and a category total is the sum of the categories -
   so a hidden cell could be recovered as total minus the shown cells. The tables are
   linked through shared cells (a cell is both a component of its parent area and of
   its category total), and all relations are handled together.

   Method: **hypercube-style singleton elimination**. Iterate to a fixed point: for every
   additive constraint ``total = sum(components)`` whose published cells contain exactly
   one suppressed cell, suppress one more cell of that constraint - the smallest
   non-suppressed, non-zero-size component (ties broken by key order); the total only
   when no component is available; a zero-size cell only as a last resort.

3. **Audit of protection intervals** (:func:`audit_intervals`), the attacker's linear
   program of sdcTable's ``attack()`` and tau-ARGUS's audit: for every suppressed cell,
   minimise and maximise its value subject to every published additive relation (with
   the shown cells as constants), non-negativity and, where given, an upper bound the
   attacker knows (a share's numerator cannot exceed its respondents; the respondent
   counts are treated as known, since they are shared between the questions of one
   survey). The LPs are solved with HiGHS (highspy). The interval ``[min, max]`` is what
   an attacker can derive; it must be at least the **protection width** wide (default:
   the count threshold), or the whole a-priori range ``[0, upper]`` where that is
   narrower. Singleton elimination alone is not enough across linked tables (two blocks
   joined by a "bridge" cell are recoverable exactly) nor against bounds (a total shown
   as "1 of 19" pins its suppressed parts to 0 or 1). While a cell is too narrow, one
   more cell next to it is suppressed, singleton elimination is rerun and the audit
   repeats; :class:`SuppressionError` is raised only if that cannot converge.

Conventions for :func:`complementary_suppression`: a key is the tuple of the ``key_cols``
values of a row, in ``key_cols`` order. Cells named in a constraint but missing from
``cells`` are treated as not published and ignored; a constraint whose *total* is missing
is skipped (no relation is published), while a constraint with missing *components* is
kept over the published cells (a conservative choice: missing rows are often zeros). A
constraint with a single published cell cannot leak and needs no complement.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import polars as pl

PRIMARY_COUNT = "liten_telling"
PRIMARY_RESPONDENTS = "faa_svar"
PRIMARY_COMPLEMENT = "liten_rest"
SECONDARY = "komplementaer"

Key = tuple
Constraint = tuple[Key, list[Key]]

__all__ = [
    "PRIMARY_COUNT",
    "PRIMARY_RESPONDENTS",
    "PRIMARY_COMPLEMENT",
    "SECONDARY",
    "SuppressionError",
    "primary_suppression",
    "primary_reason",
    "complementary_suppression",
    "audit_intervals",
    "Interval",
    "hierarchy_constraints",
    "category_constraints",
    "key_tuples",
]

# Widths and bounds are compared with this slack: HiGHS solves in floating point.
_TOL = 1e-6


class SuppressionError(RuntimeError):
    """Complementary suppression could not give every suppressed cell its protection interval."""


# --------------------------------------------------------------------------- primary


def primary_suppression(
    df: pl.DataFrame,
    *,
    count_col: str | None,
    n_col: str | None,
    min_count: int,
    min_n: int,
    total_col: str | None = None,
) -> pl.Series:
    """Reason code per row (Utf8, null = shown): :func:`primary_reason` on ``df``."""
    reason = primary_reason(count_col=count_col, n_col=n_col, min_count=min_count, min_n=min_n, total_col=total_col)
    return df.with_columns(reason.alias("__reason")).get_column("__reason").alias("suppression_reason")


def primary_reason(
    *,
    count_col: str | None,
    n_col: str | None,
    min_count: int,
    min_n: int,
    total_col: str | None = None,
) -> pl.Expr:
    """The primary reason code of a row (Utf8, null = shown), as an expression.

    ``PRIMARY_RESPONDENTS`` when ``n_col < min_n``, else ``PRIMARY_COUNT`` when
    ``count_col < min_count`` (zero included; a null count is not suppressed), else
    ``PRIMARY_COMPLEMENT`` when ``total_col - count_col < min_count`` (a share's
    numerator ``count_col`` of ``total_col``). A column given as None skips its rule.
    """
    expr: pl.Expr = pl.lit(None, dtype=pl.Utf8)
    if count_col is not None and total_col is not None:
        small_rest = (pl.col(total_col) - pl.col(count_col)) < min_count
        expr = pl.when(small_rest).then(pl.lit(PRIMARY_COMPLEMENT)).otherwise(expr)
    if count_col is not None:
        expr = pl.when(pl.col(count_col) < min_count).then(pl.lit(PRIMARY_COUNT)).otherwise(expr)
    if n_col is not None:
        expr = pl.when(pl.col(n_col) < min_n).then(pl.lit(PRIMARY_RESPONDENTS)).otherwise(expr)
    return expr.cast(pl.Utf8)


# --------------------------------------------------------------------------- helpers


def _sort_key(row: tuple) -> tuple:
    """Sort key of a key tuple with nulls last in every column (Polars' ``nulls_last`` order)."""
    return tuple((v is None, 0 if v is None else v) for v in row)


def key_tuples(cells: pl.DataFrame, columns: Sequence[str]) -> list[tuple]:
    """Each row's values of ``columns`` as a tuple, read column by column (no query per call:
    suppression runs per metric and year, on many small frames)."""
    if not columns:
        return [()] * cells.height
    return list(zip(*(cells.get_column(c).to_list() for c in columns)))


def _sorted(rows: Iterable[tuple], key=lambda row: row) -> list:
    """``rows`` (or what ``key`` takes a row to) sorted as Polars sorts them: nulls last in every
    column, ties in their order."""
    rows = list(rows)
    if any(None in key(row) for row in rows):
        return sorted(rows, key=lambda row: _sort_key(key(row)))
    return sorted(rows, key=key)


def _key_ranks(keys: Sequence[Key]) -> list[int]:
    """Rank of each key when the keys are sorted (nulls last; ties keep their order)."""
    ranks = [0] * len(keys)
    for rank, row in enumerate(_sorted(range(len(keys)), key=keys.__getitem__)):
        ranks[row] = rank
    return ranks


def _floats(cells: pl.DataFrame, col: str | None, default: float, what: str) -> list[float]:
    if col is None:
        return [default] * cells.height
    values = cells.get_column(col).to_list()
    if any(v is None for v in values):
        raise ValueError(f"{col!r} has nulls; give every cell {what}")
    if any(v < 0 for v in values):
        raise ValueError(f"{col!r} has negative values")
    return [float(v) for v in values]


class _Problem:
    """Index-based view of cells and constraints."""

    def __init__(
        self,
        cells: pl.DataFrame,
        key_cols: Sequence[str],
        constraints: Iterable[Constraint],
        *,
        size_col: str | None = None,
        value_col: str | None = None,
        upper_col: str | None = None,
        locked_col: str | None = None,
    ) -> None:
        self.keys: list[Key] = key_tuples(cells, key_cols)
        self.index: dict[Key, int] = {}
        for i, key in enumerate(self.keys):
            if key in self.index:
                raise ValueError(f"duplicate key {key!r} in cells")
            self.index[key] = i
        self.rank = _key_ranks(self.keys)
        self.size = _floats(cells, size_col, 1.0, "a size")
        self.value = _floats(cells, value_col, 0.0, "a value")
        self.upper = _floats(cells, upper_col, math.inf, "an upper bound")
        # A locked cell is published by another table: a known value here, never a complement.
        self.locked = cells.get_column(locked_col).fill_null(False).to_list() if locked_col else [False] * cells.height

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
        # A cell whose relation holds only locked cells besides it is known from them: locked too.
        changed = True
        while changed:
            changed = False
            for total, components in self.constraints:
                unlocked = [i for i in (total, *components) if not self.locked[i]]
                if len(unlocked) == 1:
                    self.locked[unlocked[0]] = True
                    changed = True
        self.constraints_of: list[list[int]] = [[] for _ in self.keys]
        for c, (total, components) in enumerate(self.constraints):
            for i in (total, *components):
                self.constraints_of[i].append(c)

    def can_hide(self, i: int, suppressed: list[bool]) -> bool:
        return not suppressed[i] and not self.locked[i]

    def order_key(self, i: int) -> tuple[bool, float, int]:
        """Complement preference: non-zero size first, then smallest, then key order."""
        return (self.size[i] == 0, self.size[i], self.rank[i])

    def required_width(self, i: int, protection_width: float) -> float:
        """The protection width, or the whole a-priori range [0, upper] where that is narrower."""
        return min(protection_width, self.upper[i])


def _singleton_elimination(problem: _Problem, suppressed: list[bool], added: list[bool]) -> None:
    changed = True
    while changed:
        changed = False
        for total, components in problem.constraints:
            members = [total, *components]
            if sum(suppressed[i] for i in members) != 1:
                continue
            open_components = [i for i in components if problem.can_hide(i, suppressed)]
            nonzero = [i for i in open_components if problem.size[i] > 0]
            if nonzero:
                pick = min(nonzero, key=problem.order_key)
            elif problem.can_hide(total, suppressed) and problem.size[total] > 0:
                pick = total
            elif open_components:  # last resort: a zero-size component
                pick = min(open_components, key=problem.order_key)
            elif problem.can_hide(total, suppressed):
                pick = total
            else:  # only locked cells left: the interval audit decides whether that is safe
                continue
            suppressed[pick] = True
            added[pick] = True
            changed = True


# --------------------------------------------------------------------------- interval audit


def _components(problem: _Problem, suppressed: list[bool]) -> list[list[int]]:
    """Groups of suppressed cells linked through constraints (each group is one LP)."""
    parent = list(range(len(problem.keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for total, components in problem.constraints:
        hidden = [i for i in (total, *components) if suppressed[i]]
        for i in hidden[1:]:
            parent[find(i)] = find(hidden[0])
    groups: dict[int, list[int]] = {}
    for i, is_hidden in enumerate(suppressed):
        if is_hidden:
            groups.setdefault(find(i), []).append(i)
    return [sorted(g, key=lambda i: problem.rank[i]) for g in groups.values()]


def _group_intervals(problem: _Problem, group: list[int]) -> dict[int, tuple[float, float]]:
    """The attacker's LP for one group: min and max of each hidden cell (HiGHS)."""
    column = {cell: c for c, cell in enumerate(group)}
    rows: list[dict[int, float]] = []  # per relation: its coefficient per hidden cell's column
    rhs: list[float] = []
    for c in sorted({c for i in group for c in problem.constraints_of[i]}):
        total, components = problem.constraints[c]
        row: dict[int, float] = {}
        known = 0.0  # total - sum(components) = 0, with the shown cells moved to the right
        for i, coef in [(total, 1.0), *((j, -1.0) for j in components)]:
            if i in column:
                row[column[i]] = row.get(column[i], 0.0) + coef
            else:
                known += coef * problem.value[i]
        rows.append(row)
        rhs.append(-known)
    bounds = [(0.0, None if math.isinf(problem.upper[i]) else problem.upper[i]) for i in group]
    if not rows:
        return {i: (lo, math.inf if hi is None else hi) for i, (lo, hi) in zip(group, bounds)}
    # One HiGHS model per group; each cell's min and max only change the objective, so every
    # solve after the first starts from the previous basis.
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    # These LPs have a handful of columns: HiGHS's thread pool costs more than it could share out
    # (one thread: about a third less time per group, the same optima).
    highs.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    highs.addVars(len(group), np.zeros(len(group)), np.array([inf if hi is None else hi for _, hi in bounds]))
    for row, b in zip(rows, rhs, strict=True):
        nonzero = sorted(c for c, coef in row.items() if coef != 0.0)
        highs.addRow(
            b, b, len(nonzero), np.array(nonzero, dtype=np.int32), np.array([row[c] for c in nonzero], dtype=float)
        )
    out: dict[int, tuple[float, float]] = {}
    for cell, c in column.items():
        ends = []
        for sign in (1.0, -1.0):
            highs.changeColCost(c, sign)
            highs.run()
            status = highs.getModelStatus()
            if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
                ends.append(math.inf)  # unbounded: only the maximum can be
            elif status != highspy.HighsModelStatus.kOptimal:
                raise SuppressionError(
                    f"the published relations around {problem.keys[cell]!r} have no solution "
                    f"({highs.modelStatusToString(status)}); the cells do not add up"
                )
            else:
                ends.append(sign * highs.getObjectiveValue())
        highs.changeColCost(c, 0.0)
        out[cell] = (ends[0], ends[1])
    return out


class _IntervalCache:
    """Intervals per group of hidden cells; suppression only grows, so an unchanged group is reused."""

    def __init__(self, problem: _Problem) -> None:
        self.problem = problem
        self.known: dict[frozenset[int], dict[int, tuple[float, float]]] = {}

    def intervals(self, suppressed: list[bool]) -> dict[int, tuple[float, float]]:
        out: dict[int, tuple[float, float]] = {}
        for group in _components(self.problem, suppressed):
            key = frozenset(group)
            if key not in self.known:
                self.known[key] = _group_intervals(self.problem, group)
            out.update(self.known[key])
        return out


def _is_protected(lower: float, upper: float, required: float, a_priori: float) -> bool:
    """At least the required width, and never a single point where the cell could vary at all."""
    width = upper - lower
    return width >= required - _TOL and not (a_priori > _TOL and width <= _TOL)


def _too_narrow(problem: _Problem, intervals: dict[int, tuple[float, float]], width: float) -> list[int]:
    narrow = [
        i
        for i, (lo, hi) in intervals.items()
        if not _is_protected(lo, hi, problem.required_width(i, width), problem.upper[i])
    ]
    return sorted(narrow, key=lambda i: problem.rank[i])


def _protect_intervals(problem: _Problem, suppressed: list[bool], added: list[bool], width: float) -> None:
    cache = _IntervalCache(problem)
    while narrow := _too_narrow(problem, cache.intervals(suppressed), width):
        cell = narrow[0]
        near = {
            i
            for c in problem.constraints_of[cell]
            for i in (problem.constraints[c][0], *problem.constraints[c][1])
            if problem.can_hide(i, suppressed)
        }
        if not near:  # everything around it is hidden: widen through the cells its group touches
            group = next(g for g in _components(problem, suppressed) if cell in g)
            near = {
                i
                for j in group
                for c in problem.constraints_of[j]
                for i in (problem.constraints[c][0], *problem.constraints[c][1])
                if problem.can_hide(i, suppressed)
            }
        if not near:
            lo, hi = cache.intervals(suppressed)[cell]
            raise SuppressionError(
                f"cell {problem.keys[cell]!r} keeps the interval [{lo:g}, {hi:g}], narrower than "
                f"{problem.required_width(cell, width):g}, with nothing left to suppress"
            )
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
    value_col: str | None = None,
    upper_col: str | None = None,
    locked_col: str | None = None,
    protection_width: float = 0.0,
    audit: bool = True,
) -> pl.DataFrame:
    """Add secondary suppressions until every suppressed cell keeps its protection interval.

    ``cells`` has one row per published cell: its key (``key_cols``), a non-negative size
    (``size_col``; the complement chosen is the smallest), the protected value
    (``value_col``, default ``size_col``), an optional upper bound the attacker knows
    (``upper_col``) and the primary reason (``reason_col``, null = shown). A cell flagged in
    ``locked_col`` is published by another table (a sum the attacker reads elsewhere): it
    enters the relations as a known value and is never chosen as a complement.
    ``constraints`` are additive relations ``(total_key, [component_keys])``; a key may
    appear in many (hierarchy links and category totals together). Returns ``cells`` with
    ``reason_col`` set to ``SECONDARY`` for the extra cells; existing reasons are kept.

    With ``audit`` (the default) the interval audit runs after singleton elimination:
    every suppressed cell's attacker interval must be at least ``protection_width`` wide
    (or its whole a-priori range), and never a single point. See the module docstring.
    """
    problem = _Problem(
        cells,
        key_cols,
        constraints,
        size_col=size_col,
        value_col=value_col or size_col,
        upper_col=upper_col,
        locked_col=locked_col,
    )
    reasons = cells.get_column(reason_col).cast(pl.Utf8).to_list()
    suppressed = [r is not None for r in reasons]
    added = [False] * len(reasons)

    _singleton_elimination(problem, suppressed, added)
    if audit:
        _protect_intervals(problem, suppressed, added, protection_width)

    new_reasons = [SECONDARY if add and r is None else r for r, add in zip(reasons, added)]
    out = cells.clone()
    out.replace_column(cells.get_column_index(reason_col), pl.Series(reason_col, new_reasons, dtype=pl.Utf8))
    return out


@dataclass(frozen=True)
class Interval:
    """What an attacker can derive about one suppressed cell."""

    key: Key
    lower: float
    upper: float
    required: float  # the protection width, or the whole a-priori range where narrower
    a_priori_upper: float  # the bound known before anything is published (inf: none)

    @property
    def width(self) -> float:
        return self.upper - self.lower

    @property
    def protected(self) -> bool:
        return _is_protected(self.lower, self.upper, self.required, self.a_priori_upper)


def audit_intervals(
    cells: pl.DataFrame,
    *,
    key_cols: list[str],
    value_col: str,
    reason_col: str,
    constraints: list[Constraint],
    protection_width: float,
    upper_col: str | None = None,
) -> list[Interval]:
    """The attacker's interval for every suppressed cell (``reason_col`` not null).

    Only the shown cells' ``value_col`` enter the LP (a suppressed cell's value may be
    null); ``upper_col`` is an upper bound the attacker knows. Sorted by key order.
    """
    suppressed = [r is not None for r in cells.get_column(reason_col).to_list()]
    shown_values = [0.0 if hidden else v for v, hidden in zip(cells.get_column(value_col).to_list(), suppressed)]
    cells = cells.hstack([pl.Series("__value", shown_values, dtype=pl.Float64)])
    problem = _Problem(cells, key_cols, constraints, value_col="__value", upper_col=upper_col)
    intervals = _IntervalCache(problem).intervals(suppressed)
    return [
        Interval(problem.keys[i], lo, hi, problem.required_width(i, protection_width), problem.upper[i])
        for i, (lo, hi) in sorted(intervals.items(), key=lambda kv: problem.rank[kv[0]])
    ]


def _key_builder(columns: Sequence[str], key_order: Sequence[str] | None):
    """From a row of ``columns`` to its key: the values in ``key_order`` (default ``columns``)."""
    order = key_order or columns
    if sorted(order) != sorted(columns):
        raise ValueError(f"key_order {list(order)} must be a permutation of {list(columns)}")
    positions = [list(columns).index(c) for c in order]
    if positions == list(range(len(positions))):
        return tuple
    if len(positions) == 1:
        return lambda row: (row[positions[0]],)
    return operator.itemgetter(*positions)


def _rows(cells: pl.DataFrame | Iterable[tuple], columns: list[str]) -> list[tuple]:
    """The distinct rows of ``columns``, sorted (nulls last)."""
    rows = key_tuples(cells, columns) if isinstance(cells, pl.DataFrame) else cells
    return _sorted(set(rows))


def hierarchy_constraints(
    cells: pl.DataFrame | Iterable[tuple],
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
    independent of the row order of ``cells``, which may also be given as the
    rows' ``(area_col, *other_key_cols)`` tuples.
    """
    build = _key_builder([area_col, *other_key_cols], key_order)
    combos_of: dict[object, set[tuple]] = {}  # area -> the other key values it has, in cells
    for area, *combo in _rows(cells, [area_col, *other_key_cols]):
        combos_of.setdefault(area, set()).add(tuple(combo))
    children_of: dict[str, list[str]] = {}
    for area in combos_of:  # in sorted order
        parent = parent_of.get(area)
        if parent is not None:
            children_of.setdefault(parent, []).append(area)

    constraints: list[Constraint] = []
    for parent in sorted(children_of, key=str):
        children = children_of[parent]
        combos = _sorted(set().union(*(combos_of.get(a, ()) for a in (parent, *children))))
        for combo in combos:
            components = [build((child, *combo)) for child in children if combo in combos_of[child]]
            if components:
                constraints.append((build((parent, *combo)), components))
    return constraints


def category_constraints(
    cells: pl.DataFrame | Iterable[tuple],
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
    ``cells`` may also be given as the rows' ``(category_col, *other_key_cols)`` tuples.
    """
    build = _key_builder([category_col, *other_key_cols], key_order)
    # per combination of the other keys (in order of first appearance when sorted by category
    # first), its categories in sorted order
    categories_of: dict[tuple, list] = {}
    for category, *combo in _rows(cells, [category_col, *other_key_cols]):
        categories_of.setdefault(tuple(combo), []).append(category)
    constraints: list[Constraint] = []
    for combo, categories in categories_of.items():
        components = [build((c, *combo)) for c in categories if c != total_category]
        if components:
            constraints.append((build((total_category, *combo)), components))
    return constraints
