"""What a Dockerfile says about running its image: ports, health check, user, base image.

Compose often leaves these to the image: a service without ``ports`` may still
``EXPOSE 8080``, and whether it runs as root is decided by ``USER``. Only the stage
that is built counts (compose's ``build.target``, else the last), and a stage built
``FROM`` an earlier stage inherits what that stage declared. ``ARG``/``ENV`` defaults
are substituted in ``EXPOSE`` and ``USER``; what stays unresolved is skipped.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)\s+(.*)$", re.S)
_VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass
class Stage:
    name: str | None
    base: str
    expose: list[str] = field(default_factory=list)
    healthcheck: str | None = None
    user: str | None = None
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DockerfileFacts:
    base: str
    ports: tuple[str, ...]
    healthcheck: str | None  # the command, or "NONE"
    user: str | None
    stage: str | None


def read_dockerfile(text: str, target: str | None = None) -> DockerfileFacts | None:
    """The facts of the built stage, or None when the text has no ``FROM``."""
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    for instruction, argument in _instructions(text):
        if instruction == "FROM":
            words = argument.split()
            words = [w for w in words if not w.startswith("--")]
            if not words:
                continue
            base = _substitute(words[0], global_args)
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
            parent = next((s for s in stages if s.name and s.name == base.lower()), None)
            stage = Stage(name, parent.base if parent else base)
            if parent:
                stage.expose = list(parent.expose)
                stage.healthcheck, stage.user = parent.healthcheck, parent.user
                stage.variables = dict(parent.variables)
            stages.append(stage)
            continue
        if not stages:
            if instruction == "ARG":
                global_args.update(
                    {k: v for k, v in _assignments(argument).items() if v is not None}
                )
            continue
        stage = stages[-1]
        if instruction in ("ARG", "ENV"):
            for name, value in _assignments(argument).items():
                if value is None:  # `ARG PORT` in a stage takes the global default
                    value = global_args.get(name)
                if value is not None:
                    stage.variables[name] = _substitute(value, stage.variables)
        elif instruction == "EXPOSE":
            stage.expose.extend(_substitute(word, stage.variables) for word in argument.split())
        elif instruction == "HEALTHCHECK":
            stage.healthcheck = _health_command(argument)
        elif instruction == "USER":
            stage.user = _substitute(argument.strip(), stage.variables)
    if not stages:
        return None
    chosen = next((s for s in stages if target and s.name == target.lower()), stages[-1])
    ports = tuple(p for p in chosen.expose if p and "$" not in p)
    return DockerfileFacts(chosen.base, ports, chosen.healthcheck, chosen.user, chosen.name)


def _instructions(text: str) -> list[tuple[str, str]]:
    """Logical lines: comments dropped, backslash continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and not pending:
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical = pending + stripped
        pending = ""
        match = _INSTRUCTION.match(logical)
        if match:
            out.append((match.group(1).upper(), match.group(2).strip()))
    return out


def _assignments(argument: str) -> dict[str, str | None]:
    """``A=1 B=2`` or legacy ``A 1`` → values; a bare ``ARG A`` → None (no default)."""
    try:
        words = shlex.split(argument)
    except ValueError:
        return {}
    if len(words) >= 2 and "=" not in words[0]:  # legacy `ENV NAME value`
        return {words[0]: " ".join(words[1:])}
    out: dict[str, str | None] = {}
    for word in words:
        name, found, value = word.partition("=")
        out[name] = value if found else None
    return out


def _substitute(word: str, variables: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        if name in variables:
            return variables[name]
        default = match.group(2)
        return default if default is not None else match.group(0)

    return _VARIABLE.sub(value, word)


def _health_command(argument: str) -> str | None:
    words = argument.split()
    if words and words[0].upper() == "NONE":
        return "NONE"
    index = next((i for i, w in enumerate(words) if w.upper() == "CMD"), None)
    if index is None:
        return None
    return " ".join(words[index + 1 :]).strip() or None
