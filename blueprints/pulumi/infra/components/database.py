"""A PostgreSQL, MySQL or MariaDB RDS instance that only its consumers can reach.

The master password is generated and rotated by RDS in Secrets Manager, so no password
ever appears in code, state or stack config. A service either reads that secret by its
ARN when it connects (so the 7-day rotation never strands it), or connects as its own
database user with IAM authentication tokens (``Use(db, db_user=...)``); see
docs/credentials.md in the shipspec repository. The
security group starts closed and opens per consumer, TLS is enforced by the parameter
group, storage is encrypted and backups are kept. The parameter group also makes the engine
write the slow statements the exported log publishes (``slow_query_ms``).

The exported logs go to log groups the stack creates first, with the stack's retention;
otherwise RDS would create them at its first write and keep them forever. Their names
contain the instance identifier, so the identifier is not autonamed but fixed:
``<project>-<stack>-<name>``. An instance created earlier with an autonamed identifier is
renamed in place, not replaced; RDS applies the rename, and the endpoint change that
comes with it, in the next maintenance window.
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

_ENGINES = {
    # engine: (port, TLS-enforcing parameter, CloudWatch log exports)
    "postgres": (5432, ("rds.force_ssl", "1"), ["postgresql", "upgrade"]),
    "mysql": (3306, ("require_secure_transport", "ON"), ["error", "slowquery"]),
    "mariadb": (3306, ("require_secure_transport", "ON"), ["error", "slowquery"]),
}


def slow_query_parameters(engine: str, slow_query_ms: int) -> dict[str, str]:
    """The parameters that make the engine write the slow statements its export publishes.

    An export only publishes what the engine writes. MySQL and MariaDB write no slow query
    log until ``slow_query_log = 1`` (default 0), log to a table unless ``log_output = FILE``
    (RDS publishes only the file to CloudWatch Logs), and count as slow what takes
    ``long_query_time`` seconds (default 10; fractions to the microsecond with FILE) -- AWS,
    "Publishing MySQL logs to Amazon CloudWatch Logs" and "RDS for MySQL slow query and general
    logs" (the MariaDB pages say the same). PostgreSQL writes a statement to its ``postgresql``
    log when it runs ``log_min_duration_statement`` ms or longer; RDS leaves it unset (-1, off)
    -- AWS, "Turning on query logging for your RDS for PostgreSQL DB instance".
    All are dynamic parameters, so they apply without a reboot (``immediate``).
    """
    if engine == "postgres":
        return {"log_min_duration_statement": str(slow_query_ms)}
    return {
        "slow_query_log": "1",
        "log_output": "FILE",
        "long_query_time": f"{slow_query_ms / 1000:g}",
    }


# Classes on which RDS for MySQL and MariaDB offer no Performance Insights.
_NO_INSIGHTS = frozenset(
    {"db.t2.micro", "db.t2.small", "db.t3.micro", "db.t3.small", "db.t4g.micro", "db.t4g.small"}
)


def parameter_group_family(engine: str, engine_version: str) -> str:
    """``postgres`` 16.4 -> ``postgres16``; ``mysql`` 8.0.39 -> ``mysql8.0``; ``mariadb11.4``."""
    parts = engine_version.split(".")
    if engine == "postgres":
        return f"postgres{parts[0]}"
    return f"{engine}{'.'.join(parts[:2])}"


def major_version(engine: str, engine_version: str) -> str:
    """The version prefix RDS keeps while it applies minor upgrades: postgres 16.4 -> ``16``,
    mysql 8.0.39 -> ``8.0``, mariadb 10.11.9 -> ``10.11``.

    With ``auto_minor_version_upgrade`` a full version would drift: after RDS upgrades 16.4 to
    16.6 in the maintenance window, the next ``pulumi up`` would ask for 16.4 again, a downgrade
    RDS refuses. The provider accepts a prefix and reports the running version as
    ``engine_version_actual`` (Pulumi AWS ``rds.Instance`` ``engineVersion``).
    """
    return parameter_group_family(engine, engine_version).removeprefix(engine)


class Database(pulumi.ComponentResource):
    """RDS instance with a closed security group and an RDS-managed master secret.

    Args:
        name: Component name, prefix of every child resource name.
        engine: ``postgres``, ``mysql`` or ``mariadb``.
        engine_version: Major or full version, e.g. ``"16"`` or ``"8.0"``; minor
            upgrades are applied automatically in the maintenance window.
        instance_class: e.g. ``"db.t4g.medium"``.
        allocated_storage: Initial gp3 storage in GiB.
        max_allocated_storage: Storage autoscaling ceiling in GiB (0 disables it).
        multi_az: Synchronous standby in a second AZ with automatic failover.
        backup_retention_days: Automated backup retention, 1-35.
        deletion_protection: Refuse deletion and take a final snapshot if deleted.
        vpc_id: VPC of the instance.
        subnet_ids: Private subnets in at least two AZs.
        db_name: Database created at launch.
        username: Master user name (its password lives in Secrets Manager).
        performance_insights: Enable Performance Insights (7 days retention is free);
            None (the default) enables it wherever the engine offers it on the class
            (MySQL and MariaDB do not on micro and small classes).
        log_retention_days: How long the exported logs (PostgreSQL: postgresql and
            upgrade; MySQL and MariaDB: error and slowquery) are kept in CloudWatch Logs.
        slow_query_ms: Statements running at least this long are written to the exported
            slow-statement log (MySQL and MariaDB: slowquery; PostgreSQL: postgresql).
        protect: Pulumi refuses to delete or replace the instance (production).
        kms_key_arn: Customer-managed KMS key (``DataKey``) for storage, snapshots,
            Performance Insights, the master secret and the exported logs; None keeps
            the AWS-managed keys.
        import_id: Adopt the existing DB instance with this id instead of creating one
            (Pulumi's ``import`` option; the resource is named by it). Once imported, Pulumi
            treats the resource like any other while the id stays the same.

    ``identifier`` is the DBInstanceIdentifier (``<project>-<stack>-<name>``), the
    dimension of the RDS metrics.
    """

    address: pulumi.Output[str]
    identifier: pulumi.Output[str]
    secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        engine: str,
        engine_version: str,
        instance_class: str,
        allocated_storage: int,
        max_allocated_storage: int,
        multi_az: bool,
        backup_retention_days: int,
        deletion_protection: bool,
        vpc_id: pulumi.Input[str],
        subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
        db_name: str = "app",
        username: str = "app",
        performance_insights: bool | None = None,
        log_retention_days: int = 30,
        slow_query_ms: int = 1000,
        protect: bool = False,
        kms_key_arn: pulumi.Input[str] | None = None,
        import_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:Database", name, None, opts)
        if engine not in _ENGINES:
            raise ValueError(f"engine must be one of {sorted(_ENGINES)}, got {engine!r}")
        if 0 < max_allocated_storage <= allocated_storage:
            raise ValueError(
                "max_allocated_storage must be 0 (no storage autoscaling) or above "
                f"allocated_storage ({allocated_storage}), got {max_allocated_storage}"
            )
        port, (tls_param, tls_value), log_exports = _ENGINES[engine]
        if performance_insights is None:
            performance_insights = engine == "postgres" or instance_class not in _NO_INSIGHTS
        child = pulumi.ResourceOptions(parent=self)
        kept = original_name(name, opts)  # physical names and descriptions survive a rename
        self._port = port
        self._db_name = db_name
        self._engine = engine
        self._kms_key_arn = kms_key_arn

        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            subnet_ids=subnet_ids,
            description=f"{kept} private subnets",
            opts=child,
        )
        self._gate = IngressGate(
            self, name, vpc_id=vpc_id, kind="database", port=port, description=engine, label=kept
        )
        sg = self._gate.security_group
        if slow_query_ms < 1:
            raise ValueError(f"slow_query_ms must be at least 1, got {slow_query_ms}")
        # ModifyDBParameterGroup takes ApplyMethod "immediate" for dynamic parameters only;
        # "pending-reboot" for either (RDS API reference, ModifyDBParameterGroup).
        slow = [
            aws.rds.ParameterGroupParameterArgs(name=k, value=v, apply_method="immediate")
            for k, v in sorted(slow_query_parameters(engine, slow_query_ms).items())
        ]
        parameters = aws.rds.ParameterGroup(
            f"{name}-params",
            family=parameter_group_family(engine, engine_version),
            description=f"{kept}: reject unencrypted connections",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(
                    name=tls_param, value=tls_value, apply_method="pending-reboot"
                ),
                *slow,
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
            path=f"/aws/rds/instance/{identifier}",
            logs=log_exports,
            retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
        )
        instance = aws.rds.Instance(
            f"{name}-db",
            identifier=identifier,
            engine=engine,
            engine_version=major_version(engine, engine_version),
            instance_class=instance_class,
            db_name=db_name,
            username=username,
            # RDS generates the password into Secrets Manager and rotates it.
            manage_master_user_password=True,
            # Services with their own database user sign in with IAM tokens instead.
            iam_database_authentication_enabled=True,
            port=port,
            allocated_storage=allocated_storage,
            max_allocated_storage=max_allocated_storage,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=kms_key_arn,
            master_user_secret_kms_key_id=kms_key_arn,
            multi_az=multi_az,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[sg.id],
            parameter_group_name=parameters.name,
            publicly_accessible=False,
            backup_retention_period=backup_retention_days,
            copy_tags_to_snapshot=True,
            auto_minor_version_upgrade=True,
            performance_insights_enabled=performance_insights,
            performance_insights_retention_period=7 if performance_insights else None,
            performance_insights_kms_key_id=kms_key_arn if performance_insights else None,
            enabled_cloudwatch_logs_exports=log_exports,
            deletion_protection=deletion_protection,
            # A protected database leaves a final snapshot behind if it is ever deleted.
            skip_final_snapshot=not deletion_protection,
            final_snapshot_identifier=final_snapshot[:255] if deletion_protection else None,
            # RDS writes to the groups above only if they exist before its first export.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=log_groups, protect=protect, import_=import_id
            ),
        )

        self.address = instance.address
        self.identifier = instance.identifier
        self.secret_arn = instance.master_user_secrets.apply(lambda s: str(s[0].secret_arn))
        self.security_group_id = sg.id
        invoke = pulumi.InvokeOutputOptions(parent=self)
        # arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>, for rds-db:connect.
        self._db_user_prefix = pulumi.Output.concat(
            "arn:aws:rds-db:",
            aws.get_region_output(opts=invoke).region,
            ":",
            aws.get_caller_identity_output(opts=invoke).account_id,
            ":dbuser:",
            instance.resource_id,
            "/",
        )
        self.metric_ids = {"id": [instance.identifier]}  # for Monitoring's dimension references
        self.register_outputs(
            {
                "address": self.address,
                "identifier": self.identifier,
                "port": port,
                "secret_arn": self.secret_arn,
                "security_group_id": self.security_group_id,
            }
        )

    @property
    def port(self) -> int:
        return self._port

    @property
    def engine(self) -> str:
        return self._engine

    @property
    def db_name(self) -> str:
        return self._db_name

    @property
    def kms_key_arn(self) -> pulumi.Input[str] | None:
        """The customer-managed key encrypting the master secret, or None (AWS-managed)."""
        return self._kms_key_arn

    def allow_from(self, consumer_name: str, security_group_id: pulumi.Input[str]) -> None:
        self._gate.allow(consumer_name, security_group_id)

    def environment(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        env: dict[str, pulumi.Input[str]] = {
            f"{prefix}_HOST": self.address,
            f"{prefix}_PORT": str(self._port),
            f"{prefix}_NAME": self._db_name,
        }
        if use.db_user is not None:
            # The service's own user; its password is an IAM token the app generates
            # (rds generate-db-auth-token), valid 15 minutes. See docs/credentials.md.
            env[f"{prefix}_USERNAME"] = use.db_user
            env[f"{prefix}_AUTH"] = "iam"
        else:
            # The app reads username and password from this secret when it opens a
            # connection, and again on an authentication error: RDS rotates it every 7
            # days, and a value injected at task start would go stale.
            env[f"{prefix}_SECRET_ARN"] = self.secret_arn
            env[f"{prefix}_AUTH"] = "secret"
        return env

    def secrets(self, prefix: str, use: Use) -> dict[str, pulumi.Input[str]]:
        return {}  # nothing injected once at start-up: it would not survive a rotation

    def policy_statements(self, use: Use) -> list[dict[str, Any]]:
        if use.db_user is not None:
            user = pulumi.Output.concat(self._db_user_prefix, use.db_user)
            return [{"Effect": "Allow", "Action": ["rds-db:connect"], "Resource": [user]}]
        return [
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [self.secret_arn],
            }
        ]
