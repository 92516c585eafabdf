"""The regions a plan's municipality is compared with, as rows of ``marts.compared_regions``.

Every metric whose source carries other municipalities (the SSB-shaped sources) is computed for the
comparators by its own SQL: the SQL joins its staged table on ``marts.compared_regions`` (``series``
→ ``area_code``) instead of the plan's municipality alone, and sums its additive parts per
``area_code``. The plan's municipality is one row (its series → the plan's root area); each
comparator is an area of level ``sammenligning`` (no parent: it never rolls into the municipality):

* ``sammenligning:norge`` – Hele landet, the source's national row (SSB code ``0``/``EAK``);
* ``sammenligning:kostra_<nn>`` – the municipality's KOSTRA group, the source's group row (``EKG<nn>``);
* ``sammenligning:asss`` – the ASSS network, one row per member (``catalogue/comparators/asss.yaml``):
  the group's value is the sum of the members' numerators over the sum of their denominators;
* ``sammenligning:<code>`` – a named peer, its own series.

``members`` is how many series a comparator sums; the metric SQL keeps a group's cell only when every
member delivered (``HAVING count(DISTINCT municipality) = any_value(members)``), so a group is never
summed over a part of its members.

A survey metric (Ungdata: the municipality's schools only) has no comparator cells of its own; where
the catalogue names FHI's national figure for it (``national_reference``), Hele landet's value comes
from there (:func:`pipelines.metrics.comparison.national_references`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from pipelines.plan import COMPARATOR_LEVEL, Plan
from pipelines.readers.regions import RegionCodes, region_codes
from pipelines.readers.ssb import NATIONAL_KEY, kostra_group_series, normalize_municipality
from pipelines.settings import REPO_ROOT
from pipelines.yaml_file import read_yaml

ASSS_PATH = REPO_ROOT / "catalogue" / "comparators" / "asss.yaml"
COMPARATOR_PREFIX = f"{COMPARATOR_LEVEL}:"
NATIONAL_CODE = "0"  # SSB's code of Hele landet in most tables; KOSTRA tables say "EAK"


def kostra_group_code(group: int) -> str:
    """SSB's code of KOSTRA group ``group`` in the KOSTRA tables (13 -> ``"EKG13"``)."""
    return f"EKG{group:02d}"


class Member(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^\d{4}$")
    name: str


class Network(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    members: list[Member] = Field(min_length=1)


def load_asss(path: Path = ASSS_PATH) -> Network:
    return Network.model_validate(read_yaml(path))


@dataclass(frozen=True)
class Comparator:
    area_code: str
    name: str  # as the pages say it: "Hele landet", "KOSTRA-gruppe 13", "ASSS-kommunene", "Asker"
    kind: str  # norge | kostra_gruppe | asss | kommune
    series: tuple[str, ...]
    # The region codes that name the series in SSB's tables, one per series: "0" for Hele landet
    # (a table's own national code, e.g. KOSTRA's "EAK", is set per table in
    # catalogue/public_tables.yaml), "EKG<nn>" for a KOSTRA group, a municipality's code as configured.
    codes: tuple[str, ...]


def comparators(plan: Plan, regions: RegionCodes | None = None) -> list[Comparator]:
    """The plan's comparators in the order the pages show them."""
    regions = regions or region_codes()
    cfg = plan.comparators
    out: list[Comparator] = []
    if cfg.national:
        out.append(Comparator(f"{COMPARATOR_PREFIX}norge", "Hele landet", "norge", (NATIONAL_KEY,), (NATIONAL_CODE,)))
    if (group := cfg.kostra_group_number) is not None:
        out.append(
            Comparator(
                f"{COMPARATOR_PREFIX}kostra_{group:02d}",
                f"KOSTRA-gruppe {group}",
                "kostra_gruppe",
                (kostra_group_series(group),),
                (kostra_group_code(group),),
            )
        )
    if cfg.asss:
        network = load_asss()
        by_series: dict[str | None, str] = {}
        for m in network.members:  # one code per series, in the network's order
            by_series.setdefault(normalize_municipality(m.code, regions), m.code)
        members = tuple(by_series.items())
        out.append(
            Comparator(
                f"{COMPARATOR_PREFIX}asss",
                network.name,
                "asss",
                tuple(s for s, _ in members),  # type: ignore[misc]
                tuple(c for _, c in members),
            )
        )
    for code in cfg.peers:
        entry = regions.lookup(code)
        if entry is None:
            raise ValueError(f"plan.yaml: comparators.peers: region code {code!r} is not in the region-code table")
        out.append(Comparator(f"{COMPARATOR_PREFIX}{entry.series}", entry.name, "kommune", (entry.series,), (code,)))
    return out


def compared_regions(plan: Plan, regions: RegionCodes | None = None) -> pl.DataFrame:
    """``marts.compared_regions``: one row per (series, area_code): the plan's municipality and every
    member of every comparator, with how many members the area sums."""
    rows = [
        {
            "area_code": plan.root_area.code,
            "area_name": plan.root_area.name,
            "comparator_kind": "kommune_selv",
            "series": plan.municipality_series,
            "members": 1,
            "sort_order": 0,
        }
    ]
    for i, c in enumerate(comparators(plan, regions), start=1):
        rows += [
            {
                "area_code": c.area_code,
                "area_name": c.name,
                "comparator_kind": c.kind,
                "series": s,
                "members": len(c.series),
                "sort_order": i,
            }
            for s in c.series
        ]
    return pl.DataFrame(rows)


def comparator_areas(plan: Plan, regions: RegionCodes | None = None) -> pl.DataFrame:
    """The comparators as rows of ``marts.areas`` (level ``sammenligning``, no parent)."""
    return pl.DataFrame(
        [
            {"area_code": c.area_code, "area_name": c.name, "area_level": COMPARATOR_LEVEL, "parent_code": None}
            for c in comparators(plan, regions)
        ],
        schema={"area_code": pl.Utf8, "area_name": pl.Utf8, "area_level": pl.Utf8, "parent_code": pl.Utf8},
    )
