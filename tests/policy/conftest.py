"""Fixtures for the policy tests: the built-in packs, and the shop example's prod stack.

Previews come from the session-wide ``generated`` fixture (tests/conftest.py), so each
example's environment is run under mocks at most once per test session.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

import pytest

from shipspec.plan.model import DeploymentModel
from shipspec.policy import BUILTIN, Pack, builtin_packs


@pytest.fixture(scope="session")
def all_packs() -> list[Pack]:
    return builtin_packs(BUILTIN)


@dataclass
class Stack:
    """One environment of one example: its model and a private copy of its resources."""

    model: DeploymentModel
    env: str
    resources: list[Any]

    def copy(self) -> Stack:
        fresh = [replace(r, inputs=copy.deepcopy(r.inputs)) for r in self.resources]
        return Stack(self.model, self.env, fresh)

    def named(self, name: str, type_suffix: str = "") -> Any:
        found = [r for r in self.resources if r.name == name and r.type.endswith(type_suffix)]
        assert len(found) == 1, f"{name}{type_suffix}: {len(found)} resources"
        return found[0]


@pytest.fixture(scope="session")
def shop_prod(generated: Any) -> Stack:
    preview = generated.preview("shop", "prod")
    return Stack(generated.model("shop"), "prod", list(preview.resources))


@pytest.fixture(scope="session")
def full_main(generated: Any) -> Stack:
    preview = generated.preview("full", "main")
    return Stack(generated.model("full"), "main", list(preview.resources))
