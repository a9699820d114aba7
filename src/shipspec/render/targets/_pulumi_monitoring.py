"""The monitoring part of a stack config: alert routing, the plan's alarms, dashboard rows.

The plan decides every alarm (:mod:`shipspec.plan.alarms`); this only reshapes
``model.monitoring.alarms[<env>]`` into the data the generated ``Monitoring`` component
reads, so each environment's thresholds and routing live in its ``Pulumi.<env>.yaml``
and ``__main__.py`` stays one call however many alarms there are. Each alarm's reason
and runbook go into its description, which is what the notification email shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...plan.model import DeploymentModel, EnvironmentPlan
from ...plan.monitoring import AlarmPlan, chatbot_region, routing_marker
from ..engine import identifier, json_sorted, yaml_quoted

DESCRIPTION_LIMIT = 1024  # CloudWatch's longest alarm description
RULE_DESCRIPTION_LIMIT = 512  # EventBridge's longest rule description
KINDS = {"web": "web service", "worker": "worker", "job": "scheduled job"}
# Datastore engines the dashboard has graphs for (the component's row kinds).
DASHBOARD_KINDS = {
    "postgres": "rds",
    "mysql": "rds",
    "mariadb": "rds",
    "sqlserver": "rds",
    "opensearch": "opensearch",
    "mongodb": "docdb",
    "redis": "redis",
    "memcached": "memcached",
    "rabbitmq": "rabbitmq",
    "sqs": "sqs",
}


def alert_targets(model: DeploymentModel, env: EnvironmentPlan) -> dict[str, Any]:
    """PagerDuty and Slack of ``env``'s stack: only the topics it has (``page`` only where
    alarms page), so a stack without a PagerDuty topic needs no ``pagerdutyUrl``."""
    routing = model.monitoring.routing
    kinds = ["ticket", "page"] if env.alarms_page else ["ticket"]  # the stack's topics
    targets: dict[str, Any] = {}
    pagerduty = [k for k in routing.pagerduty_topics if k in kinds]
    if pagerduty:
        targets["pagerdutyTopics"] = pagerduty
    if routing.slack and [k for k in routing.slack.topics if k in kinds]:
        targets["slack"] = {
            "workspaceId": routing.slack.workspace_id,
            "channelId": routing.slack.channel_id,
            "topics": [k for k in routing.slack.topics if k in kinds],
            "region": chatbot_region(model.region),
        }
    return targets


def monitoring_config(model: DeploymentModel, env: EnvironmentPlan) -> dict[str, Any]:
    """``monitoring``, ``alarms``, ``compositeAlarms`` and ``dashboard`` of ``env``'s stack."""
    planned = model.monitoring.alarms[env.name]
    link = model.monitoring.link
    targets = alert_targets(model, env)
    # The composites each member alarm (which notifies no one itself) is part of.
    member_of: dict[str, list[str]] = {}
    for c in planned.composites:
        for member in c.members:
            member_of.setdefault(member, []).append(c.name)
    return {
        "monitoring": {
            "prefix": f"{model.app}-{env.name}",
            "alertEmail": model.alert_email,
            "pages": env.alarms_page,
            **targets,
        },
        "alarms": {
            alarm.name: _alarm(
                alarm,
                link(alarm.runbook),
                routing_marker(
                    alarm.pages, None if alarm.notify else member_of.get(alarm.name, [])
                ),
            )
            for alarm in planned.alarms
        },
        "compositeAlarms": {
            c.name: {
                "description": describe(
                    c.description, c.reason, link(c.runbook), marker=routing_marker(c.pages)
                ),
                "members": c.members,
                "pages": c.pages,
                # The rule's operator: AND for a burn rate's two windows, OR for service-down.
                "any": " OR " in c.rule,
                **(
                    {"suppressedBy": c.suppressed_by, "suppressWait": c.suppress_wait_seconds}
                    if c.suppressed_by
                    else {}
                ),
                **({"unless": c.unless} if c.unless else {}),
            }
            for c in planned.composites
        },
        "jobFailures": {
            j.name: {
                "description": describe(
                    j.description,
                    j.reason,
                    link(j.runbook),
                    RULE_DESCRIPTION_LIMIT,
                    marker=routing_marker(j.pages),
                ),
                "job": j.job,
                "pages": j.pages,
            }
            for j in planned.job_failures
        },
        "dashboard": _dashboard(env),
        **(
            {"healthChecks": health_checks(model, env)}
            if any(a.health_checks for a in model.monitoring.alarms.values())
            else {}
        ),
    }


def health_checks(model: DeploymentModel, env: EnvironmentPlan) -> dict[str, Any]:
    """``healthChecks`` of ``env``'s stack: the Route 53 checks its alarms name by
    ``health_check:<service>.id``, by service (empty where the environment has none, since
    one program serves every stack); a TCP check has no path."""
    return {
        c.service: {
            "type": c.type,
            "fqdn": c.fqdn,
            "port": c.port,
            **({"path": c.path} if c.path is not None else {}),
            "requestInterval": c.request_interval,
            "failureThreshold": c.failure_threshold,
        }
        for c in model.monitoring.alarms[env.name].health_checks
    }


def rollback_ratio(model: DeploymentModel, env: EnvironmentPlan, service: str) -> dict[str, Any]:
    """How the web service's own 5xx rollback alarm counts, as the plan's 5xx-ratio alarm
    does: the minimum request count, and whether the load balancer's own 5xx are its."""
    planned = model.monitoring.alarms[env.name]
    ratio = planned.alarm(f"{model.app}-{env.name}-{service}-5xx-ratio")
    return {
        "minRequests": model.monitoring.decision(f"alarms.{env.name}.min_requests").value,
        "loadBalancerErrors": any(m.id == "elb_errors" for m in ratio.metrics),
    }


def components_by_name(items: Iterable[Any], suffix: str = "") -> list[str]:
    """``"web": web`` entries of the dict literals that hand components to ``Monitoring``."""
    return [f'"{item.name}": {identifier(item.name)}{suffix}' for item in items]


def yaml_scalar(value: Any) -> str:
    """A config value as one line of YAML, keeping ``×`` and ``≥`` readable."""
    return yaml_quoted(value)


def alarm_entries(alarms: dict[str, dict[str, Any]]) -> str:
    """The stack config's alarm mappings (``alarms``, ``compositeAlarms``...), four spaces in:
    a name, then one ``key: value`` line each, ``metrics`` as a list of JSON objects.

    Built here rather than by a template macro: a 200-service stack holds some 1,500
    alarms, and the macro's per-value calls were a fifth of ``generate``'s rendering.
    """
    lines: list[str] = []
    for name, alarm in alarms.items():
        lines.append(f"    {name}:")
        for key, value in alarm.items():
            if key == "metrics":
                lines.append("      metrics:")
                lines.extend(f"        - {json_sorted(metric)}" for metric in value)
            else:
                lines.append(f"      {key}: {yaml_quoted(value)}")
    return "\n".join(lines)


def describe(
    what: str, reason: str, runbook: str, limit: int = DESCRIPTION_LIMIT, *, marker: str
) -> str:
    """``<marker><what>. Why: <reason>. Runbook: <runbook>``, the reason cut to fit
    ``limit``. ``marker``: ``plan.monitoring.routing_marker``, so that a notification says
    first whether it is a page or a ticket."""
    tail = f". Runbook: {runbook}"
    room = limit - len(marker) - len(what) - len(". Why: ") - len(tail)
    why = reason if len(reason) <= room else reason[: room - 1] + "…"
    return f"{marker}{what}. Why: {why}{tail}"


def _alarm(alarm: AlarmPlan, runbook: str, marker: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "description": describe(alarm.description, alarm.reason, runbook, marker=marker)
    }
    if alarm.rollback:
        # The web service's own rollback alarm, which the stack notifies through.
        values["deploymentAlarm"] = f"{alarm.target}.{alarm.check}"
        if alarm.suppressed_by:
            values["suppressedBy"] = alarm.suppressed_by
            values["suppressWait"] = alarm.suppress_wait_seconds
    else:
        values["metrics"] = [
            {
                "id": m.id,
                "namespace": m.namespace,
                "metricName": m.metric_name,
                "stat": m.statistic,
                "dimensions": m.dimensions,
            }
            for m in alarm.metrics
        ]
        if alarm.expression:
            values["expression"] = alarm.expression
        values.update(
            period=alarm.period_seconds,
            evaluationPeriods=alarm.evaluation_periods,
            datapointsToAlarm=alarm.datapoints_to_alarm,
            threshold=alarm.threshold,
            comparison=alarm.comparison,
            treatMissingData=alarm.treat_missing_data,
        )
    values.update(notify=alarm.notify, pages=alarm.pages)
    if alarm.region:
        values["region"] = alarm.region
    return values


def _dashboard(env: EnvironmentPlan) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for s in env.services:
        kind = "job" if s.kind == "job" else "service"
        row: dict[str, Any] = {"title": f"{s.name}: {KINDS[s.kind]}", "kind": s.kind}
        if s.kind == "web" and s.load_balancer is None:  # tcp/udp: its own NLB
            row.update(title=f"{s.name}: {s.protocol} service", kind="network")
        row["target"] = f"{kind}:{s.name}"
        if s.callers:  # the Service Connect graphs draw what each caller got
            row["callers"] = list(s.callers)
        queues = [u.datastore for u in s.uses if u.engine == "sqs"]
        if s.kind == "worker" and queues:
            row["queues"] = queues
        rows.append(row)
    rows += [
        {
            "title": f"{d.name}: {d.engine}",
            "kind": DASHBOARD_KINDS[d.engine],
            "target": f"datastore:{d.name}",
        }
        for d in env.datastores
        if d.engine in DASHBOARD_KINDS
    ]
    return rows
