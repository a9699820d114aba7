"""``shipspec status --baseline``: the running stack's measured performance, per service.

``docs/operations/baseline.md`` is generated from the spec (what the SLOs, alarms and
scaling assume); this measures what production actually does over a window and writes it
beside it, to ``docs/operations/baseline-<env>.measured.md``. That file is the user's:
``generate`` never writes, checks or deletes it (it is in no target and not in the
manifest), and the generated baseline names it under "Re-measuring".

One CloudWatch GetMetricData call (paged) over the window, one datapoint per query
(period = the window, rounded up to whole minutes):

* web services: ``AWS/ApplicationELB`` ``TargetResponseTime`` at ``p50`` and ``p99``
  (seconds, shown in ms) and ``RequestCount`` (Sum), by ``LoadBalancer`` and
  ``TargetGroup``. Both dimensions come from AWS, not from names: the service's target
  group from ECS DescribeServices ``loadBalancers``, its load balancer from ELBv2
  DescribeTargetGroups, each as the ARN suffix CloudWatch uses (``app/<name>/<id>``,
  ``targetgroup/<name>/<id>``).
* every long-running service: ``AWS/ECS`` ``CPUUtilization`` and ``MemoryUtilization``
  (Average and Maximum) by ``ClusterName`` and ``ServiceName``.

A metric without data in the window is shown as "no data", never as zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .errors import OperateError, aws_error
from .stack import StackContext

DOCS = "docs/operations"
GET_METRIC_DATA_MAX = 500  # queries per GetMetricData call
DESCRIBE_SERVICES_MAX = 10


def measured_path(env: str) -> str:
    return f"{DOCS}/baseline-{env}.measured.md"


@dataclass
class ServiceBaseline:
    name: str
    kind: str
    values: dict[str, float | None] = field(default_factory=dict)
    """p50_ms, p99_ms, requests, cpu_avg, cpu_max, memory_avg, memory_max (None: no data)."""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, **self.values}


@dataclass
class Baseline:
    env: str
    start: datetime
    end: datetime
    services: list[ServiceBaseline]

    @property
    def window(self) -> timedelta:
        return self.end - self.start

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.env,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "services": [s.as_dict() for s in self.services],
        }


def measure_baseline(
    stack: StackContext, window_seconds: int, *, now: datetime | None = None
) -> Baseline:
    from botocore.exceptions import BotoCoreError, ClientError

    end = (now or datetime.now(UTC)).replace(microsecond=0)
    period = max(60, math.ceil(window_seconds / 60) * 60)
    start = end - timedelta(seconds=period)
    try:
        queries, services = _queries(stack, period)
        values = _get_metric_data(stack.client("cloudwatch"), queries, start, end)
    except (ClientError, BotoCoreError) as error:
        raise aws_error(error, f"baseline of stack {stack.env.name}") from None
    for service in services:
        for key in list(service.values):
            service.values[key] = _convert(key, values.get(f"{service.name}:{key}"))
    return Baseline(stack.env.name, start, end, services)


def _convert(key: str, value: float | None) -> float | None:
    if value is None:
        return None
    return value * 1000 if key.endswith("_ms") else value  # TargetResponseTime is seconds


def _queries(
    stack: StackContext, period: int
) -> tuple[list[tuple[str, dict[str, Any]]], list[ServiceBaseline]]:
    running = [s for s in stack.env.services if s.kind != "job"]
    names = stack.output("service_names")
    cluster = str(stack.output("cluster_name"))
    ecs = stack.client("ecs")
    described: dict[str, dict[str, Any]] = {}
    for first in range(0, len(running), DESCRIBE_SERVICES_MAX):
        chunk = [str(names[s.name]) for s in running[first : first + DESCRIBE_SERVICES_MAX]]
        answer = ecs.describe_services(cluster=cluster, services=chunk)
        described.update({s["serviceName"]: s for s in answer.get("services", [])})
    target_groups = _target_groups(stack, described)
    queries: list[tuple[str, dict[str, Any]]] = []
    services = []
    for plan in running:
        ecs_name = str(names[plan.name])
        service = ServiceBaseline(plan.name, plan.kind)
        ecs_dims = [
            {"Name": "ClusterName", "Value": cluster},
            {"Name": "ServiceName", "Value": ecs_name},
        ]
        for key, metric, stat in (
            ("cpu_avg", "CPUUtilization", "Average"),
            ("cpu_max", "CPUUtilization", "Maximum"),
            ("memory_avg", "MemoryUtilization", "Average"),
            ("memory_max", "MemoryUtilization", "Maximum"),
        ):
            queries.append((f"{plan.name}:{key}", _stat("AWS/ECS", metric, ecs_dims, stat, period)))
            service.values[key] = None
        balanced = described.get(ecs_name, {}).get("loadBalancers") or []
        arn = next((b["targetGroupArn"] for b in balanced if b.get("targetGroupArn")), None)
        # ALB latency and requests; a tcp/udp service's NLB has neither (load_balancer None).
        if plan.kind == "web" and plan.load_balancer is not None and arn in target_groups:
            alb_dims = [
                {"Name": "LoadBalancer", "Value": target_groups[arn]},
                {"Name": "TargetGroup", "Value": _suffix(arn, "targetgroup/")},
            ]
            for key, metric, stat in (
                ("p50_ms", "TargetResponseTime", "p50"),
                ("p99_ms", "TargetResponseTime", "p99"),
                ("requests", "RequestCount", "Sum"),
            ):
                spec = _stat("AWS/ApplicationELB", metric, alb_dims, stat, period)
                queries.append((f"{plan.name}:{key}", spec))
                service.values[key] = None
        services.append(service)
    return queries, services


def _target_groups(stack: StackContext, described: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Target group ARN → its load balancer's CloudWatch dimension (``app/<name>/<id>``)."""
    arns = sorted(
        {
            b["targetGroupArn"]
            for s in described.values()
            for b in s.get("loadBalancers") or []
            if b.get("targetGroupArn")
        }
    )
    if not arns:
        return {}
    answer = stack.client("elbv2").describe_target_groups(TargetGroupArns=arns)
    out = {}
    for group in answer.get("TargetGroups", []):
        balancers = group.get("LoadBalancerArns") or []
        if balancers:
            out[group["TargetGroupArn"]] = _suffix(balancers[0], "loadbalancer/")
    return out


def _suffix(arn: str, marker: str) -> str:
    """The part of an ELB ARN CloudWatch uses as the dimension value."""
    if marker not in arn:
        raise OperateError(f"{arn}: not an Elastic Load Balancing ARN with {marker!r}")
    return (
        arn.split(marker, 1)[1] if marker == "loadbalancer/" else marker + arn.split(marker, 1)[1]
    )


def _stat(
    namespace: str, metric: str, dims: list[dict[str, str]], stat: str, period: int
) -> dict[str, Any]:
    return {
        "MetricStat": {
            "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dims},
            "Period": period,
            "Stat": stat,
        },
        "ReturnData": True,
    }


def _get_metric_data(
    cloudwatch: Any,
    queries: list[tuple[str, dict[str, Any]]],
    start: datetime,
    end: datetime,
) -> dict[str, float | None]:
    """Label → the window's one value, or None when CloudWatch has no datapoint."""
    ids = {f"m{i}": label for i, (label, _) in enumerate(queries)}
    found: dict[str, float | None] = dict.fromkeys(ids.values())
    for first in range(0, len(queries), GET_METRIC_DATA_MAX):
        batch = [
            {"Id": f"m{first + i}", **spec}
            for i, (_, spec) in enumerate(queries[first : first + GET_METRIC_DATA_MAX])
        ]
        token: str | None = None
        while True:
            extra = {"NextToken": token} if token else {}
            page = cloudwatch.get_metric_data(
                MetricDataQueries=batch, StartTime=start, EndTime=end, **extra
            )
            for result in page.get("MetricDataResults", []):
                label = ids.get(result.get("Id", ""))
                values = result.get("Values") or []
                if label is not None and values:
                    found[label] = float(values[0])
            token = page.get("NextToken")
            if not token:
                break
    return found


def _show(value: float | None, unit: str = "") -> str:
    if value is None:
        return "no data"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    return text + unit


def render(baseline: Baseline, app: str) -> str:
    days = baseline.window / timedelta(days=1)
    window = f"{days:g} days" if days >= 1 else f"{baseline.window.total_seconds() / 3600:g} h"
    lines = [
        f"# {app} ({baseline.env}): measured baseline",
        "",
        f"Measured by `shipspec status --env {baseline.env} --baseline` from CloudWatch "
        f"(GetMetricData) over {window}: {baseline.start.isoformat()} to "
        f"{baseline.end.isoformat()}. `shipspec generate` never changes this file; the "
        "assumptions it is compared with are in `baseline.md`.",
        "",
        "| Service | Kind | p50 latency | p99 latency | Requests | CPU avg / max | "
        "Memory avg / max |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in baseline.services:
        v = s.values
        web = s.kind == "web" and "p99_ms" in v
        lines.append(
            f"| {s.name} | {s.kind} | "
            f"{_show(v.get('p50_ms'), ' ms') if web else '—'} | "
            f"{_show(v.get('p99_ms'), ' ms') if web else '—'} | "
            f"{_show(v.get('requests')) if web else '—'} | "
            f"{_show(v.get('cpu_avg'), '%')} / {_show(v.get('cpu_max'), '%')} | "
            f"{_show(v.get('memory_avg'), '%')} / {_show(v.get('memory_max'), '%')} |"
        )
    return "\n".join(lines) + "\n"


def write_baseline(out_dir: Path, baseline: Baseline, app: str) -> Path:
    path = Path(out_dir) / measured_path(baseline.env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(baseline, app), encoding="utf-8")
    return path
