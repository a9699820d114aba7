"""Read the files a compose project names, treating every one as untrusted input.

Compose YAML goes through shipspec's hardened reader (size, alias-bomb and depth
limits, positions for every key). Two things are added here. Compose's ``!reset`` and
``!override`` tags, which the plain reader drops, are found by a second, cheap walk
and kept as :class:`Reset` / :class:`Override` wrappers for the merge. And no file is
read outside the project's root folder, or more than :data:`MAX_FILES` of them: a
compose file must not pull ``/etc/passwd`` into a handoff spec through ``env_file``,
nor ``include`` itself forever.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from ..errors import Diagnostic, SpecError
from ..spec.yamlsource import MAX_BYTES, MAX_NODES, YamlDocument, read_yaml
from .report import ImportFailed

MAX_FILES = 64
KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Reset:
    """``!reset``: remove what an earlier file set for this key."""


@dataclass(frozen=True)
class Override:
    """``!override``: replace an earlier file's value instead of merging with it."""

    value: Any


@dataclass(frozen=True)
class Where:
    """The compose key that names a file, so a problem with the file points at it."""

    file: str
    line: int = 0
    column: int = 0
    path: str = ""

    def problem(self, message: str, hint: str = "", code: str = "invalid") -> Diagnostic:
        return Diagnostic(self.file, self.line, self.column, self.path, message, hint, code)


class Reader:
    """Reads files under ``root`` only, at most :data:`MAX_FILES`, each at most ``MAX_BYTES``."""

    def __init__(self, root: Path, project_dir: Path) -> None:
        self.root = root.resolve()
        self.project_dir = project_dir.resolve()
        self.count = 0

    def shown(self, path: Path) -> str:
        """How a file is named in messages and in the handoff: relative to the project."""
        if not usable(path):
            return repr(str(path))
        return Path(os.path.relpath(path.resolve(), self.project_dir)).as_posix()

    def read(self, path: Path, where: Where, *, what: str, optional: bool = False) -> bytes | None:
        if not usable(path):
            problem = where.problem(
                f"{what} {str(path)!r} is not a usable file name", code="bad-path"
            )
            raise ImportFailed([problem])
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise ImportFailed(
                [
                    where.problem(
                        f"names {what} {path}, outside the project folder {self.root}",
                        "copy it into the project folder; shipspec reads nothing outside it",
                        "outside-project",
                    )
                ]
            )
        if not resolved.exists():
            if optional:
                return None
            raise ImportFailed(
                [where.problem(f"{what} {self.shown(path)} does not exist", code="not-found")]
            )
        if not resolved.is_file():
            raise ImportFailed(
                [where.problem(f"{what} {self.shown(path)} is not a file", code="not-a-file")]
            )
        self.count += 1
        if self.count > MAX_FILES:
            raise ImportFailed(
                [
                    where.problem(
                        f"the project reads more than {MAX_FILES} files",
                        "is an `include` or `extends` chain looping?",
                        "too-many-files",
                    )
                ]
            )
        try:
            with resolved.open("rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise ImportFailed(
                [where.problem(f"cannot read {what}: {exc.strerror}", code="unreadable")]
            ) from None
        if len(raw) > MAX_BYTES:
            raise ImportFailed(
                [
                    where.problem(
                        f"{what} {self.shown(path)} is over {MAX_BYTES:,} bytes", code="too-large"
                    )
                ]
            )
        return raw


def usable(path: Path | str) -> bool:
    """Can this name reach the file system (no NUL byte, encodable in its encoding)?"""
    try:
        os.fsencode(path)
    except (UnicodeError, ValueError):
        return False
    return "\x00" not in str(path)


def parse_compose(raw: bytes, shown: str) -> tuple[YamlDocument, Any]:
    """Compose YAML → its located document and its data with tags kept as wrappers."""
    try:
        document = read_yaml(raw, shown)
    except SpecError as error:
        raise ImportFailed(error.diagnostics) from None
    if document.problems:
        raise ImportFailed(document.problems)
    tags: dict[KeyPath, str] = {}
    if b"!reset" in raw or b"!override" in raw:
        try:
            tree = YAML(typ="rt", pure=True).load(raw.decode("utf-8-sig"))
        except (YAMLError, ValueError, RecursionError):  # read_yaml accepted it: cannot happen
            tree = None
        _find_tags(tree, (), tags, [0])
    return document, _wrap(document.data, (), tags)


def _find_tags(node: Any, path: KeyPath, out: dict[KeyPath, str], budget: list[int]) -> None:
    budget[0] += 1
    if budget[0] > MAX_NODES:
        return
    tag = getattr(getattr(node, "tag", None), "value", None)
    if tag in ("!reset", "!override"):
        out[path] = tag[1:]
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            if isinstance(key, str | int | float | bool) or key is None:
                _find_tags(value, (*path, _key_text(key)), out, budget)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            _find_tags(value, (*path, index), out, budget)


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def _wrap(data: Any, path: KeyPath, tags: dict[KeyPath, str]) -> Any:
    if not tags:
        return data
    if isinstance(data, dict):
        data = {key: _wrap(value, (*path, key), tags) for key, value in data.items()}
    elif isinstance(data, list):
        data = [_wrap(value, (*path, index), tags) for index, value in enumerate(data)]
    tag = tags.get(path)
    if tag == "reset":
        return Reset()
    if tag == "override":
        return Override(data)
    return data


def strip(value: Any) -> Any:
    """The value with any wrappers inside it resolved (a reset inside a value is removed)."""
    if isinstance(value, Override):
        return strip(value.value)
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if not isinstance(v, Reset)}
    if isinstance(value, list):
        return [strip(v) for v in value if not isinstance(v, Reset)]
    return value
