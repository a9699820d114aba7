"""How a compose service's container runs → the spec's container fields.

``command``, ``entrypoint``, ``working_dir``, ``user``, the ``healthcheck`` test (kept
as written, in ECS's ``CMD`` / ``CMD-SHELL`` forms, durations in seconds within ECS's
ranges), ``stop_grace_period`` (at most Fargate's 120 seconds), ``read_only``,
``platform``, ``tmpfs`` and named volumes (each a top-level ``volumes`` entry, an
encrypted EFS file system). A compose ``command`` string is split as Compose splits it
(shell words, without running a shell).
"""

from __future__ import annotations

import shlex
from typing import Any

from ..spec.container import STOP_TIMEOUT
from .context import Context, credential, text_of
from .environment import read_environment
from .shapes import sequence
from .syntax import duration_seconds, parse_volume

_PLATFORMS = {"linux/arm64": "arm64", "linux/arm64/v8": "arm64", "linux/amd64": "x86_64"}


def words(value: Any) -> list[str] | None:
    """A compose command / entrypoint as a list: a string is split into shell words."""
    if isinstance(value, list) and value and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    text = text_of(value)
    if text:
        try:
            return shlex.split(text) or None
        except ValueError:
            return None
    return None


def read_container(ctx: Context, compose: str, data: dict[str, Any], spec: dict[str, Any]) -> None:
    """Set ``spec``'s container fields from ``data``, one report finding per key."""
    for key, field in (("command", "command"), ("entrypoint", "entrypoint")):
        if key in data:
            found = words(data[key])
            if found is None:
                ctx.find("dropped", compose, (key,), f"cannot read `{key}` as a list of words")
            else:
                spec[field] = found
                ctx.find("mapped", compose, (key,), f"{field} {' '.join(found)}")
    if "working_dir" in data:
        path = text_of(data["working_dir"])
        if path and path.startswith("/"):
            spec["working_dir"] = path
            ctx.find("mapped", compose, ("working_dir",), f"working_dir {path}")
        else:
            ctx.find("dropped", compose, ("working_dir",), "not an absolute path")
    if "stop_grace_period" in data:
        _stop_timeout(ctx, compose, data["stop_grace_period"], spec)
    if data.get("read_only") in (True, "true"):
        spec["read_only_root_filesystem"] = True
        ctx.find(
            "mapped",
            compose,
            ("read_only",),
            "read_only_root_filesystem: true (the task gets a writable /tmp)",
        )
    elif "read_only" in data:
        ctx.find("mapped", compose, ("read_only",), "a writable root file system, as on Fargate")
    if "platform" in data:
        platform = _PLATFORMS.get(str(data["platform"]).lower())
        if platform:
            spec["platform"] = platform
            ctx.find("mapped", compose, ("platform",), f"platform {platform}")
        else:
            ctx.find(
                "dropped",
                compose,
                ("platform",),
                f"Fargate runs linux/amd64 or linux/arm64, not {data['platform']}",
            )
    if "tmpfs" in data:
        _tmpfs(ctx, compose, data, spec)


def read_user(ctx: Context, compose: str, user: str, spec: dict[str, Any]) -> None:
    if user.split(":")[0] in ("root", "0"):
        ctx.find(
            "dropped",
            compose,
            ("user",),
            "runs as root, as the image does by default: give the image a non-root USER",
        )
        return
    spec["user"] = user
    ctx.find("mapped", compose, ("user",), f"user {user}")


def _stop_timeout(ctx: Context, compose: str, value: Any, spec: dict[str, Any]) -> None:
    seconds = duration_seconds(value)
    if seconds is None:
        ctx.find("dropped", compose, ("stop_grace_period",), f"cannot read {value!r} as a duration")
        return
    low, high = STOP_TIMEOUT
    kept = max(low, min(high, int(-(-seconds // 1))))
    spec["stop_timeout_seconds"] = kept
    capped = f" (Fargate waits at most {high})" if seconds > high else ""
    ctx.find("mapped", compose, ("stop_grace_period",), f"stop_timeout_seconds {kept}{capped}")


def _tmpfs(ctx: Context, compose: str, data: dict[str, Any], spec: dict[str, Any]) -> None:
    tmpfs = data["tmpfs"]
    paths = [str(p).split(":")[0] for p in (tmpfs if isinstance(tmpfs, list) else [tmpfs])]
    for index, path in enumerate(paths):
        keys: tuple[str | int, ...] = ("tmpfs", index) if isinstance(tmpfs, list) else ("tmpfs",)
        if not spec.get("read_only_root_filesystem"):
            ctx.find("mapped", compose, keys, f"{path} is writable: the root file system is")
        elif path == "/tmp":
            ctx.find("mapped", compose, keys, "/tmp: a writable task-scoped volume")
        else:
            ctx.find(
                "dropped",
                compose,
                keys,
                f"{path}: with a read-only root only /tmp and volumes are writable",
            )


def named_volumes(
    ctx: Context, compose: str, data: dict[str, Any], spec: dict[str, Any]
) -> list[int]:
    """Each named volume the service mounts → ``volumes: {name: path}`` and a top-level
    volume in ``ctx.volumes``; the indexes of the entries it mapped."""
    mapped = []
    for index, value in enumerate(sequence(data.get("volumes"))):
        volume = parse_volume(value)
        if volume is None or volume.kind != "volume" or not volume.target.startswith("/"):
            continue
        name = _volume_name(volume.source)
        if name is None:
            continue
        spec.setdefault("volumes", {})[name] = volume.target
        ctx.volumes.setdefault(name, {})
        ctx.find(
            "mapped",
            compose,
            ("volumes", index),
            f"volume {name} at {volume.target}: an encrypted EFS file system, backed up",
        )
        mapped.append(index)
    return mapped


def _volume_name(source: str) -> str | None:
    """A compose volume name as a spec name (lowercase letters, digits and single -)."""
    cleaned = "".join(c if c.isalnum() else "-" for c in source.lower()).strip("-")
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"vol-{cleaned}".strip("-")
    cleaned = cleaned[:31].rstrip("-")
    return cleaned if len(cleaned) >= 2 else None


def init_container(ctx: Context, compose: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """A one-shot service other services wait for (``service_completed_successfully``) as
    an init sidecar: it runs to completion in each of their tasks before the app starts.

    Only a published ``image`` can be a sidecar (a ``build`` has no image of its own in
    the spec), and only with a command of plain words: a multi-line inline script stays
    a one-shot task to bake into an image. Its plain environment is copied; a credential
    is not (a sidecar takes no secrets), and is reported dropped.
    """
    image = data.get("image")
    if "build" in data or not isinstance(image, str) or not image.strip() or " " in image.strip():
        return None
    sidecar: dict[str, Any] = {"image": image.strip(), "essential": False}
    for key in ("command", "entrypoint"):
        found = words(data.get(key)) if key in data else None
        if found:
            sidecar["command"] = [*(sidecar.get("command") or []), *found]
    if any("\n" in word for word in sidecar.get("command", [])):
        return None  # an inline multi-line script belongs in an image, not in the spec
    environment = read_environment(ctx, compose, data)
    env = {}
    for variable, value in sorted(environment.items()):
        reason = credential(variable, value)
        if reason:
            ctx.find(
                "dropped",
                compose,
                ("environment", variable),
                f"{reason}: an init container takes no secrets; give the step its own access",
            )
        else:
            env[variable] = value
    if env:
        sidecar["env"] = env
    return sidecar
