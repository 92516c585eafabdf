"""Synthetic demo data: ``python -m pipelines.demo [PLAN_FOLDER]`` writes a plan's landing files,
as its demo profile (``catalogue/plans/<plan-id>/demo.yaml``) describes them."""

from pipelines.demo.generate import DEMO_SOURCES, generate
from pipelines.demo.profile import DemoProfile, DemoProfileError, load_demo_profile

__all__ = ["DEMO_SOURCES", "DemoProfile", "DemoProfileError", "generate", "load_demo_profile"]
