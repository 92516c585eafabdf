"""End-to-end: the real dashboard on the second plan's snapshot (the fictional Fjordvik kommune), in
headless chromium. The server is not told the plan: the titles, the banner, the satsingsområder and
the oppvekstområder all come from the snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from pipelines.settings import REPO_ROOT
from tests.conftest import SECOND_PLAN, PlanData
from tests.e2e.conftest import serve_dashboard
from tests.e2e.test_browser import full_screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FOLDER = REPO_ROOT / "catalogue" / "plans" / SECOND_PLAN
PLAN = yaml.safe_load((FOLDER / "plan.yaml").read_text(encoding="utf-8"))
PARTS = [
    a["name"]
    for a in yaml.safe_load((FOLDER / "areas.yaml").read_text(encoding="utf-8"))["areas"]
    if a["level"] == "bydel"
]


@pytest.fixture(scope="module")
def second_plan_url(chromium: str, second_plan: PlanData, tmp_path_factory) -> Iterator[str]:
    with serve_dashboard(
        second_plan.snapshot, second_plan.reports_dir, tmp_path_factory.mktemp("e2e_second_plan")
    ) as url:
        yield url


def test_the_second_plan_in_the_browser(page, second_plan_url: str, screenshots: Path) -> None:
    page.goto(second_plan_url + "/")
    wait_for_app(page, "table.sbu-sc")
    expect(page.get_by_text("Trygg oppvekst i Fjordvik 2022–2027", exact=False).first).to_be_visible()
    expect(page.get_by_text("Syntetiske demodata – ikke Fjordviks tall")).to_be_visible()
    for s in PLAN["satsingsomrader"]:
        expect(page.get_by_text(s["label"], exact=True).first).to_be_visible()
    assert page.get_by_text("Bærum").count() == 0
    full_screenshot(page, screenshots / "10-andre-plan-oversikt.png")

    page.goto(second_plan_url + "/omrader?indikator=home_visits_newborn&aar=2023")
    wait_for_app(page, ".js-plotly-plot")
    for part in PARTS:
        expect(page.locator('[data-testid="stMetric"]', has_text=part)).to_be_visible()
    full_screenshot(page, screenshots / "11-andre-plan-omrader.png")
