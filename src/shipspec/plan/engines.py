"""Decisions for DocumentDB (``mongodb``), Amazon MQ (``rabbitmq``) and ElastiCache Memcached.

Companion of :mod:`.datastores`, which plans RDS, Redis, S3 and SQS and dispatches here.
Each of these services is redundant in its own way (DocumentDB replicas that take over,
a three-node RabbitMQ cluster, Memcached nodes that each hold a share of the keys), so
each has its own function; all use the plan's production and availability thresholds,
so one ``availability`` in the spec moves every datastore the same way.
"""

from __future__ import annotations

from ..spec.models import Datastore, HandoffSpec
from . import rules
from .decisions import Decisions
from .model import DatastorePlan


def _version(store: Datastore, key: str, default: str, service: str, log: Decisions) -> str:
    return log.decide(
        f"{key}.version",
        store.version or default,
        "version from the spec" if store.version else f"no version given: {service} {default}",
    )


def _redundant(spec: HandoffSpec, production: bool) -> tuple[bool, str]:
    """Whether production at this availability pays for a second AZ, and the words why not."""
    availability = spec.requirements.availability
    if production and availability >= rules.TWO_TASK_AVAILABILITY:
        return True, f"availability {availability}%"
    return False, "non-production" if not production else f"availability {availability}%"


def plan_document_db(
    spec: HandoffSpec,
    name: str,
    store: Datastore,
    production: bool,
    az_count: int,
    used_by: list[str],
    log: Decisions,
) -> DatastorePlan:
    key = f"datastores.{name}"
    version = _version(store, key, rules.DOCDB_DEFAULT_VERSION, "DocumentDB", log)
    klass = log.decide(
        f"{key}.instance_class",
        rules.DOCDB_CLASS_PROD if production else rules.DOCDB_CLASS_NON_PROD,
        "production: the smallest memory-optimized Graviton class, no CPU credits to run out"
        if production
        else "non-production: the smallest DocumentDB class",
    )
    redundant, why = _redundant(spec, production)
    replicas = log.decide(
        f"{key}.replicas",
        az_count - 1 if redundant else 0,
        f"{why}: a replica in each other AZ; DocumentDB promotes one in about 30 seconds"
        if redundant
        else f"a single instance: {why} tolerates a restore",
        az_count=az_count,
    )
    if production:
        backups = log.decide(
            f"{key}.backup_days",
            store.backup_days if store.backup_days is not None else rules.DB_BACKUP_DAYS_PROD,
            "backup_days from the spec"
            if store.backup_days is not None
            else f"production default: {rules.DB_BACKUP_DAYS_PROD} days of point-in-time recovery",
            spec_backup_days=store.backup_days,
        )
    else:
        backups = log.decide(
            f"{key}.backup_days",
            rules.DOCDB_BACKUP_DAYS_MIN,
            "non-production: one day, the least DocumentDB keeps",
            spec_backup_days=store.backup_days,
        )
    protect = log.decide(
        f"{key}.deletion_protection",
        production,
        "production: deletion protection and a final snapshot"
        if production
        else "non-production: the cluster may be destroyed with the stack",
    )
    return DatastorePlan(
        name=name,
        engine="mongodb",
        version=version,
        instance_class=klass,
        replicas=replicas,
        multi_az=replicas > 0,
        backup_days=backups,
        deletion_protection=protect,
        used_by=used_by,
    )


def plan_broker(
    spec: HandoffSpec,
    name: str,
    store: Datastore,
    production: bool,
    used_by: list[str],
    log: Decisions,
) -> DatastorePlan:
    key = f"datastores.{name}"
    version = _version(store, key, rules.MQ_DEFAULT_VERSION, "RabbitMQ", log)
    instance = log.decide(
        f"{key}.instance_class",
        rules.MQ_INSTANCE_PROD if production else rules.MQ_INSTANCE_NON_PROD,
        "production: the size AWS recommends for production traffic"
        if production
        else "non-production: the smallest broker that runs every RabbitMQ version",
    )
    redundant, why = _redundant(spec, production)
    cluster = log.decide(
        f"{key}.multi_az",
        redundant,
        f"{why}: a three-node cluster across AZs; quorum queues survive losing a node"
        if redundant
        else f"a single broker: {why} tolerates the minutes of a broker reboot",
    )
    protect = log.decide(
        f"{key}.deletion_protection",
        production,
        "production: Pulumi refuses to delete or replace the broker (`protect`); Amazon MQ "
        "keeps no backups, so queued messages would be lost"
        if production
        else "non-production: the broker may be destroyed with the stack",
    )
    return DatastorePlan(
        name=name,
        engine="rabbitmq",
        version=version,
        instance_class=instance,
        multi_az=cluster,
        deletion_protection=protect,
        used_by=used_by,
    )


def az_spread(d: DatastorePlan) -> str | None:
    """How a datastore spans Availability Zones, as the documents say it; None in one AZ.

    Memcached's nodes are spread over the AZs but nothing is replicated: losing an AZ loses
    that node's share of the keys, so it is no "Multi-AZ" in the sense RDS, Redis,
    DocumentDB and Amazon MQ are (a standby or replica that takes over).
    """
    if not d.multi_az:
        return None
    if d.engine == "memcached":
        return f"nodes in {d.nodes} AZs, no replica"
    return "Multi-AZ"


def plan_memcached(
    spec: HandoffSpec,
    name: str,
    store: Datastore,
    production: bool,
    az_count: int,
    used_by: list[str],
    log: Decisions,
) -> DatastorePlan:
    key = f"datastores.{name}"
    asked = store.version or rules.MEMCACHED_DEFAULT_VERSION
    full = rules.MEMCACHED_VERSIONS.get(asked, asked)
    version = log.decide(
        f"{key}.version",
        full,
        f"ElastiCache takes a full version: {asked} is {full}, which encrypts connections"
        if full != asked
        else "version from the spec",
        spec_version=store.version,
    )
    node = cache_node(spec, key, production, log)
    redundant, why = _redundant(spec, production)
    nodes = log.decide(
        f"{key}.nodes",
        az_count if redundant else 1,
        f"{why}: a node in each AZ, so losing an AZ empties 1/{az_count} of the cache, not all"
        if redundant
        else f"a single node: {why} tolerates refilling the cache",
        az_count=az_count,
    )
    spec_class = spec.requirements.security.data_classification
    classification = log.decide(
        f"{key}.data_classification",
        store.data_classification or spec_class,
        f"declared in the spec: the cache holds no data above {store.data_classification}"
        if store.data_classification
        else f"the spec's ({spec_class}): Memcached has no encryption at rest and no AUTH, so "
        "the compliance packs accept it only for public or internal data",
        spec_classification=spec_class,
    )
    return DatastorePlan(
        name=name,
        engine="memcached",
        version=version,
        instance_class=node,
        nodes=nodes,
        multi_az=nodes > 1,
        used_by=used_by,
        data_classification=classification,
    )


def cache_node(spec: HandoffSpec, key: str, production: bool, log: Decisions) -> str:
    """The ElastiCache node class: never burstable in production at >= 99.9%."""
    availability = spec.requirements.availability
    if production and availability >= rules.TWO_TASK_AVAILABILITY:
        return log.decide(
            f"{key}.node_type",
            rules.CACHE_NODE_PROD_STEADY,
            f"production at {availability}%: a non-burstable node, whose CPU never drops to "
            "a credit baseline under sustained load",
            availability=availability,
        )
    return log.decide(
        f"{key}.node_type",
        rules.CACHE_NODE_PROD if production else rules.CACHE_NODE_NON_PROD,
        f"production at {availability}%: a burstable Graviton node with memory headroom"
        if production
        else "non-production: the smallest Graviton node",
        availability=availability,
    )
