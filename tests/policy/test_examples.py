"""Proving the defaults: every example passes ``baseline`` and its declared packs everywhere.

Also the converse, so the proof is not vacuous: an example that declares no standard
does not satisfy the regulated packs (the rules look at something).
"""

from __future__ import annotations

from typing import Any

import pytest

from shipspec.policy import builtin_packs, evaluate, packs_for
from tests.conftest import example_names

STACKS = [
    ("full", "dev"),
    ("full", "staging"),
    ("full", "main"),
    ("microservices", "staging"),
    ("microservices", "prod"),
    ("minimal", "prod"),
    ("shop", "dev"),
    ("shop", "staging"),
    ("shop", "prod"),
    ("webapp", "dev"),
    ("webapp", "prod"),
]


def test_the_stack_list_covers_every_example_environment(generated: Any) -> None:
    assert sorted(STACKS) == sorted(generated.stacks())
    assert {name for name, _ in STACKS} == set(example_names())


@pytest.mark.parametrize(("example", "env"), STACKS, ids=[f"{n}-{e}" for n, e in STACKS])
def test_example_passes_its_declared_packs(generated: Any, example: str, env: str) -> None:
    model = generated.model(example)
    packs = packs_for(model.compliance)
    assert [p.name for p in packs] == ["baseline", *model.compliance]
    report = evaluate(model, env, generated.preview(example, env).resources, packs)
    assert [str(v) for v in report.violations] == []
    assert report.passed
    assert report.checks >= 20  # every service, datastore and network resource was looked at


def test_regulated_packs_fail_an_unregulated_stack(generated: Any) -> None:
    model = generated.model("webapp")
    assert model.compliance == []
    resources = generated.preview("webapp", "prod").resources
    report = evaluate(model, "prod", resources, builtin_packs(["pci-dss", "hipaa"]))
    failed = {v.rule for v in report.errors}
    assert "pci-dss/audit-log-groups-kept" in failed  # 90 days, not a year
    assert "pci-dss/waf-attached" in failed  # webapp asks for no WAF
    assert "hipaa/audit-log-retention-planned" in failed
