"""Monitoring target: ``monitoring/`` — Prometheus rules and their tests, Alertmanager, Grafana.

Writes ``monitoring/prometheus/<app>-slos.rules.yml`` (recording rules per SLO and web
service, burn-rate alerts), ``monitoring/prometheus/<app>-slos.test.yml`` (promtool unit
tests of those alerts), ``monitoring/alertmanager.yml``, ``monitoring/grafana/<app>.json``
and ``monitoring/README.md``. Everything comes from ``model.monitoring``; the PromQL
from :mod:`shipspec.render.promql`, so the three files name the same series.
"""

from __future__ import annotations

from typing import Any

from ...plan.model import DeploymentModel
from .. import promql
from ..grafana import dashboard_json
from ..promtests import rule_tests
from . import target


@target("monitoring")
def context(model: DeploymentModel) -> dict[str, Any]:
    """monitoring/prometheus/<app>-slos.rules.yml, monitoring/prometheus/<app>-slos.test.yml,
    monitoring/alertmanager.yml, monitoring/grafana/<app>.json, monitoring/README.md"""
    return {
        "monitoring": model.monitoring,
        "rule_groups": rule_groups(model),
        "rule_tests": rule_tests(model),
        "dashboard": dashboard_json(model),
    }


def rule_groups(model: DeploymentModel) -> list[dict[str, Any]]:
    """The rules file's groups: one per SLO (its series, then its alerts), one per web service."""
    mon, app = model.monitoring, model.app
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
        for alert in slo.alerts:
            what = "5xx responses" if slo.sli == "availability" else "slow responses"
            rules.append(
                {
                    "alert": slo.alert_name,
                    "expr": promql.burn_alert(
                        app, slo, alert.long_window, alert.short_window, alert.burn_rate
                    ),
                    "labels": {
                        **labels,
                        "environment": mon.environment,
                        "severity": alert.severity,
                        "window": alert.long_window,
                    },
                    "annotations": {
                        "summary": f"{app} {slo.service}: {slo.sli} error budget burning "
                        f"{alert.burn_rate:g}× too fast over {alert.long_window}",
                        "description": f"{what} of {slo.service} are {{{{ $value | "
                        f"humanizePercentage }}}} over {alert.short_window}; at this rate "
                        f"{alert.budget_spent_percent:g}% of the {slo.window_days}-day budget "
                        f"({slo.objective}%) is gone in {alert.long_window}.",
                        "runbook_url": slo.runbook,
                    },
                }
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


def _record(name: str, expr: str, labels: dict[str, str]) -> dict[str, Any]:
    return {"record": name, "expr": expr, "labels": labels}
