"""What watching the stack costs: log ingestion, VPC flow logs and Container Insights.

These grow with traffic, so production lines are priced from the spec's
``peak_rps`` (at the :class:`~.usage.Usage` share of it on average) rather than a
flat guess per task:

* application logs: a baseline per running task plus one access-log line per request;
* VPC flow logs (production, regulated): delivered to CloudWatch Logs as vended logs,
  one record each way per client connection, plus a baseline per AZ for the stack's
  own flows (NAT, endpoints, databases);
* Container Insights (``containerInsights=enabled`` on every cluster): its metrics
  are billed as custom metrics, per cluster, per service and per task definition
  family, and its performance log events as log ingestion.

Sources: CloudWatch pricing (https://aws.amazon.com/cloudwatch/pricing/: vended logs
to CloudWatch Logs are billed as log ingestion, first 10 TB at the standard rate;
Container Insights metrics are custom metrics) and the metric list of
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ..plan.model import EnvironmentPlan
from .usage import Usage, num

Add = Callable[[str, str, Decimal, str, str], None]
_GB = Decimal(1_000_000_000)


def telemetry_lines(
    add: Add, env: EnvironmentPlan, usage: Usage, hours: Decimal, rps: Decimal | None
) -> None:
    """Add the log, flow log and Container Insights lines of ``env``.

    ``rps`` is the production average request rate, or None where the spec gives no
    traffic (then only the per-task and per-AZ baselines are priced).
    """
    seconds = hours * 3600
    requests = rps * seconds if rps is not None else None
    tasks = sum(s.desired_count for s in env.services if s.kind != "job")
    if tasks:
        gb = tasks * usage.log_gb_per_task
        how = f"{_tasks(tasks)} × {num(usage.log_gb_per_task)} GB"
        if requests is not None:
            access = requests * usage.log_bytes_per_request / _GB
            gb += access
            how += (
                f" + {num(rps or 0)} req/s × {num(seconds)} s × "
                f"{num(usage.log_bytes_per_request)} B ({access:.1f} GB)"
            )
        add("CloudWatch Logs", "services", gb, "logs_gb", how)
    _flow_logs(add, env, usage, seconds, rps)
    _container_insights(add, env, usage, tasks)


def _flow_logs(
    add: Add, env: EnvironmentPlan, usage: Usage, seconds: Decimal, rps: Decimal | None
) -> None:
    net = env.network
    if net.flow_log_retention_days is None:
        return
    gb = net.az_count * usage.flow_log_gb_per_az
    how = f"{net.az_count} AZs × {num(usage.flow_log_gb_per_az)} GB"
    if rps is not None:
        traffic = rps * seconds * usage.flow_records_per_request * usage.flow_record_bytes / _GB
        gb += traffic
        how += (
            f" + {num(rps)} req/s × {num(seconds)} s × {usage.flow_records_per_request} records"
            f" × {num(usage.flow_record_bytes)} B ({traffic:.1f} GB)"
        )
    add("VPC flow logs", "network", gb, "logs_gb", f"{how}, to CloudWatch Logs")


def _container_insights(add: Add, env: EnvironmentPlan, usage: Usage, tasks: int) -> None:
    services = [s for s in env.services if s.kind != "job"]
    if not services:
        return
    # A job's task family reports only while a run lasts; metrics bill by the hour.
    families = len(services)
    metrics = (
        usage.insights_metrics_per_cluster
        + len(services) * usage.insights_metrics_per_service
        + families * usage.insights_metrics_per_task_family
    )
    add(
        "Container Insights metrics",
        "cluster",
        Decimal(metrics),
        "cloudwatch_metric_month",
        f"1 cluster × {usage.insights_metrics_per_cluster} + {len(services)} services × "
        f"{usage.insights_metrics_per_service} + {families} task families × "
        f"{usage.insights_metrics_per_task_family} metrics",
    )
    if tasks:
        gb = tasks * usage.insights_log_gb_per_task
        add(
            "Container Insights events",
            "cluster",
            gb,
            "logs_gb",
            f"{_tasks(tasks)} × {num(usage.insights_log_gb_per_task)} GB of performance events",
        )


def _tasks(count: int) -> str:
    return f"{count} task" if count == 1 else f"{count} tasks"
