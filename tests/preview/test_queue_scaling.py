"""Queue consumers under mocks: backlog-per-task target tracking, and waking from zero.

The policies and alarms are read from the generated program's resources; their metric
math is evaluated with the CloudWatch model of ``cloudwatch_model`` for the case the
brief names: no task running and 100 messages waiting. Target tracking has no data then
((visible + inflight) / 0 has no value), so only the wake alarm fires; its policy starts
one task, after which target tracking sizes the service on the backlog. Once the queue
drains, the messages the tasks still process (in flight, not visible) keep their tasks:
target tracking does not scale in from under them.
"""

from __future__ import annotations

from typing import Any

import pytest

from shipspec.plan.model import QueueScalingPlan
from shipspec.plan.queue_scaling import scaling_actions
from shipspec.preview.result import Preview

from .cloudwatch_model import Scenario, _Queries, in_alarm
from .static_support import market_preview

POLICY = "aws:appautoscaling/policy:Policy"
TARGET = "aws:appautoscaling/target:Target"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Preview:
    return market_preview(tmp_path_factory, "prod")


def _of(preview: Preview, name: str, token: str) -> dict[str, Any]:
    [found] = [r for r in preview.resources if r.name == name and r.type == token]
    return found.inputs


def _policies(preview: Preview) -> set[str]:
    return {r.name for r in preview.of_type(POLICY)}


def _queue_name(preview: Preview) -> str:
    """The jobs queue's name as the Monitoring component's queue alarms read it."""
    names = {
        q["metric"]["dimensions"]["QueueName"]
        for a in preview.of_type(ALARM)
        for q in a.inputs.get("metricQueries", [])
        if "metric" in q and q["metric"]["namespace"] == "AWS/SQS"
    }
    [name] = {n for n in names if "dlq" not in n}
    return str(name)


def test_consumers_scale_on_backlog_and_web_services_on_cpu(prod: Preview) -> None:
    policies = _policies(prod)
    assert {"fulfil-backlog", "mailer-backlog", "api-cpu"} <= policies
    assert not {"fulfil-cpu", "mailer-cpu"} & policies
    # Only the service allowed to scale to zero needs waking.
    assert "fulfil-wake" in policies and "mailer-wake" not in policies
    fulfil = _of(prod, "fulfil-scaling", TARGET)
    assert (fulfil["minCapacity"], fulfil["maxCapacity"]) == (0, 8)
    service = _of(prod, "fulfil-service", "aws:ecs/service:Service")
    assert service["desiredCount"] == 0


def test_the_backlog_policy_divides_waiting_and_in_flight_messages_by_running_tasks(
    prod: Preview,
) -> None:
    policy = _of(prod, "fulfil-backlog", POLICY)
    config = policy["targetTrackingScalingPolicyConfiguration"]
    assert config["targetValue"] == 20  # scaling.messages_per_task
    metrics = {m["id"]: m for m in config["customizedMetricSpecification"]["metrics"]}
    visible = metrics["visible"]["metricStat"]["metric"]
    assert (visible["namespace"], visible["metricName"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert visible["dimensions"] == [{"name": "QueueName", "value": _queue_name(prod)}]
    inflight = metrics["inflight"]["metricStat"]
    assert (inflight["stat"], inflight["metric"]["metricName"]) == (
        "Sum",
        "ApproximateNumberOfMessagesNotVisible",
    )
    assert inflight["metric"]["dimensions"] == visible["dimensions"]
    running = metrics["running"]["metricStat"]["metric"]
    assert (running["namespace"], running["metricName"]) == (
        "ECS/ContainerInsights",
        "RunningTaskCount",
    )
    service = _of(prod, "fulfil-service", "aws:ecs/service:Service")
    assert {d["name"]: d["value"] for d in running["dimensions"]} == {
        "ClusterName": "market-prod",
        "ServiceName": service["name"],
    }
    [result] = [m for m in metrics.values() if m.get("returnData")]
    assert result["expression"] == "(visible + inflight) / running"
    assert (
        _of(prod, "mailer-backlog", POLICY)["targetTrackingScalingPolicyConfiguration"][
            "targetValue"
        ]
        == 10
    )  # the default


def test_the_wake_alarm_adds_one_task_through_its_step_policy(prod: Preview) -> None:
    alarm = _of(prod, "fulfil-wake", ALARM)
    [action] = alarm["alarmActions"]
    assert ":scalingPolicy:" in action and "policyName/fulfil-wake" in action
    step = _of(prod, "fulfil-wake", POLICY)["stepScalingPolicyConfiguration"]
    assert step["adjustmentType"] == "ChangeInCapacity"
    assert step["stepAdjustments"] == [{"metricIntervalLowerBound": "0", "scalingAdjustment": 1}]


def _backlog_value(
    policy: dict[str, Any], visible: float, running: float | None, in_flight: float = 0
) -> Any:
    """The target tracking metric's value for one minute, as CloudWatch computes it."""
    metrics = policy["targetTrackingScalingPolicyConfiguration"]["customizedMetricSpecification"][
        "metrics"
    ]
    queries = {
        m["id"]: (
            {"id": m["id"], "expression": m["expression"]}
            if "expression" in m
            else {
                "id": m["id"],
                "metric": {
                    **m["metricStat"]["metric"],
                    "stat": m["metricStat"]["stat"],
                    "period": 60,
                },
            }
        )
        for m in metrics
    }
    values = _values(visible, running=running, desired=None, in_flight=in_flight)
    scenario = Scenario(baseline=values, incident=values, duration=60)
    (result,) = [m["id"] for m in metrics if m.get("returnData")]
    return _Queries(queries, scenario, end=60, period=60)[result].v  # the whole minute


def _values(
    visible: float, *, running: float | None, desired: float | None, in_flight: float = 0
) -> Any:
    def value(metric: dict[str, Any]) -> float | None:
        return {
            "ApproximateNumberOfMessagesVisible": visible,
            "ApproximateNumberOfMessagesNotVisible": in_flight,
            "RunningTaskCount": running,
            "DesiredTaskCount": desired,
        }.get(metric["metricName"])

    return value


def test_zero_tasks_and_100_messages_wake_the_service_then_target_tracking_sizes_it(
    prod: Preview,
) -> None:
    policy = _of(prod, "fulfil-backlog", POLICY)
    alarm = _of(prod, "fulfil-wake", ALARM)
    plan = QueueScalingPlan(queue="jobs", messages_per_task=20, wake_from_zero=True)

    # 0 tasks: Container Insights reports no tasks (or none at all); 100 messages wait.
    assert _backlog_value(policy, 100, running=0) is None  # target tracking: no data
    assert _backlog_value(policy, 100, running=None) is None
    for desired in (0, None):
        waiting = Scenario(
            baseline=_values(0, running=0, desired=desired),
            incident=_values(100, running=0, desired=desired),
            duration=120,
        )
        assert in_alarm(alarm, waiting), f"desired count {desired}"
    assert scaling_actions(plan, min_count=0, max_count=8, running=0, desired=0, visible=100) == (
        "wake",
        1,
    )

    # One task wanted: the wake alarm clears and target tracking has a value to act on.
    started = Scenario(
        baseline=_values(100, running=1, desired=1),
        incident=_values(100, running=1, desired=1),
        duration=120,
    )
    assert not in_alarm(alarm, started)
    assert _backlog_value(policy, 100, running=1) == 100  # 100 per task, target 20
    assert scaling_actions(plan, min_count=0, max_count=8, running=1, desired=1, visible=100) == (
        "target-tracking",
        5,
    )
    # A backlog beyond max is capped; an empty queue scales back in to zero.
    assert (
        scaling_actions(plan, min_count=0, max_count=8, running=5, desired=5, visible=900)[1] == 8
    )
    assert scaling_actions(plan, min_count=0, max_count=8, running=5, desired=5, visible=0)[1] == 0
    # An empty queue with no task never wakes anything.
    quiet = Scenario(
        baseline=_values(0, running=0, desired=0),
        incident=_values(0, running=0, desired=0),
        duration=600,
    )
    assert not in_alarm(alarm, quiet)


def test_a_drained_queue_does_not_scale_in_tasks_that_are_mid_message(prod: Preview) -> None:
    """Five tasks each hold a 15-minute message and the queue is otherwise empty: the
    backlog per task is 1 (not 0), so target tracking keeps a task for that work instead of
    scaling to zero under it, and sheds the rest only as messages are deleted."""
    policy = _of(prod, "fulfil-backlog", POLICY)
    plan = QueueScalingPlan(queue="jobs", messages_per_task=20, wake_from_zero=True)
    assert _backlog_value(policy, 0, running=5, in_flight=5) == 1
    mid_message = {"min_count": 0, "max_count": 8, "running": 5, "desired": 5, "visible": 0}
    assert scaling_actions(plan, **mid_message, in_flight=5) == ("target-tracking", 1)
    assert scaling_actions(plan, **mid_message, in_flight=0) == ("target-tracking", 0)
    # 100 waiting and 60 in flight on 2 tasks: 80 per task, so 8 tasks (the max).
    assert _backlog_value(policy, 100, running=2, in_flight=60) == 80


def test_queue_consumers_and_spot_tasks_get_fargates_longest_stop_timeout(
    prod: Preview,
) -> None:
    """120 s between SIGTERM and SIGKILL for the queue consumers (unless the spec sets
    it), so a task stopped by scale-in or a Spot reclaim can return its message."""

    def stop_timeouts(service: str) -> set[Any]:
        (task,) = [
            r
            for r in prod.of_type("aws:ecs/taskDefinition:TaskDefinition")
            if r.name.startswith(f"{service}-")
        ]
        import json

        return {c.get("stopTimeout") for c in json.loads(task.inputs["containerDefinitions"])}

    assert stop_timeouts("fulfil") == {120}
    assert stop_timeouts("mailer") == {120}
    assert stop_timeouts("api") == {None}  # a web service on on-demand Fargate: ECS's 30 s
