"""Indikator: one metric's trend against its 0-punkt and Mål, with definition, source and provenance."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import charts, data, ui, views
from dashboards import formatting as fmt

st.title("Indikator")

catalogue = data.catalogue()
labels = dict(zip(catalogue["metric_id"].to_list(), catalogue["label"].to_list()))
main_areas = data.areas().filter(pl.col("area_level").is_in(["kommune", "bydel"]))
area_names = dict(zip(main_areas["area_code"].to_list(), main_areas["area_name"].to_list()))
area_levels = dict(zip(main_areas["area_code"].to_list(), main_areas["area_level"].to_list()))
area_codes = sorted(area_names, key=lambda c: (fmt.LEVEL_RANK[area_levels[c]], area_names[c]))
years = data.report_years()

c1, c2, c3 = st.columns([3, 2, 1])
metric_id = ui.qp_select("Indikator", list(labels), param=ui.P_METRIC, key="ind_metric",
                         format_func=lambda m: labels.get(m, m), container=c1)
meta = catalogue.filter(pl.col("metric_id") == metric_id).row(0, named=True)
unit, direction = meta["unit"], meta["direction"]

available_areas = [c for c in area_codes if views.available_at(meta["lowest_level"], area_levels[c])]
area = ui.qp_select("Område", available_areas, param=ui.P_AREA, key="ind_area", default="baerum",
                    format_func=lambda c: area_names.get(c, c), container=c2,
                    help=None if len(available_areas) > 1 else "Indikatoren finnes bare for hele kommunen.")
year = ui.qp_select("Rapportår", years, param=ui.P_YEAR, key="ind_year", default=years[0] if years else None,
                    container=c3)

levels, genders = data.survey_groups(metric_id)
school_level, gender = "alle", "alle"
if len(levels) > 1 or len(genders) > 1:
    c4, c5, _ = st.columns([2, 2, 2])
    school_level = ui.qp_select("Trinn", levels, param=ui.P_LEVEL, key="ind_level", default="alle",
                                format_func=lambda v: fmt.SCHOOL_LEVEL_LABEL.get(v, v), container=c4)
    gender = ui.qp_select("Kjønn", genders, param=ui.P_GENDER, key="ind_gender", default="alle",
                          format_func=lambda v: fmt.GENDER_LABEL.get(v, v), container=c5)
else:
    for p in (ui.P_LEVEL, ui.P_GENDER):
        if p in st.query_params:
            del st.query_params[p]

st.subheader(meta["label"])
st.caption(f"{meta['satsingsomrade_label']} · {fmt.DIRECTION_LABEL.get(direction, direction)} · "
           f"{meta['period_type']} · hovedansvar: {', '.join(fmt.owners_list(meta['owners']))}")

rows = data.scorecard_rows(metric_id, area, school_level, gender)
row = next((r for r in rows.iter_rows(named=True) if r["report_year"] == year), None)
values = data.metric_values(metric_id, [area], school_level, gender)
values_upto = values.filter(pl.col("year") <= year) if year else values

# --- the plan's five columns, as figures
if row is None:
    st.info(f"Ingen scorecard-rad for {area_names.get(area)} i {year} for denne gruppen.")
else:
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("0-punkt", fmt.value_text(row["baseline_value"], unit), help=f"Periode {row['baseline_period']}",
              border=True)
    m1.caption(f"{row['baseline_period']}" + (" (første år med data)" if row["baseline_is_first_year"] else ""))
    m2.metric("Mål", fmt.target_text(row["target_kind"], row["target_value"], row["target_year"], unit, direction),
              border=True)
    m2.caption(f"Versjon {row['target_version']} · vedtatt {row['target_decided_at']:%d.%m.%Y}"
               if row["target_decided_at"] else "")
    m3.metric("Status", fmt.value_text(row["status_value"], unit), border=True)
    m3.caption(f"{row['status_period'] or ''}" + (
        f" · 95 %-intervall {fmt.value_text(row['status_ci_low'], unit)}–{fmt.value_text(row['status_ci_high'], unit)}"
        if not fmt.is_missing(row["status_ci_low"]) else ""))
    m4.metric("Forbedring", fmt.improvement_text(row["improvement"], row["improvement_pp"], unit), border=True)
    m4.caption("positivt = bedre" if direction != "context" else "endring (ingen retning)")
    m5.metric("Vurdering", fmt.status_text(row["status_class"]), border=True)
    if not fmt.is_missing(row["expected_value"]):
        m5.caption(f"forventet på veien mot målet: {fmt.value_text(row['expected_value'], unit)}")
    if row["stale"]:
        st.warning(f"**Foreldet:** siste tall er fra {row['status_period']}, og kilden skulle ha levert nyere tall "
                   f"(publiseres hvert {meta['cadence_years']}. år).", icon=":material/history:")
    st.markdown(f"{fmt.status_text(row['status_class'])} – {row['explanation']}")

group_text = None
if school_level != "alle" or gender != "alle":
    group_text = f"{fmt.SCHOOL_LEVEL_LABEL.get(school_level)}, {fmt.GENDER_LABEL.get(gender).lower()}"
fig = charts.trend_figure(values_upto, label=meta["label"], area_name=area_names.get(area, area), unit=unit,
                          direction=direction, period_type=meta["period_type"], scorecard_row=row,
                          subtitle=group_text)
st.plotly_chart(fig, key="ind_chart", config={"displaylogo": False})
if unit == "percent":
    st.caption("Det skraverte båndet er 95 %-intervallet for hver andel (usikkerhet fra antall svar).")

st.markdown("##### Verdier per periode")
table = views.values_table(values_upto, unit)
st.dataframe(table, hide_index=True, key="ind_values")
ui.download_buttons(table, f"{metric_id}-{area}-{school_level}-{gender}", key="ind_dl", title=meta["label"][:31],
                    notes=[meta["label"], f"Område: {area_names.get(area)}",
                           f"Gruppe: {fmt.SCHOOL_LEVEL_LABEL.get(school_level)}, {fmt.GENDER_LABEL.get(gender)}"])

left, right = st.columns(2)
with left:
    st.markdown("##### Definisjon")
    st.markdown(
        f"{meta['definition'] or ''}\n\n"
        f"- **Teller:** {meta['numerator_text'] or '–'}\n"
        f"- **Nevner:** {meta['denominator_text'] or '–'}\n"
        f"- **Enhet:** {fmt.UNIT_LABEL.get(unit, unit)} ({fmt.DIRECTION_LABEL.get(direction, direction)})\n"
        f"- **Kilde:** {fmt.SOURCE_LABEL.get(meta['source'], meta['source'])}\n"
        f"- **Periode:** {meta['period_type']}, publiseres hvert {meta['cadence_years']}. år\n"
        f"- **Laveste nivå:** {meta['lowest_level']}\n"
        f"- **0-punktår:** {meta['baseline_year']}" + (f" – {meta['baseline_note']}" if meta["baseline_note"] else "")
        + (f"\n- **0-punkt i planen:** {meta['plan_baseline']}" if meta["plan_baseline"] else "")
    )
with right:
    st.markdown("##### Mål og målhistorikk")
    hist = data.target_history(metric_id)
    hist_view = pl.DataFrame({
        "Versjon": [str(v) for v in hist["version"].to_list()],
        "Mål": [fmt.target_text(k, v, y, unit, direction) for k, v, y in
                zip(hist["kind"].to_list(), hist["value"].to_list(), hist["target_year"].to_list())],
        "Vedtatt av": hist["decided_by"].to_list(),
        "Dato": [d.strftime("%d.%m.%Y") if d else "" for d in hist["decided_at"].to_list()],
        "Vedtak": hist["decision_ref"].to_list(),
        "Merknad": hist["note"].to_list(),
        "Gjeldende": ["ja" if c else "nei" for c in hist["is_current"].to_list()],
    }) if hist.height else pl.DataFrame({"Versjon": []})
    st.dataframe(hist_view, hide_index=True, key="ind_targets")

st.markdown("##### Proveniens – hvilke filer tallene kommer fra")
prov = data.provenance(metric_id)
if prov.is_empty():
    st.caption("Ingen registrerte filer for denne indikatoren.")
else:
    prov_view = pl.DataFrame({
        "Fil": prov["file_name"].to_list(),
        "Kilde": [fmt.SOURCE_LABEL.get(s, s) for s in prov["source"].to_list()],
        "Tabell": prov["table_name"].to_list(),
        "Rader": [str(r) for r in prov["rows"].to_list()],
        "Lastet": [t.strftime("%d.%m.%Y %H:%M") if t else "" for t in prov["loaded_at"].to_list()],
        "Kontraktversjon": prov["contract_version"].to_list(),
        "Innholdshash": [(h or "")[:12] for h in prov["file_hash"].to_list()],
    })
    st.dataframe(prov_view, hide_index=True, key="ind_prov")
