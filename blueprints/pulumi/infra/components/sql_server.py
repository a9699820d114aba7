"""A Microsoft SQL Server RDS instance (license included) that only its consumers can reach.

Like ``Database``, the master password is generated and rotated by RDS in Secrets Manager,
storage is encrypted, the security group starts closed and opens per consumer, and the
parameter group rejects unencrypted connections (``rds.force_ssl``). What SQL Server does
differently: the edition is the RDS engine (``sqlserver-ex`` Express, ``sqlserver-se``
Standard, ``sqlserver-web``, ``sqlserver-ee``), the license comes with the instance, no
database is created at launch (RDS refuses a database name for SQL Server: the
application creates its own), there is no IAM database authentication, only Standard and
Enterprise run Multi-AZ, and the instance identifier is at most 15 characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import IngressGate, Use
from ._logs import owned_log_groups
from ._names import original_name, physical_name

PORT = 1433
EDITIONS = ("sqlserver-ex", "sqlserver-web", "sqlserver-se", "sqlserver-ee")
MULTI_AZ_EDITIONS = ("sqlserver-se", "sqlserver-ee")
LOG_EXPORTS = ["agent", "error"]  # what RDS for SQL Server exports to CloudWatch Logs
IDENTIFIER_MAX = 15  # SQL Server DB instance identifiers: 1-15 characters


def parameter_group_family(edition: str, engine_version: str) -> str:
    """``sqlserver-se`` 16.00 -> ``sqlserver-se-16.0``."""
    major = engine_version.split(".")[0]
    return f"{edition}-{major}.0"


class SqlServer(pulumi.ComponentResource):
    """RDS for SQL Server with a closed security group and an RDS-managed master secret.

    Args:
        name: Component name, prefix of every child resource name.
        edition: The RDS engine of the edition, e.g. ``"sqlserver-se"``.
        engine_version: ``"16.00"`` (2022) or ``"15.00"`` (2019); RDS applies minor
            versions in the maintenance window.
        instance_class: e.g. ``"db.m5.large"`` (no Graviton classes run SQL Server).
        allocated_storage: Initial gp3 storage in GiB (20 or more).
        max_allocated_storage: Storage autoscaling ceiling in GiB (0 disables it).
        multi_az: A standby in a second AZ (Standard and Enterprise only).
        backup_retention_days: Automated backup retention, 0-35.
        deletion_protection: Refuse deletion and take a final snapshot if deleted.
        vpc_id: VPC of the instance.
        subnet_ids: Private subnets in at least two AZs.
        username: Master user name (its password lives in Secrets Manager).
        log_retention_days: How long the agent and error logs are kept.
        protect: Pulumi refuses to delete or replace the instance (production).
        kms_key_arn: Customer-managed KMS key for storage, Performance Insights, the
            master secret and the exported logs; None keeps the AWS-managed keys.
        performance_insights: Enable Performance Insights with 7 days of retention (the
            free tier): the runbook's slow-query step reads its top SQL. RDS for SQL Server
            offers it on every edition and class (RDS User Guide, "Amazon RDS DB engine,
            Region, and instance class support for Database Insights": no instance class
            restriction for SQL Server).
        import_id: Adopt the existing DB instance with this identifier instead of creating
            one (Pulumi's ``import`` option), named by it.

    ``identifier`` is the DBInstanceIdentifier, the dimension of the RDS metrics.
    """

    address: pulumi.Output[str]
    identifier: pulumi.Output[str]
    secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        edition: str,
        engine_version: str,
        instance_class: str,
        allocated_storage: int,
        max_allocated_storage: int,
        multi_az: bool,
        backup_retention_days: int,
        deletion_protection: bool,
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        username: str = "app",
        log_retention_days: int = 30,
        protect: bool = False,
        kms_key_arn: pulumi.Input[str] | None = None,
        performance_insights: bool = True,
        import_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:SqlServer", name, None, opts)
        if edition not in EDITIONS:
            raise ValueError(f"edition must be one of {EDITIONS}, got {edition!r}")
        if multi_az and edition not in MULTI_AZ_EDITIONS:
            raise ValueError(f"{edition} has no Multi-AZ: use sqlserver-se or sqlserver-ee")
        if re.match(r"^db\.[a-z]+\d+g", instance_class):
            raise ValueError(f"RDS for SQL Server has no Graviton classes: {instance_class}")
        if 0 < max_allocated_storage <= allocated_storage:
            raise ValueError(
                "max_allocated_storage must be 0 (no storage autoscaling) or above "
                f"allocated_storage ({allocated_storage}), got {max_allocated_storage}"
            )
        child = pulumi.ResourceOptions(parent=self)
        kept = original_name(name, opts)
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            subnet_ids=subnet_ids,
            description=f"{kept} private subnets",
            opts=child,
        )
        self._gate = IngressGate(
            self, name, vpc_id=vpc_id, kind="database", port=PORT, description=edition, label=kept
        )
        sg = self._gate.security_group
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            family=parameter_group_family(edition, engine_version),
            description=f"{kept}: reject unencrypted connections",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(
                    name="rds.force_ssl", value="1", apply_method="pending-reboot"
                )
            ],
            opts=child,
        )
        final_snapshot = re.sub(
            r"[^a-zA-Z0-9]+", "-", f"{pulumi.get_project()}-{pulumi.get_stack()}-{kept}-final"
        ).strip("-")
        identifier = import_id or physical_name(kept, max_length=IDENTIFIER_MAX)
        log_groups = owned_log_groups(
            self,
            name,
            path=f"/aws/rds/instance/{identifier}",
            logs=LOG_EXPORTS,
            retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
        )
        instance = aws.rds.Instance(
            f"{name}-db",
            identifier=identifier,
            engine=edition,
            engine_version=engine_version,
            license_model="license-included",
            instance_class=instance_class,
            username=username,
            # RDS generates the password into Secrets Manager and rotates it.
            manage_master_user_password=True,
            master_user_secret_kms_key_id=kms_key_arn,
            port=PORT,
            allocated_storage=allocated_storage,
            max_allocated_storage=max_allocated_storage,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            multi_az=multi_az,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[sg.id],
            parameter_group_name=parameters.name,
            publicly_accessible=False,
            backup_retention_period=backup_retention_days,
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=True,
            enabled_cloudwatch_logs_exports=LOG_EXPORTS,
            performance_insights_enabled=performance_insights,
            performance_insights_retention_period=7 if performance_insights else None,
            performance_insights_kms_key_id=kms_key_arn if performance_insights else None,
            deletion_protection=deletion_protection,
            skip_final_snapshot=not deletion_protection,
            final_snapshot_identifier=final_snapshot[:255] if deletion_protection else None,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=log_groups, protect=protect, import_=import_id
            ),
        )
        self.address = instance.address
        self.identifier = instance.identifier
        self.secret_arn = instance.master_user_secrets.apply(lambda s: str(s[0].secret_arn))
        self.security_group_id = sg.id
        self.metric_ids = {"id": [instance.identifier]}
        self.register_outputs(
            {
                "address": self.address,
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
        # No <PREFIX>_NAME: SQL Server starts without an application database; the app
        # creates it (CREATE DATABASE) with the master user from the secret.
        return {
            f"{prefix}_HOST": self.address,
            f"{prefix}_PORT": str(PORT),
            # Read username and password from this secret at connect time (and again on a
            # login failure): RDS rotates it every 7 days.
            f"{prefix}_SECRET_ARN": self.secret_arn,
            f"{prefix}_AUTH": "secret",
        }

    def secrets(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {}  # nothing injected once at start-up: it would not survive a rotation

    def policy_statements(self, use: Use) -> list[dict[str, Any]]:
        return [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [self.secret_arn],
            }
        ]
