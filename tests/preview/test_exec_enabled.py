"""ECS Exec in the generated program: on outside production, off in production unless the
spec says ``exec: true``; the task role may open Session Manager channels only where the
service has it. Read from the preview (what Pulumi would send AWS) and the plan."""

from __future__ import annotations

import json
from typing import Any

import pytest

import shipspec
from shipspec.errors import SpecError
from tests.conftest import EXAMPLES

SERVICE = "aws:ecs/service:Service"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
CHANNELS = {
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
}


def _actions(policy: Any) -> set[str]:
    document = json.loads(policy) if isinstance(policy, str) else policy
    found: set[str] = set()
    for statement in document["Statement"]:
        actions = statement["Action"]
        found |= {actions} if isinstance(actions, str) else set(actions)
    return found


def _exec_by_service(preview: Any) -> dict[str, tuple[bool, bool]]:
    """service -> (enableExecuteCommand, its task role may open the channels)."""
    policies = {r.name: _actions(r.inputs["policy"]) for r in preview.of_type(ROLE_POLICY)}
    result = {}
    for service in preview.of_type(SERVICE):
        name = service.name.removesuffix("-service")
        role = policies.get(f"{name}-task-role-policy", set())
        result[name] = (service.inputs["enableExecuteCommand"], role >= CHANNELS)
    return result


@pytest.mark.parametrize(("env", "expected"), [("dev", True), ("prod", False)])
def test_exec_follows_the_environment(generated, env: str, expected: bool) -> None:  # type: ignore[no-untyped-def]
    found = _exec_by_service(generated.preview("shop", env))
    assert found and set(found.values()) == {(expected, expected)}, found


def test_the_spec_allows_or_forbids_it_and_the_plan_says_why(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (EXAMPLES / "shop.yaml").read_text()
    spec = tmp_path / "handoff.yaml"
    spec.write_text(text.replace("  web:\n", "  web:\n    exec: true\n", 1))
    model = shipspec.plan(shipspec.load(spec), spec_file="handoff.yaml")
    prod = model.environment("prod")
    assert prod.service("web").execute_command is True
    assert prod.service("mailer").execute_command is False
    reasons = {d.key: d.reason for d in prod.decisions}
    assert "in production too" in reasons["services.web.exec"]
    assert "PCI DSS" in reasons["services.mailer.exec"]
    spec.write_text(text.replace("  web:\n", "  web:\n    exec: false\n", 1))
    model = shipspec.plan(shipspec.load(spec), spec_file="handoff.yaml")
    assert model.environment("dev").service("web").execute_command is False


def test_exec_on_a_job_is_a_located_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (EXAMPLES / "shop.yaml").read_text()
    spec = tmp_path / "handoff.yaml"
    job = '  nightly: {type: job, image: ghcr.io/example/jobs:1.0, schedule: "cron(0 3 * * ? *)"}'
    assert job in text
    spec.write_text(text.replace(job, job.replace("{type: job,", "{type: job, exec: true,")))
    with pytest.raises(SpecError) as error:
        shipspec.load(spec)
    assert "services.nightly.exec" in str(error.value)
