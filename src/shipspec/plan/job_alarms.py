"""CloudWatch alarms and rules of a scheduled job: runs that fail, hang, or never happen.

Companion of :mod:`.alarms`, which owns the collector (:class:`~.alarms.Alarms`). A job
runs on EventBridge Scheduler as an ECS task. Four things can go wrong, each a ticket by
default (the next run is hours away), the first three a page where alarms page (production) when the
spec says ``on_failure: page``: a job with a deadline (a settlement file due at a bank's
cut-off) that fails, hangs, is dropped or never starts misses it all the same:

- the scheduler cannot start the task (``InvocationDroppedCount``, after its retries);
- a run exits non-zero or cannot start (an EventBridge rule on ECS task state changes);
- a run hangs: ECS has no task timeout, so a task still running after ``LONG_RUN_SECONDS``
  (at most the gap between two runs) is found by Container Insights' ``CpuReserved`` of
  the job's task definition family, reported every minute while any of its tasks runs
  (``CONTAINER_INSIGHTS_SOURCE``);
- the schedule stops firing (disabled, deleted, its group gone): no
  ``InvocationAttemptCount`` in twice the longest gap between runs. The scheduler reports
  no datapoint without an attempt, so missing data is breaching; a new stack's alarm is
  therefore in ALARM until the job's first run. Always a ticket: it can tell only after
  twice the gap, too late for a deadline, and a page would ring on every new stack.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from .model import ServicePlan
from .monitoring import RUNBOOK, AlarmMetric, JobFailurePlan
from .physical_names import rule_name

if TYPE_CHECKING:
    from .alarms import Alarms

# A run longer than this is hung (the spec has no job timeout; ECS none either), or
# shorter: the gap between two runs, since a longer run overlaps the next one.
LONG_RUN_SECONDS = 3600
CONTAINER_INSIGHTS_SOURCE = (
    "CloudWatch User Guide, Amazon ECS Container Insights metrics: CpuReserved by "
    "TaskDefinitionFamily, ClusterName"
)
# CloudWatch: period × evaluation periods at most 1 day below an hour's period, 7 days above.
MAX_LOOKBACK_SECONDS = 7 * 86400
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_PLAIN = re.compile(r"^[0-9]+$")
_STEP = re.compile(r"^(?:\*|[0-9]+)/([0-9]+)$")


def longest_gap_seconds(schedule: str) -> int | None:
    """The longest time between two runs of an EventBridge schedule expression, or None
    when it is longer than a week or cannot be told (``at()``, specific days of the month
    or week, a month or year list). Irregular hours (``8,17``, ``9-17``) count as a day:
    the alarm then waits longer rather than ringing between two legitimate runs."""
    rate = re.match(r"^rate\(([0-9]+) (minute|hour|day)s?\)$", schedule)
    if rate:
        gap = int(rate.group(1)) * _UNITS[rate.group(2)]
        return gap if gap <= MAX_LOOKBACK_SECONDS // 2 else None
    cron = re.match(r"^cron\((.*)\)$", schedule)
    if not cron:
        return None
    minutes, hours, day_of_month, month, day_of_week, year = cron.group(1).split()
    if day_of_month not in ("*", "?") or day_of_week not in ("*", "?") or month != "*":
        return None
    if year != "*":
        return None
    if hours != "*":  # one hour a day, or irregular hours: a day at most
        return 86400
    if _PLAIN.match(minutes):
        return 3600
    step = _STEP.match(minutes)
    if step:
        return int(step.group(1)) * 60
    return 60 if minutes == "*" else 3600


def _m(id: str, namespace: str, metric: str, stat: str, **dimensions: str) -> AlarmMetric:
    return AlarmMetric(
        id=id, namespace=namespace, metric_name=metric, statistic=stat, dimensions=dimensions
    )


def _period(window: int) -> int:
    """A period that tiles ``window`` within CloudWatch's limits."""
    return 60 if window <= 600 else 300 if window <= 86400 else 3600


def _routing(s: ServicePlan) -> tuple[bool, str]:
    """Whether the spec asks the job's alarms to page, and the end of their reasons.
    :meth:`~.alarms.Alarms.add` pages only where the environment's alarms page, and says so."""
    if s.on_failure == "page":
        return True, (
            "the spec marks the job `on_failure: page` (a run that does not finish misses "
            "its deadline), so it pages"
        )
    return False, "the next run is hours away (the spec's `on_failure` is `ticket`), so a ticket"


def job_alarms(self: Alarms, s: ServicePlan) -> None:
    page, why = _routing(s)
    # Jobs run on EventBridge Scheduler, which publishes AWS/Scheduler metrics per schedule
    # group (each job has its own); AWS/Events metrics exist only for EventBridge rules.
    self.add(
        f"job:{s.name}",
        "failed-invocations",
        f"{s.name}: the schedule failed to start it",
        [
            _m(
                "dropped",
                "AWS/Scheduler",
                "InvocationDroppedCount",
                "Sum",
                ScheduleGroup=f"job:{s.name}.schedule_group",
            )
        ],
        threshold=0,
        period=300,
        evaluations=1,
        missing="notBreaching",
        page=page,
        reason="EventBridge Scheduler gave up starting the task after its retries (capacity, "
        f"IAM, networking); {why}. A task that starts and exits non-zero is caught by the "
        "job's failed-runs rule",
    )
    # EventBridge allows 64 characters: a long app, environment and job name is cut to a
    # hash, under the rule prefix the alert topics' policies allow (rule/<rule prefix>-*).
    name = rule_name(self.app, self.env.name, f"{s.name}-failed-runs")
    pages = page and self.env.alarms_page
    reason = (
        "a run stopped with a non-zero exit code or failed to start (ECS Task State Change "
        f"events of the job's task definition family); {why}"
        + ("; non-production: notifies, never pages" if page and not pages else "")
    )
    self.log.decide(
        f"alarms.{self.env.name}.{name}",
        "page" if pages else "ticket",
        reason,
        pages=pages,
        on_failure=s.on_failure,
    )
    running_sidecars(self, s, name)
    self.job_failures.append(
        JobFailurePlan(
            name=name,
            job=s.name,
            description=f"{s.name}: a run failed (non-zero exit code, or it could not start)",
            pages=pages,
            runbook=f"{RUNBOOK}#alarm-failed-runs",
            reason=reason,
        )
    )
    hung_and_missed_runs(self, s, page, why)


def running_sidecars(self: Alarms, s: ServicePlan, rule: str) -> None:
    """A warning for a job's spec sidecars that may still run when the job exits.

    The failed-runs rule matches any container's non-zero exit code (EventBridge cannot tie
    the container's name to its exit code), so the job's task runs no metrics collector
    (``prometheus.no_collector``). A spec sidecar the job does not wait for to finish
    (``depends_on`` COMPLETE or SUCCESS) is stopped with the task when the job exits 0:
    it can exit 143 (SIGTERM) or 137, and a good run reads as failed.
    """
    waited = {n for n, c in s.container.depends_on.items() if c in ("COMPLETE", "SUCCESS")}
    running = sorted(c.name for c in s.container.sidecars if c.name not in waited)
    if not running:
        return
    self.log.decide(
        f"alarms.{self.env.name}.{rule}.sidecars",
        running,
        f"{s.name}'s sidecars {', '.join(running)} may still run when the job exits: ECS then "
        "stops them (they can exit 143, or 137 after the stop timeout) and the job's failed-runs "
        "rule, which matches any container's non-zero exit code, reports a successful run as "
        "failed; make each an init step the job waits for (`depends_on: {<sidecar>: "
        "SUCCESS}`), or have it exit 0 on SIGTERM",
        warning=True,
    )


def hung_and_missed_runs(self: Alarms, s: ServicePlan, page: bool, why: str) -> None:
    assert s.schedule is not None
    gap = longest_gap_seconds(s.schedule)
    longest = min(LONG_RUN_SECONDS, gap) if gap else LONG_RUN_SECONDS
    period = _period(longest)
    runs = math.ceil(longest / period)
    self.add(
        f"job:{s.name}",
        "long-run",
        f"{s.name}: a run has been going for over {longest // 60} minutes",
        [
            _m(
                "running",
                "ECS/ContainerInsights",
                "CpuReserved",
                "Maximum",
                ClusterName="cluster.name",
                TaskDefinitionFamily=f"job:{s.name}.family",
            )
        ],
        threshold=0,
        period=period,
        evaluations=runs,
        missing="notBreaching",
        page=page,
        reason=f"a task of the job ran through {runs} periods of {period // 60} minutes "
        f"({longest // 60} minutes: {LONG_RUN_SECONDS // 60} at most, or the gap between runs "
        "if shorter, since a longer run overlaps the next): ECS has no task timeout, so a "
        "hung run would hold its resources and locks forever. Container Insights reports "
        f"CpuReserved while a task runs ({CONTAINER_INSIGHTS_SOURCE}); {why}",
    )
    key = f"alarms.{self.env.name}.{self.app}-{self.env.name}-{s.name}-missed-runs"
    if gap is None:
        self.log.decide(
            key,
            None,
            f"no missed-runs alarm: {s.schedule} runs less often than every 3.5 days, or "
            "irregularly; CloudWatch looks back at most 7 days, twice the gap would not fit",
        )
        return
    window = 2 * gap
    period = _period(window)
    self.add(
        f"job:{s.name}",
        "missed-runs",
        f"{s.name}: the schedule has not tried to run it in {_duration(window)}",
        [
            _m(
                "attempts",
                "AWS/Scheduler",
                "InvocationAttemptCount",
                "Sum",
                ScheduleGroup=f"job:{s.name}.schedule_group",
            )
        ],
        threshold=1,
        comparison="LessThanThreshold",
        period=period,
        evaluations=math.ceil(window / period),
        missing="breaching",
        reason=f"{s.schedule} runs at least every {_duration(gap)}; no invocation attempt in "
        f"twice that ({_duration(window)}) means the schedule was disabled, deleted or stopped "
        "firing. The scheduler reports nothing without an attempt, so missing data is "
        "breaching: a new stack's alarm fires once before the first run is due, and returns "
        "to OK at that run (the handoff and the runbook say so); "
        + (
            "a ticket, also for a job marked `on_failure: page`: it can tell only after twice "
            "the gap, long after a deadline a page could save, and would page every new stack"
            if page
            else why
        ),
    )


def _duration(seconds: int) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} seconds"
