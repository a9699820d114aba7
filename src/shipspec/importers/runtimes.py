"""A Fargate size for runtimes that do not start in the smallest task, when compose is silent.

Compose limits (or reservations) are what the service was tested under, so they win
(:mod:`.resources`). Without them the spec's default is the smallest Fargate task,
0.25 vCPU and 512 MiB, where some runtimes do not come up: the JVM takes a quarter of the
container's memory as its default maximum heap (128 MiB of 512: a Spring Boot service
runs out of memory or spends its time collecting garbage) and JIT-compiles its start-up
on a quarter of a CPU for longer than a health check grace period; .NET's JIT start-up
is the same story. Recognised from the image, or the Dockerfile's base image.
"""

from __future__ import annotations

import re
from typing import Any

from .context import Context
from .dockerfile import DockerfileFacts
from .images import parse_image

# Variables only that runtime reads: the image name of a custom build often says nothing.
_BY_ENV = (
    (re.compile(r"^(JAVA_OPTS|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|SPRING_)"), "the JVM"),
    (re.compile(r"^(ASPNETCORE_|DOTNET_)"), ".NET"),
)
# (pattern over the image repository, runtime, vCPU, memory, reason)
RUNTIMES: tuple[tuple[re.Pattern[str], str, float, str, str], ...] = (
    (
        re.compile(
            r"(openjdk|eclipse-temurin|amazoncorretto|corretto|jdk|jre|java|spring|tomcat|"
            r"jetty|wildfly|payara|maven|gradle|keycloak|sbt)"
        ),
        "the JVM",
        0.5,
        "1GiB",
        "the JVM's default maximum heap is a quarter of the task's memory (256 MiB of 1 GiB) "
        "and its start-up JIT needs more than 0.25 vCPU to answer within the grace period",
    ),
    (
        re.compile(r"(dotnet/(aspnet|runtime|sdk)|dotnet-|\.net)"),
        ".NET",
        0.5,
        "1GiB",
        ".NET's start-up JIT and server GC need more than the smallest task (0.25 vCPU) to "
        "answer within the grace period",
    ),
)


def runtime_size(
    ctx: Context,
    compose: str,
    name: str,
    data: dict[str, Any],
    facts: DockerfileFacts | None,
    spec: dict[str, Any],
) -> None:
    """Size ``spec`` for a recognised runtime when compose set no CPU or memory."""
    if "cpu" in spec or "memory" in spec:
        return
    images = []
    if isinstance(data.get("image"), str) and "build" not in data:
        images.append(parse_image(data["image"]).repository)
    if facts is not None:
        images.append(parse_image(facts.base).repository)
    env = (
        [str(k) for k in data.get("environment") or {}]
        if isinstance(data.get("environment"), dict)
        else []
    )
    by_env = {r for pattern, r in _BY_ENV if any(pattern.match(v) for v in env)}
    for repository in [*images, *(f"its environment ({r} variables)" for r in sorted(by_env))]:
        for pattern, runtime, cpu, memory, reason in RUNTIMES:
            if pattern.search(repository) or repository == f"its environment ({runtime} variables)":
                spec["cpu"], spec["memory"] = cpu, memory
                ctx.note(("services", name, "memory"), f"{runtime} ({repository}): {reason}")
                ctx.find(
                    "mapped",
                    compose,
                    ("build",) if "build" in data else ("image",),
                    f"{runtime} recognised ({repository}), compose sets no limits: cpu {cpu:g}, "
                    f"memory {memory}",
                )
                return
