"""Alarms on the traffic that does not cross the ALB: Service Connect calls and NLBs.

**Service Connect** (namespace ``AWS/ECS``). The proxies publish two families of metrics
(Amazon ECS CloudWatch metrics, "Service Connect metrics",
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html):
what a server's proxy receives, by ``DiscoveryName`` (``RequestCount``,
``GrpcRequestCount``, ``ActiveConnectionCount``, ``NewConnectionCount``,
``ProcessedBytes``; also with ``ServiceName, ClusterName`` of that server), and what a
client's proxy got back from a target, by ``TargetDiscoveryName`` (``HTTPCode_Target_2XX``
to ``5XX_Count``, ``TargetResponseTime``, ``RequestCountPerTarget``; also with
``ServiceName, ClusterName`` of the *calling* service); ``RequestCount`` is published by
``TargetDiscoveryName`` too, the requests a client's proxy sent a target. A 5xx count keyed
by the callee's own ``ServiceName`` and ``DiscoveryName`` is not a published dimension set:
an alarm on it reads no data and never fires. So the errors and the requests are both
summed over the declared callers (``ClusterName``, caller ``ServiceName``, callee
``TargetDiscoveryName``: scoped to this stack's cluster, unlike ``TargetDiscoveryName``
alone, which every stack in the account shares): the ratio is what the callers got, and a
callee its callers cannot reach (their proxies answer 503, its own proxy receives
nothing) reads 100%, not 0.

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
            "GrpcRequestCount",
            "ClientTLSNegotiationErrorCount",
        ),
        SERVER_SETS,
    ),
    # Requests are counted on both sides: received by a server's proxy (DiscoveryName)
    # and sent by a client's proxy to a target (TargetDiscoveryName).
    "RequestCount": SERVER_SETS | TARGET_SETS,
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
# CloudWatch reads at most 10 metrics in one metric math alarm (PutMetricAlarm; the
# conformance rule "at most 10 metrics in a metric math alarm" checks the program).
MAX_ALARM_METRICS = 10
# What a caller's proxy counts when the service cannot be reached (its tasks run, but a
# connection is refused, reset or times out): the proxy is Envoy, whose router answers
# the caller itself, 503 (504 on its per-request timeout), and charges that code to the
# upstream cluster it tried, the callee's, as it does a response from the callee
# (Envoy's router, Filter::chargeUpstreamAbort -> chargeUpstreamCode; the cluster's
# upstream_rq_<code> and upstream_rq_5xx statistics). The Service Connect metrics of a
# target (TargetDiscoveryName) are that cluster's, so HTTPCode_Target_5XX_Count counts
# those 503s and RequestCount the requests; the callee's own proxy (DiscoveryName) sees
# none of them.
UNREACHABLE_5XX = 503


def _m(id: str, namespace: str, metric: str, stat: str, **dimensions: str) -> AlarmMetric:
    return AlarmMetric(
        id=id, namespace=namespace, metric_name=metric, statistic=stat, dimensions=dimensions
    )


def grpc_ports(s: ServicePlan) -> list[str]:
    """The further ports ``s`` serves gRPC on, as ``50051 (tracking-rpc)``: Service Connect
    gives each its own discovery name, but gRPC answers errors as a ``grpc-status`` on HTTP
    200 (Envoy's own replies to a gRPC call included: its local reply for an unreachable
    upstream is a trailers-only HTTP 200 with grpc-status 14, ``Http::Utility::sendLocalReply``
    when the request is gRPC). Envoy's router may still charge such a local reply to the
    upstream cluster's HTTP code statistics (``upstream_rq_503``/``504``, unless
    ``suppress_grpc_request_failure_code_stats``; "not all failed gRPC requests" do, its
    docs say), but AWS documents no Service Connect status metric for gRPC ports
    (``GrpcRequestCount``, the calls a server's proxy received, is the one gRPC metric),
    and an error the gRPC server itself returns is a 200 everywhere. So no alarm reads the
    gRPC port: an availability SLO of the service counts its status codes in Prometheus
    (``plan/observability.py``); without one, nothing does."""
    return [f"{p.port} ({p.name})" for p in s.ports if p.protocol == "grpc"]


def http_only(s: ServicePlan, slo: bool) -> str:
    """What an HTTP 5xx alarm of ``s`` leaves out, for its description: '' when ``s`` has
    no gRPC port. ``slo``: whether an availability SLO of the spec covers ``s``, whose
    Prometheus rules then count its gRPC status errors; without one, nothing does."""
    ports = grpc_ports(s)
    if not ports:
        return ""
    if slo:
        return (
            f" (HTTP port {s.port} only: gRPC errors on port {', '.join(ports)} are counted by "
            "the Prometheus SLO alone)"
        )
    return f" (HTTP port {s.port} only, not gRPC port {', '.join(ports)}: {GRPC_UNWATCHED})"


# What watches a gRPC port's status errors when no availability SLO covers its service:
# the alarm descriptions and the runbook say it in these words.
GRPC_UNWATCHED = (
    "no alarm watches its gRPC status errors (gRPC failures travel as HTTP 200); only its "
    "callers' own alarms see them if they turn them into errors; add an availability SLO "
    "for it to count them"
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
    math), both counted where the calls are made: each caller's proxy's 5xx from the
    service (``HTTPCode_Target_5XX_Count`` by ``TargetDiscoveryName``) over the requests that
    proxy sent it (``RequestCount`` by the same ``TargetDiscoveryName`` dimensions), and
    for a service called only through Service Connect its target group's 5xx over the
    requests its load balancer sent that target group (``AWS/ApplicationELB``).

    Not the requests the service's own proxy received (``RequestCount`` by
    ``DiscoveryName``): when calls stop reaching it (its tasks run but a security group or
    its proxy turns them away) the callers' proxies answer them 503 themselves, which their
    ``HTTPCode_Target_5XX_Count`` counts (see :data:`UNREACHABLE_5XX`), while the
    service's proxy counts nothing, so a ratio over its requests falls under the request
    floor and reads 0 just when every call fails; and load balancer traffic passes that
    proxy, adding requests whose 5xx only ``lb_errors`` saw.

    Per caller, so the alarm reads this stack's cluster only, while the metrics fit
    one alarm (:data:`MAX_ALARM_METRICS`); past that, by ``TargetDiscoveryName`` alone:
    every caller of that discovery name in the account, in any cluster (see
    :func:`per_caller`)."""
    only = connect_only(s)
    discovery = f"service:{s.name}.discovery"
    if per_caller(s):
        targets = [
            {
                "ClusterName": "cluster.name",
                "ServiceName": f"service:{caller}.name",
                "TargetDiscoveryName": discovery,
            }
            for caller in s.callers
        ]
    else:
        targets = [{"TargetDiscoveryName": discovery}]
    metrics: list[AlarmMetric] = []
    for i, dims in enumerate(targets):
        metrics.append(_m(f"errors{i}", "AWS/ECS", "HTTPCode_Target_5XX_Count", "Sum", **dims))
        metrics.append(_m(f"calls{i}", "AWS/ECS", "RequestCount", "Sum", **dims))
    errors = [f"FILL(errors{i}, 0)" for i in range(len(targets))]
    requests = [f"FILL(calls{i}, 0)" for i in range(len(targets))]
    if only:
        lb = {
            "LoadBalancer": f"load_balancer:{s.load_balancer}",
            "TargetGroup": f"service:{s.name}.target_group",
        }
        metrics.append(
            _m("lb_errors", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", **lb)
        )
        metrics.append(_m("lb_requests", "AWS/ApplicationELB", "RequestCount", "Sum", **lb))
        errors.append("FILL(lb_errors, 0)")
        requests.append("FILL(lb_requests, 0)")
    return metrics, " + ".join(errors), " + ".join(requests)


def per_caller(s: ServicePlan) -> bool:
    """Whether a Service Connect ratio of ``s`` can read each caller's metrics (two a
    caller, two of the load balancer's) within one alarm's :data:`MAX_ALARM_METRICS`."""
    return 2 * len(s.callers) + (2 if connect_only(s) else 0) <= MAX_ALARM_METRICS


def connect_counts(s: ServicePlan) -> str:
    """What a Service Connect ratio of ``s`` divides, for its decision's reason."""
    scope = (
        "per caller"
        if per_caller(s)
        else f"by TargetDiscoveryName alone: {len(s.callers)} callers' metrics do not fit "
        f"one alarm's {MAX_ALARM_METRICS}, so calls from any cluster in the account count"
    )
    return (
        f"the 5xx each caller's proxy got from it over the requests that proxy sent it "
        f"(TargetDiscoveryName, {scope})"
        + (
            ", and its target group's 5xx over the requests its load balancer sent it"
            if connect_only(s)
            else ""
        )
    )


def connect_ratio(requests: str, errors: str, floor: int, *, percent: bool) -> str:
    """Metric math of a Service Connect 5xx ratio, 0 below ``floor`` requests."""
    scale = "100 * " if percent else ""
    return f"IF(({requests}) >= {floor}, {scale}({errors}) / ({requests}), 0)"


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
        + (" (with its load balancer's target 5xx)" if only else "")
        + http_only(s, s.name in alarms.grpc_slos),
        metrics,
        expression=connect_ratio(requests, errors, floor, percent=True),
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
        + "; "
        + connect_counts(s)
        + ", only over "
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
        "half the tasks missing, which catches a crash loop); a missing datapoint counts as none "
        "healthy (the NLB reports while it exists)",
    )
    if s.protocol not in ("tcp", "tls"):
        return
    lb = {"LoadBalancer": dims["LoadBalancer"]}
    # A TLS listener's connections are TLS flows (NewFlowCount_TLS), not TCP ones.
    flows = "NewFlowCount_TLS" if s.protocol == "tls" else "NewFlowCount_TCP"
    alarms.add(
        target,
        "tcp-resets",
        f"{s.name}: the load balancer resets more than {RESET_PERCENT:g}% of new connections",
        [
            _m("resets", nlb, "TCP_ELB_Reset_Count", "Sum", **lb),
            _m("flows", nlb, flows, "Sum", **lb),
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
