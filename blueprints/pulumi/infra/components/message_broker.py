"""An Amazon MQ for RabbitMQ broker that only its consumers can reach.

Amazon MQ needs the broker's user and password at creation: RabbitMQ has no IAM login
and Amazon MQ no managed password. The password is drawn at deploy time from Secrets
Manager's GetRandomPassword, so it never appears in code or stack config, and is written
once to the broker and to a secret that services receive as ECS secrets. Both ignore
later draws: the data source answers a new password on every run, and Amazon MQ
replaces a RabbitMQ broker whose user changes. The trade-off: the password is kept in
the Pulumi state of the broker and of the secret version as an encrypted Pulumi secret,
never as plain text. To rotate it, change it in RabbitMQ, then put the new value into
the secret. The broker is private, TLS-only (AMQPS on 5671), encrypted at rest with an
AWS-owned key, and logs to CloudWatch.

Unlike the databases' log groups, the broker's (``/aws/amazonmq/broker/<broker id>/general``)
cannot be created ahead with a retention: its name holds the broker id, which Amazon MQ
assigns at creation and the provider returns only once the broker runs, by which time the
broker has written its startup log and Amazon MQ has created the group, with no expiry.
Creating it afterwards would fail as a duplicate, so set its retention once after the
first deployment: ``aws logs put-retention-policy --log-group-name <group>
--retention-in-days <days>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import IngressGate, Use
from ._names import original_name

PORT = 5671  # AMQP 0-9-1 over TLS; Amazon MQ offers no plain-text listener


class MessageBroker(pulumi.ComponentResource):
    """Amazon MQ RabbitMQ broker with a closed security group and its user in Secrets Manager.

    Args:
        name: Component name, prefix of every child resource name.
        engine_version: ``"3.13"`` or ``"4.2"``; minor upgrades are applied automatically.
        instance_type: e.g. ``"mq.m7g.medium"``, ``"mq.m7g.large"`` (RabbitMQ 4 runs only
            on m7g).
        cluster: Three nodes across AZs behind one endpoint; otherwise a single broker in
            the first subnet.
        vpc_id: VPC of the broker.
        subnet_ids: Private subnets.
        protect: Pulumi refuses to delete or replace the broker; Amazon MQ keeps no
            backups of queued messages.
        username: The broker's administrator, which the services connect as.
        kms_key_arn: Customer-managed KMS key (``DataKey``) for the credentials secret. The
            broker itself keeps an AWS-owned key: Amazon MQ's encryption options do not
            apply to RabbitMQ brokers.

    ``identifier`` (also ``metric_ids["id"]``) is the broker name, the ``Broker`` dimension of
    the AWS/AmazonMQ metrics.
    """

    endpoint: pulumi.Output[str]
    identifier: pulumi.Output[str]
    metric_ids: dict[str, list[pulumi.Output[str]]]  # for Monitoring's dimension references
    secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        engine_version: str,
        instance_type: str,
        cluster: bool,
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        protect: bool = False,
        username: str = "app",
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:MessageBroker", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        kept = original_name(name, opts)  # descriptions that force a new resource survive a rename

        self._gate = IngressGate(
            self,
            name,
            vpc_id=vpc_id,
            kind="message broker",
            port=PORT,
            description="amqps",
            label=kept,
        )
        sg = self._gate.security_group

        # Amazon MQ refuses commas, colons and equal signs: letters and digits only.
        drawn = aws.secretsmanager.get_random_password_output(
            password_length=32,
            exclude_punctuation=True,
            require_each_included_type=True,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        password: pulumi.Output[str] = pulumi.Output.secret(drawn.random_password)
        secret = aws.secretsmanager.Secret(
            f"{name}-credentials",
            description=f"{name}: RabbitMQ user and password, written once at creation",
            recovery_window_in_days=30,
            kms_key_id=kms_key_arn,  # None: the account's aws/secretsmanager key
            opts=child,
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-credentials",
            secret_id=secret.id,
            # Write-only: not read back; version 1 writes it once, and a new draw is ignored.
            secret_string_wo=pulumi.Output.json_dumps({"username": username, "password": password}),
            secret_string_wo_version=1,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["secret_string_wo"]),
        )
        first_or_all = pulumi.Output.from_input(subnet_ids).apply(
            lambda ids: list(ids) if cluster else list(ids)[:1]
        )
        broker = aws.mq.Broker(
            f"{name}-broker",
            engine_type="RabbitMQ",
            engine_version=engine_version,
            host_instance_type=instance_type,
            deployment_mode="CLUSTER_MULTI_AZ" if cluster else "SINGLE_INSTANCE",
            publicly_accessible=False,
            subnet_ids=first_or_all,
            security_groups=[sg.id],
            auto_minor_version_upgrade=True,
            encryption_options=aws.mq.BrokerEncryptionOptionsArgs(use_aws_owned_key=True),
            logs=aws.mq.BrokerLogsArgs(general=True),
            users=[aws.mq.BrokerUserArgs(username=username, password=password)],
            # A changed user would replace the broker, and every run draws a new password.
            opts=pulumi.ResourceOptions(parent=self, protect=protect, ignore_changes=["users"]),
        )

        self.endpoint = broker.instances.apply(_host)
        self.identifier = broker.broker_name
        self.metric_ids = {"id": [self.identifier]}
        self.secret_arn = secret.arn
        self.security_group_id = sg.id
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "identifier": self.identifier,
                "port": PORT,
                "secret_arn": self.secret_arn,
                "security_group_id": self.security_group_id,
            }
        )

    @property
    def port(self) -> int:
        return PORT

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        self._gate.allow(consumer_name, security_group_id)

    def environment(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {
            f"{prefix}_HOST": self.endpoint,
            f"{prefix}_PORT": str(PORT),
            f"{prefix}_TLS": "true",
            f"{prefix}_URL": pulumi.Output.concat("amqps://", self.endpoint, f":{PORT}"),
        }

    def secrets(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        # The broker's one user is its administrator; create narrower users in RabbitMQ
        # if services should not manage queues and exchanges.
        return {
            f"{prefix}_USERNAME": pulumi.Output.concat(self.secret_arn, ":username::"),
            f"{prefix}_PASSWORD": pulumi.Output.concat(self.secret_arn, ":password::"),
        }

    def policy_statements(self, use: Use) -> list[dict[str, Any]]:
        return []  # credentials arrive through the execution role's secret read


def _host(instances: Sequence[aws.mq.outputs.BrokerInstance]) -> str:
    """``amqps://b-1234.mq.eu-west-1.on.aws:5671`` -> the host."""
    endpoint = (instances[0].endpoints or [""])[0]
    return endpoint.split("://")[-1].rsplit(":", 1)[0]
