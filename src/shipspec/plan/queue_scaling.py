"""Queue consumers scale on their backlog per task, optionally down to zero tasks.

The scaling policy follows AWS's "Example: Amazon SQS queue backlog per task"
(Application Auto Scaling user guide, "Create a target tracking scaling policy using
metric math"): target tracking on the metric math ``(visible + inflight) / running``,
where ``visible`` is AWS/SQS ``ApproximateNumberOfMessagesVisible`` of the queue,
``inflight`` its ``ApproximateNumberOfMessagesNotVisible`` (received, not yet deleted:
the work the tasks hold) and ``running`` is ``RunningTaskCount`` from ECS Container
Insights (namespace ``ECS/ContainerInsights``, dimensions ClusterName and ServiceName).
AWS/ECS has no task count metric; the stack's cluster has Container Insights enabled for
the alarms already. AWS's example counts only the visible messages: once the queue
drains that reads 0 while tasks are still mid-message, and target tracking scales in (to
zero) and stops them; their messages return after the visibility timeout and, redelivered
often enough, land in the dead-letter queue. Counting in-flight messages keeps the tasks
that hold work.

Target tracking cannot start from zero tasks: with no running task the division has no
value (CloudWatch drops a division by zero), and a policy without data takes no action.
So a service allowed to scale to zero also gets a *wake* alarm, on
``IF(FILL(desired, 0) == 0, visible, 0) >= 1`` (``DesiredTaskCount`` from Container
Insights), whose step-scaling policy adds one task; from one task on, target tracking
owns the count. :func:`scaling_actions` models which policy acts for given numbers.
"""

from __future__ import annotations

import math

from ..spec.models import HandoffSpec, Scaling, Service
from . import rules
from .decisions import Decisions
from .model import QueueScalingPlan, ServicePlan


def consumed_queues(spec: HandoffSpec, service: Service) -> list[str]:
    """The SQS datastores the service receives from, in its ``uses`` order."""
    return [
        name
        for name, access in service.datastore_uses()
        if spec.datastores[name].engine == "sqs"
        and (
            access in ("consume", "produce-consume")
            or (access is None and service.type == "worker")
        )
    ]


def plan_queue_scaling(
    spec: HandoffSpec, s: ServicePlan, service: Service, production: bool, log: Decisions
) -> ServicePlan:
    """The queue scaling of a worker (``scaling.queue``, or by default its first consumed
    queue), with the task counts a scale to zero needs; other services unchanged."""
    if service.type != "worker":
        return s
    key = f"services.{s.name}.scaling"
    scaling = service.scaling
    queues = consumed_queues(spec, service)
    if scaling is not None and scaling.queue is not None:
        queue = log.decide(f"{key}.queue", scaling.queue, "scaling.queue in the spec")
    elif queues and (scaling is None or "cpu_target" not in scaling.model_fields_set):
        queue = log.decide(
            f"{key}.queue",
            queues[0],
            f"a worker consuming {queues[0]} with no `scaling.queue`: it scales on that "
            "queue's backlog per task, which follows its work; CPU says little about a "
            "worker waiting on I/O"
            + (f" (also consumes {', '.join(queues[1:])})" if len(queues) > 1 else ""),
            consumes=queues,
        )
    else:
        return s
    per_task = _messages_per_task(scaling, key, log)
    low = s.min_count
    if scaling is not None and scaling.min == 0 and "min" in scaling.model_fields_set:
        low = log.override(
            f"services.{s.name}.min_count",
            0,
            "scaling.min is 0 with queue scaling: no task runs while the queue is empty; the "
            "wake alarm starts one within about two minutes of a message arriving",
            spec_min=0,
        )
        log.override(
            f"services.{s.name}.desired_count",
            0,
            "scale to zero: deploys start with no task; the wake alarm starts the first",
            min_count=0,
        )
    return s.model_copy(
        update={
            "min_count": low,
            "desired_count": min(s.desired_count, low) if low == 0 else s.desired_count,
            "queue_scaling": QueueScalingPlan(
                queue=queue, messages_per_task=per_task, wake_from_zero=low == 0
            ),
        }
    )


def _messages_per_task(scaling: Scaling | None, key: str, log: Decisions) -> int:
    if scaling is not None and scaling.messages_per_task is not None:
        return log.decide(
            f"{key}.messages_per_task", scaling.messages_per_task, "scaling.messages_per_task"
        )
    return log.decide(
        f"{key}.messages_per_task",
        rules.QUEUE_MESSAGES_PER_TASK,
        f"no scaling.messages_per_task: {rules.QUEUE_MESSAGES_PER_TASK} waiting messages per "
        "task; set it to the latency you accept divided by the time one message takes",
    )


def scaling_actions(
    plan: QueueScalingPlan,
    *,
    min_count: int,
    max_count: int,
    running: int,
    desired: int,
    visible: int,
    in_flight: int = 0,
) -> tuple[str, int]:
    """Which policy acts, and the task count it sets, for one evaluation of the metrics.

    A model of Application Auto Scaling for the tests and the docs: target tracking sets
    ``ceil(running * ((visible + in_flight) / running) / target)`` =
    ``ceil((visible + in_flight) / target)`` within the bounds when it has data (some task
    runs); with none running it has no data, and only the wake alarm (desired 0, messages
    visible) adds one task.
    """
    if running == 0:
        if plan.wake_from_zero and desired == 0 and visible > 0:
            return "wake", min(max_count, desired + 1)
        return "none", desired
    wanted = math.ceil((visible + in_flight) / plan.messages_per_task)
    return "target-tracking", max(min_count, min(max_count, wanted))
