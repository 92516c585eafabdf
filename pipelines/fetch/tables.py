"""The public tables the plans use (``catalogue/public_tables.yaml``) and which regions to fetch.

:func:`fetch_region_codes` is the one place that says whose series are fetched: today the plan's
municipality; the comparators are added there. :func:`region_values` turns those codes into the
value codes a table takes (``K-<today's code>`` under ``agg_KommSummer``, else every code of the
series, as SSB publishes a year under the code valid that year).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.comparators import comparators
from pipelines.fetch.ssb import MAX_CELLS, Query, Selection, split_queries
from pipelines.plan import Plan, load_plan
from pipelines.readers.regions import RegionCodes, region_codes, split_region_code
from pipelines.readers.ssb import NATIONAL_KEY, kostra_group_series, normalize_municipality
from pipelines.settings import REPO_ROOT

KOSTRA_GROUP_PREFIX = kostra_group_series(0).removesuffix("00")  # "kostragruppe_"
TABLES_PATH = REPO_ROOT / "catalogue" / "public_tables.yaml"
FIRST_YEAR = 2010  # the data contracts accept years from 2010


class RegionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    variable: str
    codelist: str | None = None
    output_values: str | None = Field(default=None, alias="outputValues")
    national: str | None = Field(
        default=None, description="The table's code for Hele landet (SSB: '0'; KOSTRA: 'EAK'); none: not asked for."
    )
    kostra_groups: bool = Field(default=False, description="The table carries the KOSTRA groups (EKG01-EKG16).")


class CsvLayout(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stub: list[str]
    heading: list[str]


class PublicTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: Literal["ssb", "fhi"] = Field(default="ssb", description="SSB's PxWebApi v2 or FHI Statistikk's Open API.")
    fhi_source: str | None = Field(default=None, description="FHI: the statistics bank (sourceId), e.g. 'nokkel'.")
    table: str
    source: str = Field(description="The landing folder and data contract the file goes to.")
    file: str = Field(description="Landing file name without extension; must match the contract's filePattern.")
    title: str
    format: str = Field(pattern="^(json-stat2|csv)$")
    region: RegionSpec
    time: str = "Tid"
    select: dict[str, list[str]]
    csv: CsvLayout | None = None
    publication: str = Field(description="Cron (Europe/Oslo) of the publisher's releases of the table.")

    @model_validator(mode="after")
    def _fhi_needs_a_source(self) -> PublicTable:
        if self.service == "fhi" and (not self.fhi_source or self.format != "json-stat2"):
            raise ValueError(f"table {self.table}: an FHI table needs fhi_source and format json-stat2")
        return self

    @property
    def asset_name(self) -> str:
        return f"fetch_fhi_{self.fhi_source}_{self.table}" if self.service == "fhi" else f"fetch_ssb_{self.table}"

    @property
    def publisher(self) -> str:
        return self.service.upper()

    @property
    def extension(self) -> str:
        return "csv" if self.format == "csv" else "json"

    @property
    def stub_columns(self) -> int:
        return len(self.csv.stub) if self.csv else 0

    def file_name(self, label: str = "") -> str:
        return f"{self.file}_{label}.{self.extension}" if label else f"{self.file}.{self.extension}"

    def queries(
        self, regions: list[str], first_year: int, last_year: int, *, max_cells: int = MAX_CELLS
    ) -> list[Query]:
        """SSB: the queries over the years ``first_year`` up to the latest, split within
        ``max_cells``. FHI: one query for every period (``*``), as FHI's periods are spans
        (``2022_2024``) and it sets no cell limit."""
        selections = [
            Selection(self.region.variable, tuple(regions), self.region.codelist, self.region.output_values),
            *(Selection(variable, tuple(values)) for variable, values in self.select.items()),
        ]
        if self.service == "fhi":
            every_period = Selection(self.time, ("*",), count=last_year - first_year + 1)
            return [Query(self.table, (*selections, every_period), output_format=self.format)]
        options: dict = {"output_format": self.format}
        if self.csv:
            options |= {
                "format_params": ("UseCodesAndTexts", "SeparatorSemicolon"),
                "stub": tuple(self.csv.stub),
                "heading": tuple(self.csv.heading),
            }
        return split_queries(self.table, selections, self.time, first_year, last_year, max_cells=max_cells, **options)


class PublicTables(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tables: list[PublicTable]


def load_tables(path: Path = TABLES_PATH) -> list[PublicTable]:
    return PublicTables.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).tables


def fetch_region_codes(plan: Plan | None = None, regions: RegionCodes | None = None) -> list[str]:
    """The region codes whose series every fetch asks for: the plan municipality's code
    (``plan.yaml``), then each comparator's (:func:`pipelines.comparators.comparators`): ``"0"``
    for Hele landet, ``"EKG<nn>"`` for the KOSTRA group, the ASSS members' and the named peers'
    codes. Each municipality code names its series, so any of its codes will do."""
    if plan is None:
        plan = load_plan()
    codes = [plan.municipality.region_code, *(code for c in comparators(plan, regions) for code in c.codes)]
    return list(dict.fromkeys(codes))


def region_values(table: PublicTable, codes: list[str], regions: RegionCodes | None = None) -> list[str]:
    """The value codes of the table's region variable for ``codes``: a municipality with
    ``agg_KommSummer`` as the ``K-`` code of its series under today's number, else every code of
    its series, oldest first (a code the region-code table does not know is passed on as it is);
    Hele landet (``"0"``/``"EAK"``) as the table's ``national`` code; a KOSTRA group (``EKG<nn>``)
    as it is where the table has ``kostra_groups``. What the table does not carry is left out."""
    regions = regions or region_codes()
    out: list[str] = []
    for code in codes:
        bare, _ = split_region_code(code)
        series = normalize_municipality(bare, regions)
        if series == NATIONAL_KEY:
            values = [table.region.national] if table.region.national else []
        elif series is not None and series.startswith(KOSTRA_GROUP_PREFIX):
            values = [bare.upper()] if table.region.kostra_groups else []
        else:
            series = regions.series_of_code(bare)
            history = [c.code for c in regions.codes_of(series)] if series else [bare]
            if table.region.codelist == "agg_KommSummer":
                values = [bare if not bare.isdigit() or len(bare) != 4 else f"K-{history[-1]}"]
            elif table.service == "fhi":  # FHI publishes a table on today's borders
                values = [history[-1]]
            else:
                values = history
        out += [v for v in values if v not in out]
    return out


def first_year(plan: Plan | None = None) -> int:
    """The first year fetched: the year before the plan's period (its usual 0-punkt year), not
    before the contracts' first year."""
    if plan is None:
        plan = load_plan()
    return max(FIRST_YEAR, plan.plan.period.start - 1)
