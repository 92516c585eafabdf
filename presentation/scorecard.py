"""The scorecard view model: the plan's table per area and report year (pure functions on Polars
frames, no Streamlit), shared by the dashboard and the status report.

The scorecard table has the plan's own columns: Hva | 0-punkt | Mål | Status | Forbedring, plus
the status class (icon + text), a note (foreldet, skjermet, first year with data) and the
explanation the metrics engine wrote. Each row is a :class:`ScorecardRow` with structured fields
(the status-class code, and per cell the shown text with its value and period apart); the
Polars ``frame`` with Norwegian column headings is only for showing and exporting. Readers use
the rows, never the headings or the shown strings.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipelines.metrics.codes import NO_DATA, report_clock
from pipelines.plan import LEVEL_RANK
from presentation import formatting as fmt
from presentation.suppression import SuppressionRule
from presentation.vocabulary import (
    DENOMINATOR_UNIT,
    MISSING,
    NOT_AVAILABLE,
    NUMERATOR_UNIT,
    STATUS_CSS,
    UNIT_LABEL,
    UNIT_SHORT,
    level_label,
)

SPARK = "Utvikling"
SCORECARD_COLUMNS = ["Hva", "0-punkt", "Mål", "Status", "Forbedring", "Vurdering", SPARK, "Merknad", "Forklaring"]
CONTEXT_COLUMNS = ["Hva", "0-punkt", "Status", "Endring", SPARK, "Merknad"]


@dataclass(frozen=True)
class Cell:
    """One shown cell: the whole ``text`` ("13,7 % (2014)"), and its parts for rendering: the
    ``value`` ("13,7 %"), the ``period`` ("2014", "2025, foreløpig"; None when it has none), and
    ``muted`` for cells that hold no figure (mangler data, skjermet, ikke tilgjengelig)."""

    text: str
    value: str
    period: str | None = None
    muted: bool = False
    figure: fmt.Figure | None = None  # the shown number, for the downloads (None: the cell holds words)

    @classmethod
    def plain(cls, text: str, *, muted: bool = False, figure: fmt.Figure | None = None) -> Cell:
        return cls(text, text, None, muted, figure)

    def export_value(self) -> Any:
        """The cell in a download: its number (a number cell), else its words ("skjermet (…)")."""
        return self.figure if self.figure is not None else self.text


@dataclass(frozen=True)
class ScorecardCells:
    """The plan's five columns for one scorecard row (any area, survey group or report year)."""

    baseline: Cell
    target: Cell
    status: Cell
    improvement: Cell
    status_class: str  # the code (pipelines.metrics.codes); NO_DATA when the row has none
    status_text: str  # "✔ på sporet"


@dataclass(frozen=True)
class ScorecardRow:
    """One metric in the plan's table for one area and report year."""

    metric_id: str
    label: str
    satsingsomrade: str
    satsingsomrade_label: str
    available: bool  # False: the metric is not available at the area's level
    status_class: str | None  # None where the metric is not available for the area
    cells: ScorecardCells
    note: str  # Merknad
    explanation: str  # Forklaring (the metrics engine's explanation)
    spark: list[float] = field(default_factory=list)
    spark_label: str = ""  # text alternative of the sparkline
    unit: str = ""  # the metric's unit code (pipelines.metrics.codes.UNITS)

    def as_display(self) -> dict[str, Any]:
        """The row under the plan's Norwegian column headings (for the frame and the exports)."""
        c = self.cells
        return {
            "Satsingsområde": self.satsingsomrade_label,
            "Hva": self.label,
            "0-punkt": c.baseline.text,
            "Mål": c.target.text,
            "Status": c.status.text,
            "Forbedring": c.improvement.text,
            "Endring": c.improvement.text,
            "Vurdering": c.status_text,
            SPARK: self.spark,
            "Merknad": self.note,
            "Forklaring": self.explanation,
        }


@dataclass(frozen=True)
class ScorecardTable:
    """The plan's table: structured ``rows`` and the same as a display ``frame``."""

    frame: pl.DataFrame  # strings under the plan's headings, plus a list column "Utvikling" for the sparkline
    rows: list[ScorecardRow]
    level_word: str = ""  # the area's level in the plan's word ("bydel", "oppvekstområde")

    @property
    def metric_ids(self) -> list[str]:
        return [r.metric_id for r in self.rows]

    @property
    def satsingsomrader(self) -> list[str]:
        """The satsingsområde id of each row."""
        return [r.satsingsomrade for r in self.rows]

    @property
    def status_classes(self) -> list[str | None]:
        """The status-class code of each row; None where the metric is not available for the area."""
        return [r.status_class for r in self.rows]

    @property
    def spark_labels(self) -> list[str]:
        return [r.spark_label for r in self.rows]

    def row(self, metric_id: str) -> ScorecardRow | None:
        return next((r for r in self.rows if r.metric_id == metric_id), None)

    def shown_order(self, rows: list[int] | None = None) -> list[int]:
        """The rows (indices, default all) in the order the page shows them: the metrics available
        for the area first, in catalogue order, then those not available (folded into one line)."""
        idx = list(range(len(self.rows))) if rows is None else list(rows)
        return [i for i in idx if self.rows[i].available] + [i for i in idx if not self.rows[i].available]

    def export_rows(self, order: list[int] | None = None) -> list[dict[str, Any]]:
        """The table for the downloads, in the screen's order (``order``, default :meth:`shown_order`):
        numbers as :class:`~presentation.formatting.Figure` (number cells), each with its period
        beside it and the unit in a column of its own (the rows mix units); cells without a figure
        keep their words ("skjermet (…)", "lavere enn 0-punkt"). No sparkline (a picture)."""
        target = "Mål" in self.frame.columns
        change = "Forbedring" if target else "Endring"
        out = []
        for i in self.shown_order() if order is None else order:
            r, c = self.rows[i], self.rows[i].cells
            row: dict[str, Any] = {"Satsingsområde": r.satsingsomrade_label, "Hva": r.label}
            row["Enhet"] = UNIT_LABEL.get(r.unit, r.unit) + (
                " (Forbedring i prosentpoeng)" if r.unit == "percent" else ""
            )
            row["0-punkt"], row["0-punkt periode"] = c.baseline.export_value(), c.baseline.period or ""
            if target:
                row["Mål"], row["Mål år"] = c.target.export_value(), c.target.period or ""
            row["Status"], row["Status periode"] = c.status.export_value(), c.status.period or ""
            row[change] = c.improvement.export_value()
            if target:
                row["Vurdering"] = c.status_text
            row["Merknad"] = r.note
            if target:
                row["Forklaring"] = r.explanation
            out.append(row)
        return out


def judged_on(report_year: int, latest_report_year: int, as_of: dt.date | None) -> dt.date | None:
    """The day a report year's status was judged on: the snapshot's ``as_of`` for the latest
    report year, the end of the following year for earlier ones (the scorecard's own rule,
    ``pipelines.metrics.codes.report_clock``); None when the snapshot has no ``as_of``."""
    return report_clock(report_year, latest_report_year, as_of) if as_of else None


def _series_by_metric(series: pl.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in series.iter_rows(named=True):
        out.setdefault(row["metric_id"], []).append(row)
    return out


def latest_suppressed(rows: list[dict], year: int | None = None) -> dict | None:
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
    return LEVEL_RANK.get(area_level, 0) <= LEVEL_RANK.get(lowest_level, 0)


def _value_cell(value: Any, unit: str, period: Any, preliminary: bool = False) -> Cell:
    text = fmt.value_with_period(value, unit, period, preliminary=preliminary)
    if fmt.is_missing(value):
        return Cell.plain(text, muted=True)
    figure = fmt.shown_figure(value, unit)
    if period in (None, ""):
        return Cell.plain(text, figure=figure)
    return Cell(
        text, fmt.value_text(value, unit), f"{period}, foreløpig" if preliminary else str(period), False, figure
    )


def _target_cell(kind: str | None, value: Any, year: Any, unit: str, direction: str) -> Cell:
    text = fmt.target_text(kind, value, year, unit, direction)
    words = fmt.target_text(kind, value, None, unit, direction)  # the same Mål without its year
    figure = fmt.shown_figure(value, unit) if kind == "numeric" else None
    if words == text:
        return Cell.plain(text, figure=figure)
    return Cell(text, words, str(int(year)), False, figure)


def scorecard_cells(
    s: dict, obs: list[dict], *, unit: str, direction: str, suppression: SuppressionRule
) -> ScorecardCells:
    """0-punkt, Mål, Status, Forbedring and Vurdering of one ``scorecard`` row ``s``; ``obs`` are
    the same cell's observations (to tell *skjermet*, worded with ``suppression``, from *mangler data*)."""
    baseline = _value_cell(s["baseline_value"], unit, s["baseline_period"])
    if fmt.is_missing(s["baseline_value"]) and (sup := latest_suppressed(obs, s["baseline_year"])):
        baseline = Cell.plain(suppression.cell(sup["suppression_reason"]), muted=True)
    status = _value_cell(s["status_value"], unit, s["status_period"], preliminary=bool(s.get("status_preliminary")))
    if fmt.is_missing(s["status_value"]):
        sup = latest_suppressed(obs, s["status_year"]) or latest_suppressed(obs)
        if sup:
            status = Cell.plain(f"{suppression.cell(sup['suppression_reason'])} ({sup['period']})", muted=True)
    return ScorecardCells(
        baseline=baseline,
        target=_target_cell(s["target_kind"], s["target_value"], s["target_year"], unit, direction),
        status=status,
        improvement=Cell.plain(
            fmt.improvement_text(s["baseline_value"], s["status_value"], unit, direction, s["target_value"]),
            figure=fmt.improvement_figure(s["baseline_value"], s["status_value"], unit, direction, s["target_value"]),
        ),
        status_class=s["status_class"] or NO_DATA,
        status_text=fmt.status_text(s["status_class"]),
    )


def _notes(s: dict, metric: dict) -> str:
    notes: list[str] = []
    if s["stale"]:
        notes.append(f"Foreldet: siste tall er fra {s['status_period']}")
    if s.get("status_preliminary"):
        notes.append(f"Foreløpige tall for {s['status_period']}; de endelige kommer senere i året")
    if s["baseline_is_first_year"]:
        notes.append(f"0-punkt er første år med data ({s['baseline_period']})")
    if metric.get("baseline_note"):
        notes.append(metric["baseline_note"])
    return "; ".join(notes)


def _row(
    m: dict,
    s: dict | None,
    obs: list[dict],
    *,
    area_level: str,
    suppression: SuppressionRule,
    level_names: Mapping[str, str] | None = None,
) -> ScorecardRow:
    unit, direction = m["unit"], m["direction"]
    shown_obs = [r for r in obs if r["value"] is not None]
    spark = [float(r["value"]) for r in shown_obs]
    spark_label = (
        f"Utvikling {shown_obs[0]['period']}–{shown_obs[-1]['period']}: fra "
        f"{fmt.value_text(shown_obs[0]['value'], unit)} til {fmt.value_text(shown_obs[-1]['value'], unit)}"
        if len(shown_obs) > 1
        else "For få år til å vise utvikling"
    )
    common = {
        "metric_id": m["metric_id"],
        "label": m["label"],
        "satsingsomrade": m["satsingsomrade"],
        "satsingsomrade_label": m["satsingsomrade_label"],
        "unit": unit,
    }
    if not available_at(m["lowest_level"], area_level):
        na = Cell.plain(NOT_AVAILABLE.format(level=level_label(area_level, level_names)), muted=True)
        note = (
            "Finnes bare for hele kommunen"
            if m["lowest_level"] == "kommune"
            else f"Finnes bare ned til nivå {level_label(m['lowest_level'], level_names)}"
        )
        cells = ScorecardCells(na, na, na, na, status_class=NO_DATA, status_text="–")
        return ScorecardRow(**common, available=False, status_class=None, cells=cells, note=note, explanation="")
    if s is None:
        sup = latest_suppressed(obs)
        status = (
            Cell.plain(suppression.cell(sup["suppression_reason"]), muted=True)
            if sup
            else Cell.plain(MISSING, muted=True)
        )
        dash = Cell.plain("–")
        cells = ScorecardCells(
            Cell.plain(MISSING, muted=True),
            dash,
            status,
            dash,
            status_class=NO_DATA,
            status_text=fmt.status_text(NO_DATA),
        )
        return ScorecardRow(
            **common,
            available=True,
            status_class=NO_DATA,
            cells=cells,
            note="",
            explanation="",
            spark=spark,
            spark_label=spark_label,
        )
    cells = scorecard_cells(s, obs, unit=unit, direction=direction, suppression=suppression)
    return ScorecardRow(
        **common,
        available=True,
        status_class=cells.status_class,
        cells=cells,
        note=_notes(s, m),
        explanation=s["explanation"] or "",
        spark=spark,
        spark_label=spark_label,
    )


def scorecard_table(
    catalogue: pl.DataFrame,
    scorecard: pl.DataFrame,
    series: pl.DataFrame,
    *,
    area_level: str,
    suppression: SuppressionRule,
    kind: str = "target",
    metric_ids: list[str] | None = None,
    level_names: Mapping[str, str] | None = None,
) -> ScorecardTable:
    """The scorecard for one area and report year.

    ``catalogue``: ``metric_catalogue`` rows; ``scorecard``: that area's rows for the report year
    (headline group); ``series``: the area's headline ``metric_values`` up to the report year
    (for the sparkline and to tell *skjermet* from *mangler data*); ``suppression``: the snapshot's
    small-number rule, which words why a cell is *skjermet*; ``level_names``: what the plan calls
    an area level (the snapshot's plan), for "ikke tilgjengelig for <nivå>".
    """
    cat = catalogue.filter(pl.col("kind") == kind)
    if metric_ids is not None:
        cat = cat.filter(pl.col("metric_id").is_in(metric_ids))
    sc = {r["metric_id"]: r for r in scorecard.iter_rows(named=True)}
    by_metric = _series_by_metric(series)
    rows = [
        _row(
            m,
            sc.get(m["metric_id"]),
            by_metric.get(m["metric_id"], []),
            area_level=area_level,
            suppression=suppression,
            level_names=level_names,
        )
        for m in cat.iter_rows(named=True)
    ]

    columns = ["Satsingsområde"] + (SCORECARD_COLUMNS if kind == "target" else CONTEXT_COLUMNS)
    if rows:
        frame = pl.DataFrame([r.as_display() for r in rows]).select(columns)
    else:
        frame = pl.DataFrame(
            {c: [] for c in columns}, schema={c: (pl.List(pl.Float64) if c == SPARK else pl.Utf8) for c in columns}
        )
    return ScorecardTable(frame=frame, rows=rows, level_word=level_label(area_level, level_names))


TABLE_CSS = """
<style>
.sbu-wrap { margin-bottom: 0.5rem; }
table.sbu-sc { width: 100%; border-collapse: collapse; font-size: 0.92rem; line-height: 1.35; table-layout: fixed; }
table.sbu-sc caption { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
table.sbu-sc th, table.sbu-sc td { padding: 6px 8px; border-bottom: 1px solid #E3E3E3; vertical-align: top;
  text-align: left; overflow-wrap: break-word; }
table.sbu-sc thead th { background: #F2F4F7; font-weight: 600; border-bottom: 2px solid #C9CED6; }
table.sbu-sc tbody th { font-weight: 500; }
table.sbu-sc a { color: #0B57A4; text-decoration: none; }
table.sbu-sc a:hover, table.sbu-sc a:focus { text-decoration: underline; }
table.sbu-sc td.na-row { color: #5A5A5A; }
table.sbu-sc .p { color: #5A5A5A; font-size: 0.85em; }
table.sbu-sc .note { display: block; color: #5A5A5A; font-size: 0.82em; font-weight: 400; margin-top: 2px; }
table.sbu-sc .na { color: #5A5A5A; font-style: italic; }
table.sbu-sc td img { max-width: 100%; height: auto; }
table.sbu-sc col.hva { width: 30%; } table.sbu-sc col.num { width: 11.5%; } table.sbu-sc col.mal { width: 12%; }
table.sbu-sc col.chg { width: 10%; } table.sbu-sc col.vurd { width: 14%; } table.sbu-sc col.spark { width: 11%; }
table.sbu-sc.ctx col.hva { width: 40%; } table.sbu-sc.ctx col.num { width: 15%; }
table.sbu-sc.ctx col.chg { width: 14%; } table.sbu-sc.ctx col.spark { width: 16%; }
.sbu-st { display: inline-block; padding: 1px 8px; border-radius: 12px; border: 1px solid; font-size: 0.88em;
  color: #1F1F1F; }
.sbu-st.on { background: #E1F3EC; border-color: #009E73; }
.sbu-st.off { background: #FBE3D6; border-color: #D55E00; }
.sbu-st.unsure { background: #FFF3D1; border-color: #E69F00; }
.sbu-st.nodata { background: #EFEFEF; border-color: #8A8A8A; }
.sbu-st.none { background: #FFFFFF; border-color: #B5B5B5; }
details.sbu-why > summary { cursor: pointer; list-style: none; }
details.sbu-why > summary::-webkit-details-marker { display: none; }
details.sbu-why > summary::after { content: "›"; display: inline-block; margin-left: 4px; color: #0B57A4;
  font-weight: 700; transition: transform 0.1s; }
details.sbu-why[open] > summary::after { transform: rotate(90deg); }
.sbu-nw { white-space: nowrap; }
details.sbu-why > div { margin-top: 4px; font-size: 0.82em; color: #333; }
@media (max-width: 900px) {
  table.sbu-sc { font-size: 0.82rem; }
  table.sbu-sc th, table.sbu-sc td { padding: 5px 4px; }
  table.sbu-sc col.hva { width: 25%; } table.sbu-sc col.num { width: 12%; } table.sbu-sc col.mal { width: 12%; }
  table.sbu-sc col.chg { width: 11%; } table.sbu-sc col.vurd { width: 16%; } table.sbu-sc col.spark { width: 12%; }
  .sbu-st { padding: 1px 5px; }
}
</style>
"""


_NBSP = re.compile(r"(?<=\d) (?=\d|%|pp\b|år\b|per\b|kr\b)|(?<=per) (?=\d)")


def _nowrap_numbers(text: str) -> str:
    """Keep "54,9 per 1 000" and "+3,3 pp" on one line (non-breaking spaces inside numbers)."""
    return _NBSP.sub("\u00a0", text)


def _words_html(text: str) -> str:
    """Escaped text whose numbers and "0-punkt" never break over two lines."""
    return html.escape(_nowrap_numbers(text)).replace("0-punkt", '<span class="sbu-nw">0-punkt</span>')


def _cell_html(cell: Cell) -> str:
    """A value with its period in a smaller, muted span; a cell without a figure in italics."""
    if cell.muted:
        return f'<span class="na">{html.escape(cell.text)}</span>'
    if cell.period is not None:
        return f'{_words_html(cell.value)} <span class="p">({html.escape(cell.period)})</span>'
    return _words_html(cell.text)


def _status_html(r: ScorecardRow) -> str:
    """The status class as a badge (icon and words; colour only reinforces). Its explanation opens
    on a tap or click (a ``<details>``: touch and keyboard reach it, unlike a hover tooltip)."""
    badge = f'<span class="sbu-st {STATUS_CSS.get(r.status_class, "none")}">{html.escape(r.cells.status_text)}</span>'
    if not r.explanation:
        return badge
    return (
        f'<details class="sbu-why"><summary title="Vis begrunnelsen">{badge}</summary>'
        f"<div>{html.escape(r.explanation)}</div></details>"
    )


def unavailable_html(table: ScorecardTable, rows: list[int], *, hrefs: list[str] | None = None, tag: str = "p") -> str:
    """The metrics of ``rows`` not available for the area's level (in the plan's word, "bydel"),
    folded into one line: "Ikke tilgjengelig for bydel (3): A · B · C – finnes bare for hele
    kommunen." Empty when all are available."""
    missing = [i for i in rows if not table.rows[i].available]
    if not missing:
        return ""
    by_note: dict[str, list[str]] = {}
    for i in missing:
        r = table.rows[i]
        label = html.escape(r.label)
        by_note.setdefault(r.note, []).append(f'<a href="{html.escape(hrefs[i])}">{label}</a>' if hrefs else label)
    reasons = "; ".join(
        f"{' · '.join(labels)} – {html.escape(note[:1].lower() + note[1:])}" for note, labels in by_note.items()
    )
    text = f"<strong>{html.escape(NOT_AVAILABLE.format(level=table.level_word).capitalize())} ({len(missing)}):</strong> {reasons}."
    return text if tag == "" else f'<{tag} class="sbu-na-fold">{text}</{tag}>'


def scorecard_html(
    table: ScorecardTable,
    *,
    hrefs: list[str] | None = None,
    caption: str | None = None,
    rows: list[int] | None = None,
) -> str:
    """The plan's table as an accessible HTML table (wraps long labels, prints, reads aloud, fits a
    tablet's width without scrolling sideways).

    Status is an icon *and* text (colour only reinforces it), with its explanation a tap away; each
    sparkline has a text alternative; each metric name links to its Indikator page when ``hrefs``
    is given. The metrics available for the area come first; those that are not (for a part of the
    municipality) are folded into one last row (:func:`unavailable_html`).
    """
    from presentation.charts import sparkline_svg

    target = "Mål" in table.frame.columns
    cols = ["0-punkt", "Mål", "Status", "Forbedring", "Vurdering"] if target else ["0-punkt", "Status", "Endring"]
    kinds = {
        "0-punkt": "num",
        "Mål": "mal",
        "Status": "num",
        "Forbedring": "chg",
        "Endring": "chg",
        "Vurdering": "vurd",
    }
    colgroup = (
        '<colgroup><col class="hva">'
        + "".join(f'<col class="{kinds[c]}">' for c in cols)
        + '<col class="spark"></colgroup>'
    )
    head = "".join(f'<th scope="col">{c}</th>' for c in ["Hva", *cols, "Utvikling"])
    body = []
    order = table.shown_order(rows)
    for i in order:
        r = table.rows[i]
        if not r.available:
            continue  # folded into one row below
        cells_by_col = {
            "0-punkt": r.cells.baseline,
            "Mål": r.cells.target,
            "Status": r.cells.status,
            "Forbedring": r.cells.improvement,
            "Endring": r.cells.improvement,
        }
        label = html.escape(r.label)
        if hrefs:
            label = f'<a href="{html.escape(hrefs[i])}">{label}</a>'
        note = f'<span class="note">{html.escape(r.note)}</span>' if r.note else ""
        cells = [f'<th scope="row">{label}{note}</th>']
        for c in cols:
            if c == "Vurdering":
                cells.append(f'<td class="n">{_status_html(r)}</td>')
            else:
                cells.append(f'<td class="n">{_cell_html(cells_by_col[c])}</td>')
        cells.append(f"<td>{sparkline_svg(r.spark, r.spark_label)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    folded = [i for i in order if not table.rows[i].available]
    if folded:
        fold = unavailable_html(table, folded, hrefs=hrefs, tag="")
        body.append(f'<tr><td class="na-row" colspan="{len(cols) + 2}">{fold}</td></tr>')
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    kind = "" if target else " ctx"
    return (
        f'{TABLE_CSS}<div class="sbu-wrap"><table class="sbu-sc{kind}">{cap}{colgroup}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


REVISED = "Revidert"


def values_rows(
    values: pl.DataFrame,
    unit: str,
    *,
    suppression: SuppressionRule,
    with_area: bool = False,
    revisions: pl.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """A metric's observations as shown, newest first, for the screen and the downloads: numbers as
    :class:`~presentation.formatting.Figure` under headings that carry their unit ("Verdi (%)",
    "Teller (år)", "Nevner (antall)"); suppressed cells say *skjermet* and why (worded with the
    snapshot's thresholds), never 0 or blank. With ``revisions`` (the published ``revisions`` of
    the same metric and survey group), a column "Revidert" says of each revised figure what it was
    and when that was published (:func:`~presentation.formatting.revision_text`)."""
    revised: dict[tuple[str, int], list[dict]] = {}
    for step in (revisions if revisions is not None else pl.DataFrame()).iter_rows(named=True):
        revised.setdefault((step["area_code"], step["year"]), []).append(step)
    value_h, num_h, den_h = (
        f"Verdi ({UNIT_SHORT.get(unit, unit)})",
        f"Teller ({NUMERATOR_UNIT.get(unit, 'antall')})",
        f"Nevner ({DENOMINATOR_UNIT.get(unit, 'antall')})",
    )
    low_h, high_h = (
        f"95 %-intervall fra ({UNIT_SHORT.get(unit, unit)})",
        f"95 %-intervall til ({UNIT_SHORT.get(unit, unit)})",
    )
    rows = []
    for r in values.sort("year", descending=True, maintain_order=True).iter_rows(named=True):
        row: dict[str, Any] = {}
        if with_area:
            row["Område"] = r["area_name"]
        row["Periode"] = r["period"]
        if r["suppressed"]:
            row.update({value_h: suppression.cell(r["suppression_reason"]), num_h: "skjermet", den_h: "skjermet"})
            row.update({low_h: "", high_h: ""})
        else:
            num_decimals = 1 if unit == "years" else 0
            row[value_h] = fmt.shown_figure(r["value"], unit) or MISSING
            row[num_h] = (
                "–"
                if fmt.is_missing(r["numerator"])
                else fmt.Figure(round(float(r["numerator"]), num_decimals), num_decimals)
            )
            row[den_h] = "–" if fmt.is_missing(r["denominator"]) else fmt.Figure(round(float(r["denominator"])), 0)
            row[low_h] = fmt.shown_figure(r.get("ci_low"), unit) or ""
            row[high_h] = fmt.shown_figure(r.get("ci_high"), unit) or ""
        # A suppressed figure has no published revisions (pipelines.revisions).
        row[REVISED] = fmt.revision_text(revised.get((r["area_code"], r["year"]), []), unit)
        rows.append(row)
    if not any(row[REVISED] for row in rows):  # the column only where a figure was revised
        for row in rows:
            del row[REVISED]
    return rows


def shown_frame(rows: list[dict[str, Any]], columns: list[str] | None = None) -> pl.DataFrame:
    """Rows of figures and words as the screen shows them: every cell text, figures in Norwegian
    ("1 234,5"), in the rows' order."""
    cols = columns or (list(rows[0]) if rows else [])
    if not rows:
        return pl.DataFrame({c: [] for c in cols}, schema={c: pl.Utf8 for c in cols})
    return pl.DataFrame(
        {
            c: [
                v.text if isinstance(v, fmt.Figure) else ("" if v is None else str(v)) for v in (r.get(c) for r in rows)
            ]
            for c in cols
        }
    )
