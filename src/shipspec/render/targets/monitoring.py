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
from ..grafana import dashboard_json
from ..prometheus import rule_groups
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
