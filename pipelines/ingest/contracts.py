"""Data contracts (``data_contracts/<source>.yaml``, ODCS v3 shape) and the rules they imply.

A contract lists, per table: the delivered column (``physicalName``) and the DuckDB column
(``name``), its logical type, whether it is required or part of the primary key, its range
(``logicalTypeOptions``), allowed values (``quality: [{type: library, rule: validValues}]``) and
table-level SQL rules (``quality: [{type: sql, query: "SELECT COUNT(*) FROM {object} WHERE …",
mustBe: 0}]``). :func:`rules_for` turns that into a flat list of named :class:`Rule` objects;
the same list drives the per-file validation and the Dagster asset checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from pipelines.nb_format import format_number_nb
from pipelines.settings import get_settings
from pipelines.yaml_file import read_yaml

if TYPE_CHECKING:
    from pipelines.plan import Plan

LogicalType = Literal["string", "integer", "number", "boolean", "date"]
# The DuckDB column type of each logical type (raw tables are created with these).
DUCKDB_TYPE: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
}
Format = Literal["norwegian_csv", "ssb_csv", "ssb_jsonstat", "fhi_jsonstat", "udir_json", "xlsx"]
# The largest file (MB, 2**20 bytes) a table takes when its contract does not say (``maxFileSizeMB``):
# deliveries are aggregated figures, kilobytes to a few megabytes (the largest demo file, SSB's
# reports by reporter for every municipality, is 3.4 MB). A larger file is refused before it is read,
# so that no single file can take the pipeline's memory over 1 GiB (reading costs up to some tens of
# bytes per byte of text; see scripts/file_memory.py).
DEFAULT_MAX_FILE_MB = 10


class CustomProperty(BaseModel):
    model_config = ConfigDict(extra="forbid")
    property: str
    value: Any


class Quality(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["library", "sql"]
    name: str | None = None
    description: str | None = None
    rule: str | None = None
    validValues: list[Any] | None = None
    # Allowed values kept in the plan instead of the contract: "plan_areas" = the names of the plan's
    # areas (catalogue/plans/<plan>/areas.yaml), optionally only those of ``levels``;
    # "plan_service_indicators" = the indicator ids of the plan's services template (plan.yaml);
    # a register (a key of REGISTERS, e.g. "school_register") = the values loaded in that register.
    validValuesFrom: Literal["plan_areas", "plan_service_indicators", "school_register"] | None = None
    levels: list[str] | None = None
    query: str | None = None
    mustBe: int | None = None


# The registers other sources' values must be in: name (= the register's source) -> (raw table, column). A school missing from
# the school register would fall out of every total (its figures have no place in the area hierarchy).
REGISTERS: dict[str, tuple[str, str]] = {"school_register": ("school_register", "school_number")}


class LogicalTypeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None


class Property(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    physicalName: str
    logicalType: LogicalType
    required: bool = False
    primaryKey: bool = False
    primaryKeyPosition: int | None = None
    description: str | None = None
    logicalTypeOptions: LogicalTypeOptions = Field(default_factory=LogicalTypeOptions)
    quality: list[Quality] = Field(default_factory=list)
    customProperties: list[CustomProperty] = Field(default_factory=list)

    @property
    def unit(self) -> str | None:
        return next((c.value for c in self.customProperties if c.property == "unit"), None)

    @property
    def period(self) -> str | None:
        """The kind of period the column names (``year``: a calendar year, ``school_year``:
        "2016/17", starting in August), when it is the delivery's period."""
        return next((c.value for c in self.customProperties if c.property == "period"), None)

    @property
    def register(self) -> str | None:
        """The register (a key of ``REGISTERS``) this column's values must be in, if any."""
        return next(
            (q.validValuesFrom for q in self.quality if q.type == "library" and q.validValuesFrom in REGISTERS), None
        )

    def valid_values(self, plan: Plan | None = None) -> list[Any] | None:
        """The allowed values, from the contract or, for ``validValuesFrom``, from ``plan`` (None:
        the selected plan, read when the rules are made, so they follow ``SBU_PLAN``)."""
        for q in self.quality:
            if q.type == "library" and q.rule == "validValues" and q.validValuesFrom not in REGISTERS:
                if q.validValuesFrom is not None:
                    if plan is None:
                        from pipelines.plan import load_plan

                        plan = load_plan()
                    if q.validValuesFrom == "plan_service_indicators":
                        return list(plan.service_indicators)
                    return [a.name for a in plan.areas if q.levels is None or a.level in q.levels]
                return q.validValues
        return None


class TableSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    physicalName: str
    description: str | None = None
    properties: list[Property]
    quality: list[Quality] = Field(default_factory=list)
    customProperties: list[CustomProperty] = Field(default_factory=list)

    def _custom(self, key: str, default: Any = None) -> Any:
        return next((c.value for c in self.customProperties if c.property == key), default)

    @property
    def file_pattern(self) -> str:
        return self._custom("filePattern", "*")

    @property
    def format(self) -> Format:
        return self._custom("format")

    @property
    def slice_by(self) -> list[str]:
        """The columns that name the slice a file replaces: its period and its unit (school number,
        district, region code), so that a file replaces only the years *and* units it carries. An
        empty list: every file is the whole table (a register)."""
        return list(self._custom("sliceBy", []))

    def slice_key_sql(self, alias: str) -> list[str]:
        """One SQL expression per ``sliceBy`` column on the rows of ``alias``. A region code counts
        as its municipality series where the reader knows it (``municipality``), so a back-cast export
        under today's code replaces the same municipality's rows under its old code."""
        names = {p.name for p in self.properties}
        return [
            f'coalesce({alias}."municipality", {alias}."region_code")'
            if c == "region_code" and "municipality" in names
            else f'{alias}."{c}"'
            for c in self.slice_by
        ]

    def slice_key_exprs(self) -> list[pl.Expr]:
        """:meth:`slice_key_sql` as Polars expressions (on a frame of the table's columns), each named
        by its ``sliceBy`` column."""
        names = {p.name for p in self.properties}
        return [
            pl.coalesce("municipality", "region_code").alias(c)
            if c == "region_code" and "municipality" in names
            else pl.col(c)
            for c in self.slice_by
        ]

    @property
    def max_file_bytes(self) -> int:
        """The largest file this table takes, in bytes: ``maxFileSizeMB`` (MB of 2**20 bytes), else
        ``DEFAULT_MAX_FILE_MB``. A larger file is refused before it is read (``file_too_large``)."""
        return int(float(self._custom("maxFileSizeMB", DEFAULT_MAX_FILE_MB)) * 2**20)

    @property
    def year_from_file_name(self) -> str | None:
        return self._custom("yearFromFileName")

    @property
    def primary_key(self) -> list[str]:
        keyed = [p for p in self.properties if p.primaryKey]
        return [p.name for p in sorted(keyed, key=lambda p: p.primaryKeyPosition or 0)]


class Description(BaseModel):
    model_config = ConfigDict(extra="allow")
    purpose: str | None = None
    usage: str | None = None
    limitations: str | None = None


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid")
    apiVersion: str
    kind: Literal["DataContract"]
    id: str
    name: str
    version: str
    status: str
    domain: str | None = None
    description: Description | None = None
    schema_: list[TableSchema] = Field(alias="schema", min_length=1)

    @property
    def tables(self) -> list[TableSchema]:
        return self.schema_


@dataclass(frozen=True)
class Rule:
    """One named contract rule. ``kind`` is the machine-readable rule code."""

    table: str
    name: str  # unique within the source, used as the Dagster check name
    # missing_column | bad_type | required | minimum | maximum | pattern | valid_values | duplicate_key | sql
    # | after_as_of | in_register
    kind: str
    column: str | None
    description_nb: str
    params: tuple = ()


def format_bound(value: float) -> str:
    """A range bound as people write it: 2035, 0,5, 10 000 000 (grouped from five digits on)."""
    if abs(value) >= 10_000:
        return format_number_nb(value, 0 if float(value).is_integer() else 1)
    return f"{value:g}".replace(".", ",")


def load_contract(source: str, contracts_dir: Path | None = None) -> Contract:
    path = Path(contracts_dir or get_settings().contracts_dir) / f"{source}.yaml"
    return Contract.model_validate(read_yaml(path))


@cache
def contract_sources(contracts_dir: Path | None = None) -> tuple[str, ...]:
    folder = Path(contracts_dir or get_settings().contracts_dir)
    return tuple(sorted(p.stem for p in folder.glob("*.yaml")))


# The month a period starts in, by the kind of period (a school year starts in August).
PERIOD_START_MONTH = {"year": 1, "school_year": 8}


def rules_for(
    table: TableSchema,
    plan: Plan | None = None,
    as_of: dt.date | None = None,
    registers: Mapping[str, Sequence[str]] | None = None,
) -> list[Rule]:
    """Every rule the table's contract implies, in a stable order; allowed values that come from a
    plan (``validValuesFrom``) come from ``plan`` (None: the selected plan), those of a register from
    ``registers`` (register name -> its values; a register not given or empty is not checked). With ``as_of`` (the
    run's status day), a period column (``period``) must not name a period that starts after it:
    figures for a year that has not begun are a typo or a test file, never data."""
    t = table.name
    rules: list[Rule] = [
        Rule(t, f"{t}__columns_present", "missing_column", None, "Alle kolonnene i kontrakten finnes i filen"),
    ]
    for p in table.properties:
        if p.logicalType != "string":
            rules.append(
                Rule(
                    t,
                    f"{t}__{p.name}__type",
                    "bad_type",
                    p.name,
                    f"«{p.physicalName}» er et gyldig {_TYPE_NB[p.logicalType]}",
                )
            )
        if p.required:
            rules.append(
                Rule(t, f"{t}__{p.name}__required", "required", p.name, f"«{p.physicalName}» er fylt ut på alle rader")
            )
        opts = p.logicalTypeOptions
        if opts.minimum is not None:
            rules.append(
                Rule(
                    t,
                    f"{t}__{p.name}__minimum",
                    "minimum",
                    p.name,
                    f"«{p.physicalName}» er minst {format_bound(opts.minimum)}",
                    (opts.minimum,),
                )
            )
        if opts.maximum is not None:
            rules.append(
                Rule(
                    t,
                    f"{t}__{p.name}__maximum",
                    "maximum",
                    p.name,
                    f"«{p.physicalName}» er høyst {format_bound(opts.maximum)}",
                    (opts.maximum,),
                )
            )
        if opts.pattern:
            rules.append(
                Rule(
                    t,
                    f"{t}__{p.name}__pattern",
                    "pattern",
                    p.name,
                    f"«{p.physicalName}» har formatet {opts.pattern}",
                    (opts.pattern,),
                )
            )
        if as_of is not None and p.period is not None:
            rules.append(
                Rule(
                    t,
                    f"{t}__{p.name}__after_as_of",
                    "after_as_of",
                    p.name,
                    f"«{p.physicalName}» er ikke etter statusdagen",
                    (as_of.isoformat(), PERIOD_START_MONTH[p.period]),
                )
            )
        if (valid := p.valid_values(plan)) is not None:
            rules.append(
                Rule(
                    t,
                    f"{t}__{p.name}__valid_values",
                    "valid_values",
                    p.name,
                    f"«{p.physicalName}» har en kjent kode",
                    tuple(valid),
                )
            )
        if p.register and registers and registers.get(p.register):
            rules.append(
                Rule(
                    t,
                    f"{t}__{p.name}__in_register",
                    "in_register",
                    p.name,
                    f"«{p.physicalName}» finnes i {REGISTER_NB[p.register]}",
                    (p.register, *registers[p.register]),
                )
            )
    if table.primary_key:
        rules.append(
            Rule(
                t,
                f"{t}__primary_key_unique",
                "duplicate_key",
                None,
                "Ingen rader har samme nøkkel (" + ", ".join(table.primary_key) + ")",
                tuple(table.primary_key),
            )
        )
    for i, q in enumerate(table.quality):
        if q.type == "sql":
            name = q.name or f"sql_{i + 1}"
            rules.append(Rule(t, f"{t}__{name}", "sql", None, q.description or name, (q.query, q.mustBe or 0)))
    return rules


REGISTER_NB = {"school_register": "skoleregisteret"}
_TYPE_NB = {"integer": "heltall", "number": "tall", "boolean": "ja/nei-verdi", "date": "dato", "string": "tekst"}
