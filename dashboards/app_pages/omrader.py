"""Områder: the parts of the municipality side by side (the plan's areas below the municipality),
and each part's schools or teams ranked."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import access, data, signin, ui
from presentation import charts, scorecard
from presentation import formatting as fmt
from presentation import vocabulary as voc

rule = data.suppression_rule()  # the small-number thresholds the snapshot was suppressed with
fine_levels = access.may_see_fine_levels(signin.current())  # schools and teams: the analysts'

area_codes, main_names, area_levels = ui.main_areas()
municipality = area_codes[0]  # the plan's root area: main_areas() lists it first
parts = [c for c in area_codes if area_levels[c] == "bydel"]
parts_title = fmt.join_nb([main_names[c] for c in parts])

st.title("Områder")
st.caption(
    f"{parts_title} side om side, og skolene eller teamene i hvert område rangert. "
    f"{rule.description()} Skjermede tall vises som «skjermet» med grunnen – aldri som 0."
)

catalogue = data.catalogue().filter(pl.col("lowest_level") != "kommune")
labels = dict(zip(catalogue["metric_id"].to_list(), catalogue["label"].to_list()))
areas = data.areas()
area_names = dict(zip(areas["area_code"].to_list(), areas["area_name"].to_list()))

c1, c2 = st.columns([3, 1])
# The page opens on an indicator with figures per school (the analysts' question here), when one exists.
with_schools = [
    m for m, lvl in zip(catalogue["metric_id"].to_list(), catalogue["lowest_level"].to_list()) if lvl == "skole"
]
metric_id = ui.qp_select(
    f"Indikator (finnes for {ui.level_label('bydel')} eller lavere)",
    list(labels),
    param=ui.P_METRIC,
    key="om_metric",
    default=with_schools[0] if with_schools else None,
    format_func=lambda m: labels.get(m, m),
    container=c1,
)
meta = catalogue.filter(pl.col("metric_id") == metric_id).row(0, named=True)
unit = meta["unit"]

school_level, gender = ui.survey_group_select(metric_id, "om")

series = data.metric_values(metric_id, [municipality, *parts], school_level, gender)
periods = dict(zip(series["year"].to_list(), series["period"].to_list()))
data_years = sorted(periods, reverse=True)
year = ui.qp_select(
    f"Periode ({meta['period_type']})",
    data_years,
    param=ui.P_YEAR,
    key="om_year",
    default=data_years[0] if data_years else None,
    format_func=lambda y: periods.get(y, str(y)),
    container=c2,
)
if year is None:
    st.info("Ingen verdier for denne indikatoren og gruppen.")
    st.stop()

cells = data.values_for_year(metric_id, year, school_level, gender)
by_code = {r["area_code"]: r for r in cells.iter_rows(named=True)}


def cell_text(r: dict | None) -> str:
    if r is None:
        return voc.MISSING
    if r["suppressed"]:
        return rule.cell(r["suppression_reason"])
    return fmt.value_text(r["value"], unit)


group = (
    ""
    if (school_level, gender) == ("alle", "alle")
    else f" · {voc.SCHOOL_LEVEL_LABEL.get(school_level)}, {voc.GENDER_LABEL.get(gender).lower()}"
)
st.subheader(f"{parts_title} – {periods.get(year)}{group}")
cols = st.columns(len(parts) + 1)
for col, code in zip(cols, [*parts, municipality]):
    r = by_code.get(code)
    with col:
        st.metric(area_names.get(code, code), cell_text(r), border=True)
        if r is not None and not r["suppressed"]:
            details = []
            if not fmt.is_missing(r["denominator"]) and unit == "percent":
                details.append(f"n = {fmt.format_number_nb(r['denominator'], 0)}")
            if not fmt.is_missing(r["ci_low"]) and not fmt.is_missing(r["ci_high"]):
                details.append(
                    f"95 %-intervall {fmt.value_text(r['ci_low'], unit)}–{fmt.value_text(r['ci_high'], unit)}"
                )
            st.caption(" · ".join(details))
        elif r is not None:
            st.caption("Skjermet for å beskytte små grupper.")

st.plotly_chart(
    charts.area_comparison_figure(
        series,
        label=meta["label"],
        unit=unit,
        period_type=meta["period_type"],
        area_order=[area_names[municipality], *(area_names[p] for p in parts)],
    ),
    key="om_compare_chart",
    config={"displaylogo": False},
)

lower = meta["lowest_level"]
school_types = (
    dict(zip(areas["area_code"].to_list(), areas["school_type"].to_list())) if "school_type" in areas.columns else {}
)
units = cells.filter(pl.col("area_level").is_in(["skole", "team"])).with_columns(
    pl.col("area_code").replace_strict(school_types, default=None, return_dtype=pl.Utf8).alias("school_type")
)
if not fine_levels and lower in ("skole", "team"):
    st.info(access.NO_FINE_LEVELS, icon=":material/lock:")
elif lower == "bydel" or units.is_empty():
    st.info(f"Indikatoren finnes ikke for skoler eller team (laveste nivå: {lower}).")
else:
    noun = "skolene" if lower == "skole" else "teamene"
    # Schools are ranked within one school type: an ungdomsskole is not compared with a videregående skole.
    types = units["school_type"].drop_nulls().value_counts(sort=True)["school_type"].to_list()
    school_type = None
    if types:
        school_type = ui.qp_select(
            "Skoletype",
            sorted(types),
            param=ui.P_SCHOOL_TYPE,
            key="om_school_type",
            default=types[0],  # the type with the most schools
            help="Skolene rangeres innenfor én skoletype.",
        )
        units = units.filter(pl.col("school_type") == school_type)
        noun = f"{school_type.lower()}r"  # "ungdomsskoler", "videregående skoler"
    st.subheader(f"{noun.capitalize()} rangert – {periods.get(year)}")
    groups = [(p, area_names[p]) for p in parts]
    if units.filter(pl.col("parent_code") == municipality).height:
        groups.append((municipality, "Hele kommunen"))
    direction_hint = {"lower": "Lavere er bedre.", "higher": "Høyere er bedre."}.get(meta["direction"], "")
    st.caption(
        f"{direction_hint} Alle rangeringene har samme skala. Den stiplede linjen er områdets egen verdi "
        "(alle skoletyper). Skjermede enheter vises med grunnen, uten stolpe.".strip()
    )
    references = {
        p: (area_names.get(p, n), by_code[p]["value"])
        for p, n in groups
        if by_code.get(p) is not None and not by_code[p]["suppressed"]
    }
    scale = charts.shared_value_range(units, reference=[v for _, v in references.values()])
    for parent, name in groups:
        part = units.filter(pl.col("parent_code") == parent)
        if part.is_empty():
            st.caption(f"Ingen {noun} i {name}.")
            continue
        fig = charts.ranked_bar_figure(
            part,
            title=f"{name}: {noun} rangert etter verdi",
            unit=unit,
            suppression=rule,
            reference=references.get(parent),
            value_range=scale,
        )
        st.plotly_chart(fig, key=f"om_rank_{parent}", config={"displaylogo": False})

st.markdown("##### Alle områder i perioden")
if not fine_levels:
    cells = cells.filter(~pl.col("area_level").is_in(["skole", "team"]))
order = {lvl: voc.level_rank(lvl) for lvl in cells["area_level"].unique().to_list()}
cells_sorted = cells.with_columns(pl.col("area_level").replace_strict(order, default=3).alias("_o")).sort(
    ["_o", "parent_code", "area_name"]
)
table_rows = [
    {
        "Område": r["area_name"],
        "Nivå": ui.level_label(r["area_level"]),
        "Tilhører": area_names.get(r["parent_code"], "") if r["parent_code"] else "",
        "Skoletype": school_types.get(r["area_code"]) or "",
        **{k: v for k, v in shown.items() if k not in ("Område", "Periode")},
    }
    for r, shown in zip(
        cells_sorted.iter_rows(named=True),
        scorecard.values_rows(
            cells_sorted,
            unit,
            suppression=rule,
            with_area=True,
            revisions=data.revisions(metric_id, cells_sorted["area_code"].to_list(), school_level, gender),
        ),
    )
]
st.dataframe(scorecard.shown_frame(table_rows), hide_index=True, key="om_table")
ui.download_buttons(
    table_rows,
    f"omrader-{metric_id}-{year}-{school_level}-{gender}",
    key="om_dl",
    title="Områder",
    notes=[
        meta["label"],
        f"Periode: {periods.get(year)}",
        f"Gruppe: {voc.SCHOOL_LEVEL_LABEL.get(school_level)}, {voc.GENDER_LABEL.get(gender)}",
    ],
)
