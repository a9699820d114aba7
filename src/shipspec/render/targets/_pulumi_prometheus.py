"""The stack config of the managed Prometheus path (``observability.prometheus: managed``).

The rules are not copied here: the program reads ``monitoring/prometheus/<app>-slos.rules.yml``
when it runs, so the workspace gets the reviewed file and the config stays short. The
Alertmanager routing is the one ``monitoring/alertmanager.yml`` has (a ticket by default,
pages and tickets by severity, a page muting tickets of the same SLO), as data: the
program can only fill in the SNS topics' ARNs at deploy time.
"""

from __future__ import annotations

from typing import Any

from ...plan.model import DeploymentModel, EnvironmentPlan

RULES_FILE = "../monitoring/prometheus/{app}-slos.rules.yml"  # from the program's folder


def prometheus_config(model: DeploymentModel, env: EnvironmentPlan) -> dict[str, Any]:
    """``{"prometheus": ...}`` for a stack with the managed path, else nothing."""
    plan = env.prometheus
    if plan is None:
        return {}
    return {
        "prometheus": {
            "ruleNamespace": plan.rule_namespace,
            "rulesFile": RULES_FILE.format(app=model.app),
            "collectorImage": plan.collector_image,
            "collectorCpu": plan.collector_cpu,
            "collectorMemory": plan.collector_memory,
            "alertmanager": alertmanager_routing(model),
        }
    }


def alertmanager_routing(model: DeploymentModel) -> dict[str, Any]:
    """The route, inhibit rules and receiver names of ``monitoring/alertmanager.yml``."""
    routing = model.monitoring.routing
    receivers = [routing.page, routing.ticket]
    return {
        "route": {
            "receiver": routing.ticket.name,
            "group_by": routing.group_by,
            "group_wait": routing.ticket.group_wait,
            "group_interval": routing.ticket.group_interval,
            "repeat_interval": routing.ticket.repeat_interval,
            "routes": [
                {
                    "matchers": [f'severity="{r.name}"'],
                    "receiver": r.name,
                    "group_wait": r.group_wait,
                    "group_interval": r.group_interval,
                    "repeat_interval": r.repeat_interval,
                }
                for r in receivers
            ],
        },
        "inhibit_rules": [
            {
                "source_matchers": [f'severity="{routing.page.name}"'],
                "target_matchers": [f'severity="{routing.ticket.name}"'],
                "equal": routing.inhibit_equal,
            }
        ],
        "receivers": [r.name for r in receivers],
    }
