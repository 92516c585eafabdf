"""SYNTHETIC national Ungdata reference files, shaped as FHI Statistikk's JSON-stat 2.0.

The survey export carries the municipality's schools only; its Hele landet figures come from FHI
Statistikk (``landing/ungdata/fhi_*.json`` → ``raw.ungdata_reference``). For every survey metric of
the metric library with a ``national_reference`` (``catalogue/metrics.yaml``, the one place FHI's
indicator is mapped to the project's Ungdata indicator id), :func:`ungdata_reference_files` makes
one file as FHI publishes one table per indicator: Hele landet (``GEO`` ``0``), both genders
(``KJONN`` ``0``), the count (``TELLER``) and the share in the reference's measure (``MEIS``) for
the three-year period ending in each survey year (``2021_2023``), with FHI's quirks (``role`` null,
``status`` a string, the index as a list).

The national share is the demo indicator's baseline level (the mean of its school-level and gender
cells), its yearly drift, an offset per indicator and a little noise per period, drawn from a random
stream of its own, so the other demo files are the same draws as without these files. The figures are
made up, and the files say so.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipelines.catalogue import NationalReference, load_library

__all__ = ["REFERENCE_STREAM", "NATIONAL_RESPONDENTS", "reference_file_name", "ungdata_reference_files"]

REFERENCE_STREAM = 11  # the national reference's random streams: [seed, 11, indicator] and [seed, 11, indicator, year]
NATIONAL_RESPONDENTS = 120_000  # respondents in Hele landet per three-year period (for TELLER)
PERIOD_YEARS = 3  # FHI's Ungdata periods span three years


def reference_file_name(ungdata_indicator: str) -> str:
    """``fhi_ungdata_<indicator>.json``: matches the Ungdata contract's ``fhi_*.json``."""
    return f"fhi_ungdata_{ungdata_indicator}.json"


def _references(library_path: Path | None) -> list[NationalReference]:
    _, entries = load_library(library_path)
    refs = [
        NationalReference.model_validate(e["national_reference"])
        for e in entries.values()
        if e.get("national_reference")
    ]
    return list({r.ungdata_indicator: r for r in refs}.values())


def _dataset(reference: NationalReference, periods: list[str], values: list[float | None]) -> dict:
    measures = ["TELLER", reference.measure]
    return {
        "class": "dataset",
        "version": "2.0",
        "href": None,
        "label": reference.fhi_indicator,
        "note": ["SYNTETISKE DEMODATA – ikke offisiell statistikk."],
        "updated": "2025-03-12T09:00:00+00:00",
        "source": "Syntetiske demodata i FHI Statistikks format",
        "id": ["GEO", "AAR", "KJONN", "MEASURE_TYPE"],
        "size": [1, len(periods), 1, len(measures)],
        "role": None,
        "dimension": {
            "GEO": {"label": "Geografi", "category": {"index": ["0"], "label": {"0": "Hele landet"}}},
            "AAR": {
                "label": "År",
                "category": {"index": periods, "label": {p: p.replace("_", "-") for p in periods}},
            },
            "KJONN": {"label": "Kjønn", "category": {"index": ["0"], "label": {"0": "kjønn samlet"}}},
            "MEASURE_TYPE": {
                "label": "Måltall",
                "category": {"index": measures, "label": {"TELLER": "antall", reference.measure: "prosent"}},
            },
        },
        "value": values,
        "status": "",
    }


def ungdata_reference_files(
    folder: Path,
    survey_years: Sequence[int],
    baseline_year: int,
    indicators: Sequence[tuple],
    seed: int,
    library_path: Path | None = None,
) -> dict[Path, bytes]:
    """One synthetic FHI file per library survey metric with a ``national_reference`` whose
    Ungdata indicator the demo has (``indicators``: the generator's ``(id, label, {(level, gender):
    share}, drift, asked)``), for the periods ending in ``survey_years``: path in ``folder`` → bytes.
    Each indicator's level and each year's noise have their own random stream, so a later survey
    year adds a period without changing the earlier ones."""
    demo = {ind[0]: ind for ind in indicators}
    files: dict[Path, bytes] = {}
    for index, reference in enumerate(_references(library_path)):
        if reference.ungdata_indicator not in demo:
            continue
        _, _, base, drift, _ = demo[reference.ungdata_indicator]
        # Hele landet beside the municipality
        level = sum(base.values()) / len(base) + np.random.default_rng([seed, REFERENCE_STREAM, index]).normal(0, 3.0)
        periods, values = [], []
        for year in survey_years:
            noise = np.random.default_rng([seed, REFERENCE_STREAM, index, year]).normal(0, 0.4)
            share = min(max(level + drift * (year - baseline_year) + noise, 0.5), 99.5)
            periods.append(f"{year - PERIOD_YEARS + 1}_{year}")
            values += [round(NATIONAL_RESPONDENTS * share / 100), round(share, 1)]
        text = json.dumps(_dataset(reference, periods, values), ensure_ascii=False, indent=1)
        files[Path(folder) / reference_file_name(reference.ungdata_indicator)] = text.encode("utf-8")
    return files
