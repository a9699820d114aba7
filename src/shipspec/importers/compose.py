"""``import_compose``: docker-compose files → a handoff spec, with the report of what carried over.

This is the function behind ``shipspec import compose``. It reads the files as Compose
would (:mod:`.project`), converts them (:mod:`.convert`), and writes and validates the
handoff (:mod:`.handoff`). It writes nothing to disk: the caller writes
``result.handoff_yaml`` where it wants it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from .context import Context
from .convert import convert
from .handoff import ImportResult, build_handoff
from .project import load_project
from .report import ImportReport


def import_compose(
    files: Sequence[str | Path],
    *,
    env_files: Sequence[str | Path] = (),
    profiles: Sequence[str] = (),
    allow_incompatible: bool = False,
    environ: Mapping[str, str] | None = None,
    output: str | Path | None = None,
    name: str | None = None,
    root: str | Path | None = None,
    public: Sequence[str] = (),
) -> ImportResult:
    """Import compose ``files`` (merged in order, like ``docker compose -f a -f b``).

    ``env_files`` replace the ``.env`` beside the first file for interpolation;
    ``profiles`` activate services that declare them (``"*"`` activates all);
    ``environ`` is the process environment (default: ``os.environ``), which wins over
    env files as in Compose. ``output`` is where the handoff will be written: build
    contexts are written relative to its folder. ``root`` is the folder outside which no
    file is read (default: the folder holding the given files). ``public`` names the
    only services that face the internet (default: the entry points the import finds). Raises
    :class:`~shipspec.importers.ImportFailed` for compose errors and, unless
    ``allow_incompatible``, for settings Fargate cannot run.
    """
    environment = dict(os.environ if environ is None else environ)
    project = load_project(
        [Path(f) for f in files],
        env_files=[Path(f) for f in env_files],
        profiles=list(profiles),
        environ=environment,
        root=Path(root) if root is not None else None,
    )
    report = ImportReport(sources=project.files, allow_incompatible=allow_incompatible)
    base = Path(output).resolve().parent if output is not None else project.directory
    ctx = Context(project, report, base, allow_incompatible, public=tuple(public))
    services, datastores, oneshots = convert(ctx)
    return build_handoff(
        ctx,
        services,
        datastores,
        oneshots,
        name=name,
        environ=environment,
        command="shipspec import compose",
    )
