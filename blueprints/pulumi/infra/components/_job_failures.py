"""The failed-runs rule of a scheduled job: EventBridge on the job's ECS task state changes.

CloudWatch has no metric for a task that ran and exited non-zero (EventBridge Scheduler
counts only invocations it could not make), so ECS's own events are the signal: a "ECS
Task State Change" event with ``lastStatus`` STOPPED, from this cluster and this job's task
definition family (any revision), where a container's ``exitCode`` is anything but 0 or
the task could not start (``stopCode`` TaskFailedToStart, which has no exit code). The
event goes to the alert topic as it is; the topic's policy lets this stack's rules publish.
"""

from __future__ import annotations

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


def job_failure_rule(
    owner: pulumi.Resource,
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
    aws.cloudwatch.EventTarget(
        f"{spec['job']}-failed-runs-target", rule=rule.name, arn=topic.arn, opts=child
    )
    return rule
