"""How a service's container runs: command, user, health check, sidecars and volumes.

These are the settings of one ECS container definition (and of its task) that real
images need and compose files carry. The ranges are ECS's, from botocore's ``ecs``
service model (``HealthCheck``, ``ContainerDefinition.stopTimeout``,
``EphemeralStorage.sizeInGiB``); ``tests/spec/test_container.py`` checks that they still
agree with the installed model, and the preview's conformance rules check the task
definitions against the same text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .base import SpecModel
from .rules import Problem
from .types import EnvValue, Name, Port, SpecValueError, in_range
from .volumes import POSIX_ID

# ECS ContainerDependency.condition (botocore: ContainerCondition enum).
ContainerCondition = Literal["START", "COMPLETE", "SUCCESS", "HEALTHY"]
# The conditions that wait for a container to exit: ECS refuses them on an essential one
# ("This condition can't be set on an essential container", ContainerDependency docs).
EXIT_CONDITIONS = ("COMPLETE", "SUCCESS")

# botocore ecs HealthCheck member docs: "You may specify between 5 and 300 seconds" etc.
HEALTHCHECK_INTERVAL = (5, 300)
HEALTHCHECK_TIMEOUT = (2, 60)
HEALTHCHECK_RETRIES = (1, 10)
HEALTHCHECK_START_PERIOD = (0, 300)
# ContainerDefinition.stopTimeout: "For tasks that use the Fargate launch type, the max
# stop timeout value is 120 seconds".
STOP_TIMEOUT = (1, 120)
# EphemeralStorage.sizeInGiB: "The minimum supported value is 21 GiB and the maximum
# supported value is 200 GiB."
EPHEMERAL_STORAGE_GB = (21, 200)

Command = Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


# An absolute path inside the container, without "..": ECS mount points and working
# directories are absolute, and a relative one means something else in every image.
def _no_parent(value: str) -> str:
    if ".." in value.split("/"):
        raise SpecValueError(f"must not contain '..', got {value!r}", "write the plain path")
    return value


ContainerPath = Annotated[
    str, Field(max_length=1024, pattern=r"^/[\x21-\x7e]*$"), AfterValidator(_no_parent)
]
# ContainerDefinition.user: user, user:group, uid, uid:gid, user:gid or uid:group.
User = Annotated[
    str,
    Field(max_length=256, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$"),
]
Platform = Literal["arm64", "x86_64"]


def _secs(bounds: tuple[int, int], what: str) -> in_range:
    return in_range(bounds[0], bounds[1], f"{what}; ECS takes {bounds[0]}-{bounds[1]}")


class HealthCheck(SpecModel):
    """A container health check: ECS runs ``command`` inside the container.

    ``["CMD-SHELL", "curl -f http://localhost:8080/hc || exit 1"]`` runs through the
    image's shell; ``["CMD", "/bin/check", "--quick"]`` runs the program directly. ECS
    marks the task unhealthy after ``retries`` failures and replaces it.
    """

    command: Command = Field(
        description='["CMD-SHELL", "<shell command>"] or ["CMD", "<program>", "<arg>", ...]'
    )
    interval_seconds: Annotated[int, _secs(HEALTHCHECK_INTERVAL, "seconds between checks")] = 30
    timeout_seconds: Annotated[int, _secs(HEALTHCHECK_TIMEOUT, "seconds one check may take")] = 5
    retries: Annotated[int, _secs(HEALTHCHECK_RETRIES, "failed checks before unhealthy")] = 3
    start_period_seconds: Annotated[
        int, _secs(HEALTHCHECK_START_PERIOD, "seconds of start-up whose failures do not count")
    ] = 0

    def _problems(self) -> Iterator[Problem]:
        form, rest = self.command[0], self.command[1:]
        if form not in ("CMD", "CMD-SHELL"):
            yield Problem(
                ("command",),
                f"a health check command starts with CMD or CMD-SHELL, got {form!r}",
                'e.g. ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]',
                ("command",),
                "healthcheck-form",
            )
        elif form == "CMD-SHELL" and len(rest) != 1:
            yield Problem(
                ("command",),
                f"CMD-SHELL takes one shell command string, got {len(rest)}",
                'join it into one string: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]',
                ("command",),
                "healthcheck-form",
            )
        elif not rest:
            yield Problem(
                ("command",),
                "CMD needs the program to run",
                'e.g. ["CMD", "/bin/healthcheck"]',
                ("command",),
                "healthcheck-form",
            )


class Sidecar(SpecModel):
    """A container beside the app in every task: a proxy, an agent, or an init step.

    ``port`` is the port it listens on inside the task (the app reaches it at
    ``localhost:<port>``); no security group opens it to other services. An init step
    that runs once before the app is ``essential: false`` and the app waits for it with
    ``depends_on: {<sidecar>: SUCCESS}``.
    """

    image: str = Field(pattern=r"^\S+$")
    port: Port | None = None
    env: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")], EnvValue] = Field(
        default_factory=dict
    )
    command: Command | None = None
    essential: bool = Field(
        default=True,
        description="Stop the task when this container stops; false for init steps and "
        "helpers the app can live without.",
    )
    healthcheck: HealthCheck | None = None
    depends_on: dict[Name, ContainerCondition] = Field(
        default_factory=dict,
        description="Other sidecars this one waits for, with the condition: START, "
        "COMPLETE, SUCCESS or HEALTHY.",
    )


PosixId = Annotated[int, in_range(POSIX_ID[0], POSIX_ID[1], "a POSIX id; EFS takes 0-4294967295")]


class Volume(SpecModel):
    """``volumes.<name>``: a persistent file system (encrypted EFS), mounted by services.

    Every mounting service reads and writes its files as one POSIX identity, ``uid`` and
    ``gid`` (``spec/volumes.py`` says how it is chosen when they are not set).
    """

    backup_days: Annotated[int, in_range(1, 35, "days AWS Backup keeps daily backups")] | None = (
        None
    )
    uid: PosixId | None = Field(
        default=None,
        description="The user every mounting service's file operations run as (EFS access "
        "points); default: the services' numeric `user`, else 1000.",
    )
    gid: PosixId | None = Field(
        default=None, description="The group those operations run as; default: `uid`."
    )

    def _problems(self) -> Iterator[Problem]:
        if self.gid is not None and self.uid is None:
            yield Problem(
                ("gid",),
                "`gid` without `uid`: the files' owner would still be chosen for you",
                "set `uid` too (the user the volume's files belong to)",
                ("uid", "gid"),
                "volume-gid-without-uid",
            )


def dependency_problems(
    sidecars: Mapping[str, Sidecar], app_depends_on: Mapping[str, str]
) -> Iterator[Problem]:
    """The rules between a service's containers: what a ``depends_on`` may name and wait for.

    ECS refuses a COMPLETE or SUCCESS condition on an essential container, a HEALTHY one
    on a container without a health check, and a dependency cycle (the task never starts).
    """
    edges: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
        "": [(t, c, ("depends_on", t)) for t, c in app_depends_on.items()]  # the app
    }
    for name, sidecar in sidecars.items():
        edges[name] = [
            (t, c, ("sidecars", name, "depends_on", t)) for t, c in sidecar.depends_on.items()
        ]
    for name, deps in edges.items():
        for target, condition, where in deps:
            field = where[:1]
            if target not in sidecars:
                known = ", ".join(sorted(sidecars)) or "none"
                yield Problem(
                    field,
                    f"{where[-1]!r} is not a sidecar of this service (sidecars: {known})",
                    "a container waits only for the sidecars declared under `sidecars`",
                    ("sidecars", "depends_on"),
                    "unknown-container",
                )
                continue
            if target == name:
                yield Problem(
                    field,
                    f"sidecar {name!r} depends on itself",
                    "remove it from its own `depends_on`",
                    ("sidecars",),
                    "dependency-cycle",
                )
            elif condition in EXIT_CONDITIONS and sidecars[target].essential:
                yield Problem(
                    field,
                    f"{condition} waits for {target!r} to exit, but it is essential "
                    "(its exit would stop the task)",
                    f"set `sidecars.{target}.essential: false`, or wait for START or HEALTHY",
                    ("sidecars", "depends_on"),
                    "exit-of-essential",
                )
            elif condition == "HEALTHY" and sidecars[target].healthcheck is None:
                yield Problem(
                    field,
                    f"HEALTHY waits for the health check of {target!r}, but it has none",
                    f"add `sidecars.{target}.healthcheck`, or wait for START",
                    ("sidecars", "depends_on"),
                    "no-healthcheck",
                )
    cycle = _cycle({n: [t for t, _, _ in d if t in sidecars and t != n] for n, d in edges.items()})
    if cycle:
        yield Problem(
            ("sidecars",),
            "the containers wait for each other in a circle: " + " -> ".join(cycle),
            "break the circle: ECS would never start the task",
            ("sidecars", "depends_on"),
            "dependency-cycle",
        )


def _cycle(graph: Mapping[str, list[str]]) -> list[str]:
    """One dependency cycle (first node repeated at the end), or [] when there is none."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def container_problems(
    port: int | None,
    sidecars: Mapping[str, Sidecar],
    depends_on: Mapping[str, str],
    volumes: Mapping[str, str],
) -> Iterator[Problem]:
    """The rules between a service's container fields (its ``port`` is the app's)."""
    yield from dependency_problems(sidecars, depends_on)
    paths: dict[str, str] = {}
    for name, path in volumes.items():
        if path in paths:
            yield Problem(
                ("volumes", name),
                f"volumes {paths[path]!r} and {name!r} both mount at {path}",
                "give each volume its own path",
                ("volumes",),
                "mount-clash",
            )
        paths[path] = name
    taken: dict[int, str] = {} if port is None else {port: "the app"}
    for name, sidecar in sidecars.items():
        if sidecar.port is None:
            continue
        if sidecar.port in taken:
            yield Problem(
                ("sidecars",),
                f"sidecar {name!r} listens on port {sidecar.port}, as {taken[sidecar.port]} does",
                "the task's containers share one network namespace: give each its own port",
                ("sidecars", "port"),
                "port-clash",
            )
        taken[sidecar.port] = repr(name)
