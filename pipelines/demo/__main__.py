"""Write a plan's synthetic demo landing files into the configured landing folder.

``python -m pipelines.demo`` writes the selected plan's (``SBU_PLAN``); ``python -m pipelines.demo
FOLDER`` the plan in that folder. ``--clean`` empties the demo sources' folders first. ``--as-of
YYYY-MM-DD`` makes the files as they stand on that day (each source up to the newest period it has
published by then); default: the ``SBU_AS_OF`` setting, else today, the day a pipeline run judges
the status on.
"""

import argparse
import datetime as dt
import sys
from pathlib import Path

from pipelines.demo.generate import generate
from pipelines.demo.profile import DemoProfileError
from pipelines.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.demo", description="Write a plan's demo landing files.")
    parser.add_argument("folder", nargs="?", help="the plan folder (default: the one SBU_PLAN selects)")
    parser.add_argument("--clean", action="store_true", help="empty the demo sources' landing folders first")
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the files stand on (default: the SBU_AS_OF setting, else today)",
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    folder = Path(args.folder) if args.folder else settings.plan_dir
    try:
        landing = generate(settings.landing_dir, plan_folder=folder, clean=args.clean, as_of=args.as_of)
    except (DemoProfileError, FileNotFoundError, ValueError) as err:  # a plan's ValidationError is a ValueError
        print(err, file=sys.stderr)
        return 1
    files = sorted(p for p in landing.rglob("*") if p.is_file())
    print(f"Demo data: {len(files)} synthetic files of {folder.name} in {landing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
