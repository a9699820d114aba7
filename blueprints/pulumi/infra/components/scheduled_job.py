"""A container run to completion on a schedule by EventBridge Scheduler.

Nothing runs between invocations, so a nightly job costs minutes of Fargate, not a
month. The scheduler's role may start only this job's task definition family, only in
this cluster, and pass only this job's two roles. Each job gets a schedule group of its
own because EventBridge Scheduler publishes its CloudWatch metrics per group
(``ScheduleGroup``): a group of one is what lets an alarm tell which job failed to start.

The task runs no OpenTelemetry collector, even with managed Prometheus: the failed-runs rule
(``_job_failures``) matches any container's non-zero exit code, and a collector stopped with
the task after a successful run can exit 143 (SIGTERM) or 137 (SIGKILL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._containers import Container
from ._datastore import Datastore, Use
from ._fargate import Egress, create_task
from ._iam import service_role
from ._names import original_name


class ScheduledJob(pulumi.ComponentResource):
    """Fargate task started by an EventBridge schedule.

    Args:
        name: Component name; also the container name and the child resource prefix.
        cluster_arn: ECS cluster the task runs in.
        vpc_id: VPC of the task.
        subnet_ids: Private subnets for the task; it never gets a public IP.
        image: Container image, pinned by tag or digest.
        cpu: Task CPU units (256 = 0.25 vCPU), a valid Fargate size.
        memory: Task memory in MiB, valid for ``cpu``.
        schedule: EventBridge expression, ``cron(0 3 * * ? *)`` or ``rate(1 hour)``.
        environment: Plain environment variables.
        secrets: Environment variable -> secret ARN (or ``arn:...:json-key::``).
        kms_key_arn: Customer-managed KMS key (``DataKey``) encrypting the task's logs.
        image_credentials: ARN of the secret holding ``{"username", "password"}`` for a
            private registry; the ECS agent (execution role) reads it to pull the image.
        uses: Environment prefix -> datastore; grants network and IAM access and
            injects its connection settings.
        log_retention_days: CloudWatch Logs retention.
        timezone: IANA time zone the cron expression is evaluated in.
        cpu_architecture: ``X86_64`` or ``ARM64`` (Graviton, ~20% cheaper per vCPU).
        container: Command, user, health check, sidecars and volume mounts
            (``_containers.Container``); None keeps the image\'s defaults.
        capacity_providers: ECS capacity provider strategy items (``capacityProvider``,
            ``weight``, ``base``), e.g. Fargate Spot; None runs on the FARGATE launch type.
        egress: Outbound allowances beyond HTTPS (``Egress``, spec ``egress``): one
            security group egress rule each on the task's security group.
    """

    schedule_arn: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    metric_ids: dict[str, list[pulumi.Output[str]]]  # for Monitoring's dimension references

    def __init__(
        self,
        name: str,
        *,
        cluster_arn: pulumi.Input[str],
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        image: pulumi.Input[str],
        cpu: int,
        memory: int,
        schedule: str,
        environment: Mapping[str, pulumi.Input[str]] | None = None,
        secrets: Mapping[str, pulumi.Input[str]] | None = None,
        image_credentials: pulumi.Input[str] | None = None,
        uses: Mapping[str, Datastore | Use] | None = None,
        log_retention_days: int = 30,
        timezone: str = "UTC",
        cpu_architecture: str = "X86_64",
        kms_key_arn: pulumi.Input[str] | None = None,
        container: Container | None = None,
        capacity_providers: Sequence[Mapping[str, Any]] | None = None,
        egress: Sequence[Egress] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:ScheduledJob", name, None, opts)
        if not schedule.startswith(("cron(", "rate(", "at(")):
            raise ValueError(f"schedule must be cron(...), rate(...) or at(...), got {schedule!r}")
        task = create_task(
            self,
            name,
            created_as=original_name(name, opts),
            vpc_id=vpc_id,
            image=image,
            cpu=cpu,
            memory=memory,
            port=None,
            environment=environment or {},
            secrets=secrets or {},
            image_credentials=image_credentials,
            uses=uses or {},
            log_retention_days=log_retention_days,
            cpu_architecture=cpu_architecture,
            kms_key_arn=kms_key_arn,
            # No metrics collector: ECS stops a sidecar still running when the job exits
            # (it can exit 143, or 137), and the failed-runs rule reads every container's.
            collector=None,
            container=container,
            egress=egress,
        )
        task_definition = task.task_definition

        scheduler_role = service_role(
            f"{name}-scheduler-role",
            parent=self,
            service="scheduler.amazonaws.com",
            description=f"Lets EventBridge Scheduler start the {name} task",
            statements=[
                {
                    "Effect": "Allow",
                    "Action": ["ecs:RunTask"],
                    # Any revision of this family, and only in this cluster.
                    "Resource": [pulumi.Output.concat(task_definition.arn_without_revision, ":*")],
                    "Condition": {"ArnEquals": {"ecs:cluster": cluster_arn}},
                },
                {
                    # The task is started with tags (ECS managed tags, the task definition's
                    # propagated), and ECS authorizes tag-on-create as ecs:TagResource: without
                    # it every RunTask is denied. AWS: "Grant permission to tag resources on
                    # creation" (Amazon ECS developer guide).
                    "Effect": "Allow",
                    "Action": ["ecs:TagResource"],
                    "Resource": [
                        pulumi.Output.from_input(cluster_arn).apply(
                            lambda arn: arn.replace(":cluster/", ":task/", 1) + "/*"
                        )
                    ],
                    "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
                },
                {
                    "Effect": "Allow",
                    "Action": ["iam:PassRole"],
                    "Resource": [task.execution_role.arn, task.task_role.arn],
                    "Condition": {
                        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
                    },
                },
            ],
        )

        group = aws.scheduler.ScheduleGroup(
            f"{name}-schedules", opts=pulumi.ResourceOptions(parent=self)
        )
        job = aws.scheduler.Schedule(
            f"{name}-schedule",
            description=f"Runs {name}",
            group_name=group.name,
            schedule_expression=schedule,
            schedule_expression_timezone=timezone,
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            target=aws.scheduler.ScheduleTargetArgs(
                arn=cluster_arn,
                role_arn=scheduler_role.arn,
                ecs_parameters=aws.scheduler.ScheduleTargetEcsParametersArgs(
                    task_definition_arn=task_definition.arn,
                    # Fargate Spot through a capacity provider strategy, or the launch type:
                    # ECS takes one or the other, never both.
                    launch_type=None if capacity_providers else "FARGATE",
                    capacity_provider_strategies=[
                        aws.scheduler.ScheduleTargetEcsParametersCapacityProviderStrategyArgs(
                            capacity_provider=item["capacityProvider"],
                            weight=item["weight"],
                            base=item.get("base", 0),
                        )
                        for item in capacity_providers
                    ]
                    if capacity_providers
                    else None,
                    platform_version="LATEST",
                    task_count=1,
                    enable_ecs_managed_tags=True,
                    propagate_tags="TASK_DEFINITION",
                    network_configuration=aws.scheduler.ScheduleTargetEcsParametersNetworkConfigurationArgs(
                        subnets=subnet_ids,
                        security_groups=[task.security_group.id],
                        assign_public_ip=False,
                    ),
                ),
                # Retries cover failed RunTask calls (throttling, capacity), not a task
                # that ran and failed, so retrying cannot run the job twice.
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                    maximum_event_age_in_seconds=3600, maximum_retry_attempts=3
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.schedule_arn = job.arn
        self.task_definition_arn = task_definition.arn
        self.security_group_id = task.security_group.id
        # Its own DocumentDB user, where it has one, is named by this ARN (DocumentDbAdmin).
        self.task_role_arn = task.task_role.arn
        # task_family: what Monitoring's failed-runs rule matches the task events by;
        # family: Container Insights' TaskDefinitionFamily, for the long-run alarm.
        self.metric_ids = {
            "schedule_group": [group.name],
            "task_family": [task_definition.arn_without_revision],
            "family": [task_definition.family],
        }
        self.register_outputs(
            {
                "schedule_arn": self.schedule_arn,
                "task_definition_arn": self.task_definition_arn,
                "security_group_id": self.security_group_id,
            }
        )
