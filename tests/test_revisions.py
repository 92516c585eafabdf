"""Revised figures: a published figure whose shown value changes in a later publication is kept
with its old value, and shown as "revidert" on the Indikator page and in the status report.

Two parts. The rules of ``pipelines.revisions`` on a real (in-memory) DuckDB warehouse with a few
hand-written figures, publication after publication. Then the whole pipeline: a copy of the
session's demo data folder, one earlier year's figure edited in its landing file, refreshed once
more; the expected old and new figures are read from the landing file before and after the edit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipelines import revisions
from pipelines.nb_format import shown_value_sql
from pipelines.settings import AS_OF_TAG
from tests.conftest import AS_OF, materialize_all, use_data_dir
from tests.helpers import nb, run_app, sql

T1, T2, T3, T4 = (dt.datetime(2026, 3, d, 6, 0) for d in (1, 8, 15, 22))
PUBLISHED_VALUES = "SELECT * FROM marts.metric_values"


# --------------------------------------------------------------------------- the rules, figure by figure


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA meta")
    con.execute("CREATE TABLE marts.metric_sources AS SELECT 'm' AS metric_id, 'ppt' AS source, 'ppt' AS table_name")
    con.execute(
        "CREATE TABLE meta.file_loads (source VARCHAR, table_name VARCHAR, file_name VARCHAR, status VARCHAR, "
        "processed_at TIMESTAMP)"
    )
    return con


def _publish(con: duckdb.DuckDBPyConnection, figures: dict[tuple[str, int], object], at: dt.datetime) -> list[tuple]:
    """One publication of metric ``m`` in percent: ``figures`` maps (area, year) to a value, or to
    ``None`` for a suppressed cell. Returns the published ``revisions`` rows."""
    con.execute(
        "CREATE OR REPLACE TABLE marts.metric_values (metric_id VARCHAR, area_code VARCHAR, school_level VARCHAR, "
        "gender VARCHAR, year BIGINT, period VARCHAR, unit VARCHAR, value DOUBLE, suppressed BOOLEAN)"
    )
    for (area, year), value in figures.items():
        con.execute(
            "INSERT INTO marts.metric_values VALUES ('m', ?, 'alle', 'alle', ?, ?, 'percent', ?, ?)",
            [area, year, str(year), value, value is None],
        )
    revisions.prepare(con, PUBLISHED_VALUES, at, f"run-{at:%d}")
    published = con.execute(
        "SELECT area_code, year, previous_value, value, previous_published_at, revised_at, files "
        f"FROM ({revisions.PUBLISHED})"
    ).fetchall()
    revisions.record(con, at, f"run-{at:%d}")
    return published


def test_first_publication_records_nothing_and_an_unchanged_one_neither():
    con = _warehouse()
    assert _publish(con, {("a", 2019): 12.3, ("b", 2019): 40.0}, T1) == []
    assert _publish(con, {("a", 2019): 12.3, ("b", 2019): 40.0}, T2) == []
    assert con.execute("SELECT count(*) FROM meta.revisions").fetchall() == [(0,)]


def test_a_change_within_the_shown_precision_is_no_revision():
    con = _warehouse()
    _publish(con, {("a", 2019): 12.31}, T1)
    assert _publish(con, {("a", 2019): 12.34}, T2) == []  # 12,3 % both times
    # 12.25 is shown 12,2 (the stored double rounded as Python formats it, not half up): a revision
    # of the 12,3 % first published at T1; 12.26 is shown 12,3 again, a second step.
    assert _publish(con, {("a", 2019): 12.25}, T3) == [("a", 2019, 12.34, 12.25, T1, T3, [])]
    assert _publish(con, {("a", 2019): 12.26}, T4)[1] == ("a", 2019, 12.25, 12.26, T3, T4, [])


def test_a_figure_revised_twice_keeps_both_steps_with_their_files():
    con = _warehouse()
    _publish(con, {("a", 2019): 12.3, ("a", 2020): 13.0}, T1)
    con.execute("INSERT INTO meta.file_loads VALUES ('ppt', 'ppt', 'ppt_2019.csv', 'loaded', ?)", [T1.replace(hour=9)])
    assert _publish(con, {("a", 2019): 12.8, ("a", 2020): 13.0}, T2) == [
        ("a", 2019, 12.3, 12.8, T1, T2, ["ppt_2019.csv"])
    ]
    con.execute(
        "INSERT INTO meta.file_loads VALUES ('ppt', 'ppt', 'ppt_2019_v2.csv', 'loaded', ?)", [T2.replace(hour=9)]
    )
    assert _publish(con, {("a", 2019): 11.9, ("a", 2020): 13.0}, T3) == [
        ("a", 2019, 12.3, 12.8, T1, T2, ["ppt_2019.csv"]),
        ("a", 2019, 12.8, 11.9, T2, T3, ["ppt_2019_v2.csv"]),  # only the file loaded since T2
    ]


def test_a_figure_suppressed_before_or_after_is_no_revision_and_its_history_is_not_published():
    con = _warehouse()
    _publish(con, {("a", 2019): 12.3, ("b", 2019): None}, T1)
    # b was suppressed: its first shown value is no revision; a is revised.
    assert _publish(con, {("a", 2019): 14.0, ("b", 2019): 20.0}, T2) == [("a", 2019, 12.3, 14.0, T1, T2, [])]
    # a is now suppressed: its history (whose last value may be the hidden one) is not published,
    # and the suppression is no revision; b's change is.
    assert _publish(con, {("a", 2019): None, ("b", 2019): 21.0}, T3) == [("b", 2019, 20.0, 21.0, T2, T3, [])]
    assert con.execute("SELECT count(*) FROM meta.revisions").fetchall() == [(2,)]
    # Shown again with another value: compared with nothing (the suppressed publication showed
    # none), so no new step; the kept step is published again.
    assert _publish(con, {("a", 2019): 15.0, ("b", 2019): 21.0}, T4) == [
        ("a", 2019, 12.3, 14.0, T1, T2, []),
        ("b", 2019, 20.0, 21.0, T2, T3, []),
    ]
    assert con.execute("SELECT count(*) FROM meta.revisions").fetchall() == [(2,)]


def test_a_publication_that_is_never_swapped_in_leaves_the_history_as_it_was():
    """prepare() without record(): the run was killed before (or while) the snapshot was swapped in."""
    con = _warehouse()
    _publish(con, {("a", 2019): 12.3}, T1)
    con.execute(
        "CREATE OR REPLACE TABLE marts.metric_values AS SELECT * REPLACE (14.0 AS value) FROM marts.metric_values"
    )
    assert revisions.prepare(con, PUBLISHED_VALUES, T2, "killed") == 1
    assert con.execute("SELECT count(*) FROM meta.revisions").fetchall() == [(0,)]
    # The next run finds the same step, dated by its own publication.
    assert _publish(con, {("a", 2019): 14.0}, T3) == [("a", 2019, 12.3, 14.0, T1, T3, [])]


@pytest.mark.parametrize(
    ("value", "unit"),
    [
        (12.25, "percent"),
        (12.35, "percent"),
        (0.05, "percent"),
        (5.0, "count"),
        (5.5, "count"),
        (2.5, "nok"),
        (1234.5, "nok"),
        (8.25, "years"),
        (7.05, "per_1000"),
        (-0.04, "percent"),
    ],
)
def test_the_sql_rounding_is_the_shown_rounding(value: float, unit: str):
    """What the diff compares is what the dashboard shows: the formatted number, read back."""
    from presentation.formatting import format_value_nb

    shown = (
        duckdb.connect()
        .execute(f"SELECT {shown_value_sql('v', 'u')} FROM (SELECT ?::DOUBLE AS v, ?::VARCHAR AS u)", [value, unit])
        .fetchall()[0][0]
    )
    text = format_value_nb(value, unit)
    for suffix in (" per 1 000", " %", " kr", " år"):
        text = text.removesuffix(suffix)
    number = text.replace(" ", "").replace(",", ".")
    assert shown == float(number)


def test_two_steps_are_worded_newest_first_and_as_a_chain():
    from presentation.formatting import revision_steps_text, revision_text

    steps = [  # naive UTC, as the pipeline stores them; the days are Norway's
        {
            "previous_value": 12.8,
            "value": 11.9,
            "previous_published_at": T2,
            "revised_at": dt.datetime(2026, 3, 15, 23, 30),
        },
        {"previous_value": 12.3, "value": 12.8, "previous_published_at": T1, "revised_at": T2},
    ]
    assert revision_text(steps, "percent") == (
        "revidert, var 12,8 % (publisert 08.03.2026), før det 12,3 % (publisert 01.03.2026)"
    )
    assert revision_steps_text(steps, "percent") == "12,3 % → 12,8 % → 11,9 % (revidert 08.03.2026 og 16.03.2026)"
    assert revision_text([], "percent") == revision_steps_text([], "percent") == ""


def test_the_first_page_counts_revised_figures_per_indicator_and_says_nothing_without():
    from pipelines.report.summary import council_summary

    with_revisions = council_summary([], None, year=2025, revised=[("Barn utredet", 2), ("Fravær", 1)])
    assert with_revisions.sentences[-1] == (
        "3 tall i rapporten er revidert (endret etter at de ble publisert): Barn utredet (2 tall) og Fravær (1 tall)."
    )
    assert not any("revidert" in s for s in council_summary([], None, year=2025).sentences)


# --------------------------------------------------------------------------- the whole pipeline

METRIC = "assessed_before_school"  # a count: the children PPT fully assessed before school start
YEAR = 2019  # an earlier year: its file is delivered again with one figure corrected
FILE = Path("ppt") / f"ppt_{YEAR}.csv"
COLUMN = "Ferdig utredet før skolestart"
DISTRICT, KINDERGARTEN = "Østre Bærum", "0-5 år (barnehage)"
CORRECTION = 7  # children added to Østre Bærum's figure in the corrected file


def _assessed(path: Path) -> dict[str, int]:
    """The file's figures per district (the sum over its age groups), read here with csv."""
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="latin-1")), delimiter=";")
    out: dict[str, int] = {}
    for r in rows:
        if r[COLUMN]:
            out[r["Bydel"]] = out.get(r["Bydel"], 0) + int(r[COLUMN])
    return out


def _correct(path: Path) -> None:
    """Østre Bærum's kindergarten-age figure + CORRECTION, the rest of the file as it was."""
    lines = path.read_bytes().decode("latin-1").split("\r\n")
    for i, line in enumerate(lines):
        cells = line.split(";")
        if cells[1:3] == [f'"{DISTRICT}"', f'"{KINDERGARTEN}"']:
            cells[-1] = f'"{int(cells[-1].strip(chr(34))) + CORRECTION}"'
            lines[i] = ";".join(cells)
            break
    else:
        raise AssertionError("no row to correct")
    path.write_bytes("\r\n".join(lines).encode("latin-1"))


def _oslo_day(utc: dt.datetime) -> str:
    return utc.replace(tzinfo=dt.UTC).astimezone(ZoneInfo("Europe/Oslo")).strftime("%d.%m.%Y")


@dataclass(frozen=True)
class Revised:
    data: Path
    before: dict[str, int]  # the file's figures per district before the correction
    after: dict[str, int]
    first_published_at: dt.datetime  # the session's publication, which showed the old figures
    revised_at: dt.datetime
    codes: dict[str, str]  # area name -> code
    unchanged_rerun: list[tuple]  # the history after one more publication with nothing changed

    @property
    def snapshot(self) -> Path:
        return self.data / "published" / "sbu.duckdb"

    @property
    def warehouse(self) -> Path:
        return self.data / "warehouse" / "sbu.duckdb"


def _publish_again(data: Path) -> None:
    """Only the publication (nothing upstream changed): what a forced rerun publishes."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.defs.resources import SbuSettings, pipeline_resources

    use_data_dir(data)
    result = dg.materialize(
        list(defs.assets or []),
        selection=["published_snapshot"],
        resources=pipeline_resources(SbuSettings()),
        tags={AS_OF_TAG: AS_OF.isoformat()},
    )
    assert result.success


@pytest.fixture(scope="module")
def revised(pipeline_result, demo_data_dir: Path, tmp_path_factory) -> Revised:
    data = tmp_path_factory.mktemp("revisions") / "data"
    shutil.copytree(demo_data_dir, data, ignore=shutil.ignore_patterns("reports", "logs", "dagster_home"))
    try:
        first_published_at = sql(data / "published" / "sbu.duckdb", "SELECT published_at FROM snapshot")[0][0]
        before = _assessed(data / "landing" / FILE)
        _correct(data / "landing" / FILE)
        after = _assessed(data / "landing" / FILE)
        assert materialize_all(data, report=False).success
        snapshot = data / "published" / "sbu.duckdb"
        revised_at = sql(snapshot, "SELECT published_at FROM snapshot")[0][0]
        codes = dict(sql(snapshot, "SELECT area_name, area_code FROM areas"))
        shutil.copytree(data / "published", data / "published_after_revision")
        _publish_again(data)
        unchanged = sql(data / "warehouse" / "sbu.duckdb", "SELECT * FROM meta.revisions ORDER BY ALL")
        return Revised(data, before, after, first_published_at, revised_at, codes, unchanged)
    finally:
        use_data_dir(demo_data_dir)


def test_the_first_publication_has_no_revisions(published_snapshot: Path):
    assert sql(published_snapshot, "SELECT count(*) FROM revisions") == [(0,)]


def test_exactly_the_corrected_figure_and_its_total_are_recorded(revised: Revised):
    east, west, municipality = revised.codes[DISTRICT], revised.codes["Vestre Bærum"], revised.codes["Bærum kommune"]
    assert revised.before["Vestre Bærum"] == revised.after["Vestre Bærum"]
    expected = sorted(
        [
            (east, float(revised.before[DISTRICT]), float(revised.after[DISTRICT])),
            (municipality, float(sum(revised.before.values())), float(sum(revised.after.values()))),
        ]
    )
    assert revised.after[DISTRICT] == revised.before[DISTRICT] + CORRECTION
    assert west not in {code for code, _, _ in expected}
    history = sql(
        revised.warehouse,
        "SELECT metric_id, area_code, school_level, gender, year, previous_value, value, previous_published_at, "
        "revised_at, files FROM meta.revisions ORDER BY area_code",
    )
    assert history == [
        (METRIC, code, "alle", "alle", YEAR, old, new, revised.first_published_at, revised.revised_at, [FILE.name])
        for code, old, new in expected
    ]
    published = sql(
        revised.data / "published_after_revision" / "sbu.duckdb",
        "SELECT metric_id, area_code, school_level, gender, year, previous_value, value, previous_published_at, "
        "revised_at, files FROM revisions ORDER BY area_code",
    )
    assert published == history


def test_a_second_unchanged_publication_adds_nothing(revised: Revised):
    assert len(revised.unchanged_rerun) == 2
    assert sql(revised.warehouse, "SELECT count(*) FROM meta.publications") == [(3,)]
    assert sql(revised.snapshot, "SELECT count(*) FROM revisions") == [(2,)]


def test_the_indikator_page_marks_the_figure_revidert_with_its_old_value(revised: Revised, monkeypatch):
    monkeypatch.setenv("SBU_PUBLISHED_PATH", str(revised.snapshot))
    monkeypatch.setenv("SBU_DATA_DIR", str(revised.data))
    at = run_app("indikator", indikator=METRIC, omrade=revised.codes[DISTRICT])
    (table,) = [t.value for t in at.table if "Revidert" in t.value.columns]
    by_period = {str(p): dict(zip(table.columns, row)) for p, row in zip(table["Periode"], table.values.tolist())}
    old, new = revised.before[DISTRICT], revised.after[DISTRICT]
    assert by_period[str(YEAR)]["Verdi (antall)"] == nb(new, 0)
    assert (
        by_period[str(YEAR)]["Revidert"]
        == f"revidert, var {nb(old, 0)} (publisert {_oslo_day(revised.first_published_at)})"
    )
    assert all(not r["Revidert"] for p, r in by_period.items() if p != str(YEAR))


def test_omrader_marks_the_revised_figures_of_the_period_and_no_other(revised: Revised, monkeypatch):
    monkeypatch.setenv("SBU_PUBLISHED_PATH", str(revised.snapshot))
    monkeypatch.setenv("SBU_DATA_DIR", str(revised.data))
    at = run_app("omrader", indikator=METRIC, aar=str(YEAR))
    (table,) = [d.value for d in at.dataframe if "Revidert" in d.value.columns]
    marks = dict(zip(table["Område"], table["Revidert"]))
    day = _oslo_day(revised.first_published_at)
    assert marks == {
        "Bærum kommune": f"revidert, var {nb(sum(revised.before.values()), 0)} (publisert {day})",
        DISTRICT: f"revidert, var {nb(revised.before[DISTRICT], 0)} (publisert {day})",
        "Vestre Bærum": "",
    }
    assert not [
        d for d in run_app("omrader", indikator=METRIC, aar=str(YEAR + 1)).dataframe if "Revidert" in d.value.columns
    ]


def test_the_report_lists_the_revised_figure_and_counts_it_on_the_first_page(revised: Revised):
    from pipelines.report.build import _build_view, _read_snapshot, render_html

    snap = _read_snapshot(revised.snapshot, None)
    view, _, _ = _build_view(snap, [])
    page = re.sub(r'<span class="nw">(.*?)</span>', r"\1", render_html(view))  # figures kept on one line
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("\u00a0", " ")
    old, new = sum(revised.before.values()), sum(revised.after.values())  # the report is the municipality's
    label = sql(revised.snapshot, "SELECT label FROM metric_catalogue WHERE metric_id = ?", [METRIC])[0][0]
    assert f"{YEAR}: {nb(old, 0)} → {nb(new, 0)} (revidert {_oslo_day(revised.revised_at)})" in text
    assert f"1 tall i rapporten er revidert (endret etter at det ble publisert): {label} (1 tall)." in text
