"""Årlig statusrapport: the PDF contains every metric of the chosen year.

The ``status_report`` asset is materialized for real with Dagster (the partition of the chosen report year) in a
data folder holding a copy of the session's demo snapshot and a commentary file in which a leader
has saved a commentary through the shared store ``pipelines.commentary.save`` (as the dashboard does). The PDF's text is
extracted with pypdf and checked against the snapshot: every catalogue metric, the plan's column
words, all seven satsingsområder (two of them without a metric), the demo-data notice and the
data-as-of date on the first page, the status figures of the chosen year, and the commentary.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pypdf import PdfReader

from pipelines.report.build import (
    ReportError,
    _read_snapshot,
    available_years,
    build_report,
)
from presentation.formatting import format_value_nb
from tests.conftest import use_data_dir

YEAR = 2019  # the plan's target year: not the latest in the demo data, so the year choice matters
SERVICE = "PP-tjenesten"
NEW_TEXT = "Ventetiden hos PPT er redusert etter at vi flyttet ressurser til barnehagene (testkommentar)."
OLD_TEXT = "Utkast som er erstattet av en nyere kommentar."
OTHER_YEAR_TEXT = "Kommentar som gjelder et annet rapportår."


def squash(text: str) -> str:
    """Text without any whitespace: table cells and headings wrap lines anywhere."""
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Report:
    path: Path
    pages: list[str]  # extracted text per page
    text: str  # all pages, squashed
    metadata: dict
    seconds: float
    data_dir: Path


def _rows(path: Path, sql: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql, params=params or []).pl().to_dicts()
    finally:
        con.close()


@pytest.fixture(scope="module")
def report(published_snapshot: Path, demo_data_dir: Path, tmp_path_factory) -> Report:
    from pipelines import commentary
    from pipelines.defs.resources import SbuSettings
    from pipelines.defs.serving.report import status_report

    data = tmp_path_factory.mktemp("statusrapport") / "data"
    (data / "published").mkdir(parents=True)
    shutil.copy(published_snapshot, data / "published" / "sbu.duckdb")
    try:
        use_data_dir(data)
        file = commentary.commentary_path(data)
        assert file == data / "commentary" / "kommentarer.jsonl"
        file.parent.mkdir(parents=True, exist_ok=True)
        older = {
            "id": "a1",
            "service": SERVICE,
            "report_year": YEAR,
            "area_code": "baerum",
            "author": "Gammel Leder",
            "text": OLD_TEXT,
            "saved_at": "2020-01-15T09:00:00+01:00",
        }
        other = {**older, "id": "a2", "report_year": YEAR + 1, "text": OTHER_YEAR_TEXT}
        file.write_text(
            json.dumps(older, ensure_ascii=False) + "\n" + json.dumps(other, ensure_ascii=False) + "\n" + '{"torn line',
            encoding="utf-8",
        )
        with file.open("a", encoding="utf-8") as f:
            f.write("\n")
        commentary.save(
            data,
            service=SERVICE,
            report_year=YEAR,
            signer={"name": "Kari Nordmann", "email": "kari.nordmann@kommune.no", "subject": "u-kari"},
            text=NEW_TEXT,
            area_code="baerum",
        )

        # The report year is a partition of the asset; publishing a snapshot registers its years.
        instance = dg.DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("report_year", [str(YEAR)])
        result = dg.materialize(
            [status_report], instance=instance, partition_key=str(YEAR), resources={"settings": SbuSettings()}
        )
        assert result.success
        meta = result.asset_materializations_for_node("status_report")[0].metadata
        path = Path(meta["path"].value)
        assert path == data / "reports" / f"statusrapport_{YEAR}.pdf"
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
        return Report(
            path=path,
            pages=pages,
            text=squash("".join(pages)),
            metadata={k: getattr(v, "value", v) for k, v in meta.items()},
            seconds=float(meta["seconds"].value),
            data_dir=data,
        )
    finally:
        use_data_dir(demo_data_dir)


def test_the_pdf_contains_every_metric_of_the_chosen_year(report: Report, published_snapshot: Path):
    catalogue = _rows(published_snapshot, "SELECT metric_id, label, kind FROM metric_catalogue")
    in_year = {
        r["metric_id"]
        for r in _rows(published_snapshot, "SELECT DISTINCT metric_id FROM scorecard WHERE report_year = ?", [YEAR])
    }
    assert {m["metric_id"] for m in catalogue} == in_year, "every catalogue metric has a scorecard row in the year"
    missing = [m["label"] for m in catalogue if squash(m["label"]) not in report.text]
    assert not missing, f"metrics missing from the PDF: {missing}"
    # In the scorecard (or context) table, as a section heading and as the title of its own chart.
    too_few = [m["label"] for m in catalogue if report.text.count(squash(m["label"])) < 3]
    assert not too_few, f"metrics without a table row, section and chart: {too_few}"
    assert report.metadata["metrics"] == len(catalogue) == report.metadata["charts"]
    assert report.metadata["pages"] == len(report.pages)
    assert report.metadata["report_year"] == YEAR


def test_status_figures_are_those_of_the_chosen_year(report: Report, published_snapshot: Path):
    rows = _rows(
        published_snapshot,
        """
        SELECT s.metric_id, s.status_value, s.status_period, c.unit FROM scorecard s
        JOIN metric_catalogue c USING (metric_id)
        WHERE s.report_year = ? AND s.area_code = 'baerum' AND s.school_level = 'alle' AND s.gender = 'alle'
          AND s.status_value IS NOT NULL""",
        [YEAR],
    )
    assert rows
    for r in rows:
        shown = squash(f"{format_value_nb(r['status_value'], r['unit'])} ({r['status_period']})")
        assert shown in report.text, (r["metric_id"], shown)
    assert squash(f"Scorecard {YEAR}") in report.text
    assert squash(f"Årlig statusrapport {YEAR}") in squash(report.pages[0])


def test_plan_words_and_every_satsingsomrade(report: Report, published_snapshot: Path):
    scorecard_pages = [p for p in report.pages if squash(f"Scorecard {YEAR} – Bærum kommune") in squash(p)]
    assert scorecard_pages
    for word in ("Hva", "0-punkt", "Mål", "Status", "Forbedring", "Vurdering"):
        assert word in scorecard_pages[0], word
    areas = _rows(
        published_snapshot,
        """
        SELECT s.label, count(c.metric_id) AS n FROM satsingsomrader s
        LEFT JOIN metric_catalogue c ON c.satsingsomrade = s.satsingsomrade GROUP BY s.label""",
    )
    assert len(areas) == 7
    for a in areas:
        assert squash(a["label"]) in report.text, a["label"]
    empty = [a["label"] for a in areas if a["n"] == 0]
    assert len(empty) == 2
    # Each empty area says so in the table of contents, the scorecard and its own section.
    assert report.text.lower().count("ingenindikatorennå") >= 3 * len(empty)


def test_first_page_says_synthetic_demo_data_and_the_status_date(report: Report, published_snapshot: Path):
    info = _rows(published_snapshot, "SELECT as_of, demo_data FROM snapshot")[0]
    assert info["demo_data"] is True
    first = squash(report.pages[0])
    assert squash("Syntetiske demodata – ikke faktiske tall") in first
    assert "syntetiskedemodata" in first.lower()
    assert info["as_of"] == dt.date(2026, 4, 15)  # the session's run tag (tests/conftest.py)
    # The 2019 report is not the latest: its status is judged as it stood at the end of 2020,
    # and the first page says so beside the snapshot's own day.
    assert squash("Status per 31. desember 2020 (datoen vurderingene er gjort for") in first
    assert squash("datasettet har status per 15. april 2026") in first
    # Every page carries the notice in its header and the status date in its footer.
    assert all("SYNTETISKEDEMODATA" in squash(p) for p in report.pages)
    assert all(squash("Status per 31. desember 2020") in squash(p) for p in report.pages)


def test_the_plans_completion_baseline_is_said_to_cover_asker_and_baerum(report: Report):
    note = squash("0-punktet er Bærums eget tall; planens 84,6 % (kullet 2012/13) gjelder Asker og Bærum samlet")
    # Beside the 0-punkt in the plan's table and in the metric's own section.
    assert report.text.count(note) >= 2


def test_the_suppression_rule_is_printed_with_the_published_thresholds(report: Report, published_snapshot: Path):
    assert _rows(published_snapshot, "SELECT min_count, min_respondents FROM snapshot") == [
        {"min_count": 5, "min_respondents": 10}
    ]
    assert (
        squash(
            "Små tall er skjermet før publisering: antall under 5; andeler med færre enn 10 svar (nevner), og "
            "andeler der telleren eller nevneren minus telleren er under 5;"
        )
        in report.text
    )


def test_sources_are_listed(report: Report, published_snapshot: Path):
    files = _rows(published_snapshot, "SELECT file_name FROM file_loads WHERE status = 'loaded'")
    assert files
    for f in files:
        assert squash(f["file_name"]) in report.text, f["file_name"]
    assert squash("Datagrunnlag og kilder") in report.text


def test_the_leaders_current_commentary_is_printed(report: Report):
    assert squash(NEW_TEXT) in report.text
    assert squash("Kari Nordmann") in report.text
    assert squash(OLD_TEXT) not in report.text  # replaced by the newer one
    assert squash(OTHER_YEAR_TEXT) not in report.text  # another report year
    assert report.metadata["commentaries"] == 1
    page = next(p for p in report.pages if squash(NEW_TEXT) in squash(p))
    assert "Ledernes kommentarer" in page or SERVICE in page


def test_written_atomically_and_in_reasonable_time(report: Report):
    leftovers = [p.name for p in report.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers
    assert report.path.read_bytes()[:5] == b"%PDF-"
    assert PdfReader(report.path).metadata.title.startswith(f"Årlig statusrapport {YEAR}")
    # ~10 s on an idle 2-core machine; the bound only catches a per-chart browser start.
    assert report.seconds < 90


def test_default_year_is_the_latest_and_unknown_years_are_refused(published_snapshot: Path, tmp_path: Path):
    years = available_years(published_snapshot)
    assert YEAR in years and years[-1] > YEAR
    assert _read_snapshot(published_snapshot, None).year == years[-1]
    with pytest.raises(ReportError, match="tilgjengelige år"):
        build_report(published_snapshot, tmp_path / "x.pdf", report_year=1999, data_dir=tmp_path)
    assert not (tmp_path / "x.pdf").exists()


def test_hele_landet_stands_beside_the_municipality(report: Report, published_snapshot: Path):
    """Each compared metric's section names Hele landet's value in the report year and the class."""
    rows = _rows(
        published_snapshot,
        "SELECT c.metric_id, c.period, c.comparator_value, c.comparison, m.unit FROM comparisons c "
        "JOIN metric_catalogue m USING (metric_id) WHERE c.comparator_kind = 'norge' AND c.year = ?",
        [YEAR],
    )
    assert {r["metric_id"] for r in rows} >= {"vgs_completion", "cw_reports_dropped_share"}
    for r in rows:
        word = {"bedre": "bedre enn", "dårligere": "dårligere enn", "som": "som"}.get(r["comparison"])
        if word is None:
            continue
        shown = squash(
            f"{r['period']}: {format_value_nb(r['comparator_value'], r['unit'])}; Bærum kommune er {word} Hele landet"
        )
        assert shown in report.text, (r["metric_id"], shown)
