"""Årlig statusrapport: the PDF contains every metric of the chosen year.

The ``status_report`` asset is materialized for real with Dagster (the partition of the chosen report year) in a
data folder holding a copy of the session's demo snapshot and a commentary file in which a leader
has saved a commentary through the shared store ``pipelines.commentary.save`` (as the dashboard does). The PDF's text is
extracted with pdfium and checked against the snapshot: every catalogue metric, the plan's column
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
import yaml

from pipelines.metrics.codes import NO_TARGET, OFF_TRACK, ON_TRACK, UNCERTAIN
from pipelines.report.build import (
    ChartExport,
    ReportError,
    _read_snapshot,
    available_years,
    build_report,
)
from pipelines.report.summary import council_summary
from presentation.formatting import format_value_nb, status_text
from tests.conftest import use_data_dir
from tests.helpers import nb, pdf_pages

pytestmark = pytest.mark.slow  # started first in a parallel run (pyproject: markers)

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts" / "report"

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
        pages = pdf_pages(path)
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


def test_sources_are_named_by_their_data_contract_not_by_file_name(report: Report, published_snapshot: Path):
    loaded = _rows(published_snapshot, "SELECT DISTINCT source, file_name FROM file_loads WHERE status = 'loaded'")
    assert loaded
    chapter = squash(report.text.split(squash("5. Datagrunnlag og kilder"))[-1])
    for source in {r["source"] for r in loaded}:
        title = yaml.safe_load((REPO / "data_contracts" / f"{source}.yaml").read_text(encoding="utf-8"))["name"]
        assert squash(title) in chapter, (source, title)
    named = [r["file_name"] for r in loaded if squash(r["file_name"]) in report.text]
    assert not named, f"file names printed in the report: {named}"


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
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(report.path))
    title = pdf.get_metadata_dict()["Title"]
    pdf.close()
    assert title.startswith(f"Årlig statusrapport {YEAR}")
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


# --------------------------------------------------------------------------- the first page's summary


def _headline_targets(snapshot: Path, year: int) -> list[dict]:
    """The published scorecard's headline rows of the metrics with a Mål in ``year``, in the plan's order."""
    return _rows(
        snapshot,
        """
        SELECT s.metric_id, c.label, c.unit, s.status_class, s.status_value, s.status_period
        FROM scorecard s JOIN metric_catalogue c USING (metric_id)
        WHERE s.report_year = ? AND s.area_code = 'baerum' AND s.school_level = 'alle' AND s.gender = 'alle'
          AND c.kind = 'target' AND s.status_class <> ?
        ORDER BY c.sort_order""",
        [year, NO_TARGET],
    )


def _shown(value: float, unit: str) -> str:
    """A value as the reader sees it in the metric's unit."""
    return {
        "percent": f"{nb(value, 1)} %",
        "count": nb(value, 0),
        "years": f"{nb(value, 1)} år",
        "per_1000": f"{nb(value, 1)} per 1 000",
    }[unit]


def test_first_page_names_the_targets_that_are_off_track(report: Report, published_snapshot: Path):
    targets = _headline_targets(published_snapshot, YEAR)
    off = [r for r in targets if r["status_class"] == OFF_TRACK]
    assert off and len(off) < len(targets), "the demo year should have targets on and off track"
    first = squash(report.pages[0])
    assert squash(f"{len(off)} av {len(targets)} indikatorer med mål er ikke på sporet i {YEAR}:") in first
    for r in off:  # by name, with its Status against its Mål
        shown = squash(f"{r['label']}: {_shown(r['status_value'], r['unit'])} ({r['status_period']}); mål:")
        assert shown in first, (r["metric_id"], shown)
    for r in targets:
        if r["status_class"] != OFF_TRACK:
            assert squash(f"{r['label']}:") not in first, f"{r['label']} is not off track"


def test_first_page_says_what_changed_since_last_years_report(report: Report, published_snapshot: Path):
    now = {r["metric_id"]: r for r in _headline_targets(published_snapshot, YEAR)}
    before = {r["metric_id"]: r for r in _headline_targets(published_snapshot, YEAR - 1)}
    changed = [(before[m], r) for m, r in now.items() if m in before and before[m]["status_class"] != r["status_class"]]
    assert changed, "the demo data change some status between the two years"
    first = squash(report.pages[0])
    assert squash(f"Siden rapporten for {YEAR - 1} har {len(changed)} mål fått ny vurdering:") in first
    for old, new in changed:
        assert (
            squash(f"{new['label']} (fra {status_text(old['status_class'])} til {status_text(new['status_class'])})")
            in first
        )
    # The status date still stands on the first page beside the summary.
    assert squash("Status per") in first


def test_a_stale_figure_is_worded_by_its_period_not_its_value(report: Report, published_snapshot: Path):
    stale = _rows(
        published_snapshot,
        "SELECT s.metric_id, s.status_period, c.cadence_years FROM scorecard s JOIN metric_catalogue c USING (metric_id) "
        "WHERE s.report_year = ? AND s.area_code = 'baerum' AND s.school_level = 'alle' AND s.gender = 'alle' AND s.stale",
        [YEAR],
    )
    assert stale, "the 2019 report has a survey figure older than the survey cadence allows"
    for r in stale:
        cadence = "årlig" if r["cadence_years"] == 1 else f"hvert {r['cadence_years']}. år"
        # The 2019 report is judged as it stood at the end of 2020.
        shown = (
            f"Foreldet: siste tall er fra {r['status_period']}, og kilden skulle ha levert nyere tall "
            f"per 31. desember 2020 (publiseres {cadence})."
        )
        assert squash(shown) in report.text
    assert not re.search(r"nyeretallenn\d", report.text)


def test_layout_keeps_headings_apart_and_0_punkt_whole(report: Report):
    raw = "\n".join(report.pages)
    assert "ForbedringVurdering" not in raw and "EndringVurdering" not in raw
    assert not re.search(r"0-\s*\n\s*punkt", raw), "a cell broke '0-' from 'punkt'"


def _page_fill(path: Path) -> list[float]:
    """How far down each page's body the printed content reaches (0-1), from the rendered page."""
    import numpy as np
    import pypdfium2 as pdfium

    mm = 72 / 25.4  # points per mm; rendered at 1 px per point
    fill = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for page in pdf:
            img = np.asarray(page.render(scale=1).to_pil().convert("L"))
            top, bottom = int(18 * mm), img.shape[0] - int(17 * mm)  # the page margins of report.css
            inked = np.where((img[top:bottom] < 200).any(axis=1))[0]
            fill.append((inked.max() + 1) / (bottom - top) if inked.size else 0.0)
    finally:
        pdf.close()
    return fill


def test_indicators_flow_without_half_empty_pages(report: Report):
    fill = _page_fill(report.path)
    assert len(fill) == len(report.pages)
    # Every page but the last is at least about half full (before: a page per indicator, half of them empty).
    sparse = [(n, round(f, 2)) for n, f in enumerate(fill[:-1], start=1) if f < 0.55]
    assert not sparse, f"pages with most of their body empty: {sparse}"


def test_first_two_pages_are_rendered_for_review(report: Report):
    import pypdfium2 as pdfium

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = pdfium.PdfDocument(str(report.path))
    try:
        for n in (1, 2):
            out = ARTIFACTS / f"statusrapport_{YEAR}_side{n}.png"
            pdf[n - 1].render(scale=1.5).to_pil().save(out)
            assert out.stat().st_size > 10_000
    finally:
        pdf.close()


def _row(metric_id: str, label: str, *, order: int, unit: str = "percent", direction: str = "lower", **kw) -> dict:
    """One headline scorecard row as the report reads it; Forbedring is worked out here from the
    values and the direction (positive = better), as the metrics engine defines it."""
    row = {
        "metric_id": metric_id,
        "label": label,
        "unit": unit,
        "direction": direction,
        "sort_order": order,
        "status_class": ON_TRACK,
        "baseline_value": 10.0,
        "baseline_period": "2014",
        "status_value": 8.0,
        "status_period": "2024",
        "status_year": 2024,
        "target_kind": "direction",
        "target_value": None,
        "target_year": 2019,
        **kw,
    }
    change = row["status_value"] - row["baseline_value"]
    better = -change if direction == "lower" else change
    row["improvement"] = better
    row["improvement_pp"] = better if unit == "percent" else None
    return row


def test_summary_lists_off_track_targets_with_status_against_mal_in_the_plans_order():
    rows = [
        _row(
            "b",
            "Unge med uføretrygd",
            order=2,
            unit="count",
            status_class=OFF_TRACK,
            baseline_value=485.0,
            status_value=553.0,
        ),
        _row(
            "a",
            "Andel foreldre som deltok",
            order=1,
            direction="higher",
            status_class=OFF_TRACK,
            baseline_value=78.9,
            status_value=90.0,
            status_period="2023",
            target_kind="numeric",
            target_value=100.0,
        ),
        _row("c", "Andel med fravær", order=3),
        _row("x", "Undersøkelser", order=4, status_class=NO_TARGET, target_kind="none"),
    ]
    s = council_summary(rows, None, year=2024)
    assert s.off_track_lead == "2 av 3 indikatorer med mål er ikke på sporet i 2024:"
    assert [(o.label, o.text) for o in s.off_track] == [
        ("Andel foreldre som deltok", "90,0 % (2023); mål: 100,0 % innen 2019"),
        ("Unge med uføretrygd", "553 (2024); mål: lavere enn 0-punktet 485 (2014) innen 2019"),
    ]


def test_summary_without_off_track_targets_says_so():
    rows = [_row("a", "A", order=1), _row("b", "B", order=2, status_class=UNCERTAIN)]
    s = council_summary(rows, None, year=2024)
    assert s.off_track == []
    assert s.off_track_lead == "Ingen av de 2 indikatorene med mål er vurdert som ikke på sporet i 2024."


def test_summary_ranks_improvements_and_setbacks_by_direction_relative_to_the_0_punkt():
    rows = [
        # lower is better, 200 -> 100: Forbedring +100, half the 0-punkt
        _row("fewer", "Færre unge uten tilbud", order=1, unit="count", baseline_value=200.0, status_value=100.0),
        # higher is better, 10 % -> 12 %: +2 pp, a fifth of the 0-punkt
        _row("more", "Flere i tidlig innsats", order=2, direction="higher", baseline_value=10.0, status_value=12.0),
        # higher is better, 50 % -> 51 %: +1 pp, a fiftieth: a smaller improvement than the two above
        _row("small", "Litt flere fullfører", order=3, direction="higher", baseline_value=50.0, status_value=51.0),
        # lower is better, 20 % -> 25 %: −5 pp, a quarter of the 0-punkt worse
        _row("worse", "Depressivt stemningsleie", order=4, baseline_value=20.0, status_value=25.0),
    ]
    s = council_summary(rows, None, year=2024)
    better = next(x for x in s.sentences if x.startswith("Størst forbedring"))
    assert better.endswith(
        ": Færre unge uten tilbud (+100, fra 200 i 2014 til 100 i 2024) og "
        "Flere i tidlig innsats (+2,0 pp, fra 10,0 % i 2014 til 12,0 % i 2024)."
    )
    worse = next(x for x in s.sentences if x.startswith("Størst tilbakegang"))
    assert worse.endswith(": Depressivt stemningsleie (−5,0 pp, fra 20,0 % i 2014 til 25,0 % i 2024).")
    assert "Litt flere" not in " ".join(s.sentences)


def test_summary_names_every_metric_that_ties_with_the_last_one_named():
    rows = [
        _row("a", "A", order=1, baseline_value=10.0, status_value=5.0),  # half the 0-punkt better
        _row("c", "C", order=3, unit="count", baseline_value=40.0, status_value=20.0),  # half, too
        _row("b", "B", order=2, direction="higher", baseline_value=10.0, status_value=15.0),  # half, too
        _row("d", "D", order=4, baseline_value=10.0, status_value=9.0),  # a tenth
    ]
    s = council_summary(rows, None, year=2024, largest=2)
    better = next(x for x in s.sentences if x.startswith("Størst forbedring"))
    named = [label for label in "ABCD" if f"{label} (" in better]
    assert named == ["A", "B", "C"]  # all three tie; D does not; in the plan's order
    assert better.index("A (") < better.index("B (") < better.index("C (")
    # The same rows in another order give the same words.
    assert council_summary(list(reversed(rows)), None, year=2024, largest=2) == s


def test_summary_of_the_first_report_year_has_nothing_to_compare_with():
    s = council_summary([_row("a", "A", order=1)], None, year=2015)
    assert s.sentences[-1] == "Rapporten for 2015 er den første; det er ingen tidligere rapport å sammenligne med."
    assert not any("Siden rapporten" in x or "Nye tall" in x for x in s.sentences)


def test_summary_says_what_changed_since_last_years_report():
    previous = [
        _row("a", "A", order=1, status_year=2023, status_period="2023"),
        _row("b", "B", order=2, status_class=UNCERTAIN, status_year=2023, status_period="2023"),
    ]
    current = [
        _row("a", "A", order=1, status_year=2023, status_period="2023"),  # no newer figure, same class
        _row("b", "B", order=2, status_class=OFF_TRACK),  # a 2024 figure, and off track now
        _row("n", "N", order=3),  # followed since this year
    ]
    s = council_summary(current, previous, year=2024)
    assert (
        "Siden rapporten for 2023 har 1 mål fått ny vurdering: B (fra ≈ usikkert til ✖ ikke på sporet)." in s.sentences
    )
    assert "Nye indikatorer med mål siden rapporten for 2023: N (✔ på sporet)." in s.sentences
    assert "Nye tall siden rapporten for 2023 for 1 av 2 indikatorer med mål; uten nye tall: A." in s.sentences
    unchanged = council_summary(previous, previous, year=2024)
    assert "Ingen mål har fått endret vurdering siden rapporten for 2023." in unchanged.sentences


def test_a_browser_that_never_answers_is_given_up_with_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    """kaleido bounds each chart's render but not its browser's start: a Chromium that never answers
    its DevTools pipe is closed after the start timeout, started once more, and then the charts fail
    with an error that says so, instead of holding the report for good."""
    import time

    import plotly.graph_objects as go

    silent = tmp_path / "chromium"
    silent.write_text(f"#!/bin/sh\necho $$ >> {tmp_path / 'pids'}\nexec sleep 120\n", encoding="utf-8")
    silent.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(silent))
    started = time.monotonic()
    with ChartExport(tabs=1, timeout=5, start_timeout=2) as charts:
        with pytest.raises(ReportError, match="Chromium svarte ikke på 2 forsøk à 2 s"):
            charts.write_svgs([go.Figure()], tmp_path)
    assert time.monotonic() - started < 60
    assert not (tmp_path / "graf_00.svg").exists()
    # Both starts' browsers are gone, not left running.
    pids = (tmp_path / "pids").read_text().split()
    assert len(pids) == 2
    time.sleep(0.5)
    assert not [p for p in pids if Path(f"/proc/{p}").exists()]


def test_charts_are_rendered_without_reloading_the_tab_between_them() -> None:
    """The report keeps kaleido's tab loaded between charts by overriding kaleido's private
    ``_return_kaleido_tab`` (it reloads plotly.js after every chart). A kaleido release that renames
    it, or stops reloading there, would make the override a silent no-op or wrong: fail here instead."""
    import inspect

    import kaleido

    from pipelines.report.build import _kaleido_class

    assert "tab.reload()" in inspect.getsource(kaleido.Kaleido._return_kaleido_tab)
    assert "tabs_ready" in inspect.getsource(kaleido.Kaleido._get_kaleido_tab)
    assert _kaleido_class()._return_kaleido_tab is not kaleido.Kaleido._return_kaleido_tab
