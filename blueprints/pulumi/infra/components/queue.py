"""An SQS queue, optionally with a dead-letter queue for messages that keep failing.

Encrypted with SQS-managed keys (no KMS charges), long polling to cut empty receives,
and a dead-letter queue that keeps poison messages for the 14-day maximum so someone
can inspect and redrive them.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

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
                sqs_managed_sse_enabled=True,
                opts=child,
            )
            redrive_policy = pulumi.Output.json_dumps(
                {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": max_receive_count}
            )
            self.dead_letter_url = dlq.url

        queue = aws.sqs.Queue(
            f"{name}-queue",
            visibility_timeout_seconds=visibility_timeout_seconds,
            receive_wait_time_seconds=20,  # long polling: fewer, cheaper empty receives
            sqs_managed_sse_enabled=True,
            redrive_policy=redrive_policy,
            opts=child,
        )
        self.url = queue.url
        self.arn = queue.arn
        # Queue names, as CloudWatch's QueueName dimension has them (for Monitoring).
        self.metric_ids = {"id": [queue.name]}
        if dead_letter:
            self.metric_ids["dead_letter"] = [dlq.name]
        self.register_outputs(
            {"url": self.url, "arn": self.arn, "dead_letter_url": self.dead_letter_url}
        )

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        pass  # access is IAM-only (policy_statements)

    def environment(self, prefix: str) -> dict[str, pulumi.Input[str]]:
        return {f"{prefix}_QUEUE_URL": self.url}

    def secrets(self, prefix: str) -> dict[str, pulumi.Input[str]]:
        return {}

    def policy_statements(self) -> list[dict[str, Any]]:
        return [
            {
                "Effect": "Allow",
                "Action": [
                    "sqs:SendMessage",
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes",
                ],
                "Resource": [self.arn],
            }
        ]
