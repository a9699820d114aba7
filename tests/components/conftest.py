"""Fixtures: hand-written programs using the blueprint components, run under mocks.

A program directory is assembled the way ``shipspec generate`` lays one out
(``Pulumi.yaml``, ``__main__.py``, ``components/``) in a temporary folder, so the
components under test are exactly the files that get copied into users' repos.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = ROOT / "blueprints" / "pulumi" / "infra" / "components"
PROGRAMS = Path(__file__).resolve().parent / "programs"

try:
    import shipspec  # noqa: F401
except ImportError:  # running from a checkout without an installed package
    sys.path.insert(0, str(ROOT / "src"))

from shipspec.preview.runner import (  # noqa: E402
    RecordedResource,
    StackRun,
    run_program,
    run_stack,
)


@dataclass(frozen=True)
class Stack:
    """Recorded resources of one run with the lookups the tests need."""

    resources: list[RecordedResource]

    def __iter__(self) -> Iterator[RecordedResource]:
        return iter(self.resources)

    def of_type(self, token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == token]

    def named(self, name: str, token: str | None = None) -> RecordedResource:
        found = [r for r in self.resources if r.name == name and token in (None, r.type)]
        assert len(found) == 1, f"{len(found)} resources named {name!r} ({token})"
        return found[0]

    def by_urn(self, urn: str) -> RecordedResource:
        return next(r for r in self.resources if r.urn == urn)

    def children(self, component: str) -> list[RecordedResource]:
        parent = next(r for r in self.resources if r.name == component and not r.custom)
        return [r for r in self.resources if r.parent == parent.urn]

    def policies(self) -> list[tuple[RecordedResource, dict[str, Any]]]:
        """Every IAM policy document: inline role policies and assume-role policies."""
        docs = [(r, json.loads(r.inputs["policy"])) for r in self.of_type(ROLE_POLICY)]
        docs += [(r, json.loads(r.inputs["assumeRolePolicy"])) for r in self.of_type(ROLE)]
        return docs


ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


@pytest.fixture(scope="session")
def make_program(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Copy ``programs/<name>`` (or write ``files``) next to a fresh ``components/``."""

    def make(name: str, files: dict[str, str] | None = None, *, components: bool = True) -> Path:
        target = tmp_path_factory.mktemp(name)
        if (PROGRAMS / name).is_dir():
            shutil.copytree(PROGRAMS / name, target, dirs_exist_ok=True)
        for relative, text in (files or {}).items():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).write_text(text, encoding="utf-8")
        if components:
            shutil.copytree(
                COMPONENTS,
                target / "components",
                ignore=shutil.ignore_patterns("__pycache__"),
            )
        return target

    return make


@pytest.fixture(scope="session")
def full_program(make_program: Callable[..., Path]) -> Path:
    return make_program("full")


@pytest.fixture(scope="session")
def dev(full_program: Path) -> Stack:
    """Non-prod shape: one shared NAT gateway, single-node cache, no deletion protection."""
    config = {"natGateways": "1", "aws:region": "eu-west-1"}
    return Stack(run_program(full_program, project="shop", stack="dev", config=config))


@pytest.fixture(scope="session")
def prod(full_program: Path) -> Stack:
    """Prod shape: a NAT gateway per AZ, cache replica, deletion protection."""
    config = {"natGateways": "3", "prod": "true", "aws:region": "eu-west-1"}
    return Stack(run_program(full_program, project="shop", stack="prod", config=config))


@pytest.fixture(scope="session")
def variants_run(make_program: Callable[..., Path]) -> StackRun:
    """Internal HTTP-only ALB, linear and blue/green services, MySQL (us-east-1)."""
    program = make_program("variants")
    return run_stack(program, project="internal", stack="test", config={"aws:region": "us-east-1"})


@pytest.fixture(scope="session")
def variants(variants_run: StackRun) -> Stack:
    return Stack(variants_run.resources)


@pytest.fixture(params=["dev", "prod"])
def stack(request: pytest.FixtureRequest) -> Stack:
    """Both shapes, for properties that must hold in every environment."""
    result: Stack = request.getfixturevalue(request.param)
    return result


def pytest_configure(config: pytest.Config) -> None:
    # pulumi_aws warns about its deprecated *V2 classes when the s3 module is imported;
    # the components never use them (test_bucket_is_private_and_tls_only checks).
    config.addinivalue_line(
        "filterwarnings", "ignore:.*has been deprecated in favor of:DeprecationWarning"
    )
