"""Write a :class:`FileSet` to disk: plan the changes, refuse to clobber edits, apply atomically.

Seed files (``FileSet.seeds``, e.g. ``infra/overrides.py``) belong to the user once
written: created when missing, otherwise ``kept`` as they are (also with ``force``),
never in the manifest (so never deleted) and never stale for ``check``.

Every generated file is first written into a staging folder beside the output, then
moved into place with ``os.replace``; nothing moves until every check has passed, so a
failed run leaves the tree as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import StaleOutput, WriteConflict
from ..render.fileset import FileSet, digest
from .manifest import MANIFEST_PATH, Manifest

Action = Literal["create", "update", "unchanged", "delete", "kept"]
GENERATOR = "shipspec"


@dataclass
class GenerationResult:
    """What ``generate`` did (or, with ``check``, would do) to each path."""

    out_dir: Path
    actions: dict[str, Action] = field(default_factory=dict)
    checked_only: bool = False

    def paths(self, action: Action) -> list[str]:
        return sorted(p for p, a in self.actions.items() if a == action)

    @property
    def changed(self) -> bool:
        return any(a not in ("unchanged", "kept") for a in self.actions.values())


def write(
    files: FileSet,
    out_dir: Path,
    *,
    force: bool = False,
    check: bool = False,
    blueprints: str | None = None,
) -> GenerationResult:
    """Plan and apply ``files``; ``blueprints`` is the relative folder the manifest records."""
    out_dir = Path(out_dir)
    old = Manifest.read(out_dir)
    new = Manifest({path: digest(text) for path, text in files}, blueprints)
    result = GenerationResult(out_dir, checked_only=check)
    conflicts = []
    for path, text in files:
        target = out_dir / path
        if not target.exists():
            result.actions[path] = "create"
            continue
        current = digest(target.read_bytes())
        if current == digest(text):
            result.actions[path] = "unchanged"
            continue
        result.actions[path] = "update"
        if old.files.get(path) != current:
            conflicts.append(path)
    for path in sorted(set(old.files) - set(new.files)):
        target = out_dir / path
        if target.exists():
            result.actions[path] = "delete"
            if digest(target.read_bytes()) != old.files[path]:
                conflicts.append(path)
    if not check:
        _plan_seeds(files, out_dir, result)
    if check:
        if result.changed:
            raise StaleOutput(
                f"{result.actions[p]}: {p}"
                for p in result.actions
                if result.actions[p] not in ("unchanged", "kept")
            )
        return result
    if conflicts and not force:
        raise WriteConflict(conflicts)
    _apply(files, out_dir, result, new.text(GENERATOR))
    return result


def _plan_seeds(files: FileSet, out_dir: Path, result: GenerationResult) -> None:
    """A seed is created when missing and kept (whatever it holds) when present."""
    for path in sorted(files.seeds):
        result.actions[path] = "kept" if (out_dir / path).exists() else "create"


def _apply(files: FileSet, out_dir: Path, result: GenerationResult, manifest_text: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".shipspec-staging-", dir=out_dir))
    try:
        staged = {path: text for path, text in files if result.actions[path] != "unchanged"}
        staged.update(
            (path, text) for path, text in files.seeds.items() if result.actions[path] == "create"
        )
        staged[MANIFEST_PATH] = manifest_text
        for path, text in staged.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        for path in staged:
            final = out_dir / path
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / path, final)
        for path in result.paths("delete"):
            (out_dir / path).unlink(missing_ok=True)
            _prune_empty(out_dir, (out_dir / path).parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _prune_empty(root: Path, folder: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
