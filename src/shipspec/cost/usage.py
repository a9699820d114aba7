"""The usage a cost estimate assumes where the model cannot know it: traffic, data, logs.

The model fixes what is provisioned (task sizes and counts, instance classes, NAT
gateways); what flows through it is a guess, and a guess belongs in the open. Each
assumption here is printed beside the estimate it shaped, so a reader can redo the
arithmetic with their own numbers (or pass a different :class:`Usage`).

Scheduled jobs are priced per run: :func:`runs_per_month` reads EventBridge ``rate()``
and the common ``cron()`` shapes exactly, and falls back to one run a day for the
rest (``L``, ``W`` and ``#`` days), saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

DAYS_PER_MONTH = Decimal("30.4167")  # 730 hours / 24
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_PER_DAY = {"minute": Decimal(1440), "hour": Decimal(24), "day": Decimal(1)}


@dataclass(frozen=True)
class Usage:
    """What the estimate assumes; every field is stated in the handoff document."""

    average_share_of_peak: Decimal = Decimal("0.3")  # production traffic, of peak_rps
    requests_per_lcu_second: Decimal = Decimal(25)  # an LCU: 25 new connections a second
    non_production_lcu: Decimal = Decimal(1)
    non_production_requests_million: Decimal = Decimal(1)  # WAF-inspected, per month
    nat_gb_production: Decimal = Decimal(100)
    nat_gb_non_production: Decimal = Decimal(20)
    endpoint_gb: Decimal = Decimal(10)  # per interface endpoint, per month
    s3_gb_production: Decimal = Decimal(50)
    s3_gb_non_production: Decimal = Decimal(5)
    sqs_million_production: Decimal = Decimal(10)
    sqs_million_non_production: Decimal = Decimal(1)
    docdb_gb_production: Decimal = Decimal(50)  # per DocumentDB cluster
    docdb_gb_non_production: Decimal = Decimal(10)
    docdb_io_million_production: Decimal = Decimal(100)  # I/O requests a month, per cluster
    docdb_io_million_non_production: Decimal = Decimal(10)
    broker_gb_production: Decimal = Decimal(5)  # messages stored, per broker node
    broker_gb_non_production: Decimal = Decimal(1)
    log_gb_per_task: Decimal = Decimal(1)  # per running task, per month
    log_bytes_per_request: Decimal = Decimal(400)  # one access-log line per request
    flow_log_gb_per_az: Decimal = Decimal(2)  # the stack's own flows, per AZ, per month
    flow_records_per_request: int = 2  # a new client connection: a record each way
    flow_record_bytes: Decimal = Decimal(130)  # a default-format (v2) flow log record
    insights_metrics_per_cluster: int = 10  # Container Insights, Fargate
    insights_metrics_per_service: int = 13
    insights_metrics_per_task_family: int = 8
    insights_log_gb_per_task: Decimal = Decimal("0.1")  # performance events, per task-month
    job_minutes_per_run: Decimal = Decimal(15)
    waf_rules: int = 5  # the generated web ACL: a rate limit and four managed rule groups
    amp_series_per_task: int = 300  # HTTP histograms per route and status, runtime metrics
    amp_export_seconds: Decimal = Decimal(60)  # OTEL_METRIC_EXPORT_INTERVAL's default
    amp_retention_days: int = 150  # the workspace's default retention
    amp_bytes_per_sample: Decimal = Decimal(2)  # AMP: "typically 1 or 2 bytes" plus metadata
    static_gb_production: Decimal = Decimal(50)  # CloudFront data out per site, per month
    static_gb_non_production: Decimal = Decimal(1)
    static_requests_million_production: Decimal = Decimal(5)
    static_requests_million_non_production: Decimal = Decimal("0.1")
    static_site_gb: Decimal = Decimal(1)  # a site's files with 30 days of old versions
    site_waf_rules: int = 2  # a site's CloudFront web ACL: two managed rule groups

    def statements(self) -> list[str]:
        """The assumptions as sentences, in the order the estimate uses them."""
        share = f"{num(self.average_share_of_peak * 100)}%"
        return [
            "services run at their planned desired count all month (730 hours); scaling up "
            "to max_count costs the difference shown as headroom",
            f"scheduled jobs run {num(self.job_minutes_per_run)} minutes per run",
            f"production traffic averages {share} of requirements.performance.peak_rps; one "
            f"new connection per request, so one LCU per {num(self.requests_per_lcu_second)} "
            "requests a second (the dimension that dominates for small responses); internal "
            f"load balancers and non-production ones use {num(self.non_production_lcu)} LCU",
            f"WAF inspects every production request and {num(self.non_production_requests_million)}"
            f" million a month elsewhere; the web ACL has {self.waf_rules} rules",
            f"NAT gateways process {num(self.nat_gb_production)} GB a month in production and "
            f"{num(self.nat_gb_non_production)} GB elsewhere; each interface endpoint "
            f"{num(self.endpoint_gb)} GB",
            f"each static site serves {num(self.static_gb_production)} GB in "
            f"{num(self.static_requests_million_production)} million HTTPS requests a month "
            f"through CloudFront in production ({num(self.static_gb_non_production)} GB in "
            f"{num(self.static_requests_million_non_production)} million elsewhere) and stores "
            f"{num(self.static_site_gb)} GB; CloudFront's always-free tier (1 TB, 10 million "
            "requests) is per account and not deducted; with WAF, the site's web ACL has "
            f"{self.site_waf_rules} rules and inspects every request",
            f"each bucket stores {num(self.s3_gb_production)} GB in production and "
            f"{num(self.s3_gb_non_production)} GB elsewhere; requests are not priced",
            f"each queue serves {num(self.sqs_million_production)} million requests a month in "
            f"production and {num(self.sqs_million_non_production)} million elsewhere (no free "
            "tier)",
            f"each DocumentDB cluster stores {num(self.docdb_gb_production)} GB and makes "
            f"{num(self.docdb_io_million_production)} million storage I/Os a month in production "
            f"({num(self.docdb_gb_non_production)} GB and "
            f"{num(self.docdb_io_million_non_production)} million elsewhere), on Standard "
            "storage, which bills I/O per request; every instance of the cluster (the primary "
            "and each replica) is billed",
            f"each Amazon MQ broker node stores {num(self.broker_gb_production)} GB of messages "
            f"in production and {num(self.broker_gb_non_production)} GB elsewhere; a cluster "
            "deployment bills three broker instances and their storage",
            f"each running task writes {num(self.log_gb_per_task)} GB of logs a month, and in "
            f"production each request one {num(self.log_bytes_per_request)}-byte access-log line",
            "VPC flow logs (production) go to CloudWatch Logs, billed as vended log ingestion: "
            f"{num(self.flow_log_gb_per_az)} GB per AZ a month for the stack's own flows, plus "
            f"{self.flow_records_per_request} records of {num(self.flow_record_bytes)} bytes per "
            "production request (one new connection each way); storage of retained logs is "
            "not priced",
            "Container Insights is billed as custom metrics: "
            f"{self.insights_metrics_per_cluster} per cluster, "
            f"{self.insights_metrics_per_service} per service and "
            f"{self.insights_metrics_per_task_family} per task definition family (scheduled "
            "jobs' families report only while they run and are not priced), plus "
            f"{num(self.insights_log_gb_per_task)} GB of performance events per running task a "
            "month",
            "CloudWatch alarms are counted from the plan: each metric an alarm reads is billed "
            "as a standard-resolution alarm metric, once per target group of a blue/green, "
            "canary or linear web service and once per node of a Redis cache, including the "
            "web services' own rollback alarms; each rollback alarm, each burn-rate pair and "
            "each public service's service-down alarm is a composite alarm; EventBridge rules on "
            "AWS service events are free; "
            "each environment has one dashboard and one "
            "customer-managed KMS key (its alert topics'), priced for its first year (each "
            "yearly rotation adds $1 a month, for the first two); the account's free tier (10 "
            "alarm metrics, 3 dashboards) is not deducted, as every stack in the account shares "
            "it; SNS email notifications are too few to price; a public domain's Route 53 "
            "health check bills as an HTTPS check of an AWS endpoint (the account's first 50 "
            "basic checks are free, not deducted)",
            "with observability.prometheus: managed, each running task's collector writes "
            f"{self.amp_series_per_task} series every {num(self.amp_export_seconds)} s "
            "(scheduled jobs' runs are not priced), the SLO and service rules are evaluated "
            "every minute, reading each SLO's two recorded rates over every window and each "
            f"raw series over 5 minutes; samples are kept {self.amp_retention_days} days at "
            f"{num(self.amp_bytes_per_sample)} bytes each; dashboards' queries and the free "
            "tier are not included",
            "RDS and DocumentDB backups stay within the free allowance (the database's size); "
            "ElastiCache snapshots, CPU credits of burstable (t4g) instances, the databases' log "
            "exports to CloudWatch Logs, data transfer out, Route 53 hosted zones and queries, "
            "Secrets Manager, ECR and KMS requests are not included",
        ]


def num(value: Decimal | float) -> str:
    """``Decimal("730.00")`` → ``730``, ``99.9`` → ``99.9``: a quantity as people write it."""
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return format(exact.normalize(), "f")


def runs_per_month(schedule: str) -> tuple[Decimal, bool]:
    """``(runs, exact)``: how often an EventBridge schedule fires in an average month."""
    rate = _RATE.match(schedule.strip())
    if rate:
        count, unit = Decimal(rate.group(1)), rate.group(2).rstrip("s")
        return _PER_DAY[unit] / count * DAYS_PER_MONTH, True
    cron = _CRON.match(schedule.strip())
    fields = cron.group(1).split() if cron else []
    if len(fields) != 6:
        return DAYS_PER_MONTH, False
    minutes, hours, day_of_month, month, day_of_week, _year = fields
    if any(c in day_of_month for c in "LW") or any(c in day_of_week for c in "L#"):
        return DAYS_PER_MONTH, False  # last, nearest-weekday and nth days: approximated
    per_day = _count(minutes, 0, 59) * _count(hours, 0, 23)
    if day_of_month not in ("*", "?"):
        days = Decimal(_count(day_of_month, 1, 31))
    elif day_of_week not in ("*", "?"):
        days = Decimal(_count(day_of_week, 1, 7, _WEEKDAYS)) * DAYS_PER_MONTH / Decimal(7)
    else:
        days = DAYS_PER_MONTH
    months = Decimal(12) if month in ("*", "?") else Decimal(_count(month, 1, 12, _MONTHS))
    return per_day * days * months / Decimal(12), True


_WEEKDAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
    )
}


def _count(field: str, low: int, high: int, names: dict[str, int] | None = None) -> int:
    """How many values a cron field selects: ``*``, ``a-b``, ``a,b``, ``*/n``, ``a/n``."""
    values: set[int] = set()
    for part in field.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            start, stop = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, stop = _value(first, names), _value(last, names)
        else:
            start = _value(part, names)
            stop = high if step > 1 else start
        values.update(range(start, stop + 1, step))
    return len(values)


def _value(text: str, names: dict[str, int] | None) -> int:
    return names[text.upper()] if names and text.upper() in names else int(text)
