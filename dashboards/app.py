"""Entry point: ``streamlit run dashboards/app.py``.

Builds the navigation (one ``st.Page`` per user question), shows the demo-data banner on every
page when the snapshot holds synthetic data, and a clear message when nothing is published yet.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only dashboards/ on the path
    sys.path.insert(0, str(ROOT))

# Everything the pages need, imported before any page runs. Streamlit runs each session's script in
# its own thread, and libraries that are imported lazily (pandas and pyarrow by Streamlit's and
# Plotly's data handling) raced on a cold server: 4 of 16 concurrent first loads failed with
# "partially initialized module 'pandas' has no attribute 'Series'". An ``import`` statement waits
# for a module another thread is initialising, so each session finishes these before its page runs.
import pandas  # noqa: E402, F401
import plotly.graph_objects  # noqa: E402, F401
import plotly.io  # noqa: E402, F401
import polars  # noqa: E402, F401
import pyarrow  # noqa: E402, F401
import streamlit as st  # noqa: E402
import xlsxwriter  # noqa: E402, F401

from dashboards import access, data, export, signin, ui  # noqa: E402, F401
from presentation import charts, scorecard  # noqa: E402, F401

HERE = Path(__file__).resolve().parent
# The pages live in app_pages/, not pages/: a folder named pages/ beside the entry script switches a fresh
# server into the legacy multipage mode, where a deep link opened first (e.g. /indikator?...) would run the
# page file directly – without this script's navigation and demo-data banner.

st.set_page_config(page_title="Oppfølging av planen", page_icon=":material/monitoring:", layout="wide")

OVERVIEW = st.Page(
    HERE / "app_pages" / "oversikt.py",
    title="Oversikt",  # short: all five names fit the top bar at tablet width (no "… more")
    icon=":material/dashboard:",
    url_path="styringsgruppen",  # the default page is served at "/"; "/oversikt" is the alias below
    default=True,
)


def _overview_alias() -> None:
    """``/oversikt`` (the page's own name) opens the overview at its canonical address "/", with the
    link's query parameters; Streamlit serves the default page only at the root."""
    st.switch_page(OVERVIEW, query_params=st.query_params.to_dict())


PAGES = [
    OVERVIEW,
    st.Page(HERE / "app_pages" / "indikator.py", title="Indikator", icon=":material/show_chart:", url_path="indikator"),
    st.Page(
        HERE / "app_pages" / "resultatavtale.py",
        title="Resultatavtale",
        icon=":material/assignment:",
        url_path="resultatavtale",
    ),
    st.Page(HERE / "app_pages" / "omrader.py", title="Områder", icon=":material/map:", url_path="omrader"),
    st.Page(
        HERE / "app_pages" / "datakvalitet.py",
        title="Datakvalitet",
        icon=":material/fact_check:",
        url_path="datakvalitet",
    ),
    st.Page(_overview_alias, title="Oversikt", url_path="oversikt", visibility="hidden"),
]

page = st.navigation(PAGES, position="top")  # top navigation leaves the full width to the tables

info = data.snapshot_info()
if info is None:
    st.title(page.title)
    ui.missing_snapshot(data.published_path())
    st.stop()

if info.demo_data:
    ui.demo_banner()
plan = data.plan_header()
st.caption(" · ".join([*([plan.title, plan.municipality_name] if plan else []), ui.snapshot_caption(info)]))
signin.bar(signin.current())  # who is signed in, and the button to sign in or out (only with an identity provider)

page.run()
