"""A service's environment, compose secrets and dependencies, read as Compose reads them.

``env_file`` entries come first (resolved against the project folder, ``required:
false`` honoured), then ``environment`` overrides them; a variable listed without a
value takes it from the environment Compose interpolates from. Sorting them into
env, secrets and ``uses`` happens afterwards, in :mod:`.wiring`.
"""

from __future__ import annotations

import re
from typing import Any

from .context import Context, text_of
from .envfile import Expand, parse_env_file
from .interpolate import Interpolator
from .shapes import sequence
from .syntax import secret_source


def read_environment(ctx: Context, compose: str, data: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    files = sequence(data.get("env_file"))
    for index, item in enumerate(files):
        path, required = (
            (item, True)
            if isinstance(item, str)
            else (item.get("path"), item.get("required", True))
            if isinstance(item, dict)
            else (None, True)
        )
        where = ctx.where(compose, "env_file", index)
        if not isinstance(path, str):
            ctx.error(compose, ("env_file", index), "must name a file")
            continue
        raw = ctx.project.reader.read(
            ctx.project.directory / path, where, what="env_file", optional=required is False
        )
        if raw is None:
            ctx.find(
                "dropped", compose, ("env_file", index), f"{path} does not exist (required: false)"
            )
            continue
        shown = ctx.project.reader.shown(ctx.project.directory / path)
        decoded = _decoded(raw)
        if isinstance(decoded, int):
            # Compose refuses such a file too; replacing bytes would change a value silently.
            ctx.error(
                compose,
                ("env_file", index),
                f"{shown} is not UTF-8 text (line {decoded})",
                "save the env file as UTF-8",
            )
            continue
        values = parse_env_file(decoded, shown, _expander(ctx))
        ctx.find("mapped", compose, ("env_file", index), f"{len(values)} variables from {shown}")
        for key, value in values.items():
            if value is None:
                value = ctx.project.env.get(key)
            if value is not None:
                env[key] = value
    environment = data.get("environment")
    if isinstance(environment, dict):
        for key, value in environment.items():
            if value is None:
                value = ctx.project.env.get(key)
                if value is None:
                    ctx.find(
                        "dropped",
                        compose,
                        ("environment", key),
                        "takes its value from the environment, where it is not set",
                    )
                    continue
            text = text_of(value)
            if text is None:
                ctx.error(
                    compose,
                    ("environment", key),
                    "an environment value must be text, a number or true/false",
                )
                continue
            env[key] = text
    elif environment is not None:
        ctx.error(compose, ("environment",), "must be a mapping or a list of KEY=value")
    return env


def _expander(ctx: Context) -> Expand:
    engine = Interpolator(ctx.project.env)
    return lambda value, where, _so_far: engine.text(value, where)


def read_secrets(ctx: Context, compose: str, data: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    items = sequence(data.get("secrets"))
    for index, item in enumerate(items):
        source = secret_source(item)
        target = item.get("target") if isinstance(item, dict) else None
        if not isinstance(source, str):
            ctx.error(compose, ("secrets", index), "must name a secret")
            continue
        if source not in ctx.project.secrets:
            ctx.error(
                compose,
                ("secrets", index),
                f"secret {source!r} is not defined under the top-level `secrets`",
            )
            continue
        base = target if isinstance(target, str) and "/" not in target else source
        out[source] = secret_name(base)
    return out


def secret_name(text: str) -> str:
    """``db-password`` → ``DB_PASSWORD``: the environment variable ECS injects it as."""
    name = re.sub(r"[^A-Z0-9_]", "_", text.upper())
    return name if name and not name[0].isdigit() else "_" + name


def read_depends_on(ctx: Context, compose: str, data: dict[str, Any]) -> dict[str, str]:
    depends = data.get("depends_on")
    if depends is None:
        return {}
    if not isinstance(depends, dict):
        ctx.error(
            compose,
            ("depends_on",),
            "must be a list of services or a mapping of service to condition",
        )
        return {}
    out = {}
    for target, options in depends.items():
        condition = (
            options.get("condition", "service_started")
            if isinstance(options, dict)
            else "service_started"
        )
        out[str(target)] = str(condition)
    return out


def _decoded(raw: bytes) -> str | int:
    """The env file's text, or the 1-based line of its first byte that is not UTF-8 text."""
    if b"\x00" in raw:  # a binary file
        return raw[: raw.index(b"\x00")].count(b"\n") + 1
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return raw[: error.start].count(b"\n") + 1
