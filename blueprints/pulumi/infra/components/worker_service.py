"""A long-running background service on Fargate: no load balancer, no inbound traffic.

Workers pull their work (queues, schedules in the app, streams), so their security
group has no ingress at all, and deployments are rolling with the circuit breaker:
there is no traffic to shift and no per-request metric to judge a canary by.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from ._datastore import Datastore, Use
from ._fargate import create_service, create_task
from ._names import original_name


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
        image_credentials: ARN of the secret holding ``{"username", "password"}`` for a
            private registry; the ECS agent (execution role) reads it to pull the image.
        uses: Environment prefix -> datastore; grants network and IAM access and
            injects its connection settings.
        log_retention_days: CloudWatch Logs retention.
        cpu_architecture: ``X86_64`` or ``ARM64`` (Graviton, ~20% cheaper per vCPU).
    """

    service_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    metric_ids: dict[str, list[pulumi.Output[str]]]  # for Monitoring's dimension references

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
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:WorkerService", name, None, opts)
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
        )
        service = create_service(
            self,
            name,
            created_as=original_name(name, opts),
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
        )
        self.service_name = service.name
        self.security_group_id = task.security_group.id
        self.metric_ids = {"name": [service.name]}
        self.register_outputs(
            {"service_name": self.service_name, "security_group_id": self.security_group_id}
        )
