"""Shared Streamlit pieces: banners, deep-linkable selectors, downloads."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl
import streamlit as st

from dashboards import access, data, export, signin
from presentation import formatting as fmt
from presentation import vocabulary as voc
from presentation.suppression import SuppressionRule

# Query parameter names (shared by all pages, so a link keeps its meaning across pages).
P_METRIC, P_AREA, P_YEAR, P_SERVICE, P_LEVEL, P_GENDER = "indikator", "omrade", "aar", "tjeneste", "trinn", "kjonn"
P_SCHOOL_TYPE = "skoletype"  # Områder ranks schools within one school type


def demo_text() -> str:
    """The demo-data banner, naming the plan's municipality ("… – ikke <kommune>s tall")."""
    plan = data.plan_header()
    return plan.demo_banner if plan else "Syntetiske demodata"


def demo_banner() -> None:
    st.warning(
        f"**{demo_text()}.** Alle tall i denne løsningen er genererte eksempeldata for utprøving.",
        icon=":material/science:",
    )


def missing_snapshot(path: Any) -> None:
    st.error(
        "**Ingen publiserte data ennå.**\n\n"
        f"Fant ikke øyeblikksbildet `{path}`. Kjør pipelinen først:\n\n"
        "```bash\nmake run        # demodata, pipeline og dashbord\n# eller bare pipelinen:\nmake pipeline\n```\n\n"
        "Dashbordet leser bare det publiserte øyeblikksbildet; last siden på nytt når pipelinen er ferdig.",
        icon=":material/database_off:",
    )


def snapshot_caption(info: data.SnapshotInfo) -> str:
    """ "Status per 15.04.2026 · publisert …": the day the pipeline run judged the status on (what
    is foreldet, what is overdue), stored in the snapshot, and when the data were published."""
    published = fmt.format_datetime_nb(info.published_at, missing="ukjent")
    return f"Status per {fmt.format_date_nb(info.as_of)} · publisert {published}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")).strip("-")


def level_names() -> dict[str, str]:
    """What the plan calls its area levels ({"bydel": "oppvekstområde"}), from the snapshot."""
    plan = data.plan_header()
    return plan.level_names if plan else {}


def level_label(level: str) -> str:
    """An area level in the plan's own word: "oppvekstområde", else "bydel"."""
    return voc.level_label(level, level_names())


def file_stem(basename: str) -> str:
    """A download's file name without extension, naming the plan's municipality: "<kommune>-kilder"."""
    plan = data.plan_header()
    name, lead = _slug(basename), _slug(plan.municipality_short_name) if plan else ""
    if lead and lead not in name.split("-"):  # "scorecard-<kommune>-2019" names it already
        name = f"{lead}-{name}" if name else lead
    return name or "tabell"


def qp_select(
    label: str,
    options: Sequence[Any],
    *,
    param: str,
    key: str,
    default: Any = None,
    format_func: Callable[[Any], str] = str,
    container: Any = None,
    help: str | None = None,
) -> Any:
    """A selectbox whose value lives in the URL query parameter ``param`` (deep link).

    On the first render of the page in a session the value comes from the URL when it names a valid
    option, else from the value last chosen for ``param`` on another page (so a chosen part of the municipality stays
    chosen when moving from the overview to an indicator), else ``default``. Afterwards the URL
    follows the widget.
    """
    container = container or st
    options = list(options)
    if not options:
        container.selectbox(label, ["–"], disabled=True, key=key + "_empty")
        return None
    codes = [str(o) for o in options]
    shared_key = f"_shared_{param}"
    remembered = st.session_state.get(shared_key)
    fallback = default if default in options else options[0]
    if remembered in codes:
        fallback = options[codes.index(remembered)]
    if key not in st.session_state:
        raw = st.query_params.get(param)
        st.session_state[key] = options[codes.index(raw)] if raw in codes else fallback
    elif st.session_state[key] not in options:
        st.session_state[key] = fallback
    value = container.selectbox(label, options, key=key, format_func=format_func, help=help)
    if st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)
    st.session_state[shared_key] = str(value)
    return value


def download_buttons(
    frame: export.Table,
    basename: str,
    *,
    key: str,
    title: str | None = None,
    notes: Sequence[str] = (),
    container: Any = None,
) -> None:
    """CSV and Excel of exactly ``frame`` (the visible, suppressed table: a frame, or rows in the
    screen's order with numbers as numbers, ``export``), for those whose role
    downloads (``access.may_download``: analysts and the steering group; everyone when the dashboard
    runs without an identity provider)."""
    container = container or st
    if not access.may_download(signin.current()):
        container.caption(access.NO_DOWNLOAD)
        return
    info = data.snapshot_info()
    extra = list(notes)
    if info is not None:
        extra.append(snapshot_caption(info))
        if info.demo_data:
            extra.append(demo_text() + ".")
    extra.append((info.suppression if info else SuppressionRule(None, None)).description())
    name = file_stem(basename)
    row = container.container(horizontal=True, gap="small")
    row.download_button(
        "Last ned CSV",
        export.to_csv_bytes(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    row.download_button(
        "Last ned Excel",
        export.to_xlsx_bytes(frame, sheet=(title or "Tabell")[:31], title=title, notes=extra),
        file_name=f"{name}.xlsx",
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def survey_group_select(metric_id: str, key_prefix: str) -> tuple[str, str]:
    """School level and gender selectors for a survey metric (kept in the URL); ("alle", "alle")
    and no selectors for other metrics, whose stale level/gender parameters are dropped."""
    levels, genders = data.survey_groups(metric_id)
    if len(levels) <= 1 and len(genders) <= 1:
        for p in (P_LEVEL, P_GENDER):
            if p in st.query_params:
                del st.query_params[p]
        return "alle", "alle"
    c1, c2, _ = st.columns([2, 2, 2])
    level = qp_select(
        "Trinn",
        levels,
        param=P_LEVEL,
        key=f"{key_prefix}_level",
        default="alle",
        format_func=lambda v: voc.SCHOOL_LEVEL_LABEL.get(v, v),
        container=c1,
    )
    gender = qp_select(
        "Kjønn",
        genders,
        param=P_GENDER,
        key=f"{key_prefix}_gender",
        default="alle",
        format_func=lambda v: voc.GENDER_LABEL.get(v, v),
        container=c2,
    )
    return level, gender


def main_areas() -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The municipality and its parts in display order, the municipality first: (codes, names by code,
    levels by code)."""
    areas = data.areas().filter(pl.col("area_level").is_in(["kommune", "bydel"]))
    names = dict(zip(areas["area_code"].to_list(), areas["area_name"].to_list()))
    levels = dict(zip(areas["area_code"].to_list(), areas["area_level"].to_list()))
    codes = sorted(names, key=lambda c: (voc.level_rank(levels[c]), names[c]))
    return codes, names, levels
