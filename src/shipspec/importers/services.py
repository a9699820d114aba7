"""One compose service that runs application code → a spec service (before datastore wiring).

A service with a TCP port becomes a ``web`` service (one load-balanced container
port; ``public`` when Compose published it on all interfaces, internal when it is only
``expose``d or bound to localhost), anything else a ``worker``. The health path comes
from an HTTP probe in the healthcheck (curl, wget, any ``http://localhost:PORT/path``),
else from the Dockerfile's ``HEALTHCHECK``, else ``/health`` with a warning. Sizes come
from ``deploy.resources`` (limits, else reservations) rounded to a Fargate size that
fits; ``deploy.replicas`` becomes ``scaling.min``. Environment variables are
collected here and sorted into env, secrets and datastore ``uses`` by :mod:`.wiring`.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..spec.fargate import MEMORY_BY_CPU
from .container import named_volumes, read_container, read_user
from .context import Context, text_of
from .dockerfile import DockerfileFacts
from .environment import read_depends_on, read_environment, read_secrets
from .health import container_check, framework_path
from .ports import choose_port, health, health_url, read_ports
from .proxies import traefik_route
from .resources import size_for
from .rules import DROPPED, INCOMPATIBLE, KNOWN, judge, judge_volume
from .runtimes import runtime_size
from .schedules import report_loop
from .shapes import mapping, sequence
from .sources import usable


@dataclass
class App:
    compose: str
    name: str
    spec: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)  # compose secret -> variable name
    depends_on: dict[str, str] = field(default_factory=dict)
    published: bool = False  # its port was published to the host: people reach it


def convert_app(
    ctx: Context,
    compose: str,
    name: str,
    data: dict[str, Any],
    facts: DockerfileFacts | None,
    called_health: tuple[str, str] | None = None,
) -> App:
    """``called_health``: a health path another service calls this one at, and who does."""
    app = App(compose, name, {})
    _keys(ctx, compose, data)
    spec = app.spec
    spec["type"] = "worker"
    _source(ctx, compose, data, spec)
    candidates = read_ports(ctx, compose, data, facts)
    probe = health_url(ctx, compose, data, facts)
    chosen = choose_port(ctx, compose, candidates, probe)
    if chosen is not None:
        port, public, origin = chosen
        spec["type"], spec["port"], spec["public"] = "web", port, public
        app.published = origin.startswith("ports")
        ctx.note(("services", name, "port"), f"container port from {origin}")
        if public:
            ctx.note(
                ("services", name, "public"),
                "published on all interfaces, so reachable from the internet",
            )
        hint = (
            (called_health[0], f"{called_health[1]} checks it there")
            if called_health
            else framework_path(data, facts)
        )
        spec["health"] = health(ctx, compose, name, data, probe, port, hint)
    clamped: list[tuple[str, str]] = []
    check = container_check(data, facts, clamped)
    for key, what in clamped:
        ctx.find("mapped", compose, ("healthcheck", key), what)
    if check is not None:
        spec["healthcheck"], origin = check
        ctx.note(("services", name, "healthcheck"), f"from {origin}, the command as is")
        ctx.find(
            "mapped",
            compose,
            ("healthcheck",) if "healthcheck" in data else ("build",),
            f"container health check from {origin}: {' '.join(check[0]['command'])}",
        )
    elif "healthcheck" in data and chosen is None:
        ctx.find("dropped", compose, ("healthcheck",), "disabled, or no command to run")
    _size(ctx, compose, name, data, spec)
    read_container(ctx, compose, data, spec)
    if data.get("init") in (True, "true"):
        ctx.find(
            "mapped", compose, ("init",), "every task runs an init process (ECS initProcessEnabled)"
        )
    elif "init" in data:
        ctx.find("mapped", compose, ("init",), "ECS tasks run an init process regardless")
    runtime_size(ctx, compose, name, data, facts, spec)
    report_loop(ctx, compose, data)
    app.env = read_environment(ctx, compose, data)
    app.secrets = read_secrets(ctx, compose, data)
    app.depends_on = read_depends_on(ctx, compose, data)
    _user(ctx, compose, data, facts, spec)
    mounted = named_volumes(ctx, compose, data, spec)
    for index, volume in enumerate(sequence(data.get("volumes"))):
        if index in mounted:
            continue
        verdict = judge_volume(index, volume, datastore=False)
        if verdict is None:
            ctx.error(
                compose,
                ("volumes", index),
                f"cannot read volume {volume!r}",
                "write SOURCE:TARGET[:MODE] or the long syntax",
            )
        elif verdict[0] == "incompatible":
            ctx.incompatible(compose, ("volumes", index), verdict[1])
        else:
            ctx.find(verdict[0], compose, ("volumes", index), verdict[1])  # type: ignore[arg-type]
    return app


def _keys(ctx: Context, compose: str, data: dict[str, Any]) -> None:
    for key, value in data.items():
        if key.startswith("x-"):
            ctx.find("dropped", compose, (key,), "extension field, ignored")
        elif key not in KNOWN:
            close = difflib.get_close_matches(key, sorted(KNOWN), n=1)
            ctx.error(
                compose,
                (key,),
                f"`{key}` is not a compose service key",
                f"did you mean `{close[0]}`?" if close else "",
            )
        elif key == "labels" and traefik_route(value) is not None:
            pass  # Traefik's routing labels: read where the proxy is replaced (convert.py)
        elif key in DROPPED:
            ctx.find("dropped", compose, (key,), DROPPED[key])
        elif key in INCOMPATIBLE:
            ctx.incompatible(compose, (key,), INCOMPATIBLE[key])
        for which, sub, reason in judge(key, value):
            keys = (sub,) if "[" not in sub else (key, int(sub.split("[")[1].rstrip("]")))
            if which == "incompatible":
                ctx.incompatible(compose, keys, reason)
            else:
                ctx.find(which, compose, keys, reason)  # type: ignore[arg-type]
    if "profiles" in data:
        ctx.find("mapped", compose, ("profiles",), "its profile is active")


def _source(ctx: Context, compose: str, data: dict[str, Any], spec: dict[str, Any]) -> None:
    build, image = data.get("build"), data.get("image")
    if isinstance(build, dict):
        context = text_of(build.get("context", ".")) or "."
        if "dockerfile_inline" in build:
            ctx.incompatible(
                compose,
                ("build", "dockerfile_inline"),
                "an inline Dockerfile cannot be built by the generated CI; write it to a file",
            )
        remote = "://" in context or context.startswith(("git@", "github.com/"))
        shown = context if remote else relative_context(ctx, context)
        spec["build"] = {"context": shown}
        dockerfile = text_of(build.get("dockerfile"))
        if dockerfile and dockerfile != "Dockerfile":
            spec["build"]["dockerfile"] = dockerfile
        ctx.find(
            "mapped",
            compose,
            ("build",),
            f"build context {shown}" + (f", {dockerfile}" if dockerfile else ""),
        )
        for key in sorted(set(build) - {"context", "dockerfile", "dockerfile_inline"}):
            reason = (
                "CI builds the Dockerfile's last stage"
                if key == "target"
                else "build settings other than context and dockerfile are not carried over"
            )
            ctx.find("dropped", compose, ("build", key), reason)
        if isinstance(image, str):
            ctx.find(
                "dropped",
                compose,
                ("image",),
                f"`{image}` is only the local tag of the build; CI builds and pushes its own",
            )
    elif isinstance(image, str) and image.strip() and " " not in image.strip():
        spec["image"] = image.strip()
        ctx.find("mapped", compose, ("image",), f"image {image.strip()}")
    else:
        ctx.error(
            compose,
            (),
            "needs an `image` or a `build`",
            "Compose cannot start a service without one either",
        )


def relative_context(ctx: Context, context: str) -> str:
    """A compose build context as the handoff names it: relative to the handoff's folder."""
    if not usable(context):
        return context
    target = (ctx.project.directory / context).resolve()
    text = Path(os.path.relpath(target, ctx.base_dir.resolve())).as_posix()
    return text if text != "" else "."


Candidate = tuple[int, bool, str]


def _size(
    ctx: Context, compose: str, name: str, data: dict[str, Any], spec: dict[str, Any]
) -> None:
    deploy = mapping(data.get("deploy"))
    for key in deploy:
        if key not in ("resources", "replicas"):
            reason = (
                "a global service runs on every node; ECS runs a number of tasks"
                if key == "mode"
                else "ECS deployment settings come from the plan"
            )
            ctx.find("dropped", compose, ("deploy", key), reason)
    size_for(ctx, compose, name, data, deploy, spec, MEMORY_BY_CPU)
    replicas = deploy.get("replicas", data.get("scale"))
    keys: tuple[str, ...] = ("deploy", "replicas") if "replicas" in deploy else ("scale",)
    if replicas is not None:
        count = int(replicas) if str(replicas).isdigit() else None
        if count is None or count > 1000:
            ctx.error(
                compose, keys, f"replicas must be a whole number up to 1000, got {replicas!r}"
            )
        else:
            spec["scaling"] = {"min": count} if count <= 4 else {"min": count, "max": count}
            ctx.find("mapped", compose, keys, f"scaling.min {count}")
            ctx.note(
                ("services", name, "scaling"),
                f"min from {'.'.join(keys)}; the plan may raise it for availability",
            )


def _user(
    ctx: Context,
    compose: str,
    data: dict[str, Any],
    facts: DockerfileFacts | None,
    spec: dict[str, Any],
) -> None:
    user = text_of(data.get("user")) if "user" in data else None
    if user is not None:
        read_user(ctx, compose, user, spec)
    elif facts is not None:
        if facts.user is None or facts.user.split(":")[0] in ("root", "0"):
            said = "USER root" if facts.user else "no USER"
            ctx.find(
                "dropped",
                compose,
                ("build",),
                f"the Dockerfile has {said}: the container runs as root; add a non-root USER",
            )
        else:
            ctx.find("mapped", compose, ("build",), f"runs as {facts.user} (the Dockerfile's USER)")
