"""The Prometheus rules file as data: recording rules per SLO and per web service, then alerts.

One group per SLO holds its series (request and error rates, error ratios per window,
objective, budget, budget remaining) and its burn-rate alerts, so a group evaluates in
order and its alerts read this cycle's ratios. One group per web service records the
traffic, error ratio and latency quantiles the dashboard plots.
"""

from __future__ import annotations

from typing import Any

from ..plan.model import DeploymentModel
from ..plan.monitoring import BurnRateAlert, MetricConvention, SloMonitor
from . import promql


def rule_groups(model: DeploymentModel) -> list[dict[str, Any]]:
    """The rules file's groups: one per SLO (its series, then its alerts), one per web service."""
    mon, app = model.monitoring, model.app
    floor = min_requests(model)
    groups = []
    for slo in mon.slos:
        labels = promql.slo_labels(app, slo)
        rules: list[dict[str, Any]] = [
            _record(promql.REQUESTS, promql.sli_requests(mon.metrics, slo), labels),
            _record(promql.ERRORS, promql.sli_errors(mon.metrics, slo), labels),
        ]
        rules += [
            _record(promql.error_ratio(w), promql.window_ratio(app, slo, w), labels)
            for w in promql.WINDOWS
        ]
        rules += [
            _record(promql.OBJECTIVE, f"vector({slo.objective / 100:g})", labels),
            _record(promql.BUDGET, f"vector({slo.error_budget:g})", labels),
            _record(promql.BUDGET_REMAINING, promql.budget_remaining(app, slo), labels),
        ]
        env = {"environment": mon.environment}
        rules += [
            _alert(app, slo, alert, labels | env, mon.link(slo.runbook), floor)
            for alert in slo.alerts
        ]
        rules.append(_no_data(app, slo, mon.metrics, labels | env, mon.link(slo.runbook)))
        if slo.sli == "latency":
            rules.append(
                _bucket_missing(app, slo, mon.metrics, labels | env, mon.link(slo.runbook))
            )
        groups.append({"name": f"{app}-slo-{slo.name}", "rules": rules})
    for service, selector in mon.services.items():
        labels = {"app": app, "service": service}
        groups.append(
            {
                "name": f"{app}-service-{service}",
                "rules": [
                    _record(
                        promql.SERVICE_REQUESTS,
                        promql.service_requests(mon.metrics, selector),
                        labels,
                    ),
                    _record(
                        promql.SERVICE_ERRORS, promql.service_errors(mon.metrics, selector), labels
                    ),
                ]
                + [
                    _record(
                        promql.service_quantile(q),
                        promql.service_latency(mon.metrics, selector, q),
                        labels,
                    )
                    for q in (0.5, 0.99)
                ],
            }
        )
    return groups


def min_requests(model: DeploymentModel) -> int:
    """The request floor a minute of the CloudWatch burn-rate alarms of the environment the
    rules describe (``alarms.<env>.min_requests``): both sides judge the same minutes."""
    mon = model.monitoring
    return int(mon.decision(f"alarms.{mon.environment}.min_requests").value)


def no_data_alert_name(slo: SloMonitor) -> str:
    """``ShopWebAvailabilityNoData`` beside ``ShopWebAvailabilityBudgetBurn``."""
    return slo.alert_name.removesuffix("BudgetBurn") + "NoData"


def _no_data(
    app: str, slo: SloMonitor, metrics: MetricConvention, labels: dict[str, str], runbook: str
) -> dict:
    """A ticket when the SLO's series disappear: its burn-rate alerts are blind, not green.
    A ticket, not a page: a service that is down pages through CloudWatch (its service-down
    alarms), which sees the load balancer whether or not telemetry arrives."""
    return {
        "alert": no_data_alert_name(slo),
        "expr": promql.no_data(metrics, slo),
        "labels": labels | {"severity": "ticket"},
        "annotations": {
            "summary": f"{app} {slo.service}: no {slo.sli} data for {promql.NO_DATA_WINDOW}",
            "description": f"{metrics.count_metric}"
            + (f" or {metrics.rpc_count_metric}" if slo.grpc_ports else "")
            + f" of {slo.service} has had no sample for "
            f"{promql.NO_DATA_WINDOW}: the {slo.name} SLO and its burn-rate alerts see "
            "nothing. The service, its OpenTelemetry export or the collector stopped.",
            "runbook_url": runbook,
        },
    }


def bucket_missing_alert_name(slo: SloMonitor) -> str:
    """``ShopApiLatencyBucketMissing`` beside ``ShopApiLatencyBudgetBurn``."""
    return slo.alert_name.removesuffix("BudgetBurn") + "BucketMissing"


def _bucket_missing(
    app: str, slo: SloMonitor, metrics: MetricConvention, labels: dict[str, str], runbook: str
) -> dict:
    """A ticket when the latency SLO's threshold bucket has no series while requests are
    counted: the histogram lacks that boundary (no SDK View), and the SLO measures nothing."""
    assert slo.bucket_le is not None
    buckets = f"{metrics.bucket_metric} at le {slo.bucket_le:g}"
    if slo.grpc_ports:
        rpc_le = promql.rpc_bucket_le(metrics, slo)
        buckets += f" or {metrics.rpc_bucket_metric} at le {rpc_le:g}"
    return {
        "alert": bucket_missing_alert_name(slo),
        "expr": promql.bucket_missing(metrics, slo),
        "labels": labels | {"severity": "ticket"},
        "annotations": {
            "summary": f"{app} {slo.service}: no {slo.threshold_ms} ms latency bucket for "
            f"{promql.NO_DATA_WINDOW}",
            "description": f"{buckets} of {slo.service} has had no sample for "
            f"{promql.NO_DATA_WINDOW} while its requests are counted: the histogram has no "
            f"{slo.threshold_ms} ms boundary, so the {slo.name} SLO and its burn-rate alerts "
            "see nothing. Add the boundary with an SDK View (monitoring/README.md).",
            "runbook_url": runbook,
        },
    }


def _alert(
    app: str,
    slo: SloMonitor,
    alert: BurnRateAlert,
    labels: dict[str, str],
    runbook: str,
    floor: int,
) -> dict:
    if slo.sli == "availability":
        what = "5xx responses" + (
            " and gRPC calls ending in a server-fault status" if slo.grpc_ports else ""
        )
    else:
        what = "slow responses" + (" and gRPC calls" if slo.grpc_ports else "")
    long, short = alert.long_window, alert.short_window
    return {
        "alert": slo.alert_name,
        "expr": promql.burn_alert(app, slo, long, short, alert.burn_rate, floor),
        "labels": labels | {"severity": alert.severity, "window": long},
        "annotations": {
            "summary": f"{app} {slo.service}: {slo.sli} error budget burning "
            f"{alert.burn_rate:g}× too fast over {long}",
            "description": f"{what} of {slo.service} above {alert.error_ratio * 100:g}% over "
            f"{long} and {short} ({floor}+ requests a minute): at this rate "
            f"{alert.budget_spent_percent:g}% of the "
            f"{slo.window_days}-day error budget of the {slo.objective}% objective is spent "
            f"in {long}.",
            "runbook_url": runbook,
        },
    }


def _record(name: str, expr: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"record": name, "expr": expr, "labels": labels}
