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
from ..spec.traffic import NETWORK_PROTOCOLS
from .alarms import plan_alarms
from .decisions import Decisions
from .model import EnvironmentPlan
from .monitoring import (
    BURN_RATE_WINDOWS,
    DEFAULT_BRANCH,
    PAGERDUTY_URL_KEYS,
    PAGES_WAKE_NO_ONE,
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
    slos = [_slo(spec, slo, name, production, metrics, log) for name, slo in _slos(spec, log)]
    app = spec.metadata.name
    return MonitoringPlan(
        environment=production,
        metrics=metrics,
        services={
            name: _selector(app, name, production, metrics)
            for name, service in spec.services.items()
            if service.type == "web" and service.protocol not in NETWORK_PROTOCOLS
        },
        slos=slos,
        routing=_routing(spec, log, pages=bool(slos) or any(e.alarms_page for e in environments)),
        alarms=plan_alarms(app, environments, slos, log, spec.requirements.performance.peak_rps),
        runbook_base=_runbook_base(spec, log),
        decisions=log.records,
    )


def _runbook_base(spec: HandoffSpec, log: Decisions) -> str | None:
    """Where the runbook's links point: the runbook on the default branch in the repository's
    web view, or nowhere absolute when the spec does not say where the repository is."""
    repository = spec.delivery.repository_url
    if repository is None:
        log.decide(
            "monitoring.runbook_links",
            "relative",
            f"no `delivery.repository_url`: alerts name the runbook as {RUNBOOK}#<anchor> in "
            "the repository; set it to make the links clickable in mails and pager apps",
        )
        return None
    blob = "/-/blob/" if spec.delivery.ci == "gitlab" else "/blob/"
    base = f"{repository.removesuffix('.git')}{blob}{DEFAULT_BRANCH}/"
    log.decide(
        "monitoring.runbook_links",
        base,
        f"alerts link to the runbook on {DEFAULT_BRANCH!r}, the branch the pipelines deploy "
        f"from, in the {spec.delivery.ci} web view of `delivery.repository_url`",
    )
    return base


def _slos(spec: HandoffSpec, log: Decisions) -> list[tuple[str, Slo]]:
    declared = list(spec.observability.slos)
    if not declared:
        availability = spec.requirements.availability
        # tcp/udp services have no requests to count: an NLB sees connections only.
        public = [
            n
            for n, s in spec.services.items()
            if s.type == "web" and s.public and s.protocol not in NETWORK_PROTOCOLS
        ]
        declared = [Slo(service=n, objective=availability, sli="availability") for n in public]
        log.decide(
            "monitoring.slos",
            [f"{n}-availability" for n in public],
            f"no SLOs in the spec: requirements.availability {availability}% becomes an "
            "availability SLO for each public web service (HTTP or gRPC)",
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
    spec: HandoffSpec,
    slo: Slo,
    name: str,
    environment: str,
    metrics: MetricConvention,
    log: Decisions,
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
    selector = _selector(app, slo.service, environment, metrics)
    log.decide(
        f"{key}.selector",
        selector,
        f"{metrics.histogram} of {slo.service} in {environment}: `{metrics.service_label}` "
        "is <service.namespace>/<service.name> (OpenTelemetry's Prometheus compatibility "
        f"spec) and `{metrics.environment_label}` the promoted deployment.environment.name",
    )
    grpc_ports = _grpc_ports(spec, slo.service)
    if grpc_ports:
        log.decide(
            f"{key}.grpc",
            grpc_ports,
            f"{slo.service} serves gRPC on port {', '.join(map(str, grpc_ports))}: gRPC answers "
            f"errors as a grpc-status on HTTP 200, so the SLI also counts "
            f"{metrics.rpc_count_metric} (OpenTelemetry rpc.server.duration), its server-fault "
            f"codes ({metrics.rpc_error_status_regex}) as errors",
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
        grpc_ports=grpc_ports,
        alert_name=_camel(app, slo.service, slo.sli, "BudgetBurn"),
        alerts=alerts,
        runbook=f"{RUNBOOK}#slo-{name}",
    )


def _grpc_ports(spec: HandoffSpec, name: str) -> list[int]:
    """The ports ``name`` serves gRPC on: its own when it speaks gRPC, and further ports."""
    service = spec.services[name]
    own = [service.port] if service.protocol == "grpc" and service.port is not None else []
    return own + [p.port for p in service.ports if p.protocol == "grpc"]


def _bucket(slo: Slo, metrics: MetricConvention, key: str, log: Decisions) -> float:
    """The ``le`` boundary the latency SLI counts as fast: the threshold itself. A boundary
    below it would page for responses that meet the SLO, so the app's histogram must have
    a bucket boundary at every latency threshold (monitoring/README.md shows the View)."""
    assert slo.threshold_ms is not None
    ms = slo.threshold_ms
    chosen = round(ms / 1000 / metrics.seconds_per_unit, 9)
    if any(abs(b - chosen) <= chosen * 1e-9 for b in metrics.buckets):
        reason = f"{ms} ms is a default bucket boundary of {metrics.histogram}"
    else:
        reason = (
            f"{ms} ms is the SLO threshold but not a default bucket boundary of "
            f"{metrics.histogram}: give the histogram a {chosen:g} boundary (an SDK View), "
            "or the SLI has no series and the SLO is never measured"
        )
    return log.decide(f"{key}.bucket_le", chosen, reason, threshold_ms=ms)


def _routing(spec: HandoffSpec, log: Decisions, *, pages: bool) -> AlertRouting:
    """``pages``: whether anything pages (a production environment's alarms, or an SLO's
    burn-rate rules)."""
    email = spec.observability.alert_email
    if email:
        log.decide(
            "monitoring.routing",
            email,
            f"observability.alert_email: pages and tickets both go to {email}. CloudWatch "
            "alarms notify once per state change; Alertmanager re-sends a firing page hourly "
            "and a ticket daily",
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
            "observability.pagerduty: the stack subscribes a PagerDuty CloudWatch "
            "integration URL over HTTPS to the "
            + " and ".join(
                f"{t} topic (secret config `{PAGERDUTY_URL_KEYS[t]}`)" for t in pagerduty.topics
            )
            + (
                ", each its own PagerDuty service so tickets never page on-call; ticket alarms"
                " then notify OK too"
                if "ticket" in pagerduty.topics
                else ""
            )
            + "; PagerDuty confirms the subscription itself and resolves on OK",
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
    if pages:
        _warn_when_pages_wake_no_one(spec, log)
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


def _warn_when_pages_wake_no_one(spec: HandoffSpec, log: Decisions) -> None:
    """A warning decision (``PAGES_WAKE_NO_ONE``) when pages reach no pager: no PagerDuty
    for the page topic, and no Slack channel of their own, so they reach only the mailbox
    and channel tickets reach too, where only the PAGE marker tells them apart."""
    o = spec.observability
    if o.pagerduty and "page" in o.pagerduty.topics:
        return
    if o.slack and set(o.slack.topics) == {"page"}:
        return  # a channel only pages reach: the team can make it ring
    reach = ([f"{o.alert_email} by email"] if o.alert_email else []) + (
        [f"Slack channel {o.slack.channel_id}"] if o.slack and "page" in o.slack.topics else []
    )
    fixes = (
        "set observability.pagerduty (its default topics: [page]) so PagerDuty rings on-call"
        + (
            ", or give pages a Slack channel of their own (observability.slack.topics: [page], "
            "a channel tickets do not reach)"
            if o.slack or o.alert_email
            else ""
        )
    )
    reason = (
        "pages reach no one (no observability.alert_email, pagerduty or slack): an outage "
        f"notifies nobody; {fixes}"
        if not reach
        else f"pages reach only {' and '.join(reach)}, where tickets arrive too: nothing rings "
        "a phone, so nothing wakes anyone for an outage at night, and a page differs from a "
        "ticket only by its marker (PAGE: in alarm descriptions, [PAGE] from Alertmanager); "
        + fixes
    )
    log.decide(
        PAGES_WAKE_NO_ONE,
        reach,
        reason,
        warning=True,
    )


def _selector(
    app: str, service: str, environment: str, metrics: MetricConvention
) -> dict[str, str]:
    """The one place a service's series are named: the ``job`` the OpenTelemetry pipeline
    derives from the task's resource attributes, and the environment it runs in."""
    return {
        metrics.service_label: metrics.service_value.format(app=app, service=service),
        metrics.environment_label: environment,
    }


def _camel(*parts: str) -> str:
    words = [w for part in parts for w in part.replace("_", "-").split("-") if w]
    return "".join(w[:1].upper() + w[1:] for w in words)
