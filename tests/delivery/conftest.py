"""Fixtures for the CI-pipeline tests: every example and variant rendered once per session."""

from __future__ import annotations

import pytest

from tests.delivery.delivery_support import Rendered, render_spec, variants


def _render_all(ci: str, factory: pytest.TempPathFactory) -> list[Rendered]:
    return [render_spec(spec, factory.mktemp(name), name) for name, spec in variants(ci)]


@pytest.fixture(scope="session")
def github(tmp_path_factory: pytest.TempPathFactory) -> list[Rendered]:
    return _render_all("github", tmp_path_factory)


@pytest.fixture(scope="session")
def gitlab(tmp_path_factory: pytest.TempPathFactory) -> list[Rendered]:
    return _render_all("gitlab", tmp_path_factory)


@pytest.fixture(scope="session")
def gated_gitlab(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The webapp example with its images built and approval required on dev too: a
    non-production deploy behind an approval, whose environment the handoff protects."""
    spec = dict(variants("gitlab"))["webapp-built-gitlab"]
    spec["environments"]["dev"]["approval"] = "required"
    return render_spec(spec, tmp_path_factory.mktemp("gated"), "webapp-gated-gitlab")
