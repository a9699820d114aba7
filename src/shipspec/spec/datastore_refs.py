"""References from a service's ``env`` and ``secrets`` to the datastores it ``uses``.

An application reads its own variables (``REDIS_HOST``, ``ConnectionStrings__Shop``,
``DATABASE_URL``); a managed datastore's endpoint is known only at deploy time. So an
``env`` value may name a datastore's attribute, resolved by the generated program from
the datastore component's outputs (as Score's ``${resources.db.host}``)::

    env:
      REDIS_HOST: "${cache.host}"
      DATABASE_URL: "postgres://${db.host}:${db.port}/${db.name}?sslmode=require"

and a ``secrets`` entry may take the datastore's credential from the Secrets Manager
secret the stack creates for it (``{name: DB_PASSWORD, from: db.password}``).

The rule for ``$``: ``${`` opens a reference and ``$$`` is one literal ``$``; any other
``$`` is literal as it stands (``Pa$word`` needs no escape, ``$${HOME}`` is the text
``${HOME}``). The program applies the same rule (``components/_datastore.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What each engine's component injects for a service that uses it (the ``<PREFIX>_<ATTR>``
# variables of its ``environment()`` in blueprints/pulumi/infra/components/*.py, lower case);
# an env reference resolves to exactly that value. Only the variables every use receives:
# a SQL database's _SECRET_ARN, _USERNAME and _AUTH depend on the use's IAM user, so they are not
# referable. A test checks these lists against the components under the Pulumi mocks.
ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "postgres": ("host", "port", "name"),  # database.py (_AUTH, _USERNAME: per use)
    "mysql": ("host", "port", "name"),
    "mariadb": ("host", "port", "name"),
    "sqlserver": ("host", "port", "secret_arn", "auth"),  # sql_server.py: no database yet
    "redis": ("host", "port", "tls", "url"),  # cache.py: url is rediss://host:6379
    "memcached": ("host", "port", "tls", "servers"),  # memcached.py
    # document_db.py (_AUTH: per use); secret_arn only where services read the master secret:
    # under PCI DSS, HIPAA or SOC 2 they sign in with their task roles and the spec refuses it
    # (compliance_checks._docdb_identities).
    "mongodb": ("host", "port", "tls", "url", "name", "secret_arn"),
    "rabbitmq": ("host", "port", "tls", "url"),  # message_broker.py: amqps://host:5671
    "opensearch": ("host", "port", "url", "auth"),  # search_domain.py
    "sqs": ("queue_url",),  # queue.py
    "s3": ("bucket",),  # bucket.py
}

# The attributes above a use with its own user (UsePlan.db_user) does not get: a DocumentDB
# consumer under PCI DSS, HIPAA or SOC 2 signs in with its task role, and the spec refuses a
# reference to them there (compliance_checks._docdb_identities).
MASTER_SECRET_ONLY: dict[str, tuple[str, ...]] = {"mongodb": ("secret_arn",)}

# The JSON keys of the Secrets Manager secret the stack creates for an engine's credential,
# which a `secrets` entry may take (`from: db.password`): RDS and DocumentDB keep their
# master user in a secret they manage (`manage_master_user_password`: keys username and
# password) and rotate it every 7 days; the cache's AUTH token secret holds `password`;
# the broker's secret holds its user's `username` and `password` (cache.py,
# message_broker.py). ECS reads the key at task start through `valueFrom`
# `arn:aws:secretsmanager:region:account:secret:name:json-key:version-stage:version-id`
# (Amazon ECS Developer Guide, "Pass Secrets Manager secrets through Amazon ECS environment
# variables"), so a rotated password reaches a task when it next starts.
CREDENTIAL_KEYS: dict[str, tuple[str, ...]] = {
    "postgres": ("username", "password"),
    "mysql": ("username", "password"),
    "mariadb": ("username", "password"),
    "sqlserver": ("username", "password"),
    "mongodb": ("username", "password"),
    "redis": ("password",),
    "rabbitmq": ("username", "password"),
}
# Engines whose credential secret AWS rotates (the rest are written once by the stack).
ROTATED = frozenset({"postgres", "mysql", "mariadb", "sqlserver", "mongodb"})

# `$$` (a literal `$`) or `${...}` (a reference); any other `$` is literal.
TOKEN = re.compile(r"\$\$|\$\{([^}]*)\}")
# `store.attribute`: a datastore name (spec `Name`) and an attribute.
REFERENCE = re.compile(r"^([a-z][a-z0-9-]*)\.([a-z_]+)$")


@dataclass(frozen=True)
class Reference:
    """``${datastore.attribute}`` at ``start`` of a value (``text`` as written)."""

    datastore: str
    attribute: str
    text: str


@dataclass(frozen=True)
class Malformed:
    """A ``${...}`` that is not ``datastore.attribute`` (or an unclosed ``${``)."""

    text: str


def scan(value: str) -> list[Reference | Malformed]:
    """The references in ``value``, in order; ``$$`` escapes are skipped."""
    found: list[Reference | Malformed] = []
    for match in TOKEN.finditer(value):
        if match.group(0) == "$$":
            continue
        inner = match.group(1).strip()
        parsed = REFERENCE.match(inner)
        found.append(
            Reference(parsed.group(1), parsed.group(2), match.group(0))
            if parsed
            else Malformed(match.group(0))
        )
    rest = TOKEN.sub("", value)
    if "${" in rest:
        found.append(Malformed(rest[rest.index("${") :][:40]))
    return found


def has_template(value: str) -> bool:
    """Whether the program must process ``value`` (a reference or a ``$$`` escape)."""
    return bool(TOKEN.search(value))


def literal(value: str) -> str:
    """``value`` with escapes undone and references kept as written (for reports)."""
    return TOKEN.sub(lambda m: "$" if m.group(0) == "$$" else m.group(0), value)


def escape(value: str) -> str:
    """A literal value written so that no ``${`` in it reads as a reference."""
    return re.sub(r"\$(?=[${])", "$$", value)


def secret_source(text: str) -> tuple[str, str] | None:
    """``"db.password"`` -> ``("db", "password")``; None when not ``datastore.key``."""
    parsed = REFERENCE.match(text.strip())
    return (parsed.group(1), parsed.group(2)) if parsed else None
