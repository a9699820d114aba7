"""CloudWatch alarms of an ECS service's tasks: CPU, memory, missing tasks, and when it is down.

Companion of :mod:`.alarms`, which owns the collector (:class:`~.alarms.Alarms`) and the
paging principle. A public web service (or one behind its own Network Load Balancer) is
down when no target is healthy or half its tasks or more stay missing (a composite that
pages); any task missing is a ticket (reduced capacity, not an outage); any other
long-running service whose ``scaling.min`` is at least 1 pages when none of its tasks runs;
a queue consumer that scales to zero does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import ServicePlan
from .monitoring import RUNBOOK, AlarmMetric, CompositeAlarmPlan

if TYPE_CHECKING:
    from .alarms import Alarms

# ECS CPU held this far above the autoscaling target means scaling is at max_count.
CPU_ABOVE_TARGET = 30
MEMORY_PERCENT = 90  # memory does not autoscale; a task is killed at 100%
# What makes the service-down composite (either one): the members' check names.
DOWN_SIGNALS = ("no-healthy-hosts", "tasks-missing-share")
# The share of the desired tasks not running, in percent, from which the service is down:
# one task of 30 that cannot start (a placement, an ENI shortage, a zone without capacity)
# leaves 29 serving, a ticket; half of them gone is an outage in the making.
MISSING_SHARE_PERCENT = 50
# How long tasks stay missing before either alarm fires: deployments and scale-outs start
# their tasks within minutes, so a shorter window would ring on every deploy.
MISSING_MINUTES = 10
# A long-running service with scaling.min >= 1 and no task running this long pages.
NO_TASKS_MINUTES = 5
NO_TASK_METRICS_SOURCE = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/available-metrics.html: "
    "if a service has no tasks in the RUNNING state, no metrics are reported for it in that "
    "period"
)


def _m(id: str, namespace: str, metric: str, stat: str, **dimensions: str) -> AlarmMetric:
    return AlarmMetric(
        id=id, namespace=namespace, metric_name=metric, statistic=stat, dimensions=dimensions
    )


def ecs_alarms(self: Alarms, s: ServicePlan) -> None:
    dims = {"ClusterName": "cluster.name", "ServiceName": f"service:{s.name}.name"}
    target = f"service:{s.name}"
    cpu = min(95, s.cpu_target + CPU_ABOVE_TARGET)
    self.add(
        target,
        "cpu",
        f"{s.name}: CPU above {cpu}% for 15 minutes",
        [_m("cpu", "AWS/ECS", "CPUUtilization", "Average", **dims)],
        threshold=cpu,
        period=300,
        evaluations=3,
        reason=cpu_reason(s, cpu),
    )
    self.add(
        target,
        "memory",
        f"{s.name}: memory above {MEMORY_PERCENT}% for 15 minutes",
        [_m("memory", "AWS/ECS", "MemoryUtilization", "Average", **dims)],
        threshold=MEMORY_PERCENT,
        period=300,
        evaluations=3,
        reason="memory does not autoscale and a task is killed at 100%: raise `memory` "
        "or find the leak before it is",
    )
    insights = "ECS/ContainerInsights"
    down = self.down_name(s)
    tasks = [
        _m("running", insights, "RunningTaskCount", "Average", **dims),
        _m("desired", insights, "DesiredTaskCount", "Average", **dims),
    ]
    self.add(
        target,
        "running-tasks",
        f"{s.name}: fewer tasks running than desired",
        tasks,
        expression="desired - FILL(running, 0)",
        threshold=0,
        period=60,
        evaluations=MISSING_MINUTES,
        reason=f"tasks missing for {MISSING_MINUTES} minutes: failing to start, crash-looping "
        "or not placed (needs Container Insights on the cluster); deployments start "
        "replacements within minutes, so a shorter window would ring on every deploy; a "
        "ticket, never a page: the service runs with reduced capacity, and "
        + (
            f"the service-down composite pages when {MISSING_SHARE_PERCENT}% or more are "
            "missing or no target is healthy"
            if down is not None
            else (
                f"its no-tasks alarm pages when none runs for {NO_TASKS_MINUTES} minutes"
                if s.min_count >= 1
                else "its scaling.min is 0, so no task running is no page"
            )
        ),
    )
    if down is not None:
        missing_share_alarm(self, s, tasks)
        down_composite(self, s, down)
    elif s.min_count >= 1:
        no_tasks_alarm(self, s, dims)


def cpu_reason(s: ServicePlan, threshold: int) -> str:
    """Why the CPU alarm is set where it is: what holds CPU down depends on what scales."""
    if s.queue_scaling is not None:
        q = s.queue_scaling
        return (
            f"scaling follows the backlog of queue {q.queue} ({q.messages_per_task} messages "
            f"per task), not CPU: more messages bring more tasks (up to max_count, "
            f"{s.max_count}), never more CPU per task; {threshold}% for 15 minutes means each "
            "task is saturated by its own messages: a hot loop, heavier messages or too small "
            "a `cpu`"
        )
    return (
        f"autoscaling holds CPU near {s.cpu_target}%; {CPU_ABOVE_TARGET} points above it for "
        f"15 minutes means the service is at max_count ({s.max_count}) or cannot scale"
    )


def missing_share_alarm(self: Alarms, s: ServicePlan, tasks: list[AlarmMetric]) -> None:
    """The share of the desired tasks not running, a member of the service-down composite:
    half or more missing for ``MISSING_MINUTES`` is an outage, one task of many a ticket
    (``running-tasks``). ``IF`` guards a desired count of 0 (a service scaled to zero by
    hand), whose share would divide by zero; a missing RunningTaskCount counts as 0, as in
    ``running-tasks``."""
    self.add(
        f"service:{s.name}",
        "tasks-missing-share",
        f"{s.name}: {MISSING_SHARE_PERCENT}% or more of the desired tasks not running",
        tasks,
        expression="IF(desired > 0, 100 * (desired - FILL(running, 0)) / desired, 0)",
        threshold=MISSING_SHARE_PERCENT,
        comparison="GreaterThanOrEqualToThreshold",
        period=60,
        evaluations=MISSING_MINUTES,
        page=True,
        notify=False,
        reason=f"{MISSING_SHARE_PERCENT}% or more of the desired tasks missing for "
        f"{MISSING_MINUTES} minutes (the running-tasks window): the rest carry twice their "
        "load or more, or a crash loop keeps a task or two starting; pages through the "
        "service-down composite. One task of many missing (a placement failure, an ENI "
        "shortage, a zone without capacity) is running-tasks' ticket, not a page; with 1 or "
        "2 desired tasks one missing task is already half, so it pages: no redundancy is "
        "left",
    )


def no_tasks_alarm(self: Alarms, s: ServicePlan, dims: dict[str, str]) -> None:
    """A service no load balancer watches for users (a worker, an internal or network
    service) is down when none of its tasks runs: page, where its minimum says one must.

    ECS reports no service metrics for a period in which the service has no RUNNING task
    (``NO_TASK_METRICS_SOURCE``), so a missing datapoint is counted as breaching.
    """
    why = (
        f"called by {', '.join(s.callers)}, whose requests now fail"
        if s.callers
        else (
            f"its queue ({s.queue_scaling.queue}) is not consumed"
            if s.queue_scaling
            else "its work has stopped"
        )
    )
    self.add(
        f"service:{s.name}",
        "no-tasks",
        f"{s.name}: no task running",
        [_m("running", "ECS/ContainerInsights", "RunningTaskCount", "Maximum", **dims)],
        threshold=1,
        comparison="LessThanThreshold",
        period=60,
        evaluations=NO_TASKS_MINUTES,
        missing="breaching",
        page=True,
        reason=f"scaling.min is {s.min_count}, yet no task has run for {NO_TASKS_MINUTES} "
        f"minutes: {why}. No metric arrives while no task runs ({NO_TASK_METRICS_SOURCE}), "
        "so missing data counts as breaching; a replacement task (a Spot interruption, a "
        f"deployment) runs within {NO_TASKS_MINUTES} minutes, so this window does not ring "
        "on those",
    )


def down_composite(self: Alarms, s: ServicePlan, name: str) -> None:
    members = [f"{self.app}-{self.env.name}-{s.name}-{c}" for c in DOWN_SIGNALS]
    pages = self.env.alarms_page
    # The web alarms come first: a paging 5xx-ratio (no availability SLO's burn rate pages
    # for the service) already names this composite as its suppressor.
    paging_5xx = any(a.suppressed_by == name for a in self.alarms)
    muted = (
        "its paging 5xx-ratio (and any burn-rate page) of the same outage"
        if paging_5xx
        else "its burn-rate pages of the same outage (its 5xx alarms, where it has them, "
        "are tickets: nothing mutes them)"
    )
    reason = (
        "a service behind its load balancer (public, or a TCP/UDP service others connect "
        f"to) is down when no target is healthy or {MISSING_SHARE_PERCENT}% or more of its "
        f"tasks stay missing for {MISSING_MINUTES} minutes: either pages once, and mutes "
        f"{muted}; one task of many missing is running-tasks' ticket"
    )
    if not pages:
        reason += "; non-production: notifies, never pages"
    self.log.decide(
        f"alarms.{self.env.name}.{name}", " OR ".join(DOWN_SIGNALS), reason, pages=pages
    )
    self.composites.append(
        CompositeAlarmPlan(
            name=name,
            target=f"service:{s.name}",
            check="down",
            description=f"{s.name}: down (no healthy target, or half the tasks missing)",
            members=members,
            rule=" OR ".join(f'ALARM("{m}")' for m in members),
            pages=pages,
            runbook=f"{RUNBOOK}#alarm-down",
            reason=reason,
        )
    )
