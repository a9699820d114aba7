"""The one-off "db-admin" task of each SQL database and DocumentDB cluster: which client
runs which statements.

RDS cannot create database users, and nobody can reach a generated database from
outside: its security group admits only its consumers' groups, there is no bastion and
ECS Exec is off in production. So the program defines, per environment and per RDS
PostgreSQL, MySQL or MariaDB database, a Fargate task definition (no service) that
connects as the master user over TLS, verifying the server's certificate and name against
AWS's CA bundle (``CA_BUNDLE_URL``), and runs the SQL here, then exits: 0 when every
statement succeeded, non-zero on the first error. The handoff prints the same
statements (one source, this module) and the ``aws ecs run-task`` that starts it.

The SQL is idempotent, so the deploy job runs the task on every deploy, after the
``pulumi up`` that registers it and before the services roll (``blueprints/_pipeline/
ecs.sh.j2``, ``one_offs``), where services have their own users: PostgreSQL creates a role
only when ``pg_roles`` lacks it (``CREATE ROLE`` has no ``IF NOT EXISTS``) and re-granting
a privilege is a no-op; MySQL and MariaDB have ``CREATE USER IF NOT EXISTS``
(``tests/plan/test_db_admin_sql.py`` asserts each statement's guard).

Where no service has its own user (none of PCI DSS, HIPAA, SOC 2 in the spec, or a
MariaDB before 10.11; the same in every environment of a spec), the task is kept: its SQL
only reports the server version, which proves the TLS path and the master secret work,
and the same task runs any other statement (a repair, a one-off migration) by overriding
``ADMIN_SQL`` (docs/credentials.md). SQL Server gets none: no service has
its own SQL Server user (RDS for SQL Server has no IAM database authentication), and
Microsoft's client image (``mcr.microsoft.com/mssql-tools``) publishes no digest that a
public file pins.

A DocumentDB cluster's task runs mongosh instead (``DOCUMENT_SCRIPT``): under the same
frameworks each consuming service's task role gets its own ``$external`` user
(MONGODB-AWS, ``readWrite`` on the application database; ``document_users``), created or
updated on every deploy; elsewhere it prints the server version.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import EnvironmentPlan

ADMIN_ENGINES = frozenset({"postgres", "mysql", "mariadb"})
"""Engines that get a db-admin task (``plan.access.SQL_ENGINES``)."""

CONTAINER = "db-admin"
"""The task's container name: what ``--overrides`` names to run other SQL."""

CLIENT_IMAGES = {"postgres": "postgres-client", "mysql": "mysql-client", "mariadb": "mysql-client"}
"""Engine → role in ``render/targets/images.json``. psql talks to every PostgreSQL server
from 9.2 on, and the statements are plain SQL, so one psql serves every RDS major version;
the MySQL 8.0 client speaks to MySQL 8.0/8.4 and MariaDB (both use the MySQL protocol; its
``--ssl-mode=VERIFY_IDENTITY --ssl-ca`` verifies either server's certificate, as the Amazon
RDS User Guide's MariaDB page shows for the MySQL 8.0 client)."""

CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
"""AWS's certificate bundle for RDS and DocumentDB (every region's CAs): each db-admin task
fetches it (curl, ``render/targets/images.json`` role ``curl``) before its client starts, and
the client verifies the server's certificate against it, with the endpoint's name for SQL
(Amazon RDS User Guide, "Using SSL/TLS to encrypt a connection": ``sslmode=verify-full``,
``--ssl-mode=VERIFY_IDENTITY``; Amazon DocumentDB Developer Guide, "Connecting
programmatically": ``tlsCAFile=global-bundle.pem``)."""

DATABASE_NAME = "app"
"""The database RDS creates at launch (``Database(db_name="app")`` in the program)."""


def component_name(datastore: str) -> str:
    """``db`` → ``db-admin``: the program's component, its log group and task family."""
    return f"{datastore}-admin"


def admin_sql(engine: str, users: Sequence[str], database: str = DATABASE_NAME) -> list[str]:
    """The statements the task runs: the services' own users, or a version check without any.

    PostgreSQL users get ``rds_iam`` (IAM tokens instead of a password) and DML on the
    ``public`` schema, now and for the tables migrations create later (default
    privileges); MySQL and MariaDB users authenticate with ``AWSAuthenticationPlugin``
    over TLS only and get DML on the database.
    """
    if engine not in ADMIN_ENGINES:
        raise ValueError(f"no db-admin task for {engine!r}")
    if not users:
        return ["SELECT version();"]
    statements: list[str] = []
    for user in users:
        if engine == "postgres":
            statements += [
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                f"'{user}') THEN CREATE ROLE {user} LOGIN; END IF; END $$;",
                f"GRANT rds_iam TO {user};",
                f"GRANT CONNECT ON DATABASE {database} TO {user};",
                f"GRANT USAGE ON SCHEMA public TO {user};",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {user};",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {user};",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, "
                f"DELETE ON TABLES TO {user};",
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES "
                f"TO {user};",
            ]
        else:
            statements += [
                f"CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED WITH "
                "AWSAuthenticationPlugin AS 'RDS';",
                f"ALTER USER '{user}'@'%' REQUIRE SSL;",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON {database}.* TO '{user}'@'%';",
            ]
    return statements


def database_users(env: EnvironmentPlan) -> dict[str, list[str]]:
    """Datastore → its services' own database users (sorted), for the SQL databases with any."""
    return _users(env, ADMIN_ENGINES)


def document_users(env: EnvironmentPlan) -> dict[str, list[str]]:
    """DocumentDB cluster → the services (sorted) whose task roles sign in to it as their own
    ``$external`` users, for the clusters with any."""
    return _users(env, frozenset({"mongodb"}))


def _users(env: EnvironmentPlan, engines: frozenset[str]) -> dict[str, list[str]]:
    users: dict[str, set[str]] = {}
    for service in env.services:
        for use in service.uses:
            if use.db_user is not None and use.engine in engines:
                users.setdefault(use.datastore, set()).add(use.db_user)
    return {name: sorted(found) for name, found in users.items()}


# DocumentDB ------------------------------------------------------------------------------

DOCUMENT_CLIENT_IMAGE = "mongosh"
"""Role in ``render/targets/images.json`` of the image whose mongosh the task runs."""

DOCUMENT_SCRIPT = """\
// shipspec db-admin (DocumentDB): connect as the primary user over TLS, verifying the
// cluster's certificate against AWS's CA bundle, then give each consuming service's task
// role its own $external user (MONGODB-AWS) with readWrite on the application database.
// Idempotent: a user that exists is updated to exactly these roles.
const env = process.env;
const url = "mongodb://" + encodeURIComponent(env.DOCDB_USERNAME) + ":" +
  encodeURIComponent(env.DOCDB_PASSWORD) + "@" + env.DOCDB_HOST + ":" + env.DOCDB_PORT +
  "/admin?tls=true&tlsCAFile=" + encodeURIComponent(env.DOCDB_CA_FILE) +
  "&replicaSet=rs0&readPreference=primary&retryWrites=false";
const admin = connect(url);
print("DocumentDB " + admin.version());
const users = JSON.parse(env.ADMIN_USERS || "[]");
const external = admin.getSiblingDB("$external");
for (const { service, role } of users) {
  const roles = [{ role: "readWrite", db: env.DOCDB_NAME }];
  if (external.getUser(role) === null) {
    external.createUser({ user: role, mechanisms: ["MONGODB-AWS"], roles: roles });
    print(service + ": created " + role);
  } else {
    external.updateUser(role, { roles: roles });
    print(service + ": updated " + role);
  }
}
"""
"""The JavaScript the DocumentDB db-admin task's mongosh runs (``--nodb --eval``): the
credentials and the CA file come from the task's variables, the users from
``ADMIN_USERS`` (``[{"service": ..., "role": <task role ARN>}]``, which the program fills
from the services' task roles). A user is named by the role's ARN
(``arn:aws:iam::<account>:role/<name>``): the roles have no path, so it is also what
DocumentDB derives from the ``assumed-role`` session the driver signs with. Any error
(TLS, sign-in, a refused command) ends mongosh with a non-zero exit code."""
