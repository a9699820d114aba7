"""Alarms on the traffic that does not cross the ALB: Service Connect calls and NLBs.

**Service Connect** (namespace ``AWS/ECS``). The proxies publish two families of metrics
(Amazon ECS CloudWatch metrics, "Service Connect metrics",
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html):
what a server's proxy receives, by ``DiscoveryName`` (``RequestCount``,
``GrpcRequestCount``, ``ActiveConnectionCount``, ``NewConnectionCount``,
``ProcessedBytes``; also with ``ServiceName, ClusterName`` of that server), and what a
client's proxy got back from a target, by ``TargetDiscoveryName`` (``HTTPCode_Target_2XX``
to ``5XX_Count``, ``TargetResponseTime``, ``RequestCountPerTarget``; also with
``ServiceName, ClusterName`` of the *calling* service). A 5xx count keyed by the callee's
own ``ServiceName`` and ``DiscoveryName`` is not a published dimension set: an alarm on it
reads no data and never fires. So the errors are summed over the declared callers
(``ClusterName``, caller ``ServiceName``, callee ``TargetDiscoveryName``: scoped to this
stack's cluster, unlike ``TargetDiscoveryName`` alone, which every stack in the account
shares) and divided by the requests the server's proxy received.

gRPC answers errors as ``grpc-status`` trailers on HTTP 200, so an HTTP 5xx count cannot
see them; a gRPC or TCP server gets no such alarm (the decision says so) and the
dashboard draws ``GrpcRequestCount`` or connections instead.

**Network Load Balancers** (``AWS/NetworkELB``, by ``LoadBalancer`` and ``TargetGroup``,
https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-cloudwatch-metrics.html):
no healthy target (pages for a public service, through its service-down composite, as
the ALB one does), an unhealthy target (a ticket), and for TCP the share of new flows
the load balancer itself resets (``TCP_ELB_Reset_Count``: no healthy target, a target
that refused or timed out). Traffic the NLB's security group rejects is not in any
metric (the same page), so nothing can alarm on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import ServicePlan
from .monitoring import AlarmMetric

if TYPE_CHECKING:
    from .alarms import Alarms

# The dimension sets Service Connect publishes each metric under (the ECS metrics page
# cited above): a server's inbound metrics by its DiscoveryName, a client's view of a
# target by TargetDiscoveryName (ServiceName then names the calling service).
SERVER_SETS = frozenset({("DiscoveryName",), ("ClusterName", "DiscoveryName", "ServiceName")})
TARGET_SETS = frozenset(
    {("TargetDiscoveryName",), ("ClusterName", "ServiceName", "TargetDiscoveryName")}
)
SERVICE_CONNECT_DIMENSIONS: dict[str, frozenset[tuple[str, ...]]] = {
    **dict.fromkeys(
        (
            "ActiveConnectionCount",
            "NewConnectionCount",
            "ProcessedBytes",
            "RequestCount",
            "GrpcRequestCount",
            "ClientTLSNegotiationErrorCount",
        ),
        SERVER_SETS,
    ),
    **dict.fromkeys(
        (
            "HTTPCode_Target_2XX_Count",
            "HTTPCode_Target_3XX_Count",
            "HTTPCode_Target_4XX_Count",
            "HTTPCode_Target_5XX_Count",
            "RequestCountPerTarget",
            "TargetProcessedBytes",
            "TargetResponseTime",
            "TargetTLSNegotiationErrorCount",
        ),
        TARGET_SETS,
    ),
}

# 5xx share of Service Connect calls to a worker (no SLO of its own) that opens a ticket.
CALLED_ERROR_RATE_PERCENT = 5.0
RESET_PERCENT = 5.0  # of new TCP flows reset by the NLB itself
MIN_FLOWS = 20  # per minute, below which the reset share reads 0


def _m(id: str, namespace: str, metric: str, stat: str, **dimensions: str) -> AlarmMetric:
    return AlarmMetric(
        id=id, namespace=namespace, metric_name=metric, statistic=stat, dimensions=dimensions
    )


def connect_only(s: ServicePlan) -> bool:
    """Whether the service's users are other services calling it through Service Connect:
    an internal HTTP web service with declared callers. Its callers get no URL of its
    internal load balancer (Service Connect gives them ``http://<name>:<port>``), so the
    load balancer sees at most what people inside the network send it; the calls reach the
    tasks through the service's own Service Connect proxy. A public service's load balancer
    carries the internet's traffic, so its ALB alarms stay its availability alarms."""
    return (
        s.kind == "web"
        and s.protocol == "http"
        and s.load_balancer == "internal"
        and not s.public
        and bool(s.callers)
    )


def connect_metrics(s: ServicePlan) -> tuple[list[AlarmMetric], str, str]:
    """The metrics of a Service Connect 5xx ratio, its errors and its requests (metric
    math): the 5xx each caller's proxy got back from the service (``TargetDiscoveryName``,
    per caller) and, for a service on a load balancer, its target group's 5xx, over the
    requests the service's own proxy received (``DiscoveryName``). The proxy listens on the
    container port (no ``ingressPortOverride``: ECS's ServiceConnectService API, "In awsvpc
    mode and Fargate, the default value is the container port number"), so what the load
    balancer sends the tasks passes it and is counted there too."""
    metrics = [
        _m(
            f"errors{i}",
            "AWS/ECS",
            "HTTPCode_Target_5XX_Count",
            "Sum",
            ClusterName="cluster.name",
            ServiceName=f"service:{caller}.name",
            TargetDiscoveryName=f"service:{s.name}.discovery",
        )
        for i, caller in enumerate(s.callers)
    ]
    terms = [f"FILL(errors{i}, 0)" for i in range(len(s.callers))]
    if connect_only(s):
        metrics.append(
            _m(
                "lb_errors",
                "AWS/ApplicationELB",
                "HTTPCode_Target_5XX_Count",
                "Sum",
                LoadBalancer=f"load_balancer:{s.load_balancer}",
                TargetGroup=f"service:{s.name}.target_group",
            )
        )
        terms.append("FILL(lb_errors, 0)")
    metrics.append(
        _m(
            "requests",
            "AWS/ECS",
            "RequestCount",
            "Sum",
            ClusterName="cluster.name",
            ServiceName=f"service:{s.name}.name",
            DiscoveryName=f"service:{s.name}.discovery",
        )
    )
    return metrics, " + ".join(terms), "FILL(requests, 0)"


def connect_alarms(alarms: Alarms, s: ServicePlan, *, burn_rate_pages: bool = False) -> None:
    """Errors other services get from this one through Service Connect.

    For a web service on a load balancer and a worker it is also a deployment (rollback)
    alarm: ECS rolls a release back when its callers get 5xx. For a
    service called only through Service Connect (:func:`connect_only`) it takes the place
    of the load balancer's 5xx ratio: it pages where that would (no availability SLO's
    burn rate paging for it) and counts the load balancer's 5xx too."""
    key = f"alarms.{alarms.env.name}.{alarms.app}-{alarms.env.name}-{s.name}-connect-5xx-ratio"
    if s.protocol != "http":
        alarms.log.decide(
            key,
            None,
            f"no Service Connect 5xx alarm: {s.name} speaks {s.protocol}, where failures are "
            + (
                "gRPC status codes on HTTP 200, which no 5xx count sees"
                if s.protocol == "grpc"
                else "closed connections, with no HTTP status"
            )
            + "; the dashboard draws its calls, and its callers' own alarms see failures",
        )
        return
    metrics, errors, requests = connect_metrics(s)
    rate = s.alarms.error_rate_percent if s.alarms is not None else CALLED_ERROR_RATE_PERCENT
    only = connect_only(s)
    # Web services on a load balancer and workers: the ECS services the program gives
    # deployment alarms (a TCP/UDP web service behind its NLB has none; it speaks no HTTP).
    rollback = s.kind == "worker" or (s.kind == "web" and s.load_balancer is not None)
    page = only and not burn_rate_pages
    floor = alarms.min_requests
    if page:
        routing = "pages: its callers are its users and no burn rate pages for it"
    elif only:
        routing = (
            "a ticket: the availability SLO's burn-rate alarms, which read the same calls, page"
        )
    else:
        routing = f"a ticket: {', '.join(s.callers)} alarm on what their users see"
    alarms.add(
        f"service:{s.name}",
        "connect-5xx-ratio",
        f"{s.name}: more than {rate:g}% of calls from {', '.join(s.callers)} get a 5xx"
        + (" (with its load balancer's target 5xx)" if only else ""),
        metrics,
        expression=f"IF({requests} >= {floor}, 100 * ({errors}) / ({requests}), 0)",
        threshold=rate,
        period=60,
        evaluations=5,
        datapoints=3,
        missing="notBreaching",
        page=page,
        rollback=rollback,
        reason=(
            "the web alarm's rate, for the calls its load balancer does not see"
            if s.alarms is not None
            else f"{CALLED_ERROR_RATE_PERCENT:g}%: a worker's callers have no SLO of their own"
        )
        + "; the 5xx each caller's proxy got from it (TargetDiscoveryName, per caller)"
        + (" and its target group's 5xx" if only else "")
        + " over the requests its own proxy received (DiscoveryName), only over "
        + f"{floor}+ requests a minute; 3 of 5 minutes"
        + ("; rolls deployments back" if rollback else "")
        + f"; {routing}",
    )


def network_alarms(alarms: Alarms, s: ServicePlan) -> None:
    """A tcp or udp web service behind its own Network Load Balancer."""
    dims = {
        "LoadBalancer": f"service:{s.name}.load_balancer",
        "TargetGroup": f"service:{s.name}.target_group",
    }
    nlb, target = "AWS/NetworkELB", f"service:{s.name}"
    down = alarms.down_name(s)
    alarms.add(
        target,
        "unhealthy-hosts",
        f"{s.name}: a target fails its health check",
        [_m("unhealthy", nlb, "UnHealthyHostCount", "Maximum", **dims)],
        threshold=0,
        period=60,
        evaluations=3,
        datapoints=2,
        missing="notBreaching",
        reason="a task failing health checks in 2 of 3 minutes; the load balancer sends new "
        "flows around it, so a ticket: the no-healthy-hosts alarm pages if none is left",
    )
    alarms.add(
        target,
        "no-healthy-hosts",
        f"{s.name}: no target passes its health check",
        [_m("healthy", nlb, "HealthyHostCount", "Minimum", **dims)],
        threshold=1,
        comparison="LessThanThreshold",
        period=60,
        evaluations=3,
        datapoints=2,
        missing="breaching",
        page=True,
        notify=down is None,
        reason="no healthy target in 2 of 3 minutes: the NLB fails open, sending connections "
        "to targets that fail their checks; pages through the service-down composite (with "
        "tasks missing, which catches a crash loop); a missing datapoint counts as none "
        "healthy (the NLB reports while it exists)",
    )
    if s.protocol != "tcp":
        return
    lb = {"LoadBalancer": dims["LoadBalancer"]}
    alarms.add(
        target,
        "tcp-resets",
        f"{s.name}: the load balancer resets more than {RESET_PERCENT:g}% of new connections",
        [
            _m("resets", nlb, "TCP_ELB_Reset_Count", "Sum", **lb),
            _m("flows", nlb, "NewFlowCount_TCP", "Sum", **lb),
        ],
        expression=f"IF(FILL(flows, 0) >= {MIN_FLOWS}, 100 * FILL(resets, 0) / FILL(flows, 1), 0)",
        threshold=RESET_PERCENT,
        period=60,
        evaluations=5,
        datapoints=3,
        missing="notBreaching",
        reason="resets the NLB sends itself (no healthy target, a target that refused or timed "
        f"out) over {MIN_FLOWS}+ new flows a minute, 3 of 5 minutes; a ticket: the "
        "health alarms say whether the targets are gone",
    )
