"""A one-off task that runs SQL on a database as its master user: the way in for a person.

The database admits only its consumers' security groups, there is no bastion, and ECS
Exec is off in production, so nobody can connect to create the services' own database
users (RDS cannot) or repair anything. This task definition (no ECS service: it runs
when started with ``aws ecs run-task``: by the deploy job before the services roll, where
they have their own users, or by a person, see docs/operations/handoff.md) is one more
consumer: the database's group admits its group on the database port, and the ECS agent
injects the master username and password from the RDS-managed secret.

The client connects over TLS (``PGSSLMODE=require`` / ``--ssl-mode=REQUIRED``), runs
``ADMIN_SQL`` and exits: 0 when every statement succeeded, non-zero on the first error
(psql's ``ON_ERROR_STOP``; the mysql client stops at the first error in ``--execute``).
The image's own entrypoint never runs: the container starts ``/bin/sh -c`` with the
client command, so a run-task override of ``ADMIN_SQL`` runs other SQL the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import credential
from ._fargate import EXECUTION_POLICY, logs_and_security_group
from ._iam import secret_read_statements, service_role
from ._names import original_name
from ._one_off import task_definition

CONTAINER = "db-admin"

# engine: (variables naming the server, the secret's keys as variables, the command)
_CLIENTS: dict[str, tuple[dict[str, str], dict[str, str], str]] = {
    "postgres": (
        {"host": "PGHOST", "port": "PGPORT", "db": "PGDATABASE"},
        {"username": "PGUSER", "password": "PGPASSWORD"},
        'exec psql --no-psqlrc --set=ON_ERROR_STOP=1 --command="$ADMIN_SQL"',
    ),
    "mysql": (
        {"host": "DB_HOST", "port": "DB_PORT", "db": "DB_NAME"},
        # MYSQL_PWD: the client reads the password from it, never from the command line.
        {"username": "DB_USERNAME", "password": "MYSQL_PWD"},
        'exec mysql --ssl-mode=REQUIRED --host="$DB_HOST" --port="$DB_PORT" '
        '--user="$DB_USERNAME" --database="$DB_NAME" --execute="$ADMIN_SQL"',
    ),
}
_CLIENTS["mariadb"] = _CLIENTS["mysql"]


class DatabaseAdmin(pulumi.ComponentResource):
    """Fargate task definition running SQL on ``database`` as its master user, over TLS.

    Args:
        name: Component name (``<database>-admin``), prefix of every child resource name.
        database: The ``Database`` component it connects to.
        vpc_id: VPC of the task.
        image: The client image (``postgres`` for psql, ``mysql`` for MySQL and MariaDB),
            pinned by digest.
        sql: The statements it runs by default, in order.
        log_retention_days: CloudWatch Logs retention of its output.
        kms_key_arn: Customer-managed KMS key (``DataKey``) encrypting its logs; the
            master secret's key is the database's own.
    """

    family: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        database: Any,
        vpc_id: pulumi.Input[str],
        image: str,
        sql: Sequence[str],
        log_retention_days: int = 30,
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:DatabaseAdmin", name, None, opts)
        if database.engine not in _CLIENTS:
            raise ValueError(f"no client for engine {database.engine!r}")
        if not sql:
            raise ValueError("sql must hold at least one statement")
        server, keys, script = _CLIENTS[database.engine]
        child = pulumi.ResourceOptions(parent=self)
        kept = original_name(name, opts)
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region

        log_group, sg = logs_and_security_group(
            self,
            name,
            kept,
            vpc_id=vpc_id,
            description=f"{kept} one-off task: the database port only",
            https_to="the image registry, Secrets Manager and CloudWatch Logs",
            log_retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-database",
            security_group_id=sg.id,
            referenced_security_group_id=database.security_group_id,
            ip_protocol="tcp",
            from_port=database.port,
            to_port=database.port,
            description="To the database",
            opts=child,
        )
        # The first name: after a rename the database's rule for this task keeps its URN.
        database.allow_from(kept, sg.id)

        refs = {variable: credential(database, key) for key, variable in keys.items()}
        statements: pulumi.Input[list[dict[str, Any]]] = secret_read_statements(list(refs.values()))
        if database.kms_key_arn is not None:
            # The master secret is encrypted with the customer-managed key: decrypt it only
            # through Secrets Manager.
            statements = pulumi.Output.all(statements, database.kms_key_arn, region).apply(
                lambda parts: [
                    *parts[0],
                    {
                        "Effect": "Allow",
                        "Action": ["kms:Decrypt"],
                        "Resource": [parts[1]],
                        "Condition": {
                            "StringEquals": {
                                "kms:ViaService": f"secretsmanager.{parts[2]}.amazonaws.com"
                            }
                        },
                    },
                ]
            )
        execution_role = service_role(
            f"{name}-execution-role",
            parent=self,
            service="ecs-tasks.amazonaws.com",
            description=f"ECS agent for {kept}: pull the client, write logs, read the secret",
            managed_policies=[EXECUTION_POLICY],
            statements=statements,
        )
        environment = {
            server["host"]: database.address,
            server["port"]: str(database.port),
            server["db"]: database.db_name,
            "ADMIN_SQL": "\n".join(sql),
        }
        if database.engine == "postgres":
            environment["PGSSLMODE"] = "require"
        container = {
            "name": CONTAINER,
            "image": image,
            "command": [script],
            "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
            # Resolved by the ECS agent at start-up: the values never reach the definition.
            "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(refs.items())],
        }
        task_definition(
            self,
            name,
            kept,
            container=container,
            log_group=log_group,
            security_group=sg,
            region=region,
            execution_role_arn=execution_role.arn,
        )
