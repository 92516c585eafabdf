"""Write the synthetic demo landing files into the configured landing folder."""

from pipelines.demo.generate import generate
from pipelines.settings import get_settings

if __name__ == "__main__":
    landing = generate(get_settings().landing_dir)
    files = sorted(p for p in landing.rglob("*") if p.is_file())
    print(f"Wrote {len(files)} synthetic demo files to {landing}")
