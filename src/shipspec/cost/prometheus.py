"""What the managed Prometheus path costs: samples ingested, stored and queried.

Amazon Managed Service for Prometheus bills each metric sample written to the workspace,
the samples kept (150 days by default, metered in GB-months of 2^30 bytes) and the query
samples processed (QSP), which includes evaluating the loaded rules. None of it grows
with requests: a histogram has as many series whether it counts ten requests or ten
million. It grows with the running tasks (planned from the spec's ``peak_rps``), each
exporting its series once per export interval, and with the SLOs, whose rules read their
recorded rates over every window (up to 30 days) once a minute.

Source: https://aws.amazon.com/prometheus/pricing/ (ingestion, storage and QSP metering;
rule evaluation is priced as queries).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ..plan.model import DeploymentModel, EnvironmentPlan
from ..plan.monitoring import BURN_RATE_WINDOWS, SLO_WINDOW_DAYS
from .usage import Usage, num

Add = Callable[[str, str, Decimal, str, str], None]
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}
# Series each SLO's group records (request and error rates, one ratio per window, the
# objective, budget and budget remaining) and each web service's group (rates, p50, p99).
_FIXED_SLO_SERIES = 5
_SERVICE_SERIES = 4
_RULE_READS_PER_TASK_SERIES = 4  # the SLO and service rules' rates over each raw series


def windows_minutes() -> list[int]:
    """Every window the SLO rules read, in minutes: the burn-rate pairs and the SLO window."""
    spans = {w for _, long, short, _ in BURN_RATE_WINDOWS for w in (long, short)}
    minutes = {int(w[:-1]) * _UNIT_SECONDS[w[-1]] // 60 for w in spans}
    return sorted(minutes | {SLO_WINDOW_DAYS * 24 * 60})


def prometheus_lines(
    add: Add, model: DeploymentModel, env: EnvironmentPlan, usage: Usage, hours: Decimal
) -> None:
    """Add the ingestion, storage and query lines of ``env``'s workspace, if it has one."""
    if env.prometheus is None:
        return
    tasks = sum(s.desired_count for s in env.services if s.kind != "job")
    minutes = hours * 60
    exports = hours * 3600 / usage.amp_export_seconds
    slos, services = len(model.monitoring.slos), len(model.monitoring.services)
    windows = windows_minutes()
    recorded = slos * (_FIXED_SLO_SERIES + len(windows)) + services * _SERVICE_SERIES
    samples = tasks * usage.amp_series_per_task * exports + recorded * minutes
    add(
        "Managed Prometheus ingestion",
        "workspace",
        samples / 10_000_000,
        "amp_samples_10m",
        f"{tasks} tasks × {usage.amp_series_per_task} series × {num(exports)} exports + "
        f"{recorded} recorded series × {num(minutes)} evaluations "
        f"({samples / 1_000_000:,.0f}M samples)",
    )
    stored = samples * usage.amp_retention_days / 30 * usage.amp_bytes_per_sample / 2**30
    add(
        "Managed Prometheus storage",
        "workspace",
        stored,
        "amp_storage_gb_month",
        f"{usage.amp_retention_days} days of samples × {num(usage.amp_bytes_per_sample)} B",
    )
    per_evaluation = slos * 2 * sum(windows) + (
        _RULE_READS_PER_TASK_SERIES * tasks * usage.amp_series_per_task * 5
    )
    queried = per_evaluation * minutes
    add(
        "Managed Prometheus rule queries",
        "workspace",
        queried / 1_000_000_000,
        "amp_query_billion",
        f"{num(minutes)} evaluations × ({slos} SLOs × 2 rates × {sum(windows)} minutes of "
        f"windows + {_RULE_READS_PER_TASK_SERIES} reads × 5 minutes of {tasks} tasks' series)",
    )
