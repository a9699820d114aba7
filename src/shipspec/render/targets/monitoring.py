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
from ...plan.monitoring import seconds
from ..grafana import dashboard_json
from ..prometheus import rule_groups
from ..promtests import rule_tests
from . import target
from ._slo_coverage import grpc_coverage, unmonitored_slos

# The file each Alertmanager receiver reads its PagerDuty Events API v2 integration key
# from: tickets go to their own low-urgency PagerDuty service, as the SNS topics do.
PAGERDUTY_ROUTING_KEY_FILES = {
    "page": "/etc/alertmanager/pagerduty-routing-key",
    "ticket": "/etc/alertmanager/pagerduty-ticket-routing-key",
}


@target("monitoring")
def context(model: DeploymentModel) -> dict[str, Any]:
    """monitoring/prometheus/<app>-slos.rules.yml, monitoring/prometheus/<app>-slos.test.yml,
    monitoring/alertmanager.yml, monitoring/grafana/<app>.json, monitoring/README.md"""
    return {
        "monitoring": model.monitoring,
        "rule_groups": rule_groups(model),
        "rule_tests": rule_tests(model),
        "dashboard": dashboard_json(model),
        "unmonitored": unmonitored_slos(model),
        "grpc_coverage": grpc_coverage(model),
        "burn_windows": burn_windows(model),
        "pagerduty_routing_key_files": PAGERDUTY_ROUTING_KEY_FILES,
        "receivers_named": ", ".join(receiver_kinds(model)) or "none configured",
        "self_run_page": " and ".join(receiver_kinds(model, "page")),
        "self_run_others": " and ".join(
            k for k in receiver_kinds(model, "page") if k != "PagerDuty"
        ),
    }


def receiver_kinds(model: DeploymentModel, severity: str | None = None) -> list[str]:
    """What ``alertmanager.yml``'s receivers (or the one of ``severity``) notify."""
    routing = model.monitoring.routing
    kinds = []
    for r in (routing.page, routing.ticket):
        if severity not in (None, r.name):
            continue
        if r.email:
            kinds.append("email")
        if r.name in routing.pagerduty_topics:
            kinds.append("PagerDuty")
        if routing.slack and r.name in routing.slack.topics:
            kinds.append("Slack")
    return list(dict.fromkeys(kinds))


def burn_windows(model: DeploymentModel) -> list[str]:
    """Every window a CloudWatch burn-rate metric alarm sums its requests over, shortest
    first (the period of each alarm: ``plan/burn_alarms.py``)."""
    windows = {
        w: seconds(w)
        for slo in model.monitoring.slos
        for a in slo.alerts
        for w in (a.long_window, a.short_window)
    }
    return sorted(windows, key=lambda w: windows[w])
