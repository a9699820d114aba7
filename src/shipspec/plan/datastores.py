"""Datastore decisions for one environment: class, storage, redundancy, backups, protection.

RDS, Redis, S3 and SQS are planned here; DocumentDB, Amazon MQ and Memcached in
:mod:`.engines`, SQL Server and OpenSearch in :mod:`.search_sql`. :func:`unplannable` runs
first, so nothing AWS would refuse gets a plan.
"""

from __future__ import annotations

from typing import Literal, cast

from ..spec.models import Datastore, HandoffSpec
from . import rules
from .decisions import Decisions
from .engine_support import TABLE_DATE, standard_support, support_reason
from .engines import cache_node, plan_broker, plan_document_db, plan_memcached
from .model import DatastorePlan
from .search_sql import plan_search, plan_sql_server
from .slow_queries import SLOW_LOG_ENGINES, plan_slow_query_ms

RdsEngine = Literal["postgres", "mysql", "mariadb"]


# Engines whose resource holds data Pulumi could destroy (Memcached keeps none; Amazon MQ
# is protected through its own deletion_protection decision).
_PROTECTED_ENGINES = (
    "postgres",
    "mysql",
    "mariadb",
    "sqlserver",
    "redis",
    "mongodb",
    "opensearch",
    "s3",
    "sqs",
)


def plan_datastore(
    spec: HandoffSpec, name: str, store: Datastore, production: bool, az_count: int, log: Decisions
) -> DatastorePlan:
    plan = _plan_engine(spec, name, store, production, az_count, log)
    update: dict[str, object] = {"renamed_from": store.renamed_from}
    if store.engine in SLOW_LOG_ENGINES:
        update["slow_query_ms"] = plan_slow_query_ms(spec, name, plan.used_by, log)
    if store.engine in _PROTECTED_ENGINES:
        kept = (
            ", and retain_on_delete keeps the bucket if it ever leaves the program"
            if store.engine == "s3"
            else ""
        )
        update["protect"] = log.decide(
            f"datastores.{name}.protect",
            production,
            f"production: Pulumi refuses to delete or replace it (protect{kept})"
            if production
            else "non-production: not protected, so the stack can be destroyed",
        )
    return plan.model_copy(update=update)


def _plan_engine(
    spec: HandoffSpec, name: str, store: Datastore, production: bool, az_count: int, log: Decisions
) -> DatastorePlan:
    used_by = sorted(s for s, svc in spec.services.items() if svc.uses_datastore(name))
    if store.engine in ("postgres", "mysql", "mariadb"):
        return _database(spec, name, store, production, used_by, log)
    if store.engine == "sqlserver":
        return plan_sql_server(spec, name, store, production, used_by, log)
    if store.engine == "opensearch":
        return plan_search(spec, name, store, production, az_count, used_by, log)
    if store.engine == "redis":
        return _cache(spec, name, store, production, az_count, used_by, log)
    if store.engine == "mongodb":
        return plan_document_db(spec, name, store, production, az_count, used_by, log)
    if store.engine == "rabbitmq":
        return plan_broker(spec, name, store, production, used_by, log)
    if store.engine == "memcached":
        return plan_memcached(spec, name, store, production, az_count, used_by, log)
    if store.engine == "s3":
        force = log.decide(
            f"datastores.{name}.force_destroy",
            not production,
            "non-production: the bucket may be deleted with its objects when the stack is destroyed"
            if not production
            else "production: a bucket holding objects is never deleted by a stack update",
        )
        return DatastorePlan(
            name=name, engine="s3", versioning=True, force_destroy=force, used_by=used_by
        )
    if store.engine != "sqs":  # a new spec engine must get a plan, never become a queue
        raise NotImplementedError(f"no plan for engine {store.engine}")
    dead_letter = store.dead_letter if store.dead_letter is not None else True
    log.decide(
        f"datastores.{name}.dead_letter",
        dead_letter,
        "dead_letter set in the spec"
        if store.dead_letter is not None
        else "default: messages that fail 5 times move to a dead-letter queue instead of "
        "blocking the queue",
    )
    return DatastorePlan(
        name=name,
        engine="sqs",
        dead_letter=dead_letter,
        visibility_timeout_seconds=_visibility_timeout(spec, name, log),
        used_by=used_by,
    )


def _visibility_timeout(spec: HandoffSpec, name: str, log: Decisions) -> int:
    """How long a received message stays hidden: longer than its slowest consumer takes.

    A message still being processed when its visibility timeout ends is delivered
    again, to another worker: a settlement processed twice. The consumers are the
    workers that use the queue; their ``timeout_seconds`` is the most one message may
    take.
    """
    key = f"datastores.{name}.visibility_timeout_seconds"
    consumers = {
        s: svc.timeout_seconds
        for s, svc in spec.services.items()
        if svc.uses_datastore(name) and svc.type == "worker" and svc.timeout_seconds
    }
    if not consumers:
        return log.decide(
            key,
            rules.SQS_DEFAULT_VISIBILITY_SECONDS,
            f"no worker using it sets timeout_seconds: the SQS default of "
            f"{rules.SQS_DEFAULT_VISIBILITY_SECONDS} s (set `timeout_seconds` on a worker whose "
            "messages can take longer, or they are delivered twice)",
        )
    slowest = max(consumers, key=lambda s: (consumers[s], s))
    longest = consumers[slowest]
    margin = max(rules.SQS_VISIBILITY_MIN_MARGIN_SECONDS, -(-longest // 4))
    value = min(rules.SQS_MAX_VISIBILITY_SECONDS, longest + margin)
    cap = rules.SQS_MAX_VISIBILITY_SECONDS
    capped = f", capped at the SQS maximum of {cap} s" if value == cap else ""
    return log.decide(
        key,
        value,
        f"{slowest} may take {longest} s per message (timeout_seconds), plus a margin of "
        f"{margin} s (a quarter, at least {rules.SQS_VISIBILITY_MIN_MARGIN_SECONDS} s) for "
        f"receive and shutdown{capped}",
        timeout_seconds=consumers,
    )


def _database(
    spec: HandoffSpec,
    name: str,
    store: Datastore,
    production: bool,
    used_by: list[str],
    log: Decisions,
) -> DatastorePlan:
    key = f"datastores.{name}"
    availability = spec.requirements.availability
    version = store.version or rules.DB_DEFAULT_VERSION[store.engine]
    if production and availability >= rules.THREE_AZ_AVAILABILITY:
        klass = log.decide(
            f"{key}.instance_class",
            rules.DB_CLASS_PROD_HA,
            f"availability {availability}%: a non-burstable Graviton class, so CPU credits cannot "
            "run out under load",
            availability=availability,
        )
    elif production:
        klass = log.decide(
            f"{key}.instance_class",
            rules.DB_CLASS_PROD,
            "production: burstable Graviton class with headroom",
            availability=availability,
        )
    else:
        klass = log.decide(
            f"{key}.instance_class",
            rules.DB_CLASS_NON_PROD,
            "non-production: the smallest Graviton class",
            production=False,
        )
    if not production:
        storage = log.decide(
            f"{key}.storage_gb",
            rules.DB_STORAGE_DEFAULT_GB,
            f"non-production: {rules.DB_STORAGE_DEFAULT_GB} GB, the gp3 minimum",
            spec_storage=store.storage_gb,
        )
    else:
        storage = log.decide(
            f"{key}.storage_gb",
            store.storage_gb or rules.DB_STORAGE_DEFAULT_GB,
            "storage_gb from the spec"
            if store.storage_gb
            else f"no storage_gb given: {rules.DB_STORAGE_DEFAULT_GB} GB, the gp3 minimum",
            spec_storage=store.storage_gb,
        )
    max_storage = log.decide(
        f"{key}.max_storage_gb",
        # RDS takes 0 for "no autoscaling"; a ceiling equal to the allocation is refused.
        storage * 2 if production else 0,
        "production: storage autoscaling up to twice the allocation, so a full disk is not an "
        "outage"
        if production
        else "non-production: no storage autoscaling",
        storage_gb=storage,
    )
    multi_az = log.decide(
        f"{key}.multi_az",
        production and availability >= rules.TWO_TASK_AVAILABILITY,
        f"production at {availability}%: a standby in a second AZ fails over in about a minute"
        if production and availability >= rules.TWO_TASK_AVAILABILITY
        else "single AZ: "
        + (
            "non-production"
            if not production
            else f"availability {availability}% tolerates a restore"
        ),
        availability=availability,
    )
    support = standard_support(store.engine, version)
    if support is not None and support.past():
        log.decide(
            f"{key}.standard_support",
            support.ends.isoformat(),
            support_reason(name, support),
            warning=True,
            version=version,
            table_date=TABLE_DATE.isoformat(),
        )
    spec_backups = store.backup_days
    if production:
        backups = log.decide(
            f"{key}.backup_days",
            spec_backups if spec_backups is not None else rules.DB_BACKUP_DAYS_PROD,
            "backup_days from the spec"
            if spec_backups is not None
            else f"production default: {rules.DB_BACKUP_DAYS_PROD} days of point-in-time recovery",
            spec_backup_days=spec_backups,
        )
    else:
        backups = log.decide(
            f"{key}.backup_days",
            rules.DB_BACKUP_DAYS_NON_PROD,
            "non-production: one day of automated backups",
            spec_backup_days=spec_backups,
        )
    protect = log.decide(
        f"{key}.deletion_protection",
        production,
        "production: deletion protection and a final snapshot"
        if production
        else "non-production: the database may be destroyed with the stack",
    )
    return DatastorePlan(
        name=name,
        engine=cast(RdsEngine, store.engine),
        version=version,
        instance_class=klass,
        storage_gb=storage,
        max_storage_gb=max_storage,
        multi_az=multi_az,
        backup_days=backups,
        deletion_protection=protect,
        used_by=used_by,
    )


def _cache(
    spec: HandoffSpec,
    name: str,
    store: Datastore,
    production: bool,
    az_count: int,
    used_by: list[str],
    log: Decisions,
) -> DatastorePlan:
    key = f"datastores.{name}"
    availability = spec.requirements.availability
    node = cache_node(spec, key, production, log)
    if production and availability >= rules.TWO_TASK_AVAILABILITY:
        replicas = log.decide(
            f"{key}.replicas",
            az_count - 1,
            f"availability {availability}%: a replica in each other AZ, with automatic failover",
            az_count=az_count,
        )
    else:
        replicas = log.decide(
            f"{key}.replicas",
            0,
            "a single node: "
            + (
                "non-production"
                if not production
                else f"availability {availability}% tolerates a cache rebuild"
            ),
        )
    backups = (
        store.backup_days
        if store.backup_days is not None
        else (rules.DB_BACKUP_DAYS_PROD if production else 0)
    )
    log.decide(
        f"{key}.backup_days",
        backups if production else 0,
        "daily snapshots kept in production" if production else "non-production: no snapshots",
    )
    if store.cache is not None:
        cache = log.decide(
            f"{key}.cache",
            store.cache,
            "cache set in the spec: "
            + (
                "Redis evicts the least recently used keys at maxmemory (its own parameter "
                "group, maxmemory-policy allkeys-lru)"
                if store.cache
                else "a store: maxmemory-policy noeviction, so writes fail at the limit "
                "instead of keys being evicted"
            ),
        )
    elif store.backup_days is not None:
        cache = log.decide(
            f"{key}.cache",
            False,
            "backup_days is set, so it holds data to keep, not a cache: a store whose keys are "
            "never evicted (maxmemory-policy noeviction; writes fail at the limit instead); set "
            "`cache: true` if it is a cache after all",
        )
    else:
        cache = log.decide(
            f"{key}.cache",
            True,
            "no backup_days: a cache, whose least recently used keys Redis evicts at "
            "maxmemory, with a TTL or not (its own parameter group, maxmemory-policy "
            "allkeys-lru; the default group's volatile-lru would evict only keys with a TTL "
            "and fail writes at the limit); set `cache: false` for data that must be kept",
        )
    return DatastorePlan(
        name=name,
        engine="redis",
        cache=cache,
        version=store.version or rules.CACHE_DEFAULT_VERSION,
        instance_class=node,
        replicas=replicas,
        multi_az=replicas > 0,
        backup_days=backups if production else 0,
        used_by=used_by,
    )
