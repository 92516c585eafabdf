"""End-to-end: the real Streamlit server in Debian's headless chromium (Playwright, sync API).

Every page is opened and its visible content checked, a deep link is followed, the Excel download
is opened with openpyxl, and (with ``SBU_TEST_SCREENSHOTS=1``) a screenshot of each page is saved under
test-artifacts/screenshots/.
The time to first load of the overview page is printed (run with ``-s`` to see it, or read
test-artifacts/screenshots/timings.txt).
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS_WANTED
from tests.helpers import nb, pdf_pages, sql

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_BANNER = "Syntetiske demodata – ikke Bærums tall"


def wait_for_app(page, selector: str) -> None:
    """Wait until ``selector`` is visible and the script run has finished."""
    page.wait_for_selector(selector, state="visible")
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', state="attached")


def full_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its own container: grow the viewport to the content, then shoot.
    Only when screenshots are asked for (``SCREENSHOTS_WANTED``)."""
    if not SCREENSHOTS_WANTED:
        return
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stAppViewContainer', 'stMainBlockContainer']"
        ".map(id => document.querySelector(`[data-testid=${id}]`)).filter(Boolean).map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 80, 16000)})
    if page.locator(".js-plotly-plot").count():
        page.wait_for_timeout(800)  # let Plotly re-layout to the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


def test_overview_first_load(page, dashboard_url: str, published_snapshot: Path, screenshots: Path) -> None:
    """Runs first: the cold first load of the overview page on a freshly started server."""
    started = time.perf_counter()
    page.goto(dashboard_url + "/")
    wait_for_app(page, "table.sbu-sc")
    page.get_by_text("Individuell plan", exact=True).wait_for()
    first_load = time.perf_counter() - started

    started = time.perf_counter()
    page.reload()
    wait_for_app(page, "table.sbu-sc")
    page.get_by_text("Individuell plan", exact=True).wait_for()
    warm_load = time.perf_counter() - started
    message = (
        f"Overview page (Styringsgruppen – oversikt) in headless chromium: first load {first_load:.2f} s "
        f"(cold server), reload {warm_load:.2f} s"
    )
    print("\n" + message)
    (screenshots / "timings.txt").write_text(message + "\n", encoding="utf-8")

    expect(page.get_by_role("heading", name="Styringsgruppen – oversikt")).to_be_visible()
    expect(page.get_by_text(DEMO_BANNER)).to_be_visible()
    for (label,) in sql(published_snapshot, "SELECT label FROM metric_catalogue"):
        assert page.locator("table.sbu-sc").get_by_text(label, exact=True).count() == 1, label
    for column in ("Hva", "0-punkt", "Mål", "Status", "Forbedring"):
        assert page.locator("table.sbu-sc thead th", has_text=column).count() >= 1
    assert page.get_by_text("Ingen indikator ennå").count() == 2  # Overganger, Individuell plan
    year = sql(published_snapshot, "SELECT MAX(report_year) FROM scorecard")[0][0]
    status, period = sql(
        published_snapshot,
        "SELECT status_value, status_period FROM scorecard WHERE metric_id = "
        "'depressive_mood' AND area_code = 'baerum' AND report_year = ? AND "
        "school_level = 'alle' AND gender = 'alle'",
        [year],
    )[0]
    row = page.locator("table.sbu-sc tr", has_text="Andel med depressivt stemningsleie")
    assert f"{nb(status)}\u00a0% ({period})" in row.inner_text().replace(" (", " (")
    full_screenshot(page, screenshots / "01-styringsgruppen-oversikt.png")


def test_overview_area_filter_and_tablet_width(
    page, dashboard_url: str, published_snapshot: Path, screenshots: Path
) -> None:
    page.set_viewport_size({"width": 820, "height": 1180})  # tablet, portrait
    page.goto(dashboard_url + "/?omrade=ostre")
    wait_for_app(page, "table.sbu-sc")
    expect(page.get_by_text("Østre Bærum – rapportår")).to_be_visible()
    # the metrics that exist only for the whole municipality: one folded line after the rows that exist
    assert page.locator(".sbu-na-fold", has_text="Ikke tilgjengelig for bydel").count() == 1
    assert page.locator("table.sbu-sc td", has_text="ikke tilgjengelig for bydel").count() == 0
    # nothing wider than the screen except inside the tables' own scroll boxes
    overflow = page.evaluate(
        "() => document.querySelector('[data-testid=stMainBlockContainer]').scrollWidth "
        "- document.querySelector('[data-testid=stMainBlockContainer]').clientWidth"
    )
    assert overflow <= 1
    full_screenshot(page, screenshots / "02-oversikt-ostre-nettbrett.png")


def test_indicator_page_via_link_from_overview(page, dashboard_url: str, screenshots: Path) -> None:
    page.goto(dashboard_url + "/?omrade=ostre&aar=2023")
    wait_for_app(page, "table.sbu-sc")
    page.locator("table.sbu-sc a", has_text="Andel saker i Tidlig innsatsteam der foreldre deltok").click()
    page.wait_for_url("**/indikator?**")
    wait_for_app(page, ".js-plotly-plot")
    assert "indikator=ti_parent_share" in page.url and "omrade=ostre" in page.url
    expect(page.get_by_role("heading", name="Indikator", exact=True)).to_be_visible()
    chart = page.locator(".js-plotly-plot").first
    assert "Andel saker i Tidlig innsatsteam der foreldre deltok – Østre Bærum" in chart.inner_text()
    assert "Mål 2019" in chart.inner_text()
    expect(page.get_by_text("Proveniens – hvilke filer tallene kommer fra")).to_be_visible()
    full_screenshot(page, screenshots / "03-indikator.png")


def test_deep_link_opens_the_same_view(page, dashboard_url: str, screenshots: Path) -> None:
    url = dashboard_url + "/indikator?indikator=depressive_mood&omrade=ostre&aar=2020&trinn=vgs&kjonn=jenter"
    page.goto(url)
    wait_for_app(page, ".js-plotly-plot")
    selects = {
        name: page.get_by_role("combobox", name=name).input_value()
        for name in ("Indikator", "Område", "Rapportår", "Trinn", "Kjønn")
    }
    assert "Andel med depressivt stemningsleie" in selects["Indikator"]
    assert "Østre Bærum" in selects["Område"]
    assert "2020" in selects["Rapportår"]
    assert "Videregående" in selects["Trinn"]
    assert "Jenter" in selects["Kjønn"]
    assert (
        "Andel med depressivt stemningsleie – Østre Bærum (Videregående (1.–3.), jenter)"
        in page.locator(".js-plotly-plot").first.inner_text()
    )
    expect(page.get_by_text(DEMO_BANNER)).to_be_visible()
    full_screenshot(page, screenshots / "04-indikator-dyplenke.png")


def test_excel_download_of_the_overview(page, dashboard_url: str, published_snapshot: Path, downloads: Path) -> None:
    page.goto(dashboard_url + "/?omrade=baerum&aar=2019")
    wait_for_app(page, "table.sbu-sc")
    with page.expect_download() as info:
        page.get_by_role("button", name="Last ned Excel").first.click()
    target = downloads / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name == "scorecard-baerum-2019.xlsx"
    wb = openpyxl.load_workbook(target)
    sheet = wb.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == [
        "Satsingsområde",
        "Hva",
        "Enhet",
        "0-punkt",
        "0-punkt periode",
        "Mål",
        "Mål år",
        "Status",
        "Status periode",
        "Forbedring",
        "Vurdering",
        "Merknad",
        "Forklaring",
    ]
    # the rows in the screen's order: by satsingsområde as the page shows them, then the catalogue's order
    targets = sql(
        published_snapshot,
        "SELECT m.label FROM metric_catalogue m JOIN satsingsomrader s USING (satsingsomrade) "
        "WHERE m.kind = 'target' ORDER BY s.sort_order, m.sort_order, m.metric_id",
    )
    assert [r[1] for r in rows[1:]] == [label for (label,) in targets]
    value, period = sql(
        published_snapshot,
        "SELECT status_value, status_period FROM scorecard WHERE metric_id = "
        "'vgs_completion' AND area_code = 'baerum' AND report_year = 2019 AND "
        "school_level = 'alle' AND gender = 'alle'",
    )[0]
    row = dict(zip(header, next(r for r in rows if r[1] == "Andel som gjennomfører videregående opplæring")))
    # a number cell holding the figure as shown (one decimal), its period and unit beside it
    assert row["Status"] == round(value, 1) and isinstance(row["Status"], float)
    assert row["Status periode"] == str(period)
    assert row["Enhet"].startswith("prosent")
    cell = wb.worksheets[0].cell(row=[r[1] for r in rows].index(row["Hva"]) + 1, column=header.index("Status") + 1)
    assert cell.data_type == "n" and cell.number_format == "#,##0.0"
    about = [r[0] for r in wb["Om uttrekket"].iter_rows(values_only=True)]
    assert any(DEMO_BANNER in (line or "") for line in about)

    with page.expect_download() as info:
        page.get_by_role("button", name="Last ned CSV").first.click()
    text = Path(info.value.path()).read_bytes().decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:5] == ["Satsingsområde", "Hva", "Enhet", "0-punkt", "0-punkt periode"]


def test_areas_page_and_suppressed_cells_in_the_download(
    page, dashboard_url: str, published_snapshot: Path, screenshots: Path, downloads: Path
) -> None:
    year, gender = sql(
        published_snapshot,
        "SELECT year, gender FROM metric_values WHERE metric_id = 'depressive_mood' "
        "AND suppressed AND area_level = 'skole' AND school_level = 'alle' LIMIT 1",
    )[0]
    page.goto(dashboard_url + f"/omrader?indikator=depressive_mood&aar={year}&kjonn={gender}")
    wait_for_app(page, ".js-plotly-plot")
    expect(page.get_by_role("heading", name="Områder", exact=True)).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]', has_text="Østre Bærum")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]', has_text="Vestre Bærum")).to_be_visible()
    assert page.locator(".js-plotly-plot", has_text="skjermet").count() >= 1
    with page.expect_download() as info:
        page.get_by_role("button", name="Last ned Excel").first.click()
    target = downloads / info.value.suggested_filename
    info.value.save_as(target)
    rows = list(openpyxl.load_workbook(target, read_only=True).worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    by_area = {r[header.index("Område")]: r[header.index("Verdi (%)")] for r in rows[1:]}
    for (name,) in sql(
        published_snapshot,
        "SELECT area_name FROM metric_values WHERE metric_id = 'depressive_mood' "
        "AND year = ? AND school_level = 'alle' AND gender = ? AND suppressed",
        [year, gender],
    ):
        assert by_area[name].startswith("skjermet ("), (name, by_area[name])
    full_screenshot(page, screenshots / "05-omrader.png")


def test_results_agreement_page(page, dashboard_url: str, screenshots: Path) -> None:
    page.goto(dashboard_url + "/resultatavtale?tjeneste=PP-tjenesten&aar=2024")
    wait_for_app(page, "table.sbu-sc")
    expect(page.get_by_role("heading", name="PP-tjenesten – Bærum kommune, rapportår 2024")).to_be_visible()
    assert page.locator("table.sbu-sc", has_text="Barn ferdig utredet av PPT før skolestart").count() == 1
    assert page.locator("table.sbu-sc", has_text="Bostedsløse unge 18-25 år").count() == 0
    # Without an identity provider the dashboard is read-only, and says so where one would write
    # (signing in and signing a commentary: tests/e2e/test_signin_browser.py).
    expect(page.get_by_text("skrivebeskyttet", exact=False).first).to_be_visible()
    expect(page.get_by_role("button", name="Lagre kommentar")).to_be_disabled()
    assert page.get_by_label("Navn (leder)").count() == 0
    assert page.get_by_label("Kommentar til resultatene").count() == 0
    full_screenshot(page, screenshots / "06-resultatavtale.png")


def test_data_quality_page(page, dashboard_url: str, published_snapshot: Path, screenshots: Path) -> None:
    page.goto(dashboard_url + "/datakvalitet")
    wait_for_app(page, '[data-testid="stDataFrame"]')
    expect(page.get_by_role("heading", name="Datakvalitet", exact=True)).to_be_visible()
    expect(page.get_by_text("Siste innlesing per kilde")).to_be_visible()
    expect(page.get_by_text("Når kommer neste data?")).to_be_visible()
    quarantined = sql(published_snapshot, "SELECT COUNT(*) FROM file_loads WHERE status = 'quarantined'")[0][0]
    if quarantined:
        expect(page.get_by_text("er avvist og holdt utenfor databasen")).to_be_visible()
    else:
        expect(page.get_by_text("Ingen filer i karantene")).to_be_visible()
    expect(page.get_by_text("Syntetiske demodata", exact=True)).to_be_visible()  # the Datagrunnlag card
    full_screenshot(page, screenshots / "07-datakvalitet.png")


def test_status_report_pdf_download(page, dashboard_url: str, published_snapshot: Path, downloads: Path) -> None:
    """The yearly status report (a PDF the pipeline produces) downloads from the overview and has every metric."""
    import re

    from tests.e2e.conftest import reports_dir

    pdfs = sorted(reports_dir(published_snapshot).glob("*.pdf"))
    years = [int(m.group(0)) for p in pdfs if (m := re.search(r"(19|20)\d\d", p.name))]
    if not years:
        pytest.skip("the pipeline run produced no status report PDF (no report asset in the job yet)")
    year = max(years)
    page.goto(dashboard_url + f"/?aar={year}")
    wait_for_app(page, "table.sbu-sc")
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile(rf"Last ned .*{year}.*\.pdf")).first.click()
    target = downloads / info.value.suggested_filename
    info.value.save_as(target)
    text = " ".join(pdf_pages(target))
    text = re.sub(r"\s+", " ", text)
    for (label,) in sql(published_snapshot, "SELECT label FROM metric_catalogue"):
        assert re.sub(r"\s+", " ", label) in text, f"{label!r} missing in the PDF"
