"""The failed-runs rule of a scheduled job: EventBridge on the job's ECS task state changes.

CloudWatch has no metric for a task that ran and exited non-zero (EventBridge Scheduler
counts only invocations it could not make), so ECS's own events are the signal: a "ECS
Task State Change" event with ``lastStatus`` STOPPED, from this cluster and this job's task
definition family (any revision), where a container's ``exitCode`` is anything but 0 or
the task could not start (``stopCode`` TaskFailedToStart, which has no exit code). The
topic's policy lets this stack's rules publish. EventBridge matches each field of an array of
objects on its own, so the pattern cannot ask for "the job's container with a non-zero exit
code": the job's task therefore runs no metrics collector (``ScheduledJob``), which, stopped
with the task when the job exits 0, can exit 143 or 137 and match.

What reaches the topic is not the raw ECS event, which PagerDuty's Amazon CloudWatch
integration and AWS Chatbot cannot read, but the message a CloudWatch alarm publishes
(the shape ``_static_site_alerts`` rebuilds for the us-east-1 alarms), made by an input
transformer: ``AlarmName`` the rule's plan name, ``NewStateValue`` ALARM (OK never comes:
a failed run is an event, not a state, so a PagerDuty incident it opens is resolved by
hand; the next failure joins it while it is open), ``NewStateReason`` the task and ECS's
``stoppedReason``, ``StateChangeTime`` the event's time, ``Region`` the region's display
name and ``AlarmDescription`` the plan's description with its runbook link.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from ._names import rule_name
from ._references import References


def failed_run_pattern(cluster_arn: str, family_arn: str) -> dict[str, Any]:
    """The event pattern: EventBridge matches an array field (``containers``) when any
    element matches, and ``$or`` when any branch does."""
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [cluster_arn],
            "lastStatus": ["STOPPED"],
            # task-definition/<family>:<revision>; the prefix stops "nightly" matching "nightly2"
            "taskDefinitionArn": [{"prefix": f"{family_arn}:"}],
            "$or": [
                {"containers": {"exitCode": [{"anything-but": 0}]}},
                {"stopCode": ["TaskFailedToStart"]},
            ],
        },
    }


# Template variable -> where the "ECS Task State Change" event holds it (present in every
# STOPPED task's event).
FAILED_RUN_PATHS = {
    "account": "$.account",
    "task": "$.detail.taskArn",
    "reason": "$.detail.stoppedReason",
    "changed": "$.time",
}


def _literal(text: str) -> str:
    """``text`` as a JSON string in an input template: ``<`` and ``>`` escaped, so that no
    part of it reads as a template variable."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e")


def failed_run_message(name: str, description: str, region_name: str) -> str:
    """The input template: a CloudWatch alarm message (``AlarmName``, ``NewStateValue``...)
    whose variables are all inside JSON strings (EventBridge escapes their values)."""
    return (
        "{"
        f'"AlarmName": {_literal(name)}, '
        f'"AlarmDescription": {_literal(description)}, '
        '"AWSAccountId": "<account>", '
        '"NewStateValue": "ALARM", '
        '"NewStateReason": "Task <task> stopped: <reason>", '
        '"StateChangeTime": "<changed>", '
        f'"Region": {_literal(region_name)}, '
        '"OldStateValue": "OK"'
        "}"
    )


def job_failure_rule(
    owner: pulumi.Resource,
    name: str,
    spec: Mapping[str, Any],
    cluster_arn: pulumi.Input[str],
    refs: References,
    topic: aws.sns.Topic,
) -> aws.cloudwatch.EventRule:
    """The failed-runs rule of ``spec['job']`` and its target, the topic.

    The rule's physical name is ``rule_name("<job>-failed-runs")``: ``<project>-<stack>-<job>-
    failed-runs`` cut to EventBridge's 64 characters with a hash, under the rule prefix the
    topic's policy allows to publish (``rule/<rule_prefix()>-*``); the plan computes the
    same name for the runbook.
    """
    child = pulumi.ResourceOptions(parent=owner)
    (family,) = refs.resolve(f"job:{spec['job']}.task_family")
    pattern = pulumi.Output.all(cluster_arn, family).apply(
        lambda values: failed_run_pattern(values[0], values[1])
    )
    rule = aws.cloudwatch.EventRule(
        f"{spec['job']}-failed-runs",
        name=rule_name(f"{spec['job']}-failed-runs"),
        description=spec["description"],  # the plan fits it to EventBridge's 512 characters
        event_pattern=pulumi.Output.json_dumps(pattern),
        opts=child,
    )
    # CloudWatch's alarm message names the region by its display name ("Europe (Ireland)").
    region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=owner)).description
    aws.cloudwatch.EventTarget(
        f"{spec['job']}-failed-runs-target",
        rule=rule.name,
        arn=topic.arn,
        # The topic's subscribers (PagerDuty, Chatbot, email) read CloudWatch's alarm message.
        input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
            input_paths=FAILED_RUN_PATHS,
            input_template=region.apply(
                lambda display: failed_run_message(name, spec["description"], display)
            ),
        ),
        opts=child,
    )
    return rule
