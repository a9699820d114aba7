"""What each service may do with each datastore it uses, and as whom it connects.

Least privilege per use: a producer cannot receive or delete messages, a consumer cannot
send, and only a service that says so may delete objects. SQL databases are reached
either with the RDS-managed master secret, read by its ARN at run time so a rotation
never strands a running task, or, under PCI DSS, HIPAA or SOC 2, as the service's own
database user authenticated with short-lived IAM tokens (``docs/credentials.md``).

The per-service users are given in every environment of such a spec, not only in
production: otherwise staging never runs the login path production relies on (IAM
authentication on the instance, the db-admin task's ``CREATE USER``/``GRANT rds_iam``,
``rds-db:connect`` on the user, the application's token generation over TLS), and the first
production deploy is the first time it runs. A spec without those frameworks keeps the
master secret everywhere, production included: nothing asks it for separate identities.
"""

from __future__ import annotations

from ..spec.models import HandoffSpec, Service
from . import rules
from .decisions import Decisions
from .model import IAM_ACCESS_ENGINES, UsePlan

SQL_ENGINES = frozenset({"postgres", "mysql", "mariadb"})


def env_prefix(datastore: str) -> str:
    """``order-events`` → ``ORDER_EVENTS``: the prefix of the variables a datastore injects."""
    return datastore.upper().replace("-", "_")


def db_user(service: str) -> str:
    """``order-api`` → ``order_api``: a database user name that needs no quoting."""
    return service.replace("-", "_")


def plan_uses(
    spec: HandoffSpec, name: str, service: Service, production: bool, log: Decisions
) -> list[UsePlan]:
    regulated: list[str] = sorted(set(spec.requirements.security.compliance) & rules.OWN_DB_USERS)
    uses = []
    for datastore, access in service.datastore_uses():
        store = spec.datastores[datastore]
        key = f"services.{name}.uses.{datastore}"
        chosen = _access(key, service, store.engine, access, log)
        user = None
        if store.engine in SQL_ENGINES:
            user = _identity(key, name, store.engine, store.version, production, regulated, log)
        elif store.engine == "mongodb":
            user = _document_identity(key, name, production, regulated, log)
        elif store.engine == "sqlserver":
            log.decide(
                f"{key}.credentials",
                "master-secret-arn",
                "reads the RDS-managed master secret by its ARN when it connects (RDS for SQL "
                "Server has no IAM database authentication"
                + (
                    f", so {', '.join(regulated)}'s user per service is a login the application "
                    "creates)"
                    if regulated
                    else ")"
                ),
                compliance=regulated,
            )
        former = store.renamed_from
        if former is not None:
            log.decide(
                f"{key}.former_prefix",
                env_prefix(former),
                f"{datastore} was renamed from {former} (`renamed_from`): the service gets its "
                f"{env_prefix(former)}_* variables too, the same values as "
                f"{env_prefix(datastore)}_* (secrets as secrets), so a release still reading "
                "the old names keeps its settings; they go when `renamed_from` leaves the spec",
                renamed_from=former,
            )
        uses.append(
            UsePlan(
                datastore=datastore,
                engine=store.engine,
                env_prefix=env_prefix(datastore),
                access=chosen,
                db_user=user,
                renamed_from=former,
                former_prefix=None if former is None else env_prefix(former),
            )
        )
    return uses


def _access(
    key: str, service: Service, engine: str, access: str | None, log: Decisions
) -> str | None:
    if engine == "rabbitmq":
        # Grants nothing (the broker is reached with credentials); it says whether the
        # service consumes, which the broker's no-consumers alarm reads.
        if access is not None:
            return log.decide(
                f"{key}.access",
                access,
                "access set in the spec: grants nothing on a RabbitMQ broker (reached with "
                "its credentials); tells the broker's no-consumers alarm whether this service "
                "consumes",
                access=access,
            )
        return None
    if engine not in IAM_ACCESS_ENGINES:
        return None
    if access is not None:
        return log.decide(f"{key}.access", access, "access set in the spec", access=access)
    if engine == "s3":
        return log.decide(
            f"{key}.access",
            "read-write",
            "default: read and write objects; deleting them needs "
            "`access: read-write-delete`, so a compromised task cannot empty the bucket",
        )
    if service.type == "worker":
        return log.decide(
            f"{key}.access",
            "consume",
            "default for a worker: receive and delete messages, not send them; "
            "`access: produce-consume` if it also sends",
            type=service.type,
        )
    return log.decide(
        f"{key}.access",
        "produce",
        f"default for a {service.type}: send messages, never receive or delete them; "
        "`access: consume` or `produce-consume` otherwise",
        type=service.type,
    )


def _identity(
    key: str,
    service: str,
    engine: str,
    version: str | None,
    production: bool,
    regulated: list[str],
    log: Decisions,
) -> str | None:
    if not regulated:
        log.decide(
            f"{key}.credentials",
            "master-secret-arn",
            "reads the RDS-managed master secret by its ARN when it connects, so the 7-day "
            "rotation never leaves it with a stale password; with none of "
            f"{', '.join(sorted(rules.OWN_DB_USERS))} in the spec, it signs in as the master "
            "user in every environment, production included",
            compliance=regulated,
        )
        return None
    if engine == "mariadb" and _older(version or rules.DB_DEFAULT_VERSION["mariadb"], "10.11"):
        log.decide(
            f"{key}.credentials",
            "master-secret-arn",
            f"{', '.join(regulated)} asks for a database user per service, but RDS offers IAM "
            "authentication for MariaDB only from 10.11: upgrade to give this service its own "
            "identity; until then it reads the master secret by its ARN at run time",
            version=version,
        )
        return None
    where = (
        f"production under {', '.join(regulated)}"
        if production
        else f"{', '.join(regulated)} in every environment, not only production (so this "
        "stack runs the IAM sign-in, db-admin grants and token generation production relies "
        "on before production does)"
    )
    return log.decide(
        f"{key}.credentials",
        db_user(service),
        f"{where}: its own database user, authenticated with "
        "15-minute IAM tokens (rds-db:connect on that user only), so a rotation cannot break "
        "it and its access is auditable apart from the other services",
        production=production,
        compliance=regulated,
    )


def _document_identity(
    key: str, service: str, production: bool, regulated: list[str], log: Decisions
) -> str | None:
    """DocumentDB: the service's task role as its own ``$external`` user (MONGODB-AWS), under
    the same frameworks as the SQL databases' users; the spec refuses a version without IAM
    authentication under them (``spec/compliance_checks.py``), so every such cluster has it."""
    if not regulated:
        log.decide(
            f"{key}.credentials",
            "master-secret-arn",
            "reads the DocumentDB-managed master secret by its ARN when it connects, so the "
            "7-day rotation never leaves it with a stale password; with none of "
            f"{', '.join(sorted(rules.OWN_DB_USERS))} in the spec, it signs in as the master "
            "user in every environment, production included",
            compliance=regulated,
        )
        return None
    where = (
        f"production under {', '.join(regulated)}"
        if production
        else f"{', '.join(regulated)} in every environment, not only production (so this "
        "stack runs the MONGODB-AWS sign-in and the db-admin task's createUser production "
        "relies on before production does)"
    )
    log.decide(
        f"{key}.credentials",
        "task-role",
        f"{where}: its own DocumentDB user in $external, named by its task role's ARN and "
        "authenticated with MONGODB-AWS (the driver signs with the task role's credentials; "
        "no secret), readWrite on the application database only, so a rotation cannot break "
        "it and the audit log tells it apart from the other services",
        production=production,
        compliance=regulated,
    )
    return service


def _older(version: str, than: str) -> bool:
    def parts(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split("."))

    return parts(version)[:2] < parts(than)
