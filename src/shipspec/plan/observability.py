"""``plan_monitoring(spec, environments) -> MonitoringPlan``: SLOs, alert routing, alarms.

Pure, like the rest of the planner. The SLOs come from ``observability.slos``; a spec
without any gets one availability SLO per public web service at
``requirements.availability``, because an availability requirement nobody is alerted on
is not a requirement. Each SLO gets the SRE workbook's four burn-rate alerts; routing
sends pages and tickets to ``observability.alert_email``. CloudWatch alarms per
environment come from :mod:`.alarms`.
"""

from __future__ import annotations

from ..spec.models import HandoffSpec, Slo
from .alarms import plan_alarms
from .decisions import Decisions
from .model import EnvironmentPlan
from .monitoring import (
    BURN_RATE_WINDOWS,
    RUNBOOK,
    SLO_WINDOW_DAYS,
    AlertRouting,
    BurnRateAlert,
    MetricConvention,
    MonitoringPlan,
    Receiver,
    SlackChannel,
    SloMonitor,
    budget_spent_percent,
    error_budget,
)

SMTP_SMARTHOST = "smtp.invalid:587"  # .invalid never resolves: mail fails until it is set


def plan_monitoring(
    spec: HandoffSpec,
    environments: list[EnvironmentPlan],
    metrics: MetricConvention | None = None,
) -> MonitoringPlan:
    """Derive the monitoring of the production environment and the alarms of every one."""
    log = Decisions()
    metrics = metrics or MetricConvention()
    prods = [e for e in environments if e.production]
    production = (prods or environments)[-1].name
    log.decide(
        "monitoring.environment",
        production,
        "SLOs are promises to users: the rules and the dashboard watch the production "
        f"environment {production!r}; other environments get CloudWatch alarms only",
    )
    slos = [_slo(spec, slo, name, metrics, log) for name, slo in _slos(spec, log)]
    app = spec.metadata.name
    return MonitoringPlan(
        environment=production,
        metrics=metrics,
        services={
            name: _selector(app, name, metrics)
            for name, service in spec.services.items()
            if service.type == "web"
        },
        slos=slos,
        routing=_routing(spec, log),
        alarms=plan_alarms(app, environments, slos, log, spec.requirements.performance.peak_rps),
        decisions=log.records,
    )


def _slos(spec: HandoffSpec, log: Decisions) -> list[tuple[str, Slo]]:
    declared = list(spec.observability.slos)
    if not declared:
        availability = spec.requirements.availability
        public = [n for n, s in spec.services.items() if s.type == "web" and s.public]
        declared = [Slo(service=n, objective=availability, sli="availability") for n in public]
        log.decide(
            "monitoring.slos",
            [f"{n}-availability" for n in public],
            f"no SLOs in the spec: requirements.availability {availability}% becomes an "
            "availability SLO for each public web service",
            availability=availability,
        )
    named: list[tuple[str, Slo]] = []
    for slo in declared:
        if spec.services[slo.service].type != "web":
            log.decide(
                f"monitoring.slos.{slo.service}-{slo.sli}",
                None,
                f"not monitored: {slo.service} is a {spec.services[slo.service].type} and "
                "serves no HTTP requests to measure; give it an application-level SLI",
            )
            continue
        name = f"{slo.service}-{slo.sli}"
        taken = {n for n, _ in named}
        suffix = 2
        while name in taken:
            name, suffix = f"{slo.service}-{slo.sli}-{suffix}", suffix + 1
        named.append((name, slo))
    return named


def _slo(
    spec: HandoffSpec, slo: Slo, name: str, metrics: MetricConvention, log: Decisions
) -> SloMonitor:
    key = f"monitoring.slos.{name}"
    budget = log.decide(
        f"{key}.error_budget",
        error_budget(slo.objective),
        f"objective {slo.objective}%: {error_budget(slo.objective):g} of requests may fail "
        f"over {SLO_WINDOW_DAYS} days",
        objective=slo.objective,
    )
    alerts = []
    for severity, long, short, rate in BURN_RATE_WINDOWS:
        ratio = round(rate * budget, 12)
        spent = budget_spent_percent(rate, long)
        if ratio >= 1:
            log.decide(
                f"{key}.alerts.{long}",
                None,
                f"dropped: a {rate:g}× burn needs an error ratio of {ratio:g}, more than every "
                f"request failing, at objective {slo.objective}%",
            )
            continue
        log.decide(
            f"{key}.alerts.{long}",
            ratio,
            f"{severity}: {spent:g}% of the 30-day budget spent in {long} (a {rate:g}× burn); "
            f"the {short} window must agree so the alert resets soon after the burn stops",
            burn_rate=rate,
            error_budget=budget,
        )
        alerts.append(
            BurnRateAlert(
                severity=severity,
                long_window=long,
                short_window=short,
                burn_rate=rate,
                budget_spent_percent=spent,
                error_ratio=ratio,
            )
        )
    app = spec.metadata.name
    selector = _selector(app, slo.service, metrics)
    log.decide(
        f"{key}.selector",
        selector,
        f"{metrics.histogram} of {slo.service}: its `{metrics.service_label}` label holds "
        "the OpenTelemetry service.name, so set OTEL_SERVICE_NAME="
        + selector[metrics.service_label],
    )
    return SloMonitor(
        name=name,
        service=slo.service,
        sli=slo.sli,
        objective=slo.objective,
        error_budget=budget,
        threshold_ms=slo.threshold_ms,
        bucket_le=_bucket(slo, metrics, key, log) if slo.threshold_ms else None,
        source="spec" if spec.observability.slos else "default",
        selector=selector,
        alert_name=_camel(app, slo.service, slo.sli, "BudgetBurn"),
        alerts=alerts,
        runbook=f"{RUNBOOK}#slo-{name}",
    )


def _bucket(slo: Slo, metrics: MetricConvention, key: str, log: Decisions) -> float:
    """The ``le`` boundary the latency SLI counts as fast: the threshold, or the one below it."""
    assert slo.threshold_ms is not None
    wanted = slo.threshold_ms / 1000 / metrics.seconds_per_unit
    below = [b for b in metrics.buckets if b <= wanted * (1 + 1e-9)]
    ms = slo.threshold_ms
    if below and abs(below[-1] - wanted) <= wanted * 1e-9:
        reason = f"{ms} ms is a bucket boundary of {metrics.histogram}"
        chosen = below[-1]
    elif below:
        chosen = below[-1]
        reason = (
            f"{ms} ms is not a bucket boundary: requests ≤ {chosen:g} (the boundary below) count "
            f"as fast, stricter than the spec; add a {wanted:g} bucket to measure {ms} ms exactly"
        )
    else:
        chosen = min(metrics.buckets)
        reason = (
            f"{ms} ms is below every bucket: the smallest, {chosen:g}, is used, more lenient "
            "than the spec; add a smaller bucket"
        )
    return log.decide(f"{key}.bucket_le", chosen, reason, threshold_ms=ms)


def _routing(spec: HandoffSpec, log: Decisions) -> AlertRouting:
    email = spec.observability.alert_email
    if email:
        log.decide(
            "monitoring.routing",
            email,
            f"observability.alert_email: pages and tickets both go to {email}; pages repeat "
            "hourly until resolved, tickets daily. Put a pager integration on `page` to wake "
            "someone up",
            alert_email=email,
        )
    else:
        log.decide(
            "monitoring.routing",
            None,
            "no observability.alert_email: alerts reach receivers with no integration; set "
            "alert_email or add one to alertmanager.yml",
        )
    pagerduty = spec.observability.pagerduty
    if pagerduty:
        log.decide(
            "monitoring.routing.pagerduty",
            pagerduty.topics,
            "observability.pagerduty: the stack subscribes the PagerDuty CloudWatch "
            "integration URL (secret config `pagerdutyUrl`) over HTTPS to the "
            + " and ".join(pagerduty.topics)
            + " topic; PagerDuty confirms the subscription itself and resolves on OK",
        )
    slack = spec.observability.slack
    if slack:
        log.decide(
            "monitoring.routing.slack",
            slack.channel_id,
            "observability.slack: AWS Chatbot posts the "
            + " and ".join(slack.topics)
            + f" topics' alarms to channel {slack.channel_id} of workspace "
            f"{slack.workspace_id}; authorize the workspace in the Chatbot console first",
        )
    domain = email.split("@", 1)[1] if email else "example.com"
    return AlertRouting(
        pagerduty_topics=list(pagerduty.topics) if pagerduty else [],
        slack=SlackChannel(**slack.model_dump()) if slack else None,
        page=Receiver(
            name="page", email=email, group_wait="30s", group_interval="5m", repeat_interval="1h"
        ),
        ticket=Receiver(
            name="ticket", email=email, group_wait="5m", group_interval="1h", repeat_interval="1d"
        ),
        group_by=["alertname", "app", "slo"],
        inhibit_equal=["app", "slo"],
        smtp_smarthost=SMTP_SMARTHOST,
        smtp_from=f"alertmanager@{domain}",
    )


def _selector(app: str, service: str, metrics: MetricConvention) -> dict[str, str]:
    return {metrics.service_label: metrics.service_value.format(app=app, service=service)}


def _camel(*parts: str) -> str:
    words = [w for part in parts for w in part.replace("_", "-").split("-") if w]
    return "".join(w[:1].upper() + w[1:] for w in words)
