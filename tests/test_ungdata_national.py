"""Survey metrics beside Hele landet: the demo's synthetic FHI Statistikk files (the national Ungdata
reference) load into ``staging.stg_ungdata_reference``, and an Ungdata metric gets a "Hele landet"
row in the published ``comparisons`` whose value is FHI's national share and whose class holds it
against Bærum's 95 % Wilson interval, read with the metric's direction.

Expected figures are worked out here from the landing files with the standard library (csv, json,
decimal), not with the project's readers, SQL or statistics."""

from __future__ import annotations

import csv
import io
import json
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import yaml

from tests.helpers import nb, run_app, sql

REPO = Path(__file__).resolve().parent.parent
Z_975 = 1.959963984540054  # the 97.5 % normal quantile: a 95 % interval


def _library_references() -> dict[str, dict]:
    """metric id -> its national_reference, straight from the library YAML."""
    doc = yaml.safe_load((REPO / "catalogue" / "metrics.yaml").read_text(encoding="utf-8"))
    return {m["id"]: m["national_reference"] for m in doc["metrics"] if m.get("national_reference")}


def _fhi_national_share(landing: Path, fhi_indicator: str, year: int) -> tuple[str, float]:
    """The FHI file of ``fhi_indicator`` (by its label) and its Hele landet MEIS share of the
    period containing ``year``, read from the JSON-stat by hand (row-major over GEO, AAR, KJONN,
    MEASURE_TYPE)."""
    for path in sorted((landing / "ungdata").glob("fhi_*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["label"] != fhi_indicator:
            continue
        assert doc["id"] == ["GEO", "AAR", "KJONN", "MEASURE_TYPE"]
        assert doc["size"][0] == 1 and doc["size"][2] == 1  # Hele landet, kjønn samlet
        periods = doc["dimension"]["AAR"]["category"]["index"]
        measures = doc["dimension"]["MEASURE_TYPE"]["category"]["index"]
        (period,) = [p for p in periods if int(p[:4]) <= year <= int(p[5:])]
        return period, doc["value"][periods.index(period) * len(measures) + measures.index("MEIS")]
    raise AssertionError(f"no FHI file labelled {fhi_indicator!r}")


def _municipality_share(landing: Path, indicator: str, year: int) -> tuple[int, int]:
    """Bærum's yes-answers and respondents over every school, level and gender: each row's count
    recovered as share × respondents / 100, rounded half up (the export gives the share)."""
    text = (landing / "ungdata" / f"ungdata_{year}.csv").read_bytes().decode("utf-8-sig")
    k = n = 0
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        if row["Indikator-id"] != indicator:
            continue
        respondents = int(row["Antall svar"])
        share = Decimal(row["Andel (%)"].replace(",", "."))
        k += int((share * respondents / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        n += respondents
    return k, n


def _wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z_975**2 / (2 * n)) / (1 + Z_975**2 / n)
    half = Z_975 * math.sqrt(p * (1 - p) / n + Z_975**2 / (4 * n**2)) / (1 + Z_975**2 / n)
    return 100 * (centre - half), 100 * (centre + half)


def test_the_demo_writes_a_synthetic_fhi_file_per_survey_metric_and_it_loads(pipeline_result, demo_data_dir):
    landing = demo_data_dir / "landing"
    references = _library_references()
    assert references, "the library maps no FHI indicator"
    files = sorted((landing / "ungdata").glob("fhi_*.json"))
    labels = {json.loads(p.read_text(encoding="utf-8"))["label"] for p in files}
    assert labels == {r["fhi_indicator"] for r in references.values()}
    for path in files:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["role"] is None and doc["status"] == ""  # FHI's quirks
        assert any("SYNTETISKE" in note for note in doc["note"])
        # one three-year period ending in each survey year of the export files
        survey_years = sorted(int(p.stem.split("_")[1]) for p in (landing / "ungdata").glob("ungdata_*.csv"))
        assert doc["dimension"]["AAR"]["category"]["index"] == [f"{y - 2}_{y}" for y in survey_years]
    warehouse = demo_data_dir / "warehouse" / "sbu.duckdb"
    loaded = sql(
        warehouse,
        "SELECT indicator, municipality, gender, measure, count(*) FROM staging.stg_ungdata_reference "
        "GROUP BY ALL ORDER BY ALL",
    )
    periods = len(survey_years)
    assert loaded == sorted(
        (r["fhi_indicator"], "norge", "0", measure, periods)
        for r in references.values()
        for measure in ("MEIS", "TELLER")
    )


def test_an_ungdata_metric_is_compared_with_hele_landet_from_the_fhi_reference(published_snapshot, landing_dir):
    metric, year = "depressive_mood", 2023
    reference = _library_references()[metric]
    period, national = _fhi_national_share(landing_dir, reference["fhi_indicator"], year)
    assert period == "2021_2023"
    k, n = _municipality_share(landing_dir, reference["ungdata_indicator"], year)
    low, high = _wilson(k, n)
    # lower is better: Hele landet above Bærum's interval -> bedre, below it -> dårligere, inside -> som
    expected = "bedre" if national > high else "dårligere" if national < low else "som"
    rows = sql(
        published_snapshot,
        "SELECT comparator_name, comparator_kind, value, ci_low, ci_high, comparator_value, comparator_ci_low, "
        "comparison FROM comparisons WHERE metric_id = ? AND year = ?",
        [metric, year],
    )
    assert rows == [
        (
            "Hele landet",
            "norge",
            pytest.approx(100 * k / n, abs=1e-9),
            pytest.approx(low, abs=1e-9),
            pytest.approx(high, abs=1e-9),
            pytest.approx(national, abs=1e-9),
            None,
            expected,
        )
    ]
    # every survey year of every mapped metric has its Hele landet row
    mapped = sorted(_library_references())
    got = sql(
        published_snapshot,
        "SELECT DISTINCT metric_id FROM comparisons WHERE comparator_kind = 'norge' AND metric_id IN "
        f"({', '.join('?' * len(mapped))}) ORDER BY 1",
        mapped,
    )
    catalogue_ids = {r[0] for r in sql(published_snapshot, "SELECT metric_id FROM metric_catalogue")}
    assert [g[0] for g in got] == [m for m in mapped if m in catalogue_ids]


def test_each_mapped_metric_reads_the_ungdata_indicator_its_fhi_reference_stands_for():
    """The library's national_reference says which Ungdata indicator FHI's figure is for: the
    metric's own SQL must select that indicator, or Hele landet would be another question's."""
    for metric_id, reference in _library_references().items():
        text = (REPO / "sql" / "metrics" / f"{metric_id}.sql").read_text(encoding="utf-8")
        assert "FROM staging.stg_ungdata" in text, metric_id
        assert f"indicator_id = '{reference['ungdata_indicator']}'" in text, metric_id


def test_the_pages_show_baerum_beside_hele_landet_for_a_survey_metric(published_snapshot, monkeypatch, tmp_path):
    """Indikator and Oversikt read the comparisons table generically: the survey metric's Hele landet
    row appears with its class, and no KOSTRA group, ASSS or peer value (the survey has none)."""
    monkeypatch.setenv("SBU_PUBLISHED_PATH", str(published_snapshot))
    monkeypatch.setenv("SBU_DATA_DIR", str(tmp_path))
    ((national, comparison, label),) = sql(
        published_snapshot,
        "SELECT c.comparator_value, c.comparison, m.label FROM comparisons c JOIN metric_catalogue m USING (metric_id) "
        "WHERE c.metric_id = 'depressive_mood' AND c.comparator_kind = 'norge' "
        "AND c.year = (SELECT max(year) FROM comparisons WHERE metric_id = 'depressive_mood')",
    )
    phrase = "som Hele landet" if comparison == "som" else f"{comparison} enn Hele landet"
    at = run_app("indikator", indikator="depressive_mood")
    table = next(d.value for d in at.dataframe if "Vurdering" in d.value.columns)
    assert list(table["Sammenligning"]) == ["Hele landet"]
    (value_column,) = [c for c in table.columns if c.startswith("Sammenligningens verdi")]
    assert table[value_column].item() in (nb(national, 1), f"{nb(national, 1)} %")  # the unit in cell or heading
    assert table["Vurdering"].item().endswith(phrase)
    overview = next(d.value for d in run_app().dataframe if "Hele landet" in d.value.columns)
    row = overview[overview["Indikator"] == label].iloc[0]
    assert row["Hele landet"].startswith(f"{nb(national, 1)} %") and row["Hele landet"].endswith(comparison)
    assert row[["KOSTRA-gruppe 13", "ASSS-kommunene", "Asker"]].isna().all()
