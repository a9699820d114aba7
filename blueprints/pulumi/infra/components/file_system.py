"""A persistent volume: an encrypted EFS file system that only its services reach.

Why it is built this way:

* Encrypted at rest with the stack's data key when there is one (else EFS's AWS-managed
  key), and the file system policy refuses any connection without TLS.
* The file system policy exists, so EFS no longer grants every client that reaches a
  mount target full access (its default without a policy): a task gets in only with
  the IAM authorization its task role holds, ``ClientMount``/``ClientWrite`` on its own
  access point (``_containers.mount_volumes``).
* One mount target per private subnet (one per AZ), behind a security group that admits
  NFS (2049) from the mounting services' groups only, as datastores admit consumers.
* Daily AWS Backup recovery points kept ``backup_days``, in a vault encrypted with the
  same key; the file system is ``protect``ed in production like every stateful resource.
* Each mounting service gets an access point of its own (its task role may use only
  that one), all rooted at the volume's one directory (``/<volume>``, created owned by
  the volume's POSIX user, mode 0750) and all running as that user: the services share
  the volume's files, as services sharing a compose named volume do.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ._datastore import IngressGate
from ._names import fitting_logical_name, original_name

NFS_PORT = 2049
BACKUP_POLICY = "service-role/AWSBackupServiceRolePolicyForBackup"
BACKUP_SCHEDULE = "cron(0 3 * * ? *)"  # daily at 03:00 UTC


class FileSystem(pulumi.ComponentResource):
    """An encrypted, backed-up EFS file system with mount targets in the private subnets.

    Args:
        name: The spec's volume name, prefix of every child resource name.
        vpc_id: VPC of the mount targets.
        subnet_ids: Private subnets, one mount target each.
        zone_count: How many subnets there are (one per AZ): mount targets are counted
            when the program runs, before the subnet IDs are known.
        backup_days: Days AWS Backup keeps each daily recovery point (1 or more).
        protect: Pulumi refuses to delete or replace the file system (production).
        kms_key_arn: Customer-managed KMS key (``DataKey``) for the files and backups.
    """

    file_system_id: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        zone_count: int,
        backup_days: int,
        protect: bool = False,
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:FileSystem", name, None, opts)
        self.volume_name = name
        if backup_days < 1:
            raise ValueError(f"{name}: backup_days must be 1 or more, got {backup_days}")
        child = pulumi.ResourceOptions(parent=self)
        kept = original_name(name, opts)
        fs = aws.efs.FileSystem(
            f"{name}-fs",
            encrypted=True,
            kms_key_id=kms_key_arn,
            performance_mode="generalPurpose",
            throughput_mode="elastic",  # pay per use, no burst credits to run out of
            tags={"Name": kept},
            # Protected (production): Pulumi refuses to delete or replace the files.
            opts=pulumi.ResourceOptions(parent=self, protect=protect),
        )
        aws.efs.FileSystemPolicy(
            f"{name}-policy",
            file_system_id=fs.id,
            policy=fs.arn.apply(_tls_only_policy),
            opts=child,
        )
        self._gate = IngressGate(
            self,
            name,
            vpc_id=vpc_id,
            kind="file system",
            port=NFS_PORT,
            description="NFS",
            label=kept,
        )
        resolved = pulumi.Output.from_input(subnet_ids)
        for index in range(zone_count):
            aws.efs.MountTarget(
                f"{name}-mount-{index}",
                file_system_id=fs.id,
                subnet_id=resolved.apply(lambda ids, i=index: ids[i]),
                security_groups=[self._gate.security_group.id],
                opts=child,
            )
        self._backups(name, fs, backup_days, kms_key_arn, child)
        self.file_system_id = fs.id
        self.arn = fs.arn
        # What the Monitoring's ``volume:<name>.id`` (PercentIOLimit's FileSystemId) names.
        self.metric_ids = {"id": [fs.id]}
        self.security_group_id = self._gate.security_group.id
        self.register_outputs({"file_system_id": fs.id, "arn": fs.arn})

    def _backups(
        self,
        name: str,
        fs: aws.efs.FileSystem,
        backup_days: int,
        kms_key_arn: pulumi.Input[str] | None,
        child: pulumi.ResourceOptions,
    ) -> None:
        # AWS Backup takes vault, plan and selection names of at most 50 characters
        # (botocore's backup model): autonames ("<logical name>-<7 chars>") are made to fit.
        vault = aws.backup.Vault(
            fitting_logical_name(f"{name}-backups", max_length=50, keep_suffix="-backups"),
            kms_key_arn=kms_key_arn,
            opts=child,
        )
        plan = aws.backup.Plan(
            fitting_logical_name(f"{name}-backup-plan", max_length=50, keep_suffix="-backup-plan"),
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily",
                    target_vault_name=vault.name,
                    schedule=BACKUP_SCHEDULE,
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=backup_days),
                )
            ],
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-backup-role",
            description=f"AWS Backup for the {name} file system",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "backup.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=child,
        )
        attached = aws.iam.RolePolicyAttachment(
            f"{name}-backup-role-policy",
            role=role.name,
            policy_arn=f"arn:aws:iam::aws:policy/{BACKUP_POLICY}",
            opts=child,
        )
        aws.backup.Selection(
            fitting_logical_name(
                f"{name}-backup-selection", max_length=50, keep_suffix="-selection"
            ),
            plan_id=plan.id,
            iam_role_arn=role.arn,
            resources=[fs.arn],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attached]),
        )

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        """Admit NFS from one mounting service's tasks."""
        self._gate.allow(consumer_name, security_group_id)


def _tls_only_policy(arn: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyWithoutTls",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "*",
                    "Resource": arn,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        },
        sort_keys=True,
    )


@dataclass(frozen=True)
class Mount:
    """A service's mount of a file system at ``path``: its access point is rooted at the
    volume's shared ``root`` and runs as the volume's POSIX ``uid``:``gid``."""

    file_system: FileSystem
    path: str
    root: str
    uid: int = 1000
    gid: int = 1000
