"""The product serves a second plan with no code written for it: the fictional Fjordvik kommune's
"Trygg oppvekst i Fjordvik 2022-2027" (three oppvekstområder, eight schools, two family teams,
nine metrics of which one is its own) runs end to end from its own folder and its own demo data.

Figures are worked out here from the landing files the demo generator wrote (openpyxl), never
through the pipeline's code; texts are read from the plan's own YAML.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from pipelines.settings import REPO_ROOT
from tests.conftest import SECOND_PLAN, PlanData
from tests.helpers import pdf_pages, sql
from tests.helpers import run_app as app

pytestmark = pytest.mark.slow

FOLDER = REPO_ROOT / "catalogue" / "plans" / SECOND_PLAN
PLAN = yaml.safe_load((FOLDER / "plan.yaml").read_text(encoding="utf-8"))
AREAS = yaml.safe_load((FOLDER / "areas.yaml").read_text(encoding="utf-8"))["areas"]
PARTS = [a["name"] for a in AREAS if a["level"] == "bydel"]


def home_visits(landing: Path, year: int) -> dict[str, tuple[float, float]]:
    """(visits within 14 days, newborns) per oppvekstområde from that year's services template."""
    sheet = openpyxl.load_workbook(landing / "services" / f"tjenestetall_{year}.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    head = rows[0]
    out = {}
    for r in rows[1:]:
        row = dict(zip(head, r, strict=True))
        if row["Indikator-id"] == "home_visit":
            out[row["Enhet"]] = (row["Teller"], row["Nevner"])
    return out


# --------------------------------------------------------------------------- the pipeline


def test_the_snapshot_is_the_second_plans(second_plan: PlanData):
    snap = second_plan.snapshot
    assert sql(snap, "SELECT plan_name, period_start, period_end, municipality_name FROM plan") == [
        ("Trygg oppvekst i Fjordvik", 2022, 2027, "Fjordvik kommune")
    ]
    assert [r[0] for r in sql(snap, "SELECT label FROM satsingsomrader ORDER BY sort_order")] == [
        s["label"] for s in PLAN["satsingsomrader"]
    ]
    levels = dict(sql(snap, "SELECT area_level, count(*) FROM areas GROUP BY ALL"))
    assert levels == {"kommune": 1, "bydel": 3, "team": 2, "skole": 8}
    # A subset of the library in the plan's order, and one metric of its own with its SQL in the plan folder.
    chosen = [m["id"] for m in yaml.safe_load((FOLDER / "metrics.yaml").read_text(encoding="utf-8"))["metrics"]]
    assert [r[0] for r in sql(snap, "SELECT metric_id FROM metric_catalogue ORDER BY sort_order")] == chosen
    assert len(chosen) == 9
    assert sql(snap, "SELECT sql_file FROM metric_catalogue WHERE metric_id = 'home_visits_newborn'") == [
        (f"catalogue/plans/{SECOND_PLAN}/sql/home_visits_newborn.sql",)
    ]


@pytest.mark.parametrize("year", [2021, 2024])
def test_its_own_metric_per_oppvekstomrade_and_for_the_municipality(second_plan: PlanData, year: int):
    """Visits over newborns per part and for the municipality; a part where fewer than 5 newborns
    were *not* visited in time is suppressed (the complement rule), and with it a second part, so
    the municipality's total does not give it away."""
    delivered = home_visits(second_plan.data_dir / "landing", year)
    assert sorted(delivered) == sorted(PARTS)
    published = {
        name: (value, reason)
        for name, value, reason in sql(
            second_plan.snapshot,
            "SELECT area_name, value, suppression_reason FROM metric_values "
            "WHERE metric_id = 'home_visits_newborn' AND year = ?",
            [year],
        )
    }
    primary = {}
    for part, (visits, newborns) in delivered.items():
        if newborns < 10:
            primary[part] = "faa_svar"
        elif visits < 5:
            primary[part] = "liten_telling"
        elif newborns - visits < 5:
            primary[part] = "liten_rest"
    for part, (visits, newborns) in delivered.items():
        value, reason = published[part]
        if part in primary:
            assert (value, reason) == (None, primary[part])
        elif reason is None:
            assert value == pytest.approx(100 * visits / newborns, abs=1e-9)
    if primary:  # one suppressed part alone would follow from the total: a second one goes too
        assert sum(published[p][1] is not None for p in PARTS) >= 2
    visits = sum(v for v, _ in delivered.values())
    newborns = sum(n for _, n in delivered.values())
    assert published["Fjordvik kommune"] == (pytest.approx(100 * visits / newborns, abs=1e-9), None)


def test_the_scorecard_uses_the_plans_own_targets_and_target_years(second_plan: PlanData):
    rows = sql(
        second_plan.snapshot,
        "SELECT metric_id, target_kind, target_value, target_year, target_version, baseline_year FROM scorecard "
        "WHERE report_year = 2024 AND area_code = 'fjordvik' AND school_level = 'alle' AND gender = 'alle' "
        "ORDER BY metric_id",
    )
    by_id = {r[0]: r[1:] for r in rows}
    # Version 2 of the home-visit target is in force: 95 % by 2027 (version 1 said 92 % by 2025).
    assert by_id["home_visits_newborn"] == ("numeric", 95.0, 2027, 2, 2021)
    assert by_id["spec_ed_young_share"] == ("numeric", 48.0, 2025, 1, 2021)
    assert by_id["ti_parent_share"] == ("numeric", 90.0, 2026, 1, 2021)
    assert by_id["ppt_first_age"][:1] == ("direction",)
    assert sql(
        second_plan.snapshot,
        "SELECT version, value, target_year FROM target_history WHERE metric_id = 'home_visits_newborn' ORDER BY 1",
    ) == [(1, 92.0, 2025), (2, 95.0, 2027)]


def test_the_report_speaks_of_the_second_plan(second_plan: PlanData):
    (pdf,) = sorted(second_plan.reports_dir.glob("*.pdf"))
    text = re.sub(r"\s+", " ", " ".join(pdf_pages(pdf)))
    # The latest report year: PPT's and the services' 2025 figures are out on 15 April 2026.
    assert PLAN["report"]["title"].replace("{year}", "2025") in text
    assert "Fjordvik kommune" in text
    assert " ".join(PLAN["report"]["introduction"].split()[:12]) in text
    for s in PLAN["satsingsomrader"]:
        assert s["label"] in text
    assert "Bærum" not in text


# --------------------------------------------------------------------------- the dashboard


@pytest.fixture(scope="module")
def dashboard(second_plan: PlanData, tmp_path_factory) -> PlanData:
    """The dashboard on the second plan's snapshot. It is not told the plan: it reads it from the snapshot."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SBU_PUBLISHED_PATH", str(second_plan.snapshot))
        mp.setenv("SBU_DATA_DIR", str(tmp_path_factory.mktemp("second_plan_dashboard")))
        mp.setenv("SBU_REPORTS_DIR", str(second_plan.reports_dir))
        yield second_plan


def texts(at: AppTest) -> str:
    parts = [
        e.value for kind in ("markdown", "caption", "subheader", "header", "warning", "html") for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def test_overview_names_the_plan_its_areas_and_satsingsomrader(dashboard: PlanData):
    at = app()
    shown = texts(at)
    assert "Trygg oppvekst i Fjordvik 2022–2027" in shown and "Fjordvik kommune" in shown
    assert "Syntetiske demodata – ikke Fjordviks tall" in shown
    assert "Bærum" not in shown
    for s in PLAN["satsingsomrader"]:
        assert s["label"] in shown
    area = at.selectbox(key="ov_area")
    assert area.value == "fjordvik"
    assert set(PARTS) <= set(area.options)
    # The yearly report is offered under the municipality's name.
    assert "Last ned fjordvik-statusrapport-2025.pdf" in [b.label for b in at.get("download_button")]


def test_areas_page_compares_the_three_oppvekstomrader(dashboard: PlanData):
    at = app("omrader")
    shown = texts(at)
    assert all(part in shown for part in PARTS)
    assert "Bærum" not in shown
    # The plan's own word for its parts (plan.yaml: level_names), not "bydel".
    assert at.selectbox(key="om_metric").label == "Indikator (finnes for oppvekstområde eller lavere)"


def test_a_part_says_which_metrics_it_lacks_in_the_plans_words(dashboard: PlanData):
    shown = texts(app(omrade="nord"))
    assert re.search(r"\d+ ikke tilgjengelig for oppvekstområde", shown), shown[:500]
    assert "ikke tilgjengelig for bydel" not in shown
