"""The project's YAML files (plans, the metric library, targets, contracts, comparators) are read
here: PyYAML's safe loader, in its C form (libyaml) where PyYAML has it, which parses the same
documents several times faster; a run reads the library and the plan many times."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | os.PathLike[str]) -> Any:
    """The document in the UTF-8 file ``path``, as ``yaml.safe_load`` gives it."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER)
