"""From staging tables to published metric values and the plan's scorecard.

1. :func:`build_metric_base` runs ``sql/metrics/<id>.sql`` for every catalogue metric: the
   additive base cells (numerator, denominator) at the finest area the source has.
2. ``sql/marts/metric_cells.sql`` sums them up the area hierarchy and over survey groups.
3. :func:`suppress` applies primary and complementary suppression to those cells; what is
   suppressed loses its value, numerator and denominator here, before anything is published.
4. :func:`build_scorecard` derives 0-punkt, Mål, Status, Forbedring and the status class.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import duckdb
import numpy as np
import polars as pl

from pipelines.catalogue import LEVEL_RANK, Catalogue, Metric, MetricTargets
from pipelines.metrics import stats, suppression
from pipelines.metrics.codes import NO_DATA, report_clock
from pipelines.metrics.status import Assessment, Observation, classify, intervals_and_pvalues
from pipelines.plan import COMPARATOR_LEVEL
from pipelines.warehouse import append_table, query, read_sql, replace_table, swap_table

BASE_COLUMNS = ["area_code", "year", "school_level", "gender", "numerator", "denominator"]
CELL_KEY = ["area_code", "school_level", "gender"]


def build_metric_base(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> pl.DataFrame:
    frames = []
    for metric in catalogue.metrics:
        frame = query(con, metric.sql)
        missing = [c for c in BASE_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"{metric.sql_file} does not return {missing}")
        frames.append(
            frame.select(
                pl.lit(metric.id).alias("metric_id"),
                pl.col("area_code").cast(pl.Utf8),
                pl.col("year").cast(pl.Int64),
                pl.col("school_level").cast(pl.Utf8),
                pl.col("gender").cast(pl.Utf8),
                pl.col("numerator").cast(pl.Float64),
                pl.col("denominator").cast(pl.Float64),
            )
        )
    base = pl.concat(frames)
    replace_table(con, "marts.metric_base", base)
    return base


@dataclass(frozen=True)
class Protection:
    """Which columns of a metric's cells the small-number rules protect, by the metric's unit.

    ``protected`` is the count that must not be revealed (the numerator of a share or rate,
    the count itself, or the children behind a mean age); ``respondents`` is held against
    ``min_respondents``; a share's ``protected`` is also held against ``total - protected``;
    ``upper`` is what an attacker knows bounds it (a share's numerator its respondents).
    ``size`` orders the candidates for complementary suppression (smallest first)."""

    protected: str
    size: str
    respondents: str | None = None
    total: str | None = None
    upper: str | None = None


PROTECTION = {
    "count": Protection(protected="numerator", size="numerator"),
    "per_1000": Protection(protected="numerator", size="numerator", upper="denominator"),
    "percent": Protection(
        protected="numerator", size="denominator", respondents="denominator", total="denominator", upper="denominator"
    ),
    # a mean over few children: the number of children behind it is what is protected
    "years": Protection(protected="denominator", size="denominator"),
}


def _by_rule(rules: dict[str, Protection], expr: Callable[[Protection], pl.Expr]) -> pl.Expr:
    """``expr(rule)`` on each row, with the rule of the row's metric (``rules`` by metric id)."""
    by_rule: dict[Protection, list[str]] = {}
    for metric_id, rule in rules.items():
        by_rule.setdefault(rule, []).append(metric_id)
    out = None
    for rule, metric_ids in by_rule.items():
        out = (out.when if out is not None else pl.when)(pl.col("metric_id").is_in(metric_ids)).then(expr(rule))
    return out.otherwise(None) if out is not None else pl.lit(None)


def _with_protection(cells: pl.DataFrame, rules: dict[str, Protection], min_count: int, min_n: int) -> pl.DataFrame:
    """Each cell's primary suppression reason and the non-null working columns of the suppression
    module (size, value, upper bound), by its metric's rule, for every metric at once."""
    return cells.with_columns(
        _by_rule(
            rules,
            lambda rule: suppression.primary_reason(
                count_col=rule.protected, n_col=rule.respondents, total_col=rule.total, min_count=min_count, min_n=min_n
            ),
        ).alias("suppression_reason"),
        _by_rule(rules, lambda rule: pl.col(rule.size).fill_null(0)).alias("_size"),
        _by_rule(rules, lambda rule: pl.col(rule.protected).fill_null(0)).alias("_value"),
        _by_rule(rules, _upper_bound).alias("_upper"),
    )


def _upper_bound(rule: Protection) -> pl.Expr:
    """What an attacker knows bounds a cell's protected count (Float64; no bound: infinity)."""
    return (pl.col(rule.upper).fill_null(math.inf) if rule.upper else pl.lit(math.inf)).cast(pl.Float64)


def cell_constraints(cells: pl.DataFrame, parent_of: dict[str, str | None]) -> list[suppression.Constraint]:
    """The additive relations between one metric's cells for one year: the area hierarchy
    (parent = sum of children) for every survey group, and for survey metrics the groups
    themselves (alle = jenter + gutter, alle = ungdomsskole + videregående) in every area."""
    keys = suppression.key_tuples(cells, CELL_KEY)  # (area_code, school_level, gender)
    constraints = suppression.hierarchy_constraints(
        keys, area_col="area_code", parent_of=parent_of, other_key_cols=["school_level", "gender"], key_order=CELL_KEY
    )
    if len({gender for _, _, gender in keys}) > 1:
        constraints += suppression.category_constraints(
            [(gender, area, level) for area, level, gender in keys],
            category_col="gender",
            total_category="alle",
            other_key_cols=["area_code", "school_level"],
            key_order=CELL_KEY,
        )
    if len({level for _, level, _ in keys}) > 1:
        constraints += suppression.category_constraints(
            [(level, area, gender) for area, level, gender in keys],
            category_col="school_level",
            total_category="alle",
            other_key_cols=["area_code", "gender"],
            key_order=CELL_KEY,
        )
    return constraints


def suppress(
    cells: pl.DataFrame,
    catalogue: Catalogue,
    parent_of: dict[str, str | None],
    *,
    min_count: int,
    min_n: int,
    protection_width: float,
) -> pl.DataFrame:
    """Primary then complementary suppression per metric and year, with the interval audit
    (every suppressed count keeps an attacker interval of at least ``protection_width``);
    blank what is suppressed."""
    _check_unique_cells(cells, "the metric cells")
    present = set(cells.get_column("metric_id").unique().to_list())
    rules = {m.id: PROTECTION[m.unit] for m in catalogue.metrics if m.id in present}
    cells = _with_protection(cells, rules, min_count, min_n)
    out = []
    by_metric = cells.partition_by("metric_id", as_dict=True, maintain_order=True)
    for metric in catalogue.metrics:
        m_cells = by_metric.get((metric.id,))
        if m_cells is None:
            continue
        for year_cells in m_cells.partition_by("year", maintain_order=True):
            # A year without a primary suppression needs no complement: there is nothing to recover.
            constraints = cell_constraints(year_cells, parent_of) if _any_hidden(year_cells) else []
            if constraints:
                year_cells = suppression.complementary_suppression(
                    year_cells,
                    key_cols=CELL_KEY,
                    size_col="_size",
                    value_col="_value",
                    upper_col="_upper",
                    reason_col="suppression_reason",
                    constraints=constraints,
                    protection_width=protection_width,
                )
            out.append(year_cells)
    result = pl.concat(out).drop("_size", "_value", "_upper")
    hidden = pl.col("suppression_reason").is_not_null()
    return result.with_columns(
        hidden.alias("suppressed"),
        *[pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in ("numerator", "denominator", "value")],
    )


def _any_hidden(cells: pl.DataFrame) -> bool:
    return cells.get_column("suppression_reason").null_count() < cells.height


def _check_unique_cells(cells: pl.DataFrame, what: str) -> None:
    """Suppression and its audit know a cell by its key: each (metric, year, cell) once."""
    duplicated = cells.select("metric_id", "year", *CELL_KEY).is_duplicated()
    if duplicated.any():
        example = cells.filter(duplicated).select("metric_id", "year", *CELL_KEY).row(0)
        raise ValueError(f"{what} hold the cell {example!r} more than once")


def with_intervals(values: pl.DataFrame, catalogue: Catalogue) -> pl.DataFrame:
    """95 % intervals by the metric's method: Wilson for shares of people, exact Poisson for
    counts of events, none where the figure has no sampling error (catalogue ``uncertainty``);
    computed column-wise."""
    method = values["metric_id"].replace_strict({m.id: m.interval_method for m in catalogue.metrics}).to_numpy()
    num = values["numerator"].cast(pl.Float64).to_numpy()
    den = values["denominator"].cast(pl.Float64).to_numpy()
    low, high = np.full(values.height, np.nan), np.full(values.height, np.nan)
    wilson = (method == "wilson") & np.isfinite(num) & np.isfinite(den) & (den != 0)
    low[wilson], high[wilson] = stats.wilson_intervals(num[wilson], den[wilson])
    poisson = (method == "poisson") & np.isfinite(num) & (num == np.floor(num))
    low[poisson], high[poisson] = stats.poisson_intervals(num[poisson])
    return values.with_columns(
        pl.Series("ci_low", low, dtype=pl.Float64).fill_nan(None),
        pl.Series("ci_high", high, dtype=pl.Float64).fill_nan(None),
    )


def unsuppressed_cells(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> pl.DataFrame:
    """Every metric cell before suppression (``sql/marts/metric_cells.sql``), down to each
    metric's lowest area level. Never published: the input to suppression and its audit."""
    cells = query(con, read_sql("marts", "metric_cells"))
    lowest = {m.id: LEVEL_RANK[m.lowest_level] for m in catalogue.metrics}
    return cells.filter(
        pl.col("area_level").replace_strict(LEVEL_RANK, return_dtype=pl.Int64)
        <= pl.col("metric_id").replace_strict(lowest, return_dtype=pl.Int64)
    )


def area_parents(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    return dict(query(con, "SELECT area_code, parent_code FROM marts.areas").iter_rows())


def metric_values(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, *, min_count: int, min_n: int, protection_width: float
) -> pl.DataFrame:
    """Build ``marts.metric_values``: every metric per area, survey group and period, suppressed."""
    cells = unsuppressed_cells(con, catalogue)
    values = with_intervals(
        suppress(
            cells, catalogue, area_parents(con), min_count=min_count, min_n=min_n, protection_width=protection_width
        ),
        catalogue,
    )
    values = values.sort(["metric_id", "area_code", "school_level", "gender", "year"])
    replace_table(con, "marts.metric_values", values)
    return values


REPORTER_KEY = ["reporter_code", "year"]
# The early reporters' sum per year is published too, as cw_reports_early_share's numerator: a
# pseudo category in the reporter table, so that relation counts in suppression and in the audit.
EARLY_SUM = "tidlig"


def _reporter_constraints(cells: pl.DataFrame) -> list[suppression.Constraint]:
    """Per year: the categories add up to the total ("00"), and the early ones to their sum."""
    constraints = suppression.category_constraints(
        cells.filter(pl.col("reporter_code") != EARLY_SUM),
        category_col="reporter_code",
        total_category="00",
        other_key_cols=["year"],
        key_order=REPORTER_KEY,
    )
    for (year,), frame in cells.filter(pl.col("is_early")).group_by(["year"], maintain_order=True):
        constraints.append(((EARLY_SUM, year), [(code, year) for code in sorted(frame["reporter_code"])]))
    return constraints


def _with_early_sums(cells: pl.DataFrame, early_sums: pl.DataFrame) -> pl.DataFrame:
    """Add the published early sums (``year``, ``reports``) as locked cells."""
    pseudo = early_sums.select(
        pl.col("year"),
        pl.lit(EARLY_SUM).alias("reporter_code"),
        pl.col("reports").cast(pl.Float64),
        pl.lit(False).alias("is_early"),
        pl.lit(True).alias("_locked"),
    )
    return pl.concat([cells.with_columns(pl.lit(False).alias("_locked")), pseudo], how="diagonal_relaxed")


def early_report_sums(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Reports from the plan's early reporters per year: what cw_reports_early_share publishes."""
    return query(
        con,
        """
        SELECT r.year, sum(r.reports) AS reports FROM staging.stg_child_welfare_reports r
        JOIN marts.plan p ON r.municipality = p.municipality_series
        WHERE r.is_early GROUP BY r.year ORDER BY r.year""",
    )


def reports_by_reporter(con: duckdb.DuckDBPyConnection, *, min_count: int, protection_width: float) -> pl.DataFrame:
    """Child-welfare reports per reporting source for the plan's municipality (``marts.plan``),
    suppressed as a linked table.

    The categories add up to the total ("I alt"), and the early reporters to the numerator of
    cw_reports_early_share, so a small category is suppressed together with complements
    (singleton elimination, then the interval audit, over both relations per year). A cell SSB
    itself withheld (":") stays withheld with the reason "kilde_skjermet".
    """
    cells = query(
        con,
        """
        SELECT r.year, r.reporter_code, r.reporter_label, r.reports, r.reports_status, r.is_early
        FROM staging.stg_child_welfare_reports r JOIN marts.plan p ON r.municipality = p.municipality_series
        ORDER BY r.year, r.reporter_code""",
    )
    reasons = suppression.primary_suppression(cells, count_col="reports", n_col=None, min_count=min_count, min_n=0)
    cells = cells.with_columns(
        pl.when(pl.col("reports").is_null())
        .then(pl.lit("kilde_skjermet"))
        .otherwise(reasons)
        .alias("suppression_reason")
    )
    cells = _with_early_sums(cells, early_report_sums(con)).with_columns(pl.col("reports").fill_null(0).alias("_size"))
    cells = suppression.complementary_suppression(
        cells,
        key_cols=REPORTER_KEY,
        size_col="_size",
        reason_col="suppression_reason",
        locked_col="_locked",
        constraints=_reporter_constraints(cells),
        protection_width=protection_width,
    )
    hidden = pl.col("suppression_reason").is_not_null()
    out = cells.filter(~pl.col("_locked")).select(
        "year",
        "reporter_code",
        "reporter_label",
        pl.when(hidden).then(None).otherwise(pl.col("reports")).alias("reports"),
        "is_early",
        "suppression_reason",
        hidden.alias("suppressed"),
    )
    replace_table(con, "marts.cw_reports_by_reporter", out)
    return out


# -- publication audit ------------------------------------------------------------------------


def audit_metric_values(
    published: pl.DataFrame,
    truth: pl.DataFrame,
    catalogue: Catalogue,
    parent_of: dict[str, str | None],
    *,
    protection_width: float,
) -> pl.DataFrame:
    """The attacker's interval for every suppressed cell of ``marts.metric_values``, from what
    is about to be published: the shown cells and every additive relation between them.

    ``truth`` (the unsuppressed cells) gives only what an attacker is assumed to know anyway:
    each cell's upper bound (a share's respondents). One row per suppressed cell with its
    interval, the width it needs and whether it has it."""
    keys = ["metric_id", "year", *CELL_KEY]
    rules = {m.id: PROTECTION[m.unit] for m in catalogue.metrics}
    # each cell's upper bound for every metric and year at once
    upper = pl.concat(
        [
            frame.select(*keys, _upper_bound(rules[metric_id]).alias("_upper"))
            for (metric_id,), frame in truth.partition_by("metric_id", as_dict=True).items()
        ]
    )
    published = published.join(upper, on=keys, how="left", maintain_order="left").with_columns(
        pl.col("_upper").fill_null(math.inf),
        pl.when(pl.col("suppressed")).then(pl.lit("x")).otherwise(None).alias("_hidden"),
    )
    _check_unique_cells(published, "the published values with their upper bounds")
    # A metric year without a suppressed cell has no interval to audit.
    published = published.filter(pl.col("suppressed").any().over("metric_id", "year"))
    rows = []
    for (metric_id, year), cells in published.partition_by(["metric_id", "year"], as_dict=True).items():
        for interval in suppression.audit_intervals(
            cells,
            key_cols=CELL_KEY,
            value_col=rules[metric_id].protected,
            reason_col="_hidden",
            constraints=cell_constraints(cells, parent_of),
            protection_width=protection_width,
            upper_col="_upper",
        ):
            rows.append(_interval_row(dict(zip(keys, (metric_id, year, *interval.key))), interval))
    return _interval_frame(rows, keys)


def audit_reports_by_reporter(
    published: pl.DataFrame, early_sums: pl.DataFrame, *, protection_width: float
) -> pl.DataFrame:
    """The attacker's interval for every suppressed cell of ``marts.cw_reports_by_reporter``,
    from its total and the early reporters' sum (``early_sums``, taken as known: it is published
    as cw_reports_early_share's numerator)."""
    cells = _with_early_sums(published, early_sums).with_columns(
        pl.when(pl.col("suppressed")).then(pl.lit("x")).otherwise(None).alias("_hidden")
    )
    rows = [
        _interval_row(dict(zip(REPORTER_KEY, interval.key)), interval)
        for interval in suppression.audit_intervals(
            cells,
            key_cols=REPORTER_KEY,
            value_col="reports",
            reason_col="_hidden",
            constraints=_reporter_constraints(cells),
            protection_width=protection_width,
        )
    ]
    return _interval_frame(rows, REPORTER_KEY)


def _interval_row(key: dict, interval: suppression.Interval) -> dict:
    return {
        **key,
        "lower": interval.lower,
        "upper": interval.upper,
        "width": interval.width,
        "required": interval.required,
        "protected": interval.protected,
    }


def _interval_frame(rows: list[dict], keys: list[str]) -> pl.DataFrame:
    if rows:
        return pl.DataFrame(rows, infer_schema_length=None)
    return pl.DataFrame(
        schema={
            **{k: pl.Utf8 for k in keys},
            "lower": pl.Float64,
            "upper": pl.Float64,
            "width": pl.Float64,
            "required": pl.Float64,
            "protected": pl.Boolean,
        }
    )


# -- scorecard --------------------------------------------------------------------------------


def stale_after_year(metric: Metric, clock: dt.date) -> int:
    """The oldest period that is still current on the date ``clock``: a source publishing every
    ``cadence_years`` must have the newest period due out by then, or one up to cadence - 1 older.
    A latest value older than that is "foreldet"."""
    return metric.newest_period_out(clock) - metric.cadence_years + 1


SCORECARD_BATCH = 4096  # rows judged and typed together

# What a scorecard row reads of the values
SCORECARD_VALUE_COLUMNS = [
    *CELL_KEY,
    "area_name",
    "area_level",
    "year",
    "period",
    "value",
    "numerator",
    "denominator",
    "suppressed",
]

# Typed explicitly: a plan whose targets are all directional has no numeric target value at all,
# and an inferred all-null column would be typed NULL instead of DOUBLE.
SCORECARD_SCHEMA = {
    "metric_id": pl.Utf8,
    "report_year": pl.Int64,
    "area_code": pl.Utf8,
    "area_name": pl.Utf8,
    "area_level": pl.Utf8,
    "school_level": pl.Utf8,
    "gender": pl.Utf8,
    "period_type": pl.Utf8,
    "baseline_year": pl.Int64,
    "baseline_period": pl.Utf8,
    "baseline_value": pl.Float64,
    "baseline_is_first_year": pl.Boolean,
    "target_kind": pl.Utf8,
    "target_value": pl.Float64,
    "target_year": pl.Int64,
    "target_version": pl.Int64,
    "target_decided_at": pl.Date,
    "target_decision_ref": pl.Utf8,
    "status_year": pl.Int64,
    "status_period": pl.Utf8,
    "status_value": pl.Float64,
    "status_ci_low": pl.Float64,
    "status_ci_high": pl.Float64,
    "expected_value": pl.Float64,
    "improvement": pl.Float64,
    "improvement_pp": pl.Float64,
    "p_value": pl.Float64,
    "status_class": pl.Utf8,
    "stale": pl.Boolean,
    "status_preliminary": pl.Boolean,
    "explanation": pl.Utf8,
    "as_of": pl.Date,
}


def build_scorecard(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, targets: dict[str, MetricTargets], as_of: dt.date
) -> int:
    """Write ``marts.scorecard`` (and ``marts.source_schedule``) and return the scorecard's rows.

    The scorecard is written a batch at a time, beside the previous one until it is complete (a
    failure leaves the previous one): held whole, a city's scorecard (16x: 270 000 rows) and its copy
    on the way into DuckDB were the peak of the refresh's memory. (Not in one transaction: DuckDB
    holds a transaction's appended rows in memory until it commits.)"""
    # The plan's own areas: the comparators (level sammenligning) are compared in marts.comparisons.
    values = query(con, f"SELECT * FROM marts.metric_values WHERE area_level <> '{COMPARATOR_LEVEL}'")
    # The periods each source has delivered: a metric without a value for its source's latest
    # period (up to the report year) "mangler data".
    source_of = {m.id: m.source for m in catalogue.metrics}
    delivered = (
        values.filter(pl.col("value").is_not_null() | pl.col("suppressed"))
        .with_columns(pl.col("metric_id").replace_strict(source_of).alias("source"))
        .group_by("source")
        .agg(pl.col("year").unique().sort())
    )
    delivered = {r["source"]: r["year"] for r in delivered.to_dicts()}

    report_years = sorted(values["year"].unique().to_list())
    latest_expected: dict[tuple[str, int], int] = {}
    for source in source_of.values():
        for report_year in report_years:
            years = [y for y in delivered.get(source, []) if y <= report_year]
            latest_expected[source, report_year] = max(years) if years else report_year
    clocks = {report_year: report_clock(report_year, report_years[-1], as_of) for report_year in report_years}
    # A batch of rows at a time, so that only that many rows are Python objects at once (a city's
    # scorecard has hundreds of thousands of rows); the cells (metric, area, survey group) in the
    # order of the values.
    questions: list[_ScorecardQuestion] = []
    building = "marts.scorecard_building"
    rows_written = replace_table(con, building, pl.DataFrame(schema=SCORECARD_SCHEMA))

    def judge() -> None:
        """The intervals and tests of the batch at once (column-wise), then each row's class."""
        nonlocal rows_written
        intervals, p_values = intervals_and_pvalues(
            [q.metric.unit for q in questions], [q.baseline for q in questions], [q.status for q in questions]
        )
        rows = [_scorecard_row(q, i, p, as_of) for q, i, p in zip(questions, intervals, p_values, strict=True)]
        frame = pl.DataFrame({c: [r[c] for r in rows] for c in SCORECARD_SCHEMA}, schema=SCORECARD_SCHEMA)
        rows_written += append_table(con, building, frame)
        questions.clear()

    by_metric = values.partition_by("metric_id", as_dict=True, maintain_order=True)
    for metric in catalogue.metrics:
        if (metric.id,) not in by_metric:
            continue
        target = targets[metric.id].current
        counts = metric.interval_method != "none"  # without counts, no interval is drawn
        cells: dict[tuple, list[dict]] = {}
        for row in by_metric.pop((metric.id,)).select(SCORECARD_VALUE_COLUMNS).to_dicts():
            cells.setdefault(tuple(row[k] for k in CELL_KEY), []).append(row)
        for cell in cells.values():
            shown = sorted((r for r in cell if r["value"] is not None), key=lambda r: r["year"])
            observed = [_obs(r, counts) for r in shown]
            first = cell[0]
            # The 0-punkt is the baseline year's value; only where the source starts later is it the
            # first year with data. A suppressed value there leaves the 0-punkt empty.
            years = [r["year"] for r in cell]
            base_year = metric.baseline_year if metric.baseline_year in years else min(years)
            base = next((i for i, r in enumerate(shown) if r["year"] == base_year), None)
            hidden = {r["year"] for r in cell if r["suppressed"]}
            upto = 0  # how many shown values are up to the report year
            for report_year in report_years:
                while upto < len(shown) and shown[upto]["year"] <= report_year:
                    upto += 1
                base_shown = base is not None and base < upto
                questions.append(
                    _ScorecardQuestion(
                        metric,
                        target,
                        first,
                        shown[base] if base_shown else None,
                        shown[upto - 1] if upto else None,
                        base_year,
                        report_year,
                        latest_expected[metric.source, report_year],
                        clocks[report_year],
                        hidden,
                        observed[base] if base_shown else None,
                        observed[upto - 1] if upto else None,
                    )
                )
            if len(questions) >= SCORECARD_BATCH:
                judge()
    if questions:
        judge()
    swap_table(con, building, "marts.scorecard")
    _classify.cache_clear()  # its questions were this scorecard's: tens of MiB at 16x for the rest of the run
    replace_table(con, "marts.source_schedule", source_schedule(values, catalogue, as_of))
    return rows_written


def source_schedule(values: pl.DataFrame, catalogue: Catalogue, as_of: dt.date) -> pl.DataFrame:
    """Per source: the latest period delivered, the next one and the day it is due, and whether
    it is overdue on ``as_of`` (the same publication rule as "foreldet")."""
    rows = []
    for source in sorted({m.source for m in catalogue.metrics}):
        metrics = [m for m in catalogue.metrics if m.source == source]
        lead = catalogue.lead_metric(source)
        delivered = values.filter(
            pl.col("metric_id").is_in([m.id for m in metrics]) & (pl.col("value").is_not_null() | pl.col("suppressed"))
        )
        latest = delivered["year"].max() if delivered.height else None
        next_year = None if latest is None else latest + lead.cadence_years
        due = None if next_year is None else lead.published_on(next_year)
        rows.append(
            {
                "source": source,
                "period_type": lead.period_type,
                "cadence_years": lead.cadence_years,
                "latest_year": latest,
                "latest_period": delivered.filter(pl.col("year") == latest)["period"][0]
                if latest is not None
                else None,
                "next_year": next_year,
                "next_period": None
                if next_year is None
                else (f"{next_year}/{str(next_year + 1)[-2:]}" if lead.period_type == "skoleår" else str(next_year)),
                "next_due": due,
                "overdue": bool(due and as_of >= due),
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


@dataclass
class _ScorecardQuestion:
    """One scorecard row to judge: the metric as it stood in ``report_year``."""

    metric: Metric
    target: object
    first: dict
    base_row: dict | None  # the 0-punkt's value, if shown
    status_row: dict | None  # the latest value shown up to the report year
    base_year: int
    report_year: int
    latest_expected_year: int
    clock: dt.date
    hidden: set[int]
    baseline: Observation | None  # base_row and status_row as observations
    status: Observation | None


def _scorecard_row(
    q: _ScorecardQuestion, interval: tuple[float, float] | None, p_value: float | None, as_of: dt.date
) -> dict:
    """One scorecard row: the metric as it stood in ``report_year`` (latest value up to then)."""
    metric, target, first, base_year, hidden = q.metric, q.target, q.first, q.base_year, q.hidden
    base_row, status_row, latest_expected_year, report_year = (
        q.base_row,
        q.status_row,
        q.latest_expected_year,
        q.report_year,
    )
    a = _classify(
        unit=metric.unit,
        direction=metric.direction,
        baseline=q.baseline,
        status=q.status,
        target_kind=target.kind,
        target_value=target.value,
        target_year=target.target_year,
        latest_expected_year=latest_expected_year,
        stale_after_year=stale_after_year(metric, q.clock),
        interval=interval,
        p_value=p_value,
    )
    if a.status_class == NO_DATA:  # say so when the value exists but is suppressed
        if base_row is None and base_year in hidden:
            a = replace(
                a, explanation_nb=f"0-punktet ({base_year}) er skjermet fordi tallene er små, og kan ikke vises."
            )
        elif latest_expected_year in hidden and (status_row is None or status_row["year"] < latest_expected_year):
            a = replace(
                a,
                explanation_nb=f"Verdien for {latest_expected_year} er skjermet fordi tallene er små, "
                "og kan ikke vises.",
            )
    return {
        "metric_id": metric.id,
        "report_year": report_year,
        "area_code": first["area_code"],
        "area_name": first["area_name"],
        "area_level": first["area_level"],
        "school_level": first["school_level"],
        "gender": first["gender"],
        "period_type": metric.period_type,
        "baseline_year": base_year,
        "baseline_period": base_row["period"] if base_row else None,
        "baseline_value": base_row["value"] if base_row else None,
        "baseline_is_first_year": base_year != metric.baseline_year,
        "target_kind": target.kind,
        "target_value": target.value,
        "target_year": target.target_year,
        "target_version": target.version,
        "target_decided_at": target.decided_at,
        "target_decision_ref": target.decision_ref,
        "status_year": status_row["year"] if status_row else None,
        "status_period": status_row["period"] if status_row else None,
        "status_value": status_row["value"] if status_row else None,
        "status_ci_low": a.interval[0] if a.interval else None,
        "status_ci_high": a.interval[1] if a.interval else None,
        "expected_value": a.expected_value,
        "improvement": a.improvement,
        "improvement_pp": a.improvement_pp,
        "p_value": a.p_value,
        "status_class": a.status_class,
        "stale": a.stale,
        "status_preliminary": bool(status_row) and metric.preliminary_on(status_row["year"], q.clock),
        "explanation": a.explanation_nb,
        "as_of": as_of,
    }


@lru_cache(maxsize=65536)
def _classify(**kwargs) -> Assessment:
    """``classify`` is pure; years without new data repeat the same question."""
    return classify(**kwargs)


def _obs(row: dict | None, with_counts: bool = True) -> Observation | None:
    if row is None:
        return None
    if not with_counts:
        return Observation(year=row["year"], value=row["value"])
    return Observation(year=row["year"], value=row["value"], numerator=row["numerator"], denominator=row["denominator"])
