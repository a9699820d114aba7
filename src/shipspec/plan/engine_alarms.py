"""CloudWatch alarms of DocumentDB, Amazon MQ and ElastiCache for Memcached.

Companion of :mod:`.datastore_alarms` (RDS, Redis, SQS, jobs) for the engines planned in
:mod:`.engines` (OpenSearch's are in :mod:`.search_alarms`); the collector and the paging
principle are in :mod:`.alarms`. Every dimension is ``datastore:<name>.id``, which each
component answers with the name CloudWatch knows it by (cluster identifier, broker name,
cache cluster id). Those cluster-level metrics cover every instance or node, so Maximum
and Minimum catch the worst one, and a limit per instance is compared with the busiest
instance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from .datastore_alarms import evictions_alarm
from .model import DatastorePlan, EnvironmentPlan
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
# RabbitMQ raises its disk alarm, and blocks every publisher, once a node's free disk
# (RabbitMQDiskFree) reaches the limit Amazon MQ sets for the instance type
# (RabbitMQDiskFreeLimit), both in bytes (Amazon MQ Developer Guide, "Available CloudWatch
# metrics for Amazon MQ for RabbitMQ brokers"; "Sizing your RabbitMQ broker's storage").
# Page while there is still room: free disk under twice the limit.
MQ_DISK_FREE_MARGIN = 2
# A consumer that stays RUNNING but closed its channel (a crashed consume loop, a lost
# connection never reopened) shows neither as missing tasks nor as errors: only the
# broker's ConsumerCount (all consumers on the broker, dimension Broker) falls to 0.
# Amazon MQ publishes it every minute: 0 in each of 5 one-minute periods, so a consumer
# reconnecting within a few minutes does not ring.
MQ_CONSUMERS_MINUTES = 5
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
        "disk-free",
        f"{b.name}: RabbitMQ free disk under {MQ_DISK_FREE_MARGIN}x its disk limit",
        [
            _m("free", "AWS/AmazonMQ", "RabbitMQDiskFree", "Minimum", **dims),
            _m("limit", "AWS/AmazonMQ", "RabbitMQDiskFreeLimit", "Maximum", **dims),
        ],
        expression="free / limit",
        threshold=MQ_DISK_FREE_MARGIN,
        comparison="LessThanThreshold",
        period=300,
        evaluations=1,
        page=True,
        anchor="broker-disk",
        reason=f"a node's free disk under {MQ_DISK_FREE_MARGIN} times RabbitMQDiskFreeLimit for "
        "5 minutes; at the limit RabbitMQ raises its disk alarm and blocks every publisher "
        "(messages are kept on disk while consumers lag), so this pages before that",
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
    broker_consumers_alarm(self, b)


class BrokerUsers(NamedTuple):
    """The long-running services that use a broker, by what their `access` says."""

    consume: list[str]  # `access: consume` or `produce-consume`
    unknown: list[str]  # no `access`: whether they consume is not said
    produce: list[str]  # `access: produce`: they only publish


def broker_users(env: EnvironmentPlan, broker: str) -> BrokerUsers:
    """Who uses ``broker`` in ``env`` and whether they say they consume. Jobs are left out:
    they are not long-running consumers."""
    found = BrokerUsers([], [], [])
    for s in env.services:
        if s.kind == "job":
            continue
        for u in s.uses:
            if u.datastore != broker:
                continue
            if u.access is None:
                found.unknown.append(s.name)
            elif "consume" in u.access:
                found.consume.append(s.name)
            else:
                found.produce.append(s.name)
    return found


def broker_consumers_alarm(self: Alarms, b: DatastorePlan) -> None:
    """No consumer connected to the broker while a long-running service should consume.

    ``ConsumerCount`` is broker-wide, so only a service that consumes continuously keeps
    it above 0: a web API that only publishes would fire it from the first deploy. It
    pages where alarms page (``page=True`` pages only in ``EnvironmentPlan.alarms_page``
    environments), like a queue consumer's no-tasks alarm, when a long-running service
    declares ``access: consume`` (or ``produce-consume``); it is a ticket when long-running
    users give no ``access`` (whether they consume is unknown); there is no alarm when they
    all say ``access: produce``, or only jobs use the broker.
    """
    users = broker_users(self.env, b.name)
    if users.consume:
        page = True
        reason = (
            f"{', '.join(users.consume)} "
            + ("says it consumes" if len(users.consume) == 1 else "say they consume")
            + " from the broker (`access: consume` or `produce-consume`), yet no "
            f"consumer was connected for {MQ_CONSUMERS_MINUTES} minutes: a consumer that stays "
            "RUNNING but stopped consuming (its channel closed) shows neither as missing tasks "
            "nor as errors, only as a backlog later; this pages like a stopped queue consumer"
        )
    elif users.unknown:
        page = False
        reason = (
            f"{', '.join(users.unknown)} "
            + ("uses" if len(users.unknown) == 1 else "use")
            + " the broker without `access`, so whether anything "
            "consumes continuously is unknown: a ticket, not a page (a service that only "
            "publishes would fire it from the first deploy); give the consumers "
            "`uses: [{name: " + b.name + ", access: consume}]` to page, the publishers "
            "`access: produce`"
        )
    else:
        return
    self.add(
        f"datastore:{b.name}",
        "no-consumers",
        f"{b.name}: no consumer connected for {MQ_CONSUMERS_MINUTES} minutes",
        [
            _m(
                "consumers",
                "AWS/AmazonMQ",
                "ConsumerCount",
                "Maximum",
                Broker=f"datastore:{b.name}.id",
            )
        ],
        threshold=1,
        comparison="LessThanThreshold",
        period=60,
        evaluations=MQ_CONSUMERS_MINUTES,
        page=page,
        reason=reason,
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
