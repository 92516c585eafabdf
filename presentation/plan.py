"""The plan as the pages and the report name it: read from the snapshot's ``plan`` table (which the
pipeline loads from ``catalogue/plans/<plan>/plan.yaml``), never written into a page."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from presentation.formatting import format_long_date_nb
from presentation.vocabulary import level_label


@dataclass(frozen=True)
class PlanHeader:
    plan_name: str
    period_start: int
    period_end: int
    municipality_name: str  # "Tromsø kommune"
    municipality_short_name: str  # "Tromsø", as in the region-code table
    root_area_code: str  # the municipality's area code in the area hierarchy
    adopted: dt.date | None = None
    decided_by: str | None = None
    level_names: dict[str, str] = field(default_factory=dict)  # what the plan calls a level: {bydel: oppvekstområde}
    report_title: str = "Årlig statusrapport {year}"  # {year}: the report year
    report_introduction: str | None = None
    report_reading_guide: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PlanHeader:
        return cls(
            plan_name=row["plan_name"],
            period_start=int(row["period_start"]),
            period_end=int(row["period_end"]),
            municipality_name=row["municipality_name"],
            municipality_short_name=row.get("municipality_short_name") or row["municipality_name"],
            root_area_code=row["root_area_code"],
            adopted=row.get("adopted"),
            decided_by=row.get("decided_by"),
            level_names=json.loads(row.get("level_names") or "{}"),
            report_title=row.get("report_title") or cls.report_title,
            report_introduction=row.get("report_introduction"),
            report_reading_guide=row.get("report_reading_guide"),
        )

    @property
    def period(self) -> str:
        return f"{self.period_start}–{self.period_end}"

    @property
    def title(self) -> str:
        """ "Sammen for barn og unge 2015–2019"."""
        return f"{self.plan_name} {self.period}"

    def level_label(self, level: str) -> str:
        """What the plan calls an area level ("oppvekstområde"), else the usual word ("bydel")."""
        return level_label(level, self.level_names)

    def report_title_for(self, year: int) -> str:
        """ "Årlig statusrapport 2019": the plan's report title for a report year."""
        return self.report_title.replace("{year}", str(year))

    @property
    def plan_text(self) -> str:
        """ "Plan for Tromsø kommune 2015–2019, vedtatt 29. april 2015"."""
        text = f"Plan for {self.municipality_name} {self.period}"
        return text + (f", vedtatt {format_long_date_nb(self.adopted)}" if self.adopted else "")

    @property
    def demo_banner(self) -> str:
        """ "Syntetiske demodata – ikke Tromsøs tall"."""
        name = self.municipality_short_name
        genitive = name if name[-1:].lower() in ("s", "x", "z") else f"{name}s"
        return f"Syntetiske demodata – ikke {genitive} tall"
