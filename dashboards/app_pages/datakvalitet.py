"""Datakvalitet: what was loaded when, what is in quarantine and why, and when new data are due."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import data, ui
from presentation import formatting as fmt
from presentation import vocabulary as voc

st.title("Datakvalitet")
info = data.snapshot_info()

c1, c2, c3 = st.columns(3)
c1.metric(
    "Publisert",
    fmt.format_datetime_nb(info.published_at, missing="ukjent"),
    border=True,
    help="Når pipelinen sist publiserte et øyeblikksbilde (norsk tid).",
)
c2.metric(
    "Status per",
    fmt.format_date_nb(info.as_of),
    border=True,
    help="Dagen pipelinekjøringen vurderte status for (avgjør hva som er foreldet og forsinket).",
)
c3.metric("Datagrunnlag", "Syntetiske demodata" if info.demo_data else "Reelle data", border=True)
st.caption(f"Kjøring {info.run_id} · fil `{info.path}`")

loads = data.file_loads()
as_of = info.as_of  # the day the run judged the status on; "forsinket" below was judged on it too

st.subheader("Siste innlesing per kilde")
per_source = (
    loads.group_by("source")
    .agg(
        pl.col("processed_at").max().alias("last"),
        (pl.col("status") == "loaded").sum().alias("loaded"),
        (pl.col("status") == "quarantined").sum().alias("quarantined"),
        (pl.col("status") == "replaced").sum().alias("replaced"),
        pl.col("contract_version").filter(pl.col("status") == "loaded").max().alias("contract"),
        pl.col("file_name").sort_by(["processed_at", "file_name"]).last().alias("last_file"),
    )
    .sort("source")
)
due_by_source = {r["source"]: r for r in data.source_schedule().iter_rows(named=True)}


def next_due(source: str) -> tuple[str, str, str]:
    """(latest period, next period, state), from the schedule the pipeline publishes."""
    r = due_by_source.get(source)
    if r is None or r["latest_year"] is None:
        return "–", "–", "ingen indikator"
    due = r["next_due"]
    when = fmt.format_month_nb(due)
    if r["overdue"]:
        state = f"forsinket (ventet fra {when})"
    elif as_of is None or as_of.year == due.year:
        state = f"ventes fra {when}"
    else:
        state = f"ikke før {when}"
    return r["latest_period"], r["next_period"], state


rows, due_rows = [], []
for r in per_source.iter_rows(named=True):
    latest, nxt, state = next_due(r["source"])
    cadence = due_by_source.get(r["source"], {}).get("cadence_years")
    source = voc.SOURCE_LABEL.get(r["source"], r["source"])
    rows.append(
        {
            "Kilde": source,
            "Sist lest inn": fmt.format_datetime_nb(r["last"]),
            "Siste fil": r["last_file"] or "–",
            "Filer lastet": str(r["loaded"]),
            "Erstattet": str(r["replaced"]),
            "I karantene": str(r["quarantined"]),
            "Kontraktversjon": r["contract"] or "–",
        }
    )
    if r["source"] in due_by_source:
        due_rows.append(
            {
                "Kilde": source,
                "Siste periode med data": latest,
                "Publiseres": fmt.cadence_text(cadence),
                "Neste periode": nxt,
                "Neste leveranse": state,
            }
        )
sources_table = pl.DataFrame(rows) if rows else pl.DataFrame({"Kilde": []})
st.dataframe(sources_table, hide_index=True, key="dq_sources")
ui.download_buttons(sources_table, "datakvalitet-kilder", key="dq_sources_dl", title="Kilder")

st.subheader("Når kommer neste data?")
st.caption(
    "Beregnet fra siste periode med data, hvor ofte kilden publiserer og når tallene kommer: KOSTRA i mars "
    "året etter, Ungdata-resultater i september samme år som undersøkelsen."
)
due_table = pl.DataFrame(due_rows) if due_rows else pl.DataFrame({"Kilde": []})
st.dataframe(due_table, hide_index=True, key="dq_due")
ui.download_buttons(due_table, "datakvalitet-neste-data", key="dq_due_dl", title="Neste data")

st.subheader("Filer i karantene")
quarantined = loads.filter(pl.col("status") == "quarantined")
if quarantined.is_empty():
    st.success("Ingen filer i karantene.", icon=":material/check_circle:")
else:
    q_table = pl.DataFrame(
        {
            "Fil": quarantined["file_name"].to_list(),
            "Kilde": [voc.SOURCE_LABEL.get(s, s) for s in quarantined["source"].to_list()],
            "Tidspunkt": [fmt.format_datetime_nb(t) for t in quarantined["processed_at"].to_list()],
            "Grunn": [
                (nb or code or "ukjent")
                for nb, code in zip(quarantined["reason_nb"].to_list(), quarantined["reason_code"].to_list())
            ],
            "Kode": [c or "" for c in quarantined["reason_code"].to_list()],
        }
    )
    st.error(
        f"{q_table.height} fil(er) er avvist og holdt utenfor databasen. Rett filen og legg den i mottaket på nytt.",
        icon=":material/block:",
    )
    st.dataframe(q_table, hide_index=True, key="dq_quarantine")
    ui.download_buttons(q_table, "datakvalitet-karantene", key="dq_q_dl", title="Karantene")


st.subheader("Datakontroller")
checks = data.check_results()
if checks is None:
    st.caption("Øyeblikksbildet har ingen kontrollresultater; se Dagster-grensesnittet (`make dagster-ui`).")
elif checks.is_empty():
    st.caption("Ingen datakontroller er kjørt ennå.")
else:
    n_failed = int((~checks["passed"]).sum())
    if n_failed:
        st.error(
            f"{n_failed} av {checks.height} datakontroller feilet siste gang de ble kjørt.", icon=":material/error:"
        )
    else:
        st.success(
            f"Alle {checks.height} datakontroller besto siste gang de ble kjørt.", icon=":material/check_circle:"
        )
    checks_table = pl.DataFrame(
        {
            "Kilde": [voc.SOURCE_LABEL.get(s, s) for s in checks["source"].to_list()],
            "Kontroll": checks["check_name"].to_list(),
            "Resultat": [voc.CHECK_RESULT_LABEL[bool(p)] for p in checks["passed"].to_list()],
            "Feilende rader": ["" if n is None else str(n) for n in checks["failing_rows"].to_list()],
            "Beskrivelse": [d or "" for d in checks["description"].to_list()],
            "Kontrollert": [fmt.format_datetime_nb(t) for t in checks["evaluated_at"].to_list()],
        }
    )
    st.dataframe(checks_table, hide_index=True, key="dq_checks")
    ui.download_buttons(checks_table, "datakvalitet-kontroller", key="dq_checks_dl", title="Datakontroller")

st.subheader("Alle innleste filer")
all_table = (
    pl.DataFrame(
        {
            "Fil": loads["file_name"].to_list(),
            "Kilde": [voc.SOURCE_LABEL.get(s, s) for s in loads["source"].to_list()],
            "Tabell": loads["table_name"].to_list(),
            "Status": [voc.LOAD_STATUS_LABEL.get(s, s) for s in loads["status"].to_list()],
            "Rader": loads["rows"].to_list(),  # a number in the download
            "Periode": [fmt.periods_text(s) for s in loads["slice"].to_list()],
            "Tidspunkt": [fmt.format_datetime_nb(t) for t in loads["processed_at"].to_list()],
            "Kontraktversjon": [c or "" for c in loads["contract_version"].to_list()],
            "Innholdshash": [(h or "")[:12] for h in loads["file_hash"].to_list()],
            # What a load changed, e.g. a municipality delivered under two region codes and counted once
            # (a snapshot published before the column existed has none).
            "Merknad": [
                n or "" for n in (loads["notes_nb"].to_list() if "notes_nb" in loads.columns else [None] * loads.height)
            ],
        }
    )
    if loads.height
    else pl.DataFrame({"Fil": []})
)
st.dataframe(all_table, hide_index=True, key="dq_all")
ui.download_buttons(all_table, "datakvalitet-filer", key="dq_all_dl", title="Filer")
