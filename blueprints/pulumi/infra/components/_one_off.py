"""What the one-off admin tasks (``DatabaseAdmin``, ``SearchAdmin``) share.

Each is a small Fargate task definition a person or CI starts with ``aws ecs run-task``:
its log group and security group come from ``_fargate.logs_and_security_group`` (the
component adds the way to its datastore); here, one container running a shell script and
the same four outputs the runbook reads (DocumentDB's adds a container that fetches the CA
bundle first). Only what differs stays in the components.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._names import physical_name


def task_definition(
    owner: pulumi.ComponentResource,
    name: str,
    kept: str,
    *,
    container: dict[str, Any],
    log_group: aws.cloudwatch.LogGroup,
    security_group: aws.ec2.SecurityGroup,
    region: pulumi.Input[str],
    execution_role_arn: pulumi.Input[str],
    task_role_arn: pulumi.Input[str] | None = None,
    before: dict[str, Any] | None = None,
    volumes: Sequence[str] = (),
) -> None:
    """Register the container (logging to ``log_group``) as the task definition and set the
    owner's outputs: ``family``, ``task_definition_arn``, ``security_group_id``,
    ``log_group_name``. ``before``: a container that must exit 0 before it starts (not
    essential; e.g. fetching a file into one of ``volumes``, task-scoped bind mounts)."""

    def running(spec: dict[str, Any], essential: bool) -> dict[str, Any]:
        return {
            **spec,
            "essential": essential,
            "entryPoint": ["/bin/sh", "-c"],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group.name,
                    "awslogs-region": region,
                    "awslogs-stream-prefix": "admin",
                },
            },
        }

    containers = [running(container, True)]
    if before is not None:
        containers[0]["dependsOn"] = [{"containerName": before["name"], "condition": "SUCCESS"}]
        containers.append(running(before, False))
    definition = aws.ecs.TaskDefinition(
        f"{name}-task",
        family=physical_name(kept, max_length=255),
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu="256",
        memory="512",
        execution_role_arn=execution_role_arn,
        task_role_arn=task_role_arn,
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            operating_system_family="LINUX", cpu_architecture="X86_64"
        ),
        volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=v) for v in volumes] or None,
        container_definitions=pulumi.Output.json_dumps(containers),
        opts=pulumi.ResourceOptions(parent=owner),
    )
    owner.family = definition.family  # type: ignore[attr-defined]
    owner.task_definition_arn = definition.arn  # type: ignore[attr-defined]
    owner.security_group_id = security_group.id  # type: ignore[attr-defined]
    owner.log_group_name = log_group.name  # type: ignore[attr-defined]
    owner.register_outputs(
        {
            "family": definition.family,
            "task_definition_arn": definition.arn,
            "security_group_id": security_group.id,
            "log_group_name": log_group.name,
        }
    )
