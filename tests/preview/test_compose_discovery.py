"""Acceptance over ../shared/compose-samples: service hostnames become Service Connect calls.

For every sample that imports, a service another one names by host (in an environment
value or ``depends_on``) and that listens on a port must be in the caller's ``calls``.
A few samples with such calls are then generated and previewed (production only):
each callee is a Service Connect server under its name, each caller a client, and the
security group rules between tasks are exactly the calls, read from the preview.

The oracle reads the compose files directly with its own, simpler host matching, so
it does not share the importer's code.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from shipspec.importers import ImportFailed, ImportResult, import_compose

from .discovery_support import ecs_services, generate_and_preview, service_rules

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "compose-samples"
FILES = sorted(SAMPLES.rglob("*.y*ml")) if SAMPLES.is_dir() else []
pytestmark = pytest.mark.skipif(not FILES, reason="../shared/compose-samples is not here")
# The samples previewed: the ones with the most calls, kept few for speed.
PREVIEWED = [
    "spring-petclinic-microservices/compose.yaml",
    "example-voting-app/result/docker-compose.test.yml",
]


@functools.cache
def imported(name: str) -> ImportResult | None:
    """The sample's import, or None when it is refused today (not part of the acceptance)."""
    try:
        return import_compose([SAMPLES / name], environ={})
    except ImportFailed:
        return None


NAMES = [path.relative_to(SAMPLES).as_posix() for path in FILES]


def _named_hosts(path: Path) -> set[tuple[str, str]]:
    """``(caller, callee)`` compose names where the caller's env or depends_on names the callee."""
    services: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))["services"]
    pairs = set()
    for caller, data in services.items():
        data = data or {}
        environment = data.get("environment") or {}
        values = (
            [str(v) for v in environment.values() if v is not None]
            if isinstance(environment, dict)
            else [str(item).partition("=")[2] for item in environment]
        )
        for callee in services:
            if callee == caller:
                continue
            host = re.escape(callee)
            if any(
                re.search(rf"//([^/@\s]*@)?{host}([:/]|$)|(^|[\s,=]){host}:\d+", v) for v in values
            ) or callee in (data.get("depends_on") or []):
                pairs.add((caller, callee))
    return pairs


def _expected(name: str) -> set[tuple[str, str]]:
    """The oracle's pairs whose both ends are imported services and the callee has a port."""
    result = imported(name)
    assert result is not None, f"{name} no longer imports"
    services = result.spec.services
    return {
        (caller, callee)
        for caller, callee in _named_hosts(SAMPLES / name)
        if caller in services and callee in services and services[callee].port is not None
    }


@pytest.mark.parametrize("name", NAMES)
def test_every_service_named_by_host_is_called(name: str) -> None:
    result = imported(name)
    if result is None:
        pytest.skip("refused by the importer today")
    services = result.spec.services
    declared = {(caller, callee) for caller, s in services.items() for callee in s.calls}
    assert declared == _expected(name)


def test_some_samples_have_calls_to_preview() -> None:
    assert all(_expected(name) for name in PREVIEWED)


@pytest.mark.parametrize("name", PREVIEWED)
def test_previewed_sample_allows_exactly_its_calls(name: str, tmp_path: Path) -> None:
    result = imported(name)
    assert result is not None
    (tmp_path / "handoff.yaml").write_text(result.handoff_yaml, encoding="utf-8")
    env = list(result.spec.environments)[-1]  # the production one, last in promotion order
    preview = generate_and_preview(tmp_path / "handoff.yaml", tmp_path / "out", env)
    services = result.spec.services
    connect = ecs_services(preview)
    expected = _expected(name)
    for caller, callee in expected:
        assert connect[caller]["serviceConnectConfiguration"]["enabled"] is True
        [server] = connect[callee]["serviceConnectConfiguration"]["services"]
        assert server["clientAlias"] == [{"dnsName": callee, "port": services[callee].port}]
    with_ports = {(a, b, services[b].port) for a, b in expected}
    assert service_rules(preview, "ingress") == with_ports
    assert service_rules(preview, "egress") == with_ports
