"""The monitoring model: SLOs with their burn-rate alerts, alert routing and CloudWatch alarms.

One spec drives every signal: the SLO that sets the Prometheus burn-rate rules also sets
the CloudWatch burn-rate alarms and the Grafana budget panels, so they cannot disagree.
:mod:`shipspec.plan.observability` derives a :class:`MonitoringPlan` (with
:mod:`shipspec.plan.alarms` for CloudWatch); the ``monitoring`` render target and the
Pulumi stack read it. Like the rest of the model it is frozen, and every derived value
has a :class:`~shipspec.plan.model.Decision` saying why.

The burn-rate arithmetic lives here, beside the classes, because both derivations and
the tests need the same numbers: the SRE workbook's multi-window, multi-burn-rate set
over a 30-day window (chapter "Alerting on SLOs", table 5-8).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from .frozen import Decision, Frozen, named

Severity = Literal["page", "ticket"]
Comparison = Literal[
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
]

SLO_WINDOW_DAYS = 30
RUNBOOK = "docs/operations/runbook.md"
# The branch the pipelines deploy from, and so the one whose runbook the alerts link to.
DEFAULT_BRANCH = "main"
# (severity, long window, short window, burn rate): 2% of a 30-day budget in 1 hour and
# 5% in 6 hours page; 10% in a day or in 3 days opens a ticket. The short window (1/12
# of the long one) lets an alert reset soon after the burn stops.
BURN_RATE_WINDOWS: tuple[tuple[Severity, str, str, float], ...] = (
    ("page", "1h", "5m", 14.4),
    ("page", "6h", "30m", 6.0),
    ("ticket", "1d", "2h", 3.0),
    ("ticket", "3d", "6h", 1.0),
)
# OpenTelemetry's advised explicit boundaries for http.server.request.duration, in seconds.
OTEL_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(window: str) -> int:
    """``"5m"`` → 300: a Prometheus duration of one unit (s, m, h, d) in seconds."""
    return int(window[:-1]) * _UNIT_SECONDS[window[-1]]


def error_budget(objective: float) -> float:
    """99.9 (%) → 0.001: the fraction of requests allowed to fail, exact in decimal."""
    return float((Decimal(100) - Decimal(str(objective))) / Decimal(100))


def budget_spent_percent(burn_rate: float, window: str, days: int = SLO_WINDOW_DAYS) -> float:
    """Share of a ``days`` budget that burning at ``burn_rate`` for ``window`` spends."""
    return round(100 * burn_rate * seconds(window) / (days * 86400), 4)


class MetricConvention(Frozen):
    """Where the SLIs come from: the request-duration histogram and its labels.

    The defaults fit OpenTelemetry's stable HTTP server metric ``http.server.request.duration``
    (seconds, status in ``http.response.status_code``) as Prometheus stores it. Under the
    OpenTelemetry "Prometheus and OpenMetrics compatibility" spec, ``job`` is
    ``<service.namespace>/<service.name>`` when the namespace is set (tasks set it to the
    app), so ``service_value`` (formatted with ``app`` and ``service``) is that pair.
    ``environment_label`` is the resource attribute ``deployment.environment.name`` as
    the collector promotes it (``resource_to_telemetry_conversion``): it keeps other
    environments' traffic out of the production SLO in a shared Prometheus.
    """

    histogram: str = "http_server_request_duration_seconds"
    seconds_per_unit: float = 1.0  # 0.001 for a histogram in milliseconds
    buckets: tuple[float, ...] = OTEL_HTTP_BUCKETS
    status_label: str = "http_response_status_code"
    error_status_regex: str = "5.."
    service_label: str = "job"
    service_value: str = "{app}/{app}-{service}"
    environment_label: str = "deployment_environment_name"
    # gRPC server calls (a service with a gRPC port): OpenTelemetry's RPC server histogram
    # as the instrumentations emit it by default today, ``rpc.server.duration`` in ms with
    # the status in ``rpc.grpc.status_code`` (semconv v1.37 and before; the stable
    # ``rpc.server.call.duration`` in seconds with ``rpc.response.status_code`` is opt-in,
    # ``OTEL_SEMCONV_STABILITY_OPT_IN=rpc``). Prometheus names the unit: ``_milliseconds``.
    rpc_histogram: str = "rpc_server_duration_milliseconds"
    rpc_seconds_per_unit: float = 0.001
    rpc_status_label: str = "rpc_grpc_status_code"
    # The server's faults (GRPC_SERVER_FAULTS); the other codes are the caller's doing.
    rpc_error_status_regex: str = "2|4|13|14|15"

    @property
    def bucket_metric(self) -> str:
        return f"{self.histogram}_bucket"

    @property
    def count_metric(self) -> str:
        return f"{self.histogram}_count"

    @property
    def rpc_bucket_metric(self) -> str:
        return f"{self.rpc_histogram}_bucket"

    @property
    def rpc_count_metric(self) -> str:
        return f"{self.rpc_histogram}_count"


# gRPC status codes that count against an availability SLO: the server failed, whatever
# the caller sent (gRPC's status code guide, "codes generated by the library" and the
# server-side meaning of each). UNKNOWN (2): an unhandled exception in the handler;
# DEADLINE_EXCEEDED (4): the server did not answer in the caller's deadline; INTERNAL (13):
# a broken invariant or a failed (de)serialisation; UNAVAILABLE (14): the service cannot
# take the call (also what Envoy answers when it cannot reach the upstream); DATA_LOSS
# (15): unrecoverable loss. CANCELLED, INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
# PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION, OUT_OF_RANGE, ABORTED and
# UNIMPLEMENTED answer what the caller asked (as an HTTP 4xx does); RESOURCE_EXHAUSTED (8)
# is mostly a quota or a message size the caller exceeded, so it is not counted either.
GRPC_SERVER_FAULTS = {
    2: "UNKNOWN",
    4: "DEADLINE_EXCEEDED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
}


class BurnRateAlert(Frozen):
    """One alert of the set: fires when both windows burn the budget faster than ``burn_rate``."""

    severity: Severity
    long_window: str
    short_window: str
    burn_rate: float
    budget_spent_percent: float  # of the 30-day budget, when the long window burns at the rate
    error_ratio: float  # burn_rate × error budget: what both windows' error ratios must exceed


class SloMonitor(Frozen):
    """An SLO as monitored: its SLI's series, error budget and burn-rate alerts."""

    name: str  # "web-availability": the `slo` label and the runbook anchor's stem
    service: str
    sli: Literal["availability", "latency"]
    objective: float  # percent
    error_budget: float  # fraction: 1 - objective / 100
    window_days: int = SLO_WINDOW_DAYS
    threshold_ms: int | None  # what the spec asked (latency)
    bucket_le: float | None  # the histogram bucket the SLI counts as fast, in its unit
    source: Literal["spec", "default"]
    selector: dict[str, str]  # label matchers of the service's series
    # The service's gRPC ports (its own port when it speaks gRPC, and further gRPC ports):
    # the SLI counts its gRPC server calls (MetricConvention.rpc_histogram) beside its HTTP
    # requests. Empty: HTTP requests only.
    grpc_ports: list[int] = Field(default_factory=list)
    alert_name: str
    alerts: list[BurnRateAlert]
    runbook: str  # path#anchor, relative to the repository root

    def alert(self, long_window: str) -> BurnRateAlert:
        return next(a for a in self.alerts if a.long_window == long_window)


class Receiver(Frozen):
    name: Severity
    email: str | None  # None: the receiver has no integration until one is configured
    group_wait: str
    group_interval: str
    repeat_interval: str


# The regions of the AWS Chatbot API ("Amazon Q Developer in chat applications"), where a
# Slack channel configuration can be created: the API Reference's Welcome page ("APIs are
# currently available in the following Regions", unchanged in its 2026 edition) and the
# General Reference's service endpoints (chatbot.<region>.amazonaws.com), both
# https://docs.aws.amazon.com/chatbot/latest/APIReference/Welcome.html and
# https://docs.aws.amazon.com/general/latest/gr/chatbot.html. A configuration subscribes
# SNS topics of any region (the admin guide's "Regions and quotas").
CHATBOT_REGIONS = ("us-east-2", "us-west-2", "eu-west-1", "ap-southeast-1")
# Where the configuration goes when the stack's region is not one of them.
CHATBOT_FALLBACK_REGION = "us-west-2"


def chatbot_region(region: str) -> str:
    """The region of the Slack channel configuration of a stack in ``region``."""
    return region if region in CHATBOT_REGIONS else CHATBOT_FALLBACK_REGION


class SlackChannel(Frozen):
    workspace_id: str
    channel_id: str
    topics: list[Severity]


# The secret stack config key of each topic's PagerDuty Amazon CloudWatch integration URL
# (the generated ``_topics.PAGERDUTY_URL_KEYS``): pages and tickets go to two PagerDuty
# services, a high-urgency and a low-urgency one, so a ticket never wakes on-call.
PAGERDUTY_URL_KEYS: dict[str, str] = {"page": "pagerdutyUrl", "ticket": "pagerdutyTicketUrl"}


# What every alarm's description starts with in the stack (and an EventBridge rule's that
# notifies like one): CloudWatch's notification email, AWS Chatbot's Slack message and
# PagerDuty's incident show the description, and pages and tickets may reach the same
# mailbox or channel, so the first word says which one it is. An alarm that notifies no one
# itself (a member of a composite alarm) names the composite that does instead.
PAGE_MARKER, TICKET_MARKER = "PAGE: ", "TICKET: "


def routing_marker(pages: bool, member_of: list[str] | None = None) -> str:
    """``PAGE: `` or ``TICKET: ``; for an alarm that does not notify, ``NO ALERT (member of
    <composites>): ``, since what reaches on-call is its composite's."""
    if member_of is not None:
        return f"NO ALERT (member of {', '.join(member_of) or 'no composite'}): "
    return PAGE_MARKER if pages else TICKET_MARKER


# The key of the warning decision the plan records when pages reach no pager (no PagerDuty
# for them, and no Slack channel of their own): `shipspec generate` prints it, and the
# handoff and the runbook say it (plan/observability.py).
PAGES_WAKE_NO_ONE = "monitoring.routing.pages_wake_no_one"


class AlertRouting(Frozen):
    """Where page and ticket alerts go (Alertmanager, and the stack's SNS topics)."""

    page: Receiver
    ticket: Receiver
    # The topics PagerDuty's CloudWatch integration URLs (secret config, one per topic,
    # PAGERDUTY_URL_KEYS) are subscribed to.
    pagerduty_topics: list[Severity] = Field(default_factory=list)
    slack: SlackChannel | None = None  # AWS Chatbot posts these topics' alerts to the channel
    group_by: list[str]
    inhibit_equal: list[str]  # a firing page mutes tickets that share these labels
    smtp_smarthost: str  # placeholders until the operator fills them in
    smtp_from: str


class AlarmMetric(Frozen):
    """One CloudWatch metric of an alarm. ``dimensions`` map a dimension to a reference the
    stack resolves: ``cluster.name``, ``service:<name>.name``, ``service:<name>.target_group``,
    ``load_balancer:<public|internal>``, ``job:<name>.schedule_group``, ``datastore:<name>.id``,
    ``datastore:<name>.dead_letter``."""

    id: str
    namespace: str
    metric_name: str
    statistic: str  # Sum, Average, Maximum, Minimum, p99, PR(:0.3) (percentile rank)
    dimensions: dict[str, str]


class AlarmPlan(Frozen):
    """A CloudWatch metric alarm: one metric, or metric math over several (``expression``)."""

    name: str
    target: str  # what it watches: "service:web", "datastore:db"
    check: str  # what about it: "5xx-ratio", "cpu", "burn-1h"
    description: str
    metrics: list[AlarmMetric]
    expression: str | None = None
    period_seconds: int
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold: float
    comparison: Comparison
    treat_missing_data: Literal["missing", "notBreaching", "breaching", "ignore"]
    notify: bool  # False for members of a composite alarm: the composite notifies
    pages: bool
    rollback: bool  # also a deployment (rollback) alarm for the service
    runbook: str
    reason: str
    # A rollback alarm notifies through a composite in the stack: this composite's ALARM
    # mutes it (see CompositeAlarmPlan.suppressed_by).
    suppressed_by: str | None = None
    # How long its actions wait for that suppressor (see CompositeAlarmPlan).
    suppress_wait_seconds: int | None = None
    # The alarm's region when not the stack's: us-east-1 for a Route 53 health check's,
    # whose metrics exist there only. Such an alarm notifies through EventBridge (an
    # alarm may only notify a topic in its own region), as the static sites' 5xx alarm does.
    region: str | None = None

    @property
    def statistic(self) -> str:
        return self.metrics[0].statistic


class CompositeAlarmPlan(Frozen):
    """A CloudWatch composite alarm over the plan's alarms: both windows of a burn rate
    (``AND``), or any sign that a service is down (``OR``)."""

    name: str
    target: str
    check: str
    description: str
    members: list[str]
    rule: str  # CloudWatch composite rule, e.g. ALARM("a") AND ALARM("b")
    pages: bool
    runbook: str
    reason: str
    # Another composite whose ALARM mutes this one's actions (CloudWatch's ActionsSuppressor),
    # so one outage pages once: the service-down composite mutes the burn-rate pages.
    suppressed_by: str | None = None
    # CloudWatch's ActionsSuppressorWaitPeriod: on going to ALARM, the actions wait this
    # long for the suppressor to go to ALARM too. The time the suppressor's fastest member
    # needs to fire (``suppressor_detection_seconds``), set once the plan is complete: a
    # page the suppressor would not mute waits only that long.
    suppress_wait_seconds: int | None = None
    # Composites (of the same SLO, paging faster) whose ALARM keeps this one quiet: the
    # rule ends ``AND NOT ALARM(...)``, as Alertmanager's inhibition does for the rules.
    unless: list[str] = Field(default_factory=list)


class JobFailurePlan(Frozen):
    """An EventBridge rule on the job's ECS task state changes: a run that stops with a
    non-zero exit code (or fails to start) notifies; CloudWatch has no metric for it."""

    name: str
    job: str
    description: str
    pages: bool
    runbook: str
    reason: str


class OutsideInCheckPlan(Frozen):
    """A Route 53 health check of a public service through its name, from the internet
    (plan/health_check_alarms.py): ``HTTPS``, the domain's request to the service answering
    / (DNS, the certificate, the listener, the WAF and the tasks, all at once); ``TCP``, a
    connection to a Network Load Balancer's alias ``<service>.<domain>`` on its listener
    port (DNS, the listener, its security group and a target). Its alarm is an
    ``AlarmPlan`` (``region`` us-east-1) whose metric names it by
    ``health_check:<service>.id``."""

    service: str
    fqdn: str  # the host name resolved (HTTPS: also sent as SNI and as the Host header)
    port: int
    path: str | None  # HTTPS: the request path, as a client sends it; TCP: None
    request_interval: int  # seconds between one checker's requests
    failure_threshold: int  # consecutive failures before a checker calls it unhealthy
    alarm: str  # the name of the alarm on its HealthCheckStatus
    reason: str
    type: Literal["HTTPS", "TCP"] = "HTTPS"

    @property
    def endpoint(self) -> str:
        """What the check reaches, as the documents name it."""
        if self.type == "TCP":
            return f"{self.fqdn}:{self.port} (TCP)"
        return f"https://{self.fqdn}{self.path}"


class EnvironmentAlarms(Frozen):
    environment: str
    production: bool
    alarms: list[AlarmPlan]
    composites: list[CompositeAlarmPlan]
    job_failures: list[JobFailurePlan] = Field(default_factory=list)
    health_checks: list[OutsideInCheckPlan] = Field(default_factory=list)

    def alarm(self, name: str) -> AlarmPlan:
        return named(self, "alarms", "name", name, "alarm", f"environment {self.environment!r}")


class MonitoringPlan(Frozen):
    """Everything the monitoring files and the stack's alarms are rendered from."""

    environment: str  # the environment the Prometheus rules and the dashboard describe
    metrics: MetricConvention
    services: dict[str, dict[str, str]]  # web service → label matchers of its request series
    slos: list[SloMonitor]
    routing: AlertRouting
    alarms: dict[str, EnvironmentAlarms]  # by environment name, in promotion order
    decisions: list[Decision]
    # ``<repository>/blob/<branch>/`` (GitLab ``/-/blob/``), or None: links stay repo-relative
    runbook_base: str | None = None

    def link(self, runbook: str) -> str:
        """The runbook link an alert carries: absolute when the repository's address is
        known, since a page read in a mail or a pager app has no repository to be relative to."""
        return f"{self.runbook_base}{runbook}" if self.runbook_base else runbook

    def slo(self, name: str) -> SloMonitor:
        return named(self, "slos", "name", name, "SLO", "the monitoring plan")

    def warnings(self) -> list[str]:
        """The reasons of the plan's warning decisions (``inputs.warning``), in order, each
        once (a job's running sidecars are warned about in every environment's alarms): what
        `shipspec generate` prints, such as ``PAGES_WAKE_NO_ONE``'s."""
        return list(dict.fromkeys(d.reason for d in self.decisions if d.inputs.get("warning")))

    @property
    def pages_wake_no_one(self) -> Decision | None:
        """The ``PAGES_WAKE_NO_ONE`` warning decision, if the plan made one."""
        return next((d for d in self.decisions if d.key == PAGES_WAKE_NO_ONE), None)

    def decision(self, key: str) -> Decision:
        return named(self, "decisions", "key", key, "decision", "the monitoring plan")
