"""Indikator: one metric's trend against its 0-punkt and Mål, with definition, source and provenance."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import data, ui
from presentation import charts, scorecard
from presentation import formatting as fmt
from presentation import vocabulary as voc

st.title("Indikator")

catalogue = data.catalogue()
rule = data.suppression_rule()  # the small-number thresholds the snapshot was suppressed with
labels = dict(zip(catalogue["metric_id"].to_list(), catalogue["label"].to_list()))
area_codes, area_names, area_levels = ui.main_areas()
years = data.report_years()

c1, c2, c3 = st.columns([3, 2, 1])
metric_id = ui.qp_select(
    "Indikator", list(labels), param=ui.P_METRIC, key="ind_metric", format_func=lambda m: labels.get(m, m), container=c1
)
meta = catalogue.filter(pl.col("metric_id") == metric_id).row(0, named=True)
unit, direction = meta["unit"], meta["direction"]

available_areas = [c for c in area_codes if scorecard.available_at(meta["lowest_level"], area_levels[c])]
area = ui.qp_select(
    "Område",
    available_areas,
    param=ui.P_AREA,
    key="ind_area",
    default=area_codes[0],  # the municipality (main_areas() lists it first)
    format_func=lambda c: area_names.get(c, c),
    container=c2,
    help=None if len(available_areas) > 1 else "Indikatoren finnes bare for hele kommunen.",
)
year = ui.qp_select(
    "Rapportår", years, param=ui.P_YEAR, key="ind_year", default=years[0] if years else None, container=c3
)

school_level, gender = ui.survey_group_select(metric_id, "ind")

st.subheader(meta["label"])
st.caption(
    f"{meta['satsingsomrade_label']} · {voc.DIRECTION_LABEL.get(direction, direction)} · "
    f"{meta['period_type']} · hovedansvar: {', '.join(fmt.owners_list(meta['owners']))}"
)

rows = data.scorecard_rows(metric_id, area, school_level, gender)
row = next((r for r in rows.iter_rows(named=True) if r["report_year"] == year), None)
values = data.metric_values(metric_id, [area], school_level, gender)
values_upto = values.filter(pl.col("year") <= year) if year else values

# --- the plan's columns for this metric, area, group and report year
if row is None:
    st.info(f"Ingen scorecard-rad for {area_names.get(area)} i {year} for denne gruppen.")
else:
    one = scorecard.scorecard_table(
        catalogue,
        rows.filter(pl.col("report_year") == year),
        values_upto.select("metric_id", "year", "period", "value", "suppressed", "suppression_reason"),
        area_level=area_levels.get(area, "kommune"),
        suppression=rule,
        kind=meta["kind"],
        metric_ids=[metric_id],
        level_names=ui.level_names(),
    )
    st.html(scorecard.scorecard_html(one, caption=f"{meta['label']}: {area_names.get(area)}, rapportår {year}"))
    details = [f"**Vurdering:** {fmt.status_text(row['status_class'])} – {row['explanation']}"]
    if not fmt.is_missing(row["status_ci_low"]) and not fmt.is_missing(row["status_ci_high"]):
        details.append(
            f"**Status {row['status_period']}:** 95 %-intervall "
            f"{fmt.value_text(row['status_ci_low'], unit)}–{fmt.value_text(row['status_ci_high'], unit)}"
            + (
                f", p = {fmt.format_number_nb(row['p_value'], 3)} mot 0-punkt"
                if not fmt.is_missing(row["p_value"]) and row["p_value"] >= 0.001
                else (", p < 0,001 mot 0-punkt" if not fmt.is_missing(row["p_value"]) else "")
            )
        )
    if not fmt.is_missing(row["expected_value"]):
        details.append(
            f"**Forventet på den rette linjen mot målet ({row['status_year']}):** "
            f"{fmt.value_text(row['expected_value'], unit)}"
        )
    if row["baseline_is_first_year"]:
        details.append(f"**0-punkt:** {row['baseline_period']} er første år med data.")
    if row["target_decided_at"]:
        details.append(
            f"**Mål:** versjon {row['target_version']}, vedtatt {row['target_decided_at']:%d.%m.%Y}"
            + (f" ({row['target_decision_ref']})" if row["target_decision_ref"] else "")
        )
    st.markdown("\n".join(f"- {d}" for d in details))
    if row["status_preliminary"]:
        st.info(
            f"**Foreløpige tall:** tallene for {row['status_period']} er kildens første, foreløpige tall. "
            "De endelige tallene kan avvike.",
            icon=":material/pending:",
        )
    if row["stale"]:  # the report's wording, with the day the status was judged on
        info = data.snapshot_info()
        judged = scorecard.judged_on(year, years[0], info.as_of if info else None) if years else None
        st.warning(fmt.stale_text(row["status_period"], meta["cadence_years"], judged), icon=":material/history:")

# The comparators (Hele landet, KOSTRA group, ASSS, named peers) stand beside the municipality as a
# whole, for the metrics whose source carries other municipalities.
whole_population = school_level == "alle" and gender == "alle"
compared = data.comparisons(metric_id) if area == area_codes[0] and whole_population else pl.DataFrame()
compared_upto = compared.filter(pl.col("year") <= year) if not compared.is_empty() and year else compared

group_text = None
if school_level != "alle" or gender != "alle":
    group_text = f"{voc.SCHOOL_LEVEL_LABEL.get(school_level)}, {voc.GENDER_LABEL.get(gender).lower()}"
fig = charts.trend_figure(
    values_upto,
    label=meta["label"],
    area_name=area_names.get(area, area),
    unit=unit,
    direction=direction,
    period_type=meta["period_type"],
    suppression=rule,
    scorecard_row=row,
    subtitle=group_text,
    comparators=compared_upto if not compared_upto.is_empty() else None,
)
st.plotly_chart(fig, key="ind_chart", config={"displaylogo": False})
if unit == "percent":
    st.caption("Det skraverte båndet er 95 %-intervallet for hver andel (usikkerhet fra antall svar).")

trends = data.trends(metric_id, year) if whole_population and year else pl.DataFrame()
trend_of = dict(zip(trends["area_code"].to_list(), trends["trend"].to_list())) if not trends.is_empty() else {}
if not compared_upto.is_empty():
    latest = compared_upto["year"].max()
    now = compared_upto.filter(pl.col("year") == latest)
    own_name = area_names.get(area, area)
    st.markdown(f"##### Sammenlignet med andre, {now['period'][0]}")
    u = voc.UNIT_SHORT.get(unit, unit)

    def shown(v: object, sup: bool, reason: str | None) -> object:
        return rule.cell(reason) if sup else (fmt.shown_figure(v, unit) or voc.MISSING)

    comparison_rows = [
        {
            "Sammenligning": r["comparator_name"],
            f"{own_name} ({u})": shown(r["value"], r["suppressed"], r["suppression_reason"]),
            f"95 %-intervall fra ({u})": fmt.shown_figure(r["ci_low"], unit) or "–",
            f"95 %-intervall til ({u})": fmt.shown_figure(r["ci_high"], unit) or "–",
            f"Sammenligningens verdi ({u})": shown(
                r["comparator_value"], r["comparator_suppressed"], r["comparator_suppression_reason"]
            ),
            "Vurdering": voc.comparison_text(r["comparison"], r["comparator_name"]),
            "Utvikling (sammenligningen)": voc.trend_text(trend_of.get(r["comparator_code"])),
        }
        for r in now.iter_rows(named=True)
    ]
    comparison_table = scorecard.shown_frame(comparison_rows)
    st.dataframe(comparison_table, hide_index=True, key="ind_comparisons")
    st.caption(voc.COMPARISON_HELP)
    ui.download_buttons(
        comparison_rows,
        f"sammenligning-{metric_id}-{latest}",
        key="ind_cmp_dl",
        title="Sammenligning",
        notes=[meta["label"], f"Område: {own_name}"],
    )
if area in trend_of:
    own_trend = trends.filter(pl.col("area_code") == area).row(0, named=True)
    span = f" ({own_trend['first_year']}–{own_trend['last_year']})" if own_trend["first_year"] is not None else ""
    st.markdown(f"**Utvikling for {area_names.get(area, area)}{span}:** {voc.trend_text(own_trend['trend'])}")
    st.caption(voc.TREND_HELP)

st.markdown("##### Verdier per periode")
value_rows = scorecard.values_rows(
    values_upto, unit, suppression=rule, revisions=data.revisions(metric_id, [area], school_level, gender)
)
st.caption(
    "Nyeste periode først."
    + (
        " «Revidert»: tallet er endret etter at det ble publisert (for eksempel rettet av kilden); "
        "den tidligere verdien står med datoen den ble publisert."
        if value_rows and scorecard.REVISED in value_rows[0]
        else ""
    )
)
# A static table: every period on the page (no scroll box of its own), the newest at the top.
st.table(scorecard.shown_frame(value_rows), hide_index=True)
ui.download_buttons(
    value_rows,
    f"{metric_id}-{area}-{school_level}-{gender}",
    key="ind_dl",
    title=meta["label"][:31],
    notes=[
        meta["label"],
        f"Område: {area_names.get(area)}",
        f"Gruppe: {voc.SCHOOL_LEVEL_LABEL.get(school_level)}, {voc.GENDER_LABEL.get(gender)}",
    ],
)

if metric_id.startswith("cw_reports") and row is not None and row["status_year"] is not None:
    by_reporter = data.cw_reports_by_reporter(int(row["status_year"]))
    if by_reporter is not None and not by_reporter.is_empty():
        st.markdown(f"##### Meldinger til barnevernet etter melder, {row['status_year']}")
        reporter_rows = [
            {
                "Melder": label,
                "Meldinger (antall)": rule.cell(reason) if sup else fmt.shown_figure(v, "count"),
                "Tidlig innsats (helsestasjon, skolehelse, fastlege, barnehage, skole)": "ja" if early else "",
            }
            for label, v, sup, reason, early in zip(
                by_reporter["reporter_label"].to_list(),
                by_reporter["reports"].to_list(),
                by_reporter["suppressed"].to_list(),
                by_reporter["suppression_reason"].to_list(),
                by_reporter["is_early"].to_list(),
            )
        ]
        st.dataframe(scorecard.shown_frame(reporter_rows), hide_index=True, key="ind_reporters")
        ui.download_buttons(
            reporter_rows,
            f"meldinger-etter-melder-{row['status_year']}",
            key="ind_rep_dl",
            title="Meldinger etter melder",
        )

# One after the other, not side by side: the target history needs the width for its decisions.
st.markdown("##### Definisjon")
st.markdown(
    f"{meta['definition'] or ''}\n\n"
    f"- **Teller:** {meta['numerator_text'] or '–'}"
    + (f" ({voc.NUMERATOR_UNIT.get(unit, 'antall')})" if meta["numerator_text"] else "")
    + f"\n- **Nevner:** {meta['denominator_text'] or '–'}"
    + (f" ({voc.DENOMINATOR_UNIT.get(unit, 'antall')})" if meta["denominator_text"] else "")
    + "\n"
    f"- **Enhet:** {voc.UNIT_LABEL.get(unit, unit)} ({voc.DIRECTION_LABEL.get(direction, direction)})\n"
    f"- **Kilde:** {voc.SOURCE_LABEL.get(meta['source'], meta['source'])}\n"
    f"- **Periode:** {meta['period_type']}, publiseres {fmt.cadence_text(meta['cadence_years'])}\n"
    f"- **Laveste nivå:** {meta['lowest_level']}\n"
    f"- **0-punktår:** {meta['baseline_year']}"
    + (f" – {meta['baseline_note']}" if meta["baseline_note"] else "")
    + (f"\n- **0-punkt i planen:** {meta['plan_baseline']}" if meta["plan_baseline"] else "")
)
st.markdown("##### Mål og målhistorikk")
hist = data.target_history(metric_id)
hist_view = (
    pl.DataFrame(
        {
            "Versjon": [str(v) for v in hist["version"].to_list()],
            "Mål": [
                fmt.target_text(k, v, y, unit, direction)
                for k, v, y in zip(hist["kind"].to_list(), hist["value"].to_list(), hist["target_year"].to_list())
            ],
            "Vedtatt av": hist["decided_by"].to_list(),
            "Dato": [d.strftime("%d.%m.%Y") if d else "" for d in hist["decided_at"].to_list()],
            "Vedtak": hist["decision_ref"].to_list(),
            "Merknad": hist["note"].to_list(),
            "Gjeldende": ["ja" if c else "nei" for c in hist["is_current"].to_list()],
        }
    )
    if hist.height
    else pl.DataFrame({"Versjon": []})
)
# A static table: the whole decision reference wraps instead of being cut off.
st.table(hist_view, hide_index=True)
ui.download_buttons(
    hist_view, f"malhistorikk-{metric_id}", key="ind_targets_dl", title="Målhistorikk", notes=[meta["label"]]
)

st.markdown("##### Proveniens – hvilke filer tallene kommer fra")
prov = data.provenance(metric_id)
if prov.is_empty():
    st.caption("Ingen registrerte filer for denne indikatoren.")
else:
    prov_view = pl.DataFrame(
        {
            "Fil": prov["file_name"].to_list(),
            "Gjelder": [fmt.periods_text(p) for p in prov["periods"].to_list()],
            "Kilde": [voc.SOURCE_LABEL.get(s, s) for s in prov["source"].to_list()],
            "Tabell": prov["table_name"].to_list(),
            "Rader": prov["rows"].to_list(),  # a number in the download
            "Lastet": [fmt.format_datetime_nb(t) for t in prov["loaded_at"].to_list()],
            "Kontraktversjon": prov["contract_version"].to_list(),
            "Innholdshash": [(h or "")[:12] for h in prov["file_hash"].to_list()],
        }
    )
    st.dataframe(prov_view, hide_index=True, key="ind_prov")
    ui.download_buttons(
        prov_view, f"proveniens-{metric_id}", key="ind_prov_dl", title="Proveniens", notes=[meta["label"]]
    )
