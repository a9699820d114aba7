"""CloudWatch alarms of DocumentDB, Amazon MQ, ElastiCache for Memcached and OpenSearch.

Companion of :mod:`.datastore_alarms` (RDS, Redis, SQS, jobs) for the engines planned in
:mod:`.engines`; the collector and the paging principle are in :mod:`.alarms`. Every
dimension is ``datastore:<name>.id``, which each component answers with the name
CloudWatch knows it by (cluster identifier, broker name, cache cluster id). Those
cluster-level metrics cover every instance or node, so Maximum and Minimum catch the
worst one, and a limit per instance is compared with the busiest instance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .datastore_alarms import evictions_alarm
from .model import DatastorePlan
from .monitoring import AlarmMetric

if TYPE_CHECKING:
    from .alarms import Alarms

GIB = 1024**3
DOCDB_CPU_PERCENT = 80
DOCDB_FREE_MEMORY_SHARE = 0.1
DOCDB_CONNECTIONS_SHARE = 0.8
# DocumentDB instance limits per class: (memory in GiB, connections), from its quotas page.
DOCDB_CLASS_LIMITS = {
    "db.t3.medium": (4, 500),
    "db.t4g.medium": (4, 500),
    "db.r5.large": (16, 1700),
    "db.r6g.large": (16, 1700),
    "db.r5.xlarge": (32, 3500),
    "db.r6g.xlarge": (32, 3500),
    "db.r5.2xlarge": (64, 7000),
    "db.r6g.2xlarge": (64, 7000),
}
# RabbitMQ blocks every publisher once memory reaches its limit (the high watermark).
MQ_MEMORY_PERCENT = 80
# Ready messages that stay queued this long mean consumers stopped or fell behind; a
# starting point, to tune once the real backlog is known.
MQ_READY_MESSAGES = 10_000
MEMCACHED_CPU_PERCENT = 90


def _m(id: str, namespace: str, metric: str, stat: str, **dimensions: str) -> AlarmMetric:
    return AlarmMetric(
        id=id, namespace=namespace, metric_name=metric, statistic=stat, dimensions=dimensions
    )


def document_db_alarms(self: Alarms, d: DatastorePlan) -> None:
    dims = {"DBClusterIdentifier": f"datastore:{d.name}.id"}
    target = f"datastore:{d.name}"
    self.add(
        target,
        "cpu",
        f"{d.name}: an instance above {DOCDB_CPU_PERCENT}% CPU for 15 minutes",
        [_m("cpu", "AWS/DocDB", "CPUUtilization", "Maximum", **dims)],
        threshold=DOCDB_CPU_PERCENT,
        period=300,
        evaluations=3,
        reason=f"an instance of {d.instance_class} above {DOCDB_CPU_PERCENT}% for 15 minutes: "
        "queries queue next; look at slow operations (the profiler) or a larger class",
    )
    limits = DOCDB_CLASS_LIMITS.get(d.instance_class or "")
    if limits is None:
        self.log.decide(
            f"alarms.{self.env.name}.{d.name}.memory",
            None,
            f"no memory or connections alarm: the limits of {d.instance_class} are unknown",
        )
        return
    memory_gib, connections = limits
    free = int(memory_gib * GIB * DOCDB_FREE_MEMORY_SHARE)
    self.add(
        target,
        "free-memory",
        f"{d.name}: an instance under {free / GIB:g} GiB of free memory",
        [_m("free", "AWS/DocDB", "FreeableMemory", "Minimum", **dims)],
        threshold=free,
        period=300,
        evaluations=3,
        comparison="LessThanThreshold",
        reason=f"under {DOCDB_FREE_MEMORY_SHARE:.0%} of {d.instance_class}'s {memory_gib} GiB "
        "for 15 minutes: the working set no longer fits in memory and reads go to storage",
    )
    limit = int(connections * DOCDB_CONNECTIONS_SHARE)
    self.add(
        target,
        "connections",
        f"{d.name}: an instance over {limit} connections",
        [_m("connections", "AWS/DocDB", "DatabaseConnections", "Maximum", **dims)],
        threshold=limit,
        period=300,
        evaluations=2,
        reason=f"{DOCDB_CONNECTIONS_SHARE:.0%} of the {connections} connections "
        f"{d.instance_class} accepts; past it, new connections are refused",
    )


def broker_alarms(self: Alarms, b: DatastorePlan) -> None:
    dims = {"Broker": f"datastore:{b.name}.id"}
    target = f"datastore:{b.name}"
    self.add(
        target,
        "memory",
        f"{b.name}: RabbitMQ memory above {MQ_MEMORY_PERCENT}% of its limit",
        [
            _m("used", "AWS/AmazonMQ", "RabbitMQMemUsed", "Maximum", **dims),
            _m("limit", "AWS/AmazonMQ", "RabbitMQMemLimit", "Maximum", **dims),
        ],
        expression="100 * used / limit",
        threshold=MQ_MEMORY_PERCENT,
        period=300,
        evaluations=3,
        page=True,
        anchor="broker-memory",
        reason=f"above {MQ_MEMORY_PERCENT}% of the memory limit for 15 minutes; at the limit "
        "RabbitMQ blocks every publisher, so this pages",
    )
    self.add(
        target,
        "ready-messages",
        f"{b.name}: over {MQ_READY_MESSAGES:,} messages waiting for 15 minutes",
        [_m("ready", "AWS/AmazonMQ", "MessageReadyCount", "Maximum", **dims)],
        threshold=MQ_READY_MESSAGES,
        period=300,
        evaluations=3,
        missing="notBreaching",
        reason=f"over {MQ_READY_MESSAGES:,} ready messages for 15 minutes: consumers stopped "
        "or fell behind, and the backlog grows toward the memory limit; a ticket (the memory "
        "alarm pages), and a number to tune to the real traffic",
    )


def memcached_alarms(self: Alarms, c: DatastorePlan) -> None:
    dims = {"CacheClusterId": f"datastore:{c.name}.id"}
    target = f"datastore:{c.name}"
    self.add(
        target,
        "cpu",
        f"{c.name}: a node above {MEMCACHED_CPU_PERCENT}% CPU for 15 minutes",
        [_m("cpu", "AWS/ElastiCache", "CPUUtilization", "Maximum", **dims)],
        threshold=MEMCACHED_CPU_PERCENT,
        period=300,
        evaluations=3,
        reason=f"Memcached uses every core; a node above {MEMCACHED_CPU_PERCENT}% for 15 "
        "minutes answers slowly: a larger node type, or more nodes to spread the keys",
    )
    evictions_alarm(
        self,
        c,
        [
            _m("hits", "AWS/ElastiCache", "GetHits", "Sum", **dims),
            _m("misses", "AWS/ElastiCache", "GetMisses", "Sum", **dims),
        ],
        "100 * misses / (hits + misses)",
    )


# Amazon OpenSearch Service's recommended alarms (OpenSearch Service Developer Guide,
# "Recommended CloudWatch alarms"): ClusterStatus.red >= 1 for 1 minute; FreeStorageSpace
# <= 25% of a node's storage for 1 minute (in MiB); JVMMemoryPressure >= 95% for 1 minute,
# 3 times; ClusterIndexWritesBlocked >= 1 for 5 minutes; AutomatedSnapshotFailure >= 1.
# CPUUtilization >= 80% for 15 minutes, 3 consecutive times (the same page).
SEARCH_CPU_PERCENT = 80
SEARCH_FREE_STORAGE_SHARE = 0.25
SEARCH_JVM_PRESSURE_PERCENT = 95


def search_alarms(self: Alarms, s: DatastorePlan) -> None:
    # Metrics of a domain carry its name and the account id (ClientId), in AWS/ES.
    dims = {"DomainName": f"datastore:{s.name}.id", "ClientId": f"datastore:{s.name}.client"}
    target = f"datastore:{s.name}"
    self.add(
        target,
        "red",
        f"{s.name}: cluster status red",
        [_m("red", "AWS/ES", "ClusterStatus.red", "Maximum", **dims)],
        threshold=0,
        period=60,
        evaluations=1,
        page=True,
        reason="a primary shard and its replicas are unassigned: searches of that index fail "
        "and its writes are lost (AWS's recommended alarm: ClusterStatus.red >= 1 for 1 minute)",
    )
    self.add(
        target,
        "writes-blocked",
        f"{s.name}: the cluster blocks index writes",
        [_m("blocked", "AWS/ES", "ClusterIndexWritesBlocked", "Maximum", **dims)],
        threshold=0,
        period=300,
        evaluations=1,
        page=True,
        reason="the domain refuses writes (ClusterBlockException: storage or memory ran out); "
        "AWS's recommended alarm: ClusterIndexWritesBlocked >= 1 for 5 minutes",
    )
    self.add(
        target,
        "cpu",
        f"{s.name}: a data node at {SEARCH_CPU_PERCENT}% CPU or more for 15 minutes",
        [_m("cpu", "AWS/ES", "CPUUtilization", "Maximum", **dims)],
        threshold=SEARCH_CPU_PERCENT,
        comparison="GreaterThanOrEqualToThreshold",
        period=300,
        evaluations=3,
        reason=f"AWS's recommended alarm (CPUUtilization maximum >= {SEARCH_CPU_PERCENT}% for "
        "15 minutes): searches and indexing queue and slow down next; a larger instance "
        "type or more data nodes. A ticket",
    )
    storage_mib = (s.storage_gb or 0) * 1024
    free = int(storage_mib * SEARCH_FREE_STORAGE_SHARE)
    self.add(
        target,
        "free-storage",
        f"{s.name}: a node under {free} MiB of storage free",
        [_m("free", "AWS/ES", "FreeStorageSpace", "Minimum", **dims)],
        threshold=free,
        period=60,
        evaluations=1,
        comparison="LessThanThreshold",
        anchor="search-free-storage",
        page=True,
        reason=f"{SEARCH_FREE_STORAGE_SHARE:.0%} of a node's {s.storage_gb} GiB, as AWS "
        "recommends instead of a fixed 20 GiB; at the disk watermarks OpenSearch stops "
        "allocating shards and then blocks writes",
    )
    self.add(
        target,
        "jvm-pressure",
        f"{s.name}: JVM memory pressure above {SEARCH_JVM_PRESSURE_PERCENT}%",
        [_m("jvm", "AWS/ES", "JVMMemoryPressure", "Maximum", **dims)],
        threshold=SEARCH_JVM_PRESSURE_PERCENT,
        period=60,
        evaluations=3,
        reason=f"a node's heap above {SEARCH_JVM_PRESSURE_PERCENT}% for 3 minutes: out-of-memory "
        "errors next; a larger instance type (AWS's recommended alarm)",
    )
    self.add(
        target,
        "snapshot-failed",
        f"{s.name}: an automated snapshot failed",
        [_m("snapshot", "AWS/ES", "AutomatedSnapshotFailure", "Maximum", **dims)],
        threshold=0,
        period=60,
        evaluations=1,
        missing="notBreaching",
        reason="the hourly automated snapshot failed (usually with a red cluster): the "
        "restore point is getting old",
    )
