"""``status``: moto for what it implements (ECS DescribeServices, metric alarms), botocore's
Stubber for answers moto cannot give (a COMPLETED rollout, composite alarms, the service
deployment in progress from ListServiceDeployments/DescribeServiceDeployments)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from shipspec.operate import OperateError, StackContext
from shipspec.operate.deployments import RUNNING_STATUSES
from shipspec.operate.status import stack_status

from .conftest import Deployed, client


def _stack(deployed: Deployed) -> StackContext:
    return StackContext.load(deployed.out_dir, deployed.env, outputs=deployed.fake_outputs)


def _healthy(url: str) -> tuple[bool, str]:
    return True, "HTTP 200"


def _alarm(name: str, state: str, reason: str = "threshold crossed") -> None:
    cloudwatch = client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)


def test_moto_stack_in_rollout_with_an_alarm_is_not_verified(deployed: Deployed) -> None:
    _alarm("atlas-dev-api-5xx-ratio", "ALARM")
    _alarm("atlas-dev-admin-5xx-ratio", "OK")
    _alarm("other-app-dev-5xx", "ALARM")  # another stack's alarm: not ours
    probed: list[str] = []

    def probe(url: str) -> tuple[bool, str]:
        probed.append(url)
        return False, "HTTP 503"

    status = stack_status(_stack(deployed), probe=probe)

    assert [s.name for s in status.services] == [
        "api",
        "docs",
        "ingest",
        "admin",
        "indexer",
    ]  # no job
    api = status.services[0]
    # moto starts tasks as pending and never completes the rollout.
    assert (api.desired, api.running, api.pending, api.deployment) == (1, 0, 1, "IN_PROGRESS")
    assert api.image == api.expected_image == "img/api:1"
    assert [a.name for a in status.alarms] == ["atlas-dev-api-5xx-ratio"]
    # admin is internal; ingest is TCP behind an NLB, where an HTTP GET means nothing.
    assert probed == [
        "https://api.dev.example.com/healthz",
        "https://api.dev.example.com/docs/health",
    ]
    assert not status.verified
    problems = status.problems()
    assert "service api: 0/1 running, deployment IN_PROGRESS" in problems
    assert "alarm atlas-dev-api-5xx-ratio in ALARM" in problems
    assert "https://api.dev.example.com/healthz: HTTP 503" in problems
    # moto lacks the service-deployment API: the detail is missing, and says why.
    assert api.in_progress is None
    assert api.in_progress_unknown.startswith("deployment detail unavailable: ECS answered")


def test_a_service_missing_from_ecs_is_located(deployed: Deployed) -> None:
    deployed.outputs["service_names"]["indexer"] = "atlas-dev-indexer-gone"
    with pytest.raises(OperateError, match="service indexer: ECS has no service"):
        stack_status(_stack(deployed), probe=_healthy)


def _ecs_service(name: str, *, running: int, rollout: str, deployments: int = 1) -> dict[str, Any]:
    primary = {
        "id": f"ecs-svc/{name}",
        "status": "PRIMARY",
        "taskDefinition": f"arn:aws:ecs:eu-central-1:123456789012:task-definition/{name}:7",
        "desiredCount": 2,
        "runningCount": running,
        "rolloutState": rollout,
    }
    active = {**primary, "id": f"ecs-svc/{name}-old", "status": "ACTIVE"}
    return {
        "serviceName": f"atlas-dev-{name}",
        "desiredCount": 2,
        "runningCount": running,
        "pendingCount": 2 - running,
        "deployments": [primary] + [active] * (deployments - 1),
    }


def _stubbed(
    monkeypatch: pytest.MonkeyPatch,
    deployed: Deployed,
    services: list[dict[str, Any]],
    images: dict[str, str],
    alarms: dict[str, Any],
    in_progress: dict[str, tuple[dict[str, Any], dict[str, Any]]] | None = None,
) -> None:
    """``in_progress``: service name → (ListServiceDeployments brief, its description)."""
    import boto3

    ecs = boto3.client("ecs", region_name="eu-central-1")
    cloudwatch = boto3.client("cloudwatch", region_name="eu-central-1")
    ecs_stub, cw_stub = Stubber(ecs), Stubber(cloudwatch)
    ecs_stub.add_response(
        "describe_services",
        {"services": services, "failures": []},
        {
            "cluster": deployed.outputs["cluster_name"],
            "services": [s["serviceName"] for s in services],
        },
    )
    for service in services:
        name = service["serviceName"].removeprefix("atlas-dev-")
        ecs_stub.add_response(
            "describe_task_definition",
            {"taskDefinition": {"containerDefinitions": [{"name": name, "image": images[name]}]}},
            {"taskDefinition": service["deployments"][0]["taskDefinition"]},
        )
        brief, detail = (in_progress or {}).get(name, (None, None))
        ecs_stub.add_response(
            "list_service_deployments",
            {"serviceDeployments": [brief] if brief else []},
            {
                "cluster": deployed.outputs["cluster_name"],
                "service": service["serviceName"],
                "status": list(RUNNING_STATUSES),
            },
        )
        if brief:
            ecs_stub.add_response(
                "describe_service_deployments",
                {"serviceDeployments": [detail], "failures": []},
                {"serviceDeploymentArns": [brief["serviceDeploymentArn"]]},
            )
    cw_stub.add_response(
        "describe_alarms",
        alarms,
        {
            "AlarmNamePrefix": "atlas-dev",
            "StateValue": "ALARM",
            "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
        },
    )
    ecs_stub.activate()
    cw_stub.activate()
    clients = {"ecs": ecs, "cloudwatch": cloudwatch}
    monkeypatch.setattr(StackContext, "client", lambda self, name: clients[name])


RUNNING = ("api", "docs", "ingest", "admin", "indexer")  # the full example's ECS services


def test_every_service_complete_on_its_image_no_alarm_is_verified(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = [_ecs_service(n, running=2, rollout="COMPLETED") for n in RUNNING]
    _stubbed(
        monkeypatch,
        deployed,
        services,
        {n: f"img/{n}:1" for n in RUNNING},
        {"MetricAlarms": [], "CompositeAlarms": []},
    )

    status = stack_status(_stack(deployed), probe=_healthy)

    assert status.verified, status.problems()
    assert status.as_dict()["verified"] is True
    assert status.summary().startswith(
        "status dev: verified; services: api 2/2 COMPLETED img/api:1"
    )


def test_a_composite_alarm_an_old_image_or_a_second_deployment_fail_verification(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = [
        _ecs_service("api", running=2, rollout="COMPLETED"),
        _ecs_service("docs", running=2, rollout="COMPLETED"),
        _ecs_service("ingest", running=2, rollout="COMPLETED"),
        _ecs_service("admin", running=2, rollout="COMPLETED", deployments=2),
        _ecs_service("indexer", running=2, rollout="COMPLETED"),
    ]
    images = {
        "api": "img/api:1",
        "docs": "img/docs:1",
        "ingest": "img/ingest:1",
        "admin": "img/admin:1",
        "indexer": "img/indexer:0",
    }
    composite = {"AlarmName": "atlas-dev-api-availability-burn", "StateReason": "both windows"}
    _stubbed(
        monkeypatch,
        deployed,
        services,
        images,
        {"MetricAlarms": [], "CompositeAlarms": [composite]},
    )

    status = stack_status(_stack(deployed), probe=_healthy)

    assert not status.verified
    assert [(a.name, a.kind) for a in status.alarms] == [
        ("atlas-dev-api-availability-burn", "composite")
    ]
    assert [s.name for s in status.services if not s.ok] == ["admin", "indexer"]
    assert any("image img/indexer:0 (expected img/indexer:1)" in p for p in status.problems())


def test_the_deployment_in_progress_is_shown_and_blocks_verification(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A canary mid-way: ECS's service-deployment API says the stage, the new revision's
    tasks and its share of production traffic; the service is not settled until it ends."""
    from datetime import UTC, datetime

    arn = "arn:aws:ecs:eu-central-1:123456789012:service-deployment/atlas-dev/atlas-dev-api/abc"
    started = datetime(2026, 12, 7, 5, 40, tzinfo=UTC)
    brief = {
        "serviceDeploymentArn": arn,
        "status": "IN_PROGRESS",
        "createdAt": started,
        "startedAt": started,
    }
    detail = {
        **brief,
        "lifecycleStage": "BAKE_TIME",
        "targetServiceRevision": {
            "arn": "arn:aws:ecs:eu-central-1:123456789012:service-revision/atlas-dev/api/8",
            "requestedTaskCount": 2,
            "runningTaskCount": 2,
            "pendingTaskCount": 0,
            "requestedProductionTrafficWeight": 10.0,
        },
    }
    services = [_ecs_service(n, running=2, rollout="COMPLETED") for n in RUNNING]
    _stubbed(
        monkeypatch,
        deployed,
        services,
        {n: f"img/{n}:1" for n in RUNNING},
        {"MetricAlarms": [], "CompositeAlarms": []},
        in_progress={"api": (brief, detail)},
    )

    status = stack_status(_stack(deployed), probe=_healthy)

    api = status.services[0]
    assert api.in_progress is not None and api.in_progress.stage == "BAKE_TIME"
    assert api.in_progress.describe() == (
        "IN_PROGRESS at BAKE_TIME, new revision 2/2 tasks, 10% of production traffic, "
        "since 2026-12-07T05:40:00+00:00"
    )
    assert not api.ok and not status.verified
    assert [s.name for s in status.services if not s.ok] == ["api"]
    assert any("10% of production traffic" in p for p in status.problems())
    assert status.as_dict()["services"][0]["in_progress"]["arn"] == arn


def test_a_service_on_another_revision_than_the_stack_deployed_is_not_verified(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stack output `task_definitions` names the revision `pulumi up` registered; ECS
    running any other one (a circuit-breaker rollback, a console edit) is not "deployed",
    even with the same image."""
    arn = "arn:aws:ecs:eu-central-1:123456789012:task-definition/{}:{}"
    deployed.outputs["task_definitions"] = {
        "api": arn.format("api", 7),
        "docs": arn.format("docs", 7),
        "ingest": arn.format("ingest", 7),
        "admin": arn.format("admin", 7),
        "indexer": arn.format("indexer", 8),
    }
    services = [_ecs_service(n, running=2, rollout="COMPLETED") for n in RUNNING]
    _stubbed(
        monkeypatch,
        deployed,
        services,
        {n: f"img/{n}:1" for n in RUNNING},
        {"MetricAlarms": [], "CompositeAlarms": []},
    )

    status = stack_status(_stack(deployed), probe=_healthy)

    assert [s.name for s in status.services if not s.ok] == ["indexer"]
    assert not status.verified
    assert any("revision indexer:7 (expected indexer:8)" in p for p in status.problems())
    assert status.as_dict()["services"][0]["task_definition"] == arn.format("api", 7)
