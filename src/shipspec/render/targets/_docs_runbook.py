"""The runbook's alarm sections: one per anchor the alarms link to, with what to do.

Every CloudWatch alarm in the model carries ``runbook = docs/operations/runbook.md#alarm-<check>``
(and each SLO ``#slo-<name>``); :func:`sections` turns the alarms of every environment into
one section per anchor, so no link in an alarm, a Prometheus rule or the dashboard can
dangle. What an alarm means and how to act on it depends on what it watches (CPU on an
ECS service is not CPU on RDS), so the guidance is keyed by kind and check; an alarm
kind without guidance still gets its section, built from the alarm's own reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ...plan.alarm_names import AlarmType, aws_alarms, lookups
from ...plan.health_check_alarms import CHECK, WAF_ANCHOR
from ...plan.model import DeploymentModel
from ...plan.monitoring import AlarmPlan, CompositeAlarmPlan, JobFailurePlan
from ._docs_runbook_datastore_guides import MQ_RESIZE, broker_resize
from ._docs_runbook_docdb_guides import with_classes
from ._docs_runbook_guides import GUIDES, Guide
from ._docs_runbook_slow import LATENCY_KEY, slow_logs, with_slow_logs
from ._docs_runbook_sql_guides import merge_mysql_family
from ._docs_runbook_vars import assignments, consumers, used_variables
from ._slo_coverage import grpc_errors

_BURN = "alarm-burn"


@dataclass(frozen=True)
class AlarmRow:
    environment: str
    name: str
    description: str
    pages: bool
    rollback: bool
    notify: bool
    member: str | None  # a rollback alarm is a composite over this metric alarm


@dataclass(frozen=True)
class Section:
    anchors: list[str]  # the first is the section's own; burn windows share one section
    title: str
    guides: list[Guide]
    rows: list[AlarmRow]
    reason: str  # the plan's reason, for alarms without guidance
    lookups: list[str]  # describe-alarms commands that find every alarm of the section
    # What the section sets before its commands: (assignments, what for), one per alarm target.
    setup: list[tuple[str, str]] = field(default_factory=list)


def _kind(model: DeploymentModel, env_name: str, target: str) -> str:
    prefix, _, name = target.partition(":")
    if prefix == "slo":
        return "slo"
    if prefix == "service":
        # A queue consumer scales on its backlog, not CPU: its CPU alarm means something else.
        service = model.environment(env_name).service(name)
        return "queue-service" if service.queue_scaling is not None else prefix
    if prefix != "datastore":
        return prefix
    # A database's kind is its engine: each has its own SQL (``_docs_runbook_sql_guides``).
    # A Redis store (``cache: false``) never evicts: at maxmemory its writes fail instead.
    store = model.environment(env_name).datastore(name)
    return "redis-store" if store.engine == "redis" and store.cache is False else store.engine


def sections(model: DeploymentModel) -> list[Section]:
    """One section per ``#alarm-...`` anchor, in the order the alarms first appear."""
    rows: dict[str, list[AlarmRow]] = {}
    guides: dict[str, dict[str, Guide]] = {}
    # anchor -> {the plan's reason: the environments it is given in}: a reason naming an
    # instance class or a threshold differs per environment, and the runbook serves them all.
    reasons: dict[str, dict[str, list[str]]] = {}
    anchors: dict[str, list[str]] = {}
    names: dict[str, dict[str, AlarmType]] = {}
    targets: dict[str, dict[str, str]] = {}  # anchor -> {alarm target: an environment of it}
    brokers: dict[str, dict[str, str]] = {}  # anchor -> {environment: broker instance type}
    # anchor -> {(DocumentDB cluster, environment): instance class}
    documents: dict[str, dict[tuple[str, str], str]] = {}
    spot: dict[str, dict[str, list[str]]] = {}  # anchor -> {Spot-only service: environments}
    # Sections whose alarms live outside the stack's region: the static sites' (CloudFront)
    # and the Route 53 health checks' (AlarmPlan.region), both in us-east-1.
    regions: dict[str, str] = dict(ALARM_REGIONS)
    for env_name, env_alarms in model.monitoring.alarms.items():
        # Composites linking to an alarm section (service-down; the SLOs' have their own)
        # and the jobs' failed-runs rules share the alarms' sections.
        linked = [c for c in env_alarms.composites if "#alarm-" in c.runbook]
        alarms: list[AlarmPlan | CompositeAlarmPlan | JobFailurePlan] = [
            *env_alarms.alarms,
            *linked,
            *env_alarms.job_failures,
        ]
        for alarm in alarms:
            anchor = alarm.runbook.partition("#")[2]
            if anchor == WAF_SECTION:
                continue  # the WAF section is its runbook (runbook.md.j2)
            group = _BURN if anchor.startswith(_BURN) else anchor
            anchors.setdefault(group, [])
            if anchor not in anchors[group]:
                anchors[group].append(anchor)
            anchor = group
            rows.setdefault(anchor, []).append(
                AlarmRow(
                    env_name,
                    alarm.name,
                    alarm.description,
                    alarm.pages,
                    getattr(alarm, "rollback", False),
                    getattr(alarm, "notify", True),
                    None if isinstance(alarm, JobFailurePlan) else _member(alarm),
                )
            )
            if not isinstance(alarm, JobFailurePlan):
                names.setdefault(anchor, {}).update(aws_alarms(alarm))
            if isinstance(alarm, AlarmPlan) and alarm.region:
                regions[anchor] = alarm.region
            reasons.setdefault(anchor, {}).setdefault(alarm.reason, [])
            if env_name not in reasons[anchor][alarm.reason]:
                reasons[anchor][alarm.reason].append(env_name)
            if isinstance(alarm, JobFailurePlan):
                check, target = "failed-runs", f"job:{alarm.job}"
            else:
                check = "burn" if alarm.check.startswith("burn-") else alarm.check
                target = alarm.target
            targets.setdefault(anchor, {}).setdefault(target, env_name)
            kind = _kind(model, env_name, target)
            key = f"{kind}:{check}"
            # The same check, other work (a TCP/TLS service's own name): its anchor's guide.
            own = f"{kind}:{anchor.removeprefix('alarm-')}"
            if own != key and own in GUIDES:
                key = own
            if key.startswith("queue-service:") and key not in GUIDES:
                key = key.replace("queue-service:", "service:", 1)
            if key in GUIDES:
                guides.setdefault(anchor, {})[key] = GUIDES[key]
            if key in SPOT_KEYS:
                for name in _spot_only(model, env_name, target):
                    spot.setdefault(anchor, {}).setdefault(name, []).append(env_name)
            if key.startswith("rabbitmq:"):
                store = model.environment(env_name).datastore(target.partition(":")[2])
                brokers.setdefault(anchor, {})[env_name] = store.instance_class or ""
            if key.startswith("mongodb:"):
                store = model.environment(env_name).datastore(target.partition(":")[2])
                documents.setdefault(anchor, {})[(store.name, env_name)] = (
                    store.instance_class or ""
                )
    for anchor, services in spot.items():
        guides[anchor] = {
            k: _spot_step(g, services) if k in SPOT_KEYS else g
            for k, g in guides.get(anchor, {}).items()
        }
    for anchor, classes in brokers.items():
        guides[anchor] = {k: _resized(g, classes) for k, g in guides.get(anchor, {}).items()}
    for anchor, found_classes in documents.items():
        guides[anchor] = {
            k: with_classes(g, found_classes) for k, g in guides.get(anchor, {}).items()
        }
    if slow_logs(model):
        for keyed in guides.values():
            if LATENCY_KEY in keyed:
                keyed[LATENCY_KEY] = with_slow_logs(keyed[LATENCY_KEY])
    for anchor, keyed in guides.items():
        for key in GRPC_KEYS:
            if key in keyed:
                keyed[key] = _grpc_errors(model, keyed[key], key, targets.get(anchor, {}))
    twice = double_pages(model)
    for keyed in guides.values():
        if twice and DOWN_KEY in keyed:
            keyed[DOWN_KEY] = _two_pages(keyed[DOWN_KEY], twice)
    _static_sites(model, rows, guides, reasons, anchors, names)
    result = []
    for anchor, alarm_rows in rows.items():
        found = list(merge_mysql_family(guides.get(anchor, {})).values())
        title = " / ".join(g.title for g in found) or anchor.removeprefix("alarm-")
        commands = lookups(names.get(anchor, {}), region=regions.get(anchor))
        texts = [step for g in found for step in (*g.check, *g.mitigate)]
        setup = assignments(model, targets.get(anchor, {}), used_variables(texts))
        result.append(
            Section(
                anchors[anchor], title, found, alarm_rows, _reason(reasons[anchor]), commands, setup
            )
        )
    return result


# Sections where a Spot-only service out of Spot capacity shows: its tasks stop starting.
SPOT_KEYS = (
    "service:running-tasks",
    "service:tasks-missing-share",
    "service:no-tasks",
    "sqs:oldest-message",
)


def _spot_only(model: DeploymentModel, env_name: str, target: str) -> list[str]:
    """The services behind ``target`` that run on Fargate Spot alone: the service itself, or
    a queue's consumers."""
    env = model.environment(env_name)
    prefix, _, name = target.partition(":")
    names = [name] if prefix == "service" else consumers(env, name)
    return [
        n
        for n in names
        if [p.capacity_provider for p in env.service(n).container.capacity_providers or []]
        == ["FARGATE_SPOT"]
    ]


def _spot_step(guide: Guide, services: dict[str, list[str]]) -> Guide:
    """The guide with the way out of a Spot capacity shortage for its Spot-only services."""
    where = "; ".join(f"{name} in {', '.join(envs)}" for name, envs in services.items())
    step = (
        f"no Spot capacity ({where} run on Fargate Spot alone; the service's events say "
        "tasks cannot be placed): move it to on-demand Fargate now, "
        '`aws ecs update-service --cluster "$CLUSTER" --service "$SERVICE" '
        "--capacity-provider-strategy capacityProvider=FARGATE,weight=1 "
        "--force-new-deployment`; the next `pulumi up` puts it back on Spot, and "
        "`spot: false` on the service in the handoff makes on-demand permanent"
    )
    return replace(guide, mitigate=(*guide.mitigate, step))


def _resized(guide: Guide, classes: dict[str, str]) -> Guide:
    """The broker guide with its resize step naming the next size up of each deployed type."""
    step = broker_resize(classes)
    return replace(guide, mitigate=tuple(m.replace(MQ_RESIZE, step) for m in guide.mitigate))


DOWN_KEY = "service:down"


def double_pages(model: DeploymentModel) -> list[tuple[str, str, str, str]]:
    """The outages that page twice: (environment, service, its down composite, its Route 53
    health-check alarm: the public domain's, or a TCP/TLS service's own name's), where both
    page.

    The health-check alarm lives in us-east-1 (Route 53 publishes its metrics there only),
    and a composite's rule and actions suppressor name alarms of its own region: the
    service-down composite, in the stack's region, cannot mute it. A total outage of the
    service a check reaches fails both, and each pages."""
    found = []
    for env_name, env_alarms in model.monitoring.alarms.items():
        downs = {c.target: c.name for c in env_alarms.composites if c.check == "down" and c.pages}
        for alarm in env_alarms.alarms:
            if alarm.check == CHECK and alarm.pages and alarm.target in downs:
                service = alarm.target.partition(":")[2]
                found.append((env_name, service, downs[alarm.target], alarm.name))
    return found


# A job's checks that may page, in the order the documents name them (the failed-runs rule,
# then its alarms), with what each says happened; missed-runs is always a ticket.
JOB_CHECKS = {
    "failed-runs": "a run fails or cannot start",
    "failed-invocations": "the scheduler drops a run",
    "long-run": "a run goes on too long",
}


def job_pages(model: DeploymentModel) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The scheduled jobs whose alarms page: (environment, job, [(check, what it means)] of
    the checks that page there, in ``JOB_CHECKS`` order), from the plan. Only jobs the spec
    marks ``on_failure: page``, where the environment's alarms page."""
    found = []
    for env_name, env_alarms in model.monitoring.alarms.items():
        paging: dict[str, set[str]] = {}
        for rule in env_alarms.job_failures:
            if rule.pages:
                paging.setdefault(rule.job, set()).add("failed-runs")
        for alarm in env_alarms.alarms:
            if alarm.target.startswith("job:") and alarm.pages:
                paging.setdefault(alarm.target.partition(":")[2], set()).add(alarm.check)
        for job in sorted(paging):
            checks = [(c, words) for c, words in JOB_CHECKS.items() if c in paging[job]]
            found.append((env_name, job, checks))
    return found


# The HTTP 5xx sections of a web service, which cannot see its gRPC port's errors.
GRPC_KEYS = ("service:5xx-ratio", "service:connect-5xx-ratio")


def _grpc_errors(model: DeploymentModel, guide: Guide, key: str, targets: dict[str, str]) -> Guide:
    """The 5xx guide saying, per service of the section with a gRPC port, what counts its
    gRPC status errors: its Prometheus SLO, or nothing without one."""
    names = [t.partition(":")[2] for t in targets if t.startswith("service:")]
    text = grpc_errors(model, names)
    if not text:
        return guide
    why = (
        " It counts HTTP responses only: a gRPC port answers its errors as a grpc-status on "
        "HTTP 200, which no 5xx count sees."
        if key == "service:5xx-ratio"
        else ""
    )
    return replace(guide, meaning=f"{guide.meaning}{why} Failing gRPC calls: {text}.")


def _two_pages(guide: Guide, twice: list[tuple[str, str, str, str]]) -> Guide:
    """The down guide saying which outages page twice, and why the second is not muted."""
    pairs = "; ".join(
        f"{service} in {env}: `{down}` and `{check}`" for env, service, down, check in twice
    )
    text = (
        f" A total outage of the service a public domain's Route 53 health check requests "
        f"pages twice ({pairs}): this alarm, and the health-check alarm (Route 53 cannot "
        "reach the domain either). The health-check alarm lives in us-east-1, where Route 53 "
        "publishes its metrics, and reaches the alert topics through EventBridge; a composite "
        "alarm's rule and its actions suppressor name alarms of its own region only, so this "
        "alarm cannot mute it. Both pages are one incident: the health-check alarm's section "
        "tells a broken DNS record, listener or WAF (this alarm stays OK) from dead tasks."
    )
    return replace(guide, meaning=guide.meaning + text)


STATIC_ANCHOR = "alarm-static-site-errors"
# Its anchor before the alarm watched 4xx too: a deployed alarm's description still links it.
STATIC_FORMER_ANCHOR = "alarm-static-site-5xx"
# The WAF rate-limit alarms' anchor: the "WAF" section, written in the template.
WAF_SECTION = f"alarm-{WAF_ANCHOR}"
# Sections whose alarms live outside the stack's region: CloudFront publishes in us-east-1.
ALARM_REGIONS = {STATIC_ANCHOR: "us-east-1"}


def _static_sites(
    model: DeploymentModel,
    rows: dict[str, list[AlarmRow]],
    guides: dict[str, dict[str, Guide]],
    reasons: dict[str, dict[str, list[str]]],
    anchors: dict[str, list[str]],
    names: dict[str, dict[str, AlarmType]],
) -> None:
    """The static sites' errors alarms (5xx, or most responses 4xx): the program creates
    them in us-east-1 (CloudFront's metrics), outside the monitoring plan, and they notify
    through EventBridge."""
    for env in model.environments:
        for site in env.static_sites:
            anchors.setdefault(STATIC_ANCHOR, [STATIC_ANCHOR, STATIC_FORMER_ANCHOR])
            rows.setdefault(STATIC_ANCHOR, []).append(
                AlarmRow(
                    env.name,
                    f"{model.app}-{env.name}-{site.name}-errors",
                    f"{site.name}: more than {site.error_rate_percent:g}% of CloudFront "
                    f"responses are 5xx, or more than {site.client_error_percent:g}% are 4xx, "
                    f"for 5 minutes with {site.min_requests}+ requests a minute",
                    site.pages,
                    False,
                    True,
                    None,
                )
            )
            names.setdefault(STATIC_ANCHOR, {})[rows[STATIC_ANCHOR][-1].name] = "MetricAlarm"
            reasons.setdefault(STATIC_ANCHOR, {}).setdefault(
                "the site's visitors get errors", []
            ).append(env.name)
            guides.setdefault(STATIC_ANCHOR, {})["static:errors"] = GUIDES["static:errors"]


def _reason(by_reason: dict[str, list[str]]) -> str:
    """The plan's reasons of a section's alarms: one when every environment's is the same,
    else each with the environments it holds in."""
    if len(by_reason) == 1:
        return next(iter(by_reason))
    return "; ".join(f"in {', '.join(envs)}: {reason}" for reason, envs in by_reason.items())


def _member(alarm: AlarmPlan | CompositeAlarmPlan) -> str | None:
    found = aws_alarms(alarm)
    return found[1][0] if len(found) > 1 else None
