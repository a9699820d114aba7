"""``environments.<env>.datastores.<name>.import_id``: what identifies each engine's resource.

Adopting an existing datastore (Pulumi's ``import`` resource option) needs the id the
provider reads the resource by, which for most engines is also its name: the stack then
names the resource by it, so the import finds matching inputs. Each entry says what the
identifier is, the shape AWS gives it and where the rule comes from.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class ImportIdRule(NamedTuple):
    what: str  # what the user gives, as the docs say it
    pattern: re.Pattern[str]
    example: str


_RDS = ImportIdRule(
    # CreateDBInstance DBInstanceIdentifier: 1-63 letters, digits, hyphens; a letter first;
    # no two hyphens in a row, none at the end (RDS API reference).
    "the RDS DB instance identifier",
    re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$"),
    "orders-db",
)

IMPORT_IDS: dict[str, ImportIdRule] = {
    "postgres": _RDS,
    "mysql": _RDS,
    "mariadb": _RDS,
    "sqlserver": ImportIdRule(
        # SQL Server instance identifiers are at most 15 characters (RDS User Guide,
        # "Naming constraints": Microsoft SQL Server 1 to 15).
        "the RDS DB instance identifier (at most 15 characters for SQL Server)",
        re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,14}(?<!-)$"),
        "orders-mssql",
    ),
    "redis": ImportIdRule(
        # CreateReplicationGroup ReplicationGroupId: 1-40 letters, digits, hyphens.
        "the ElastiCache replication group id",
        re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,39}(?<!-)$"),
        "orders-cache",
    ),
    "memcached": ImportIdRule(
        # CreateCacheCluster CacheClusterId: 1-50 letters, digits, hyphens.
        "the ElastiCache cluster id",
        re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,49}(?<!-)$"),
        "sessions",
    ),
    "mongodb": ImportIdRule(
        # CreateDBCluster DBClusterIdentifier: 1-63 letters, digits, hyphens.
        "the DocumentDB cluster identifier",
        re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$"),
        "catalog",
    ),
    "opensearch": ImportIdRule(
        # botocore opensearch DomainName: 3-28 characters, [a-z][a-z0-9\-]+.
        "the OpenSearch domain name",
        re.compile(r"^[a-z][a-z0-9-]{2,27}$"),
        "search",
    ),
    "s3": ImportIdRule(
        # S3 bucket naming rules: 3-63 lowercase letters, digits, dots, hyphens.
        "the bucket name",
        re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
        "acme-uploads",
    ),
    "sqs": ImportIdRule(
        # The provider imports a queue by its URL (terraform aws_sqs_queue, Import).
        "the queue URL",
        re.compile(r"^https://sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/\d{12}/[A-Za-z0-9_-]{1,80}$"),
        "https://sqs.eu-west-1.amazonaws.com/123456789012/orders",
    ),
}


def import_id_problem(engine: str, value: str) -> tuple[str, str] | None:
    """(message, hint) when ``value`` cannot identify an ``engine`` resource, else None."""
    rule = IMPORT_IDS.get(engine)
    if rule is None:
        return (
            f"engine {engine} cannot be adopted with import_id",
            "Amazon MQ brokers are imported by broker id while the stack names them itself: "
            "create a new broker and move the queues",
        )
    if rule.pattern.match(value) is None:
        return (f"{value!r} is not {rule.what}", f"e.g. {rule.example}")
    return None
