"""A plan is a folder of configuration, and `python -m pipelines.plan FOLDER` tells its author what
is wrong with it: the file, the field and the rule, for each problem."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipelines.plan import check_plan_folder, load_plan
from pipelines.settings import REPO_ROOT

SHIPPED = REPO_ROOT / "catalogue" / "plans" / "baerum-sbu-2015-2019"


def broken_copy(tmp_path: Path, edit) -> Path:
    """A copy of the shipped plan with one file edited by ``edit(name, document, folder) -> document``."""
    folder = tmp_path / "plan"
    shutil.copytree(SHIPPED, folder)
    for name in ("plan.yaml", "areas.yaml", "metrics.yaml", "targets.yaml"):
        doc = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
        new = edit(name, doc, folder)
        if new is not None:
            (folder / name).write_text(yaml.safe_dump(new, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def test_the_shipped_plan_is_valid_and_selected_by_default():
    assert check_plan_folder(SHIPPED) == []
    plan = load_plan()
    assert (plan.id, plan.municipality.name, plan.root_area.code) == ("baerum-sbu-2015-2019", "Bærum kommune", "baerum")
    assert (plan.plan.period.start, plan.plan.period.end) == (2015, 2019)
    # The region code leads to the series the staged SSB tables carry (0219 -> 3024 -> 3201).
    assert plan.municipality_series == "baerum"


def _area_with_unknown_parent(name, doc, folder):
    if name == "areas.yaml":
        doc["areas"].append({"code": "sentrum", "name": "Sentrum", "level": "bydel", "parent": "midt"})
        return doc


def _target_for_unknown_metric(name, doc, folder):
    if name == "targets.yaml":
        doc["targets"].append({**doc["targets"][0], "metric_id": "happiness_index"})
        return doc


def _numeric_target_without_year(name, doc, folder):
    if name == "targets.yaml":
        version = doc["targets"][0]["versions"][0]
        version.update(kind="numeric", value=10.0, target_year=None)
        return doc


def _region_code_not_in_table(name, doc, folder):
    if name == "plan.yaml":
        doc["municipality"]["region_code"] = "9999"
        return doc


def _plan_without_a_period(name, doc, folder):
    if name == "plan.yaml":
        del doc["plan"]["period"]
        return doc


def _metric_not_in_the_library(name, doc, folder):
    if name == "metrics.yaml":
        doc["metrics"].append({**doc["metrics"][0], "id": "happiness_index"})
        return doc


def _metric_under_an_unknown_satsingsomrade(name, doc, folder):
    if name == "metrics.yaml":
        doc["metrics"][2]["satsingsomrade"] = "lykke"
        return doc


def _own_metric_without_a_unit(name, doc, folder):
    """A metric of the plan's own (SQL in the folder) that leaves out a field the library would give."""
    if name == "metrics.yaml":
        (folder / "sql").mkdir(exist_ok=True)
        (folder / "sql" / "home_visits.sql").write_text("SELECT 1", encoding="utf-8")
        own = {**doc["metrics"][0], "id": "home_visits", "label": "Hjemmebesøk", "definition": "Andel nyfødte"}
        own.update(numerator="Besøk", denominator="Nyfødte", direction="higher", source="services")
        own.update(period_type="kalenderår", cadence_years=1, lowest_level="bydel")
        doc["metrics"].append(own)
        return doc


def _peer_not_in_table(name, doc, folder):
    if name == "plan.yaml":
        doc["comparators"]["peers"] = ["9998"]
        return doc


def _own_municipality_as_peer(name, doc, folder):
    if name == "plan.yaml":
        doc["comparators"]["peers"] = ["0219"]  # Bærum's old code: the plan's own series
        return doc


def _kostra_group_not_a_number(name, doc, folder):
    if name == "plan.yaml":
        doc["comparators"]["kostra_group"] = "storby"
        return doc


def _unknown_comparator_key(name, doc, folder):
    if name == "plan.yaml":
        doc["comparators"]["nabokommuner"] = ["3203"]
        return doc


BROKEN = {
    "peer_not_in_table": (_peer_not_in_table, ["plan.yaml: comparators.peers[0]", "'9998'", "region-code table"]),
    "own_municipality_as_peer": (_own_municipality_as_peer, ["comparators.peers[0]", "the plan's own municipality"]),
    "kostra_group_not_a_number": (
        _kostra_group_not_a_number,
        ["plan.yaml: comparators.kostra_group", "should match pattern"],
    ),
    "unknown_comparator_key": (
        _unknown_comparator_key,
        ["plan.yaml: comparators.nabokommuner", "Extra inputs are not permitted"],
    ),
    "area_with_unknown_parent": (_area_with_unknown_parent, ["areas.yaml", "parent codes that are no area: midt"]),
    "target_for_unknown_metric": (_target_for_unknown_metric, ["targets.yaml", "unknown metrics", "happiness_index"]),
    "numeric_target_without_year": (
        _numeric_target_without_year,
        ["targets.yaml", "targets[0] (ppt_first_age)", "a numeric target needs value and target_year"],
    ),
    "region_code_not_in_table": (_region_code_not_in_table, ["plan.yaml", "'9999'", "region-code table"]),
    "plan_without_a_period": (_plan_without_a_period, ["plan.yaml: plan.period: Field required"]),
    "metric_not_in_the_library": (
        _metric_not_in_the_library,
        ["metrics.yaml", "metrics[26] (happiness_index)", "no metric 'happiness_index' in the library"],
    ),
    "metric_under_an_unknown_satsingsomrade": (
        _metric_under_an_unknown_satsingsomrade,
        ["metrics.yaml", "spec_ed_young_share: unknown satsingsomrade 'lykke'"],
    ),
    "own_metric_without_a_unit": (
        _own_metric_without_a_unit,
        ["metrics.yaml", "metrics[26] (home_visits)", "unit: Field required"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_plan_folder_is_rejected_with_a_clear_message(tmp_path, case):
    edit, words = BROKEN[case]
    problems = check_plan_folder(broken_copy(tmp_path, edit))
    assert len(problems) == 1, problems
    for word in words:
        assert word in problems[0], (word, problems[0])


def test_the_command_prints_the_problems_and_fails(tmp_path):
    folder = broken_copy(tmp_path, _area_with_unknown_parent)
    bad = subprocess.run([sys.executable, "-m", "pipelines.plan", str(folder)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "1 problem(s)" in bad.stderr and "parent codes that are no area: midt" in bad.stderr
    good = subprocess.run([sys.executable, "-m", "pipelines.plan", str(SHIPPED)], capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    assert "OK – Sammen for barn og unge 2015–2019, Bærum kommune, 10 areas" in good.stdout


@pytest.mark.parametrize("folder", sorted((REPO_ROOT / "catalogue" / "plans").iterdir()), ids=lambda p: p.name)
def test_targets_adopted_with_the_plan_name_the_body_that_adopted_it(folder: Path):
    """A Mål decided on the day the plan was adopted was decided by the body plan.yaml names (the
    Indikator page shows it as "Vedtatt av"); Bærum's plan was adopted by its kommunestyre."""
    plan = yaml.safe_load((folder / "plan.yaml").read_text(encoding="utf-8"))["plan"]
    targets = yaml.safe_load((folder / "targets.yaml").read_text(encoding="utf-8"))["targets"]
    with_the_plan = [v for t in targets for v in t["versions"] if v["decided_at"] == plan["adopted"]]
    assert with_the_plan
    assert {v["decided_by"] for v in with_the_plan} == {plan["decided_by"]}
