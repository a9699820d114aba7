"""A DocumentDB (MongoDB-compatible) cluster that only its consumers can reach.

As with the RDS Database, DocumentDB generates the master password into Secrets Manager
and rotates it (``manage_master_user_password``), so no password appears in code, state
or stack config; a service reads it by ARN when it connects, or, given its own user
(``Use(db_user=...)``, under PCI DSS, HIPAA or SOC 2), never sees it: it signs in with its
task role (MONGODB-AWS), as the $external user the ``DocumentDbAdmin`` task creates. The
security group starts closed and opens per consumer, the cluster parameter group keeps TLS
on and turns the audit log and the profiler (operations slower than ``slow_query_ms``) on,
storage is encrypted, backups are kept, and a protected cluster leaves a final snapshot.
Instances are placed one per AZ of the subnets: DocumentDB would otherwise pick a random AZ
for each, and a primary and its replica could share one.

The audit and profiler logs go to log groups the stack creates first, with the stack's
retention; otherwise DocumentDB would create them at its first write and keep them forever.
Their names contain the cluster identifier, so the identifier is not autonamed but fixed:
``<project>-<stack>-<name>``. The AWS provider cannot rename a cluster: one created earlier
with an autonamed identifier is replaced by a new, empty cluster (snapshot it first).
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

PORT = 27017
# The application database: the services' own users get readWrite on it (docdb_admin.py).
DATABASE = "app"
# Cluster logs exported to CloudWatch; each is written only when the cluster parameter group
# turns it on: audit_logs=enabled, profiler=enabled (Amazon DocumentDB developer guide,
# "Auditing Amazon DocumentDB events" and "Profiling Amazon DocumentDB operations").
LOG_EXPORTS = ("audit", "profiler")


def docdb_version(version: str) -> tuple[str, str]:
    """``"5.0"`` -> (``"5.0.0"``, ``"docdb5.0"``): the engine version and parameter family."""
    parts = version.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"a DocumentDB version looks like 5.0 or 5.0.0, got {version!r}")
    return ".".join([*parts, "0"][:3]), f"docdb{parts[0]}.{parts[1]}"


class DocumentDB(pulumi.ComponentResource):
    """DocumentDB cluster with a closed security group and a DocumentDB-managed master secret.

    Args:
        name: Component name, prefix of every child resource name.
        engine_version: ``"4.0"``, ``"5.0"`` or ``"8.0"`` (a full ``"5.0.0"`` works too).
        instance_class: e.g. ``"db.t4g.medium"``, ``"db.r6g.large"``.
        instances: The primary plus read replicas, 1-16; a replica is promoted when the
            primary fails, so 2+ is highly available.
        backup_retention_days: Continuous backups kept, 1-35 (DocumentDB cannot turn
            them off).
        deletion_protection: Refuse deletion and take a final snapshot if deleted.
        vpc_id: VPC of the cluster.
        subnet_ids: Private subnets in at least two AZs.
        username: Master user name (its password lives in Secrets Manager).
        log_retention_days: How long the audit and profiler logs are kept in CloudWatch Logs.
        slow_query_ms: The profiler logs operations that run longer (50 or more).
        protect: Pulumi refuses to delete or replace the cluster (production).
        kms_key_arn: Customer-managed KMS key (``DataKey``) for storage, snapshots and the
            audit log group.
        import_id: Adopt the existing cluster with this identifier (its instances are new)
            instead of creating one (Pulumi's ``import`` option), named by it; Pulumi treats it
            like any other resource while the id stays.

    ``identifier`` (also ``metric_ids["id"]``) is the DBClusterIdentifier
    (``<project>-<stack>-<name>``), the dimension of the AWS/DocDB metrics.
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
        instance_class: str,
        instances: int,
        backup_retention_days: int,
        deletion_protection: bool,
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        username: str = "app",
        log_retention_days: int = 30,
        slow_query_ms: int = 1000,
        protect: bool = False,
        kms_key_arn: pulumi.Input[str] | None = None,
        import_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:DocumentDB", name, None, opts)
        if not 1 <= instances <= 16:
            raise ValueError(f"instances must be 1-16, got {instances}")
        if not 1 <= backup_retention_days <= 35:
            raise ValueError(f"DocumentDB keeps 1-35 days of backups, got {backup_retention_days}")
        if slow_query_ms < 50:  # profiler_threshold_ms: 50-2147483646
            raise ValueError(f"the profiler's threshold is 50 ms or more, got {slow_query_ms}")
        version, family = docdb_version(engine_version)
        child = pulumi.ResourceOptions(parent=self)
        kept = original_name(name, opts)  # physical names and descriptions survive a rename

        subnet_group = aws.docdb.SubnetGroup(
            f"{name}-subnets",
            subnet_ids=subnet_ids,
            description=f"{kept} private subnets",
            opts=child,
        )
        self._gate = IngressGate(
            self,
            name,
            vpc_id=vpc_id,
            kind="document database",
            port=PORT,
            description="mongodb",
            label=kept,
        )
        sg = self._gate.security_group
        parameters = aws.docdb.ClusterParameterGroup(
            f"{name}-params",
            family=family,
            description=f"{kept}: TLS only, audit log on",
            # tls is static (applies at the instances' reboot); the others are dynamic, and
            # a static parameter refuses "immediate" (Amazon DocumentDB cluster parameters
            # reference, Apply Type; ModifyDBClusterParameterGroup).
            parameters=[
                aws.docdb.ClusterParameterGroupParameterArgs(
                    name="tls", value="enabled", apply_method="pending-reboot"
                ),
                aws.docdb.ClusterParameterGroupParameterArgs(
                    name="audit_logs", value="enabled", apply_method="immediate"
                ),
                aws.docdb.ClusterParameterGroupParameterArgs(
                    name="profiler", value="enabled", apply_method="immediate"
                ),
                aws.docdb.ClusterParameterGroupParameterArgs(
                    name="profiler_threshold_ms", value=str(slow_query_ms), apply_method="immediate"
                ),
            ],
            opts=child,
        )
        final_snapshot = re.sub(
            r"[^a-zA-Z0-9]+", "-", f"{pulumi.get_project()}-{pulumi.get_stack()}-{kept}-final"
        ).strip("-")
        identifier = import_id or physical_name(kept)
        log_groups = owned_log_groups(
            self,
            name,
            path=f"/aws/docdb/{identifier}",
            logs=LOG_EXPORTS,
            retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
        )
        cluster = aws.docdb.Cluster(
            f"{name}-cluster",
            cluster_identifier=identifier,
            engine="docdb",
            engine_version=version,
            master_username=username,
            # DocumentDB generates the password into Secrets Manager and rotates it.
            manage_master_user_password=True,
            port=PORT,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[sg.id],
            db_cluster_parameter_group_name=parameters.name,
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            backup_retention_period=backup_retention_days,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            deletion_protection=deletion_protection,
            skip_final_snapshot=not deletion_protection,
            final_snapshot_identifier=final_snapshot[:255] if deletion_protection else None,
            # DocumentDB writes to the groups above only if they exist before its first export.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=log_groups, protect=protect, import_=import_id
            ),
        )
        zones = _subnet_zones(subnet_ids, self)
        for i in range(instances):
            aws.docdb.ClusterInstance(
                f"{name}-{i + 1}",
                cluster_identifier=cluster.id,
                engine="docdb",
                instance_class=instance_class,
                availability_zone=_nth(zones, i),
                auto_minor_version_upgrade=True,
                copy_tags_to_snapshot=True,
                opts=child,
            )

        self.endpoint = cluster.endpoint
        self.identifier = cluster.cluster_identifier
        self.metric_ids = {"id": [self.identifier]}
        self.secret_arn = cluster.master_user_secrets.apply(lambda s: str(s[0].secret_arn))
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
        # DocumentDB needs TLS (the application verifies the cluster with AWS's CA bundle),
        # a replica set name, and no retryable writes. ``use.db_user`` set: the service
        # signs in as its task role's own $external user (MONGODB-AWS: the driver signs an
        # STS request with the task role's credentials), created by the db-admin task; no
        # secret. Otherwise the driver takes the master user and password from the secret
        # named by _SECRET_ARN.
        options = "tls=true&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false"
        variables: dict[str, pulumi.Input[str]] = {
            f"{prefix}_HOST": self.endpoint,
            f"{prefix}_PORT": str(PORT),
            f"{prefix}_TLS": "true",
            f"{prefix}_NAME": DATABASE,
        }
        if use.db_user is not None:
            variables[f"{prefix}_AUTH"] = "iam"
            variables[f"{prefix}_URL"] = pulumi.Output.concat(
                "mongodb://",
                self.endpoint,
                f":{PORT}/{DATABASE}?{options}&authSource=%24external&authMechanism=MONGODB-AWS",
            )
            return variables
        variables[f"{prefix}_AUTH"] = "secret"
        variables[f"{prefix}_URL"] = pulumi.Output.concat(
            "mongodb://", self.endpoint, f":{PORT}/?{options}"
        )
        # Read when connecting and again on an authentication error: DocumentDB rotates
        # the managed password, so a value injected at start would go stale.
        variables[f"{prefix}_SECRET_ARN"] = self.secret_arn
        return variables

    def secrets(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {}

    def policy_statements(self, use: Use) -> list[dict[str, Any]]:
        if use.db_user is not None:
            # MONGODB-AWS needs no IAM permission: DocumentDB checks the signed
            # GetCallerIdentity request, then its own $external user's roles.
            return []
        return [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [self.secret_arn],
            }
        ]


def _subnet_zones(
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]], parent: pulumi.Resource
) -> pulumi.Output[list[str]]:
    """The distinct AZs of ``subnet_ids``, sorted, so instance ``i`` goes to zone ``i mod n``."""
    invoke = pulumi.InvokeOutputOptions(parent=parent)

    def zones(ids: Sequence[pulumi.Input[str]]) -> pulumi.Output[list[str]]:
        found = [aws.ec2.get_subnet_output(id=i, opts=invoke).availability_zone for i in ids]
        return pulumi.Output.all(*found).apply(lambda z: sorted(set(z)))

    return pulumi.Output.from_input(subnet_ids).apply(zones)


def _nth(zones: pulumi.Output[list[str]], index: int) -> pulumi.Output[str]:
    return zones.apply(lambda z: z[index % len(z)])
