"""PromQL for the monitoring target: the recording rules, alert expressions and panel queries.

One module writes every expression, so the rules file, its unit tests and the Grafana
dashboard name the same series. Recording rules follow Prometheus' ``level:metric:operations``
convention: ``slo:*`` series carry ``app``, ``slo``, ``service`` and ``sli`` labels,
``service:*`` series carry ``app`` and ``service``.

Error ratios over long windows are sums of the recorded 5-minute rates
(``sum_over_time(errors) / sum_over_time(requests)``): weighted by traffic like a raw
``rate(...[3d])``, at a fraction of the cost, since it reads one recorded series instead
of every raw histogram series.
"""

from __future__ import annotations

from ..plan.monitoring import BURN_RATE_WINDOWS, MetricConvention, SloMonitor, seconds

RATE = "5m"
# Every window an alert or a panel reads, shortest first; 30d is the SLO window.
WINDOWS = sorted(
    {w for _, long, short, _ in BURN_RATE_WINDOWS for w in (long, short)} | {"30d"}, key=seconds
)

# An SLO whose request series has been gone this long raises its no-data alert.
NO_DATA_WINDOW = "15m"

REQUESTS = f"slo:sli_requests:rate{RATE}"
ERRORS = f"slo:sli_errors:rate{RATE}"
OBJECTIVE = "slo:objective:ratio"
BUDGET = "slo:error_budget:ratio"
BUDGET_REMAINING = "slo:error_budget:remaining_ratio"
SERVICE_REQUESTS = f"service:http_server_requests:rate{RATE}"
SERVICE_ERRORS = f"service:http_server_errors:ratio_rate{RATE}"


def error_ratio(window: str) -> str:
    """The recorded error ratio of an SLO over ``window``."""
    return f"slo:sli_error:ratio_rate{window}"


def service_quantile(q: float) -> str:
    return f"service:http_server_request_duration:p{round(q * 100)}_{RATE}"


def matchers(labels: dict[str, str]) -> str:
    """``{"job": "shop-web"}`` → ``{job="shop-web"}``, sorted so output is stable."""
    inner = ", ".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def le_matcher(bound: float) -> str:
    """Match one bucket whatever the exporter wrote: ``1`` (Go), ``1.0`` (Python, Prometheus 3)."""
    text = f"{bound:g}"
    if float(bound).is_integer():
        return f'le=~"{text}(\\\\.0)?"'
    return f'le="{text}"'


def slo_labels(app: str, slo: SloMonitor) -> dict[str, str]:
    return {"app": app, "slo": slo.name, "service": slo.service, "sli": slo.sli}


def slo_selector(app: str, slo: SloMonitor) -> str:
    return matchers({"app": app, "slo": slo.name})


def sli_requests(metrics: MetricConvention, slo: SloMonitor) -> str:
    """Requests per second: HTTP requests, and gRPC server calls of a service with gRPC ports
    (each side 0 while it has no series, so one protocol's silence blanks nothing)."""
    http = f"sum(rate({metrics.count_metric}{matchers(slo.selector)}[{RATE}]))"
    if not slo.grpc_ports:
        return http
    return f"({http} or vector(0))\n+\n({_rpc_rate(metrics, slo)} or vector(0))"


def sli_errors(metrics: MetricConvention, slo: SloMonitor) -> str:
    """Bad events per second: 5xx responses (and gRPC calls that end in a server-fault
    status), or responses slower than the chosen bucket."""
    if slo.sli == "availability":
        sel = _with(slo.selector, f'{metrics.status_label}=~"{metrics.error_status_regex}"')
        # No 5xx yet means the series does not exist: that is zero errors, not no data.
        http = f"sum(rate({metrics.count_metric}{sel}[{RATE}])) or vector(0)"
        if not slo.grpc_ports:
            return http
        bad = f'{metrics.rpc_status_label}=~"{metrics.rpc_error_status_regex}"'
        return f"({http})\n+\n({_rpc_rate(metrics, slo, bad)} or vector(0))"
    assert slo.bucket_le is not None
    fast = _with(slo.selector, le_matcher(slo.bucket_le))
    if not slo.grpc_ports:
        return (
            f"clamp_min(\n  sum(rate({metrics.count_metric}{matchers(slo.selector)}[{RATE}]))\n"
            f"  - sum(rate({metrics.bucket_metric}{fast}[{RATE}])),\n  0\n)"
        )
    rpc_fast = _with(slo.selector, le_matcher(rpc_bucket_le(metrics, slo)))
    return (
        f"clamp_min(\n  (sum(rate({metrics.count_metric}{matchers(slo.selector)}[{RATE}])) "
        "or vector(0))\n"
        f"  + ({_rpc_rate(metrics, slo)} or vector(0))\n"
        f"  - (sum(rate({metrics.bucket_metric}{fast}[{RATE}])) or vector(0))\n"
        f"  - (sum(rate({metrics.rpc_bucket_metric}{rpc_fast}[{RATE}])) or vector(0)),\n"
        "  0\n)"
    )


def rpc_bucket_le(metrics: MetricConvention, slo: SloMonitor) -> float:
    """The latency SLO's bucket in the gRPC histogram's unit (0.25 s → 250 ms)."""
    assert slo.bucket_le is not None
    return round(slo.bucket_le * metrics.seconds_per_unit / metrics.rpc_seconds_per_unit, 9)


def _rpc_rate(metrics: MetricConvention, slo: SloMonitor, matcher: str | None = None) -> str:
    sel = _with(slo.selector, matcher) if matcher else matchers(slo.selector)
    return f"sum(rate({metrics.rpc_count_metric}{sel}[{RATE}]))"


def window_ratio(app: str, slo: SloMonitor, window: str) -> str:
    sel = slo_selector(app, slo)
    if window == RATE:
        return f"{ERRORS}{sel}\n/\n{REQUESTS}{sel}"
    return f"sum_over_time({ERRORS}{sel}[{window}])\n/\nsum_over_time({REQUESTS}{sel}[{window}])"


def burn_alert(
    app: str, slo: SloMonitor, long: str, short: str, rate: float, min_requests: int = 0
) -> str:
    """Both windows above the burn rate, and the short window busy enough to judge: at
    least ``min_requests`` a minute on average, the floor the CloudWatch burn alarms use
    (below it, 2 errors in 4 requests would read as a 50% error ratio and page)."""
    sel = slo_selector(app, slo)
    limit = f"({rate:g} * {slo.error_budget:g})"
    burning = f"{error_ratio(long)}{sel} > {limit}\nand\n{error_ratio(short)}{sel} > {limit}"
    if not min_requests:
        return burning
    return f"{burning}\nand\navg_over_time({REQUESTS}{sel}[{short}]) * 60 >= {min_requests}"


def no_data(metrics: MetricConvention, slo: SloMonitor) -> str:
    """1 once the SLO's request counter has had no sample for ``NO_DATA_WINDOW``: the
    service, its telemetry or the collection path is gone, and every ratio of the SLO is
    empty, so its burn-rate alerts cannot fire. With gRPC ports, also once its gRPC call
    counter is gone: the SLI would go on reading the HTTP side alone."""
    http = f"absent_over_time({metrics.count_metric}{matchers(slo.selector)}[{NO_DATA_WINDOW}])"
    if not slo.grpc_ports:
        return http
    rpc = f"absent_over_time({metrics.rpc_count_metric}{matchers(slo.selector)}[{NO_DATA_WINDOW}])"
    return f"{http}\nor\n{rpc}"


def bucket_missing(metrics: MetricConvention, slo: SloMonitor) -> str:
    """1 once a latency SLO's threshold bucket has had no sample for ``NO_DATA_WINDOW`` while
    the request counter has: a histogram without that boundary (no SDK View) leaves the
    SLI's errors without a result, so the latency SLO reads nothing and never alerts. Not
    while the counter is gone too: the no-data ticket says that."""
    assert slo.bucket_le is not None
    fast = _with(slo.selector, le_matcher(slo.bucket_le))
    missing = f"absent_over_time({metrics.bucket_metric}{fast}[{NO_DATA_WINDOW}])"
    if slo.grpc_ports:
        rpc_fast = _with(slo.selector, le_matcher(rpc_bucket_le(metrics, slo)))
        missing = (
            f"({missing}\nor\n"
            f"absent_over_time({metrics.rpc_bucket_metric}{rpc_fast}[{NO_DATA_WINDOW}]))"
        )
    gone = no_data(metrics, slo).replace("\n", " ")
    return f"{missing}\nunless on ()\n({gone})"


def budget_remaining(app: str, slo: SloMonitor) -> str:
    sel = slo_selector(app, slo)
    return f"1 - {error_ratio('30d')}{sel} / {BUDGET}{sel}"


def burn_rate(app: str, slo: SloMonitor, window: str) -> str:
    """How many times faster than sustainable the budget burns over ``window`` (a panel query)."""
    sel = slo_selector(app, slo)
    return f"{error_ratio(window)}{sel} / {BUDGET}{sel}"


def service_requests(metrics: MetricConvention, selector: dict[str, str]) -> str:
    return f"sum(rate({metrics.count_metric}{matchers(selector)}[{RATE}]))"


def service_errors(metrics: MetricConvention, selector: dict[str, str]) -> str:
    bad = _with(selector, f'{metrics.status_label}=~"{metrics.error_status_regex}"')
    return (
        f"(sum(rate({metrics.count_metric}{bad}[{RATE}])) or vector(0))\n"
        f"/\nsum(rate({metrics.count_metric}{matchers(selector)}[{RATE}]))"
    )


def service_latency(metrics: MetricConvention, selector: dict[str, str], q: float) -> str:
    return (
        f"histogram_quantile({q:g}, sum by (le) "
        f"(rate({metrics.bucket_metric}{matchers(selector)}[{RATE}])))"
    )


def _with(labels: dict[str, str], matcher: str) -> str:
    """The matchers of ``labels`` and one more, written as is (a regex or ``le`` matcher)."""
    return matchers(labels)[:-1] + f", {matcher}}}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
