"""Scaling a queue consumer on its backlog per task, and waking it from zero tasks.

Target tracking holds ``(visible + in flight) / running`` at ``messages_per_task``: AWS/SQS
``ApproximateNumberOfMessagesVisible`` (waiting) plus ``ApproximateNumberOfMessagesNotVisible``
(received by a task and not yet deleted) of the queue, over ``RunningTaskCount`` from ECS
Container Insights (``ECS/ContainerInsights``; the cluster enables Container Insights),
after the Application Auto Scaling guide's "Example: Amazon SQS queue backlog per task".
Counting the messages in flight matters once the queue drains: on ``visible`` alone the
backlog reads 0 while tasks are mid-message (a 15-minute job), and target tracking scales
in, stopping them; their messages come back after the visibility timeout and, after
enough of those, land in the dead-letter queue. With the in-flight ones, the count
scales in only as the work finishes (the plan also gives these tasks the longest stop
timeout Fargate allows, 120 s, to return a message they cannot finish).

With no task running, that division has no value and target tracking takes no action,
so it can never scale out from zero. A service whose minimum is zero therefore also gets
a wake alarm on ``IF(FILL(desired, 0) == 0, visible, 0) >= 1`` (``DesiredTaskCount``,
also Container Insights) and a step-scaling policy that adds one task when it fires;
from there target tracking owns the count, and scales back in to zero once the queue
is empty and nothing is in flight. (A message in flight with no task wanted is one whose
task was stopped: it turns visible after its visibility timeout, and wakes the service.)
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

_AS = aws.appautoscaling
_TT = _AS.PolicyTargetTrackingScalingPolicyConfigurationArgs
# The customized metric's nested argument classes, by their names' distinct tails.
_SPEC = "PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecification"
_CUSTOM = getattr(_AS, f"{_SPEC}Args")
_QUERY = getattr(_AS, f"{_SPEC}MetricArgs")
_STAT = getattr(_AS, f"{_SPEC}MetricMetricStatArgs")
_METRIC = getattr(_AS, f"{_SPEC}MetricMetricStatMetricArgs")
_DIMENSION = getattr(_AS, f"{_SPEC}MetricMetricStatMetricDimensionArgs")

INSIGHTS = "ECS/ContainerInsights"


@dataclass(frozen=True)
class QueueScaling:
    """What a worker scales on: the queue's name and the backlog each task may have."""

    queue_name: pulumi.Input[str]
    messages_per_task: int


def backlog_scaling(
    owner: pulumi.Resource,
    name: str,
    *,
    target: aws.appautoscaling.Target,
    cluster_name: pulumi.Input[str],
    service_name: pulumi.Input[str],
    queue_name: pulumi.Input[str],
    messages_per_task: int,
    wake_from_zero: bool,
) -> None:
    """The backlog-per-task policy, and with ``wake_from_zero`` the wake alarm and policy."""
    child = pulumi.ResourceOptions(parent=owner)
    service = [
        _DIMENSION(name="ClusterName", value=cluster_name),
        _DIMENSION(name="ServiceName", value=service_name),
    ]
    aws.appautoscaling.Policy(
        f"{name}-backlog",
        policy_type="TargetTrackingScaling",
        service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension,
        resource_id=target.resource_id,
        target_tracking_scaling_policy_configuration=_TT(
            target_value=float(messages_per_task),
            customized_metric_specification=_CUSTOM(
                metrics=[
                    _QUERY(
                        id="visible",
                        label="Messages waiting",
                        return_data=False,
                        metric_stat=_STAT(
                            stat="Sum",
                            metric=_METRIC(
                                namespace="AWS/SQS",
                                metric_name="ApproximateNumberOfMessagesVisible",
                                dimensions=[_DIMENSION(name="QueueName", value=queue_name)],
                            ),
                        ),
                    ),
                    _QUERY(
                        id="inflight",
                        label="Messages being processed",
                        return_data=False,
                        metric_stat=_STAT(
                            stat="Sum",
                            metric=_METRIC(
                                namespace="AWS/SQS",
                                metric_name="ApproximateNumberOfMessagesNotVisible",
                                dimensions=[_DIMENSION(name="QueueName", value=queue_name)],
                            ),
                        ),
                    ),
                    _QUERY(
                        id="running",
                        label="Running tasks",
                        return_data=False,
                        metric_stat=_STAT(
                            stat="Average",
                            metric=_METRIC(
                                namespace=INSIGHTS,
                                metric_name="RunningTaskCount",
                                dimensions=service,
                            ),
                        ),
                    ),
                    _QUERY(
                        id="backlog",
                        label="Messages waiting or in flight per running task",
                        expression="(visible + inflight) / running",
                        return_data=True,
                    ),
                ]
            ),
            scale_out_cooldown=60,  # a growing backlog gets tasks quickly
            scale_in_cooldown=300,  # and loses them slowly
        ),
        opts=child,
    )
    if not wake_from_zero:
        return
    wake = aws.appautoscaling.Policy(
        f"{name}-wake",
        policy_type="StepScaling",
        service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension,
        resource_id=target.resource_id,
        step_scaling_policy_configuration=aws.appautoscaling.PolicyStepScalingPolicyConfigurationArgs(
            adjustment_type="ChangeInCapacity",
            # Long enough for the first task to start and Container Insights to count it,
            # so a still-firing alarm does not add a second.
            cooldown=180,
            metric_aggregation_type="Maximum",
            step_adjustments=[
                aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs(
                    metric_interval_lower_bound="0", scaling_adjustment=1
                )
            ],
        ),
        opts=child,
    )
    alarm_dimensions = {"ClusterName": cluster_name, "ServiceName": service_name}
    aws.cloudwatch.MetricAlarm(
        f"{name}-wake",
        alarm_description=pulumi.Output.concat(
            "Messages wait in ",
            queue_name,
            " and no task is wanted: start one (target tracking cannot scale from zero).",
        ),
        comparison_operator="GreaterThanOrEqualToThreshold",
        threshold=1,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        treat_missing_data="notBreaching",
        metric_queries=[
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="visible",
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace="AWS/SQS",
                    metric_name="ApproximateNumberOfMessagesVisible",
                    dimensions={"QueueName": queue_name},
                    stat="Maximum",
                    period=60,
                ),
            ),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="desired",
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=INSIGHTS,
                    metric_name="DesiredTaskCount",
                    dimensions=alarm_dimensions,
                    stat="Maximum",
                    period=60,
                ),
            ),
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id="wake",
                label="Messages waiting while no task is wanted",
                # A service without tasks may report no count at all: FILL reads a
                # missing count as zero.
                expression="IF(FILL(desired, 0) == 0, visible, 0)",
                return_data=True,
            ),
        ],
        alarm_actions=[wake.arn],
        opts=child,
    )
