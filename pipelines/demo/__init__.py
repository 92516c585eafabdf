"""Synthetic demo data: ``python -m pipelines.demo`` writes the landing folder."""

from pipelines.demo.generate import DEMO_SOURCES, SEED, generate

__all__ = ["DEMO_SOURCES", "SEED", "generate"]
