"""The CloudWatch dashboard body: a row per service, then a row per datastore.

Each row kind graphs what that kind's alarms watch, so an alarm's link lands next to
its context: requests, 5xx and p99 for a web service; flows, targets and resets for one
behind a Network Load Balancer; CPU, memory and tasks for every ECS service; requests
and connections received through Service Connect for every service with a port, and
the 5xx and p99 its callers got;
the age of the queues a worker drains; a job's schedule invocations; RDS CPU, storage
and connections (DocumentDB alike); cache memory and evictions; broker
memory and backlog; queue age and dead letters.
A reference with several values (two target groups, three cache nodes) draws a line per
value. The body is plain JSON (the CloudWatch dashboard format), hence the dicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from ._references import References

WIDTH, HEIGHT, PER_LINE = 8, 6, 3
MAX_WIDGETS = 100  # per dashboard: the body format's documented limit
ELB, ECS, INSIGHTS, SQS = "AWS/ApplicationELB", "AWS/ECS", "ECS/ContainerInsights", "AWS/SQS"
ALB_DIMENSIONS = {"LoadBalancer": "load_balancer", "TargetGroup": "target_group"}
ECS_DIMENSIONS = {"ClusterName": "@cluster", "ServiceName": "name"}
RDS, CACHE = {"DBInstanceIdentifier": "id"}, {"CacheClusterId": "id"}
DOCDB, BROKER, MQ = {"DBClusterIdentifier": "id"}, {"Broker": "id"}, "AWS/AmazonMQ"
QUEUE, DEAD = {"QueueName": "id"}, {"QueueName": "dead_letter"}
SEARCH = {"DomainName": "id", "ClientId": "client"}  # OpenSearch: the domain and its account
# kind -> graphs: (title, namespace, [(metric, statistic)], {dimension: metric_ids key});
# "@cluster" is the ECS cluster. A graph whose keys the component lacks is left out.
Graph = tuple[str, str, list[tuple[str, str]], dict[str, str]]
SERVICE: list[Graph] = [
    ("CPU %", ECS, [("CPUUtilization", "Average")], ECS_DIMENSIONS),
    ("memory %", ECS, [("MemoryUtilization", "Average")], ECS_DIMENSIONS),
    (
        "tasks",
        INSIGHTS,
        [("RunningTaskCount", "Average"), ("DesiredTaskCount", "Average")],
        ECS_DIMENSIONS,
    ),
]
# Service Connect's proxies publish two dimension families (ECS "Service Connect metrics"):
# what a server's proxy received, by DiscoveryName (with its own ServiceName), and what a
# client's proxy got back, by TargetDiscoveryName (with the *calling* ServiceName, "@caller":
# one line per service that calls this one). GrpcRequestCount counts gRPC calls only.
CONNECT_DIMENSIONS = {**ECS_DIMENSIONS, "DiscoveryName": "discovery"}
CALLER_DIMENSIONS = {
    "ClusterName": "@cluster",
    "ServiceName": "@caller",
    "TargetDiscoveryName": "discovery",
}
CONNECT: list[Graph] = [
    (
        "Service Connect requests received",
        ECS,
        [("RequestCount", "Sum"), ("GrpcRequestCount", "Sum")],
        CONNECT_DIMENSIONS,
    ),
    (
        "Service Connect connections",
        ECS,
        [("ActiveConnectionCount", "Maximum"), ("NewConnectionCount", "Sum")],
        CONNECT_DIMENSIONS,
    ),
    (
        "Service Connect 5xx to callers",
        ECS,
        [("HTTPCode_Target_5XX_Count", "Sum")],
        CALLER_DIMENSIONS,
    ),
    ("Service Connect p99 (ms)", ECS, [("TargetResponseTime", "p99")], CALLER_DIMENSIONS),
]
NLB = "AWS/NetworkELB"
NLB_DIMENSIONS = {"LoadBalancer": "load_balancer", "TargetGroup": "target_group"}
NLB_ONLY = {"LoadBalancer": "load_balancer"}
OLDEST: Graph = ("oldest message (s)", SQS, [("ApproximateAgeOfOldestMessage", "Maximum")], QUEUE)
GRAPHS: dict[str, list[Graph]] = {
    "web": [
        ("requests", ELB, [("RequestCount", "Sum")], ALB_DIMENSIONS),
        ("5xx responses", ELB, [("HTTPCode_Target_5XX_Count", "Sum")], ALB_DIMENSIONS),
        ("p99 response time (s)", ELB, [("TargetResponseTime", "p99")], ALB_DIMENSIONS),
        *SERVICE,
        *CONNECT,
    ],
    "worker": SERVICE + CONNECT,
    # A tcp/udp service behind its own Network Load Balancer.
    "network": [
        ("flows", NLB, [("ActiveFlowCount", "Maximum"), ("NewFlowCount", "Sum")], NLB_ONLY),
        (
            "targets",
            NLB,
            [("HealthyHostCount", "Minimum"), ("UnHealthyHostCount", "Maximum")],
            NLB_DIMENSIONS,
        ),
        (
            "TCP resets",
            NLB,
            [("TCP_ELB_Reset_Count", "Sum"), ("TCP_Target_Reset_Count", "Sum")],
            NLB_ONLY,
        ),
        *SERVICE,
        *CONNECT,
    ],
    "job": [
        (
            "schedule invocations",
            "AWS/Scheduler",
            [
                ("InvocationAttemptCount", "Sum"),
                ("TargetErrorCount", "Sum"),
                ("InvocationDroppedCount", "Sum"),
            ],
            {"ScheduleGroup": "schedule_group"},
        )
    ],
    "rds": [
        ("CPU %", "AWS/RDS", [("CPUUtilization", "Average")], RDS),
        ("free storage (bytes)", "AWS/RDS", [("FreeStorageSpace", "Minimum")], RDS),
        ("connections", "AWS/RDS", [("DatabaseConnections", "Maximum")], RDS),
    ],
    "redis": [
        ("memory %", "AWS/ElastiCache", [("DatabaseMemoryUsagePercentage", "Maximum")], CACHE),
        ("evictions", "AWS/ElastiCache", [("Evictions", "Sum")], CACHE),
        ("engine CPU %", "AWS/ElastiCache", [("EngineCPUUtilization", "Average")], CACHE),
    ],
    "docdb": [
        ("CPU %", "AWS/DocDB", [("CPUUtilization", "Maximum")], DOCDB),
        ("freeable memory (bytes)", "AWS/DocDB", [("FreeableMemory", "Minimum")], DOCDB),
        ("connections", "AWS/DocDB", [("DatabaseConnections", "Maximum")], DOCDB),
    ],
    "rabbitmq": [
        (
            "memory (bytes)",
            MQ,
            [("RabbitMQMemUsed", "Maximum"), ("RabbitMQMemLimit", "Maximum")],
            BROKER,
        ),
        ("messages ready", MQ, [("MessageReadyCount", "Maximum")], BROKER),
    ],
    "opensearch": [
        ("cluster status red", "AWS/ES", [("ClusterStatus.red", "Maximum")], SEARCH),
        ("free storage (MiB)", "AWS/ES", [("FreeStorageSpace", "Minimum")], SEARCH),
        ("JVM memory pressure %", "AWS/ES", [("JVMMemoryPressure", "Maximum")], SEARCH),
    ],
    "memcached": [
        ("CPU %", "AWS/ElastiCache", [("CPUUtilization", "Maximum")], CACHE),
        ("evictions", "AWS/ElastiCache", [("Evictions", "Sum")], CACHE),
    ],
    "sqs": [
        OLDEST,
        ("messages waiting", SQS, [("ApproximateNumberOfMessagesVisible", "Maximum")], QUEUE),
        ("dead letters", SQS, [("ApproximateNumberOfMessagesVisible", "Maximum")], DEAD),
    ],
}


def dashboard_bodies(
    rows: Sequence[Mapping[str, Any]], region: pulumi.Input[str], refs: References
) -> list[dict[str, Any]]:
    """``rows`` (``{title, kind, target, queues?}``, in order) laid out on as many dashboards
    as CloudWatch's widget limit needs; a row is never split between two."""
    bodies: list[list[dict[str, Any]]] = [[]]
    y = 0
    for row in rows:
        widgets, height = _row(row, region, refs)
        if bodies[-1] and len(bodies[-1]) + len(widgets) > MAX_WIDGETS:
            bodies.append([])
            y = 0
        bodies[-1] += [{**w, "y": w["y"] + y} for w in widgets]
        y += height
    return [{"widgets": widgets} for widgets in bodies]


def _row(
    row: Mapping[str, Any], region: pulumi.Input[str], refs: References
) -> tuple[list[dict[str, Any]], int]:
    header = {"type": "text", "properties": {"markdown": f"## {row['title']}"}}
    widgets = [_place(header, 0, 0, 24, 1)]
    callers = row.get("callers", [])
    found = [_graph(row["target"], graph, refs, callers) for graph in GRAPHS[row["kind"]]]
    found += [_graph(f"datastore:{q}", OLDEST, refs) for q in row.get("queues", [])]
    graphs = [g for g in found if g is not None]
    for i, (title, metrics) in enumerate(graphs):
        properties = {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "period": 60,
            "metrics": metrics,
        }
        x, y = (i % PER_LINE) * WIDTH, 1 + (i // PER_LINE) * HEIGHT
        widgets.append(_place({"type": "metric", "properties": properties}, x, y, WIDTH, HEIGHT))
    return widgets, 1 + -(-len(graphs) // PER_LINE) * HEIGHT


def _place(widget: dict[str, Any], x: int, y: int, width: int, height: int) -> dict[str, Any]:
    return {**widget, "x": x, "y": y, "width": width, "height": height}


def _graph(
    target: str, graph: Graph, refs: References, callers: Sequence[str] = ()
) -> tuple[str, list[list[Any]]] | None:
    """A graph's lines; a "@caller" dimension draws one line per calling service (none: no
    graph, as nobody calls it)."""
    title, namespace, metrics, dimensions = graph
    keys = {name: key for name, key in dimensions.items() if not key.startswith("@")}
    if not all(refs.has(target, key) for key in keys.values()):
        return None
    fixed = {
        n: "cluster.name" if k == "@cluster" else f"{target}.{k}" for n, k in dimensions.items()
    }
    variants = (
        [{**fixed, "ServiceName": f"service:{c}.name"} for c in callers]
        if "@caller" in dimensions.values()
        else [fixed]
    )
    lines = []
    for references in variants:
        for combination in refs.combinations(references):
            for metric, stat in metrics:
                flat = [part for pair in combination.items() for part in pair]
                lines.append([namespace, metric, *flat, {"stat": stat}])
    return (f"{target.partition(':')[2]}: {title}", lines) if lines else None
