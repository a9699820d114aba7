"""Load a compose project as Compose reads it: files, variables, includes, extends, profiles.

The result is one merged model of plain mappings (:class:`ComposeProject`) plus a
:class:`Locator` that still knows, for any key of the merged model, which file and
line it came from. Order of work, as in Compose: each file is parsed, interpolated
(with the process environment over ``.env`` or ``--env-file``), has its ``include``
resolved and its services normalised, then merged onto the files before it;
``extends`` is resolved on the merged model; services whose ``profiles`` are not
active are set aside.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..spec.yamlsource import YamlDocument, dotted
from .envfile import parse_env_file
from .extends import resolve_extends
from .interpolate import Environment, Interpolator, interpolate_document
from .merge import Record, merge, normalise_service
from .report import ImportFailed
from .shapes import mapping
from .sources import KeyPath, Reader, Where, parse_compose

TOP_LEVEL = (
    "version",
    "name",
    "include",
    "services",
    "networks",
    "volumes",
    "secrets",
    "configs",
    "models",
)
MAX_INCLUDE_DEPTH = 8


class Locator:
    """Maps a path of the merged model to the file, line and column that set it."""

    def __init__(self, fallback: str) -> None:
        self.fallback = fallback
        self.sources: dict[KeyPath, tuple[YamlDocument, KeyPath]] = {}

    def recorder(
        self, doc: YamlDocument, model: KeyPath = (), origin: KeyPath = (), keep: bool = False
    ) -> Record:
        def record(path: KeyPath) -> None:
            if not (keep and path in self.sources):
                self.sources[path] = (doc, origin + path[len(model) :])

        return record

    def where(self, path: KeyPath, *, key: bool = False) -> Where:
        probe = path
        while probe:
            if probe in self.sources:
                doc, origin = self.sources[probe]
                target = _list_item(doc.data, origin + path[len(probe) :])
                line, column = doc.position(target, key=key)
                return Where(doc.file, line, column, dotted(path))
            probe = probe[:-1]
        return Where(self.fallback, 0, 0, dotted(path))


def _list_item(data: Any, path: KeyPath) -> KeyPath:
    """``path`` in the file's own shape: ``environment.KEY`` of a list-form ``environment``
    (``- KEY=value``) is that list item, so a finding points at the line of the key."""
    out: list[str | int] = []
    value = data
    for part in path:
        if isinstance(value, list) and isinstance(part, str):
            index = next(
                (
                    i
                    for i, item in enumerate(value)
                    if isinstance(item, str) and item.split("=", 1)[0].strip() == part
                ),
                None,
            )
            if index is None:
                return path
            out.append(index)
            value = value[index]
        elif (isinstance(value, dict) and part in value) or (
            isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
        ):
            out.append(part)
            value = value[part]  # type: ignore[index]
        else:
            return (*out, *path[len(out) :])
    return tuple(out)


@dataclass
class ComposeProject:
    name: str | None
    directory: Path
    files: list[str]
    services: dict[str, dict[str, Any]]
    secrets: dict[str, Any]
    locator: Locator
    env: Environment
    reader: Reader
    excluded: dict[str, list[str]] = field(default_factory=dict)
    obsolete_version: bool = False


def load_project(
    files: Sequence[Path],
    *,
    env_files: Sequence[Path] = (),
    profiles: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    root: Path | None = None,
) -> ComposeProject:
    if not files:
        raise ImportFailed([Where("compose").problem("no compose file given", code="usage")])
    # Relative paths (and the default .env) start from the folder of the compose file as
    # named, not from a symlink's target: docker compose takes the project directory from
    # the path it was given (compose-go's absolute, unresolved path; podman-compose #993).
    directory = Path(os.path.abspath(files[0])).parent
    anchors = [f.resolve().parent for f in files] + [f.resolve().parent for f in env_files]
    anchors.append(directory.resolve())
    reader = Reader(root or Path(os.path.commonpath(anchors)), directory)
    process = dict(os.environ if environ is None else environ)
    variables: dict[str, str] = {}
    dotenvs = list(env_files) or [directory / ".env"]
    for path in dotenvs:
        raw = reader.read(path, Where(reader.shown(path)), what="env file", optional=not env_files)
        if raw is not None:
            variables.update(_env_values(raw, reader.shown(path), process, variables))
    env = Environment(process, variables)
    model: dict[str, Any] = {}
    locator = Locator(reader.shown(files[0]))
    obsolete = False
    for path in files:
        doc, data, included = _load_file(reader, path, Where(reader.shown(path)), env, locator, 0)
        obsolete = obsolete or "version" in data
        own = locator.recorder(doc)
        merge(model, data, (), _skipping(included, own))
    services = model.get("services") or {}
    if not isinstance(services, dict):
        raise ImportFailed(
            [locator.where(("services",)).problem("must be a mapping of service names to services")]
        )

    def load(relative: Path, where: Where) -> tuple[YamlDocument, dict[str, Any]]:
        doc, data, _ = _load_file(reader, reader.project_dir / relative, where, env, locator, 0)
        return doc, data

    for name in list(services):
        services[name] = resolve_extends(name, services, load, locator, [])
    active = set(profiles) | {
        p.strip() for p in (env.get("COMPOSE_PROFILES") or "").split(",") if p.strip()
    }
    excluded: dict[str, list[str]] = {}
    for name, service in list(services.items()):
        wanted = service.get("profiles") if isinstance(service, dict) else None
        if (
            isinstance(wanted, list)
            and wanted
            and "*" not in active
            and not active & {str(p) for p in wanted}
        ):
            excluded[name] = [str(p) for p in wanted]
            del services[name]
    project_name = model.get("name")
    return ComposeProject(
        name=project_name if isinstance(project_name, str) else None,
        directory=directory,
        files=[reader.shown(f) for f in files],
        services=services,
        secrets=mapping(model.get("secrets")),
        locator=locator,
        env=env,
        reader=reader,
        excluded=excluded,
        obsolete_version=obsolete,
    )


def _skipping(included: set[KeyPath], record: Record) -> Record:
    """Record what a file set itself, not what its includes set (they recorded their own)."""
    return lambda key: None if key[:2] in included else record(key)


def _env_values(
    raw: bytes, shown: str, process: Mapping[str, str], earlier: Mapping[str, str]
) -> dict[str, str]:
    text = _text(raw, shown)

    def expand(value: str, where: Where, so_far: dict[str, str | None]) -> str:
        known = {**earlier, **{k: v for k, v in so_far.items() if v is not None}}
        return Interpolator(Environment(process, known)).text(value, where)

    parsed = parse_env_file(text, shown, expand)
    return {k: (v if v is not None else process.get(k, "")) for k, v in parsed.items()}


def _text(raw: bytes, shown: str) -> str:
    if b"\x00" in raw:
        raise ImportFailed([Where(shown).problem("is a binary file, not text", code="binary")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            [Where(shown).problem(f"is not UTF-8 text (byte {exc.start})", code="encoding")]
        ) from None


def _load_file(
    reader: Reader, path: Path, where: Where, env: Environment, locator: Locator, depth: int
) -> tuple[YamlDocument, dict[str, Any], set[KeyPath]]:
    """One file, interpolated and normalised, with its includes; and the paths they define."""
    raw = reader.read(path, where, what="compose file")
    assert raw is not None
    doc, data = parse_compose(raw, reader.shown(path))
    if not isinstance(data, dict):
        raise ImportFailed(
            [
                Where(doc.file, 1, 1).problem(
                    "the top level must be a mapping (services: ...)", code="not-a-mapping"
                )
            ]
        )
    problems = []
    for key in data:
        if key not in TOP_LEVEL and not str(key).startswith("x-"):
            close = difflib.get_close_matches(str(key), TOP_LEVEL, n=1)
            hint = f"did you mean `{close[0]}`?" if close else "extension keys start with `x-`"
            line, column = doc.position((key,), key=True)
            problems.append(
                Where(doc.file, line, column, str(key)).problem(
                    "is not a compose top-level key", hint, "unknown-key"
                )
            )
    if problems:
        raise ImportFailed(problems)
    data = interpolate_document(data, doc, env)
    services = data.get("services")
    if isinstance(services, dict):
        data["services"] = {name: normalise_service(s) for name, s in services.items()}
    includes = data.pop("include", None)
    included: set[KeyPath] = set()
    if includes is not None:
        data, included = _with_includes(data, includes, reader, path, doc, env, locator, depth)
    return doc, data, included


def _with_includes(
    data: dict[str, Any],
    includes: Any,
    reader: Reader,
    path: Path,
    doc: YamlDocument,
    env: Environment,
    locator: Locator,
    depth: int,
) -> tuple[dict[str, Any], set[KeyPath]]:
    where = Where(doc.file, *doc.position(("include",)), "include")
    if depth >= MAX_INCLUDE_DEPTH:
        raise ImportFailed(
            [where.problem(f"includes nest more than {MAX_INCLUDE_DEPTH} deep", code="too-deep")]
        )
    if not isinstance(includes, list):
        raise ImportFailed([where.problem("must be a list of files")])
    combined: dict[str, Any] = {}
    included: set[KeyPath] = set()
    for index, item in enumerate(includes):
        paths = item.get("path") if isinstance(item, dict) else item
        for target in paths if isinstance(paths, list) else [paths]:
            if not isinstance(target, str):
                raise ImportFailed([where.problem(f"entry {index} must name a file")])
            inner_doc, inner, _ = _load_file(
                reader, path.parent / target, where, env, locator, depth + 1
            )
            _add_without_clash(combined, inner, where)
            merge({}, inner, (), locator.recorder(inner_doc))
            included.update((s, n) for s, v in inner.items() if isinstance(v, dict) for n in v)
    _add_without_clash(combined, data, where)
    return combined, included


def _add_without_clash(into: dict[str, Any], data: dict[str, Any], where: Where) -> None:
    for section, value in data.items():
        if section in ("services", "volumes", "secrets", "networks", "configs") and isinstance(
            value, dict
        ):
            existing = into.setdefault(section, {})
            for name in value:
                if name in existing:
                    raise ImportFailed(
                        [
                            where.problem(
                                f"{section[:-1]} {name!r} is defined by two included files",
                                code="include-clash",
                            )
                        ]
                    )
            existing.update(value)
        else:
            into[section] = value
