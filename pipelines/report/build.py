"""Build the Årlig statusrapport (PDF) for one report year from a published snapshot.

Inputs are the read-only published snapshot (``Settings.published_path``) and the leaders'
commentary file (``<data_dir>/commentary/kommentarer.jsonl``, written by the dashboard's
Resultatavtale page); nothing else. Steps:

1. read everything the report shows from the snapshot in one short read-only connection;
2. one trend chart per metric with the dashboard's own ``dashboards.charts.trend_figure``
   (headline series for Bærum kommune up to the report year, with the scorecard row of that
   year for 0-punkt, Mål and the straight path), all exported to SVG in ONE kaleido batch
   (one Chromium start);
3. the page in Norwegian bokmål from ``template.html`` + ``report.css`` (Jinja2), with the
   plan's table wording via ``dashboards.views.scorecard_table`` / ``dashboards.formatting``;
4. WeasyPrint turns the HTML into the PDF, written atomically (temporary file, then
   ``os.replace``) so that the dashboard never offers a half-written file.

Dagster builds it, one partition per report year (``pipelines/defs/serving/report.py``);
``make report YEAR=2019`` materializes one year.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import os
import queue
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import duckdb
import polars as pl

from dashboards import formatting as fmt
from dashboards import views
from dashboards.charts import trend_figure
from pipelines import commentary
from pipelines.metrics.engine import report_clock
from pipelines.metrics.formatting import format_datetime_nb, format_number_nb

HERE = Path(__file__).resolve().parent
TEMPLATE_NAME = "template.html"
STYLESHEET = HERE / "report.css"
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")

AREA = "baerum"
SHARED_OWNER = "Alle"  # the catalogue's owner for targets shared by every service
SHARED_OWNER_TITLE = "Alle tjenester (felles mål)"
CHART_WIDTH, CHART_HEIGHT = 900, 300
CHART_TABS = 2  # browser tabs rendering in parallel (the machine has 2 cores)
PLAN_NAME = "Sammen for barn og unge"
PLAN_TEXT = "Plan for Bærum kommune 2015–2019, vedtatt 29. april 2015"
MUNICIPALITY = "Bærum kommune"

_MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"]
_LEVEL_ORDER = {"alle": 0, "uks": 1, "vgs": 2}
_GENDER_ORDER = {"alle": 0, "jenter": 1, "gutter": 2}
_STATUS_ORDER = ["på sporet", "ikke på sporet", "usikkert", "mangler data", "ingen mål"]


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


# --------------------------------------------------------------------------- formatting helpers

def date_nb(value: dt.date | dt.datetime | None) -> str:
    """``23. november 2026``."""
    if value is None:
        return "ukjent"
    return f"{value.day}. {_MONTHS[value.month - 1]} {value.year}"


def _css_string(text: Any) -> Any:
    """A CSS string literal for the page margin boxes, safe inside <style> (no '<', quotes escaped)."""
    from markupsafe import Markup

    s = str(text or "").replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3C ")
    return Markup(f'"{s}"')


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
    year: int
    latest_year: int  # the snapshot's latest report year
    catalogue: pl.DataFrame
    satsingsomrader: pl.DataFrame
    scorecard: pl.DataFrame  # the report year, AREA, every survey group
    values: pl.DataFrame  # AREA, years <= report year, every survey group
    file_loads: pl.DataFrame
    provenance: pl.DataFrame
    target_history: pl.DataFrame
    area_names: dict[str, str]


def _read_snapshot(snapshot_path: Path, report_year: int | None) -> _Snapshot:
    snapshot_path = Path(snapshot_path)
    if not snapshot_path.exists():
        raise ReportError(f"Fant ikke det publiserte datasettet {snapshot_path}: kjør pipelinen først.")
    years = available_years(snapshot_path)
    if not years:
        raise ReportError("Det publiserte datasettet har ingen scorecard-rader.")
    year = years[-1] if report_year is None else int(report_year)
    if year not in years:
        raise ReportError(f"Ingen scorecard for rapportåret {year}; tilgjengelige år: "
                          f"{', '.join(str(y) for y in years)}.")
    con = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        info_rows = con.sql("SELECT * FROM snapshot").pl().to_dicts()  # older snapshots lack newer columns
        info = info_rows[0] if info_rows else {"published_at": None, "as_of": None, "demo_data": True, "run_id": None}
        snap = _Snapshot(
            info=info,
            year=year,
            latest_year=years[-1],
            catalogue=con.sql("SELECT * FROM metric_catalogue ORDER BY sort_order, metric_id").pl(),
            satsingsomrader=con.sql("SELECT * FROM satsingsomrader ORDER BY sort_order").pl(),
            scorecard=con.sql("SELECT * FROM scorecard WHERE report_year = ? AND area_code = ?",
                              params=[year, AREA]).pl(),
            values=con.sql("SELECT * FROM metric_values WHERE area_code = ? AND year <= ? "
                           "ORDER BY metric_id, school_level, gender, year", params=[AREA, year]).pl(),
            file_loads=con.sql("SELECT * FROM file_loads ORDER BY source, file_name").pl(),
            provenance=con.sql("SELECT * FROM metric_provenance ORDER BY metric_id, file_name").pl(),
            target_history=con.sql("SELECT * FROM target_history ORDER BY metric_id, version").pl(),
            area_names=dict(con.sql("SELECT area_code, area_name FROM areas").fetchall()),
        )
    finally:
        con.close()
    return snap


# --------------------------------------------------------------------------- charts

def _ensure_browser() -> None:
    """kaleido 1.x drives a local Chromium; the Debian package lives at /usr/bin/chromium."""
    if not os.environ.get("BROWSER_PATH") and DEBIAN_CHROMIUM.exists():
        os.environ["BROWSER_PATH"] = str(DEBIAN_CHROMIUM)


class ChartExport:
    """ONE kaleido session (one Chromium start) for all charts of a report.

    The browser is started in a background thread as soon as the object is created, so it boots
    while the figures are being built; :meth:`write_svgs` then renders every figure in one batch
    over ``tabs`` browser tabs. kaleido's own API is used rather than ``plotly.io.write_images``
    only to switch MathJax off: the export page would otherwise load it from a CDN, and the
    figures use no LaTeX. Use as a context manager so the browser is closed on every path.
    """

    def __init__(self, tabs: int = 2, timeout: float = 120.0) -> None:
        _ensure_browser()
        # choreographer logs unparsable DevTools messages with a full traceback; not our concern.
        logging.getLogger("choreographer").setLevel(logging.CRITICAL)
        self._timeout = timeout
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
        import kaleido

        async with kaleido.Kaleido(n=tabs, mathjax=False, timeout=self._timeout) as k:
            specs = await asyncio.to_thread(self._jobs.get)
            if not specs:
                return []
            return list(await k.write_fig_from_object(specs, cancel_on_error=False))

    def write_svgs(self, figures: list, directory: Path) -> list[Path]:
        paths = [Path(directory) / f"graf_{i:02d}.svg" for i in range(len(figures))]
        specs = [{"fig": fig.to_plotly_json(), "path": path,
                  "opts": {"format": "svg", "width": CHART_WIDTH, "height": CHART_HEIGHT, "scale": 1}}
                 for fig, path in zip(figures, paths, strict=True)]
        self._sent = True
        self._jobs.put(specs)
        self._thread.join(self._timeout + 60)
        outcome = self._done.get() if not self._done.empty() else TimeoutError("kaleido svarte ikke")
        if isinstance(outcome, BaseException):
            raise ReportError(
                f"Grafene kunne ikke eksporteres med kaleido ({type(outcome).__name__}: {outcome}). Kaleido trenger "
                f"Chromium: installer Debian-pakken 'chromium' eller sett BROWSER_PATH.") from outcome
        missing = [p.name for p in paths if not p.exists() or p.stat().st_size == 0]
        if outcome or missing:
            raise ReportError(f"Kaleido laget ikke alle grafene ({', '.join(missing) or 'ukjent'}): "
                              f"{'; '.join(str(e) for e in outcome)[:500]}")
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

def _group_label(level: str, gender: str) -> str:
    return f"{fmt.SCHOOL_LEVEL_LABEL.get(level, level)}, {fmt.GENDER_LABEL.get(gender, gender).lower()}"


def _suppressed_at(obs: list[dict], year: Any) -> dict | None:
    hits = [r for r in obs if r["suppressed"] and (year is None or r["year"] == year)]
    return max(hits, key=lambda r: r["year"]) if hits else None


def _group_rows(metric: dict, sc_rows: list[dict], obs: list[dict], suppression: fmt.SuppressionRule) -> list[dict]:
    """Scorecard rows per school level and gender (survey metrics); suppressed cells say so."""
    unit, direction = metric["unit"], metric["direction"]
    rows = []
    def order(r: dict) -> tuple[int, int]:
        return _LEVEL_ORDER.get(r["school_level"], 9), _GENDER_ORDER.get(r["gender"], 9)

    for s in sorted(sc_rows, key=order):
        if (s["school_level"], s["gender"]) == ("alle", "alle"):
            continue
        mine = [o for o in obs if o["school_level"] == s["school_level"] and o["gender"] == s["gender"]]
        baseline = fmt.value_with_period(s["baseline_value"], unit, s["baseline_period"])
        if fmt.is_missing(s["baseline_value"]) and (sup := _suppressed_at(mine, s["baseline_year"])):
            baseline = suppression.cell(sup["suppression_reason"])
        status = fmt.value_with_period(s["status_value"], unit, s["status_period"],
                                       preliminary=bool(s.get("status_preliminary")))
        sup = _suppressed_at(mine, s["status_year"]) or _suppressed_at(mine, None)
        if fmt.is_missing(s["status_value"]) and sup:
            status = f"{suppression.cell(sup['suppression_reason'])} ({sup['period']})"
        rows.append({
            "group": _group_label(s["school_level"], s["gender"]),
            "baseline": baseline,
            "target": fmt.target_text(s["target_kind"], s["target_value"], s["target_year"], unit, direction),
            "status": status,
            "improvement": fmt.improvement_text(s["improvement"], s["improvement_pp"], unit),
            "status_text": fmt.status_text(s["status_class"]),
            "status_css": _status_css(s["status_class"]),
        })
    return rows


def _status_css(status_class: str | None) -> str:
    return {"på sporet": "on", "ikke på sporet": "off", "usikkert": "unsure", "mangler data": "nodata",
            "ingen mål": "none"}.get(status_class or "mangler data", "none")


def _chart_alt(label: str, obs: list[dict], unit: str) -> str:
    shown = [o for o in obs if not o["suppressed"] and o["value"] is not None]
    if len(shown) < 2:
        return f"Graf for {label}: for få år med tall til å vise en utvikling."
    return (f"Graf for {label}: utvikling {shown[0]['period']}–{shown[-1]['period']}, fra "
            f"{fmt.value_text(shown[0]['value'], unit)} til {fmt.value_text(shown[-1]['value'], unit)}.")


def _fit_for_print(fig: Any) -> None:
    """Adapt the dashboard's figure to a printed page.

    The figure's own title goes: the page prints the title as an HTML caption right above it
    (it wraps and is searchable text), the legend takes its place above the plot (the printed
    chart is lower than on screen, and below the plot it ran into the x-axis title), and the
    y ticks get fixed room (Plotly's automargin does not always settle in a one-shot export).
    """
    fig.update_layout(title_text="", margin={"t": 34, "l": 78, "r": 16, "b": 8},
                      legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"})
    # Room above the highest point for the "Mål …" label over the target star (clipped otherwise).
    ys = [float(y) for tr in fig.data if getattr(tr, "y", None) is not None for y in tr.y
          if isinstance(y, (int, float)) and not math.isnan(y)]
    ys += [float(sh.y0) for sh in fig.layout.shapes if isinstance(sh.y0, (int, float))]
    if ys and any("text" in (getattr(tr, "mode", "") or "") for tr in fig.data):
        lo, hi = min(ys), max(ys)
        span = (hi - lo) or abs(hi) or 1.0
        fig.update_yaxes(range=[lo - 0.1 * span, hi + 0.25 * span])


def _build_view(snap: _Snapshot, commentaries: list[dict]) -> tuple[dict, list, list[dict]]:
    """Everything the template shows (plain strings) and the figures, in catalogue order."""
    year = snap.year
    area_name = snap.area_names.get(AREA, MUNICIPALITY)
    cat = snap.catalogue
    headline_sc = snap.scorecard.filter((pl.col("school_level") == "alle") & (pl.col("gender") == "alle"))
    headline_values = snap.values.filter((pl.col("school_level") == "alle") & (pl.col("gender") == "alle"))
    series = headline_values.select("metric_id", "year", "period", "value", "suppressed", "suppression_reason")

    # The plan's table, worded exactly as on the dashboard's overview page.
    # The small-number rule with the thresholds the snapshot was suppressed with.
    rule = fmt.SuppressionRule(snap.info.get("min_count"), snap.info.get("min_respondents"))
    tables = {kind: views.scorecard_table(cat, headline_sc, series, area_level="kommune", suppression=rule, kind=kind)
              for kind in ("target", "context")}
    shown_rows: dict[str, dict] = {}
    for table in tables.values():
        for mid, row in zip(table.metric_ids, table.frame.to_dicts(), strict=True):
            shown_rows[mid] = row

    sc_by_metric: dict[str, list[dict]] = {}
    for r in snap.scorecard.iter_rows(named=True):
        sc_by_metric.setdefault(r["metric_id"], []).append(r)
    obs_by_metric: dict[str, list[dict]] = {}
    for r in snap.values.iter_rows(named=True):
        obs_by_metric.setdefault(r["metric_id"], []).append(r)
    prov_by_metric: dict[str, list[dict]] = {}
    for r in snap.provenance.iter_rows(named=True):
        prov_by_metric.setdefault(r["metric_id"], []).append(r)
    decided_by = {(r["metric_id"], r["version"]): r["decided_by"] for r in snap.target_history.iter_rows(named=True)}

    figures = []
    metrics: list[dict] = []
    for m in cat.iter_rows(named=True):
        mid, unit, direction = m["metric_id"], m["unit"], m["direction"]
        rows = sc_by_metric.get(mid, [])
        head = next((r for r in rows if (r["school_level"], r["gender"]) == ("alle", "alle")), None)
        obs = obs_by_metric.get(mid, [])
        head_obs = [o for o in obs if (o["school_level"], o["gender"]) == ("alle", "alle")]
        shown = shown_rows.get(mid, {})
        status_class = (head or {}).get("status_class") or "mangler data"
        groups = _group_rows(m, rows, obs, rule)

        values = headline_values.filter(pl.col("metric_id") == mid)
        fig = trend_figure(values, label=m["label"], area_name=area_name, unit=unit, direction=direction, suppression=rule,
                           period_type=m["period_type"], scorecard_row=head)
        _fit_for_print(fig)
        figures.append(fig)
        caption = (f"{area_name}{', alle trinn og begge kjønn' if groups else ''}, {m['period_type']} "
                   f"til og med rapportåret {year}")

        prov = prov_by_metric.get(mid, [])
        loaded = [p["loaded_at"] for p in prov if p["loaded_at"] is not None]
        source_text = fmt.SOURCE_LABEL.get(m["source"], m["source"])
        if prov:
            source_text += (f" – {len(prov)} {'fil' if len(prov) == 1 else 'filer'}"
                            + (f", sist lastet {format_datetime_nb(max(loaded))}" if loaded else ""))
        notes = []
        if shown.get("Merknad"):
            notes.append(shown["Merknad"])
        if m.get("plan_baseline"):
            notes.append(f"Planens eget utgangspunkt: {m['plan_baseline']}")
        target_note = ""
        if head and head.get("target_kind") in ("numeric", "direction") and head.get("target_version") is not None:
            who = decided_by.get((mid, head["target_version"]))
            when = head.get("target_decided_at")
            target_note = (f"Mål versjon {head['target_version']}"
                           + (f", vedtatt {when:%d.%m.%Y}" if when else "")
                           + (f" av {who}" if who else "")
                           + (f" ({head['target_decision_ref']})" if head.get("target_decision_ref") else ""))
        improvement = shown.get("Forbedring", shown.get("Endring", "–"))
        metrics.append({
            "id": mid,
            "label": m["label"],
            "kind": m["kind"],
            "satsingsomrade": m["satsingsomrade"],
            "definition": m.get("definition") or "",
            "numerator": m.get("numerator_text") or "",
            "denominator": m.get("denominator_text") or "",
            "owners": ", ".join(fmt.owners_list(m["owners"])) or "–",
            "source": source_text,
            "period_type": m["period_type"],
            "direction": fmt.DIRECTION_LABEL.get(direction, direction),
            "unit": fmt.UNIT_LABEL.get(unit, unit),
            "baseline": shown.get("0-punkt", fmt.MISSING),
            "target": shown.get("Mål", "–"),
            "status": shown.get("Status", fmt.MISSING),
            "improvement": improvement,
            "improvement_head": "Forbedring" if m["kind"] == "target" else "Endring",
            "status_text": shown.get("Vurdering") or fmt.status_text(status_class),
            "status_css": _status_css(status_class),
            "status_class": status_class,
            "explanation": (head or {}).get("explanation") or "",
            "stale": bool((head or {}).get("stale")),
            "notes": notes,
            "target_note": target_note,
            "groups": groups,
            "chart_alt": _chart_alt(m["label"], head_obs, unit),
            "chart_caption": caption,
            "chart": "",  # filled in after the export
            "number": 0,
        })

    # Satsingsområder in the plan's order; the two without a metric stay visible.
    areas = []
    for a in snap.satsingsomrader.iter_rows(named=True):
        mine = [x for x in metrics if x["satsingsomrade"] == a["satsingsomrade"]]
        areas.append({
            "id": a["satsingsomrade"],
            "label": a["label"],
            "targets": [x for x in mine if x["kind"] == "target"],
            "context": [x for x in mine if x["kind"] != "target"],
            "metrics": sorted(mine, key=lambda x: x["kind"] != "target"),
        })

    known = {a["id"] for a in areas}
    others = [x for x in metrics if x["satsingsomrade"] not in known]
    if others:  # never drop a metric because its satsingsområde is missing from the table
        areas.append({"id": "andre", "label": "Andre indikatorer",
                      "targets": [x for x in others if x["kind"] == "target"],
                      "context": [x for x in others if x["kind"] != "target"],
                      "metrics": sorted(others, key=lambda x: x["kind"] != "target")})

    for number, metric in enumerate((x for a in areas for x in a["metrics"]), start=1):
        metric["number"] = number  # figures are numbered in the order they are printed

    targets = [x for x in metrics if x["kind"] == "target"]
    summary = [{"text": fmt.status_text(c), "css": _status_css(c), "help": fmt.STATUS_HELP.get(c, ""),
                "count": sum(x["status_class"] == c for x in targets)} for c in _STATUS_ORDER]
    summary = [s for s in summary if s["count"]]

    # Leaders' commentaries: every service named as Hovedansvar, plus any other that commented.
    services: dict[str, list[str]] = {}
    for m in cat.iter_rows(named=True):
        for owner in fmt.owners_list(m["owners"]):
            services.setdefault(owner, []).append(m["label"])
    by_service = {c["service"]: c for c in commentaries}
    for name in by_service:
        services.setdefault(name, [])
    comment_blocks = []
    for name in sorted(services, key=str.casefold):
        c = by_service.get(name)
        comment_blocks.append({
            "service": name,
            "title": SHARED_OWNER_TITLE if name == SHARED_OWNER else name,
            "metrics": services[name],
            "author": (c or {}).get("author") or "",
            "when": commentary.format_when(c.get("saved_at")) if c else "",
            "area": snap.area_names.get((c or {}).get("area_code") or AREA, (c or {}).get("area_code") or ""),
            "paragraphs": [p.strip() for p in str((c or {}).get("text") or "").split("\n") if p.strip()],
            "has_comment": c is not None,
        })

    # Sources: each delivered file the snapshot is built on, per source.
    metrics_by_source: dict[str, list[str]] = {}
    for m in cat.iter_rows(named=True):
        metrics_by_source.setdefault(m["source"], []).append(m["label"])
    sources = []
    loads = snap.file_loads
    all_sources = set(loads["source"].to_list()) | set(metrics_by_source)
    for source in sorted(all_sources, key=lambda s: fmt.SOURCE_LABEL.get(s, s)):
        part = loads.filter(pl.col("source") == source)
        ok = part.filter(pl.col("status") == "loaded")
        periods = sorted({str(p) for r in ok["slice"].to_list() for p in fmt.slice_periods(r) if p != "*"})
        loaded = [t for t in ok["processed_at"].to_list() if t is not None]
        sources.append({
            "label": fmt.SOURCE_LABEL.get(source, source),
            "metrics": metrics_by_source.get(source, []),
            "files": ok["file_name"].to_list(),
            "periods": (periods[0] if len(periods) == 1 else f"{periods[0]}–{periods[-1]}") if periods else "",
            "rows": format_number_nb(sum(r or 0 for r in ok["rows"].to_list()), 0),
            "contracts": ", ".join(sorted({c for c in ok["contract_version"].to_list() if c})) or "–",
            "last_loaded": format_datetime_nb(max(loaded)) if loaded else "–",
            "rejected": part.height - ok.height,
        })
    last_load = loads.filter(pl.col("status") == "loaded")["processed_at"].max() if loads.height else None

    info = snap.info
    demo = bool(info.get("demo_data"))
    # The day this year's status was judged on: the run's as_of for the latest report year, the end
    # of the following year for earlier ones (the scorecard's own rule).
    as_of = info.get("as_of")
    judged_on = report_clock(year, snap.latest_year, as_of) if as_of else None
    title = f"Årlig statusrapport {year}"
    view = {
        "year": year,
        "title": title,
        "plan": PLAN_NAME,
        "plan_text": PLAN_TEXT,
        "municipality": MUNICIPALITY,
        "area_name": area_name,
        "demo": demo,
        "as_of": date_nb(as_of),
        "judged_on": date_nb(judged_on),
        "judged_earlier": judged_on is not None and judged_on != as_of,
        "published_at": format_datetime_nb(info.get("published_at"), missing="ukjent"),
        "last_load": format_datetime_nb(last_load) if last_load is not None else "ingen filer lastet",
        "run_id": (info.get("run_id") or "")[:8],
        "generated_at": format_datetime_nb(dt.datetime.now(dt.UTC)),
        "n_targets": len(targets),
        "n_context": len(metrics) - len(targets),
        "n_metrics": len(metrics),
        "summary": summary,
        "areas": areas,
        "commentaries": comment_blocks,
        "n_commentaries": len(commentaries),
        "sources": sources,
        "status_help": [{"text": fmt.status_text(c), "css": _status_css(c), "help": fmt.STATUS_HELP[c]}
                        for c in _STATUS_ORDER if c in fmt.STATUS_HELP],
        "suppression": rule.description(),
        "running_title": f"{PLAN_NAME} – {title}",
        "running_demo": "SYNTETISKE DEMODATA – ikke faktiske tall" if demo else "",
        "running_asof": f"Status per {date_nb(judged_on)}",
    }
    return view, figures, metrics


def render_html(view: dict) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(str(HERE)), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["css_string"] = _css_string
    return env.get_template(TEMPLATE_NAME).render(r=view)


# --------------------------------------------------------------------------- the build

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
    from weasyprint import CSS, HTML

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
    with ChartExport(tabs=CHART_TABS) as charts:  # the browser boots while the figures are built
        view, figures, metrics = _build_view(snap, commentaries)
        t = lap("figurer", t)
        out = Path(out_path) if out_path is not None else report_path(Path(reports_dir), snap.year)
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="statusrapport_") as tmp:
            tmpdir = Path(tmp)
            paths = charts.write_svgs(figures, tmpdir)
            for metric, path in zip(metrics, paths, strict=True):
                metric["chart"] = path.name
            t = lap("grafer_svg", t)
            page = render_html(view)
            if keep_html is not None:
                Path(keep_html).write_text(page, encoding="utf-8")
            document = HTML(string=page, base_url=str(tmpdir)).render(
                stylesheets=[CSS(filename=str(STYLESHEET))])
            pages = len(document.pages)
            tmp_pdf = out.with_name(f".{out.name}.{os.getpid()}.tmp")
            try:
                document.write_pdf(tmp_pdf)
                os.replace(tmp_pdf, out)
            finally:
                tmp_pdf.unlink(missing_ok=True)
            lap("pdf", t)

    return ReportResult(
        path=out, report_year=snap.year, pages=pages, size_bytes=out.stat().st_size, metrics=len(metrics),
        charts=len(paths), commentaries=len(commentaries), demo_data=view["demo"],
        seconds=round(time.perf_counter() - started, 2), timings=timings)
