"""The import direction between the three packages, checked on the source (``ast``, nothing imported).

* ``pipelines`` never imports ``dashboards`` (the report builds on ``presentation``).
* ``presentation`` imports neither ``dashboards`` nor Dagster (it may import small pipeline
  modules for domain constants, e.g. ``pipelines.metrics.codes`` and ``pipelines.plan``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _module_imports(path: Path) -> set[str]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    return _imported_modules(path.read_text(encoding="utf-8"), package)


def _imported_modules(source: str, package: str) -> set[str]:
    """Every module ``source`` imports, at any depth (also inside functions), with each imported
    name as ``module.name``; relative imports are resolved against ``package``."""
    tree = ast.parse(source)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules under {package}/"
    found = []
    for path in files:
        for name in sorted(_module_imports(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("pipelines", ("dashboards",)),
        ("presentation", ("dashboards", "dagster", "dagster_duckdb", "dagster_webserver")),
    ],
)
def test_import_direction(package: str, forbidden: tuple[str, ...]):
    assert _violations(package, forbidden) == []


def test_the_check_sees_every_form_of_import():
    """Guards against a check that passes vacuously."""
    assert "pipelines.metrics.codes" in _module_imports(ROOT / "presentation" / "vocabulary.py")
    source = (
        "import dashboards.ui\nfrom dagster import asset\n"
        "def f():\n    from dashboards import data\n    from .. import dashboards\n"
    )
    names = _imported_modules(source, "presentation.sub")
    assert {"dashboards.ui", "dagster", "dagster.asset", "dashboards.data", "presentation.dashboards"} <= names
