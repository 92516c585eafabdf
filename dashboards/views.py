"""Turn snapshot rows into the plan's tables (pure functions on Polars frames, no Streamlit).

The scorecard table has the plan's own columns: Hva | 0-punkt | Mål | Status | Forbedring, plus
the status class (icon + text), a note (foreldet, skjermet, first year with data) and the
explanation the metrics engine wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboards import formatting as fmt

SCORECARD_COLUMNS = ["Hva", "0-punkt", "Mål", "Status", "Forbedring", "Vurdering", "Merknad", "Forklaring"]
CONTEXT_COLUMNS = ["Hva", "0-punkt", "Status", "Endring", "Merknad"]
SPARK = "Utvikling"


@dataclass(frozen=True)
class ScorecardTable:
    """A display table and, row by row, the metric it shows."""

    frame: pl.DataFrame  # strings, plus a list column "Utvikling" for the sparkline
    metric_ids: list[str]
    satsingsomrader: list[str]  # the satsingsområde id of each row

    def export_frame(self) -> pl.DataFrame:
        """Exactly what is visible, without the sparkline (a picture, not a value)."""
        return self.frame.drop(SPARK, strict=False)


def _series_by_metric(series: pl.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in series.iter_rows(named=True):
        out.setdefault(row["metric_id"], []).append(row)
    return out


def _latest_suppressed(rows: list[dict], year: int | None = None) -> dict | None:
    """The suppressed observation that explains a missing value (at ``year``, else the latest)."""
    candidates = [r for r in rows if r.get("suppressed") and (year is None or r["year"] == year)]
    if not candidates:
        return None
    return max(candidates, key=lambda r: r["year"])


def available_at(lowest_level: str | None, area_level: str) -> bool:
    """Can a metric whose finest level is ``lowest_level`` be shown for an area of ``area_level``?"""
    if not lowest_level:
        return True
    if lowest_level == "team" and area_level == "skole" or lowest_level == "skole" and area_level == "team":
        return False
    return fmt.LEVEL_RANK.get(area_level, 0) <= fmt.LEVEL_RANK.get(lowest_level, 0)


def scorecard_table(
    catalogue: pl.DataFrame,
    scorecard: pl.DataFrame,
    series: pl.DataFrame,
    *,
    area_level: str,
    kind: str = "target",
    metric_ids: list[str] | None = None,
) -> ScorecardTable:
    """The scorecard for one area and report year.

    ``catalogue``: ``metric_catalogue`` rows; ``scorecard``: that area's rows for the report year
    (headline group); ``series``: the area's headline ``metric_values`` up to the report year
    (for the sparkline and to tell *skjermet* from *mangler data*).
    """
    cat = catalogue.filter(pl.col("kind") == kind)
    if metric_ids is not None:
        cat = cat.filter(pl.col("metric_id").is_in(metric_ids))
    sc = {r["metric_id"]: r for r in scorecard.iter_rows(named=True)}
    by_metric = _series_by_metric(series)
    not_available = fmt.NOT_AVAILABLE.format(level=fmt.LEVEL_LABEL.get(area_level, area_level))

    rows: list[dict] = []
    ids: list[str] = []
    groups: list[str] = []
    for m in cat.iter_rows(named=True):
        mid, unit, direction = m["metric_id"], m["unit"], m["direction"]
        obs = by_metric.get(mid, [])
        spark = [float(r["value"]) for r in obs if r["value"] is not None]
        row = {"Satsingsområde": m["satsingsomrade_label"], "Hva": m["label"]}
        if not available_at(m["lowest_level"], area_level):
            row.update({"0-punkt": not_available, "Mål": not_available, "Status": not_available,
                        "Forbedring": not_available, "Endring": not_available, "Vurdering": "–",
                        "Merknad": f"Indikatoren finnes bare for {fmt.LEVEL_LABEL.get(m['lowest_level'])}",
                        "Forklaring": "", SPARK: []})
        else:
            s = sc.get(mid)
            notes: list[str] = []
            if s is None:
                sup = _latest_suppressed(obs)
                status = fmt.suppressed_text(sup["suppression_reason"]) if sup else fmt.MISSING
                row.update({"0-punkt": fmt.MISSING, "Mål": "–", "Status": status, "Forbedring": "–",
                            "Endring": "–", "Vurdering": fmt.status_text("mangler data"), "Forklaring": ""})
            else:
                baseline = fmt.value_with_period(s["baseline_value"], unit, s["baseline_period"])
                if fmt.is_missing(s["baseline_value"]):
                    sup = _latest_suppressed(obs, s["baseline_year"])
                    if sup:
                        baseline = fmt.suppressed_text(sup["suppression_reason"])
                status = fmt.value_with_period(s["status_value"], unit, s["status_period"])
                if fmt.is_missing(s["status_value"]):
                    sup = _latest_suppressed(obs, s["status_year"]) or _latest_suppressed(obs)
                    if sup:
                        status = f"{fmt.suppressed_text(sup['suppression_reason'])} ({sup['period']})"
                improvement = fmt.improvement_text(s["improvement"], s["improvement_pp"], unit)
                row.update({
                    "0-punkt": baseline,
                    "Mål": fmt.target_text(s["target_kind"], s["target_value"], s["target_year"], unit, direction),
                    "Status": status,
                    "Forbedring": improvement,
                    "Endring": improvement,
                    "Vurdering": fmt.status_text(s["status_class"]),
                    "Forklaring": s["explanation"] or "",
                })
                if s["stale"]:
                    notes.append(f"Foreldet: siste tall er fra {s['status_period']}")
                if s["baseline_is_first_year"]:
                    notes.append(f"0-punkt er første år med data ({s['baseline_period']})")
                if m.get("baseline_note"):
                    notes.append(m["baseline_note"])
            row["Merknad"] = "; ".join(notes)
            row[SPARK] = spark
        rows.append(row)
        ids.append(mid)
        groups.append(m["satsingsomrade"])

    columns = ["Satsingsområde"] + (SCORECARD_COLUMNS if kind == "target" else CONTEXT_COLUMNS) + [SPARK]
    if rows:
        frame = pl.DataFrame(rows).select(columns)
    else:
        frame = pl.DataFrame({c: [] for c in columns}, schema={c: (pl.List(pl.Float64) if c == SPARK else pl.Utf8)
                                                                for c in columns})
    return ScorecardTable(frame=frame, metric_ids=ids, satsingsomrader=groups)


def values_table(values: pl.DataFrame, unit: str, *, with_area: bool = False) -> pl.DataFrame:
    """A metric's observations as shown: suppressed cells say *skjermet* and why, never 0 or blank."""
    rows = []
    for r in values.iter_rows(named=True):
        if r["suppressed"]:
            shown = fmt.suppressed_text(r["suppression_reason"])
            num = den = interval = "skjermet"
        else:
            shown = fmt.value_text(r["value"], unit)
            num = fmt.format_number_nb(r["numerator"], 0 if unit != "years" else 1) if not fmt.is_missing(r["numerator"]) else "–"
            den = fmt.format_number_nb(r["denominator"], 0) if not fmt.is_missing(r["denominator"]) else "–"
            if not fmt.is_missing(r.get("ci_low")) and not fmt.is_missing(r.get("ci_high")):
                interval = f"{fmt.value_text(r['ci_low'], unit)} – {fmt.value_text(r['ci_high'], unit)}"
            else:
                interval = "–"
        row = {}
        if with_area:
            row["Område"] = r["area_name"]
        row.update({"Periode": r["period"], "Verdi": shown, "Teller": num, "Nevner": den, "95 %-intervall": interval})
        rows.append(row)
    if not rows:
        cols = (["Område"] if with_area else []) + ["Periode", "Verdi", "Teller", "Nevner", "95 %-intervall"]
        return pl.DataFrame({c: [] for c in cols}, schema={c: pl.Utf8 for c in cols})
    return pl.DataFrame(rows)
