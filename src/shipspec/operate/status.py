"""``shipspec status``: is the running stack what was deployed, and is it healthy?

Per long-running service, ECS DescribeServices gives the desired and running task counts
and the deployments (the PRIMARY one is the newest; its ``rolloutState`` is IN_PROGRESS,
COMPLETED or FAILED); DescribeTaskDefinition gives the image the PRIMARY deployment runs,
compared with the stack output ``images``. CloudWatch DescribeAlarms with the stack's
alarm prefix and StateValue=ALARM lists firing metric and composite alarms. Each public
URL (stack output ``urls``) is asked for its health path.

``verified`` is the live evidence the protocol's "production deployed" and "production
verified" steps accept: every service at its desired count on the expected image with no
deployment in progress, no alarm in ALARM, and every health URL answering 2xx/3xx.
"""

from __future__ import annotations

import dataclasses
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .deployments import DeploymentInProgress, DeploymentsUnavailable, deployment_in_progress
from .errors import OperateError, aws_error
from .stack import StackContext

# url -> (ok, what it answered)
Probe = Callable[[str], tuple[bool, str]]
PROBE_TIMEOUT = 5.0
DESCRIBE_SERVICES_MAX = 10  # DescribeServices accepts at most 10 services per call


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    ecs_name: str
    desired: int
    running: int
    pending: int
    deployment: str  # the PRIMARY deployment's rolloutState, or its status
    deployments: int
    image: str
    expected_image: str
    task_definition: str = ""  # the PRIMARY deployment's revision (ARN)
    expected_task_definition: str = ""  # stack output `task_definitions` ("" before it existed)
    in_progress: DeploymentInProgress | None = None
    """The ECS service deployment still running (ListServiceDeployments), if any."""
    in_progress_unknown: str = ""
    """Why the deployment detail is missing, when the service-deployment API failed."""

    @property
    def ok(self) -> bool:
        return (
            self.running == self.desired
            and self.deployments == 1
            and self.deployment in ("COMPLETED", "PRIMARY")
            and self.in_progress is None
            and (not self.expected_image or self.image == self.expected_image)
            and self.on_expected_revision
        )

    @property
    def on_expected_revision(self) -> bool:
        """The revision the last ``pulumi up`` registered, when the stack exports it."""
        return (
            not self.expected_task_definition
            or self.task_definition == self.expected_task_definition
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ecs_name": self.ecs_name,
            "desired": self.desired,
            "running": self.running,
            "pending": self.pending,
            "deployment": self.deployment,
            "deployments": self.deployments,
            "image": self.image,
            "expected_image": self.expected_image,
            "task_definition": self.task_definition,
            "expected_task_definition": self.expected_task_definition,
            "in_progress": self.in_progress.as_dict() if self.in_progress else None,
            "in_progress_unknown": self.in_progress_unknown,
            "ok": self.ok,
        }


@dataclass(frozen=True)
class Alarm:
    name: str
    kind: str  # "metric" or "composite"
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "reason": self.reason}


@dataclass(frozen=True)
class UrlCheck:
    service: str
    url: str
    ok: bool
    answer: str

    def as_dict(self) -> dict[str, Any]:
        return {"service": self.service, "url": self.url, "ok": self.ok, "answer": self.answer}


@dataclass
class StackStatus:
    env: str
    production: bool
    services: list[ServiceStatus] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)
    urls: list[UrlCheck] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return all(s.ok for s in self.services) and not self.alarms and all(u.ok for u in self.urls)

    def problems(self) -> list[str]:
        out = [
            f"service {s.name}: {s.running}/{s.desired} running, deployment {s.deployment}"
            + (f" ({s.in_progress.describe()})" if s.in_progress else "")
            + (
                f", image {s.image} (expected {s.expected_image})"
                if s.image != s.expected_image
                else ""
            )
            + (
                f", revision {_revision(s.task_definition)} (expected "
                f"{_revision(s.expected_task_definition)})"
                if not s.on_expected_revision
                else ""
            )
            for s in self.services
            if not s.ok
        ]
        out += [f"alarm {a.name} in ALARM" for a in self.alarms]
        out += [f"{u.url}: {u.answer}" for u in self.urls if not u.ok]
        return out

    def summary(self) -> str:
        """One line, the session's evidence digest input."""
        services = ", ".join(
            f"{s.name} {s.running}/{s.desired} {s.deployment} {s.image}" for s in self.services
        )
        urls = ", ".join(f"{u.url} {u.answer}" for u in self.urls)
        state = "verified" if self.verified else "not verified: " + "; ".join(self.problems())
        return f"status {self.env}: {state}; services: {services}; alarms in ALARM: " + (
            f"{len(self.alarms)}; urls: {urls or 'none'}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.env,
            "production": self.production,
            "verified": self.verified,
            "services": [s.as_dict() for s in self.services],
            "alarms": [a.as_dict() for a in self.alarms],
            "urls": [u.as_dict() for u in self.urls],
            "problems": self.problems(),
        }


def _revision(arn: str) -> str:
    """``arn:aws:ecs:…:task-definition/atlas-dev-api:7`` → ``atlas-dev-api:7``."""
    return arn.rsplit("/", 1)[-1] or "none"


def http_probe(url: str) -> tuple[bool, str]:
    """GET ``url``; ok on a 2xx/3xx answer (redirects followed)."""
    request = urllib.request.Request(url, headers={"User-Agent": "shipspec-status"})
    try:
        with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT) as answer:
            return 200 <= answer.status < 400, f"HTTP {answer.status}"
    except urllib.error.HTTPError as error:
        return False, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return False, f"no answer: {getattr(error, 'reason', error)}"


def stack_status(stack: StackContext, *, probe: Probe = http_probe) -> StackStatus:
    from botocore.exceptions import BotoCoreError, ClientError

    status = StackStatus(stack.env.name, stack.env.production)
    try:
        status.services = _services(stack)
        status.alarms = _alarms(stack)
    except (ClientError, BotoCoreError) as error:
        raise aws_error(error, f"status of stack {stack.env.name}") from None
    urls = stack.outputs.get("urls") or {}
    for service in stack.env.services:
        if (
            service.kind == "web"
            and service.public
            and service.health_path
            and service.name in urls
        ):
            url = str(urls[service.name]).rstrip("/") + (service.health_path or "/")
            ok, answer = probe(url)
            status.urls.append(UrlCheck(service.name, url, ok, answer))
    return status


def _services(stack: StackContext) -> list[ServiceStatus]:
    running = [s.name for s in stack.env.services if s.kind != "job"]
    if not running:
        return []
    names = stack.output("service_names")
    cluster = str(stack.output("cluster_name"))
    images = stack.outputs.get("images") or {}
    revisions = stack.outputs.get("task_definitions") or {}
    missing = [n for n in running if n not in names]
    if missing:
        raise OperateError(
            f"stack {stack.env.name!r}: output 'service_names' lacks {', '.join(missing)}\n"
            f"  hint: deploy the current program: `pulumi up --stack {stack.env.name}`"
        )
    ecs = stack.client("ecs")
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(running), DESCRIBE_SERVICES_MAX):
        chunk = [str(names[n]) for n in running[start : start + DESCRIBE_SERVICES_MAX]]
        answer = ecs.describe_services(cluster=cluster, services=chunk)
        found.update({s["serviceName"]: s for s in answer.get("services", [])})
    out = []
    for name in running:
        ecs_name = str(names[name])
        if ecs_name not in found:
            raise OperateError(
                f"service {name}: ECS has no service {ecs_name} in cluster {cluster}\n"
                "  hint: the stack's outputs are older than the cluster; run `pulumi refresh`"
            )
        service_status = _service_status(ecs, name, found[ecs_name], str(images.get(name) or ""))
        service_status = dataclasses.replace(
            service_status, expected_task_definition=str(revisions.get(name) or "")
        )
        try:
            in_progress, unknown = deployment_in_progress(ecs, cluster, ecs_name), ""
        except DeploymentsUnavailable as error:
            in_progress, unknown = None, f"deployment detail unavailable: {error}"
        out.append(
            dataclasses.replace(
                service_status, in_progress=in_progress, in_progress_unknown=unknown
            )
        )
    return out


def _service_status(ecs: Any, name: str, service: dict[str, Any], expected: str) -> ServiceStatus:
    deployments = service.get("deployments") or []
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    image = ""
    state = "NONE"
    task_definition = ""
    if primary is not None:
        state = primary.get("rolloutState") or primary.get("status", "PRIMARY")
        task_definition = primary.get("taskDefinition") or service.get("taskDefinition") or ""
        if task_definition:
            definition = ecs.describe_task_definition(taskDefinition=task_definition)
            containers = definition["taskDefinition"].get("containerDefinitions") or []
            main = next((c for c in containers if c.get("name") == name), None)
            image = str((main or (containers[0] if containers else {})).get("image", ""))
    return ServiceStatus(
        name,
        str(service["serviceName"]),
        int(service.get("desiredCount", 0)),
        int(service.get("runningCount", 0)),
        int(service.get("pendingCount", 0)),
        str(state),
        len(deployments),
        image,
        expected,
        task_definition=str(task_definition),
    )


def _alarms(stack: StackContext) -> list[Alarm]:
    cloudwatch = stack.client("cloudwatch")
    pages = cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=stack.alarm_prefix,
        StateValue="ALARM",
        AlarmTypes=["MetricAlarm", "CompositeAlarm"],
    )
    alarms = []
    for page in pages:
        for kind, key in (("metric", "MetricAlarms"), ("composite", "CompositeAlarms")):
            alarms += [
                Alarm(a["AlarmName"], kind, str(a.get("StateReason", "")))
                for a in page.get(key, [])
                # AWS applies StateValue with the prefix; checked again for emulators that
                # do not (moto 5 ignores it when AlarmNamePrefix is given).
                if a.get("StateValue", "ALARM") == "ALARM"
            ]
    return sorted(alarms, key=lambda a: a.name)
