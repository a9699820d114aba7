"""CloudWatch burn-rate alarms of the SLOs: availability and latency, each a multi-window pair.

The same SLO drives the Prometheus rules (:mod:`shipspec.render.prometheus`); these watch
what the load balancer sees, so they work without Prometheus. Each burn rate is two
metric alarms (the long and the short window, no actions of their own) and a composite
that fires when both do and notifies. A public service's burn-rate pages are muted while
its service-down composite is in ALARM (CloudWatch's ActionsSuppressor): one outage, one
page.

Availability counts the target group's 5xx and, when the load balancer serves only this
service, the load balancer's own 5xx (``HTTPCode_ELB_5XX_Count`` has no TargetGroup
dimension). Latency counts the share of responses slower than the SLO threshold with the
percentile-rank statistic ``PR(:t)``: the percentage of ``TargetResponseTime`` samples at
most ``t`` seconds (CloudWatch's extended statistics, usable in an alarm's metric query).
Both read 0 below the plan's minimum request count, so a quiet hour does not page.

A service called only through Service Connect (an internal web service with callers,
:func:`~.traffic_alarms.connect_only`) burns on what its callers' proxies got back: their
5xx (``HTTPCode_Target_5XX_Count`` by ``TargetDiscoveryName``, per caller) over the requests
they sent it (``RequestCount`` by the same dimensions), plus its target group's 5xx and
requests. Both are counted where the calls are made, so a service its callers cannot reach
(their proxies answer 503 themselves, its own proxy receives nothing) burns at 100%.
It gets no CloudWatch latency burn rate: Service Connect's response times are per caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .monitoring import AlarmMetric, BurnRateAlert, CompositeAlarmPlan, SloMonitor, seconds
from .traffic_alarms import connect_metrics, connect_only, connect_ratio, http_only

if TYPE_CHECKING:
    from .alarms import Alarms

ELB = "AWS/ApplicationELB"


def ratio_expression(own_load_balancer: bool, minimum: int, *, percent: bool) -> str:
    """Metric math for the 5xx ratio: the target group's 5xx and requests, plus the load
    balancer's own 5xx when they are the service's (``elb_errors``), and 0 below
    ``minimum`` requests. ELB-generated 5xx are added to the requests too: ``RequestCount``
    leaves out requests the load balancer could not route to a target."""
    errors, requests = ratio_errors(own_load_balancer), ratio_requests(own_load_balancer)
    scale = "100 * " if percent else ""
    return f"IF({requests} >= {minimum}, {scale}({errors}) / ({requests}), 0)"


def ratio_errors(own_load_balancer: bool) -> str:
    return "FILL(errors, 0)" + (" + FILL(elb_errors, 0)" if own_load_balancer else "")


def ratio_requests(own_load_balancer: bool) -> str:
    return "FILL(requests, 0)" + (" + FILL(elb_errors, 0)" if own_load_balancer else "")


def latency_statistic(threshold_ms: int) -> str:
    """``PR(:0.3)``: the percentage of samples at most 300 ms (percentile rank, no lower bound)."""
    return f"PR(:{threshold_ms / 1000:g})"


def _m(id: str, metric: str, stat: str, **dimensions: str) -> AlarmMetric:
    return AlarmMetric(
        id=id, namespace=ELB, metric_name=metric, statistic=stat, dimensions=dimensions
    )


def availability_burn(self: Alarms, slo: SloMonitor) -> None:
    s = self.env.service(slo.service)
    if connect_only(s):
        # Its users are the services calling it through Service Connect: the load balancer
        # sees none of their calls, so the burn reads what their proxies sent and got back
        # (a call that cannot reach it is a 503 of the caller's proxy, in both counts).
        metrics, errors, requests = connect_metrics(s)
        expression = connect_ratio(requests, errors, self.min_requests, percent=False)
        what = f"5xx ratio of calls from {', '.join(s.callers)} (Service Connect)"
        _burn(self, slo, metrics, expression, what)
        return
    own = self.owns_load_balancer(s)
    dims = _dims(s.name, s.load_balancer)
    metrics = [
        _m("errors", "HTTPCode_Target_5XX_Count", "Sum", **dims),
        _m("requests", "RequestCount", "Sum", **dims),
    ]
    if own:
        metrics.append(
            _m("elb_errors", "HTTPCode_ELB_5XX_Count", "Sum", LoadBalancer=dims["LoadBalancer"])
        )
    what = "5xx ratio" + (" (with the load balancer's own 5xx)" if own else "")
    _burn(self, slo, metrics, ratio_expression(own, self.min_requests, percent=False), what)


def latency_burn(self: Alarms, slo: SloMonitor) -> None:
    assert slo.threshold_ms is not None
    s = self.env.service(slo.service)
    if connect_only(s):
        self.log.decide(
            f"alarms.{self.env.name}.{self.app}-{self.env.name}-{slo.name}-burn",
            None,
            f"no CloudWatch latency burn rate: {s.name} is called only through Service "
            "Connect, whose response times (TargetResponseTime) are published per caller, "
            "and the share of fast responses cannot be added up across callers; its "
            "load balancer sees none of the calls. The SLO's Prometheus burn-rate rules, "
            "on the service's own request histogram, measure it",
        )
        return
    dims = _dims(s.name, s.load_balancer)
    metrics = [
        _m("fast", "TargetResponseTime", latency_statistic(slo.threshold_ms), **dims),
        _m("requests", "RequestCount", "Sum", **dims),
    ]
    # PR gives the percentage at most the threshold; no samples means no slow ones.
    expression = f"IF(FILL(requests, 0) >= {self.min_requests}, (100 - FILL(fast, 100)) / 100, 0)"
    _burn(self, slo, metrics, expression, f"share of responses slower than {slo.threshold_ms} ms")


def _dims(service: str, load_balancer: str | None) -> dict[str, str]:
    assert load_balancer is not None
    return {
        "LoadBalancer": f"load_balancer:{load_balancer}",
        "TargetGroup": f"service:{service}.target_group",
    }


def _burn(
    self: Alarms, slo: SloMonitor, metrics: list[AlarmMetric], expression: str, what: str
) -> None:
    target = f"slo:{slo.name}"
    down = self.down_name(self.env.service(slo.service))
    if slo.sli == "availability":
        what += http_only(self.env.service(slo.service), bool(slo.grpc_ports))
    pages: list[str] = []  # this SLO's page composites so far: they mute the later alerts
    for alert in slo.alerts:
        members = [
            self.add(
                target,
                f"burn-{alert.long_window}-{window}",
                f"{slo.name}: {what} over {window} above {alert.error_ratio:g}",
                metrics,
                expression=expression,
                threshold=alert.error_ratio,
                period=seconds(window),
                evaluations=1,
                missing="notBreaching",
                notify=False,
                reason=f"{alert.burn_rate:g}× the error budget {slo.error_budget:g} over "
                f"{window}, over {self.min_requests}+ requests in the {window}; notifies "
                "through its composite alarm",
            ).name
            for window in (alert.long_window, alert.short_window)
        ]
        name = _composite(self, slo, alert, members, down, list(pages))
        if alert.severity == "page":
            pages.append(name)


def _composite(
    self: Alarms,
    slo: SloMonitor,
    alert: BurnRateAlert,
    members: list[str],
    down: str | None,
    unless: list[str],
) -> str:
    pages = alert.severity == "page" and self.env.alarms_page
    check = f"burn-{alert.long_window}"
    name = f"{self.app}-{self.env.name}-{slo.name}-{check}"
    reason = (
        f"{alert.severity}: {alert.budget_spent_percent:g}% of the {slo.window_days}-day "
        f"budget of {slo.name} in {alert.long_window}, confirmed over {alert.short_window}"
    )
    if pages and down:
        reason += f"; muted while {down} is in ALARM (that outage has paged)"
    if unless:
        reason += "; quiet while a faster burn-rate alert of this SLO pages (one page per burn)"
    self.log.decide(f"alarms.{self.env.name}.{name}", alert.error_ratio, reason, pages=pages)
    self.composites.append(
        CompositeAlarmPlan(
            name=name,
            target=target_of(slo),
            check=check,
            description=f"{slo.name}: error budget burning {alert.burn_rate:g}× too fast",
            members=members,
            rule=" AND ".join(
                [f'ALARM("{m}")' for m in members] + [f'NOT ALARM("{u}")' for u in unless]
            ),
            pages=pages,
            runbook=slo.runbook,
            reason=reason,
            suppressed_by=down if pages else None,
            unless=unless,
        )
    )
    return name


def target_of(slo: SloMonitor) -> str:
    return f"slo:{slo.name}"
