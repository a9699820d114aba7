"""An HTTP service on Fargate behind the shared load balancer.

Deployments run entirely inside ECS: rolling, or ECS's native blue/green, canary and
linear strategies that shift traffic between two target groups and roll back on the
deployment alarms. A plain ``pulumi up`` with a new image starts the strategy; there is
no CodeDeploy application and no task definition juggling outside Pulumi.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._collector import MetricsCollector
from ._containers import Container
from ._datastore import Datastore, Use
from ._deployment import CHECKS, connect_alarm, deployment_alarms, deployment_configuration
from ._ecs_service import create_service
from ._fargate import Egress, ExtraPort, create_task
from ._iam import AWS_MANAGED_POLICY, service_role
from ._names import fitting_logical_name, original_name
from ._routes import protocol_version, rule_conditions, rule_transforms
from .load_balancer import LoadBalancer

STRATEGIES = ("ROLLING", "BLUE_GREEN", "CANARY", "LINEAR")
INFRASTRUCTURE_POLICY = "AmazonECSInfrastructureRolePolicyForLoadBalancers"


class WebService(pulumi.ComponentResource):
    """Fargate service with a target group and listener rule on ``load_balancer``.

    Args:
        name: Component name; also the container name and the child resource prefix.
        cluster_arn: ECS cluster to run in.
        cluster_name: Name of the same cluster (Application Auto Scaling wants it).
        vpc_id: VPC of the tasks and target groups.
        subnet_ids: Private subnets for the tasks; they never get a public IP.
        load_balancer: The LoadBalancer whose listener routes to this service.
        image: Container image, pinned by tag or digest.
        port: Container port the application listens on.
        cpu: Task CPU units (256 = 0.25 vCPU), a valid Fargate size.
        memory: Task memory in MiB, valid for ``cpu``.
        desired_count: Tasks at first deployment.
        min_count: Autoscaling floor; equal to ``max_count`` disables autoscaling.
        max_count: Autoscaling ceiling.
        cpu_target: Average CPU % that target tracking holds.
        health_check_path: Path the load balancer probes; must answer ``health_check_matcher``.
        health_check_matcher: HTTP codes that pass (``200-399``), or for gRPC the gRPC status
            codes (``0``: OK).
        protocol: ``http``, or ``grpc`` (an HTTP/2 target group; the listener must be HTTPS).
        latency_p99_ms: Deployment rolls back when p99 latency exceeds this.
        error_rate_percent: Deployment rolls back when the 5xx ratio exceeds this.
        min_requests: Below this many requests a minute the 5xx ratio reads 0.
        load_balancer_errors: Count the load balancer's own 5xx (it serves only this service).
        listener_priority: Priority of this service's rule on the listener (unique).
        path_patterns: Paths routed to this service, e.g. ``["/*"]`` or ``["/api/*"]``.
        host_patterns: Host names routed to this service (with the paths, if any).
        path_rewrite: ``(regex, replacement)`` of an ALB url-rewrite transform, e.g. to strip
            ``/api`` before the request reaches the tasks.
        ports: Further ports other services call (``ExtraPort``), through Service Connect.
        environment: Plain environment variables.
        secrets: Environment variable -> secret ARN (or ``arn:...:json-key::``).
        kms_key_arn: Customer-managed KMS key (``DataKey``) encrypting the task's logs.
        execute_command: ECS Exec into its tasks (``shipspec exec``); the task role then
            may open Session Manager channels.
        collector: A managed Prometheus workspace's ``collector``: each task runs the ADOT
            collector beside the app, which sends OTLP metrics to it on localhost.
        image_credentials: ARN of the secret holding ``{"username", "password"}`` for a
            private registry; the ECS agent (execution role) reads it to pull the image.
        uses: Environment prefix -> datastore; grants network and IAM access and
            injects its connection settings (``DB`` -> ``DB_HOST``, ``DB_PASSWORD``...).
        log_retention_days: CloudWatch Logs retention.
        strategy: ``ROLLING``, ``BLUE_GREEN``, ``CANARY`` or ``LINEAR``; all but rolling
            need a LoadBalancer created with ``needs_test_listener=True``.
        bake_time_minutes: Blue/green, canary, linear: minutes both revisions run after
            all traffic moved, before the old one stops (instant rollback window).
        canary_percent: Canary: share of traffic the new revision gets first.
        canary_bake_minutes: Canary: minutes at that share before shifting the rest.
        linear_step_percent: Linear: traffic shifted per step.
        linear_step_bake_minutes: Linear: minutes between steps.
        cpu_architecture: ``X86_64`` or ``ARM64`` (Graviton, ~20% cheaper per vCPU).
        container: Command, user, health check, sidecars and volume mounts
            (``_containers.Container``); None keeps the image\'s defaults.
        capacity_providers: ECS capacity provider strategy items (``capacityProvider``,
            ``weight``, ``base``), e.g. Fargate Spot; None runs on the FARGATE launch type.
        health_check_grace_seconds: Start-up time before failed health checks count.
        service_connect_namespace: ARN of the environment's Service Connect namespace; the
            service joins it as a client and serves ``http://<name>:<port>`` to callers.
        connect_callers: The services that call it through Service Connect (each by the
            name its component was first created under): ECS also rolls back when their
            proxies get more than ``error_rate_percent`` 5xx from it (``connect_alarm``).
        connect_only: Its callers reach it only through Service Connect (an internal
            service): the Service Connect alarm counts its target groups' 5xx too.
        starts_after: The ECS services (``ecs_service``) of the services it calls: its own
            is created after them, because a Service Connect client resolves only the
            endpoints that existed when its task started.
        egress: Outbound allowances beyond HTTPS (``Egress``, spec ``egress``): one
            security group egress rule each on the task's security group.
    """

    service_name: pulumi.Output[str]
    ecs_service: aws.ecs.Service  # what a caller's ECS service depends on
    task_definition_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    port: int
    called_ports: list[tuple[str, int]]  # (ip protocol, port) callers may reach
    target_group_arn: pulumi.Output[str]
    alarm_names: pulumi.Output[list[str]]
    url: pulumi.Output[str]
    # What CloudWatch names this service's parts by, for Monitoring's dimension references.
    metric_ids: dict[str, list[pulumi.Input[str]]]
    deployment_alarm_names: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        *,
        cluster_arn: pulumi.Input[str],
        cluster_name: pulumi.Input[str],
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        load_balancer: LoadBalancer,
        image: pulumi.Input[str],
        port: int,
        cpu: int,
        memory: int,
        desired_count: int,
        min_count: int,
        max_count: int,
        cpu_target: int,
        health_check_path: str,
        latency_p99_ms: int,
        error_rate_percent: float,
        listener_priority: int,
        min_requests: int = 0,
        load_balancer_errors: bool = False,
        path_patterns: Sequence[str] = ("/*",),
        host_patterns: Sequence[str] = (),
        path_rewrite: tuple[str, str] | None = None,
        protocol: str = "http",
        health_check_matcher: str = "200-399",
        ports: Sequence[ExtraPort] = (),
        environment: Mapping[str, pulumi.Input[str]] | None = None,
        secrets: Mapping[str, pulumi.Input[str]] | None = None,
        image_credentials: pulumi.Input[str] | None = None,
        uses: Mapping[str, Datastore | Use] | None = None,
        log_retention_days: int = 30,
        strategy: str = "ROLLING",
        bake_time_minutes: int = 10,
        canary_percent: float = 10.0,
        canary_bake_minutes: int = 10,
        linear_step_percent: float = 20.0,
        linear_step_bake_minutes: int = 5,
        cpu_architecture: str = "X86_64",
        health_check_grace_seconds: int = 60,
        kms_key_arn: pulumi.Input[str] | None = None,
        service_connect_namespace: pulumi.Input[str] | None = None,
        collector: MetricsCollector | None = None,
        container: Container | None = None,
        capacity_providers: Sequence[Mapping[str, Any]] | None = None,
        execute_command: bool = False,
        starts_after: Sequence[pulumi.Resource] = (),
        connect_callers: Sequence[str] = (),
        connect_only: bool = False,
        egress: Sequence[Egress] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:WebService", name, None, opts)
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
        shifting = strategy != "ROLLING"
        if shifting and load_balancer.test_listener_arn is None:
            raise ValueError(f"{strategy} needs a LoadBalancer with needs_test_listener=True")
        if protocol == "grpc" and not load_balancer.https:
            # AWS: the GRPC protocol version is supported only with HTTPS listeners.
            raise ValueError(f"{name}: gRPC needs a LoadBalancer with a domain (HTTPS)")
        self._protocol_version = protocol_version(protocol)
        self._matcher = health_check_matcher
        child = pulumi.ResourceOptions(parent=self)

        task = create_task(
            self,
            name,
            created_as=original_name(name, opts),
            vpc_id=vpc_id,
            image=image,
            cpu=cpu,
            memory=memory,
            port=port,
            environment=environment or {},
            secrets=secrets or {},
            image_credentials=image_credentials,
            uses=uses or {},
            log_retention_days=log_retention_days,
            cpu_architecture=cpu_architecture,
            kms_key_arn=kms_key_arn,
            collector=collector,
            execute_command=execute_command,
            ingress_security_group_id=load_balancer.security_group_id,
            protocol=protocol,
            extra_ports=ports,
            container=container,
            egress=egress,
        )
        load_balancer.allow_to(name, task.security_group.id, port)

        primary = self._target_group(
            fitting_logical_name(f"{name}-tg", max_length=32, keep_suffix="-tg"),
            vpc_id,
            port,
            health_check_path,
        )
        groups = [primary]
        conditions = rule_conditions(path_patterns, host_patterns)
        transforms = rule_transforms(path_rewrite)
        if shifting:
            alternate = self._target_group(
                fitting_logical_name(f"{name}-tg-alt", max_length=32, keep_suffix="-tg-alt"),
                vpc_id,
                port,
                health_check_path,
            )
            groups.append(alternate)
            # ECS moves traffic by rewriting these weights; Pulumi must not put them back.
            rule_opts = pulumi.ResourceOptions(parent=self, ignore_changes=["actions"])
            rule = aws.lb.ListenerRule(
                f"{name}-rule",
                listener_arn=load_balancer.listener_arn,
                priority=listener_priority,
                conditions=conditions,
                transforms=transforms,
                actions=[_weighted(primary, 100, alternate, 0)],
                opts=rule_opts,
            )
            test_rule = aws.lb.ListenerRule(
                f"{name}-test-rule",
                listener_arn=load_balancer.test_listener_arn,
                priority=listener_priority,
                conditions=conditions,
                transforms=transforms,
                actions=[_weighted(primary, 0, alternate, 100)],
                opts=rule_opts,
            )
            infrastructure_role = service_role(
                f"{name}-ecs-infrastructure-role",
                parent=self,
                service="ecs.amazonaws.com",
                description=f"Lets ECS shift {name}'s traffic between its target groups",
            )
            # The service waits for this: ECS checks the role's permissions when the
            # service is created, and an unattached policy fails the first deployment.
            infrastructure_policy = aws.iam.RolePolicyAttachment(
                f"{name}-ecs-infrastructure-role-{INFRASTRUCTURE_POLICY}",
                role=infrastructure_role.name,
                policy_arn=f"{AWS_MANAGED_POLICY}{INFRASTRUCTURE_POLICY}",
                opts=child,
            )
            advanced = aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
                alternate_target_group_arn=alternate.arn,
                production_listener_rule=rule.arn,
                test_listener_rule=test_rule.arn,
                role_arn=infrastructure_role.arn,
            )
            routing: list[pulumi.Resource] = [rule, test_rule, infrastructure_policy]
            # ECS alternates the pair on every deployment: the group that took the traffic
            # becomes the primary and the other the alternate (the listener rule weights
            # flip with it). Pulumi must not swap them back, or the next deployment
            # registers the new revision into the group that is serving production.
            owned_by_ecs = [
                "loadBalancers[0].targetGroupArn",
                "loadBalancers[0].advancedConfiguration.alternateTargetGroupArn",
            ]
        else:
            advanced = None
            owned_by_ecs = []
            routing = [
                aws.lb.ListenerRule(
                    f"{name}-rule",
                    listener_arn=load_balancer.listener_arn,
                    priority=listener_priority,
                    conditions=conditions,
                    transforms=transforms,
                    actions=[
                        aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=primary.arn)
                    ],
                    opts=child,
                )
            ]

        alarms = deployment_alarms(
            self,
            name,
            load_balancer_arn_suffix=load_balancer.arn_suffix,
            target_group_arn_suffixes=[tg.arn_suffix for tg in groups],
            error_rate_percent=error_rate_percent,
            latency_p99_ms=latency_p99_ms,
            min_requests=min_requests,
            load_balancer_errors=load_balancer_errors,
        )
        if connect_callers and service_connect_namespace is not None:
            alarms[CHECKS["connect"]] = connect_alarm(
                self,
                name,
                cluster_name=cluster_name,
                discovery_name=name,
                callers=connect_callers,
                error_rate_percent=error_rate_percent,
                min_requests=min_requests,
                load_balancer_arn_suffix=load_balancer.arn_suffix if connect_only else None,
                target_group_arn_suffixes=[tg.arn_suffix for tg in groups] if connect_only else (),
            )

        service = create_service(
            self,
            name,
            created_as=original_name(name, opts),
            execute_command=execute_command,
            task=task,
            cluster_arn=cluster_arn,
            cluster_name=cluster_name,
            subnet_ids=subnet_ids,
            desired_count=desired_count,
            min_count=min_count,
            max_count=max_count,
            cpu_target=cpu_target,
            deployment_configuration=deployment_configuration(
                strategy,
                bake_time_minutes=bake_time_minutes,
                canary_percent=canary_percent,
                canary_bake_minutes=canary_bake_minutes,
                linear_step_percent=linear_step_percent,
                linear_step_bake_minutes=linear_step_bake_minutes,
            ),
            rolling=not shifting,
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=primary.arn,
                    container_name=task.container_name,
                    container_port=port,
                    advanced_configuration=advanced,
                )
            ],
            alarms=aws.ecs.ServiceAlarmsArgs(
                alarm_names=[alarm.name for alarm in alarms.values()], enable=True, rollback=True
            ),
            health_check_grace_period_seconds=health_check_grace_seconds,
            service_connect_namespace=service_connect_namespace,
            capacity_providers=capacity_providers,
            # ECS rejects a target group that no listener rule uses yet.
            depends_on=[*routing, *starts_after],
            ignore_changes=owned_by_ecs,
        )

        path_prefix = path_patterns[0].rstrip("*").rstrip("/") if path_patterns else ""
        self.ecs_service = service
        self.service_name = service.name
        # The revision this program deployed: `shipspec status` checks ECS runs exactly it.
        self.task_definition_arn = task.task_definition.arn
        # Its own DocumentDB user, where it has one, is named by this ARN (DocumentDbAdmin).
        self.task_role_arn = task.task_role.arn
        self.security_group_id = task.security_group.id
        self.port = port
        self.called_ports = [("tcp", p) for p in [port, *(x.port for x in ports)]]
        self.target_group_arn = primary.arn
        self.alarm_names = pulumi.Output.all(*[alarm.name for alarm in alarms.values()])
        self.deployment_alarm_names = {check: alarm.name for check, alarm in alarms.items()}
        self.metric_ids = {
            "name": [service.name],
            "target_group": [tg.arn_suffix for tg in groups],
            "load_balancer": [load_balancer.arn_suffix],
        }
        if service_connect_namespace is not None:  # its Service Connect server's metrics
            self.metric_ids["discovery"] = [name]
        host = next((h for h in host_patterns if "*" not in h and "?" not in h), None)
        scheme = "https" if load_balancer.https else "http"
        self.url = (
            pulumi.Output.concat(f"{scheme}://{host}", path_prefix)
            if host is not None
            else pulumi.Output.concat(load_balancer.url, path_prefix)
        )
        self.register_outputs(
            {
                "service_name": self.service_name,
                "task_definition_arn": self.task_definition_arn,
                "security_group_id": self.security_group_id,
                "target_group_arn": self.target_group_arn,
                "alarm_names": self.alarm_names,
                "url": self.url,
            }
        )

    def _target_group(
        self, resource_name: str, vpc_id: pulumi.Input[str], port: int, path: str
    ) -> aws.lb.TargetGroup:
        return aws.lb.TargetGroup(
            resource_name,
            target_type="ip",  # Fargate tasks register by ENI address
            protocol="HTTP",
            # GRPC: HTTP/2 to the tasks. Left unset for HTTP/1.1 (the default): setting it on
            # an existing target group would replace it.
            protocol_version=self._protocol_version if self._protocol_version != "HTTP1" else None,
            port=port,
            vpc_id=vpc_id,
            deregistration_delay=30,  # default 300 s makes every deployment 5 min slower
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                path=path,
                matcher=self._matcher,
                interval=15,
                timeout=5,
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )


def _weighted(
    first: aws.lb.TargetGroup, first_weight: int, second: aws.lb.TargetGroup, second_weight: int
) -> aws.lb.ListenerRuleActionArgs:
    return aws.lb.ListenerRuleActionArgs(
        type="forward",
        forward=aws.lb.ListenerRuleActionForwardArgs(
            target_groups=[
                aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=first.arn, weight=first_weight),
                aws.lb.ListenerRuleActionForwardTargetGroupArgs(
                    arn=second.arn, weight=second_weight
                ),
            ]
        ),
    )
