"""The customer-managed KMS key that encrypts a stack's restricted data.

With ``data_classification: restricted`` the databases, buckets, queues, secrets and log
groups are encrypted with this key instead of AWS-managed ones: the key policy says who
may ever decrypt, disabling the key makes the data unreadable at once, every use is in
CloudTrail under this key, and it rotates yearly.

The key policy has three statements. The account root, so IAM policies and the deployer
administer the key (without it the key would be unmanageable). The AWS services that
store the data (RDS, S3, SQS, Secrets Manager, ElastiCache), for principals of this
account and only through that service (``kms:ViaService``): a task can decrypt an object
or a message only by a call the bucket or queue policy and its own role already allow,
which is how AWS-managed keys work, so no role needs a KMS grant of its own. And
CloudWatch Logs (``logs.<region>.amazonaws.com``), which encrypts log groups itself and
is allowed only for this account's log groups (``kms:EncryptionContext:aws:logs:arn``).
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

# Services that encrypt the stack's data with the key on a caller's behalf.
VIA_SERVICES = ("rds", "s3", "sqs", "secretsmanager", "elasticache")


class DataKey(pulumi.ComponentResource):
    """Symmetric KMS key with yearly rotation, an alias, and the policy above.

    Args:
        name: Component name; the alias is ``alias/<project>-<stack>-<name>``.
    """

    arn: pulumi.Output[str]

    def __init__(self, name: str, *, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("shipspec:aws:DataKey", name, None, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        region = aws.get_region_output(opts=invoke).region
        account = aws.get_caller_identity_output(opts=invoke).account_id
        policy = pulumi.Output.all(region, account).apply(lambda ra: _policy(ra[0], ra[1]))
        key = aws.kms.Key(
            f"{name}-key",
            description=f"{pulumi.get_project()} {pulumi.get_stack()}: restricted data",
            enable_key_rotation=True,
            deletion_window_in_days=30,  # the longest: a deleted key loses every byte
            policy=policy,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            target_key_id=key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = key.arn
        self.register_outputs({"arn": self.arn})


def _policy(region: str, account: str) -> str:
    root = f"arn:aws:iam::{account}:root"
    statements = [
        {
            "Sid": "AccountAdministers",
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "DataServicesOnBehalfOfThisAccount",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [
                "kms:Encrypt",
                "kms:Decrypt",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:CreateGrant",
                "kms:DescribeKey",
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": account,
                    "kms:ViaService": [f"{s}.{region}.amazonaws.com" for s in VIA_SERVICES],
                }
            },
        },
        {
            "Sid": "CloudWatchLogsForThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": [
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:aws:logs:{region}:{account}:log-group:*"
                    )
                }
            },
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
