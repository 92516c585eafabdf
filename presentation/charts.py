"""Every Plotly figure of the dashboard and the status report (the only module that builds figures).

Norwegian titles and axis labels, decimal comma (``separators``), the Okabe–Ito palette, and
line styles/markers in addition to colour so that no series is told apart by colour alone.
"""

from __future__ import annotations

import base64
import math
from typing import Any

import plotly.graph_objects as go
import polars as pl

from presentation import formatting as fmt
from presentation.suppression import SuppressionRule
from presentation.vocabulary import MISSING, TARGET_DIRECTION_LABEL

OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "pink": "#CC79A7",
    "sky": "#56B4E9",
    "vermillion": "#D55E00",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#6B6B6B",
}
SERIES_STYLES = [
    (OKABE_ITO["blue"], "solid", "circle"),
    (OKABE_ITO["vermillion"], "dash", "square"),
    (OKABE_ITO["green"], "dot", "diamond"),
    (OKABE_ITO["pink"], "dashdot", "triangle-up"),
    (OKABE_ITO["orange"], "longdash", "x"),
]

Y_TITLE = {
    "percent": "Andel (%)",
    "count": "Antall",
    "years": "Alder (år)",
    "per_1000": "Per 1 000 innbyggere",
    "nok": "Kroner",
}
X_TITLE = {"kalenderår": "År", "skoleår": "Skoleår", "undersøkelsesår": "Undersøkelsesår"}

_FONT = dict(family="Source Sans Pro, DejaVu Sans, Arial, sans-serif", size=14, color="#262730")


def _base_layout(fig: go.Figure, title: str, *, x_title: str, y_title: str, height: int = 440) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", font=dict(size=17)),
        separators=", ",  # decimal comma, space as thousands separator
        font=_FONT,
        height=height,
        margin=dict(l=10, r=10, t=60, b=10),
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0, title_text=""),
        hoverlabel=dict(font_size=13),
    )
    fig.update_xaxes(title_text=x_title, showgrid=False, linecolor="#888", ticks="outside")
    fig.update_yaxes(title_text=y_title, gridcolor="#E5E5E5", zeroline=False, linecolor="#888")
    return fig


def _period_ticks(values: pl.DataFrame) -> dict[str, Any]:
    pairs = sorted({(int(y), str(p)) for y, p in zip(values["year"].to_list(), values["period"].to_list())})
    return dict(tickmode="array", tickvals=[y for y, _ in pairs], ticktext=[p for _, p in pairs])


def trend_figure(
    values: pl.DataFrame,
    *,
    label: str,
    area_name: str,
    unit: str,
    direction: str,
    period_type: str,
    suppression: SuppressionRule,
    scorecard_row: dict | None = None,
    show_interval: bool = True,
    subtitle: str | None = None,
    comparators: pl.DataFrame | None = None,
) -> go.Figure:
    """Yearly trend with the 0-punkt, the Mål, the straight path to it and a 95 % band for shares;
    suppressed years say *skjermet* and why (``suppression``: the snapshot's small-number rule).
    ``comparators`` (rows of the published ``comparisons``: ``comparator_name``, ``year``,
    ``comparator_value``) adds a thinner line per comparator (Hele landet, KOSTRA group …)."""
    fig = go.Figure()
    values = values.sort("year")
    shown = values.filter(~pl.col("suppressed") & pl.col("value").is_not_null())
    years = shown["year"].to_list()

    if show_interval and unit == "percent" and shown.height and shown["ci_low"].null_count() < shown.height:
        band = shown.filter(pl.col("ci_low").is_not_null() & pl.col("ci_high").is_not_null())
        fig.add_trace(
            go.Scatter(
                x=band["year"].to_list(),
                y=band["ci_high"].to_list(),
                mode="lines",
                line=dict(width=0),
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=band["year"].to_list(),
                y=band["ci_low"].to_list(),
                mode="lines",
                line=dict(width=0),
                fill="tonexty",
                fillcolor="rgba(86,180,233,0.25)",
                name="95 %-intervall",
                hoverinfo="skip",
            )
        )

    hover = [
        f"{p}: {fmt.value_text(v, unit)}"
        + (
            f"<br>95 %-intervall {fmt.value_text(lo, unit)}–{fmt.value_text(hi, unit)}"
            if lo is not None and hi is not None
            else ""
        )
        + (f"<br>n = {fmt.format_number_nb(d, 0)}" if d is not None and unit == "percent" else "")
        for p, v, lo, hi, d in zip(
            shown["period"].to_list(),
            shown["value"].to_list(),
            shown["ci_low"].to_list(),
            shown["ci_high"].to_list(),
            shown["denominator"].to_list(),
        )
    ]
    fig.add_trace(
        go.Scatter(
            x=years,
            y=shown["value"].to_list(),
            mode="lines+markers",
            name=label if len(label) < 40 else "Verdi",
            line=dict(color=OKABE_ITO["blue"], width=3),
            marker=dict(size=8, symbol="circle"),
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )

    if comparators is not None and not comparators.is_empty():
        names = comparators["comparator_name"].unique(maintain_order=True).to_list()
        for i, name in enumerate(names):
            color, dash, symbol = SERIES_STYLES[1 + i % (len(SERIES_STYLES) - 1)]
            line = comparators.filter(
                (pl.col("comparator_name") == name) & pl.col("comparator_value").is_not_null()
            ).sort("year")
            fig.add_trace(
                go.Scatter(
                    x=line["year"].to_list(),
                    y=line["comparator_value"].to_list(),
                    mode="lines+markers",
                    name=name,
                    line=dict(color=color, dash=dash, width=1.5),
                    marker=dict(size=5, symbol=symbol),
                    customdata=[
                        f"{name} {p}: {fmt.value_text(v, unit)}"
                        for p, v in zip(line["period"].to_list(), line["comparator_value"].to_list())
                    ],
                    hovertemplate="%{customdata}<extra></extra>",
                )
            )

    notes: list[str] = []
    if scorecard_row is not None:
        b_val, b_year = scorecard_row.get("baseline_value"), scorecard_row.get("baseline_year")
        t_kind, t_val, t_year = (
            scorecard_row.get("target_kind"),
            scorecard_row.get("target_value"),
            scorecard_row.get("target_year"),
        )
        if not fmt.is_missing(b_val):
            fig.add_hline(
                y=b_val,
                line=dict(color=OKABE_ITO["grey"], dash="dash", width=2),
                annotation_text=f"0-punkt {scorecard_row.get('baseline_period')}: {fmt.value_text(b_val, unit)}",
                annotation_position="bottom left",
                annotation_font=dict(color="#444", size=13),
            )
        if t_kind == "numeric" and not fmt.is_missing(t_val) and not fmt.is_missing(t_year):
            if not fmt.is_missing(b_val) and not fmt.is_missing(b_year):
                # Reached by the target year, the target holds: the line continues flat at the Mål to
                # the report year (or the latest figure shown), where the status is judged against it.
                last = max([int(t_year), *(int(y) for y in years)])
                if not fmt.is_missing(scorecard_row.get("report_year")):
                    last = max(last, int(scorecard_row["report_year"]))
                path_x = [b_year, t_year] + ([last] if last > int(t_year) else [])
                fig.add_trace(
                    go.Scatter(
                        x=path_x,
                        y=[b_val, t_val, t_val][: len(path_x)],
                        mode="lines",
                        name="Rett linje fra 0-punkt til Mål",
                        line=dict(color=OKABE_ITO["vermillion"], dash="dot", width=2),
                        hoverinfo="skip",
                    )
                )
            fig.add_trace(
                go.Scatter(
                    x=[t_year],
                    y=[t_val],
                    mode="markers+text",
                    name=f"Mål {t_year}",
                    marker=dict(
                        symbol="star", size=16, color=OKABE_ITO["vermillion"], line=dict(color="black", width=1)
                    ),
                    text=[f"Mål {fmt.value_text(t_val, unit)}"],
                    textposition="top center",
                    hovertemplate=f"Mål {t_year}: {fmt.value_text(t_val, unit)}<extra></extra>",
                )
            )
        elif t_kind == "direction":
            word = TARGET_DIRECTION_LABEL.get(direction, "mot målverdien")
            notes.append(f"Mål: {word}" + (f" innen {int(t_year)}" if not fmt.is_missing(t_year) else ""))
        else:
            notes.append("Ingen mål: følges som kontekst")

    suppressed = values.filter(pl.col("suppressed"))
    for row in suppressed.iter_rows(named=True):
        fig.add_annotation(
            x=row["year"],
            y=0,
            yref="paper",
            yanchor="bottom",
            showarrow=False,
            text=f"skjermet<br>({suppression.reason(row['suppression_reason'])})",
            font=dict(size=11, color="#444"),
            bgcolor="rgba(255,255,255,0.8)",
        )
    if notes:
        fig.add_annotation(
            xref="paper",
            yref="paper",
            x=1,
            y=1.0,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            text=" · ".join(notes),
            font=dict(size=13, color="#444"),
        )

    title = f"{label} – {area_name}" + (f" ({subtitle})" if subtitle else "")
    _base_layout(fig, title, x_title=X_TITLE.get(period_type, "År"), y_title=Y_TITLE.get(unit, "Verdi"), height=470)
    if values.height:
        fig.update_xaxes(**_period_ticks(values))
    if unit == "percent":
        fig.update_yaxes(ticksuffix=" %")
    return fig


def fit_for_print(fig: go.Figure) -> None:
    """Adapt a :func:`trend_figure` to a printed page (the status report), in place.

    The figure's own title goes: the page prints the title as an HTML caption right above it
    (it wraps and is searchable text), the legend takes its place above the plot (the printed
    chart is lower than on screen, and below the plot it ran into the x-axis title), and the
    y ticks get fixed room (Plotly's automargin does not always settle in a one-shot export).
    """
    fig.update_layout(
        title_text="",
        margin={"t": 34, "l": 78, "r": 16, "b": 8},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
    )
    # Room above the highest point for the "Mål …" label over the target star (clipped otherwise).
    ys = [
        float(y)
        for tr in fig.data
        if getattr(tr, "y", None) is not None
        for y in tr.y
        if isinstance(y, (int, float)) and not math.isnan(y)
    ]
    ys += [float(sh.y0) for sh in fig.layout.shapes if isinstance(sh.y0, (int, float))]
    if ys and any("text" in (getattr(tr, "mode", "") or "") for tr in fig.data):
        lo, hi = min(ys), max(ys)
        span = (hi - lo) or abs(hi) or 1.0
        fig.update_yaxes(range=[lo - 0.1 * span, hi + 0.25 * span])


def area_comparison_figure(
    values: pl.DataFrame, *, label: str, unit: str, period_type: str, area_order: list[str] | None = None
) -> go.Figure:
    """One line per area (the municipality and its parts): colour, dash style and marker differ."""
    fig = go.Figure()
    names = area_order or sorted(set(values["area_name"].to_list()))
    for i, name in enumerate(names):
        part = values.filter((pl.col("area_name") == name) & ~pl.col("suppressed")).sort("year")
        if part.is_empty():
            continue
        color, dash, symbol = SERIES_STYLES[i % len(SERIES_STYLES)]
        hover = [
            f"{name} {p}: {fmt.value_text(v, unit)}" for p, v in zip(part["period"].to_list(), part["value"].to_list())
        ]
        fig.add_trace(
            go.Scatter(
                x=part["year"].to_list(),
                y=part["value"].to_list(),
                mode="lines+markers",
                name=name,
                line=dict(color=color, dash=dash, width=3),
                marker=dict(symbol=symbol, size=9),
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    _base_layout(
        fig,
        f"{label}: utvikling per område",
        x_title=X_TITLE.get(period_type, "År"),
        y_title=Y_TITLE.get(unit, "Verdi"),
        height=400,
    )
    if values.height:
        fig.update_xaxes(**_period_ticks(values))
    if unit == "percent":
        fig.update_yaxes(ticksuffix=" %")
    return fig


def shared_value_range(*frames: pl.DataFrame, reference: list[float] | None = None) -> tuple[float, float]:
    """One value axis for several ranking charts (so bars compare across them): from 0 (or the
    lowest value below it) to the highest value or interval end, with room for the labels."""
    highs, lows = [0.0], [0.0]
    for f in frames:
        shown = f.filter(~pl.col("suppressed") & pl.col("value").is_not_null())
        for col in ("value", "ci_high", "ci_low"):
            if col in shown.columns:
                vals = [float(v) for v in shown[col].to_list() if not fmt.is_missing(v)]
                highs += vals
                lows += vals
    highs += [float(r) for r in reference or [] if not fmt.is_missing(r)]
    hi, lo = max(highs), min(lows)
    return (lo * 1.05 if lo < 0 else 0.0, hi * 1.08 if hi > 0 else 1.0)


def ranked_bar_figure(
    rows: pl.DataFrame,
    *,
    title: str,
    unit: str,
    suppression: SuppressionRule,
    reference: tuple[str, float] | None = None,
    value_range: tuple[float, float] | None = None,
) -> go.Figure:
    """Schools or teams ranked by value, each bar with its 95 % interval when it has one;
    suppressed units are listed as *skjermet*, never as 0. Each unit's label carries its value.
    ``value_range`` puts several rankings on one scale (:func:`shared_value_range`).

    ``rows``: ``area_name``, ``value``, ``suppressed``, ``suppression_reason`` (and ``ci_low``,
    ``ci_high`` when the metric has intervals).
    """
    shown = rows.filter(~pl.col("suppressed") & pl.col("value").is_not_null()).sort("value", descending=False)
    hidden = rows.filter(pl.col("suppressed") | pl.col("value").is_null()).sort("area_name", descending=True)
    values = shown["value"].to_list()
    labels = [f"{n}  {fmt.value_text(v, unit)}" for n, v in zip(shown["area_name"].to_list(), values)]
    # Plotly draws the first category at the bottom: hidden units below, best-ranked on top.
    categories = hidden["area_name"].to_list() + labels
    lows = shown["ci_low"].to_list() if "ci_low" in shown.columns else [None] * len(values)
    highs = shown["ci_high"].to_list() if "ci_high" in shown.columns else [None] * len(values)
    has_interval = any(not fmt.is_missing(lo) and not fmt.is_missing(hi) for lo, hi in zip(lows, highs))
    hover = [
        f"{n}: {fmt.value_text(v, unit)}"
        + (
            f"<br>95 %-intervall {fmt.value_text(lo, unit)}–{fmt.value_text(hi, unit)}"
            if not fmt.is_missing(lo) and not fmt.is_missing(hi)
            else ""
        )
        for n, v, lo, hi in zip(shown["area_name"].to_list(), values, lows, highs)
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            name="Verdi",
            marker=dict(color=OKABE_ITO["sky"]),
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            error_x=dict(
                type="data",
                symmetric=False,
                array=[0 if fmt.is_missing(hi) else hi - v for v, hi in zip(values, highs)],
                arrayminus=[0 if fmt.is_missing(lo) else v - lo for v, lo in zip(values, lows)],
                color="#1F1F1F",
                thickness=1.5,
                width=5,
            )
            if has_interval
            else None,
        )
    )
    for row in hidden.iter_rows(named=True):
        text = suppression.cell(row["suppression_reason"]) if row["suppressed"] else MISSING
        fig.add_annotation(
            y=row["area_name"],
            x=value_range[0] if value_range else 0,
            xref="x",
            xanchor="left",
            showarrow=False,
            text=f"<i>{text}</i>",
            font=dict(size=12, color="#444"),
        )
    subtitle = []
    if has_interval:
        subtitle.append("Strekene er 95 %-intervallene")
    if reference is not None and not fmt.is_missing(reference[1]):
        fig.add_vline(x=reference[1], line=dict(color=OKABE_ITO["vermillion"], dash="dash", width=2))
        subtitle.append(f"stiplet linje: {reference[0]} {fmt.value_text(reference[1], unit)}")
    if hidden.height:
        subtitle.append("skjermede enheter står nederst")
    if subtitle:
        text = "; ".join(subtitle)
        title += f"<br><sup>{text[:1].upper() + text[1:]}.</sup>"
    height = max(240, 110 + 28 * len(categories))
    _base_layout(fig, title, x_title=Y_TITLE.get(unit, "Verdi"), y_title="", height=height)
    fig.update_layout(showlegend=False, margin=dict(l=10, r=20, t=75, b=10))
    fig.update_yaxes(categoryorder="array", categoryarray=categories, automargin=True, gridcolor="rgba(0,0,0,0)")
    fig.update_xaxes(gridcolor="#E5E5E5", showgrid=True)
    if value_range is not None:
        fig.update_xaxes(range=list(value_range))
    else:
        fig.update_xaxes(rangemode="tozero")
    if unit == "percent":
        fig.update_xaxes(ticksuffix=" %")
    return fig


def sparkline_svg(values: list[float], label: str, *, width: int = 80, height: int = 24) -> str:
    """A tiny inline SVG line (no axes) with ``label`` as its text alternative."""
    import html

    if len(values) < 2:
        return f'<span class="p" title="{html.escape(label)}">–</span>'
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    pad = 3
    step = (width - 2 * pad) / (len(values) - 1)
    pts = [(pad + i * step, pad + (height - 2 * pad) * (1 - (v - lo) / span)) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    last_x, last_y = pts[-1]
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<polyline fill="none" stroke="{OKABE_ITO["blue"]}" stroke-width="1.8" stroke-linejoin="round" '
        f'points="{path}"/><circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.6" fill="{OKABE_ITO["blue"]}"/></svg>'
    )
    # As an <img> with a data URI: st.html sanitizes inline <svg>, and alt/title give the text alternative.
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        f'<img src="data:image/svg+xml;base64,{data}" width="{width}" height="{height}" '
        f'alt="{html.escape(label)}" title="{html.escape(label)}">'
    )
