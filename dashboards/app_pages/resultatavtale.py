"""Resultatavtale: a service's own metrics, in the plan's columns, for one year, with the leader's comment."""

from __future__ import annotations

import streamlit as st

from dashboards import data, ui
from pipelines import commentary
from presentation import formatting as fmt
from presentation import scorecard

SHARED = ("Alle", "Alle tjenester")  # metrics every service answers for ("Alle" in the plan's Tiltaksoversikt)

st.title("Resultatavtale")
st.caption(
    "Tiltakene med måltall følges opp årlig i ledernes resultatavtaler. Velg tjeneste og år: "
    "tabellen viser bare indikatorene tjenesten har hovedansvar for, i planens kolonner."
)

catalogue = data.catalogue()
services = data.services()
area_codes, area_names, area_levels = ui.main_areas()
years = data.report_years()

c1, c2, c3 = st.columns([3, 1, 2])
service = ui.qp_select(
    "Tjeneste (hovedansvar)",
    services,
    param=ui.P_SERVICE,
    key="ra_service",
    default=services[0] if services else None,
    container=c1,
)
year = ui.qp_select("År", years, param=ui.P_YEAR, key="ra_year", default=years[0] if years else None, container=c2)
area = ui.qp_select(
    "Område",
    area_codes,
    param=ui.P_AREA,
    key="ra_area",
    default=area_codes[0],  # the municipality (main_areas() lists it first)
    format_func=lambda c: area_names.get(c, c),
    container=c3,
)

owned = [
    m for m, o in zip(catalogue["metric_id"].to_list(), catalogue["owners"].to_list()) if service in fmt.owners_list(o)
]
shared = [
    m
    for m, o in zip(catalogue["metric_id"].to_list(), catalogue["owners"].to_list())
    if set(SHARED) & set(fmt.owners_list(o)) and m not in owned
]

sc = data.scorecard(year, area)
series = data.sparkline_values(area, year)
level = area_levels.get(area, "kommune")


def _href(metric_id: str) -> str:
    return f"indikator?{ui.P_METRIC}={metric_id}&{ui.P_AREA}={area}&{ui.P_YEAR}={year}"


st.subheader(f"{service} – {area_names.get(area)}, {year}")
rule = data.suppression_rule()
names = ui.level_names()  # what the plan calls its area levels
own_targets = scorecard.scorecard_table(
    catalogue, sc, series, area_level=level, suppression=rule, kind="target", metric_ids=owned, level_names=names
)
own_context = scorecard.scorecard_table(
    catalogue, sc, series, area_level=level, suppression=rule, kind="context", metric_ids=owned, level_names=names
)
if own_targets.frame.is_empty() and own_context.frame.is_empty():
    st.info("Tjenesten står ikke som hovedansvarlig for noen indikator i katalogen.")
if not own_targets.frame.is_empty():
    st.html(
        scorecard.scorecard_html(
            own_targets,
            hrefs=[_href(m) for m in own_targets.metric_ids],
            caption=f"Resultatavtale {year}: {service}, {area_names.get(area)}",
        )
    )
    ui.download_buttons(
        own_targets.export_frame(),
        f"resultatavtale-{service}-{area}-{year}",
        key="ra_dl",
        title=f"Resultatavtale {year}",
        notes=[f"Tjeneste: {service}", f"Område: {area_names.get(area)}", f"År: {year}"],
    )
if not own_context.frame.is_empty():
    st.markdown("##### Kontekstindikatorer (uten mål)")
    st.html(scorecard.scorecard_html(own_context, hrefs=[_href(m) for m in own_context.metric_ids]))
    ui.download_buttons(
        own_context.export_frame(),
        f"resultatavtale-kontekst-{service}-{area}-{year}",
        key="ra_ctx_dl",
        title=f"Kontekst {year}",
        notes=[f"Tjeneste: {service}", f"Område: {area_names.get(area)}", f"År: {year}"],
    )
if shared and service not in SHARED:
    shared_targets = scorecard.scorecard_table(
        catalogue, sc, series, area_level=level, suppression=rule, kind="target", metric_ids=shared, level_names=names
    )
    if not shared_targets.frame.is_empty():
        with st.expander(f"Felles mål for alle tjenester ({shared_targets.frame.height})"):
            st.html(scorecard.scorecard_html(shared_targets, hrefs=[_href(m) for m in shared_targets.metric_ids]))

st.subheader("Lederens kommentar")
st.caption(f"Kommentaren lagres med navn og tidspunkt og tas med i den årlige statusrapporten for {year}.")
existing = commentary.load(data.settings().data_dir, service=service, report_year=year)
default_author = ""
try:
    if st.user.get("is_logged_in"):
        default_author = st.user.get("name") or st.user.get("email") or ""
except Exception:  # noqa: BLE001 - st.user is unavailable without auth configured
    default_author = ""

with st.form("ra_comment_form", clear_on_submit=False):
    author = st.text_input("Navn (leder)", value=default_author, key="ra_author", max_chars=200)
    text = st.text_area(
        "Kommentar til resultatene",
        value=existing[0]["text"] if existing else "",
        key=f"ra_text_{service}_{year}",
        max_chars=commentary.MAX_CHARS,
        height=140,
    )
    submitted = st.form_submit_button("Lagre kommentar", icon=":material/save:")
if submitted:
    try:
        rec = commentary.save(
            data.settings().data_dir, service=service, report_year=year, author=author, text=text, area_code=area
        )
    except ValueError as err:
        st.error(str(err))
    else:
        st.success(f"Lagret av {rec['author']} {commentary.format_when(rec['saved_at'])}.", icon=":material/check:")
        existing = commentary.load(data.settings().data_dir, service=service, report_year=year)

if existing:
    latest = existing[0]
    st.markdown(f"**Gjeldende kommentar** – {latest['author']}, {commentary.format_when(latest['saved_at'])}:")
    st.markdown(f"> {latest['text']}".replace("\n", "\n> "))
    if len(existing) > 1:
        with st.expander(f"Tidligere versjoner ({len(existing) - 1})"):
            for rec in existing[1:]:
                st.markdown(f"**{rec['author']}**, {commentary.format_when(rec['saved_at'])}: {rec['text']}")
else:
    st.caption("Ingen kommentar lagret for dette året ennå.")
