"""Turn snapshot rows into the plan's tables (pure functions on Polars frames, no Streamlit).

The scorecard table has the plan's own columns: Hva | 0-punkt | Mål | Status | Forbedring, plus
the status class (icon + text), a note (foreldet, skjermet, first year with data) and the
explanation the metrics engine wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from dashboards import formatting as fmt

SPARK = "Utvikling"
SCORECARD_COLUMNS = ["Hva", "0-punkt", "Mål", "Status", "Forbedring", "Vurdering", SPARK, "Merknad", "Forklaring"]
CONTEXT_COLUMNS = ["Hva", "0-punkt", "Status", "Endring", SPARK, "Merknad"]


@dataclass(frozen=True)
class ScorecardTable:
    """A display table and, row by row, the metric it shows."""

    frame: pl.DataFrame  # strings, plus a list column "Utvikling" for the sparkline
    metric_ids: list[str]
    satsingsomrader: list[str]  # the satsingsområde id of each row
    status_classes: list[str | None]  # None where the metric is not available for the area
    spark_labels: list[str]  # text alternative of each sparkline

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
    suppression: fmt.SuppressionRule,
    kind: str = "target",
    metric_ids: list[str] | None = None,
) -> ScorecardTable:
    """The scorecard for one area and report year.

    ``catalogue``: ``metric_catalogue`` rows; ``scorecard``: that area's rows for the report year
    (headline group); ``series``: the area's headline ``metric_values`` up to the report year
    (for the sparkline and to tell *skjermet* from *mangler data*); ``suppression``: the snapshot's
    small-number rule, which words why a cell is *skjermet*.
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
    classes: list[str | None] = []
    spark_labels: list[str] = []
    for m in cat.iter_rows(named=True):
        mid, unit, direction = m["metric_id"], m["unit"], m["direction"]
        obs = by_metric.get(mid, [])
        spark = [float(r["value"]) for r in obs if r["value"] is not None]
        shown_obs = [r for r in obs if r["value"] is not None]
        spark_label = (f"Utvikling {shown_obs[0]['period']}–{shown_obs[-1]['period']}: fra "
                       f"{fmt.value_text(shown_obs[0]['value'], unit)} til {fmt.value_text(shown_obs[-1]['value'], unit)}"
                       if len(shown_obs) > 1 else "For få år til å vise utvikling")
        row = {"Satsingsområde": m["satsingsomrade_label"], "Hva": m["label"]}
        status_class: str | None = None
        if not available_at(m["lowest_level"], area_level):
            spark_label = ""
            row.update({"0-punkt": not_available, "Mål": not_available, "Status": not_available,
                        "Forbedring": not_available, "Endring": not_available, "Vurdering": "–",
                        "Merknad": ("Finnes bare for hele kommunen" if m["lowest_level"] == "kommune"
                                    else f"Finnes bare ned til nivå {fmt.LEVEL_LABEL.get(m['lowest_level'])}"),
                        "Forklaring": "", SPARK: []})
        else:
            s = sc.get(mid)
            notes: list[str] = []
            if s is None:
                sup = _latest_suppressed(obs)
                status = suppression.cell(sup["suppression_reason"]) if sup else fmt.MISSING
                status_class = "mangler data"
                row.update({"0-punkt": fmt.MISSING, "Mål": "–", "Status": status, "Forbedring": "–",
                            "Endring": "–", "Vurdering": fmt.status_text(status_class), "Forklaring": ""})
            else:
                baseline = fmt.value_with_period(s["baseline_value"], unit, s["baseline_period"])
                if fmt.is_missing(s["baseline_value"]):
                    sup = _latest_suppressed(obs, s["baseline_year"])
                    if sup:
                        baseline = suppression.cell(sup["suppression_reason"])
                status = fmt.value_with_period(s["status_value"], unit, s["status_period"],
                                               preliminary=bool(s.get("status_preliminary")))
                if fmt.is_missing(s["status_value"]):
                    sup = _latest_suppressed(obs, s["status_year"]) or _latest_suppressed(obs)
                    if sup:
                        status = f"{suppression.cell(sup['suppression_reason'])} ({sup['period']})"
                improvement = fmt.improvement_text(s["improvement"], s["improvement_pp"], unit)
                status_class = s["status_class"] or "mangler data"
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
                if s.get("status_preliminary"):
                    notes.append(f"Foreløpige tall for {s['status_period']}; de endelige kommer senere i året")
                if s["baseline_is_first_year"]:
                    notes.append(f"0-punkt er første år med data ({s['baseline_period']})")
                if m.get("baseline_note"):
                    notes.append(m["baseline_note"])
            row["Merknad"] = "; ".join(notes)
            row[SPARK] = spark
        rows.append(row)
        ids.append(mid)
        groups.append(m["satsingsomrade"])
        classes.append(status_class)
        spark_labels.append(spark_label)

    columns = ["Satsingsområde"] + (SCORECARD_COLUMNS if kind == "target" else CONTEXT_COLUMNS)
    if rows:
        frame = pl.DataFrame(rows).select(columns)
    else:
        frame = pl.DataFrame({c: [] for c in columns}, schema={c: (pl.List(pl.Float64) if c == SPARK else pl.Utf8)
                                                                for c in columns})
    return ScorecardTable(frame=frame, metric_ids=ids, satsingsomrader=groups, status_classes=classes,
                          spark_labels=spark_labels)


STATUS_CSS = {
    "på sporet": "on", "ikke på sporet": "off", "usikkert": "unsure", "mangler data": "nodata", "ingen mål": "none",
}

TABLE_CSS = """
<style>
.sbu-wrap { overflow-x: auto; margin-bottom: 0.5rem; }
table.sbu-sc { width: 100%; border-collapse: collapse; font-size: 0.92rem; line-height: 1.35; table-layout: fixed; }
table.sbu-sc caption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
table.sbu-sc th, table.sbu-sc td { padding: 6px 8px; border-bottom: 1px solid #E3E3E3; vertical-align: top;
  text-align: left; }
table.sbu-sc thead th { background: #F2F4F7; font-weight: 600; border-bottom: 2px solid #C9CED6; white-space: nowrap; }
table.sbu-sc tbody th { font-weight: 500; }
table.sbu-sc tbody th a { color: #0B57A4; text-decoration: none; }
table.sbu-sc tbody th a:hover, table.sbu-sc tbody th a:focus { text-decoration: underline; }
table.sbu-sc td.na-row { color: #5A5A5A; font-style: italic; }
table.sbu-sc .p { color: #5A5A5A; font-size: 0.85em; }
table.sbu-sc .note { display: block; color: #5A5A5A; font-size: 0.82em; font-weight: 400; margin-top: 2px; }
table.sbu-sc .na { color: #5A5A5A; font-style: italic; }
.sbu-st { display: inline-block; padding: 1px 8px; border-radius: 999px; border: 1px solid; white-space: nowrap;
  font-size: 0.88em; color: #1F1F1F; }
.sbu-st.on { background: #E1F3EC; border-color: #009E73; }
.sbu-st.off { background: #FBE3D6; border-color: #D55E00; }
.sbu-st.unsure { background: #FFF3D1; border-color: #E69F00; }
.sbu-st.nodata { background: #EFEFEF; border-color: #8A8A8A; }
.sbu-st.none { background: #FFFFFF; border-color: #B5B5B5; }
@media (max-width: 900px) { table.sbu-sc { font-size: 0.84rem; min-width: 760px; } }
</style>
"""


_NBSP = re.compile(r"(?<=\d) (?=\d|%|pp\b|år\b|per\b)|(?<=per) (?=\d)")


def _nowrap_numbers(text: str) -> str:
    """Keep "54,9 per 1 000" and "+3,3 pp" on one line (non-breaking spaces inside numbers)."""
    return _NBSP.sub("\u00a0", text)


def _split_period(text: str) -> str:
    """'13,7 % (2014)' -> value with the period in a smaller, muted span."""
    import html

    if text.endswith(")") and " (" in text and not text.startswith(("skjermet", "ikke tilg")):
        value, period = text.rsplit(" (", 1)
        return f'{html.escape(_nowrap_numbers(value))} <span class="p">({html.escape(period[:-1])})</span>'
    if text.startswith(("ikke tilgjengelig", "mangler", "skjermet")):
        return f'<span class="na">{html.escape(text)}</span>'
    return html.escape(_nowrap_numbers(text))


def scorecard_html(table: ScorecardTable, *, hrefs: list[str] | None = None, caption: str | None = None,
                   rows: list[int] | None = None) -> str:
    """The plan's table as an accessible HTML table (wraps long labels, prints, reads aloud).

    Status is an icon *and* text (colour only reinforces it); each sparkline has a text alternative;
    each metric name links to its Indikator page when ``hrefs`` is given.
    """
    import html

    from dashboards.charts import sparkline_svg

    target = "Mål" in table.frame.columns
    cols = ["0-punkt", "Mål", "Status", "Forbedring", "Vurdering"] if target else ["0-punkt", "Status", "Endring"]
    widths = ([31, 11, 17, 12, 9, 12, 8] if target else [44, 14, 14, 12, 16])
    colgroup = "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>"
    head = "".join(f'<th scope="col">{c}</th>' for c in ["Hva", *cols, "Utvikling"])
    body = []
    records = table.frame.to_dicts()
    for i in rows if rows is not None else range(len(records)):
        r = records[i]
        label = html.escape(r["Hva"])
        if hrefs:
            label = f'<a href="{html.escape(hrefs[i])}">{label}</a>'
        available = table.status_classes[i] is not None
        note = f'<span class="note">{html.escape(r["Merknad"])}</span>' if r.get("Merknad") and available else ""
        cells = [f'<th scope="row">{label}{note}</th>']
        if not available:  # not available for this area level: one explaining cell
            cells.append(f'<td class="na-row" colspan="{len(cols) + 1}">{html.escape(r[cols[0]])} '
                         f'({html.escape(r.get("Merknad") or "")[:1].lower() + html.escape(r.get("Merknad") or "")[1:]})</td>')
            body.append("<tr>" + "".join(cells) + "</tr>")
            continue
        for c in cols:
            if c == "Vurdering":
                sc = table.status_classes[i]
                if sc is None:
                    cells.append('<td class="n"><span class="na">–</span></td>')
                else:
                    tip = html.escape(r.get("Forklaring") or "")
                    cells.append(f'<td class="n"><span class="sbu-st {STATUS_CSS.get(sc, "none")}" title="{tip}">'
                                 f"{html.escape(r['Vurdering'])}</span></td>")
            else:
                cells.append(f'<td class="n">{_split_period(r[c])}</td>')
        svg = sparkline_svg(r.get(SPARK) or [], table.spark_labels[i])
        cells.append(f"<td>{svg}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f'{TABLE_CSS}<div class="sbu-wrap"><table class="sbu-sc">{cap}{colgroup}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def values_table(values: pl.DataFrame, unit: str, *, suppression: fmt.SuppressionRule,
                 with_area: bool = False) -> pl.DataFrame:
    """A metric's observations as shown: suppressed cells say *skjermet* and why (worded with the
    snapshot's thresholds), never 0 or blank."""
    rows = []
    for r in values.iter_rows(named=True):
        if r["suppressed"]:
            shown = suppression.cell(r["suppression_reason"])
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
