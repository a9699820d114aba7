"""The runbook's guidance for Amazon DocumentDB (engine ``mongodb``): CPU, connections, memory.

Same conventions as :mod:`._docs_runbook_datastore_guides`: commands use the identifiers the
runbook's "Before you start" block derives from the stack outputs (``$DOCDB_ID``, the
cluster identifier, the first label of its endpoint); every ``aws`` command is checked
against botocore's models. The only MongoDB client the stack runs is the cluster's one-off
db-admin task (no bastion, ECS Exec off in production), so the CloudWatch metrics come first
and the ``mongosh`` steps run through that task. A number that depends on the instance class
(memory, the connections limit) differs per environment: :func:`docdb_classes` names each
environment's class, and the section's table gives each environment's threshold.
"""

from __future__ import annotations

from dataclasses import replace

from ...plan.engine_alarms import DOCDB_CLASS_LIMITS, DOCDB_FREE_MEMORY_SHARE, GIB
from ._docs_runbook_guide import Guide

# Replaced by :func:`docdb_classes` with each environment's instance class and its memory.
DOCDB_CLASSES = "<the instance class of each environment>"


def _metric(metric: str, stat: str) -> str:
    """``metric`` of each instance of the cluster, over the last 3 hours. DocumentDB
    publishes an instance's figures under ``DBInstanceIdentifier`` (``DBClusterIdentifier``
    alone aggregates the cluster, ``DBClusterIdentifier`` and ``Role`` the writer or the
    readers: DocumentDB Developer Guide, "Amazon DocumentDB dimensions"), so the loop runs
    over the cluster's members."""
    return (
        "`for instance in $(aws docdb describe-db-clusters --db-cluster-identifier "
        "\"$DOCDB_ID\" --query 'DBClusters[0].DBClusterMembers[].DBInstanceIdentifier' "
        '--output text); do echo "$instance"; aws cloudwatch get-metric-statistics '
        f"--namespace AWS/DocDB --metric-name {metric} "
        '--dimensions Name=DBInstanceIdentifier,Value="$instance" '
        f"--statistics {stat} --period 300 "
        "--start-time \"$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)\" "
        '--end-time "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '
        f"--query 'sort_by(Datapoints,&Timestamp)[].[Timestamp,{stat}]' --output text; done`"
    )


_INSTANCES = (
    '`aws docdb describe-db-instances --filters Name=db-cluster-id,Values="$DOCDB_ID" '
    "--query 'DBInstances[].[DBInstanceIdentifier,DBInstanceClass,IsClusterWriter]' "
    "--output table`: each instance, its class, and which one is the writer"
)
_MONGOSH = (
    "mongosh as the master user, through the cluster's one-off `<cluster>-admin` task (no "
    'bastion, ECS Exec off in production): start it as the handoff\'s "DocumentDB users" '
    '(or "DocumentDB admin task") section shows, with `--overrides '
    '\'{"containerOverrides":[{"name":"db-admin","environment":[{"name":'
    '"ADMIN_JS","value":"<JavaScript>"}]}]}\'` (the script connects as the default '
    "one does: `const admin = connect(<the URL its first lines build>)`, over TLS, `tls=true` "
    "with `tlsCAFile` (AWS's CA bundle, verified)), then read its output in the task's "
    "log group; the mongosh commands below run on that connection (`admin.adminCommand(...)` for "
    "`db.adminCommand(...)`, `print(...)` what you want to see)"
)
_CURRENT_OP = (
    "in mongosh: `db.adminCommand({aggregate: 1, pipeline: [{$currentOp: {}}, {$match: "
    "{secs_running: {$gt: 10}}}, {$project: {opid: 1, secs_running: 1, ns: 1, command: 1, "
    "WaitState: 1}}], cursor: {}})`: the operations running for more than 10 seconds"
)
_KILL = "`db.adminCommand({killOp: 1, op: <opid>})` in mongosh"
_RESIZE = (
    "a larger instance class: `environments.<env>.datastores.<name>.instance_class` in the "
    "handoff spec, `shipspec generate`, commit; the pipeline's `pulumi up` records it, and "
    "DocumentDB applies it in each instance's next maintenance window (the program does not "
    "ask for it at once). Now: `aws docdb modify-db-instance --db-instance-identifier "
    "<instance> --db-instance-class <class> --apply-immediately` for each reader (each "
    'restarts), then `aws docdb failover-db-cluster --db-cluster-identifier "$DOCDB_ID"` '
    "and the same for the former writer; a cluster of one instance is down while it changes"
)

DOCDB_GUIDES: dict[str, Guide] = {
    "mongodb:cpu": Guide(
        "CPU (DocumentDB)",
        "An instance of the cluster stayed above its CPU threshold for 15 minutes: queries "
        "queue and slow down next.",
        (
            _INSTANCES,
            _metric("CPUUtilization", "Maximum") + ": which instance, since when",
            _MONGOSH,
            _CURRENT_OP,
            "the operations slower than the profiler's threshold, in "
            "`/aws/docdb/$DOCDB_ID/profiler` ([Slow statements](#slow-statements))",
        ),
        (
            "one runaway operation: " + _KILL + ", then find the query that "
            "started it (an unindexed filter: `db.<collection>.find(<filter>).explain()` shows "
            "a `COLLSCAN`) and add the index",
            "reads on the writer: the services' connection strings already prefer secondaries "
            "(`readPreference=secondaryPreferred`); a cluster with one instance has no reader "
            "to move them to",
            _RESIZE,
        ),
    ),
    "mongodb:connections": Guide(
        "connections (DocumentDB)",
        "An instance holds most of the connections its class accepts (the limit is per "
        "instance class); past it, new connections are refused.",
        (
            _INSTANCES,
            _metric("DatabaseConnections", "Maximum") + ": which instance, since when",
            _MONGOSH,
            "in mongosh: `db.serverStatus().connections` (current and available); the "
            "services' own pool sizes and task counts tell which one holds them",
        ),
        (
            "lower each service's pool size (the driver's `maxPoolSize` in the connection "
            "string) so that every task's pool together fits under the limit",
            "tasks scaled out past what the pools allow: lower the service's `scaling.max`, or "
            + _RESIZE,
        ),
    ),
    "mongodb:free-memory": Guide(
        "free memory (DocumentDB)",
        f"An instance's freeable memory stayed under {DOCDB_FREE_MEMORY_SHARE:.0%} of its "
        "class's memory for 15 "
        f"minutes: {DOCDB_CLASSES}. The working set (indexes and the documents read most) no "
        "longer fits in the buffer cache, so reads go to storage and get slower; connections "
        "and open cursors take memory too.",
        (
            _INSTANCES,
            _metric("FreeableMemory", "Minimum") + ", with `SwapUsage` (Maximum) and "
            "`BufferCacheHitRatio` (Minimum): a hit ratio falling under 95% means reads now "
            "go to storage",
            _metric("DatabaseConnections", "Maximum")
            + " and the same with `DatabaseCursors` (Maximum) and `DatabaseCursorsTimedOut` "
            "(Sum): many connections, or cursors left open by clients that never exhaust "
            "them, hold memory",
            _MONGOSH,
            "in mongosh: `db.serverStatus().connections`; "
            + _CURRENT_OP.removeprefix("in mongosh: "),
            "in mongosh, per collection: `db.<collection>.stats().totalIndexSize` and "
            "`.size`: whether the indexes alone outgrow the memory",
        ),
        (
            "long scans: " + _KILL + " for a runaway one, then an index for its filter",
            "cursors left open: close them in the client (exhaust or `close()` them; "
            "`noCursorTimeout` cursors never expire), or kill the operations holding them",
            "too many connections: lower the services' pool sizes (`maxPoolSize`)",
            "the working set outgrew the class: " + _RESIZE,
        ),
    ),
}


def docdb_classes(classes: dict[tuple[str, str], str]) -> str:
    """``{(cluster, environment): instance class}`` as the free-memory guide states it: each
    class, its memory and the alarm's threshold, per environment (the plan's arithmetic)."""
    parts = []
    for (name, env), instance_class in classes.items():
        limits = DOCDB_CLASS_LIMITS.get(instance_class)
        memory = ""
        if limits:
            free = int(limits[0] * GIB * DOCDB_FREE_MEMORY_SHARE) / GIB
            memory = f" ({limits[0]} GiB: under {free:g} GiB)"
        parts.append(f"{name} runs {instance_class}{memory} in {env}")
    return "; ".join(parts)


def with_classes(guide: Guide, classes: dict[tuple[str, str], str]) -> Guide:
    """The guide with :data:`DOCDB_CLASSES` replaced by each environment's class."""
    return replace(guide, meaning=guide.meaning.replace(DOCDB_CLASSES, docdb_classes(classes)))
