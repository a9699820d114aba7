"""Compose's variable interpolation: ``${VAR}``, ``${VAR:-default}``, ``$$`` and friends.

Compose substitutes variables in every value (never in keys) of each file before the
files are merged, from the process environment over the ``.env`` (or ``--env-file``)
file. The operators are the Compose specification's: ``:-``/``-`` default, ``:?``/``?``
required, ``:+``/``+`` alternative, nested inside one another; the word after an
operator is expanded only when it is used, as in the shell, so
``${A:-${B:?needed}}`` does not fail when ``A`` is set. An unset variable without a
default becomes an empty string and a warning, as Compose does. Expansion is capped
(:data:`MAX_EXPANDED` characters per file, :data:`MAX_NESTING` levels) because a
hostile file could otherwise ask for a variable a million times.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..spec.yamlsource import YamlDocument, dotted
from .report import ImportFailed
from .sources import KeyPath, Override, Reset, Where

MAX_EXPANDED = 4 * 1024 * 1024
MAX_NESTING = 16
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HINT = "write $$ for a literal dollar sign"


class Environment:
    """Variables as Compose sees them: the process environment wins over the env files."""

    def __init__(self, process: Mapping[str, str], files: Mapping[str, str]) -> None:
        self.process = dict(process)
        self.files = dict(files)
        self.from_process: set[str] = set()
        self.unset: dict[str, Where] = {}

    def get(self, name: str) -> str | None:
        if name in self.process:
            self.from_process.add(name)
            return self.process[name]
        return self.files.get(name)


class Interpolator:
    """Expands one file's strings; raises :class:`ImportFailed` at the offending key."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.produced = 0

    def text(self, value: str, where: Where) -> str:
        if "$" not in value:
            return value
        result = self._expand(value, where, 0)
        self.produced += len(result)
        if self.produced > MAX_EXPANDED:
            raise ImportFailed(
                [
                    where.problem(
                        f"variables expand to more than {MAX_EXPANDED:,} characters",
                        "is a large variable used many times?",
                        "too-large",
                    )
                ]
            )
        return result

    def _expand(self, s: str, where: Where, depth: int) -> str:
        out: list[str] = []
        i, n = 0, len(s)
        while i < n:
            char = s[i]
            if char != "$":
                j = s.find("$", i)
                j = n if j < 0 else j
                out.append(s[i:j])
                i = j
                continue
            following = s[i + 1] if i + 1 < n else ""
            if following == "$":
                out.append("$")
                i += 2
            elif following == "{":
                end = _extent(s, i + 2)
                if end < 0:
                    raise ImportFailed(
                        [where.problem(f"unterminated `${{` in {s!r}", _HINT, "interpolation")]
                    )
                out.append(self._braced(s[i + 2 : end], where, depth + 1))
                i = end + 1
            elif match := _NAME.match(s, i + 1):
                out.append(self._direct(match.group(), where))
                i = match.end()
            else:
                out.append("$")
                i += 1
        return "".join(out)

    def _braced(self, body: str, where: Where, depth: int) -> str:
        if depth > MAX_NESTING:
            raise ImportFailed(
                [
                    where.problem(
                        f"variables nested more than {MAX_NESTING} deep", code="interpolation"
                    )
                ]
            )
        match = _NAME.match(body)
        if not match:
            raise ImportFailed(
                [where.problem(f"invalid interpolation `${{{body}}}`", _HINT, "interpolation")]
            )
        name, rest = match.group(), body[match.end() :]
        if not rest:
            return self._direct(name, where)
        colon = rest.startswith(":")
        operator = rest[1:2] if colon else rest[:1]
        if operator not in ("-", "?", "+"):
            raise ImportFailed(
                [
                    where.problem(
                        f"`${{{body}}}` is not Compose interpolation",
                        "Compose supports ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, "
                        "${VAR?error}, ${VAR:+alt} and ${VAR+alt}",
                        "interpolation",
                    )
                ]
            )
        word = rest[2:] if colon else rest[1:]
        value = self.env.get(name)
        present = value is not None and (value != "" or not colon)
        if operator == "-":
            return value if present and value is not None else self._expand(word, where, depth)
        if operator == "+":
            return self._expand(word, where, depth) if present else ""
        if present and value is not None:
            return value
        message = self._expand(word, where, depth) or "is required"
        raise ImportFailed(
            [
                where.problem(
                    f"variable {name} is {'unset or empty' if colon else 'unset'}: {message}",
                    f"set {name} in the environment, in .env, or in a file passed with --env-file",
                    "required-variable",
                )
            ]
        )

    def _direct(self, name: str, where: Where) -> str:
        value = self.env.get(name)
        if value is None:
            self.env.unset.setdefault(name, where)
            return ""
        return value


def _extent(s: str, start: int) -> int:
    """The index of the ``}`` closing a ``${`` whose body starts at ``start``, or -1."""
    depth, i, n = 0, start, len(s)
    while i < n:
        if s.startswith("$$", i):
            i += 2
            continue
        if s.startswith("${", i):
            depth += 1
            i += 2
            continue
        if s[i] == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def interpolate_document(data: Any, document: YamlDocument, env: Environment) -> Any:
    """Every string value of a parsed compose file, expanded; keys are left alone."""
    engine = Interpolator(env)
    return _walk(data, (), document, engine)


def _walk(value: Any, path: KeyPath, document: YamlDocument, engine: Interpolator) -> Any:
    if isinstance(value, str):
        line, column = document.position(path)
        return engine.text(value, Where(document.file, line, column, dotted(path)))
    if isinstance(value, dict):
        return {k: _walk(v, (*path, k), document, engine) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, (*path, i), document, engine) for i, v in enumerate(value)]
    if isinstance(value, Override):
        return Override(_walk(value.value, path, document, engine))
    if isinstance(value, Reset):
        return value
    return value
