"""An SQS queue, optionally with a dead-letter queue for messages that keep failing.

Encrypted with SQS-managed keys (no KMS charges), reachable only over TLS (a queue
policy denies ``aws:SecureTransport`` false), long polling to cut empty receives,
and a dead-letter queue that keeps poison messages for the 14-day maximum so someone
can inspect and redrive them.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import Use

FOURTEEN_DAYS = 14 * 24 * 3600


class Queue(pulumi.ComponentResource):
    """Standard SQS queue with optional dead-letter queue.

    Args:
        name: Component name, prefix of every child resource name.
        dead_letter: Move a message to a dead-letter queue after ``max_receive_count``
            failed receives.
        visibility_timeout_seconds: How long a received message stays hidden; longer
            than the consumer's worst-case processing time, or it is processed twice.
        max_receive_count: Receives before a message goes to the dead-letter queue.
        protect: Pulumi refuses to delete or replace the queues (production).
        kms_key_arn: Customer-managed KMS key (``DataKey``) for restricted data, instead
            of SQS-managed keys.
        import_id: Adopt the existing queue with this URL (its dead-letter queue is new) instead
            of creating one (Pulumi's ``import`` option), named by it; Pulumi treats it like any
            other resource while the id stays.
    """

    url: pulumi.Output[str]
    arn: pulumi.Output[str]
    dead_letter_url: pulumi.Output[str] | None
    # Reached over HTTPS (AWS API): no port, no security group.
    port: int | None = None
    security_group_id: pulumi.Output[str] | None = None

    def __init__(
        self,
        name: str,
        *,
        dead_letter: bool,
        visibility_timeout_seconds: int = 30,
        max_receive_count: int = 5,
        protect: bool = False,
        kms_key_arn: pulumi.Input[str] | None = None,
        import_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:Queue", name, None, opts)
        # Protected (production): Pulumi refuses to delete or replace a queue holding messages.
        child = pulumi.ResourceOptions(parent=self, protect=protect)

        redrive_policy = None
        self.dead_letter_url = None
        if dead_letter:
            dlq = aws.sqs.Queue(
                f"{name}-dlq",
                message_retention_seconds=FOURTEEN_DAYS,
                sqs_managed_sse_enabled=None if kms_key_arn else True,
                kms_master_key_id=kms_key_arn,
                opts=child,
            )
            redrive_policy = pulumi.Output.json_dumps(
                {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": max_receive_count}
            )
            self.dead_letter_url = dlq.url
            _tls_only(f"{name}-dlq", dlq, self)

        queue = aws.sqs.Queue(
            f"{name}-queue",
            name=import_id.rsplit("/", 1)[-1] if import_id else None,
            visibility_timeout_seconds=visibility_timeout_seconds,
            receive_wait_time_seconds=20,  # long polling: fewer, cheaper empty receives
            sqs_managed_sse_enabled=None if kms_key_arn else True,
            kms_master_key_id=kms_key_arn,
            redrive_policy=redrive_policy,
            opts=pulumi.ResourceOptions(parent=self, protect=protect, import_=import_id),
        )
        _tls_only(f"{name}-queue", queue, self)
        self.url = queue.url
        self.arn = queue.arn
        self.queue_name = queue.name  # what a consumer's backlog scaling reads
        # Queue names, as CloudWatch's QueueName dimension has them (for Monitoring).
        self.metric_ids = {"id": [queue.name]}
        if dead_letter:
            self.metric_ids["dead_letter"] = [dlq.name]
        self.register_outputs(
            {"url": self.url, "arn": self.arn, "dead_letter_url": self.dead_letter_url}
        )

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        pass  # access is IAM-only (policy_statements)

    def environment(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {f"{prefix}_QUEUE_URL": self.url}

    def secrets(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {}

    def policy_statements(self, use: Use) -> list[dict[str, Any]]:
        actions = _ACTIONS.get(use.access or "produce-consume")
        if actions is None:
            raise ValueError(f"queue access must be one of {sorted(_ACTIONS)}, got {use.access!r}")
        return [{"Effect": "Allow", "Action": list(actions), "Resource": [self.arn]}]


# Least privilege per role: a producer cannot take or delete messages, a consumer cannot
# send. GetQueueAttributes lets both read the queue's depth and settings.
_PRODUCE = ("sqs:SendMessage",)
_CONSUME = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility")
_ACTIONS = {
    "produce": (*_PRODUCE, "sqs:GetQueueAttributes"),
    "consume": (*_CONSUME, "sqs:GetQueueAttributes"),
    "produce-consume": (*_PRODUCE, *_CONSUME, "sqs:GetQueueAttributes"),
}


def _tls_only(name: str, queue: aws.sqs.Queue, parent: pulumi.Resource) -> None:
    """A queue policy refusing every request not made over TLS, whoever makes it."""
    aws.sqs.QueuePolicy(
        f"{name}-tls-only",
        queue_url=queue.url,
        policy=pulumi.Output.json_dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "sqs:*",
                        "Resource": queue.arn,
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
