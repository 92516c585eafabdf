"""Styringsgruppen – oversikt: every target metric, grouped by the plan's seven satsingsområder."""

from __future__ import annotations

import datetime as dt

import polars as pl
import streamlit as st

from dashboards import access, data, signin, ui
from presentation import formatting as fmt
from presentation import scorecard
from presentation import vocabulary as voc

st.title("Styringsgruppen – oversikt")
st.caption(
    "Planens egen tabell for hvert mål: **Hva · 0-punkt · Mål · Status · Forbedring**. "
    "Forbedring er endringen fra 0-punkt, regnet slik at positivt alltid er bedre "
    "(prosentpoeng, pp, for andeler). Vurderingen sammenligner status med den rette linjen fra 0-punkt "
    "til Mål; forskjeller innenfor den statistiske usikkerheten regnes ikke som endring."
)

area_codes, area_names, area_levels = ui.main_areas()
years = data.report_years()

c1, c2, _ = st.columns([2, 1, 2])
area = ui.qp_select(
    "Område",
    area_codes,
    param=ui.P_AREA,
    key="ov_area",
    default=area_codes[0],  # the municipality (main_areas() lists it first)
    format_func=lambda c: area_names.get(c, c),
    container=c1,
)
year = ui.qp_select(
    "Rapportår",
    years,
    param=ui.P_YEAR,
    key="ov_year",
    default=years[0] if years else None,
    container=c2,
    help="Scorecardet slik det sto dette året (status = siste tall som fantes da).",
)

catalogue = data.catalogue()
labels_of = dict(zip(catalogue["metric_id"].to_list(), catalogue["label"].to_list()))
sc = data.scorecard(year, area)
series = data.sparkline_values(area, year)
level = area_levels.get(area, "kommune")
rule = data.suppression_rule()
names = ui.level_names()  # what the plan calls its area levels
table = scorecard.scorecard_table(
    catalogue, sc, series, area_level=level, suppression=rule, kind="target", level_names=names
)
context = scorecard.scorecard_table(
    catalogue, sc, series, area_level=level, suppression=rule, kind="context", level_names=names
)

# --- summary: how many target metrics in each status class (icon + text + number), from the codes
classes = [c for c in table.status_classes if c is not None]  # None: not available for the area's level
summary = " · ".join(
    f"{voc.STATUS_ICON[c]} **{voc.STATUS_LABEL[c]}**: {classes.count(c)}" for c in voc.STATUS_ORDER if classes.count(c)
)
not_here = table.status_classes.count(None)
# The day this year's status was judged on: the run's as_of for the latest report year, the end of
# the following year for earlier ones (the scorecard's rule).
as_of = data.snapshot_info().as_of
judged_on = scorecard.judged_on(year, years[0], as_of) if years else None
st.markdown(
    f"**{area_names.get(area)} – rapportår {year}, status per {fmt.format_date_nb(judged_on)}.** "
    f"{len(table.metric_ids)} målindikatorer: {summary}"
    + (f" · {not_here} ikke tilgjengelig for {ui.level_label(level)}" if not_here else "")
)
with st.expander("Hva betyr vurderingene?"):
    st.markdown(
        "\n".join(f"- **{voc.STATUS_ICON[k]} {voc.STATUS_LABEL[k]}:** {v}" for k, v in voc.STATUS_HELP.items())
        + "\n- **Foreldet** (i merknaden): siste tall er eldre enn kilden skulle ha levert."
    )


def _href(metric_id: str) -> str:
    return f"indikator?{ui.P_METRIC}={metric_id}&{ui.P_AREA}={area}&{ui.P_YEAR}={year}"


hrefs = [_href(m) for m in table.metric_ids]
sections = data.satsingsomrader()
shown_order: list[int] = []  # the rows in the order the page shows them, for the downloads
for sec in sections.iter_rows(named=True):
    idx = [i for i, g in enumerate(table.satsingsomrader) if g == sec["satsingsomrade"]]
    here = [i for i in idx if table.rows[i].available]
    if idx and not here:
        continue  # none of its metrics exists for this part of the municipality: in the folded line below
    st.subheader(sec["label"])
    if not idx:
        has_context = sec["satsingsomrade"] in context.satsingsomrader
        st.info(
            "Ingen indikator ennå – tiltakene i dette satsingsområdet følges opp gjennom tiltaksoversikten."
            + (" Se kontekstindikatorene nederst." if has_context else ""),
            icon=":material/info:",
        )
        continue
    shown_order += here
    st.html(
        scorecard.scorecard_html(
            table, hrefs=hrefs, rows=here, caption=f"{sec['label']}: {area_names.get(area)}, rapportår {year}"
        )
    )
# The metrics that exist only for larger areas than the one chosen: one line, not a row each.
folded = [i for i in range(len(table.rows)) if not table.rows[i].available]
shown_order += folded
if folded:
    st.html(scorecard.unavailable_html(table, folded, hrefs=hrefs))

st.caption(
    "Klikk på en indikator for å se graf, definisjon, kilder og målhistorikk. "
    "Trykk på vurderingen for å se begrunnelsen."
)
ui.download_buttons(
    table.export_rows(shown_order),
    f"scorecard-{area}-{year}",
    key="ov_dl",
    title=f"Scorecard {year}",
    notes=[f"Område: {area_names.get(area)}", f"Rapportår: {year}"],
)

# --- the municipality beside its comparators (Hele landet, KOSTRA group, ASSS, named peers)
compared = data.comparisons(year=None) if area == area_codes[0] else None
if compared is not None and not compared.is_empty():
    compared = compared.filter(pl.col("year") <= year)
    compared = compared.filter(pl.col("year") == pl.col("year").max().over("metric_id"))
if compared is not None and not compared.is_empty():
    st.header("Sammenlignet med andre")
    order = {m: i for i, m in enumerate(catalogue["metric_id"].to_list())}
    units = dict(zip(catalogue["metric_id"].to_list(), catalogue["unit"].to_list()))
    comparator_names = compared.sort("comparator_order")["comparator_name"].unique(maintain_order=True).to_list()
    rows, download_rows = [], []  # the screen's cells, and the same rows with numbers as numbers
    for metric_id in sorted(compared["metric_id"].unique().to_list(), key=lambda m: order.get(m, 999)):
        one = compared.filter(pl.col("metric_id") == metric_id)
        first = one.row(0, named=True)
        unit = units.get(metric_id, first["unit"])
        row = {
            "Indikator": labels_of.get(metric_id, metric_id),
            "Periode": first["period"],
            area_names.get(area, area): rule.cell(first["suppression_reason"])
            if first["suppressed"]
            else fmt.value_text(first["value"], unit),
        }
        for r in one.iter_rows(named=True):
            shown = (
                rule.cell(r["comparator_suppression_reason"])
                if r["comparator_suppressed"]
                else fmt.value_text(r["comparator_value"], unit)
            )
            row[r["comparator_name"]] = f"{shown} · {voc.comparison_short(r['comparison'])}"
        rows.append(row)
        download = {
            "Indikator": row["Indikator"],
            "Periode": first["period"],
            "Enhet": voc.UNIT_LABEL.get(unit, unit),
            area_names.get(area, area): row[area_names.get(area, area)]
            if first["suppressed"]
            else fmt.shown_figure(first["value"], unit),
        }
        for r in one.iter_rows(named=True):
            download[r["comparator_name"]] = (
                rule.cell(r["comparator_suppression_reason"])
                if r["comparator_suppressed"]
                else fmt.shown_figure(r["comparator_value"], unit)
            )
            download[f"{r['comparator_name']}: vurdering"] = voc.comparison_short(r["comparison"])
        download_rows.append(download)
    comparison_frame = pl.DataFrame(rows, infer_schema_length=None).select(
        "Indikator", "Periode", area_names.get(area, area), *comparator_names
    )
    st.caption(
        f"{area_names.get(area)} ved siden av hver sammenligning, for indikatorene der kilden har tall for "
        "andre kommuner (SSB/KOSTRA), og Ungdata-indikatorene mot landstallet fra FHI; «bedre» betyr at kommunen er bedre enn sammenligningen. "
        + voc.COMPARISON_HELP
    )
    st.dataframe(comparison_frame, hide_index=True, key="ov_comparisons")
    ui.download_buttons(
        download_rows,
        f"sammenligning-{area}-{year}",
        key="ov_cmp_dl",
        title=f"Sammenligning {year}",
        notes=[f"Område: {area_names.get(area)}", f"Rapportår: {year}"],
    )

st.header("Kontekstindikatorer")
st.caption("Indikatorer uten mål som følges ved siden av scorecardet. Endring er status minus 0-punkt.")
if context.frame.is_empty():
    st.info("Ingen kontekstindikatorer i katalogen.")
else:
    st.html(
        scorecard.scorecard_html(
            context,
            hrefs=[_href(m) for m in context.metric_ids],
            caption=f"Kontekstindikatorer: {area_names.get(area)}, rapportår {year}",
        )
    )
    ui.download_buttons(
        context.export_rows(),
        f"kontekst-{area}-{year}",
        key="ov_ctx_dl",
        title=f"Kontekst {year}",
        notes=[f"Område: {area_names.get(area)}", f"Rapportår: {year}"],
    )

st.header("Åpne en indikator")
labels = dict(zip(catalogue["metric_id"].to_list(), catalogue["label"].to_list()))
c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
chosen = c1.selectbox("Indikator", list(labels), format_func=lambda m: labels[m], key="ov_open_metric")
c2.page_link(
    "app_pages/indikator.py",
    label="Vis indikatoren",
    icon=":material/show_chart:",
    query_params={ui.P_METRIC: chosen, ui.P_AREA: area, ui.P_YEAR: str(year)},
)

st.header("Årlig statusrapport")
reports_dir = data.settings().reports_dir
pdfs = sorted(reports_dir.glob(f"*{year}*.pdf")) if reports_dir and reports_dir.exists() else []
report_access = access.may_get_report(signin.current())
if pdfs and not report_access.allowed:
    st.info(report_access.reason, icon=":material/lock:")
elif pdfs:
    info = data.snapshot_info()
    published_at = info.published_at if info else None
    for pdf in pdfs:
        name = f"{ui.file_stem(pdf.stem)}.pdf"  # led by the plan's municipality: "<kommune>-statusrapport-2019.pdf"
        st.download_button(
            f"Last ned {name}",
            pdf.read_bytes(),
            file_name=name,
            mime="application/pdf",
            key=f"ov_pdf_{pdf.name}",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
        )
        # A report built before the last publication may show older figures (the snapshot's times are UTC).
        made = dt.datetime.fromtimestamp(pdf.stat().st_mtime, dt.UTC).replace(tzinfo=None)
        if published_at and made < published_at:
            st.warning(
                f"{pdf.name} ble laget {fmt.format_datetime_nb(made)}, før dataene sist ble publisert "
                f"{fmt.format_datetime_nb(published_at)}, og kan vise eldre tall. Pipelinen lager rapporten "
                f"for siste rapportår på nytt; andre år lages på nytt i Dagster.",
                icon=":material/history:",
            )
else:
    st.caption(
        f"Statusrapporten for {year} er ikke laget ennå. Pipelinen lager den for siste rapportår; "
        f"andre år lages i Dagster (partisjonen {year} av «status_report») eller med "
        f"`make report YEAR={year}`."
    )
