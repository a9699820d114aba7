"""What the one-off admin tasks (``DatabaseAdmin``, ``DocumentDbAdmin``, ``SearchAdmin``) share.

Each is a small Fargate task definition a person or CI starts with ``aws ecs run-task``:
``network`` gives it a log group, a security group with HTTPS out and the way to its
datastore (which admits it); ``execution_role`` the ECS agent's role; ``task_definition``
registers one container running a shell script, with the same four outputs
(``OneOffTask``) the runbook reads. The tasks that sign in to a database
with its master password (SQL, DocumentDB) verify the server's certificate: ``CaBundle``
adds a container that fetches AWS's CA bundle first. Only what differs stays in the
components.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import pulumi
import pulumi_aws as aws

from ._fargate import EXECUTION_POLICY, logs_and_security_group
from ._iam import service_role
from ._names import physical_name

CA_CONTAINER = "ca-bundle"
CA_VOLUME = "ca"
CA_DIRECTORY = "/ca"
CA_FILE = f"{CA_DIRECTORY}/global-bundle.pem"
"""Where the client finds AWS's CA bundle (read-only in its container)."""

# curl as root: the task-scoped volume is root's; --fail: an HTTP error is a failure.
FETCH = (
    'exec curl --silent --show-error --fail --location --proto "=https" '
    f'--output {CA_FILE} "$CA_BUNDLE_URL"'
)


class OneOffTask(pulumi.ComponentResource):
    """A one-off admin task: the four outputs the runbook and the deploy job read."""

    family: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]


class Container(NamedTuple):
    """The task's container: ``script`` runs under ``/bin/sh -c`` (the image's entrypoint
    never does); ``secrets``: variable → Secrets Manager reference, resolved by the ECS
    agent at start-up, so the values never reach the definition."""

    name: str
    image: str
    script: str
    environment: Mapping[str, pulumi.Input[str]]
    secrets: Mapping[str, pulumi.Input[str]] = {}


class CaBundle(NamedTuple):
    """The container fetching AWS's RDS/DocumentDB CA bundle before the client starts.

    ``image``: curl, pinned by digest; ``url``: the bundle (``global-bundle.pem``), over
    HTTPS only, verified against curl's own CA store.
    """

    image: str
    url: str


class Datastore(NamedTuple):
    """The datastore a task reaches: ``component`` (with ``security_group_id`` and
    ``allow_from``), its ``port`` and the egress rule's name suffix and description; no
    ``port`` where HTTPS out is already the way (OpenSearch)."""

    component: Any
    port: int | None = None
    rule: str = ""
    description: str = ""


def network(
    owner: OneOffTask,
    name: str,
    kept: str,
    *,
    to: Datastore,
    vpc_id: pulumi.Input[str],
    description: str,
    https_to: str,
    log_retention_days: int,
    kms_key_arn: pulumi.Input[str] | None,
) -> tuple[aws.cloudwatch.LogGroup, aws.ec2.SecurityGroup]:
    """The task's log group and security group (``_fargate.logs_and_security_group``: HTTPS
    out), the rule ``<name>-to-<to.rule>`` to the datastore's port, and the datastore's
    rule admitting the group (named after ``kept``, the first name: after a rename it keeps
    its URN)."""
    log_group, sg = logs_and_security_group(
        owner,
        name,
        kept,
        vpc_id=vpc_id,
        description=description,
        https_to=https_to,
        log_retention_days=log_retention_days,
        kms_key_arn=kms_key_arn,
    )
    if to.port is not None:
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-{to.rule}",
            security_group_id=sg.id,
            referenced_security_group_id=to.component.security_group_id,
            ip_protocol="tcp",
            from_port=to.port,
            to_port=to.port,
            description=to.description,
            opts=pulumi.ResourceOptions(parent=owner),
        )
    to.component.allow_from(kept, sg.id)
    return log_group, sg


def execution_role(
    owner: OneOffTask,
    name: str,
    kept: str,
    *,
    does: str,
    statements: pulumi.Input[list[dict[str, Any]]] | None = None,
) -> aws.iam.Role:
    """The role the ECS agent uses for the task (``does``: what for, in its description):
    ECR pulls and logs (``EXECUTION_POLICY``), plus ``statements`` (reading its secret)."""
    return service_role(
        f"{name}-execution-role",
        parent=owner,
        service="ecs-tasks.amazonaws.com",
        description=f"ECS agent for {kept}: {does}",
        managed_policies=[EXECUTION_POLICY],
        statements=statements,
    )


def task_definition(
    owner: OneOffTask,
    name: str,
    kept: str,
    *,
    container: Container,
    log_group: aws.cloudwatch.LogGroup,
    security_group: aws.ec2.SecurityGroup,
    region: pulumi.Input[str],
    execution_role_arn: pulumi.Input[str],
    task_role_arn: pulumi.Input[str] | None = None,
    ca_bundle: CaBundle | None = None,
) -> None:
    """Register the container (logging to ``log_group``) as the task definition and set the
    owner's outputs: ``family``, ``task_definition_arn``, ``security_group_id``,
    ``log_group_name``. With ``ca_bundle``, a ``ca-bundle`` container (not essential)
    fetches it into a task-scoped volume first, and ``container`` starts only after it
    exited 0 (``dependsOn`` SUCCESS), with the volume read-only at ``CA_DIRECTORY``."""

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

    main: dict[str, Any] = {
        "name": container.name,
        "image": container.image,
        "command": [container.script],
        "environment": [{"name": k, "value": v} for k, v in sorted(container.environment.items())],
    }
    if container.secrets:
        main["secrets"] = [
            {"name": k, "valueFrom": v} for k, v in sorted(container.secrets.items())
        ]
    if ca_bundle is not None:
        main["mountPoints"] = [
            {"sourceVolume": CA_VOLUME, "containerPath": CA_DIRECTORY, "readOnly": True}
        ]
    containers = [running(main, True)]
    if ca_bundle is not None:
        if not ca_bundle.url.startswith("https://"):
            raise ValueError(f"the CA bundle is fetched over HTTPS only, got {ca_bundle.url!r}")
        containers[0]["dependsOn"] = [{"containerName": CA_CONTAINER, "condition": "SUCCESS"}]
        fetch = {
            "name": CA_CONTAINER,
            "image": ca_bundle.image,
            "command": [FETCH],
            "user": "0",
            "environment": [{"name": "CA_BUNDLE_URL", "value": ca_bundle.url}],
            "mountPoints": [{"sourceVolume": CA_VOLUME, "containerPath": CA_DIRECTORY}],
        }
        containers.append(running(fetch, False))
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
        volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=CA_VOLUME)] if ca_bundle else None,
        container_definitions=pulumi.Output.json_dumps(containers),
        opts=pulumi.ResourceOptions(parent=owner),
    )
    owner.family = definition.family
    owner.task_definition_arn = definition.arn
    owner.security_group_id = security_group.id
    owner.log_group_name = log_group.name
    owner.register_outputs(
        {
            "family": definition.family,
            "task_definition_arn": definition.arn,
            "security_group_id": security_group.id,
            "log_group_name": log_group.name,
        }
    )
