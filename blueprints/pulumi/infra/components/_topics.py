"""The SNS topics alarms notify, encrypted with a key CloudWatch is allowed to use.

CloudWatch cannot publish to a topic encrypted with the AWS-managed ``alias/aws/sns``
key: its key policy cannot be changed to let CloudWatch encrypt messages, so alarm
actions fail with a KMS access error and nobody is told. The topics therefore share a
customer-managed key (rotated yearly) whose policy lets this stack's alarms, and only
those, use it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws


def alert_topics(
    owner: pulumi.Resource, prefix: str, kinds: Sequence[str], email: str | None
) -> dict[str, aws.sns.Topic]:
    """One topic per kind (``ticket``, ``page``), named ``<prefix>-<kind>``, with ``email``
    subscribed (SNS mails a confirmation link first)."""
    child = pulumi.ResourceOptions(parent=owner)
    key = aws.kms.Key(
        "alerts-key",
        description=f"{prefix} alert topics",
        enable_key_rotation=True,
        policy=_key_policy(owner, prefix),
        opts=child,
    )
    topics = {}
    for kind in kinds:
        topic = aws.sns.Topic(
            f"{kind}-topic", name=f"{prefix}-{kind}", kms_master_key_id=key.arn, opts=child
        )
        if email:
            aws.sns.TopicSubscription(
                f"{kind}-email", topic=topic.arn, protocol="email", endpoint=email, opts=child
            )
        topics[kind] = topic
    return topics


def _key_policy(owner: pulumi.Resource, prefix: str) -> pulumi.Output[str]:
    invoke = pulumi.InvokeOutputOptions(parent=owner)
    account = aws.get_caller_identity_output(opts=invoke).account_id
    region = aws.get_region_output(opts=invoke).region
    alarms = pulumi.Output.concat("arn:aws:cloudwatch:", region, ":", account, ":alarm:", prefix)
    # In a key policy, "Resource": "*" means this key.
    return pulumi.Output.json_dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersTheKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", account, ":root")},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "ThisStacksAlarmsPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account},
                        "ArnLike": {"aws:SourceArn": pulumi.Output.concat(alarms, "-*")},
                    },
                },
            ],
        }
    )
