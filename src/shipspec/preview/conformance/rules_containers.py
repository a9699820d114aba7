"""Rules on what runs in an ECS task: container health checks, stop timeouts, container
dependencies, ephemeral storage.

The numeric ranges are stated only in the prose of botocore's ``ecs`` model (the
``HealthCheck`` members: "You may specify between 5 and 300 seconds"; ``stopTimeout``:
"the max stop timeout value is 120 seconds"; ``EphemeralStorage.sizeInGiB``), so they
are read from that text when a check runs, and kept with the other botocore limits
(:mod:`.botocore_limits`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any

from .botocore_limits import shape_documentation
from .model import Finding, Predicate, Resource, Rule, is_unknown

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference"
_HEALTH_MEMBERS = ("interval", "timeout", "retries", "startPeriod")


@functools.cache
def _ecs_doc(shape: str, member: str) -> str:
    return shape_documentation("ecs", shape, member)


def _range(shape: str, member: str, pattern: str) -> tuple[int, int]:
    match = re.search(pattern, _ecs_doc(shape, member))
    if match is None:  # the model's wording changed: fail loudly rather than pass silently
        raise LookupError(f"botocore's ecs {shape}.{member} no longer states its range")
    return int(match.group(1)), int(match.group(2))


def health_check_range(member: str) -> tuple[int, int]:
    return _range("HealthCheck", member, r"between (\d+) and (\d+)")


def stop_timeout_max() -> int:
    text = _ecs_doc("ContainerDefinition", "stopTimeout")
    match = re.search(r"max stop timeout value is (\d+) seconds", text)
    if match is None:
        raise LookupError("botocore's ecs ContainerDefinition.stopTimeout no longer states its max")
    return int(match.group(1))


def ephemeral_storage_range() -> tuple[int, int]:
    return _range(
        "EphemeralStorage",
        "sizeInGiB",
        r"minimum supported value is (\d+) GiB and the maximum supported value is (\d+) GiB",
    )


def _containers(r: Resource) -> list[dict[str, Any]]:
    raw = r.inputs.get("containerDefinitions")
    if raw is None or is_unknown(raw):
        return []
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return []
    return [c for c in parsed if isinstance(c, dict)] if isinstance(parsed, list) else []


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _health_checks(r: Resource) -> Iterable[Finding]:
    for index, container in enumerate(_containers(r)):
        check = container.get("healthCheck")
        if not isinstance(check, dict):
            continue
        command = check.get("command")
        if not isinstance(command, list) or not command or command[0] not in ("CMD", "CMD-SHELL"):
            yield Finding(
                f"containerDefinitions[{index}].healthCheck.command",
                command,
                "starts with CMD or CMD-SHELL",
            )
        for member in _HEALTH_MEMBERS:
            value = _number(check.get(member))
            low, high = health_check_range(member)
            if value is not None and not low <= value <= high:
                yield Finding(
                    f"containerDefinitions[{index}].healthCheck.{member}",
                    value,
                    f"ECS takes {low}-{high}",
                )


def _stop_timeouts(r: Resource) -> Iterable[Finding]:
    if "FARGATE" not in (r.inputs.get("requiresCompatibilities") or []):
        return
    for index, container in enumerate(_containers(r)):
        value = _number(container.get("stopTimeout"))
        if value is not None and not 0 <= value <= stop_timeout_max():
            yield Finding(
                f"containerDefinitions[{index}].stopTimeout",
                value,
                f"Fargate waits at most {stop_timeout_max()} seconds",
            )


def _dependencies(r: Resource) -> Iterable[Finding]:
    """Each ``dependsOn`` names a container of the task; COMPLETE and SUCCESS name a
    non-essential one; HEALTHY one with a health check (ContainerDependency docs)."""
    containers = _containers(r)
    by_name = {c.get("name"): c for c in containers}
    for index, container in enumerate(containers):
        for dep_index, dependency in enumerate(container.get("dependsOn") or []):
            where = f"containerDefinitions[{index}].dependsOn[{dep_index}]"
            target = by_name.get(dependency.get("containerName"))
            condition = dependency.get("condition")
            if target is None:
                yield Finding(where, dependency, "names a container of this task")
            elif condition in ("COMPLETE", "SUCCESS") and target.get("essential", True):
                yield Finding(where, dependency, f"{condition} waits for a non-essential container")
            elif condition == "HEALTHY" and not isinstance(target.get("healthCheck"), dict):
                yield Finding(
                    where, dependency, "HEALTHY waits for a container with a health check"
                )


def _ephemeral_storage(r: Resource) -> Iterable[Finding]:
    storage = r.inputs.get("ephemeralStorage")
    value = _number(storage.get("sizeInGib")) if isinstance(storage, dict) else None
    if value is not None:
        low, high = ephemeral_storage_range()
        if not low <= value <= high:
            yield Finding("ephemeralStorage.sizeInGib", value, f"Fargate takes {low}-{high} GiB")


CONTAINER_RULES: list[Rule] = [
    Rule(
        "ecs.task-definition.health-check",
        TASK_DEFINITION,
        "containerDefinitions[].healthCheck",
        Predicate("CMD/CMD-SHELL and botocore's ranges per member", _health_checks),
        f"botocore ecs HealthCheck; {ECS_API}/API_HealthCheck.html",
    ),
    Rule(
        "ecs.task-definition.stop-timeout",
        TASK_DEFINITION,
        "containerDefinitions[].stopTimeout",
        Predicate("at most botocore's Fargate maximum", _stop_timeouts),
        f"botocore ecs ContainerDefinition.stopTimeout; {ECS_API}/API_ContainerDefinition.html",
    ),
    Rule(
        "ecs.task-definition.depends-on",
        TASK_DEFINITION,
        "containerDefinitions[].dependsOn",
        Predicate("a container of the task, in a state it can reach", _dependencies),
        f"{ECS_API}/API_ContainerDependency.html",
    ),
    Rule(
        "ecs.task-definition.ephemeral-storage",
        TASK_DEFINITION,
        "ephemeralStorage.sizeInGib",
        Predicate("botocore's EphemeralStorage range", _ephemeral_storage),
        f"botocore ecs EphemeralStorage.sizeInGiB; {ECS_API}/API_EphemeralStorage.html",
    ),
]
