"""Every page at a desktop's and a tablet's width, in headless chromium against the real server.

What a user on an 820 px tablet depends on: nothing scrolls sideways, the scorecard's Utvikling
column and status badges stay inside their cells, all five pages are in the navigation (none
behind "… more"), the status explanation opens by a tap, and ``/oversikt`` (the page's own name)
opens the overview. Områder ranks schools within one school type with an interval on each bar and
one scale for the parts' charts. A screenshot of each page at both widths is saved under
test-artifacts/screenshots/pages/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_browser import full_screenshot, wait_for_app
from tests.helpers import sql

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {  # path -> what the page shows when it has rendered
    "": "table.sbu-sc",
    "indikator?indikator=ti_parent_share": ".js-plotly-plot",
    "resultatavtale?tjeneste=PP-tjenesten": "table.sbu-sc",
    "omrader": ".js-plotly-plot",
    "datakvalitet": '[data-testid="stDataFrame"]',
}
NAV = ["Oversikt", "Indikator", "Resultatavtale", "Områder", "Datakvalitet"]
WIDTHS = {"desktop": 1440, "tablet": 820}


def _overflow(page) -> dict:
    """How far anything reaches beyond where the user can see it without scrolling sideways."""
    return page.evaluate(
        """() => {
        const cut = [];
        for (const t of document.querySelectorAll('table.sbu-sc')) {
            const box = t.parentElement.getBoundingClientRect();
            if (t.getBoundingClientRect().right > box.right + 1) cut.push('table wider than its box');
            for (const td of t.querySelectorAll('td, th')) {
                const cell = td.getBoundingClientRect();
                for (const child of td.querySelectorAll('.sbu-st, img')) {
                    if (child.getBoundingClientRect().right > cell.right + 1)
                        cut.push(td.innerText.slice(0, 40) + ' runs out of its cell');
                }
            }
        }
        return {page: document.scrollingElement.scrollWidth - window.innerWidth, cut: cut};
    }"""
    )


def test_every_page_fits_both_widths_with_all_pages_in_the_navigation(
    browser, dashboard_url: str, screenshots: Path
) -> None:
    """Each page is loaded once, at the tablet's width (the one a page is most likely to break
    at), checked and shot, then the window is widened to the desktop's and the page checked and
    shot again: loading each page afresh for each width doubled the test's time."""
    context = browser.new_context(viewport={"width": WIDTHS["tablet"], "height": 1100}, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(60_000)
    folder = screenshots / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for i, (path, ready) in enumerate(PAGES.items(), start=1):
            page.set_viewport_size({"width": WIDTHS["tablet"], "height": 1100})
            page.goto(f"{dashboard_url}/{path}")
            wait_for_app(page, ready)
            for width in (WIDTHS["tablet"], WIDTHS["desktop"]):
                page.set_viewport_size({"width": width, "height": 1100})
                page.wait_for_timeout(500)  # Plotly's first layout, or its layout at the new width
                found = _overflow(page)
                assert found["page"] <= 0, f"/{path} scrolls sideways by {found['page']} px at {width} px"
                assert found["cut"] == [], (path, width, found["cut"])
                for name in NAV:  # every page's name is in the bar itself, none folded away behind "… more"
                    expect(page.get_by_role("link", name=name, exact=True).first).to_be_visible()
                name = (path.split("?")[0] or "oversikt").replace("/", "-")
                full_screenshot(page, folder / f"{i:02d}-{name}-{width}.png")
    finally:
        context.close()


def test_the_overview_opens_at_its_own_name(page, dashboard_url: str) -> None:
    page.goto(dashboard_url + "/oversikt?omrade=ostre")
    wait_for_app(page, "table.sbu-sc")
    expect(page.get_by_role("heading", name="Styringsgruppen – oversikt")).to_be_visible()
    assert page.get_by_text("Page not found").count() == 0
    assert "Østre Bærum" in page.get_by_role("combobox", name="Område").input_value()  # the link's query kept


def test_the_status_explanation_opens_by_tap(browser, dashboard_url: str, published_snapshot: Path) -> None:
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(dashboard_url + "/")
        wait_for_app(page, "table.sbu-sc")
        year = sql(published_snapshot, "SELECT MAX(report_year) FROM scorecard")[0][0]
        (explanation,) = sql(
            published_snapshot,
            "SELECT explanation FROM scorecard WHERE metric_id = 'depressive_mood' AND area_code = 'baerum' "
            "AND report_year = ? AND school_level = 'alle' AND gender = 'alle'",
            [year],
        )[0]
        row = page.locator("table.sbu-sc tr", has_text="Andel med depressivt stemningsleie")
        text = row.get_by_text(explanation[:40])
        expect(text).to_be_hidden()
        row.locator("details summary").tap()
        expect(text).to_be_visible()
        row.locator("details summary").tap()  # and closes again
        expect(text).to_be_hidden()
    finally:
        context.close()


def test_schools_are_ranked_within_one_school_type_on_one_scale(
    page, dashboard_url: str, published_snapshot: Path
) -> None:
    metric, year = "depressive_mood", 2023
    page.goto(dashboard_url + f"/omrader?indikator={metric}&aar={year}&skoletype=Ungdomsskole")
    wait_for_app(page, ".js-plotly-plot")
    expect(page.get_by_role("heading", name="Ungdomsskoler rangert", exact=False)).to_be_visible()
    charts = page.locator(".js-plotly-plot", has_text="ungdomsskoler rangert etter verdi")
    expect(charts.first).to_be_visible()
    assert charts.count() == 2  # Østre and Vestre
    shown: list[str] = []
    ranges = []
    for i in range(charts.count()):
        layout = charts.nth(i).evaluate(
            "el => ({ticks: el._fullLayout.yaxis._categories, range: el._fullLayout.xaxis.range,"
            " errors: el._fullData[0].error_x && el._fullData[0].error_x.visible})"
        )
        shown += layout["ticks"]
        ranges.append(layout["range"])
        assert layout["errors"], "no 95 % interval on the bars"
    assert ranges[0] == ranges[1]  # one scale for both parts
    youth = {
        n
        for (n,) in sql(
            published_snapshot,
            "SELECT a.area_name FROM areas a JOIN metric_values v USING (area_code) WHERE a.school_type = "
            "'Ungdomsskole' AND v.metric_id = ? AND v.year = ? AND v.school_level = 'alle' AND v.gender = 'alle'",
            [metric, year],
        )
    }
    upper = {
        n for (n,) in sql(published_snapshot, "SELECT area_name FROM areas WHERE school_type = 'Videregående skole'")
    }
    assert youth and upper
    assert {t.split("  ")[0] for t in shown} == youth  # every ungdomsskole, each once, with its value
    assert not {t.split("  ")[0] for t in shown} & upper  # no videregående skole among them
