"""The status report's opening summary: what the council must know, in a few sentences.

One pure function, :func:`council_summary`, turns the published scorecard's rows of the report
year (and of the year before, when there is one) into Norwegian sentences: which targets are not on
track (by name, with Status against Mål), the largest improvements and setbacks since the 0-punkt,
and what has changed since last year's report (status classes and new figures). Deterministic: the
same rows give the same words, in the plan's order where nothing else decides.

Each row is one metric's headline scorecard row (the municipality, every school level and gender)
joined with its catalogue entry: the ``scorecard`` columns (``status_class``, ``status_value``,
``status_period``, ``status_year``, ``baseline_value``, ``baseline_period``, ``target_kind``,
``target_value``, ``target_year``, ``improvement``, ``improvement_pp``) and ``metric_id``,
``label``, ``unit``, ``direction``, ``sort_order`` of ``metric_catalogue``. Only metrics with a
Mål belong here (``kind = 'target'``); a row whose status class is *ingen mål* is left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.metrics.codes import NO_TARGET, OFF_TRACK
from presentation import formatting as fmt

Row = Mapping[str, Any]

LARGEST = 2  # how many improvements and setbacks are named (more when they tie)
LIST_WITHOUT_NEW_DATA = 4  # name the metrics without new figures when there are at most this many


@dataclass(frozen=True)
class OffTrackItem:
    """A target that is not on track: its name and Status against Mål, as shown."""

    metric_id: str
    label: str
    text: str  # "16,7 % (2023); mål: lavere enn 0-punktet 13,7 % (2014) innen 2019"


@dataclass(frozen=True)
class CouncilSummary:
    """The summary on the report's first page."""

    off_track_lead: str  # the sentence before the list (or that says there is none)
    off_track: list[OffTrackItem]
    sentences: list[str]  # improvements, setbacks, changes since last year's report


def _with_target(rows: Sequence[Row]) -> list[Row]:
    return sorted(
        (r for r in rows if (r.get("status_class") or "") != NO_TARGET and r.get("target_kind") != "none"),
        key=lambda r: (r.get("sort_order") or 0, r["label"]),
    )


def _value(row: Row, prefix: str) -> str:
    """ "16,7 % (2023)" for ``status`` or ``baseline``."""
    return fmt.value_with_period(row.get(f"{prefix}_value"), row["unit"], row.get(f"{prefix}_period"))


def _against_target(row: Row) -> str:
    """Status against Mål in words: a numeric Mål with its year, a directional one with the 0-punkt."""
    status = _value(row, "status")
    year = row.get("target_year")
    by = f" innen {int(year)}" if not fmt.is_missing(year) else ""
    if row.get("target_kind") == "numeric" and not fmt.is_missing(row.get("target_value")):
        return f"{status}; mål: {fmt.value_text(row['target_value'], row['unit'])}{by}"
    word = {"lower": "lavere enn", "higher": "høyere enn"}.get(row["direction"])
    if word is None:
        return f"{status}; mål: {fmt.target_text(row.get('target_kind'), None, year, row['unit'], row['direction'])}"
    return f"{status}; mål: {word} 0-punktet {_value(row, 'baseline')}{by}"


def _improvement(row: Row) -> float | None:
    """Forbedring in the metric's unit, positive = better (percentage points for shares)."""
    x = row.get("improvement_pp") if row["unit"] == "percent" else None
    x = row.get("improvement") if fmt.is_missing(x) else x
    return None if fmt.is_missing(x) else float(x)


def _relative(row: Row) -> float | None:
    """Forbedring relative to the 0-punkt: comparable across units (pp, counts, years)."""
    x = _improvement(row)
    if x is None or row.get("direction") == "context":
        return None
    base = row.get("baseline_value")
    if fmt.is_missing(base) or float(base) == 0:
        return math.copysign(math.inf, x) if x else 0.0
    return x / abs(float(base))


def _largest(rows: list[Row], sign: int, n: int) -> list[Row]:
    """The ``n`` largest improvements (``sign`` 1) or setbacks (-1) relative to the 0-punkt, in the
    plan's order among equals; a metric that ties with the last one named is named too."""
    scored = [(sign * rel, r) for r in rows if (rel := _relative(r)) is not None and sign * rel > 0]
    scored.sort(key=lambda t: -t[0])  # stable: the plan's order among equals
    if len(scored) <= n:
        return [r for _, r in scored]
    cut = scored[n - 1][0]
    return [r for score, r in scored if score >= cut]


def _value_in(row: Row, prefix: str) -> str:
    """ "89 i 2014", "2,0 % i 2014/15"."""
    text = fmt.value_text(row.get(f"{prefix}_value"), row["unit"])
    period = row.get(f"{prefix}_period")
    return f"{text} i {period}" if period not in (None, "") else text


def _change_text(row: Row) -> str:
    """ "Barn ferdig utredet av PPT før skolestart (+113, fra 89 i 2014 til 202 i 2024)"."""
    # Computed from the 0-punkt and Status as the sentence shows them, so the three figures agree.
    forbedring = fmt.improvement_text(
        row.get("baseline_value"), row.get("status_value"), row["unit"], row["direction"], row.get("target_value")
    )
    return f"{row['label']} ({forbedring}, fra {_value_in(row, 'baseline')} til {_value_in(row, 'status')})"


def _off_track(rows: list[Row], year: int) -> tuple[str, list[OffTrackItem]]:
    off = [r for r in rows if r.get("status_class") == OFF_TRACK]
    items = [OffTrackItem(r["metric_id"], r["label"], _against_target(r)) for r in off]
    if not rows:
        return f"Planen har ingen indikatorer med mål i {year}.", items
    if not off:
        return f"Ingen av de {len(rows)} indikatorene med mål er vurdert som ikke på sporet i {year}.", items
    return f"{len(off)} av {len(rows)} indikatorer med mål er ikke på sporet i {year}:", items


def _since_last_year(rows: list[Row], previous: Sequence[Row] | None, year: int) -> list[str]:
    if previous is None:
        return [f"Rapporten for {year} er den første; det er ingen tidligere rapport å sammenligne med."]
    before = {r["metric_id"]: r for r in previous}
    last = f"rapporten for {year - 1}"
    changed, new_metrics, fresh, not_fresh = [], [], [], []
    for r in rows:
        p = before.get(r["metric_id"])
        if p is None:
            new_metrics.append(r)
            continue
        if (p.get("status_class") or "") != (r.get("status_class") or ""):
            changed.append(
                f"{r['label']} (fra {fmt.status_text(p.get('status_class'))} til {fmt.status_text(r.get('status_class'))})"
            )
        newer = not fmt.is_missing(r.get("status_year")) and (
            fmt.is_missing(p.get("status_year")) or r["status_year"] > p["status_year"]
        )
        (fresh if newer else not_fresh).append(r)
    out = []
    if changed:
        out.append(f"Siden {last} har {len(changed)} mål fått ny vurdering: {fmt.join_nb(changed)}.")
    else:
        out.append(f"Ingen mål har fått endret vurdering siden {last}.")
    if new_metrics:
        named = [f"{r['label']} ({fmt.status_text(r.get('status_class'))})" for r in new_metrics]
        out.append(f"Nye indikatorer med mål siden {last}: {fmt.join_nb(named)}.")
    compared = len(fresh) + len(not_fresh)
    if compared:
        text = f"Nye tall siden {last} for {len(fresh)} av {compared} indikatorer med mål"
        if not_fresh and len(not_fresh) <= LIST_WITHOUT_NEW_DATA and fresh:
            text += f"; uten nye tall: {fmt.join_nb([r['label'] for r in not_fresh])}"
        out.append(text + ".")
    return out


def _revised(revised: Sequence[tuple[str, int]]) -> list[str]:
    """ "3 tall i rapporten er revidert (endret etter at de ble publisert): A (2 tall) og B (1 tall)."."""
    if not revised:
        return []
    named = [f"{label} ({n} tall)" for label, n in revised]
    total = sum(n for _, n in revised)
    pronoun = "det" if total == 1 else "de"
    return [f"{total} tall i rapporten er revidert (endret etter at {pronoun} ble publisert): {fmt.join_nb(named)}."]


def council_summary(
    current: Sequence[Row],
    previous: Sequence[Row] | None,
    *,
    year: int,
    largest: int = LARGEST,
    revised: Sequence[tuple[str, int]] = (),
) -> CouncilSummary:
    """The first page's summary for ``year`` from its scorecard rows (``current``) and last year's
    (``previous``; None when the report year is the first). See the module docstring for the rows.
    ``revised``: per metric (label, in the plan's order), how many of the report's figures were
    revised after they were published; named last, when there are any."""
    rows = _with_target(current)
    lead, items = _off_track(rows, year)
    sentences = []
    if better := _largest(rows, 1, largest):
        sentences.append(
            f"Størst forbedring fra 0-punktet (i forhold til 0-punktets nivå): {fmt.join_nb([_change_text(r) for r in better])}."
        )
    if worse := _largest(rows, -1, largest):
        sentences.append(
            f"Størst tilbakegang fra 0-punktet (i forhold til 0-punktets nivå): {fmt.join_nb([_change_text(r) for r in worse])}."
        )
    if rows and not better and not worse:
        sentences.append("Ingen indikator med mål har endret seg fra 0-punktet.")
    sentences += _since_last_year(rows, _with_target(previous) if previous is not None else None, year)
    sentences += _revised(revised)
    return CouncilSummary(off_track_lead=lead, off_track=items, sentences=sentences)
