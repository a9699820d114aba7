"""Write a :class:`FileSet` to disk: plan the changes, refuse to clobber edits, apply atomically.

Seed files (``FileSet.seeds``, e.g. ``infra/overrides.py``) belong to the user once
written: created when missing, otherwise ``kept`` as they are (also with ``force``),
never in the manifest (so never deleted) and never stale for ``check``. Stack configs
are compared as data and keep the secrets a user set in them (:mod:`.stack_config`).

Nothing moves until every check has passed (hand edits, links out of the folder, the
manifest's paths), so a refused run leaves the tree as it was; the commit itself is
journaled (:mod:`.journal`), so an interrupted one is finished by the next run and
reported by ``--check``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import StaleOutput, WriteConflict
from ..fileset import FileSet, digest
from .errors import UnsafePath
from .journal import commit, leftovers, recover
from .manifest import MANIFEST_PATH, Manifest
from .safety import is_inside_path, refuse_links
from .stack_config import fingerprint, is_stack_config, keep_users_values

Action = Literal["create", "update", "unchanged", "delete", "kept"]
GENERATOR = "shipspec"


@dataclass
class GenerationResult:
    """What ``generate`` did (or, with ``check``, would do) to each path."""

    out_dir: Path
    actions: dict[str, Action] = field(default_factory=dict)
    checked_only: bool = False
    notes: list[str] = field(default_factory=list)  # what recovering an interrupted run did

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
    result = GenerationResult(out_dir, checked_only=check)
    if check:
        leftovers(out_dir)
    elif out_dir.is_dir():
        result.notes = recover(out_dir)
    old = Manifest.read(out_dir)
    # Each file's bytes, encoded once for both its digest and the comparison with the file
    # on disk: encoding the 15 MB of a 200-service output twice was a quarter of writing it.
    encoded = {path: text.encode("utf-8") for path, text in files}
    new = _new_manifest(files, encoded, old, blueprints)
    unsafe = [path for path in [*(p for p, _ in files), *files.seeds] if not is_inside_path(path)]
    if unsafe:
        raise UnsafePath(f"generated paths outside the output folder: {unsafe}")
    refuse_links(out_dir, [MANIFEST_PATH, *new.files, *old.files, *files.seeds])
    conflicts = []
    wanted = dict(files)
    for path, text in files:
        target = out_dir / path
        if not target.exists():
            result.actions[path] = "create"
            continue
        data = target.read_bytes()
        # The same bytes have the same fingerprint: a stack config (over a megabyte at 200
        # services) is then not parsed a second time.
        if data == encoded[path]:
            result.actions[path] = "unchanged"
            continue
        current = fingerprint(path, data)
        if current == new.files[path] and not _words_changed(path, old, new):
            result.actions[path] = "unchanged"
            continue
        result.actions[path] = "update"
        wanted[path] = keep_users_values(path, text, data.decode("utf-8", "replace"))
        # A manifest from before stack configs were compared as data holds the bytes' digest.
        if old.files.get(path) not in (current, digest(data)):
            conflicts.append(path)
    for path in sorted(set(old.files) - set(new.files)):
        target = out_dir / path
        if target.exists():
            result.actions[path] = "delete"
            data = target.read_bytes()
            if old.files[path] not in (fingerprint(path, data), digest(data)):
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
    staged = {path: text for path, text in wanted.items() if result.actions[path] != "unchanged"}
    staged.update(
        (path, text) for path, text in files.seeds.items() if result.actions[path] == "create"
    )
    staged[MANIFEST_PATH] = new.text(GENERATOR)
    commit(out_dir, staged, result.paths("delete"))
    return result


def _words_changed(path: str, old: Manifest, new: Manifest) -> bool:
    """Whether a stack config's generated text changed while its data did not: its comments
    (each setting's reason) say something new, so the file is rewritten (keeping the user's
    values) rather than left saying the old reasons. A file whose only difference is the
    user's (a secret, Pulumi's re-formatting) still counts as unchanged: shipspec's own
    rendering is then what it was last time."""
    if not is_stack_config(path):
        return False
    before = old.rendered.get(path)
    return before is not None and before != new.rendered.get(path)


def _new_manifest(
    files: FileSet, encoded: dict[str, bytes], old: Manifest, blueprints: str | None
) -> Manifest:
    """The manifest of ``files`` (``encoded``: their UTF-8 bytes); a stack config rendered to
    the same bytes as last time keeps the data fingerprint recorded then (computing it
    parses the whole file)."""
    new = Manifest(blueprints=blueprints)
    for path, text in files:
        if not is_stack_config(path):
            new.files[path] = digest(encoded[path])
            continue
        rendered = digest(encoded[path])
        recorded = old.files.get(path)
        same = recorded is not None and old.rendered.get(path) == rendered
        new.files[path] = recorded if same and recorded else fingerprint(path, text)
        new.rendered[path] = rendered
    return new


def _plan_seeds(files: FileSet, out_dir: Path, result: GenerationResult) -> None:
    """A seed is created when missing and kept (whatever it holds) when present."""
    for path in sorted(files.seeds):
        result.actions[path] = "kept" if (out_dir / path).exists() else "create"
