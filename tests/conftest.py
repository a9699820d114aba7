"""Shared fixtures: the examples, planned once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

import shipspec

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def example_names() -> list[str]:
    return sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


@pytest.fixture(scope="session")
def shop_model() -> shipspec.DeploymentModel:
    return shipspec.plan(shipspec.load(EXAMPLES / "shop.yaml"), spec_file="handoff.yaml")
