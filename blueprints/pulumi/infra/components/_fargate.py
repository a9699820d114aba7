"""Fargate building blocks shared by WebService, WorkerService and ScheduledJob.

One place decides how a container runs: logs that expire, an execution role that may
read exactly the secrets the task injects, a task role holding only the statements its
datastores grant, a security group with egress to AWS APIs and to the datastores it
uses (nothing else), and for services an ECS service that rolls back failed deployments
and scales on CPU without a redeploy resetting the scaled task count.

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
from ._datastore import Datastore, Use, as_use, env_prefix
from ._exec import EXEC_STATEMENT
from ._iam import secret_read_statements, service_role
from ._names import physical_name

EXECUTION_POLICY = "service-role/AmazonECSTaskExecutionRolePolicy"


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
        wired, store = env_prefix(prefix), use.store
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
    execute_command: bool = False,
) -> FargateTask:
    """Log group, roles, security group and task definition for one container, and the
    metrics collector beside it when ``collector`` is given.

    ``created_as`` is the name the service was first created under (see
    ``_logs.original_name``): the log group path and task family keep deriving from it.
    """
    kept = created_as or name
    child = pulumi.ResourceOptions(parent=owner)
    uses = {prefix: as_use(used) for prefix, used in uses.items()}
    env, refs, statements = _merge(environment, secrets, uses)
    if execute_command:
        statements.append(EXEC_STATEMENT)
    if collector is not None:
        statements.append(remote_write_statement(collector))
        env = {**otlp_to_collector(env), **env}
    region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=owner)).region

    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"/ecs/{pulumi.get_project()}/{pulumi.get_stack()}/{kept}",
        retention_in_days=log_retention_days,  # never "forever": storage is billed
        kms_key_id=kms_key_arn,
        opts=child,
    )

    sg = aws.ec2.SecurityGroup(
        f"{name}-sg", vpc_id=vpc_id, description=f"{kept} tasks", tags={"Name": kept}, opts=child
    )
    aws.vpc.SecurityGroupEgressRule(
        f"{name}-https-out",
        security_group_id=sg.id,
        cidr_ipv4="0.0.0.0/0",
        ip_protocol="tcp",
        from_port=443,
        to_port=443,
        description="HTTPS to AWS APIs and the image registry",
        opts=child,
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

    container: dict[str, Any] = {
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
    }
    if image_credentials is not None:
        # A private registry's login, read by the ECS agent to pull the image.
        container["repositoryCredentials"] = {"credentialsParameter": image_credentials}
    if port is not None:
        # Service Connect finds a server's port by this name (its portName must match).
        container["portMappings"] = [
            {"name": name, "containerPort": port, "protocol": "tcp", "appProtocol": "http"}
        ]
    containers = [container]
    if collector is not None:
        # Weighted CPU shares: the app gets what the collector does not reserve (an app
        # without a value would weigh 2 against the collector's reservation).
        container["cpu"] = cpu - collector.cpu
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
        opts=child,
    )
    return FargateTask(
        name, task_definition, execution_role, task_role, sg, port, log_group, region
    )


def service_connect(
    task: FargateTask, namespace: pulumi.Input[str]
) -> aws.ecs.ServiceServiceConnectConfigurationArgs:
    """Client of ``namespace`` always; server as ``<name>:<port>`` when the task listens.

    The client alias's DNS name is the container (spec) name itself, not
    ``<name>.<namespace>``, so compose URLs such as ``http://catalog:8080`` keep working.
    The proxy's own logs go to the task's log group under the ``service-connect`` prefix.
    """
    servers = (
        [
            aws.ecs.ServiceServiceConnectConfigurationServiceArgs(
                port_name=task.container_name,
                discovery_name=task.container_name,
                client_alias=[
                    aws.ecs.ServiceServiceConnectConfigurationServiceClientAliasArgs(
                        port=task.port, dns_name=task.container_name
                    )
                ],
            )
        ]
        if task.port is not None
        else None
    )
    return aws.ecs.ServiceServiceConnectConfigurationArgs(
        enabled=True,
        namespace=namespace,
        services=servers,
        log_configuration=aws.ecs.ServiceServiceConnectConfigurationLogConfigurationArgs(
            log_driver="awslogs",
            options={
                "awslogs-group": task.log_group.name,
                "awslogs-region": task.region,
                "awslogs-stream-prefix": "service-connect",
            },
        ),
    )


def create_service(
    owner: pulumi.Resource,
    name: str,
    *,
    task: FargateTask,
    cluster_arn: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
    desired_count: int,
    min_count: int,
    max_count: int,
    cpu_target: int,
    deployment_configuration: aws.ecs.ServiceDeploymentConfigurationArgs,
    rolling: bool,
    load_balancers: Sequence[aws.ecs.ServiceLoadBalancerArgs] | None = None,
    alarms: aws.ecs.ServiceAlarmsArgs | None = None,
    health_check_grace_period_seconds: int | None = None,
    service_connect_namespace: pulumi.Input[str] | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
    ignore_changes: Sequence[str] = (),
    created_as: str | None = None,
    execute_command: bool = False,
) -> aws.ecs.Service:
    """The ECS service in private subnets, plus CPU target tracking when it may scale.

    ``ignore_changes`` names inputs that something other than Pulumi owns after the
    first deployment (ECS itself, for the target group pair it alternates).
    """
    if not 0 <= min_count <= desired_count <= max_count:
        raise ValueError(
            f"{name}: need 0 <= min_count <= desired_count <= max_count, "
            f"got {min_count}/{desired_count}/{max_count}"
        )
    autoscaled = max_count > min_count
    service = aws.ecs.Service(
        f"{name}-service",
        # <project>-<stack>-<name>: what people and the dashboard look for in the console.
        # The name the service was first created under (a new name replaces the service).
        name=physical_name(created_as or name, max_length=255),
        cluster=cluster_arn,
        task_definition=task.task_definition.arn,
        desired_count=desired_count,
        launch_type="FARGATE",
        platform_version="LATEST",
        network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=subnet_ids,
            security_groups=[task.security_group.id],
            assign_public_ip=False,  # egress goes through NAT and VPC endpoints
        ),
        deployment_configuration=deployment_configuration,
        # Rolling: start new tasks before stopping old ones, never below desired count.
        deployment_minimum_healthy_percent=100 if rolling else None,
        deployment_maximum_percent=200 if rolling else None,
        deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
            enable=True, rollback=True
        ),
        alarms=alarms,
        load_balancers=load_balancers,
        health_check_grace_period_seconds=health_check_grace_period_seconds,
        service_connect_configuration=service_connect(task, service_connect_namespace)
        if service_connect_namespace is not None
        else None,
        # Moves tasks back into a zone after it recovers; services created before
        # rebalancing existed stay DISABLED unless it is set explicitly.
        availability_zone_rebalancing="ENABLED",
        propagate_tags="SERVICE",
        enable_ecs_managed_tags=True,
        # ECS Exec (`shipspec exec`): the plan enables it outside production, and in
        # production only where the spec says `exec: true`.
        enable_execute_command=execute_command,
        # `pulumi up` returns once ECS accepts the deployment; ECS itself rolls back
        # on the circuit breaker or an alarm, and canary bake times would block it.
        wait_for_steady_state=False,
        opts=pulumi.ResourceOptions(
            parent=owner,
            depends_on=list(depends_on),
            # Autoscaling owns the task count; a redeploy must not reset it.
            ignore_changes=(["desired_count"] if autoscaled else []) + list(ignore_changes) or None,
        ),
    )
    if autoscaled:
        child = pulumi.ResourceOptions(parent=owner)
        target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", cluster_name, "/", service.name),
            min_capacity=min_count,
            max_capacity=max_count,
            opts=child,
        )
        aws.appautoscaling.Policy(
            f"{name}-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=float(cpu_target),
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ECSServiceAverageCPUUtilization"
                ),
                scale_out_cooldown=60,  # add capacity quickly
                scale_in_cooldown=300,  # remove it slowly
            ),
            opts=child,
        )
    return service
