"""The ECS service of a Fargate task: Service Connect, capacity, autoscaling.

An ECS service rolls back failed deployments and scales on CPU without a redeploy
resetting the scaled task count. Every service joins the environment's Service Connect
namespace as a client; one with a port is also a server under its own name, so
``http://<name>:<port>`` reaches it from any other service, as in compose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._fargate import FargateTask
from ._names import physical_name
from ._queue_scaling import QueueScaling, backlog_scaling


def service_connect(
    task: FargateTask, namespace: pulumi.Input[str]
) -> aws.ecs.ServiceServiceConnectConfigurationArgs:
    """Client of ``namespace`` always; server as ``<name>:<port>`` when the task listens.

    The client alias's DNS name is the container (spec) name itself, not
    ``<name>.<namespace>``, so compose URLs such as ``http://catalog:8080`` keep working.
    Each further port is a server of its own (discovery name = its port mapping's name)
    under the same DNS name with its own port. A UDP port is never a server: Service
    Connect proxies TCP only. The proxy's own logs go to the task's log group under the
    ``service-connect`` prefix.
    """
    served = [(task.container_name, task.port)] if task.port is not None else []
    if task.protocol == "udp":
        served = []
    served += [(p.name, p.port) for p in task.extra_ports]
    servers = [
        aws.ecs.ServiceServiceConnectConfigurationServiceArgs(
            port_name=port_name,
            discovery_name=port_name,
            client_alias=[
                aws.ecs.ServiceServiceConnectConfigurationServiceClientAliasArgs(
                    port=port, dns_name=task.container_name
                )
            ],
        )
        for port_name, port in served
    ] or None
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
    capacity_providers: Sequence[Mapping[str, Any]] | None = None,
    execute_command: bool = False,
    queue_scaling: QueueScaling | None = None,
) -> aws.ecs.Service:
    """The ECS service in private subnets, plus target tracking when it may scale: on CPU,
    or with ``queue_scaling`` on the queue's backlog per task (``_queue_scaling``).

    ``capacity_providers`` (``[{"capacityProvider": "FARGATE_SPOT", "weight": 1}]``)
    runs it on Fargate Spot through a capacity provider strategy; ECS refuses a service
    that also names a launch type, so it gets none. None: the FARGATE launch type.

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
        launch_type=None if capacity_providers else "FARGATE",
        capacity_provider_strategies=capacity_strategy(capacity_providers),
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
        # `pulumi up` returns once ECS accepts the deployment; ECS itself rolls back on an
        # alarm (or, rolling updates only, the circuit breaker), the deploy job's wait stops
        # what ECS does not end, and canary bake times would block `pulumi up`.
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
        if queue_scaling is not None:
            backlog_scaling(
                owner,
                name,
                target=target,
                cluster_name=cluster_name,
                service_name=service.name,
                queue_name=queue_scaling.queue_name,
                messages_per_task=queue_scaling.messages_per_task,
                wake_from_zero=min_count == 0,
            )
        else:
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


def capacity_strategy(
    items: Sequence[Mapping[str, Any]] | None,
) -> list[aws.ecs.ServiceCapacityProviderStrategyArgs] | None:
    """The stack config's capacity providers as the service's strategy (None: launch type)."""
    if not items:
        return None
    return [
        aws.ecs.ServiceCapacityProviderStrategyArgs(
            capacity_provider=item["capacityProvider"],
            weight=item["weight"],
            base=item.get("base", 0),
        )
        for item in items
    ]
