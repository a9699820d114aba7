"""A long-running service on Fargate without a load balancer.

Workers pull their work (queues, schedules in the app, streams), or, with a port, are
called by other services through Service Connect and by nobody else: their security
group admits only the callers ServiceCalls names. Deployments are rolling with the
circuit breaker: there is no load balancer to shift traffic on. A worker other services
call over HTTP also rolls back when they get its 5xx (``_deployment.connect_alarm``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._collector import MetricsCollector
from ._containers import Container
from ._datastore import Datastore, Use
from ._deployment import CHECKS, connect_alarm
from ._ecs_service import create_service
from ._fargate import Egress, ExtraPort, create_task
from ._names import original_name
from ._queue_scaling import QueueScaling


class WorkerService(pulumi.ComponentResource):
    """Fargate service without a load balancer.

    Args:
        name: Component name; also the container name and the child resource prefix.
        cluster_arn: ECS cluster to run in.
        cluster_name: Name of the same cluster (Application Auto Scaling wants it).
        vpc_id: VPC of the tasks.
        subnet_ids: Private subnets for the tasks; they never get a public IP.
        image: Container image, pinned by tag or digest.
        cpu: Task CPU units (256 = 0.25 vCPU), a valid Fargate size.
        memory: Task memory in MiB, valid for ``cpu``.
        desired_count: Tasks at first deployment.
        min_count: Autoscaling floor; equal to ``max_count`` disables autoscaling.
        max_count: Autoscaling ceiling.
        cpu_target: Average CPU % that target tracking holds.
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
            injects its connection settings.
        log_retention_days: CloudWatch Logs retention.
        cpu_architecture: ``X86_64`` or ``ARM64`` (Graviton, ~20% cheaper per vCPU).
        container: Command, user, health check, sidecars and volume mounts
            (``_containers.Container``); None keeps the image\'s defaults.
        capacity_providers: ECS capacity provider strategy items (``capacityProvider``,
            ``weight``, ``base``), e.g. Fargate Spot; None runs on the FARGATE launch type.
        port: Container port other services call it on (``http://<name>:<port>``), or
            None for a worker nothing calls.
        protocol: What ``port`` speaks: ``http``, ``grpc`` or ``tcp`` (Service Connect's app
            protocol; tcp has none, so the proxy forwards bytes).
        ports: Further ports other services call (``ExtraPort``), each a Service Connect
            server ``<name>:<port>`` of its own.
        service_connect_namespace: ARN of the environment's Service Connect namespace;
            the service joins it as a client (and a server when it has a port).
        starts_after: The ECS services (``ecs_service``) of the services it calls: its own
            is created after them, because a Service Connect client resolves only the
            endpoints that existed when its task started.
        connect_callers: The services that call ``port`` (HTTP) through Service Connect,
            each by the name its component was first created under: ECS rolls a deployment
            back when their proxies get more than ``error_rate_percent`` 5xx from it, over
            ``min_requests`` a minute (``connect_alarm``).
        error_rate_percent: The Service Connect 5xx ratio that rolls back.
        min_requests: Below this many requests a minute that ratio reads 0.
        queue_scaling: ``{queue, messagesPerTask}`` from the stack config: scale on that
            queue's backlog per task instead of CPU (down to zero when ``min_count`` is 0).
        queues: The SQS queues (``Queue``) the worker consumes, by spec name, for
            ``queue_scaling`` to name.
        egress: Outbound allowances beyond HTTPS (``Egress``, spec ``egress``): one
            security group egress rule each on the task's security group.
    """

    service_name: pulumi.Output[str]
    ecs_service: aws.ecs.Service  # what a caller's ECS service depends on
    task_definition_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    port: int | None
    called_ports: list[tuple[str, int]]  # (ip protocol, port) callers may reach
    metric_ids: dict[str, list[pulumi.Input[str]]]  # for Monitoring's dimension references

    def __init__(
        self,
        name: str,
        *,
        cluster_arn: pulumi.Input[str],
        cluster_name: pulumi.Input[str],
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        image: pulumi.Input[str],
        cpu: int,
        memory: int,
        desired_count: int,
        min_count: int,
        max_count: int,
        cpu_target: int = 70,
        environment: Mapping[str, pulumi.Input[str]] | None = None,
        secrets: Mapping[str, pulumi.Input[str]] | None = None,
        image_credentials: pulumi.Input[str] | None = None,
        uses: Mapping[str, Datastore | Use] | None = None,
        log_retention_days: int = 30,
        cpu_architecture: str = "X86_64",
        kms_key_arn: pulumi.Input[str] | None = None,
        port: int | None = None,
        protocol: str = "http",
        ports: Sequence[ExtraPort] = (),
        service_connect_namespace: pulumi.Input[str] | None = None,
        collector: MetricsCollector | None = None,
        container: Container | None = None,
        capacity_providers: Sequence[Mapping[str, Any]] | None = None,
        execute_command: bool = False,
        queue_scaling: Mapping[str, Any] | None = None,
        queues: Mapping[str, Any] | None = None,
        starts_after: Sequence[pulumi.Resource] = (),
        connect_callers: Sequence[str] = (),
        error_rate_percent: float = 5.0,
        min_requests: int = 0,
        egress: Sequence[Egress] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:WorkerService", name, None, opts)
        if protocol == "udp":
            raise ValueError(
                f"{name}: Service Connect proxies TCP only; a UDP worker is unreachable"
            )
        backlog = None
        if queue_scaling is not None:
            queue = (queues or {}).get(queue_scaling["queue"])
            if queue is None:
                raise ValueError(
                    f"{name}: scales on queue {queue_scaling['queue']!r}, which is not among "
                    f"the queues it consumes ({', '.join(sorted(queues or {})) or 'none'})"
                )
            backlog = QueueScaling(queue.queue_name, int(queue_scaling["messagesPerTask"]))
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
            protocol=protocol,
            extra_ports=ports,
            container=container,
            execute_command=execute_command,
            egress=egress,
        )
        rollback: dict[str, aws.cloudwatch.MetricAlarm] = {}
        if connect_callers and port is not None and service_connect_namespace is not None:
            rollback[CHECKS["connect"]] = connect_alarm(
                self,
                name,
                cluster_name=cluster_name,
                discovery_name=name,
                callers=connect_callers,
                error_rate_percent=error_rate_percent,
                min_requests=min_requests,
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
            deployment_configuration=aws.ecs.ServiceDeploymentConfigurationArgs(strategy="ROLLING"),
            rolling=True,
            service_connect_namespace=service_connect_namespace,
            queue_scaling=backlog,
            capacity_providers=capacity_providers,
            depends_on=starts_after,
            alarms=aws.ecs.ServiceAlarmsArgs(
                alarm_names=[a.name for a in rollback.values()], enable=True, rollback=True
            )
            if rollback
            else None,
        )
        self.deployment_alarm_names = {check: a.name for check, a in rollback.items()}
        self.ecs_service = service
        self.service_name = service.name
        # The revision this program deployed: `shipspec status` checks ECS runs exactly it.
        self.task_definition_arn = task.task_definition.arn
        # Its own DocumentDB user, where it has one, is named by this ARN (DocumentDbAdmin).
        self.task_role_arn = task.task_role.arn
        self.security_group_id = task.security_group.id
        self.port = port
        self.called_ports = [("tcp", p) for p in ([port] if port else []) + [x.port for x in ports]]
        self.metric_ids = {"name": [service.name]}
        if port is not None and service_connect_namespace is not None:
            self.metric_ids["discovery"] = [name]  # its Service Connect server's metrics
        self.register_outputs(
            {
                "service_name": self.service_name,
                "task_definition_arn": self.task_definition_arn,
                "security_group_id": self.security_group_id,
            }
        )
