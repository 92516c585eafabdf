"""Read access to the published snapshot: the only module of the dashboard that opens DuckDB.

Rules (see README "Serving"):

* The dashboard reads only the *published* snapshot (``Settings.published_path``), never the
  warehouse the pipeline writes, and never writes to it.
* One short-lived ``duckdb.connect(path, read_only=True)`` per query. The pipeline replaces the
  file atomically with ``os.replace``; a connection held across reruns would keep serving the old
  file and is not thread-safe across Streamlit sessions.
* Query results are cached with ``st.cache_data``, keyed on the snapshot file's identity
  (inode, modification time, size): a newly published snapshot is a new key, so the cache is
  invalidated without a TTL race.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import streamlit as st

from pipelines.settings import Settings
from presentation.plan import PlanHeader
from presentation.suppression import SuppressionRule

__all__ = [
    "SnapshotMissing",
    "SnapshotInfo",
    "settings",
    "published_path",
    "snapshot_stamp",
    "query",
    "snapshot_info",
    "plan_header",
    "suppression_rule",
    "catalogue",
    "satsingsomrader",
    "areas",
    "report_years",
    "scorecard",
    "scorecard_rows",
    "metric_values",
    "revisions",
    "values_for_year",
    "sparkline_values",
    "survey_groups",
    "target_history",
    "provenance",
    "file_loads",
    "services",
]


class SnapshotMissing(RuntimeError):
    """No published snapshot yet (the pipeline has not run successfully)."""


@lru_cache(maxsize=8)
def _settings_for(env: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()


def settings() -> Settings:
    """The project's settings, re-read when an ``SBU_*`` environment variable changes."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("SBU_")))
    return _settings_for(env)


def published_path() -> Path:
    return Path(settings().published_path)


def snapshot_stamp(path: Path | None = None) -> tuple[int, int, int] | None:
    """Identity of the snapshot file (inode, mtime in ns, size); ``None`` when it is missing."""
    path = path or published_path()
    try:
        st_ = os.stat(path)
    except FileNotFoundError:
        return None
    return (st_.st_ino, st_.st_mtime_ns, st_.st_size)


@st.cache_data(show_spinner=False, max_entries=512, ttl=6 * 3600)
def _cached_query(path: str, stamp: tuple[int, int, int], sql: str, params: tuple) -> pl.DataFrame:
    # ``stamp`` is only part of the cache key: a new snapshot file means new cache entries.
    del stamp
    with duckdb.connect(path, read_only=True) as con:
        return con.sql(sql, params=list(params) if params else None).pl()


def query(sql: str, params: tuple | list = ()) -> pl.DataFrame:
    """Run one read-only query against the published snapshot (cached per snapshot file)."""
    path = published_path()
    stamp = snapshot_stamp(path)
    if stamp is None:
        raise SnapshotMissing(str(path))
    return _cached_query(str(path), stamp, sql, tuple(params))


# --------------------------------------------------------------------------- typed accessors


@dataclass(frozen=True)
class SnapshotInfo:
    published_at: Any
    as_of: Any  # the day the run judged the status on
    demo_data: bool
    run_id: str | None
    path: Path
    # The small-number thresholds the published values were suppressed with (None: not published).
    min_count: int | None = None
    min_respondents: int | None = None

    @property
    def suppression(self) -> SuppressionRule:
        return SuppressionRule(self.min_count, self.min_respondents)


def snapshot_info() -> SnapshotInfo | None:
    """What the snapshot says about itself, or ``None`` when there is no snapshot."""
    path = published_path()
    if snapshot_stamp(path) is None:
        return None
    df = query("SELECT * FROM main.snapshot LIMIT 1")  # every column: older snapshots lack the newer ones
    if df.is_empty():
        return SnapshotInfo(None, None, False, None, path)
    row = df.row(0, named=True)
    return SnapshotInfo(
        row["published_at"],
        row["as_of"],
        bool(row["demo_data"]),
        row["run_id"],
        path,
        row.get("min_count"),
        row.get("min_respondents"),
    )


def plan_header() -> PlanHeader | None:
    """The plan the snapshot was made for (its name, period, municipality), or ``None`` for a
    snapshot from before the plan was published."""
    if not has_table("plan"):
        return None
    df = query("SELECT * FROM main.plan LIMIT 1")
    return PlanHeader.from_row(df.row(0, named=True)) if df.height else None


def plan_id() -> str | None:
    """The id of the plan (its folder in ``catalogue/plans/``) the snapshot was made for."""
    if not has_table("plan"):
        return None
    df = query("SELECT * FROM main.plan LIMIT 1")
    return str(df["plan_id"][0]) if df.height and "plan_id" in df.columns and df["plan_id"][0] else None


def suppression_rule() -> SuppressionRule:
    """The small-number rule with the thresholds the published snapshot was suppressed with."""
    info = snapshot_info()
    return info.suppression if info else SuppressionRule(None, None)


def catalogue() -> pl.DataFrame:
    return query("SELECT * FROM main.metric_catalogue ORDER BY sort_order, metric_id")


def satsingsomrader() -> pl.DataFrame:
    return query("SELECT * FROM main.satsingsomrader ORDER BY sort_order")


def areas() -> pl.DataFrame:
    return query("SELECT * FROM main.areas ORDER BY area_code")


def report_years() -> list[int]:
    df = query("SELECT DISTINCT report_year FROM main.scorecard ORDER BY report_year DESC")
    return [int(y) for y in df["report_year"].to_list()]


def scorecard(report_year: int, area_code: str, school_level: str = "alle", gender: str = "alle") -> pl.DataFrame:
    """The scorecard as it stood in ``report_year`` for one area and survey group."""
    return query(
        "SELECT * FROM main.scorecard WHERE report_year = ? AND area_code = ? AND school_level = ? AND gender = ?",
        (int(report_year), area_code, school_level, gender),
    )


def scorecard_rows(metric_id: str, area_code: str, school_level: str = "alle", gender: str = "alle") -> pl.DataFrame:
    """All report years of one metric's scorecard row (newest first)."""
    return query(
        "SELECT * FROM main.scorecard WHERE metric_id = ? AND area_code = ? AND school_level = ? AND gender = ? "
        "ORDER BY report_year DESC",
        (metric_id, area_code, school_level, gender),
    )


def metric_values(
    metric_id: str, area_codes: list[str] | tuple[str, ...], school_level: str = "alle", gender: str = "alle"
) -> pl.DataFrame:
    """The yearly series of one metric for some areas and one survey group."""
    codes = list(area_codes)
    if not codes:
        return query("SELECT * FROM main.metric_values WHERE FALSE")
    return query(
        "SELECT * FROM main.metric_values WHERE metric_id = ? AND list_contains(?, area_code) "
        "AND school_level = ? AND gender = ? ORDER BY area_code, year",
        (metric_id, codes, school_level, gender),
    )


def revisions(
    metric_id: str, area_codes: list[str] | tuple[str, ...], school_level: str = "alle", gender: str = "alle"
) -> pl.DataFrame:
    """The revisions of one metric's figures for some areas and one survey group (one row per step,
    ``pipelines.revisions``); empty for a snapshot from before revisions were published."""
    if not has_table("revisions"):
        return pl.DataFrame()
    return query(
        "SELECT * FROM main.revisions WHERE metric_id = ? AND list_contains(?, area_code) "
        "AND school_level = ? AND gender = ? ORDER BY area_code, year, revised_at",
        (metric_id, list(area_codes), school_level, gender),
    )


def values_for_year(metric_id: str, year: int, school_level: str = "alle", gender: str = "alle") -> pl.DataFrame:
    """Every area's value of one metric in one period, with the area hierarchy."""
    return query(
        "SELECT v.*, a.parent_code FROM main.metric_values v LEFT JOIN main.areas a USING (area_code) "
        "WHERE v.metric_id = ? AND v.year = ? AND v.school_level = ? AND v.gender = ? ORDER BY v.area_code",
        (metric_id, int(year), school_level, gender),
    )


def sparkline_values(area_code: str, max_year: int) -> pl.DataFrame:
    """Headline series (all pupils, both genders) of every metric for one area, up to ``max_year``."""
    return query(
        "SELECT metric_id, year, period, value, suppressed, suppression_reason FROM main.metric_values "
        "WHERE area_code = ? AND school_level = 'alle' AND gender = 'alle' AND year <= ? ORDER BY metric_id, year",
        (area_code, int(max_year)),
    )


def survey_groups(metric_id: str) -> tuple[list[str], list[str]]:
    """The school levels and genders a metric is broken down by (``['alle']`` when not a survey)."""
    df = query("SELECT DISTINCT school_level, gender FROM main.metric_values WHERE metric_id = ?", (metric_id,))
    return sorted(set(df["school_level"].to_list())), sorted(set(df["gender"].to_list()))


def target_history(metric_id: str) -> pl.DataFrame:
    return query("SELECT * FROM main.target_history WHERE metric_id = ? ORDER BY version DESC", (metric_id,))


def provenance(metric_id: str) -> pl.DataFrame:
    return query(
        "SELECT * FROM main.metric_provenance WHERE metric_id = ? ORDER BY loaded_at DESC, file_name", (metric_id,)
    )


def file_loads() -> pl.DataFrame:
    return query("SELECT * FROM main.file_loads ORDER BY processed_at DESC, source, file_name")


def source_schedule() -> pl.DataFrame:
    """Per source: latest period delivered, the next one, when it is due and whether it is late."""
    return query("SELECT * FROM main.source_schedule ORDER BY source")


def services() -> list[str]:
    """The services named as owners ("Hovedansvar") in the catalogue, sorted."""
    df = query("SELECT owners FROM main.metric_catalogue WHERE owners IS NOT NULL")
    names: set[str] = set()
    for owners in df["owners"].to_list():
        names.update(o.strip() for o in owners.split(";") if o.strip())
    return sorted(names, key=str.casefold)


def has_table(name: str) -> bool:
    """Does the snapshot hold ``main.<name>``? (Older snapshots may lack newer tables.)"""
    df = query(
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?", (name,)
    )
    return bool(df["n"][0])


def check_results() -> pl.DataFrame | None:
    """Latest asset-check result per source and check, or ``None`` when the snapshot has none."""
    if not has_table("check_results"):
        return None
    return query("SELECT * FROM main.check_results ORDER BY passed, source, check_name")


def cw_reports_by_reporter(year: int) -> pl.DataFrame | None:
    """Child-welfare reports per reporting source in one year (suppressed in the data), if published."""
    if not has_table("cw_reports_by_reporter"):
        return None
    return query("SELECT * FROM main.cw_reports_by_reporter WHERE year = ? ORDER BY reporter_code", (int(year),))


def comparisons(metric_id: str | None = None, year: int | None = None) -> pl.DataFrame:
    """The municipality beside its comparators (value, interval, the comparator's value, the
    comparison class), for one metric or one year; empty when the snapshot has none."""
    if not has_table("comparisons"):
        return pl.DataFrame()
    where, params = [], []
    if metric_id is not None:
        where.append("metric_id = ?")
        params.append(metric_id)
    if year is not None:
        where.append("year = ?")
        params.append(int(year))
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    return query(f"SELECT * FROM main.comparisons {clause}ORDER BY metric_id, comparator_order, year", tuple(params))


def trends(metric_id: str, report_year: int) -> pl.DataFrame:
    """The recent-trend marker of one metric per area (the plan's and the comparators') as it stood
    in ``report_year`` (from the periods up to that year)."""
    if not has_table("trends"):
        return pl.DataFrame()
    return query(
        "SELECT * FROM main.trends WHERE metric_id = ? AND report_year = ? ORDER BY area_code",
        (metric_id, int(report_year)),
    )
