"""Write some files of a :class:`FileSet` and their manifest entries, leaving the rest alone.

``session start`` writes the deployment context without regenerating everything (the
rest of the output may not exist yet, or may be waiting for review). The rules are
``write``'s: a file edited since shipspec wrote it is not overwritten without ``force``,
and the manifest records each written file's hash, so the next ``generate`` (or
``generate --check``) treats it like every other generated file. Other manifest entries
are kept as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..errors import WriteConflict
from ..fileset import FileSet, digest
from .atomic import replace_file
from .manifest import MANIFEST_PATH, Manifest
from .writer import GENERATOR, GenerationResult


def write_only(
    files: FileSet,
    out_dir: Path,
    paths: Iterable[str],
    *,
    force: bool = False,
    check: bool = False,
) -> GenerationResult:
    """Write ``paths`` (which ``files`` must hold) under ``out_dir``; update their manifest
    entries. Raises :class:`WriteConflict` before writing anything if one was edited;
    with ``check``, stops there and writes nothing."""
    out_dir = Path(out_dir)
    manifest = Manifest.read(out_dir)
    result = GenerationResult(out_dir)
    conflicts = []
    for path in sorted(set(paths)):
        target = out_dir / path
        wanted = digest(files[path])
        if not target.exists():
            result.actions[path] = "create"
            continue
        current = digest(target.read_bytes())
        if current == wanted:
            result.actions[path] = "unchanged"
        else:
            result.actions[path] = "update"
            if manifest.files.get(path) != current:
                conflicts.append(path)
    if conflicts and not force:
        raise WriteConflict(conflicts)
    if check:
        return result
    before = dict(manifest.files)
    for path, action in result.actions.items():
        if action != "unchanged":
            replace_file(out_dir / path, files[path].encode("utf-8"))
        manifest.files[path] = digest(files[path])
    if manifest.files != before or not (out_dir / MANIFEST_PATH).is_file():
        replace_file(out_dir / MANIFEST_PATH, manifest.text(GENERATOR).encode("utf-8"))
    return result
