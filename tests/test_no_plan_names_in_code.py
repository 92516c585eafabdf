"""The code serves any plan: no module under pipelines/ (the demo generator included), presentation/,
dashboards/ or sql/ names a plan's municipality, its region codes, or its areas. Those belong in
the plan's folder (catalogue/plans/<plan>/) and reach the code through tables (the demo generator:
through the plan folder and its demo.yaml)."""

from __future__ import annotations

import re

import yaml

from pipelines.readers.regions import fold_name, load_region_codes
from pipelines.settings import REPO_ROOT

PLANS = REPO_ROOT / "catalogue" / "plans"
CODE = ["pipelines", "presentation", "dashboards", "sql"]
SUFFIXES = {".py", ".sql", ".html", ".css"}


def plan_words() -> dict[str, set[str]]:
    """Per plan id: its municipality's names (as written and folded), every region code of its
    series, and its areas' codes and names."""
    regions = load_region_codes(REPO_ROOT / "catalogue" / "region_codes.csv")
    words: dict[str, set[str]] = {}
    for folder in sorted(p for p in PLANS.iterdir() if (p / "plan.yaml").exists()):
        plan = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))
        areas = yaml.safe_load((folder / "areas.yaml").read_text(encoding="utf-8"))["areas"]
        code = str(plan["municipality"]["region_code"])
        entry = regions.lookup(code)
        found = {plan["municipality"]["name"], code}
        if entry is not None:
            found |= {entry.name, fold_name(entry.name)} | {c.code for c in regions.codes_of(entry.series)}
        for area in areas:
            found |= {str(area["code"]), str(area["name"])}
        words[plan["id"]] = found
    return words


def test_the_words_are_found_in_the_plans():
    # The check below is only as good as this list: the shipped plan must give its names and codes.
    words = plan_words()["baerum-sbu-2015-2019"]
    assert {"Bærum kommune", "Bærum", "baerum", "0219", "3024", "3201", "ostre", "Vestre Bærum"} <= words
    second = plan_words()["fjordvik-oppvekst-2022-2027"]
    assert {"Fjordvik kommune", "Fjordvik", "fjordvik", "9901", "Nordre oppvekstområde", "Familieteamet Sør"} <= second


def test_no_module_names_a_plan():
    words = plan_words()
    plan_ids = sorted(words, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(w) for w in sorted(set().union(*words.values()), key=len, reverse=True))
        + r")(?![\w])",
        flags=re.IGNORECASE,
    )
    hits = []
    for top in CODE:
        for path in sorted((REPO_ROOT / top).rglob("*")):
            if path.suffix not in SUFFIXES:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                for plan_id in plan_ids:  # a plan's id (the default selection) is configuration
                    line = line.replace(plan_id, "")
                if match := pattern.search(line):
                    hits.append(f"{path.relative_to(REPO_ROOT)}:{number}: {match.group(0)!r}")
    assert not hits, "plan names or codes in code:\n" + "\n".join(hits)
