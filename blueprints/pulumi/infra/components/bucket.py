"""A private S3 bucket for application data.

Private by construction rather than by convention: all four public-access blocks on,
ACLs disabled (the bucket owner owns every object), default encryption, and a policy
refusing any request not made over TLS. Consumers get object-level access to this
bucket only, through their task role.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import Use


class Bucket(pulumi.ComponentResource):
    """S3 bucket with versioning, encryption, public access block and TLS-only policy.

    Args:
        name: Component name, prefix of every child resource name.
        versioning: Keep previous object versions (recover from overwrites/deletes).
        force_destroy: Let ``pulumi destroy`` delete a non-empty bucket (non-prod only).
        noncurrent_version_days: With versioning, delete replaced versions after this
            many days so storage does not grow without bound.
        protect: Pulumi refuses to delete or replace the bucket, and keeps it in the
            account if it leaves the program (``retain_on_delete``); production.
        kms_key_arn: Customer-managed KMS key (``DataKey``) for restricted data: SSE-KMS
            with a bucket key instead of SSE-S3.
        import_id: Adopt the existing bucket of this name instead of creating one (Pulumi's
            ``import`` option), named by it; Pulumi treats it like any other resource while the
            id stays.
    """

    bucket_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    # Reached over HTTPS through the S3 gateway endpoint: no port, no security group.
    port: int | None = None
    security_group_id: pulumi.Output[str] | None = None

    def __init__(
        self,
        name: str,
        *,
        versioning: bool,
        force_destroy: bool,
        noncurrent_version_days: int = 30,
        protect: bool = False,
        kms_key_arn: pulumi.Input[str] | None = None,
        import_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:Bucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # Protected (production): Pulumi refuses to delete or replace the bucket, and if it
        # ever leaves the program it is left in the account instead of deleted.
        bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=import_id,
            force_destroy=force_destroy,
            opts=pulumi.ResourceOptions(
                parent=self, protect=protect, retain_on_delete=protect, import_=import_id
            ),
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    # SSE-S3: no KMS request charges on every object read and write;
                    # restricted data: the stack's key, with an S3 bucket key so KMS is
                    # called once per bucket key, not once per object.
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms" if kms_key_arn else "AES256",
                        kms_master_key_id=kms_key_arn,
                    ),
                    bucket_key_enabled=True if kms_key_arn else None,
                )
            ],
            opts=child,
        )
        rules = [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="abort-incomplete-uploads",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=7
                ),
            )
        ]
        if versioning:
            aws.s3.BucketVersioning(
                f"{name}-versioning",
                bucket=bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                    status="Enabled"
                ),
                opts=child,
            )
            rules.append(
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-noncurrent-versions",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=noncurrent_version_days
                    ),
                )
            )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id, rules=rules, opts=child
        )
        aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                }
            ),
            # S3 rejects concurrent configuration calls on one bucket; serialize them.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )

        self.bucket_name = bucket.bucket
        self.arn = bucket.arn
        self.register_outputs({"bucket_name": self.bucket_name, "arn": self.arn})

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        pass  # access is IAM-only (policy_statements)

    def environment(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {f"{prefix}_BUCKET": self.bucket_name}

    def secrets(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {}

    def policy_statements(self, use: Use) -> list[dict[str, Any]]:
        actions = _OBJECT_ACTIONS.get(use.access or "read-write-delete")
        if actions is None:
            raise ValueError(
                f"bucket access must be one of {sorted(_OBJECT_ACTIONS)}, got {use.access!r}"
            )
        return [
            {
                "Effect": "Allow",
                "Action": list(actions),
                "Resource": [pulumi.Output.concat(self.arn, "/*")],
            },
            {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [self.arn]},
        ]


# Only a service whose use says so may delete objects (or, with versioning, their
# current versions): a compromised reader or writer cannot empty the bucket.
_OBJECT_ACTIONS = {
    "read": ("s3:GetObject",),
    "read-write": ("s3:GetObject", "s3:PutObject"),
    "read-write-delete": ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
}
