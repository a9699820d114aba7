"""What the customer-managed data key encrypts in one environment, and what it cannot.

With ``data_classification: restricted`` the program creates one KMS key (``DataKey``) and
hands it to the components below. This module is the one list of those hand-overs: the
program's comment, the handoff's security controls and the compliance page all say what
it says, and a test previews every example and asserts that the resources whose KMS key
input is the data key are exactly these (owner, part) pairs, so no document claims the
key protects something it does not.

Parts: ``storage`` (the data and its snapshots, Performance Insights included), ``secret``
(a Secrets Manager secret: RDS's master secret, an AUTH token, a broker's credentials, an
app secret), ``logs`` (CloudWatch log groups) and ``backups`` (an AWS Backup vault).

The gaps are what holds data but keeps another key, each with the reason AWS gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from .db_admin import ADMIN_ENGINES
from .model import EnvironmentPlan

_SQL = ("postgres", "mysql", "mariadb", "sqlserver")

# What each engine's component gives the key (see blueprints/pulumi/infra/components/).
_ENGINE_PARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    **{engine: ("database", ("storage", "secret", "logs")) for engine in _SQL},
    "mongodb": ("database", ("storage", "logs")),
    "opensearch": ("search domain", ("storage",)),
    "redis": ("cache", ("storage", "secret")),
    "rabbitmq": ("message broker", ("secret",)),
    "s3": ("bucket", ("storage",)),
    "sqs": ("queue", ("storage",)),
}

# What holds data yet keeps another key: (the part, why), from the sources AWS documents.
_ENGINE_GAPS: dict[str, tuple[str, str]] = {
    "memcached": (
        "Memcached caches",
        "ElastiCache for Memcached cannot encrypt at rest (the compliance packs accept it "
        "only for public or internal data)",
    ),
    "rabbitmq": (
        "RabbitMQ brokers' storage",
        "Amazon MQ's encryption options do not apply to RabbitMQ, which always uses an "
        "AWS-owned key",
    ),
    "mongodb": (
        "DocumentDB master secrets",
        "DocumentDB creates them with the aws/secretsmanager key: pulumi-aws's docdb.Cluster "
        "does not expose MasterUserSecretKmsKeyId",
    ),
}
_ALB_LOG_BUCKET = (
    "load balancers' access-log buckets",
    "SSE-S3, the only encryption Elastic Load Balancing delivers access logs to",
)
_SITE_BUCKET = (
    "static sites' content buckets",
    "SSE-S3: CloudFront publishes their files to everyone, so a key limiting who may "
    "decrypt would protect nothing",
)
_SITE_LOGS = (
    "static sites' access and WAF log groups",
    "CloudFront delivers them in us-east-1, and a KMS key serves only its own region",
)


@dataclass(frozen=True)
class KeyUse:
    """One component the program gives the data key, and which of its parts use it."""

    owner: str  # the component's name: a datastore, service, secret, volume, load balancer
    what: str  # the kind, in the reader's words
    parts: tuple[str, ...]


@dataclass(frozen=True)
class KeyGap:
    """Something of the stack that holds data but is not encrypted with the data key."""

    owner: str
    what: str  # the part, in the reader's words ("load balancers' access-log buckets")
    reason: str


def key_uses(env: EnvironmentPlan) -> list[KeyUse]:
    """The components of ``env`` given the data key (none without one), in program order."""
    if not env.customer_managed_key:
        return []
    uses = []
    if env.network.flow_log_retention_days is not None:
        uses.append(KeyUse("network", "VPC flow logs", ("logs",)))
    uses += [
        KeyUse(lb.name, "load balancer WAF logs", ("logs",)) for lb in env.load_balancers if lb.waf
    ]
    if any(d.engine == "opensearch" for d in env.datastores):
        # SearchLogs: the domains' slow and application log groups, one component for all.
        uses.append(KeyUse("opensearch-logs", "OpenSearch slow and application logs", ("logs",)))
    for store in env.datastores:
        if store.engine in _ENGINE_PARTS:
            what, parts = _ENGINE_PARTS[store.engine]
            uses.append(KeyUse(store.name, what, parts))
    # The one-off tasks CI runs: each SQL database's and DocumentDB cluster's db-admin task
    # and the services' migrations.
    uses += [
        KeyUse(f"{d.name}-admin", "db-admin task logs", ("logs",))
        for d in env.datastores
        if d.engine in ADMIN_ENGINES or d.engine == "mongodb"
    ]
    # Each OpenSearch domain's search-admin task, which a person starts.
    uses += [
        KeyUse(f"{d.name}-admin", "search-admin task logs", ("logs",))
        for d in env.datastores
        if d.engine == "opensearch"
    ]
    uses += [KeyUse(v.name, "file system", ("storage", "backups")) for v in env.volumes]
    uses += [KeyUse(s.name, "secret", ("secret",)) for s in env.secrets]
    if env.prometheus is not None:
        uses.append(KeyUse("prometheus", "Prometheus workspace", ("storage",)))
    uses += [KeyUse(s.name, "service logs", ("logs",)) for s in env.services]
    uses += [
        KeyUse(f"{s.name}-migrate", "migration logs", ("logs",)) for s in env.services if s.migrate
    ]
    return uses


def key_gaps(env: EnvironmentPlan) -> list[KeyGap]:
    """What of ``env`` keeps another key while it has a data key (none without one)."""
    if not env.customer_managed_key:
        return []
    gaps = [
        KeyGap(d.name, *_ENGINE_GAPS[d.engine]) for d in env.datastores if d.engine in _ENGINE_GAPS
    ]
    gaps += [KeyGap(lb.name, *_ALB_LOG_BUCKET) for lb in env.load_balancers]
    gaps += [KeyGap(site.name, *_SITE_BUCKET) for site in env.static_sites]
    gaps += [KeyGap(site.name, *_SITE_LOGS) for site in env.static_sites]
    return gaps


def describe_uses(uses: list[KeyUse]) -> list[str]:
    """``"database db, ledger (storage, secret, logs)"``: one phrase per kind and parts."""
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for use in uses:
        owners = grouped.setdefault((use.what, use.parts), [])
        if use.owner not in owners:
            owners.append(use.owner)
    return [
        f"{what} {', '.join(owners)} ({', '.join(parts)})"
        for (what, parts), owners in grouped.items()
    ]


def describe_gaps(gaps: list[KeyGap]) -> list[str]:
    """``"Memcached caches (sessions): <reason>"``: one phrase per part and reason."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for gap in gaps:
        owners = grouped.setdefault((gap.what, gap.reason), [])
        if gap.owner not in owners:
            owners.append(gap.owner)
    return [f"{what} ({', '.join(owners)}): {reason}" for (what, reason), owners in grouped.items()]
