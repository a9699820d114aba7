"""A one-off task that runs SQL on a database as its master user: the way in for a person.

The database admits only its consumers' security groups, there is no bastion, and ECS
Exec is off in production, so nobody can connect to create the services' own database
users (RDS cannot) or repair anything. This task definition (no ECS service: it runs
when started with ``aws ecs run-task``: by the deploy job before the services roll, where
they have their own users, or by a person, see docs/operations/handoff.md) is one more
consumer: the database's group admits its group on the database port, and the ECS agent
injects the master username and password from the RDS-managed secret.

It sends the master password, so the client verifies the server first. Two containers:
``ca-bundle`` (curl, not essential) fetches AWS's RDS CA bundle over HTTPS into a
task-scoped volume and exits; only after it exited 0 does ``db-admin`` start (``dependsOn``
SUCCESS, ``_one_off.CaBundle``). The client then connects over TLS, verifying the server's
certificate against that bundle and its name against the endpoint it dialled
(``PGSSLMODE=verify-full`` with ``PGSSLROOTCERT``; ``--ssl-mode=VERIFY_IDENTITY
--ssl-ca``: RDS certificates name the instance endpoint), runs ``ADMIN_SQL`` and exits: 0
when every statement succeeded, non-zero on a failed verification or the first failed
statement (psql's ``ON_ERROR_STOP``; the mysql client stops at the first error in
``--execute``).

The image's own entrypoint never runs: the container starts ``/bin/sh -c`` with the
client command, so a run-task override of ``ADMIN_SQL`` runs other SQL the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ._datastore import credential
from ._iam import secret_read_statements
from ._names import original_name
from ._one_off import (
    CA_FILE,
    CaBundle,
    Container,
    Datastore,
    OneOffTask,
    execution_role,
    network,
    task_definition,
)

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
        # The MySQL 8.0 client's flags, for MySQL and MariaDB servers alike.
        f'exec mysql --ssl-mode=VERIFY_IDENTITY --ssl-ca={CA_FILE} --host="$DB_HOST" '
        '--port="$DB_PORT" --user="$DB_USERNAME" --database="$DB_NAME" --execute="$ADMIN_SQL"',
    ),
}
_CLIENTS["mariadb"] = _CLIENTS["mysql"]


class DatabaseAdmin(OneOffTask):
    """Fargate task definition running SQL on ``database`` as its master user, over TLS with
    the server's certificate verified.

    Args:
        name: Component name (``<database>-admin``), prefix of every child resource name.
        database: The ``Database`` component it connects to.
        vpc_id: VPC of the task.
        image: The client image (``postgres`` for psql, ``mysql`` for MySQL and MariaDB),
            pinned by digest.
        ca_image: The image with curl that fetches the CA bundle, pinned by digest.
        ca_bundle_url: AWS's RDS CA bundle (``global-bundle.pem``).
        sql: The statements it runs by default, in order.
        log_retention_days: CloudWatch Logs retention of its output.
        kms_key_arn: Customer-managed KMS key (``DataKey``) encrypting its logs; the
            master secret's key is the database's own.
    """

    def __init__(
        self,
        name: str,
        *,
        database: Any,
        vpc_id: pulumi.Input[str],
        image: str,
        ca_image: str,
        ca_bundle_url: str,
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
        kept = original_name(name, opts)
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region

        log_group, sg = network(
            self,
            name,
            kept,
            to=Datastore(database, database.port, "database", "To the database"),
            vpc_id=vpc_id,
            description=f"{kept} one-off task: the database port only",
            https_to="the image registry, Secrets Manager, CloudWatch Logs and the AWS CA bundle",
            log_retention_days=log_retention_days,
            kms_key_arn=kms_key_arn,
        )

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
        role = execution_role(
            self,
            name,
            kept,
            does="pull the clients, write logs, read the secret",
            statements=statements,
        )
        environment = {
            server["host"]: database.address,
            server["port"]: str(database.port),
            server["db"]: database.db_name,
            "ADMIN_SQL": "\n".join(sql),
        }
        if database.engine == "postgres":
            # libpq: the chain against the bundle, and PGHOST against the certificate's names.
            environment |= {"PGSSLMODE": "verify-full", "PGSSLROOTCERT": CA_FILE}
        task_definition(
            self,
            name,
            kept,
            container=Container(CONTAINER, image, script, environment, secrets=refs),
            log_group=log_group,
            security_group=sg,
            region=region,
            execution_role_arn=role.arn,
            ca_bundle=CaBundle(ca_image, ca_bundle_url),
        )
