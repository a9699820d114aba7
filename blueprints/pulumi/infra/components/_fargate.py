"""Fargate building blocks shared by WebService, WorkerService and ScheduledJob.

One place decides how a container runs: logs that expire, an execution role that may
read exactly the secrets the task injects, a task role holding only the statements its
datastores grant, a security group with egress to AWS APIs (HTTPS anywhere), to the
datastores it uses and to the spec's ``egress`` allowances (nothing else), and for
services an ECS service that rolls back failed deployments and scales on CPU without a
redeploy resetting the scaled task count.

Every ECS service joins the environment's Service Connect namespace as a client; one
with a port is also a server under its own name, so ``http://<name>:<port>`` reaches it
from any other service, as in compose. Which calls the network allows is ServiceCalls'
business (service_calls.py), not this module's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ._collector import (
    MetricsCollector,
    collector_container,
    otlp_to_collector,
    remote_write_statement,
)
from ._containers import Container, app_settings, mount_volumes, sidecar_definitions
from ._datastore import Datastore, Use, as_use, prefixes
from ._exec import EXEC_STATEMENT
from ._iam import secret_read_statements, service_role

EXECUTION_POLICY = "service-role/AmazonECSTaskExecutionRolePolicy"


@dataclass(frozen=True)
class ExtraPort:
    """A further container port other services call as ``<service>:<port>``.

    ``name`` is its port mapping's name and Service Connect discovery name (unique in the
    namespace); ``app_protocol`` is ``http``, ``grpc`` or None for plain TCP.
    """

    port: int
    name: str
    app_protocol: str | None = "http"


@dataclass(frozen=True)
class Egress:
    """One outbound allowance beyond HTTPS (spec ``egress``): ``protocol`` tcp or udp,
    ``from_port``-``to_port`` to ``to`` (an IPv4 or IPv6 CIDR, or a managed prefix list id).

    ``rule`` names its egress rule (``<service>-egress-<rule>``): derived from the allowance
    itself, so reordering the spec's list replaces no rule.
    """

    rule: str
    protocol: str
    from_port: int
    to_port: int
    to: str
    description: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Egress:
        return cls(
            rule=config["rule"],
            protocol=config["protocol"],
            from_port=int(config["fromPort"]),
            to_port=int(config["toPort"]),
            to=config["to"],
            description=config["description"],
        )


def allow_egress(
    owner: pulumi.Resource, name: str, sg: aws.ec2.SecurityGroup, egress: Sequence[Egress]
) -> None:
    """One SecurityGroupEgressRule per allowance on the task's security group."""
    for allowance in egress:
        prefix_list = allowance.to.startswith("pl-")
        ipv6 = not prefix_list and ":" in allowance.to
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-egress-{allowance.rule}",
            security_group_id=sg.id,
            cidr_ipv4=None if ipv6 or prefix_list else allowance.to,
            cidr_ipv6=allowance.to if ipv6 else None,
            prefix_list_id=allowance.to if prefix_list else None,
            ip_protocol=allowance.protocol,
            from_port=allowance.from_port,
            to_port=allowance.to_port,
            description=allowance.description,
            opts=pulumi.ResourceOptions(parent=owner),
        )


# Service Connect's app protocol for the main port's protocol; tcp has none (the proxy
# forwards bytes), udp is not proxied at all (Service Connect carries TCP only).
APP_PROTOCOLS = {"http": "http", "grpc": "grpc", "tcp": None, "udp": None}


@dataclass(frozen=True)
class FargateTask:
    container_name: str
    task_definition: aws.ecs.TaskDefinition
    execution_role: aws.iam.Role
    task_role: aws.iam.Role
    security_group: aws.ec2.SecurityGroup
    port: int | None
    log_group: aws.cloudwatch.LogGroup
    region: pulumi.Output[str]
    protocol: str = "http"  # what `port` speaks: http, grpc, tcp or udp
    extra_ports: tuple[ExtraPort, ...] = ()


def task_family(name: str) -> str:
    """Task definition families are account-wide: qualify with project and stack."""
    family = f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}"
    return re.sub(r"[^A-Za-z0-9_-]", "-", family)[:255]


def _merge(
    environment: Mapping[str, pulumi.Input[str]],
    secrets: Mapping[str, pulumi.Input[str]],
    uses: Mapping[str, Use],
) -> tuple[dict[str, pulumi.Input[str]], dict[str, pulumi.Input[str]], list[dict[str, Any]]]:
    env = dict(environment)
    refs = dict(secrets)
    statements: list[dict[str, Any]] = []
    for prefix, use in sorted(uses.items()):
        store = use.store
        # After a rename, the former name's variables too (same values; secrets stay
        # secrets), until `renamed_from` leaves the spec.
        for wired in prefixes(prefix, use):
            for target, extra in (
                (env, store.environment(wired, use)),
                (refs, store.secrets(wired, use)),
            ):
                for key in extra:
                    if key in env or key in refs:
                        raise ValueError(f"{key} is set twice (uses[{prefix!r}] sets it too)")
                target.update(extra)
        statements.extend(store.policy_statements(use))
    both = set(env) & set(refs)
    if both:
        raise ValueError(f"{sorted(both)} are both plain environment and secrets")
    return env, refs, statements


def logs_and_security_group(
    owner: pulumi.Resource,
    name: str,
    kept: str,
    *,
    vpc_id: pulumi.Input[str],
    description: str,
    https_to: str,
    log_retention_days: int,
    kms_key_arn: pulumi.Input[str] | None,
) -> tuple[aws.cloudwatch.LogGroup, aws.ec2.SecurityGroup]:
    """A task family's log group and its security group with HTTPS out.

    Fargate pulls the image, reads secrets and ships the logs through the task's own
    network interface (platform 1.4.0), so HTTPS out is what the agent needs; the caller
    adds the ways in and to its datastores. Services, jobs and the one-off admin tasks
    (``_one_off``) all start here.
    """
    child = pulumi.ResourceOptions(parent=owner)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"/ecs/{pulumi.get_project()}/{pulumi.get_stack()}/{kept}",
        retention_in_days=log_retention_days,  # never "forever": storage is billed
        kms_key_id=kms_key_arn,
        opts=child,
    )
    sg = aws.ec2.SecurityGroup(
        f"{name}-sg", vpc_id=vpc_id, description=description, tags={"Name": kept}, opts=child
    )
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-https-out",
        security_group_id=sg.id,
        cidr_ipv4="0.0.0.0/0",
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        description=f"HTTPS to {https_to}",
        opts=child,
    )
    return log_group, sg


def create_task(
    owner: pulumi.Resource,
    name: str,
    *,
    vpc_id: pulumi.Input[str],
    image: pulumi.Input[str],
    cpu: int,
    memory: int,
    port: int | None,
    environment: Mapping[str, pulumi.Input[str]],
    secrets: Mapping[str, pulumi.Input[str]],
    uses: Mapping[str, Datastore | Use],
    log_retention_days: int,
    cpu_architecture: str,
    ingress_security_group_id: pulumi.Input[str] | None = None,
    created_as: str | None = None,
    image_credentials: pulumi.Input[str] | None = None,
    kms_key_arn: pulumi.Input[str] | None = None,
    collector: MetricsCollector | None = None,
    protocol: str = "http",
    extra_ports: Sequence[ExtraPort] = (),
    container: Container | None = None,
    execute_command: bool = False,
    egress: Sequence[Egress] = (),
) -> FargateTask:
    """Log group, roles, security group and task definition for one container, and the
    metrics collector beside it when ``collector`` is given; ``container`` adds the
    command, user, health check, sidecars and volume mounts (``_containers.py``).

    ``protocol`` is what ``port`` speaks (http, grpc, tcp, udp); ``extra_ports`` are
    further ports other services call, each its own named port mapping; ``egress`` the
    outbound allowances beyond HTTPS (spec ``egress``), one egress rule each.

    ``created_as`` is the name the service was first created under (see
    ``_logs.original_name``): the log group path and task family keep deriving from it.
    """
    kept = created_as or name
    container = container or Container()
    child = pulumi.ResourceOptions(parent=owner)
    uses = {prefix: as_use(used) for prefix, used in uses.items()}
    env, refs, statements = _merge(environment, secrets, uses)
    if execute_command:
        statements.append(EXEC_STATEMENT)
    if collector is not None:
        statements.append(remote_write_statement(collector))
        env = {**otlp_to_collector(env), **env}
    region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=owner)).region

    log_group, sg = logs_and_security_group(
        owner,
        name,
        kept,
        vpc_id=vpc_id,
        description=f"{kept} tasks",
        https_to="AWS APIs and the image registry",
        log_retention_days=log_retention_days,
        kms_key_arn=kms_key_arn,
    )
    if port is not None and ingress_security_group_id is not None:
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-lb",
            security_group_id=sg.id,
            referenced_security_group_id=ingress_security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description="Container port from the load balancer only",
            opts=child,
        )
    allow_egress(owner, name, sg, egress)
    for prefix, store in sorted((p, u.store) for p, u in uses.items()):
        if store.port is not None and store.security_group_id is not None:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-to-{prefix.lower()}",
                security_group_id=sg.id,
                referenced_security_group_id=store.security_group_id,
                ip_protocol="tcp",
                from_port=store.port,
                to_port=store.port,
                description=f"To {prefix}",
                opts=child,
            )
        store.allow_from(name, sg.id)
    volumes, mount_statements = mount_volumes(owner, name, container, sg)
    statements.extend(mount_statements)

    # The agent reads the injected secrets and a private registry's login; nothing else.
    agent_reads = [*refs.values(), *([image_credentials] if image_credentials else [])]
    execution_role = service_role(
        f"{name}-execution-role",
        parent=owner,
        service="ecs-tasks.amazonaws.com",
        description=f"ECS agent for {name}: pull the image, write logs, read its secrets",
        managed_policies=[EXECUTION_POLICY],
        statements=secret_read_statements(agent_reads) if agent_reads else None,
    )
    task_role = service_role(
        f"{name}-task-role",
        parent=owner,
        service="ecs-tasks.amazonaws.com",
        description=f"The {name} application: only the datastores it uses",
        statements=statements or None,
    )

    app: dict[str, Any] = {
        "name": name,
        "image": image,
        "essential": True,
        "environment": [{"name": k, "value": v} for k, v in sorted(env.items())],
        # Resolved by the ECS agent at start-up: values never reach the task definition.
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(refs.items())],
        "linuxParameters": {"initProcessEnabled": True},  # reaps zombies, forwards SIGTERM
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group.name,
                "awslogs-region": region,
                "awslogs-stream-prefix": "ecs",
            },
        },
        **app_settings(container),
    }
    if image_credentials is not None:
        # A private registry's login, read by the ECS agent to pull the image.
        app["repositoryCredentials"] = {"credentialsParameter": image_credentials}
    if protocol not in APP_PROTOCOLS:
        raise ValueError(f"protocol must be one of {sorted(APP_PROTOCOLS)}, got {protocol!r}")
    if port is not None:
        # Service Connect finds a server's port by this name (its portName must match).
        app["portMappings"] = [
            _port_mapping(
                name, port, "udp" if protocol == "udp" else "tcp", APP_PROTOCOLS[protocol]
            )
        ] + [_port_mapping(p.name, p.port, "tcp", p.app_protocol) for p in extra_ports]
    containers = [app, *sidecar_definitions(container, region, log_group.name)]
    if collector is not None:
        # Weighted CPU shares: the app gets what the collector does not reserve (an app
        # without a value would weigh 2 against the collector's reservation).
        app["cpu"] = cpu - collector.cpu
        containers.append(collector_container(collector, region, log_group.name))

    task_definition = aws.ecs.TaskDefinition(
        f"{name}-task",
        family=task_family(kept),
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu=str(cpu),
        memory=str(memory),
        execution_role_arn=execution_role.arn,
        task_role_arn=task_role.arn,
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            operating_system_family="LINUX", cpu_architecture=cpu_architecture
        ),
        container_definitions=pulumi.Output.json_dumps(containers),
        volumes=volumes or None,
        ephemeral_storage=aws.ecs.TaskDefinitionEphemeralStorageArgs(
            size_in_gib=container.ephemeral_storage_gb
        )
        if container.ephemeral_storage_gb is not None
        else None,
        opts=child,
    )
    return FargateTask(
        name,
        task_definition,
        execution_role,
        task_role,
        sg,
        port,
        log_group,
        region,
        protocol,
        tuple(extra_ports),
    )


def _port_mapping(name: str, port: int, transport: str, app: str | None) -> dict[str, Any]:
    mapping: dict[str, Any] = {"name": name, "containerPort": port, "protocol": transport}
    if app is not None:  # without one Service Connect treats the port as plain TCP
        mapping["appProtocol"] = app
    return mapping
