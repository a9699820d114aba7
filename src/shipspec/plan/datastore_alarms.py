"""CloudWatch alarms of the work behind the services: queues, RDS, ElastiCache.

Companion of :mod:`.alarms`, which owns the collector (:class:`~.alarms.Alarms`) and the
paging principle; each function adds one resource's alarms to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import rules
from .model import DatastorePlan
from .monitoring import AlarmMetric, AlarmPlan, CompositeAlarmPlan

if TYPE_CHECKING:
    from .alarms import Alarms

GIB = 1024**3
QUEUE_AGE_SECONDS = 900
# A queue's dead-letter redrive: receives before SQS moves a message to the dead-letter
# queue (components/queue.py's max_receive_count).
MAX_RECEIVES = 5
# At least this many messages visible through a whole period make an old message a backlog:
# more than the one failing message being retried (a scaled consumer: its messages_per_task).
QUEUE_BACKLOG_FLOOR = 2
SQS_METRICS_SOURCE = (
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
    "sqs-available-cloudwatch-metrics.html: ApproximateAgeOfOldestMessage is reported if "
    "the queue contains at least one active message; all metrics emit values only while "
    "the queue is active"
)
DLQ_SENT_SOURCE = (
    "SQS Developer Guide, 'Troubleshoot Amazon SQS dead-letter queue and DLQ redrive "
    "issues': if a message is sent to a dead-letter queue as a result of a failed "
    "processing attempt, it isn't captured by NumberOfMessagesSent"
)
DB_CPU_PERCENT = 80
DB_CONNECTIONS_SHARE = 0.8
CACHE_MEMORY_PERCENT = 80
# Evictions open a ticket only while this share of reads misses (evicting is a cache's job).
CACHE_MISS_PERCENT = 20
# ElastiCache for Redis: alarm on EngineCPUUtilization at 90% (ElastiCache User Guide,
# "Monitoring best practices with ElastiCache (Redis OSS)": EngineCPUUtilization).
REDIS_ENGINE_CPU_PERCENT = 90
# RDS default max_connections: LEAST(DBInstanceClassMemory / 9531392, 5000) for
# PostgreSQL, DBInstanceClassMemory / 12582880 for MySQL and MariaDB.
# DBInstanceClassMemory is about 90% of the class's memory once RDS has taken its share.
DB_CLASS_MEMORY_GIB = {
    "db.t4g.micro": 1,
    "db.t4g.small": 2,
    "db.t4g.medium": 4,
    "db.t4g.large": 8,
    "db.m7g.large": 8,
    "db.m7g.xlarge": 16,
    "db.r7g.large": 16,
    "db.r7g.xlarge": 32,
}
_CONNECTION_BYTES = {"postgres": 9531392, "mysql": 12582880, "mariadb": 12582880}


def max_connections(engine: str, instance_class: str) -> int | None:
    """The engine's default ``max_connections`` on an RDS class, or None for an unknown class."""
    memory = DB_CLASS_MEMORY_GIB.get(instance_class)
    if memory is None or engine not in _CONNECTION_BYTES:
        return None
    estimate = int(memory * GIB * 0.9 / _CONNECTION_BYTES[engine])
    return min(estimate, 5000) if engine == "postgres" else estimate


def _m(id: str, namespace: str, metric: str, stat: str, **dimensions: str) -> AlarmMetric:
    return AlarmMetric(
        id=id, namespace=namespace, metric_name=metric, statistic=stat, dimensions=dimensions
    )


def backlog_messages(self: Alarms, q: DatastorePlan, consumers: list[str]) -> tuple[int, str]:
    """How many messages must wait, through a whole period, for an old message to be a
    backlog, and why: the smallest ``messages_per_task`` of the consumers that scale on the
    queue (the backlog one task is sized for), else the default per-task backlog
    (``rules.QUEUE_MESSAGES_PER_TASK``); never under ``QUEUE_BACKLOG_FLOOR``."""
    scaled = [
        plan.messages_per_task
        for plan in (self.env.service(u).queue_scaling for u in consumers)
        if plan is not None and plan.queue == q.name
    ]
    if scaled:
        return max(QUEUE_BACKLOG_FLOOR, min(scaled)), "the messages per task its consumer scales on"
    return (
        max(QUEUE_BACKLOG_FLOOR, rules.QUEUE_MESSAGES_PER_TASK),
        "the backlog per task queue scaling assumes by default",
    )


def queue_alarms(self: Alarms, q: DatastorePlan) -> None:
    """The queue's backlog (pages) and its dead letters (a ticket).

    ``ApproximateAgeOfOldestMessage`` alone cannot tell a backlog from one failing message:
    a message that fails is received again after each visibility timeout, up to
    ``MAX_RECEIVES`` times before the dead-letter queue takes it (without one, until the
    retention period ends), and its age counts from when it was sent. So the alarm reads the
    age only while at least :func:`backlog_messages` messages stayed visible through the
    whole period (``Minimum`` of ``ApproximateNumberOfMessagesVisible``): a retried message
    spends its visibility timeouts in flight, not visible, while a stopped or slow consumer
    leaves messages piling up. The failing message itself is the dead-letter ticket's.

    SQS reports these metrics only while the queue holds a message (``SQS_METRICS_SOURCE``):
    an idle queue's value is filled with 0, so the alarm returns to OK rather than sitting
    in INSUFFICIENT_DATA or holding an old ALARM. When the queue's one consumer has a
    no-tasks alarm, that alarm pages first (5 minutes) for the same outage: the backlog then
    pages through a composite it suppresses, so a stopped consumer is one page, not two.
    """
    target = f"datastore:{q.name}"
    consumers = [u for u in q.used_by if self.env.service(u).kind == "worker"]
    minutes = QUEUE_AGE_SECONDS // 60
    waiting, why_waiting = backlog_messages(self, q, consumers)
    lifetime = MAX_RECEIVES * q.visibility_timeout_seconds
    retried = (
        f"up to {lifetime} s here: {MAX_RECEIVES} receives, {q.visibility_timeout_seconds} s "
        "apart, before the dead-letter queue takes it"
        if q.dead_letter
        else "until the retention period ends: no dead-letter queue"
    )
    planned = {a.name for a in self.alarms}
    no_tasks = [f"{self.app}-{self.env.name}-{u}-no-tasks" for u in consumers]
    # Only where alarms page: elsewhere both are tickets, and two tickets need no muting.
    muted = self.env.alarms_page and len(no_tasks) == 1 and no_tasks[0] in planned
    suppressor = no_tasks[0] if muted else None
    queue = {"QueueName": f"datastore:{q.name}.id"}
    age = self.add(
        target,
        "oldest-message",
        f"{q.name}: {waiting}+ messages waiting, the oldest over {minutes} minutes",
        [
            _m("age", "AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", **queue),
            _m("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Minimum", **queue),
        ],
        expression=f"IF(FILL(visible, 0) >= {waiting}, FILL(age, 0), 0)",
        threshold=QUEUE_AGE_SECONDS,
        period=300,
        evaluations=2,
        missing="notBreaching",
        page=True,
        notify=suppressor is None,
        reason=f"the oldest message waited over {minutes} minutes while at least {waiting} "
        f"messages ({why_waiting}) stayed visible, for 10 minutes: {', '.join(consumers)} "
        "stopped or fell behind, and users wait for the work. A failing message retried "
        f"ages too, from when it was sent ({retried}), but waits in flight, not visible: "
        "one poison message does not page (the dead letters tell of it). An idle queue "
        "publishes neither metric: filled with 0, it reads OK"
        + (
            f"; pages through {q.name}-backlog, muted while {suppressor} pages"
            if suppressor
            else ""
        ),
    )
    if suppressor is not None:
        backlog_composite(self, q, age, suppressor)
    if q.dead_letter:
        dead_letters_alarm(self, q)


def dead_letters_alarm(self: Alarms, q: DatastorePlan) -> None:
    """A ticket for each new batch of dead letters: the DLQ's message count rising.

    An alarm on the count itself (``> 0``) stays in ALARM while one message remains, and
    CloudWatch notifies on state changes only, so later failures would tell nobody.
    ``NumberOfMessagesSent`` does not count messages SQS moves to a DLQ after
    ``maxReceiveCount`` receives (``DLQ_SENT_SOURCE``), so the alarm watches the count's
    rise instead: ``DIFF`` of the visible plus in-flight messages (someone receiving a
    dead letter to read it hides it for the visibility timeout; counting in-flight ones
    too keeps its return from reading as a new dead letter). It goes back to OK once the
    count stops rising, so the next batch notifies again.
    """
    queue = {"QueueName": f"datastore:{q.name}.dead_letter"}
    self.add(
        f"datastore:{q.name}",
        "dead-letters",
        f"{q.name}: new messages in the dead-letter queue",
        [
            _m("visible", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", **queue),
            _m("hidden", "AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "Maximum", **queue),
        ],
        expression="DIFF(FILL(visible, 0) + FILL(hidden, 0))",
        threshold=0,
        period=300,
        evaluations=1,
        missing="notBreaching",
        reason="every dead letter is a message that failed 5 times and needs a person; the "
        "dead-letter queue's message count (visible and in flight) rose over the last 5 "
        "minutes, so each new batch notifies, even while older dead letters wait; "
        "NumberOfMessagesSent would miss them (SQS does not count the messages it moves "
        "to a dead-letter queue there); a ticket, not a page",
    )


def backlog_composite(self: Alarms, q: DatastorePlan, age: AlarmPlan, suppressor: str) -> None:
    """The queue's backlog page, muted (CloudWatch's ActionsSuppressor) while the consumer's
    no-tasks alarm is in ALARM: that page already told the on-call the consumer is down."""
    name = f"{self.app}-{self.env.name}-{q.name}-backlog"
    reason = (
        f"{age.name} through a composite: muted while {suppressor} is in ALARM (the consumer "
        "is down and that alarm paged first), so one outage pages once"
    )
    self.log.decide(f"alarms.{self.env.name}.{name}", age.name, reason, pages=True)
    self.composites.append(
        CompositeAlarmPlan(
            name=name,
            target=age.target,
            check="backlog",
            description=age.description,
            members=[age.name],
            rule=f'ALARM("{age.name}")',
            pages=True,
            runbook=age.runbook,
            reason=reason,
            suppressed_by=suppressor,
        )
    )


def database_alarms(self: Alarms, d: DatastorePlan) -> None:
    dims = {"DBInstanceIdentifier": f"datastore:{d.name}.id"}
    target = f"datastore:{d.name}"
    self.add(
        target,
        "cpu",
        f"{d.name}: CPU above {DB_CPU_PERCENT}% for 15 minutes",
        [_m("cpu", "AWS/RDS", "CPUUtilization", "Average", **dims)],
        threshold=DB_CPU_PERCENT,
        period=300,
        evaluations=3,
        reason=f"{d.instance_class} above {DB_CPU_PERCENT}% for 15 minutes: queries queue "
        "next; time to look at slow queries or a larger class",
    )
    assert d.storage_gb is not None
    autoscaling = (d.max_storage_gb or 0) > d.storage_gb
    share = 5 if autoscaling else 10
    free = max(GIB, d.storage_gb * GIB * share // 100)
    why = (
        f"storage autoscaling (to {d.max_storage_gb} GB) acts at 10% free; below {share}% it "
        "could not"
        if autoscaling
        else f"no storage autoscaling: {share}% of {d.storage_gb} GB"
    )
    self.add(
        target,
        "free-storage",
        f"{d.name}: under {free / GIB:g} GiB of storage free",
        [_m("free", "AWS/RDS", "FreeStorageSpace", "Minimum", **dims)],
        threshold=free,
        period=300,
        evaluations=2,
        comparison="LessThanThreshold",
        # SQL Server's disk fills differently (transaction log, tempdb): its own section.
        anchor="sqlserver-free-storage" if d.engine == "sqlserver" else None,
        page=True,
        reason=f"{why}; a full disk stops writes, so this pages",
    )
    limit = max_connections(d.engine, d.instance_class or "")
    if limit is None:
        self.log.decide(
            f"alarms.{self.env.name}.{d.name}.connections",
            None,
            f"no connections alarm: max_connections of {d.instance_class} is unknown",
        )
        return
    connections = int(limit * DB_CONNECTIONS_SHARE)
    self.add(
        target,
        "connections",
        f"{d.name}: over {connections} connections",
        [_m("connections", "AWS/RDS", "DatabaseConnections", "Maximum", **dims)],
        threshold=connections,
        period=300,
        evaluations=2,
        reason=f"{DB_CONNECTIONS_SHARE:.0%} of {d.engine}'s default max_connections on "
        f"{d.instance_class} (about {limit}); past it, new connections are refused",
    )


def cache_alarms(self: Alarms, c: DatastorePlan) -> None:
    dims = {"CacheClusterId": f"datastore:{c.name}.id"}
    target = f"datastore:{c.name}"
    if c.cache is False:
        store_alarms(self, c)
    else:
        self.add(
            target,
            "memory",
            f"{c.name}: memory above {CACHE_MEMORY_PERCENT}%",
            [_m("memory", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Maximum", **dims)],
            threshold=CACHE_MEMORY_PERCENT,
            period=300,
            evaluations=3,
            # DatabaseMemoryUsagePercentage is used_memory / maxmemory: Redis applies its
            # maxmemory-policy (evicts) at 100%, so this is the warning before that.
            reason=f"above {CACHE_MEMORY_PERCENT}% of maxmemory for 15 minutes: a warning; "
            "Redis starts evicting keys at 100% (maxmemory-policy); a larger node before it "
            "does",
        )
    self.add(
        target,
        "cpu",
        f"{c.name}: Redis engine thread above {REDIS_ENGINE_CPU_PERCENT}% for 15 minutes",
        [_m("cpu", "AWS/ElastiCache", "EngineCPUUtilization", "Maximum", **dims)],
        threshold=REDIS_ENGINE_CPU_PERCENT,
        period=300,
        evaluations=3,
        reason="Redis runs commands on one thread: EngineCPUUtilization is that thread's "
        f"share (ElastiCache's guidance alarms at {REDIS_ENGINE_CPU_PERCENT}%); held there "
        "for 15 minutes, commands queue and latency climbs. A larger node type, replicas for "
        "reads, or the expensive commands (KEYS, large sorted sets) found in the slow log",
    )
    if c.cache is not False:
        evictions_alarm(
            self,
            c,
            [_m("hitrate", "AWS/ElastiCache", "CacheHitRate", "Average", **dims)],
            "100 - hitrate",
        )


def store_alarms(self: Alarms, c: DatastorePlan) -> None:
    """A Redis store (``cache: false``, maxmemory-policy noeviction): its keys are data.

    At maxmemory Redis refuses writes (``OOM command not allowed``) instead of evicting, so
    memory near the limit pages; and any eviction means the noeviction parameter group is
    not in force and data was lost, so one eviction pages too (production)."""
    dims = {"CacheClusterId": f"datastore:{c.name}.id"}
    target = f"datastore:{c.name}"
    self.add(
        target,
        "memory",
        f"{c.name}: memory above {CACHE_MEMORY_PERCENT}% (a store: writes fail at maxmemory)",
        [_m("memory", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Maximum", **dims)],
        threshold=CACHE_MEMORY_PERCENT,
        period=300,
        evaluations=3,
        anchor="redis-store-memory",
        page=True,
        reason=f"a store never evicts (noeviction): above {CACHE_MEMORY_PERCENT}% of maxmemory "
        "for 15 minutes it is heading for the limit, where every write fails with `OOM command "
        "not allowed`; a larger node (or fewer big keys) before it does, so this pages",
    )
    self.add(
        target,
        "evictions",
        f"{c.name}: keys evicted from a store (data lost)",
        [_m("evictions", "AWS/ElastiCache", "Evictions", "Sum", **dims)],
        threshold=0,
        period=300,
        evaluations=1,
        missing="notBreaching",
        anchor="redis-store-evictions",
        page=True,
        reason="a store's keys must never be evicted and its noeviction parameter group "
        "allows none: any eviction means that group is not in force and data is gone, so "
        "one pages",
    )


def evictions_alarm(
    self: Alarms, c: DatastorePlan, hit_metrics: list[AlarmMetric], miss_percent: str
) -> None:
    """Evictions that hurt: keys evicted while the share of misses is high.

    A cache evicts by design: at maxmemory the LRU policy makes room, and a cache that
    does so while nearly every read still hits is healthy. Evictions alone opened a ticket
    every busy afternoon; the alarm fires when the cache evicts and more than
    ``CACHE_MISS_PERCENT`` % of reads miss, for 15 minutes (the working set no longer fits).
    """
    dims = {"CacheClusterId": f"datastore:{c.name}.id"}
    self.add(
        f"datastore:{c.name}",
        "evictions",
        f"{c.name}: evicting keys while over {CACHE_MISS_PERCENT}% of reads miss",
        [_m("evictions", "AWS/ElastiCache", "Evictions", "Sum", **dims), *hit_metrics],
        expression=f"IF(FILL(evictions, 0) > 0, {miss_percent}, 0)",
        threshold=CACHE_MISS_PERCENT,
        period=300,
        evaluations=3,
        missing="notBreaching",
        reason="evictions are normal for a cache at its memory limit; they matter when the "
        f"working set no longer fits: keys evicted and over {CACHE_MISS_PERCENT}% of reads "
        "missing for 15 minutes (a starting point; tune it to the hit rate the application "
        "expects). A ticket",
    )
