"""What each alarm of the plan is in CloudWatch, and the names to look it up by.

A rollback alarm of the plan (``AlarmPlan.rollback``) is two alarms in AWS: the web
service's own metric alarm, which ECS rolls back on and which notifies nobody, named
``<plan name>-rollback`` by the generated program (``components/_deployment.py``); and a
composite alarm under the plan's name over it, which notifies. Every other ``AlarmPlan`` is
one metric alarm; a ``CompositeAlarmPlan`` is one composite alarm. ``describe-alarms``
returns composite alarms only when asked with ``--alarm-types CompositeAlarm`` (botocore's
cloudwatch model, DescribeAlarms ``AlarmTypes``: "If you omit this parameter, only metric
alarms are returned"), so a runbook must know which kind each name is.
"""

from __future__ import annotations

from typing import Literal

from .monitoring import AlarmPlan, CompositeAlarmPlan

ROLLBACK_SUFFIX = "-rollback"  # the same suffix as components/_deployment.py's

AlarmType = Literal["MetricAlarm", "CompositeAlarm"]


def rollback_member(alarm: AlarmPlan) -> str:
    """The metric alarm under a rollback alarm's composite (ECS rolls back on this one)."""
    return f"{alarm.name}{ROLLBACK_SUFFIX}"


def alarm_type(alarm: AlarmPlan | CompositeAlarmPlan) -> AlarmType:
    """What ``describe-alarms`` must be asked for to find the alarm under its plan name."""
    if isinstance(alarm, CompositeAlarmPlan) or alarm.rollback:
        return "CompositeAlarm"
    return "MetricAlarm"


def aws_alarms(alarm: AlarmPlan | CompositeAlarmPlan) -> list[tuple[str, AlarmType]]:
    """Every alarm in AWS that the plan's alarm is, with its type: the rollback alarm's
    composite and its member, or the one alarm."""
    found: list[tuple[str, AlarmType]] = [(alarm.name, alarm_type(alarm))]
    if isinstance(alarm, AlarmPlan) and alarm.rollback:
        found.append((rollback_member(alarm), "MetricAlarm"))
    return found


# The state, the reason and when it changed, one row per alarm.
_COLUMNS = "[AlarmName,StateValue,StateUpdatedTimestamp,StateReason]"


def lookups(names: dict[str, AlarmType], region: str | None = None) -> list[str]:
    """``describe-alarms`` commands that find the named alarms: one for the metric alarms,
    one with ``--alarm-types CompositeAlarm`` for the composites (AWS returns composites
    only when asked for them), at most 100 names each (the API's limit). ``region``: the
    alarms live outside the stack's region (a static site's, in us-east-1)."""
    where = f" --region {region}" if region else ""
    commands = []
    for kind, flag, key in (
        ("MetricAlarm", "", "MetricAlarms"),
        ("CompositeAlarm", " --alarm-types CompositeAlarm", "CompositeAlarms"),
    ):
        wanted = [name for name, found in names.items() if found == kind]
        for start in range(0, len(wanted), 100):
            batch = " ".join(wanted[start : start + 100])
            commands.append(
                f"aws cloudwatch describe-alarms{where}{flag} --alarm-names {batch} "
                f"--query '{key}[].{_COLUMNS}' --output table"
            )
    return commands
