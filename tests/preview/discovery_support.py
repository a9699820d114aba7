"""Reading a preview the way a reviewer checks Service Connect: who may call whom.

Task security groups are found through the ECS services that use them (``<name>-service``
lists its group), so a rule is read as "service A admits service B on port P" from the
resolved ids alone, the way the rules would look in the EC2 console.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shipspec
from shipspec.preview.result import Preview

SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
NAMESPACE = "aws:servicediscovery/httpNamespace:HttpNamespace"
CLUSTER = "aws:ecs/cluster:Cluster"


def generate_and_preview(spec: Path, out: Path, env: str) -> Preview:
    from shipspec.preview.service import run_preview

    shipspec.generate(shipspec.plan(shipspec.load(spec), spec_file="handoff.yaml"), out)
    return run_preview(out, env, remember=False)


def ecs_services(preview: Preview) -> dict[str, dict[str, Any]]:
    """Spec name → the ECS service's inputs."""
    return {
        r.name.removesuffix("-service"): r.inputs for r in preview.resources if r.type == SERVICE
    }


def task_groups(preview: Preview) -> dict[str, str]:
    """Task security group id → the spec name of the service running in it."""
    return {
        group: name
        for name, inputs in ecs_services(preview).items()
        for group in inputs["networkConfiguration"]["securityGroups"]
    }


def service_rules(preview: Preview, kind: str) -> set[tuple[str, str, int]]:
    """``(caller, callee, port)`` for each rule between two task security groups.

    ``kind`` is ``ingress`` (read on the callee's group) or ``egress`` (on the caller's).
    """
    groups = task_groups(preview)
    token = INGRESS if kind == "ingress" else EGRESS
    found = set()
    for rule in preview.of_type(token):
        own, other = rule.inputs["securityGroupId"], rule.inputs.get("referencedSecurityGroupId")
        if own in groups and other in groups:
            assert rule.inputs["fromPort"] == rule.inputs["toPort"], rule.name
            caller, callee = (
                (groups[other], groups[own])
                if kind == "ingress"
                else (
                    groups[own],
                    groups[other],
                )
            )
            found.add((caller, callee, rule.inputs["fromPort"]))
    return found


def container(preview: Preview, name: str) -> dict[str, Any]:
    import json

    task = next(r for r in preview.of_type(TASK_DEFINITION) if r.name == f"{name}-task")
    definitions = task.inputs["containerDefinitions"]
    [only] = json.loads(definitions) if isinstance(definitions, str) else definitions
    return only  # type: ignore[no-any-return]
