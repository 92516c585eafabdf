"""Build the Årlig statusrapport (PDF) for one report year from a published snapshot.

Inputs are the read-only published snapshot (``Settings.published_path``) and the leaders'
commentary file (``<data_dir>/commentary/kommentarer.jsonl``, written by the dashboard's
Resultatavtale page); nothing else. Steps:

1. read everything the report shows from the snapshot in one short read-only connection;
2. one trend chart per metric with the dashboard's own ``presentation.charts.trend_figure``
   (headline series for the plan's municipality up to the report year, with the scorecard row of that
   year for 0-punkt, Mål and the straight path), all exported to SVG in ONE kaleido batch
   (one Chromium start);
3. the page in Norwegian bokmål from ``template.html`` + ``report.css`` (Jinja2), with the
   plan's table wording via ``presentation.scorecard`` (its structured rows) and
   ``presentation.formatting``, one function per section of the report;
4. WeasyPrint turns the HTML into the PDF, written atomically (temporary file, then
   ``os.replace``) so that the dashboard never offers a half-written file.

Dagster builds it, one partition per report year (``pipelines/defs/serving/report.py``);
``make report YEAR=2019`` materializes one year.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import gc
import logging
import os
import queue
import re
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import duckdb
import polars as pl

from pipelines import commentary
from pipelines.metrics.codes import NO_DATA
from pipelines.report.summary import CouncilSummary, council_summary
from pipelines.tempfiles import remove_stale, temp_path, temp_suffix
from presentation import formatting as fmt
from presentation import scorecard
from presentation.charts import fit_for_print, trend_figure
from presentation.plan import PlanHeader
from presentation.suppression import SuppressionRule
from presentation.vocabulary import (
    DIRECTION_LABEL,
    GENDER_LABEL,
    GENDER_ORDER,
    MISSING,
    SCHOOL_LEVEL_LABEL,
    SCHOOL_LEVEL_ORDER,
    SOURCE_LABEL,
    STATUS_CSS,
    STATUS_HELP,
    STATUS_ORDER,
    UNIT_LABEL,
    comparison_text,
)

HERE = Path(__file__).resolve().parent
TEMPLATE_NAME = "template.html"
STYLESHEET = HERE / "report.css"
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")

SHARED_OWNER = "Alle"  # the catalogue's owner for targets shared by every service
SHARED_OWNER_TITLE = "Alle tjenester (felles mål)"
CHART_WIDTH, CHART_HEIGHT = 900, 230
# ONE browser tab: without kaleido's reload after each chart a render takes some 40 ms, and a second
# tab costs more (its own plotly.js load, ~1 s of start on this machine) than it saves.
CHART_TABS = 1
START_ATTEMPTS = 2  # starts of kaleido's browser before the charts are given up


class ReportError(RuntimeError):
    """The report cannot be built (no snapshot, unknown year, chart export failed)."""


@dataclass(frozen=True)
class ReportResult:
    path: Path
    report_year: int
    pages: int
    size_bytes: int
    metrics: int
    charts: int
    commentaries: int
    demo_data: bool
    seconds: float
    timings: dict[str, float]


def report_path(reports_dir: Path, report_year: int) -> Path:
    """``<reports_dir>/statusrapport_<year>.pdf`` (the dashboard offers ``*<year>*.pdf``)."""
    return Path(reports_dir) / f"statusrapport_{int(report_year)}.pdf"


# --------------------------------------------------------------------------- template helpers


def _css_string(text: Any) -> Any:
    """A CSS string literal for the page margin boxes, safe inside <style> (no '<', quotes escaped)."""
    from markupsafe import Markup

    s = str(text or "").replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3C ")
    return Markup(f'"{s}"')


# "0-punkt" (and "0-punktet"), a number with its unit ("13,7 %", "+3,3 pp", "8,3 år", "−68"), a school
# year ("2014/15") and "per 1 000" stay on one line: a table cell never breaks "0-" from "punkt" or a figure from its unit.
_KEEP_TOGETHER = re.compile(
    r"0-punkt\w*|per 1 000|\d{4}/\d{2}|[+−-]?\d+(?:[ \u00a0]\d{3})*(?:,\d+)?(?: (?:%|pp|år|kr))?"
)


def _keep_together(text: Any) -> Any:
    """The text, HTML-escaped, with each "0-punkt" and each number with its unit in a no-wrap span."""
    from markupsafe import Markup, escape

    s = str(escape(text if text is not None else ""))
    return Markup(_KEEP_TOGETHER.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', s))


# --------------------------------------------------------------------------- inputs


def available_years(snapshot_path: Path) -> list[int]:
    """The report years the snapshot has a scorecard for (ascending)."""
    con = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        return [int(r[0]) for r in con.sql("SELECT DISTINCT report_year FROM scorecard ORDER BY 1").fetchall()]
    finally:
        con.close()


@dataclass(frozen=True)
class _Snapshot:
    info: dict
    plan: PlanHeader  # the plan the snapshot was made for (its snapshot table ``plan``)
    year: int
    latest_year: int  # the snapshot's latest report year
    catalogue: pl.DataFrame
    satsingsomrader: pl.DataFrame
    scorecard: pl.DataFrame  # the report year, the municipality, every survey group
    values: pl.DataFrame  # the municipality, years <= report year, every survey group
    file_loads: pl.DataFrame
    provenance: pl.DataFrame
    target_history: pl.DataFrame
    area_names: dict[str, str]
    # Hele landet beside the municipality (the published comparisons), years <= report year.
    national: pl.DataFrame | None = None
    # The year before's report (the municipality, every survey group); None for the first report year.
    previous_scorecard: pl.DataFrame | None = None
    # The revised figures (pipelines.revisions) of the municipality, years <= report year, every survey group.
    revisions: pl.DataFrame | None = None


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchall()[0][0]
    )


def _read_snapshot(snapshot_path: Path, report_year: int | None) -> _Snapshot:
    snapshot_path = Path(snapshot_path)
    if not snapshot_path.exists():
        raise ReportError(f"Fant ikke det publiserte datasettet {snapshot_path}: kjør pipelinen først.")
    years = available_years(snapshot_path)
    if not years:
        raise ReportError("Det publiserte datasettet har ingen scorecard-rader.")
    year = years[-1] if report_year is None else int(report_year)
    if year not in years:
        raise ReportError(
            f"Ingen scorecard for rapportåret {year}; tilgjengelige år: {', '.join(str(y) for y in years)}."
        )
    con = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        info_rows = con.sql("SELECT * FROM snapshot").pl().to_dicts()  # older snapshots lack newer columns
        info = info_rows[0] if info_rows else {"published_at": None, "as_of": None, "demo_data": True, "run_id": None}
        plan_rows = con.sql("SELECT * FROM plan").pl().to_dicts() if _has_table(con, "plan") else []
        if not plan_rows:
            raise ReportError("Det publiserte datasettet sier ikke hvilken plan det gjelder: kjør pipelinen på nytt.")
        plan = PlanHeader.from_row(plan_rows[0])
        area = plan.root_area_code
        snap = _Snapshot(
            info=info,
            plan=plan,
            year=year,
            latest_year=years[-1],
            catalogue=con.sql("SELECT * FROM metric_catalogue ORDER BY sort_order, metric_id").pl(),
            satsingsomrader=con.sql("SELECT * FROM satsingsomrader ORDER BY sort_order").pl(),
            scorecard=con.sql(
                "SELECT * FROM scorecard WHERE report_year = ? AND area_code = ?", params=[year, area]
            ).pl(),
            values=con.sql(
                "SELECT * FROM metric_values WHERE area_code = ? AND year <= ? "
                "ORDER BY metric_id, school_level, gender, year",
                params=[area, year],
            ).pl(),
            file_loads=con.sql("SELECT * FROM file_loads ORDER BY source, file_name").pl(),
            provenance=con.sql("SELECT * FROM metric_provenance ORDER BY metric_id, file_name").pl(),
            target_history=con.sql("SELECT * FROM target_history ORDER BY metric_id, version").pl(),
            area_names=dict(con.sql("SELECT area_code, area_name FROM areas").fetchall()),
            national=con.sql(
                "SELECT * FROM comparisons WHERE comparator_kind = 'norge' AND year <= ? ORDER BY metric_id, year",
                params=[year],
            ).pl()
            if _has_table(con, "comparisons")
            else None,
            previous_scorecard=con.sql(
                "SELECT * FROM scorecard WHERE report_year = ? AND area_code = ?", params=[year - 1, area]
            ).pl()
            if year - 1 in years
            else None,
            revisions=con.sql(
                "SELECT * FROM revisions WHERE area_code = ? AND year <= ? "
                "ORDER BY metric_id, school_level, gender, year, revised_at",
                params=[area, year],
            ).pl()
            if _has_table(con, "revisions")
            else None,
        )
    finally:
        con.close()
    return snap


# --------------------------------------------------------------------------- charts


def _ensure_browser() -> None:
    """kaleido 1.x drives a local Chromium; the Debian package lives at /usr/bin/chromium."""
    if not os.environ.get("BROWSER_PATH") and DEBIAN_CHROMIUM.exists():
        os.environ["BROWSER_PATH"] = str(DEBIAN_CHROMIUM)


@functools.cache
def _kaleido_class() -> type:  # -> type[kaleido.Kaleido]
    """kaleido 1.x reloads a tab after every chart (plotly.js read, parsed and run again): some
    0.3 s of browser work per chart, most of the export's time. A render needs no fresh page:
    ``Plotly.toImage`` draws each figure in a new, detached element that it purges afterwards (as
    kaleido 0.x rendered every figure in one page), and the SVGs are the same (attribute order
    apart). So the tab is put back as it is. kaleido has no option for this: its
    ``_return_kaleido_tab`` is overridden (tests/test_status_report.py checks that it still exists)."""
    import kaleido

    class _KeepTabsKaleido(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab: Any) -> None:
            await self.tabs_ready.put(tab)

    return _KeepTabsKaleido


class ChartExport:
    """ONE kaleido session (one Chromium start) for all charts of a report.

    The browser is started in a background thread as soon as the object is created, so it boots
    while the figures are being built; :meth:`write_svgs` then renders every figure in one batch
    over ``tabs`` browser tabs, without reloading a tab between charts (:func:`_kaleido_class`).
    kaleido's own API is used rather than ``plotly.io.write_images`` to switch MathJax off (the
    export page would otherwise load it from a CDN, and the figures use no LaTeX) and to keep the
    tabs loaded. Use as a context manager so the browser is closed on every path.
    """

    def __init__(self, tabs: int = CHART_TABS, timeout: float = 120.0, start_timeout: float = 60.0) -> None:
        _ensure_browser()
        # choreographer logs unparsable DevTools messages with a full traceback; not our concern.
        logging.getLogger("choreographer").setLevel(logging.CRITICAL)
        self._timeout = timeout
        self._start_timeout = start_timeout
        self._jobs: queue.Queue = queue.Queue(maxsize=1)
        self._done: queue.Queue = queue.Queue(maxsize=1)
        self._sent = False
        self._thread = threading.Thread(target=self._run, args=(tabs,), name="statusrapport-kaleido", daemon=True)
        self._thread.start()

    def _run(self, tabs: int) -> None:
        try:
            self._done.put(asyncio.run(self._session(tabs)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            self._done.put(exc)

    async def _session(self, tabs: int) -> list:
        async with contextlib.AsyncExitStack() as stack:
            k = await self._start(tabs)
            stack.push_async_exit(k)  # kaleido's own exit: the renders awaited, the browser closed
            specs = await asyncio.to_thread(self._jobs.get)
            if not specs:
                return []
            return list(await k.write_fig_from_object(specs, cancel_on_error=False))

    async def _start(self, tabs: int):  # -> kaleido.Kaleido
        """A started kaleido browser. kaleido bounds each render, not the browser's start: a Chromium
        that never answers its DevTools pipe (seen once in a test run) would hold the report for good.
        A start is given ``start_timeout`` seconds, then the browser is closed and started afresh,
        at most ``START_ATTEMPTS`` times."""
        failure: BaseException | None = None
        for _ in range(START_ATTEMPTS):
            k = _kaleido_class()(n=tabs, mathjax=False, timeout=self._timeout)
            try:
                await asyncio.wait_for(k.open(), self._start_timeout)
                return k
            except Exception as err:  # noqa: BLE001 - a hung or failed start: close it, try once more
                failure = err
                # The processes first (choreographer starts the browser in a session of its own):
                # its close waits for a browser that does not answer.
                if (proc := getattr(k, "subprocess", None)) is not None and proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(k.close(), min(10, self._start_timeout))
        raise TimeoutError(
            f"Chromium svarte ikke på {START_ATTEMPTS} forsøk à {self._start_timeout:g} s "
            f"({type(failure).__name__}: {failure})"
        )

    @staticmethod
    def paths(count: int, directory: Path) -> list[Path]:
        """The files :meth:`write_svgs` writes ``count`` figures to (known before they are rendered)."""
        return [Path(directory) / f"graf_{i:02d}.svg" for i in range(count)]

    def write_svgs(self, figures: list, directory: Path) -> list[Path]:
        paths = self.paths(len(figures), directory)
        specs = [
            {
                "fig": fig.to_plotly_json(),
                "path": path,
                "opts": {"format": "svg", "width": CHART_WIDTH, "height": CHART_HEIGHT, "scale": 1},
            }
            for fig, path in zip(figures, paths, strict=True)
        ]
        self._sent = True
        self._jobs.put(specs)
        self._thread.join(START_ATTEMPTS * (self._start_timeout + 10) + self._timeout + 60)
        outcome = self._done.get() if not self._done.empty() else TimeoutError("kaleido svarte ikke")
        if isinstance(outcome, BaseException):
            raise ReportError(
                f"Grafene kunne ikke eksporteres med kaleido ({type(outcome).__name__}: {outcome}). Kaleido trenger "
                f"Chromium: installer Debian-pakken 'chromium' eller sett BROWSER_PATH."
            ) from outcome
        missing = [p.name for p in paths if not p.exists() or p.stat().st_size == 0]
        if outcome or missing:
            raise ReportError(
                f"Kaleido laget ikke alle grafene ({', '.join(missing) or 'ukjent'}): "
                f"{'; '.join(str(e) for e in outcome)[:500]}"
            )
        return paths

    def close(self) -> None:
        if not self._sent:
            self._sent = True
            self._jobs.put([])
        self._thread.join(30)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- view model
# One function per section of the report; each returns plain strings (and figures) for the template.


def _by_metric(frame: pl.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in frame.iter_rows(named=True):
        out.setdefault(r["metric_id"], []).append(r)
    return out


def _is_headline(r: dict) -> bool:
    return (r["school_level"], r["gender"]) == ("alle", "alle")


@dataclass(frozen=True)
class _ViewInputs:
    """What the metric sections read, looked up once per report."""

    snap: _Snapshot
    area_name: str
    rule: SuppressionRule  # the small-number rule with the thresholds the snapshot was suppressed with
    table_rows: dict[str, scorecard.ScorecardRow]  # the plan's table (headline group), by metric
    scorecard_rows: dict[str, list[dict]]  # every survey group
    observations: dict[str, list[dict]]  # every survey group, years <= the report year
    provenance: dict[str, list[dict]]
    decided_by: dict[tuple[str, int], str]
    judged_on: dt.date | None  # the day the report year's status was judged on
    revisions: dict[str, list[dict]]  # the revision steps of each metric's figures

    @classmethod
    def read(cls, snap: _Snapshot) -> _ViewInputs:
        rule = SuppressionRule(snap.info.get("min_count"), snap.info.get("min_respondents"))
        headline_sc = snap.scorecard.filter((pl.col("school_level") == "alle") & (pl.col("gender") == "alle"))
        series = _headline_values(snap).select(
            "metric_id", "year", "period", "value", "suppressed", "suppression_reason"
        )
        # The plan's table, worded exactly as on the dashboard's overview page.
        table_rows = {
            row.metric_id: row
            for kind in ("target", "context")
            for row in scorecard.scorecard_table(
                snap.catalogue, headline_sc, series, area_level="kommune", suppression=rule, kind=kind
            ).rows
        }
        return cls(
            snap=snap,
            area_name=snap.area_names.get(snap.plan.root_area_code, snap.plan.municipality_name),
            rule=rule,
            table_rows=table_rows,
            scorecard_rows=_by_metric(snap.scorecard),
            observations=_by_metric(snap.values),
            provenance=_by_metric(snap.provenance),
            decided_by={
                (r["metric_id"], r["version"]): r["decided_by"] for r in snap.target_history.iter_rows(named=True)
            },
            judged_on=scorecard.judged_on(snap.year, snap.latest_year, snap.info.get("as_of")),
            revisions=_by_metric(snap.revisions) if snap.revisions is not None else {},
        )


def _headline_values(snap: _Snapshot) -> pl.DataFrame:
    return snap.values.filter((pl.col("school_level") == "alle") & (pl.col("gender") == "alle"))


def _group_label(level: str, gender: str) -> str:
    return f"{SCHOOL_LEVEL_LABEL.get(level, level)}, {GENDER_LABEL.get(gender, gender).lower()}"


def _group_rows(metric: dict, sc_rows: list[dict], obs: list[dict], suppression: SuppressionRule) -> list[dict]:
    """Scorecard rows per school level and gender (survey metrics), in the plan's columns."""

    def order(r: dict) -> tuple[int, int]:
        return SCHOOL_LEVEL_ORDER.get(r["school_level"], 9), GENDER_ORDER.get(r["gender"], 9)

    rows = []
    for s in sorted(sc_rows, key=order):
        if _is_headline(s):
            continue
        mine = [o for o in obs if o["school_level"] == s["school_level"] and o["gender"] == s["gender"]]
        cells = scorecard.scorecard_cells(
            s, mine, unit=metric["unit"], direction=metric["direction"], suppression=suppression
        )
        rows.append(
            {
                "group": _group_label(s["school_level"], s["gender"]),
                "baseline": cells.baseline.text,
                "target": cells.target.text,
                "status": cells.status.text,
                "improvement": cells.improvement.text,
                "status_text": cells.status_text,
                "status_css": _status_css(s["status_class"]),
            }
        )
    return rows


def _status_css(status_class: str | None) -> str:
    return STATUS_CSS.get(status_class or NO_DATA, "none")


def _chart_alt(label: str, obs: list[dict], unit: str) -> str:
    shown = [o for o in obs if not o["suppressed"] and o["value"] is not None]
    if len(shown) < 2:
        return f"Graf for {label}: for få år med tall til å vise en utvikling."
    return (
        f"Graf for {label}: utvikling {shown[0]['period']}–{shown[-1]['period']}, fra "
        f"{fmt.value_text(shown[0]['value'], unit)} til {fmt.value_text(shown[-1]['value'], unit)}."
    )


def _source_text(m: dict, prov: list[dict]) -> str:
    """The metric's source, with how many files and when the last was loaded."""
    text = SOURCE_LABEL.get(m["source"], m["source"])
    if prov:
        loaded = [p["loaded_at"] for p in prov if p["loaded_at"] is not None]
        text += f" – {len(prov)} {'fil' if len(prov) == 1 else 'filer'}" + (
            f", sist lastet {fmt.format_datetime_nb(max(loaded))}" if loaded else ""
        )
    return text


def _stale_text(m: dict, head: dict | None, judged_on: dt.date | None) -> str:
    """Why the latest value is "foreldet" (its period and the source's cadence), or "" when it is current."""
    if not head or not head.get("stale"):
        return ""
    return fmt.stale_text(head["status_period"], m.get("cadence_years"), judged_on)


def _target_note(head: dict | None, decided_by: str | None) -> str:
    """ "Mål versjon 2, vedtatt 01.03.2017 av Styringsgruppen (sak 12/17)" for a numeric or directional Mål."""
    if not head or head.get("target_kind") not in ("numeric", "direction") or head.get("target_version") is None:
        return ""
    when = head.get("target_decided_at")
    return (
        f"Mål versjon {head['target_version']}"
        + (f", vedtatt {when:%d.%m.%Y}" if when else "")
        + (f" av {decided_by}" if decided_by else "")
        + (f" ({head['target_decision_ref']})" if head.get("target_decision_ref") else "")
    )


def _revised_figures(steps: list[dict], unit: str) -> list[str]:
    """Each revised figure of a metric, oldest period first: "2019: 138 → 145 (revidert
    15.04.2026)", the survey group named where it is not the whole population."""
    figures: dict[tuple, list[dict]] = {}
    for s in steps:
        figures.setdefault((s["year"], s["period"], s["school_level"], s["gender"]), []).append(s)
    order = sorted(
        figures,
        key=lambda k: (k[0], SCHOOL_LEVEL_ORDER.get(k[2], 9) if k[2] != "alle" else -1, GENDER_ORDER.get(k[3], 9)),
    )
    return [
        f"{period}{'' if (level, gender) == ('alle', 'alle') else ', ' + _group_label(level, gender).lower()}: "
        f"{fmt.revision_steps_text(figures[(year, period, level, gender)], unit)}"
        for year, period, level, gender in order
    ]


def _metric_section(m: dict, inputs: _ViewInputs) -> tuple[dict, Any]:
    """One metric's section (its table row, per-group rows, notes, chart caption) and its figure."""
    snap, mid, unit = inputs.snap, m["metric_id"], m["unit"]
    rows = inputs.scorecard_rows.get(mid, [])
    head = next((r for r in rows if _is_headline(r)), None)
    obs = inputs.observations.get(mid, [])
    row = inputs.table_rows.get(mid)
    status_class = (head or {}).get("status_class") or NO_DATA
    groups = _group_rows(m, rows, obs, inputs.rule)

    national = snap.national.filter(pl.col("metric_id") == mid) if snap.national is not None else pl.DataFrame()
    fig = trend_figure(
        _headline_values(snap).filter(pl.col("metric_id") == mid),
        label=m["label"],
        area_name=inputs.area_name,
        unit=unit,
        direction=m["direction"],
        suppression=inputs.rule,
        period_type=m["period_type"],
        scorecard_row=head,
        comparators=national if not national.is_empty() else None,
    )
    fit_for_print(fig)

    notes = [row.note] if row is not None and row.note else []
    beside = ""
    if not national.is_empty():
        last = national.row(-1, named=True)
        shown = (
            inputs.rule.cell(last["comparator_suppression_reason"])
            if last["comparator_suppressed"]
            else fmt.value_text(last["comparator_value"], unit)
        )
        beside = (
            f"{last['period']}: {shown}; {inputs.area_name} er "
            f"{comparison_text(last['comparison'], last['comparator_name'], icon=False)}"
        )
    if m.get("plan_baseline"):
        notes.append(f"Planens eget utgangspunkt: {m['plan_baseline']}")
    decided_by = inputs.decided_by.get((mid, head["target_version"])) if head else None
    view = {
        "id": mid,
        "label": m["label"],
        "kind": m["kind"],
        "satsingsomrade": m["satsingsomrade"],
        "definition": m.get("definition") or "",
        "numerator": m.get("numerator_text") or "",
        "denominator": m.get("denominator_text") or "",
        "owners": ", ".join(fmt.owners_list(m["owners"])) or "–",
        "source": _source_text(m, inputs.provenance.get(mid, [])),
        "period_type": m["period_type"],
        "direction": DIRECTION_LABEL.get(m["direction"], m["direction"]),
        "unit": UNIT_LABEL.get(unit, unit),
        "baseline": row.cells.baseline.text if row else MISSING,
        "target": row.cells.target.text if row and m["kind"] == "target" else "–",
        "status": row.cells.status.text if row else MISSING,
        "improvement": row.cells.improvement.text if row else "–",
        "improvement_head": "Forbedring" if m["kind"] == "target" else "Endring",
        "status_text": fmt.status_text(status_class),
        "status_css": _status_css(status_class),
        "status_class": status_class,
        "explanation": (head or {}).get("explanation") or "",
        "stale_text": _stale_text(m, head, inputs.judged_on),
        "notes": notes,
        "target_note": _target_note(head, decided_by),
        "national": beside,
        "revised": _revised_figures(inputs.revisions.get(mid, []), unit),
        "groups": groups,
        "chart_alt": _chart_alt(m["label"], [o for o in obs if _is_headline(o)], unit),
        "chart_caption": (
            f"{inputs.area_name}{', alle trinn og begge kjønn' if groups else ''}, "
            f"{m['period_type']} til og med rapportåret {snap.year}"
        ),
        "chart": "",  # filled in after the export
        "number": 0,
    }
    return view, fig


def _metric_sections(inputs: _ViewInputs) -> tuple[list[dict], list]:
    """Every metric's section and figure, in catalogue order."""
    metrics, figures = [], []
    for m in inputs.snap.catalogue.iter_rows(named=True):
        view, fig = _metric_section(m, inputs)
        metrics.append(view)
        figures.append(fig)
    return metrics, figures


def _area_block(area_id: str, label: str, mine: list[dict]) -> dict:
    return {
        "id": area_id,
        "label": label,
        "targets": [x for x in mine if x["kind"] == "target"],
        "context": [x for x in mine if x["kind"] != "target"],
        "metrics": sorted(mine, key=lambda x: x["kind"] != "target"),
    }


def _area_sections(snap: _Snapshot, metrics: list[dict]) -> list[dict]:
    """Satsingsområder in the plan's order (the two without a metric stay visible); numbers the
    metrics (and so their figures) in the order they are printed."""
    areas = [
        _area_block(a["satsingsomrade"], a["label"], [x for x in metrics if x["satsingsomrade"] == a["satsingsomrade"]])
        for a in snap.satsingsomrader.iter_rows(named=True)
    ]
    known = {a["id"] for a in areas}
    others = [x for x in metrics if x["satsingsomrade"] not in known]
    if others:  # never drop a metric because its satsingsområde is missing from the table
        areas.append(_area_block("andre", "Andre indikatorer", others))
    for number, metric in enumerate((x for a in areas for x in a["metrics"]), start=1):
        metric["number"] = number
    return areas


def _summary(targets: list[dict]) -> list[dict]:
    """The cover's count of target metrics per status class (classes with none left out)."""
    summary = [
        {
            "text": fmt.status_text(c),
            "css": _status_css(c),
            "help": STATUS_HELP.get(c, ""),
            "count": sum(x["status_class"] == c for x in targets),
        }
        for c in STATUS_ORDER
    ]
    return [s for s in summary if s["count"]]


def _summary_rows(scorecard_rows: pl.DataFrame, catalogue: pl.DataFrame) -> list[dict]:
    """The headline scorecard rows of the metrics with a Mål, with their catalogue entries."""
    cat = catalogue.filter(pl.col("kind") == "target").select("metric_id", "label", "unit", "direction", "sort_order")
    head = scorecard_rows.filter((pl.col("school_level") == "alle") & (pl.col("gender") == "alle"))
    return head.join(cat, on="metric_id", how="inner").to_dicts()


def _council_summary(snap: _Snapshot) -> CouncilSummary:
    """The first page's summary: off-track targets, largest changes, what changed since last year,
    revised figures."""
    previous = snap.previous_scorecard
    return council_summary(
        _summary_rows(snap.scorecard, snap.catalogue),
        _summary_rows(previous, snap.catalogue) if previous is not None else None,
        year=snap.year,
        revised=_revised_counts(snap),
    )


def _revised_counts(snap: _Snapshot) -> list[tuple[str, int]]:
    """Per metric (its label, in the plan's order), how many of the report's figures were revised."""
    if snap.revisions is None or snap.revisions.is_empty():
        return []
    per_metric = snap.revisions.unique(["metric_id", "school_level", "gender", "year"]).group_by("metric_id").len()
    counts = dict(zip(per_metric["metric_id"].to_list(), per_metric["len"].to_list()))
    return [
        (m["label"], counts[m["metric_id"]]) for m in snap.catalogue.iter_rows(named=True) if m["metric_id"] in counts
    ]


def _status_help() -> list[dict]:
    return [
        {"text": fmt.status_text(c), "css": _status_css(c), "help": STATUS_HELP[c]}
        for c in STATUS_ORDER
        if c in STATUS_HELP
    ]


def _commentary_section(snap: _Snapshot, commentaries: list[dict]) -> list[dict]:
    """Leaders' commentaries: every service named as Hovedansvar, plus any other that commented."""
    services: dict[str, list[str]] = {}
    for m in snap.catalogue.iter_rows(named=True):
        for owner in fmt.owners_list(m["owners"]):
            services.setdefault(owner, []).append(m["label"])
    by_service = {c["service"]: c for c in commentaries}
    for name in by_service:
        services.setdefault(name, [])
    blocks = []
    for name in sorted(services, key=str.casefold):
        c = by_service.get(name)
        blocks.append(
            {
                "service": name,
                "title": SHARED_OWNER_TITLE if name == SHARED_OWNER else name,
                "metrics": services[name],
                "author": commentary.signer_name(c) if c else "",
                "when": commentary.format_when(c.get("saved_at")) if c else "",
                "area": snap.area_names.get(
                    (c or {}).get("area_code") or snap.plan.root_area_code, (c or {}).get("area_code") or ""
                ),
                "paragraphs": [p.strip() for p in str((c or {}).get("text") or "").split("\n") if p.strip()],
                "has_comment": c is not None,
            }
        )
    return blocks


def _contract_text(source: str, versions: list[str]) -> str:
    """The source's data contract by its title ("Fravær og mestring per skole, versjon 1.0.0"), not a file name."""
    from pipelines.ingest.contracts import load_contract

    try:
        title = load_contract(source).name
    except (OSError, ValueError):  # a source without a readable contract in this deployment
        title = SOURCE_LABEL.get(source, source)
    if not versions:
        return title
    return f"{title}, {'versjon' if len(versions) == 1 else 'versjonene'} {fmt.join_nb(versions)}"


def _sources_section(snap: _Snapshot) -> list[dict]:
    """What the snapshot is built on, per source: its deliveries (periods, rows), named by the source
    and its data contract's title, never by file name."""
    metrics_by_source: dict[str, list[str]] = {}
    for m in snap.catalogue.iter_rows(named=True):
        metrics_by_source.setdefault(m["source"], []).append(m["label"])
    loads = snap.file_loads
    sources = []
    for source in sorted(set(loads["source"].to_list()) | set(metrics_by_source), key=lambda s: SOURCE_LABEL.get(s, s)):
        part = loads.filter(pl.col("source") == source)
        ok = part.filter(pl.col("status") == "loaded")
        periods = sorted({str(p) for r in ok["slice"].to_list() for p in fmt.slice_periods(r) if p != "*"})
        loaded = [t for t in ok["processed_at"].to_list() if t is not None]
        sources.append(
            {
                "label": SOURCE_LABEL.get(source, source),
                "metrics": metrics_by_source.get(source, []),
                "files": ok["file_name"].to_list(),
                "periods": (periods[0] if len(periods) == 1 else f"{periods[0]}–{periods[-1]}") if periods else "",
                "rows": fmt.format_number_nb(sum(r or 0 for r in ok["rows"].to_list()), 0),
                "contract": _contract_text(source, sorted({c for c in ok["contract_version"].to_list() if c})),
                "last_loaded": fmt.format_datetime_nb(max(loaded)) if loaded else "–",
                "rejected": part.height - ok.height,
            }
        )
    return sources


def _cover(snap: _Snapshot, area_name: str) -> dict:
    """The first page's facts, and the running header and footer of every page."""
    info, year = snap.info, snap.year
    loads = snap.file_loads
    last_load = loads.filter(pl.col("status") == "loaded")["processed_at"].max() if loads.height else None
    demo = bool(info.get("demo_data"))
    as_of = info.get("as_of")
    judged_on = scorecard.judged_on(year, snap.latest_year, as_of)
    title = snap.plan.report_title_for(year)
    return {
        "year": year,
        "title": title,
        "plan": snap.plan.plan_name,
        "plan_text": snap.plan.plan_text,
        "introduction": snap.plan.report_introduction,
        "reading_guide": snap.plan.report_reading_guide,
        "municipality": snap.plan.municipality_name,
        "area_name": area_name,
        "demo": demo,
        "as_of": fmt.format_long_date_nb(as_of),
        "judged_on": fmt.format_long_date_nb(judged_on),
        "judged_earlier": judged_on is not None and judged_on != as_of,
        "published_at": fmt.format_datetime_nb(info.get("published_at"), missing="ukjent"),
        "last_load": fmt.format_datetime_nb(last_load) if last_load is not None else "ingen filer lastet",
        "run_id": (info.get("run_id") or "")[:8],
        "generated_at": fmt.format_datetime_nb(dt.datetime.now(dt.UTC)),
        "running_title": f"{snap.plan.plan_name} – {title}",
        "running_demo": "SYNTETISKE DEMODATA – ikke faktiske tall" if demo else "",
        "running_asof": f"Status per {fmt.format_long_date_nb(judged_on)}",
    }


def _build_view(snap: _Snapshot, commentaries: list[dict]) -> tuple[dict, list, list[dict]]:
    """Everything the template shows (plain strings) and the figures, in catalogue order."""
    inputs = _ViewInputs.read(snap)
    metrics, figures = _metric_sections(inputs)
    targets = [x for x in metrics if x["kind"] == "target"]
    view = {
        **_cover(snap, inputs.area_name),
        "n_targets": len(targets),
        "n_context": len(metrics) - len(targets),
        "n_metrics": len(metrics),
        "summary": _summary(targets),
        "council": _council_summary(snap),
        "areas": _area_sections(snap, metrics),
        "commentaries": _commentary_section(snap, commentaries),
        "n_commentaries": len(commentaries),
        "sources": _sources_section(snap),
        "status_help": _status_help(),
        "suppression": inputs.rule.description(),
    }
    return view, figures, metrics


def render_html(view: dict) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(HERE)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = _css_string
    env.filters["keep"] = _keep_together
    return env.get_template(TEMPLATE_NAME).render(r=view)


# --------------------------------------------------------------------------- the build


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused. WeasyPrint allocates millions of short-lived
    objects while it lays out and draws the report, and every few thousand of them the collector
    walks the whole heap (polars, plotly, Dagster in a pipeline process): some 0.4 s of a 3 s
    render. The report's own garbage is small (the peak memory does not change); the collector
    takes it once it runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_report(
    snapshot_path: Path,
    out_path: Path | None = None,
    *,
    report_year: int | None = None,
    data_dir: Path | None = None,
    reports_dir: Path | None = None,
    keep_html: Path | None = None,
) -> ReportResult:
    """Build the status report for ``report_year`` (None: the latest report year in the snapshot).

    ``out_path`` defaults to ``<reports_dir>/statusrapport_<year>.pdf`` (``reports_dir`` defaults
    to the settings' one); the leaders' commentaries are read from ``data_dir`` (default: the settings').
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 2)
        return now

    if data_dir is None or (out_path is None and reports_dir is None):
        from pipelines.settings import get_settings

        settings = get_settings()
        data_dir = data_dir or settings.data_dir
        reports_dir = reports_dir or settings.reports_dir

    t = time.perf_counter()
    snap = _read_snapshot(Path(snapshot_path), report_year)  # an unknown year fails before the browser starts
    commentaries = commentary.current(Path(data_dir), snap.year)
    t = lap("les_data", t)
    # The browser boots (some 1.5 s: most of it plotly.js loading in its tab) while the figures are
    # built, WeasyPrint is imported and the page is written and parsed; none of that needs the charts.
    with ChartExport(tabs=CHART_TABS) as charts:
        view, figures, metrics = _build_view(snap, commentaries)
        t = lap("figurer", t)
        out = Path(out_path) if out_path is not None else report_path(Path(reports_dir), snap.year)
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(out.parent)  # what a killed report build left
        with tempfile.TemporaryDirectory(prefix=".statusrapport.", suffix=temp_suffix(), dir=out.parent) as tmp:
            tmpdir = Path(tmp)
            for metric, path in zip(metrics, ChartExport.paths(len(figures), tmpdir), strict=True):
                metric["chart"] = path.name
            page = render_html(view)
            if keep_html is not None:
                Path(keep_html).write_text(page, encoding="utf-8")
            from weasyprint import CSS, HTML

            html = HTML(string=page, base_url=str(tmpdir))  # the charts are read by render(), below
            stylesheet = CSS(filename=str(STYLESHEET))
            t = lap("html", t)
            paths = charts.write_svgs(figures, tmpdir)
            t = lap("grafer_svg", t)
            tmp_pdf = temp_path(out)
            try:
                with _gc_paused():
                    document = html.render(stylesheets=[stylesheet])
                    document.write_pdf(tmp_pdf)
                os.replace(tmp_pdf, out)
            finally:
                tmp_pdf.unlink(missing_ok=True)
            pages = len(document.pages)
            lap("pdf", t)

    return ReportResult(
        path=out,
        report_year=snap.year,
        pages=pages,
        size_bytes=out.stat().st_size,
        metrics=len(metrics),
        charts=len(paths),
        commentaries=len(commentaries),
        demo_data=view["demo"],
        seconds=round(time.perf_counter() - started, 2),
        timings=timings,
    )
