"""The ECS service deployment in progress, for ``shipspec status``.

DescribeServices says a rollout is IN_PROGRESS; ECS's service-deployment API says which
one, how far it got and what it is doing now. ListServiceDeployments (filtered to the
statuses that mean "still running") names the newest deployment, and
DescribeServiceDeployments gives its lifecycle stage (SCALE_UP, TEST_TRAFFIC_SHIFT,
BAKE_TIME...), when it started, and the target revision's task counts and production
traffic weight (blue-green, canary and linear deployments shift it in steps). The
statuses are botocore's ``ServiceDeploymentStatus`` enum; the same split as the deploy
jobs use (``render/targets/_pipeline.py``).

The detail is additive: DescribeServices alone decides whether a service is settled
(its PRIMARY deployment COMPLETED), so when these calls fail (an endpoint without the API,
such as moto, which answers 500; a role without ``ecs:ListServiceDeployments``) the status
says why the detail is missing instead of failing the command or passing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# botocore ecs model, shape ServiceDeploymentStatus: the non-terminal states.
RUNNING_STATUSES = (
    "PENDING",
    "IN_PROGRESS",
    "STOP_REQUESTED",
    "ROLLBACK_REQUESTED",
    "ROLLBACK_IN_PROGRESS",
)


@dataclass(frozen=True)
class DeploymentInProgress:
    arn: str
    status: str  # one of RUNNING_STATUSES
    stage: str  # lifecycleStage, or "" when ECS gives none
    started: str  # ISO 8601, or ""
    running: int  # the target revision's running tasks
    requested: int
    production_traffic: float | None  # percent on the target revision, when ECS says
    reason: str

    def describe(self) -> str:
        text = f"{self.status}"
        if self.stage:
            text += f" at {self.stage}"
        text += f", new revision {self.running}/{self.requested} tasks"
        if self.production_traffic is not None:
            text += f", {self.production_traffic:g}% of production traffic"
        if self.started:
            text += f", since {self.started}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "status": self.status,
            "stage": self.stage,
            "started": self.started,
            "running": self.running,
            "requested": self.requested,
            "production_traffic": self.production_traffic,
            "reason": self.reason,
        }


class DeploymentsUnavailable(Exception):
    """The service-deployment API failed; ``str()`` says how."""


def deployment_in_progress(ecs: Any, cluster: str, service: str) -> DeploymentInProgress | None:
    """The newest service deployment still running, or None when nothing is rolling out.

    :class:`DeploymentsUnavailable` when either call fails.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        briefs: list[dict[str, Any]] = []
        token: str | None = None
        while True:  # botocore has no paginator for this action: follow nextToken by hand
            extra = {"nextToken": token} if token else {}
            page = ecs.list_service_deployments(
                cluster=cluster, service=service, status=list(RUNNING_STATUSES), **extra
            )
            briefs += page.get("serviceDeployments", [])
            token = page.get("nextToken")
            if not token:
                break
        if not briefs:
            return None
        newest = max(
            briefs, key=lambda b: (str(b.get("createdAt") or ""), b["serviceDeploymentArn"])
        )
        answer = ecs.describe_service_deployments(
            serviceDeploymentArns=[newest["serviceDeploymentArn"]]
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code") or "?"
        raise DeploymentsUnavailable(f"ECS answered {code}") from None
    except BotoCoreError as error:
        raise DeploymentsUnavailable(str(error)) from None
    found = answer.get("serviceDeployments") or []
    detail = found[0] if found else newest
    target = detail.get("targetServiceRevision") or {}
    weight = target.get("requestedProductionTrafficWeight")
    started = detail.get("startedAt") or detail.get("createdAt")
    return DeploymentInProgress(
        arn=str(detail.get("serviceDeploymentArn", newest["serviceDeploymentArn"])),
        status=str(detail.get("status", newest.get("status", ""))),
        stage=str(detail.get("lifecycleStage") or ""),
        started=_iso(started),
        running=int(target.get("runningTaskCount") or 0),
        requested=int(target.get("requestedTaskCount") or 0),
        production_traffic=None if weight is None else float(weight),
        reason=str(detail.get("statusReason") or ""),
    )


def _iso(value: Any) -> str:
    """botocore gives timestamps as datetimes; anything else is shown as it came."""
    if value is None:
        return ""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)
