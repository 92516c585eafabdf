"""Resultatavtale: a service's own metrics, in the plan's columns, for one year, with the leader's comment."""

from __future__ import annotations

import streamlit as st

from dashboards import access, data, signin, ui
from pipelines import commentary
from presentation import formatting as fmt
from presentation import scorecard

SHARED = ("Alle", "Alle tjenester")  # metrics every service answers for ("Alle" in the plan's Tiltaksoversikt)

st.title("Resultatavtale")
st.caption(
    "Tiltakene med måltall følges opp årlig i ledernes resultatavtaler. Velg tjeneste og rapportår: "
    "tabellen viser bare indikatorene tjenesten har hovedansvar for, i planens kolonner."
)

catalogue = data.catalogue()
services = data.services()
area_codes, area_names, area_levels = ui.main_areas()
years = data.report_years()
who = signin.current()

c1, c2, c3 = st.columns([3, 1, 2])
service = ui.qp_select(
    "Tjeneste (hovedansvar)",
    services,
    param=ui.P_SERVICE,
    key="ra_service",
    # A service leader's page opens on their own service; a link naming another still opens that one.
    default=access.home_service(who, services) or (services[0] if services else None),
    container=c1,
)
year = ui.qp_select(
    "Rapportår", years, param=ui.P_YEAR, key="ra_year", default=years[0] if years else None, container=c2
)
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


st.subheader(f"{service} – {area_names.get(area)}, rapportår {year}")
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
        own_targets.export_rows(),
        f"resultatavtale-{service}-{area}-{year}",
        key="ra_dl",
        title=f"Resultatavtale {year}",
        notes=[f"Tjeneste: {service}", f"Område: {area_names.get(area)}", f"Rapportår: {year}"],
    )
if not own_context.frame.is_empty():
    st.markdown("##### Kontekstindikatorer (uten mål)")
    st.html(scorecard.scorecard_html(own_context, hrefs=[_href(m) for m in own_context.metric_ids]))
    ui.download_buttons(
        own_context.export_rows(),
        f"resultatavtale-kontekst-{service}-{area}-{year}",
        key="ra_ctx_dl",
        title=f"Kontekst {year}",
        notes=[f"Tjeneste: {service}", f"Område: {area_names.get(area)}", f"Rapportår: {year}"],
    )
if shared and service not in SHARED:
    shared_targets = scorecard.scorecard_table(
        catalogue, sc, series, area_level=level, suppression=rule, kind="target", metric_ids=shared, level_names=names
    )
    if not shared_targets.frame.is_empty():
        with st.expander(f"Felles mål for alle tjenester ({shared_targets.frame.height})"):
            st.html(scorecard.scorecard_html(shared_targets, hrefs=[_href(m) for m in shared_targets.metric_ids]))

st.subheader("Lederens kommentar")
st.caption(
    f"Kommentaren signeres med navnet fra innloggingen og tidspunktet, og tas med i den årlige statusrapporten "
    f"for {year}. En endring lagres som ny versjon; de tidligere står under."
)
data_dir = data.settings().data_dir
existing = commentary.load(data_dir, service=service, report_year=year)
decision = access.may_comment(who, service, owned)

if decision.allowed:
    with st.form("ra_comment_form", clear_on_submit=False):
        st.markdown(
            f"Signeres av **{who.identity.display_name}**" + (f" ({who.identity.email})" if who.identity.email else "")
        )
        text = st.text_area(
            "Kommentar til resultatene",
            value=existing[0]["text"] if existing else "",
            key=f"ra_text_{service}_{year}",
            # No max_chars: the browser would silently refuse a longer paste; the limit is said instead.
            height=140,
        )
        st.caption(f"Vanlig tekst (ingen formatering), inntil {fmt.format_number_nb(commentary.MAX_CHARS, 0)} tegn.")
        submitted = st.form_submit_button("Lagre kommentar", icon=":material/save:")
    if submitted:
        try:
            rec = commentary.save(
                data_dir,
                service=service,
                report_year=year,
                signer=who.identity.as_signer(),
                text=text,
                area_code=area,
            )
        except ValueError as err:
            st.error(str(err))
        else:
            st.success(
                f"Lagret og signert av {commentary.signer_name(rec)} {commentary.format_when(rec['saved_at'])}.",
                icon=":material/check:",
            )
            existing = commentary.load(data_dir, service=service, report_year=year)
else:
    # The control is there, switched off, with the reason: who may write here and how.
    st.button("Lagre kommentar", key="ra_save_disabled", icon=":material/lock:", disabled=True, help=decision.reason)
    st.info(decision.reason, icon=":material/lock:")

reports_dir = data.settings().reports_dir
pdfs = sorted(reports_dir.glob(f"*{year}*.pdf")) if reports_dir and reports_dir.exists() else []
for pdf in pdfs:
    newer = commentary.stale_report(data_dir, pdf, year)
    if newer is not None:
        st.warning(
            f"Statusrapporten for {year} ({pdf.name}) ble laget før kommentaren fra {newer.get('service')} "
            f"{commentary.format_when(newer['saved_at'])} og er derfor utdatert. Den lages på nytt i Dagster "
            f"(partisjonen {year} av «status_report») eller med `make report YEAR={year}`.",
            icon=":material/history:",
        )

if existing:
    latest = existing[0]
    st.markdown(
        f"**Gjeldende kommentar** – signert av {commentary.signer_name(latest)}, "
        f"{commentary.format_when(latest['saved_at'])}:"
    )
    # Plain text, never Markdown or HTML: a commentary cannot load remote images (tracking pixels) or links.
    with st.container(border=True):
        st.text(latest["text"])
    if len(existing) > 1:
        with st.expander(f"Tidligere versjoner ({len(existing) - 1})"):
            for rec in existing[1:]:
                st.caption(f"{commentary.signer_name(rec)}, {commentary.format_when(rec['saved_at'])}:")
                st.text(rec["text"])
else:
    st.caption("Ingen kommentar lagret for dette året ennå.")
