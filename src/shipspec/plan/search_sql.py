"""Decisions for RDS for SQL Server (``sqlserver``) and Amazon OpenSearch Service (``opensearch``).

The two stateful images the spec could not express before (``mcr.microsoft.com/mssql/server``
and Elasticsearch/OpenSearch), each mapped to the managed service AWS runs for it.
Companion of :mod:`.datastores`, which dispatches here; the numbers are below, each with
its source, and the availability thresholds are the plan's own (:mod:`.rules`).
"""

from __future__ import annotations

from ..spec.models import Datastore, HandoffSpec
from . import rules
from .decisions import Decisions
from .model import DatastorePlan

# -- RDS for SQL Server -------------------------------------------------------------------
# SQL Server 2022 (RDS engine version 16.00.*), the newest major RDS offers.
SQLSERVER_DEFAULT_VERSION = "16.00"
# Editions as RDS engines. Express is free of license charges but has no Multi-AZ and caps
# each database at 10 GB: for non-production. Standard (license included) runs Multi-AZ
# with Always On availability groups or mirroring (RDS User Guide, "Multi-AZ deployments
# for Amazon RDS for Microsoft SQL Server"); Web is cheaper but Microsoft licenses it only
# for public, Internet-accessible web workloads, which shipspec cannot know.
SQLSERVER_EDITION_NON_PROD = "sqlserver-ex"
SQLSERVER_EDITION_PROD = "sqlserver-se"
SQLSERVER_MULTI_AZ_EDITIONS = frozenset({"sqlserver-se", "sqlserver-ee"})
# RDS for SQL Server runs on Intel/AMD classes only (no Graviton db.*g classes). Express
# runs on small burstable classes; Standard needs db.m5.large or larger.
SQLSERVER_CLASS_NON_PROD = "db.t3.small"
SQLSERVER_CLASS_PROD = "db.m5.large"
SQLSERVER_CLASS_PROD_HA = "db.r5.large"
# gp3 storage for every edition: 20 GiB to 16 TiB (CreateDBInstance, AllocatedStorage,
# "RDS for SQL Server").
SQLSERVER_STORAGE_MIN_GB = 20
SQLSERVER_STORAGE_MAX_GB = 16384
# Express caps every database at 10 GB ("Maximum relational database size: 10 GB", scale
# limits in Microsoft's "Editions and supported features of SQL Server 2022" and of 2019;
# RDS runs the same Express edition, license included). A non-production environment whose
# storage_gb is above the 20 GB minimum (environments.<env>.datastores.<name>.storage_gb)
# expects more data than Express holds: it gets Standard edition, single-AZ, on the
# smallest class Standard runs on, so a test load that passes 10 GB does not fail there
# with "database is full" (error 1105) while production takes it.
SQLSERVER_EXPRESS_STORAGE_GB = SQLSERVER_STORAGE_MIN_GB

# -- Amazon OpenSearch Service ------------------------------------------------------------
OPENSEARCH_DEFAULT_VERSION = "2.19"
# t3.small.search is the smallest type that takes encryption at rest and gp3; r6g.large.search
# the smallest memory-optimized Graviton type AWS suggests for production data nodes; three
# dedicated master nodes are what AWS recommends for every production domain
# (OpenSearch Service Developer Guide, "Dedicated master nodes"; m6g.large.search for up to
# ten data nodes).
OPENSEARCH_NODE_NON_PROD = "t3.small.search"
OPENSEARCH_NODE_PROD = "r6g.large.search"
OPENSEARCH_MASTER_NODE = "m6g.large.search"
OPENSEARCH_MASTER_COUNT = 3
# gp3 EBS per data node: at least 10 GiB (OpenSearch Service quotas, "EBS volume size").
OPENSEARCH_STORAGE_NON_PROD_GB = 10
OPENSEARCH_STORAGE_PROD_GB = 100


def plan_sql_server(
    spec: HandoffSpec,
    name: str,
    store: Datastore,
    production: bool,
    used_by: list[str],
    log: Decisions,
) -> DatastorePlan:
    key = f"datastores.{name}"
    availability = spec.requirements.availability
    version = log.decide(
        f"{key}.version",
        store.version or SQLSERVER_DEFAULT_VERSION,
        "version from the spec"
        if store.version
        else f"no version given: SQL Server 2022 ({SQLSERVER_DEFAULT_VERSION})",
    )
    edition = log.decide(
        f"{key}.edition",
        SQLSERVER_EDITION_PROD if production else SQLSERVER_EDITION_NON_PROD,
        "production: Standard edition, license included: it runs Multi-AZ (Always On) and has "
        "no 10 GB database cap; Web edition is licensed only for public web workloads"
        if production
        else "non-production: Express edition, no license charge; it caps each database at "
        "10 GB and has no Multi-AZ, which a test stack does not need",
    )
    steady = production and availability >= rules.THREE_AZ_AVAILABILITY
    klass = log.decide(
        f"{key}.instance_class",
        SQLSERVER_CLASS_PROD_HA
        if steady
        else (SQLSERVER_CLASS_PROD if production else SQLSERVER_CLASS_NON_PROD),
        f"availability {availability}%: a memory-optimized class (SQL Server caches pages in "
        "memory); RDS for SQL Server has no Graviton classes"
        if steady
        else (
            "production: the smallest general-purpose class Standard edition runs on"
            if production
            else "non-production: a small burstable class Express runs on"
        ),
        availability=availability,
    )
    storage = log.decide(
        f"{key}.storage_gb",
        (store.storage_gb or SQLSERVER_STORAGE_MIN_GB) if production else SQLSERVER_STORAGE_MIN_GB,
        "storage_gb from the spec"
        if production and store.storage_gb
        else f"{SQLSERVER_STORAGE_MIN_GB} GB, the gp3 minimum for every SQL Server edition",
        spec_storage=store.storage_gb,
    )
    max_storage = log.decide(
        f"{key}.max_storage_gb",
        min(storage * 2, SQLSERVER_STORAGE_MAX_GB) if production else 0,
        "production: storage autoscaling up to twice the allocation (at most 16 TiB, the SQL "
        "Server limit)"
        if production
        else "non-production: no storage autoscaling",
        storage_gb=storage,
    )
    multi_az_wanted = production and availability >= rules.TWO_TASK_AVAILABILITY
    multi_az = log.decide(
        f"{key}.multi_az",
        multi_az_wanted and edition in SQLSERVER_MULTI_AZ_EDITIONS,
        f"production at {availability}%: a synchronous standby in a second AZ (Always On "
        "availability group), failing over in about a minute"
        if multi_az_wanted
        else "single AZ: "
        + ("Express has no Multi-AZ" if not production else f"availability {availability}%"),
        edition=edition,
    )
    backups = log.decide(
        f"{key}.backup_days",
        (store.backup_days if store.backup_days is not None else rules.DB_BACKUP_DAYS_PROD)
        if production
        else rules.DB_BACKUP_DAYS_NON_PROD,
        "backup_days from the spec"
        if production and store.backup_days is not None
        else (
            f"production default: {rules.DB_BACKUP_DAYS_PROD} days of point-in-time recovery"
            if production
            else "non-production: one day of automated backups"
        ),
        spec_backup_days=store.backup_days,
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
        engine="sqlserver",
        edition=edition,
        version=version,
        instance_class=klass,
        storage_gb=storage,
        max_storage_gb=max_storage,
        multi_az=multi_az,
        backup_days=backups,
        deletion_protection=protect,
        used_by=used_by,
    )


def outgrown_express(
    plan: DatastorePlan, where: str, class_given: bool, log: Decisions
) -> dict[str, object]:
    """Standard edition for a non-production SQL Server whose storage_gb, set for this
    environment at ``where``, is above the minimum: the team expects more than the 10 GB a
    database holds on Express. The changes to the planned datastore (none otherwise);
    single-AZ still (no standby outside production), and the environment's own
    ``instance_class`` kept when it gives one."""
    storage = plan.storage_gb or 0
    if plan.edition != SQLSERVER_EDITION_NON_PROD or storage <= SQLSERVER_EXPRESS_STORAGE_GB:
        return {}
    key = f"datastores.{plan.name}"
    update: dict[str, object] = {
        "edition": log.override(
            f"{key}.edition",
            SQLSERVER_EDITION_PROD,
            f"{where}.storage_gb is {storage} GB, above the {SQLSERVER_EXPRESS_STORAGE_GB} GB "
            "minimum: more data than Express holds (10 GB per database, Microsoft's SQL "
            "Server editions' scale limits), so Standard edition, license included, single-AZ, "
            "instead of Express; lower storage_gb to 20 to get Express back",
            storage_gb=storage,
        ),
        "multi_az": log.override(
            f"{key}.multi_az",
            False,
            "single AZ: non-production (Standard edition for the storage, no standby)",
            edition=SQLSERVER_EDITION_PROD,
        ),
    }
    if not class_given:
        update["instance_class"] = log.override(
            f"{key}.instance_class",
            SQLSERVER_CLASS_PROD,
            "non-production on Standard edition (storage above Express's 10 GB): the smallest "
            "general-purpose class Standard edition runs on",
            edition=SQLSERVER_EDITION_PROD,
        )
    return update


def plan_search(
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
    version = log.decide(
        f"{key}.version",
        store.version or OPENSEARCH_DEFAULT_VERSION,
        "version from the spec"
        if store.version
        else f"no version given: OpenSearch {OPENSEARCH_DEFAULT_VERSION}",
    )
    node = log.decide(
        f"{key}.instance_class",
        OPENSEARCH_NODE_PROD if production else OPENSEARCH_NODE_NON_PROD,
        "production: memory-optimized Graviton data nodes (the JVM heap is half the memory)"
        if production
        else "non-production: the smallest type with encryption at rest and gp3",
    )
    zones = min(az_count, 3)  # zone awareness spans 2 or 3 AZs
    redundant = production and availability >= rules.TWO_TASK_AVAILABILITY
    nodes = log.decide(
        f"{key}.nodes",
        zones if redundant else 1,
        f"production at {availability}%: zone awareness, a data node in each of {zones} AZs "
        "with a replica of every shard in another AZ"
        if redundant
        else "a single data node: "
        + ("non-production" if not production else f"availability {availability}%"),
        az_count=az_count,
    )
    masters = log.decide(
        f"{key}.master_nodes",
        OPENSEARCH_MASTER_COUNT if production else 0,
        f"production: {OPENSEARCH_MASTER_COUNT} dedicated master nodes "
        f"({OPENSEARCH_MASTER_NODE}), as AWS recommends for every production domain, so a busy "
        "data node cannot stall cluster management"
        if production
        else "non-production: no dedicated master nodes",
    )
    storage = log.decide(
        f"{key}.storage_gb",
        (store.storage_gb or OPENSEARCH_STORAGE_PROD_GB)
        if production
        else OPENSEARCH_STORAGE_NON_PROD_GB,
        "storage_gb from the spec: gp3 EBS per data node"
        if production and store.storage_gb
        else (
            f"production default: {OPENSEARCH_STORAGE_PROD_GB} GiB of gp3 per data node"
            if production
            else f"non-production: {OPENSEARCH_STORAGE_NON_PROD_GB} GiB of gp3, the least a "
            "domain takes"
        ),
        spec_storage=store.storage_gb,
    )
    log.decide(
        f"{key}.access",
        "iam",
        "IAM-based access: the domain's policy admits this account's principals, and only the "
        "task roles of the services that use it are granted es:ESHttp* on it (requests signed "
        "with SigV4), so no master password exists to leak or rotate",
        used_by=used_by,
    )
    return DatastorePlan(
        name=name,
        engine="opensearch",
        version=version,
        instance_class=node,
        nodes=nodes,
        master_nodes=masters,
        master_class=OPENSEARCH_MASTER_NODE if masters else None,
        storage_gb=storage,
        multi_az=nodes > 1,
        used_by=used_by,
    )
