"""``analyze_repository``: a repository's artefacts → a handoff spec.

What a repository already says about running it, in order of authority: a compose file
(``compose.yaml``, ``compose.yml``, ``docker-compose.yaml``, ``docker-compose.yml``,
with its ``.override`` file, as ``docker compose`` picks them; at the root or the
shallowest folder holding one); without one, its Dockerfiles (the root's, else one
per top-level folder), each a service built from its folder; ``.env.example`` files
(their names become env or secrets of the service built there, and database URLs in
them become datastores when there is no compose file); and its language manifests,
which give ``delivery.test_command``. Folders such as ``node_modules`` and ``.git``
are not searched, and the search stops :data:`MAX_DEPTH` folders down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from .context import Context
from .convert import convert
from .envexample import apply_env_examples
from .handoff import ImportResult, build_handoff
from .interpolate import Environment
from .manifests import test_command
from .project import ComposeProject, Locator, load_project
from .report import Finding, ImportFailed, ImportReport
from .sources import MAX_BYTES, Reader, Where, usable

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
MAX_DEPTH = 3
SKIP = frozenset(
    {".git", ".hg", "node_modules", "vendor", ".venv", "venv", "__pycache__", "dist", "build",
     "target", ".tox", ".terraform", ".idea", ".vscode", "coverage", ".next", "tmp"}
)  # fmt: skip


def analyze_repository(
    path: str | Path,
    *,
    allow_incompatible: bool = False,
    profiles: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
    output: str | Path | None = None,
    name: str | None = None,
    public: Sequence[str] = (),
) -> ImportResult:
    """Analyse the repository at ``path``; nothing outside it is read.

    ``output`` is where the handoff will be written (build contexts are relative to its
    folder; default: the repository). Other arguments are as for
    :func:`~shipspec.importers.import_compose`.
    """
    root = Path(path).resolve()
    if not root.is_dir():
        raise ImportFailed(
            [
                Where(str(path)).problem(
                    "is not a folder", "point analyze at a repository checkout", "not-a-folder"
                )
            ]
        )
    environment = dict(os.environ if environ is None else environ)
    folders = _folders(root)
    composes = [(f, n) for f in folders for n in COMPOSE_FILES if (f / n).is_file()]
    base = Path(output).resolve().parent if output is not None else root
    if composes:
        folder, first = composes[0]
        files = [folder / first, *_overrides(folder, first)]
        project = load_project(files, profiles=list(profiles), environ=environment, root=root)
        unused = [f"{(f / n).relative_to(root).as_posix()}" for f, n in composes[1:]]
    else:
        project = _dockerfile_project(root, folders, environment)
        unused = []
    report = ImportReport(sources=project.files, allow_incompatible=allow_incompatible)
    for other in unused:
        report.add(
            Finding(
                "dropped",
                "",
                other,
                "another compose file, not used: import it with `shipspec import compose`",
            )
        )
    ctx = Context(project, report, base, allow_incompatible, public=tuple(public))
    services, datastores, oneshots = convert(ctx)
    if not composes and len([s for s in services.values() if s.get("type") == "web"]) == 1:
        for spec_name, spec in services.items():
            if spec.get("type") == "web":
                spec["public"] = True
                ctx.note(
                    ("services", spec_name, "public"),
                    "the repository's one web service: assumed public; set false for an "
                    "internal API",
                )
    apply_env_examples(ctx, root, services, datastores, infer_datastores=not composes)
    contexts = [_context(project.directory, s) for s in project.services.values()]
    found = test_command(
        root, [c for c in contexts if c is not None], lambda p: _read_text(root, p)
    )
    if found:
        for line in found[1]:
            report.add(Finding("mapped", "", "delivery.test_command", line))
    return build_handoff(
        ctx,
        services,
        datastores,
        oneshots,
        name=name or root.name,
        environ=environment,
        command="shipspec analyze",
        test_command=found[0] if found else None,
    )


def _folders(root: Path) -> list[Path]:
    """The repository's folders, shallowest first, then by path; skipped names left out."""
    out: list[Path] = []
    level = [root]
    for _ in range(MAX_DEPTH + 1):
        out.extend(level)
        nxt: list[Path] = []
        for folder in level:
            try:
                children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())
            except OSError:
                continue
            nxt.extend(c for c in children if c.name not in SKIP and not c.name.startswith("."))
        level = nxt[:500]
    return out


def _overrides(folder: Path, first: str) -> list[Path]:
    stem = first.rsplit(".", 1)[0]
    for suffix in ("yaml", "yml"):
        candidate = folder / f"{stem}.override.{suffix}"
        if candidate.is_file():
            return [candidate]
    return []


def _dockerfile_project(root: Path, folders: list[Path], environ: dict[str, str]) -> ComposeProject:
    """Without compose: one service per Dockerfile, the root's alone if it has one."""
    places = (
        [root]
        if (root / "Dockerfile").is_file()
        else [f for f in folders if f.parent == root and (f / "Dockerfile").is_file()]
    )
    if not places:
        raise ImportFailed(
            [
                Where(str(root)).problem(
                    "has no compose file and no Dockerfile to import",
                    "add a Dockerfile, or write handoff.yaml with `shipspec init`",
                    "nothing-to-import",
                )
            ]
        )
    services = {
        (p.name if p != root else root.name): {
            "build": {"context": p.relative_to(root).as_posix() or "."}
        }
        for p in places
    }
    shown = [(p / "Dockerfile").relative_to(root).as_posix() for p in places]
    return ComposeProject(
        name=None,
        directory=root,
        files=shown,
        services=services,
        secrets={},
        locator=Locator(shown[0]),
        env=Environment(environ, {}),
        reader=Reader(root, root),
    )


def _context(directory: Path, service: object) -> Path | None:
    """The folder a compose service is built from, if it is a local folder."""
    build = service.get("build") if isinstance(service, dict) else None
    context = build.get("context", ".") if isinstance(build, dict) else None
    if not isinstance(context, str) or "://" in context or not usable(context):
        return None
    return (directory / context).resolve()


def _read_text(root: Path, path: Path) -> str | None:
    """A manifest's text; None when absent, outside the repository, binary or too large."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root) or not resolved.is_file():
        return None
    try:
        with resolved.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError:
        return None
    if len(raw) > MAX_BYTES or b"\x00" in raw[:8192]:
        return None
    return raw.decode("utf-8", "replace")
