"""Start the Dagster UI and daemon (schedules, sensors, queued runs) on this project's instance:
``python -m pipelines.ui [--port 3000]`` (``make dagster-ui``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipelines.instance import ensure_dagster_home
from pipelines.settings import REPO_ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args()
    home = ensure_dagster_home()
    print(f"Dagster UI: http://localhost:{args.port}  (DAGSTER_HOME={home})", flush=True)
    dagster = str(Path(sys.executable).parent / "dagster")
    os.chdir(REPO_ROOT)
    os.execv(dagster, [dagster, "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(args.port)])


if __name__ == "__main__":
    main()
