"""``render(model) -> FileSet``: run every enabled target's blueprints over the model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from ..errors import BlueprintError
from ..fileset import FileSet
from ..model_io import MODEL_PATH
from ..plan.model import DeploymentModel
from .engine import blueprints_root, environment, header
from .seeds import SEEDS
from .targets import Target, load_builtin_targets

# Caches that tools leave beside blueprint files; never part of the output.
_BUILD_LEFTOVERS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"})


def render(
    model: DeploymentModel, *, blueprints: Path | None = None, only: list[str] | None = None
) -> FileSet:
    """Render every target the model enables (or just ``only``) into one :class:`FileSet`."""
    if blueprints is not None:
        check_blueprints(blueprints)
    jinja = environment(blueprints)
    files = FileSet()
    # Local only: the preview's cache of the last run per environment, and what an
    # interrupted generate leaves for the next run to finish (see shipspec.write.journal).
    files.add(".shipspec/.gitignore", "previews/\nstaging-*/\njournal.json\n.journal.json.tmp\n")
    # The planned model, so preview, check and session can read decisions without the spec.
    files.add(MODEL_PATH, model.model_dump_json(indent=2) + "\n")
    for target in load_builtin_targets().values():
        if (only and target.name not in only) or not target.enabled(model):
            continue
        context = {"model": model, **target.context(model)}
        templates: dict[str, str | None] = dict.fromkeys(_templates(target, blueprints))
        if target.select is not None:
            templates = target.select(model, list(templates), lambda t: _source(jinja, t))
        for template, replacement in sorted(templates.items()):
            for path, text in _render_one(jinja, template, target, context, model, replacement):
                files.add(path, header(path, model.spec_file) + text)
    if "infra/__main__.py" in files:
        for path, text in SEEDS.items():
            files.seed(path, text)
    return files


def check_blueprints(user: Path) -> None:
    """Every file in a user's blueprint folder belongs to a target, or it is an error.

    A file under a target's folder (``pulumi/``, ``github/``...) replaces the packaged
    template of the same path or adds a file to that target's output; anything else
    (``pulumni/infra/__main__.py``) would be silently ignored, so it is refused.
    """
    if not user.is_dir():
        raise BlueprintError(f"--blueprints {user}: no such folder")
    folders = sorted({t.folder for t in load_builtin_targets().values()})
    stray = sorted(
        p.relative_to(user).as_posix()
        for p in user.rglob("*")
        if p.is_file()
        and not _BUILD_LEFTOVERS.intersection(p.parts)
        and p.suffix != ".pyc"
        and p.relative_to(user).parts[0] not in folders
    )
    if stray:
        listed = "\n".join(f"  {user / path}: matches no template and no target" for path in stray)
        raise BlueprintError(
            f"{len(stray)} blueprint file{'s' if len(stray) != 1 else ''} would be ignored:\n"
            f"{listed}\n  hint: a blueprint lives under a target's folder, at the path of the "
            f"template it replaces: {', '.join(f + '/' for f in folders)}"
        )


def _templates(target: Target, user: Path | None) -> list[str]:
    names: set[str] = set()
    for root in [blueprints_root(), *([user] if user else [])]:
        folder = root / target.folder
        if folder.is_dir():
            names.update(
                p.relative_to(root).as_posix()
                for p in folder.rglob("*")
                if p.is_file() and not _BUILD_LEFTOVERS.intersection(p.parts) and p.suffix != ".pyc"
            )
    return sorted(names)


def _render_one(
    jinja: jinja2.Environment,
    template: str,
    target: Target,
    context: dict[str, Any],
    model: DeploymentModel,
    replacement: str | None = None,
) -> Iterator[tuple[str, str]]:
    """Yield ``(output path, text)``: once, or once per environment for ``{env}`` names.

    ``{app}`` in a file name becomes the application's name; ``replacement`` is the
    text of a copied file the target's ``select`` rewrote.
    """
    relative = str(PurePosixPath(template).relative_to(target.folder))
    is_template = relative.endswith(".j2") and replacement is None
    out = relative.removesuffix(".j2")
    if replacement is not None:
        source = replacement
    else:
        source = _source(jinja, template) if not is_template else ""
    per_env = "{env}" in out
    for env in model.environments if per_env else [None]:
        path = (out.replace("{env}", env.name) if env else out).replace("{app}", model.app)
        yield (
            path,
            jinja.get_template(template).render(**context, env=env) if is_template else source,
        )


def _source(jinja: jinja2.Environment, template: str) -> str:
    """A blueprint file's text as the loader finds it (a user's override first)."""
    return jinja.loader.get_source(jinja, template)[0]  # type: ignore[union-attr]
