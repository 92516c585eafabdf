"""Display vocabulary: how codes are shown (no formatting logic, no imports beyond the codes).

Codes come from the pipeline (``pipelines.metrics.codes`` for status classes, the catalogue for
units, directions, sources, levels); this module only says how each is shown to people.
"""

from __future__ import annotations

from collections.abc import Mapping

from pipelines.metrics import codes
from pipelines.metrics.codes import NO_DATA, NO_TARGET, OFF_TRACK, ON_TRACK, STATUS_CLASSES, UNCERTAIN
from pipelines.plan import LEVEL_RANK

# Status classes in the order summaries list them.
STATUS_ORDER: tuple[str, ...] = STATUS_CLASSES
# The words shown for a class (the codes are the plan's own words).
STATUS_LABEL = {c: c for c in STATUS_CLASSES}
# An icon *and* the text, never colour alone. The symbols are plain Unicode that the
# DejaVu/Liberation fonts carry (no emoji font needed on the server or in the browser).
STATUS_ICON = {
    ON_TRACK: "✔",
    OFF_TRACK: "✖",
    UNCERTAIN: "≈",
    NO_DATA: "○",
    NO_TARGET: "–",
}
STATUS_HELP = {
    ON_TRACK: "Status er minst like god som den rette linjen fra 0-punkt til Mål tilsier.",
    OFF_TRACK: "Status er dårligere enn forventet, og forskjellen er større enn den statistiske usikkerheten.",
    UNCERTAIN: "Forskjellen ligger innenfor den statistiske usikkerheten (95 %-intervall / p ≥ 0,05).",
    NO_DATA: "Det mangler status eller 0-punkt for perioden kilden skulle ha levert.",
    NO_TARGET: "Indikatoren følges som kontekst uten mål.",
}
# The CSS class of a status badge (dashboard table and report share the names).
STATUS_CSS = {ON_TRACK: "on", OFF_TRACK: "off", UNCERTAIN: "unsure", NO_DATA: "nodata", NO_TARGET: "none"}

SCHOOL_LEVEL_LABEL = {"alle": "Alle trinn", "uks": "Ungdomsskole (8.–10.)", "vgs": "Videregående (1.–3.)"}
GENDER_LABEL = {"alle": "Begge kjønn", "jenter": "Jenter", "gutter": "Gutter"}
# Survey groups in the order they are listed.
SCHOOL_LEVEL_ORDER = {"alle": 0, "uks": 1, "vgs": 2}
GENDER_ORDER = {"alle": 0, "jenter": 1, "gutter": 2}
LEVEL_LABEL = {"kommune": "kommune", "bydel": "bydel", "skole": "skole", "team": "team"}


def level_label(level: str, names: Mapping[str, str] | None = None) -> str:
    """An area level as shown: the plan's own word for it (``names``, e.g. {"bydel": "oppvekstområde"}),
    else the usual one."""
    return (names or {}).get(level) or LEVEL_LABEL.get(level, level)


def level_rank(level: str | None) -> int:
    """Where an area level is listed: kommune, bydel, then skole and team (the catalogue's
    ``LEVEL_RANK``); an unknown level last."""
    return LEVEL_RANK.get(level, max(LEVEL_RANK.values()) + 1)


UNIT_LABEL = {"percent": "prosent", "count": "antall", "years": "år", "per_1000": "per 1 000", "nok": "kroner"}
# A unit in a column heading ("Verdi (%)"), and what a metric's Teller and Nevner count: an average
# age sums years over persons, a cost kroner; a share, a count and a rate count persons or cases.
UNIT_SHORT = {"percent": "%", "count": "antall", "years": "år", "per_1000": "per 1 000", "nok": "kr"}
NUMERATOR_UNIT = {"years": "år", "nok": "kroner"}  # else "antall"
DENOMINATOR_UNIT: dict[str, str] = {}  # "antall" for every unit the library has
DIRECTION_LABEL = {
    "lower": "lavere er bedre",
    "higher": "høyere er bedre",
    "towards_target": "nærmere målverdien er bedre",
    "context": "kontekst (ingen retning)",
}
# A directional Mål ("lavere/høyere enn 0-punkt"); callers word the other directions themselves.
TARGET_DIRECTION_LABEL = {"lower": "lavere enn 0-punkt", "higher": "høyere enn 0-punkt"}
SOURCE_LABEL = {
    "ungdata": "Ungdata (ungdomsundersøkelsen)",
    "absence": "Fravær (skoleadministrativt system)",
    "ppt": "PP-tjenesten",
    "child_welfare": "Barnevern (SSB/KOSTRA)",
    "services": "Tjenestenes egne årstall",
    "population": "Befolkning (SSB)",
    "ssb_outcomes": "SSB/NAV",
    "school_register": "Skoleregister",
}
# meta.file_loads.status as shown.
LOAD_STATUS_LABEL = {"loaded": "lastet", "replaced": "erstattet", "quarantined": "karantene"}
# An asset check's result as shown (icon and text).
CHECK_RESULT_LABEL = {True: "✔ bestått", False: "✖ feilet"}

MONTHS_NB = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)

NOT_AVAILABLE = "ikke tilgjengelig for {level}"
MISSING = "mangler data"


# -- the municipality beside its comparators (pipelines/metrics/comparison.py) ----------------------
# Plain Unicode the DejaVu/Liberation fonts carry, as the status icons (no emoji font needed).
COMPARISON_ICON = {
    codes.BETTER: "⊕",
    codes.SIMILAR: "≈",
    codes.WORSE: "⊖",
    codes.HIGHER: "↑",
    codes.LOWER: "↓",
}
COMPARISON_HELP = (
    "Sammenligningen følger metoden i Fingertips (Englands folkehelseprofiler): sammenligningens verdi "
    "holdes mot kommunens 95 %-intervall. Ligger den utenfor, er kommunen sikkert bedre eller dårligere "
    "(høyere eller lavere der indikatoren ikke har en retning); ligger den innenfor, er kommunen «som» "
    "sammenligningen. Indikatorer uten usikkerhet (år, per 1 000) og antall sammenlignes ikke."
)
TREND_ICON = {
    codes.TREND_UP_BETTER: "↗",
    codes.TREND_DOWN_BETTER: "↘",
    codes.TREND_UP_WORSE: "↗",
    codes.TREND_DOWN_WORSE: "↘",
    codes.TREND_UP: "↗",
    codes.TREND_DOWN: "↘",
    codes.TREND_NONE: "→",
    codes.TREND_CANNOT: "",
}
TREND_HELP = (
    "Utvikling som i Fingertips: en vektet lineær trend over de fem siste sammenhengende periodene "
    "(vekt = 1 / varians), som må være signifikant på 99,8 %-nivå og holde seg det når ett av punktene "
    "tas ut. Ellers «ingen sikker endring». Færre enn fem perioder, eller en indikator uten "
    "usikkerhet: «kan ikke beregnes»."
)


def comparison_text(comparison: str | None, comparator: str, *, icon: bool = True) -> str:
    """The class as a phrase: "⊕ bedre enn Hele landet", "≈ som Hele landet", "ikke sammenlignet
    (mangler usikkerhet)" (``icon=False`` for print, whose fonts may lack the symbols)."""
    mark = f"{COMPARISON_ICON[comparison]} " if icon and comparison in COMPARISON_ICON else ""
    if comparison in (codes.BETTER, codes.WORSE, codes.HIGHER, codes.LOWER):
        return f"{mark}{comparison} enn {comparator}"
    if comparison == codes.SIMILAR:
        return f"{mark}som {comparator}"
    reason = {
        codes.NOT_COMPARED_NO_INTERVAL: "mangler usikkerhet",
        codes.NOT_COMPARED_COUNT: "antall, ikke andel",
        codes.NOT_COMPARED_NO_VALUE: "mangler tall",
    }.get(comparison or "", "mangler tall")
    return f"ikke sammenlignet ({reason})"


def comparison_short(comparison: str | None) -> str:
    """The class in a table cell whose column names the comparator: "⊕ bedre", "≈ som", "ikke sammenlignet"."""
    if comparison in COMPARISON_ICON:
        return f"{COMPARISON_ICON[comparison]} {comparison}"
    return "ikke sammenlignet"


def trend_text(trend: str | None) -> str:
    """The trend marker with its arrow: "↗ økende og bedre", "→ ingen sikker endring"."""
    if not trend:
        return codes.TREND_CANNOT
    icon = TREND_ICON.get(trend, "")
    return f"{icon} {trend}".strip()
