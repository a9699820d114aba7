"""Commit a generation so that a kill at any moment leaves something the next run can finish.

The steps, each durable before the next starts:

1. every new file is written and fsynced into ``.shipspec/staging-XXXX/`` (inside the
   output folder, so each move is a rename on the same file system);
2. ``.shipspec/journal.json`` lists the staging folder, the files to move into place
   (the manifest last) and the files to delete; it is written to a temporary name,
   fsynced and renamed, so it exists whole or not at all;
3. the files are moved, the deletes done, then the journal and the staging folder removed.

A run killed before step 2 changed nothing: the next run removes its staging folder.
A run killed after step 2 is finished by the next ``generate`` (roll forward: the staged
files are the complete, already-checked new output). ``generate --check`` writes nothing,
so it reports either leftover instead (exit 3).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .errors import InterruptedWrite, UnsafePath, WriteFailed
from .safety import is_inside_path, refuse_links

STATE_DIR = ".shipspec"
JOURNAL_PATH = f"{STATE_DIR}/journal.json"
STAGING_PREFIX = "staging-"
# Where shipspec 0.x staged beside the output; such folders are cleaned up too.
LEGACY_STAGING_PREFIX = ".shipspec-staging-"
_FORMAT = 1
_NOTHING_CHANGED = "nothing was changed: the output folder is as it was"
_INTERRUPTED = (
    "the output is half-updated; the journal .shipspec/journal.json lets the next "
    "`shipspec generate` finish it"
)


def commit(out_dir: Path, staged: dict[str, str], deletes: list[str]) -> None:
    """Replace ``staged`` (path → text) and delete ``deletes`` under ``out_dir``, recoverably."""
    state = out_dir / STATE_DIR
    try:
        state.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=state))
    except OSError as error:
        raise WriteFailed(state, error, _NOTHING_CHANGED) from None
    current = staging
    try:
        for path, text in staged.items():
            current = staging / path
            current.parent.mkdir(parents=True, exist_ok=True)
            _write_synced(current, text.encode("utf-8"))
        order = sorted(p for p in staged if p != f"{STATE_DIR}/manifest.json")
        order += [p for p in staged if p == f"{STATE_DIR}/manifest.json"]
        journal = {"format": _FORMAT, "staging": staging.name, "replace": order, "delete": deletes}
        current = out_dir / JOURNAL_PATH
        _write_synced(current, (json.dumps(journal, indent=1) + "\n").encode("utf-8"), atomic=True)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise WriteFailed(current, error, _NOTHING_CHANGED) from None
    _apply(out_dir, journal)


def recover(out_dir: Path) -> list[str]:
    """Finish an interrupted commit and remove orphaned staging folders; say what was done."""
    notes = []
    journal = _read_journal(out_dir)
    if journal is not None:
        _apply(out_dir, journal)
        notes.append(
            f"finished an interrupted generate: {len(journal['replace'])} files moved into "
            f"place, {len(journal['delete'])} deleted"
        )
    for folder in _staging_folders(out_dir):
        try:
            shutil.rmtree(folder)
        except OSError as error:
            raise WriteFailed(folder, error, "a leftover staging folder stays") from None
        shown = folder.relative_to(out_dir).as_posix()
        notes.append(f"removed {shown}/ left by an interrupted run")
    return notes


def leftovers(out_dir: Path) -> None:
    """For ``--check``: raise :class:`InterruptedWrite` if an interrupted run left anything."""
    found = [JOURNAL_PATH] if (out_dir / JOURNAL_PATH).exists() else []
    found += [f"{p.relative_to(out_dir).as_posix()}/" for p in _staging_folders(out_dir)]
    if found:
        listed = "\n".join(f"  {f}" for f in found)
        raise InterruptedWrite(
            f"{out_dir}: an interrupted `shipspec generate` left these behind, so the output "
            f"may be a mix of old and new files:\n{listed}\n"
            "  hint: run `shipspec generate` (it finishes or cleans up the interrupted run), "
            "then check again"
        )


def _staging_folders(out_dir: Path) -> list[Path]:
    found: list[Path] = []
    for folder, prefix in ((out_dir / STATE_DIR, STAGING_PREFIX), (out_dir, LEGACY_STAGING_PREFIX)):
        if folder.is_dir() and not folder.is_symlink():
            found += sorted(p for p in folder.iterdir() if p.name.startswith(prefix) and p.is_dir())
    return found


def _read_journal(out_dir: Path) -> dict[str, Any] | None:
    path = out_dir / JOURNAL_PATH
    if not path.exists():
        return None
    refuse_links(out_dir, [JOURNAL_PATH])
    try:
        data = json.loads(path.read_text("utf-8"))
        staging = data["staging"]
        replace, delete = data["replace"], data["delete"]
        valid = (
            data.get("format") == _FORMAT
            and isinstance(staging, str)
            and staging.startswith(STAGING_PREFIX)
            and is_inside_path(staging)
            and "/" not in staging
            and isinstance(replace, list)
            and isinstance(delete, list)
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        valid = False
    if not valid:
        raise UnsafePath(
            f"{out_dir / JOURNAL_PATH}: the journal of an interrupted generate is unreadable, "
            "so shipspec cannot tell which files are new\n"
            "  hint: restore the output folder from version control, delete the journal and "
            "every .shipspec/staging-* folder, then run generate again"
        )
    bad = [p for p in [*replace, *delete] if not is_inside_path(p)]
    if bad:
        raise UnsafePath(
            f"{out_dir / JOURNAL_PATH}: lists paths outside the output folder, which are never "
            f"touched: {', '.join(repr(p) for p in bad)}\n"
            "  hint: delete the journal and the .shipspec/staging-* folders, then run generate"
        )
    refuse_links(out_dir, [*replace, *delete])
    return data


def _apply(out_dir: Path, journal: dict[str, Any]) -> None:
    """Move every staged file into place and do the deletes; safe to run again after a kill."""
    staging = out_dir / STATE_DIR / journal["staging"]
    current = out_dir
    try:
        for path in journal["replace"]:
            source, current = staging / path, out_dir / path
            if source.exists():  # moved already by the interrupted run when missing
                current.parent.mkdir(parents=True, exist_ok=True)
                _move(source, current)
        for path in journal["delete"]:
            current = out_dir / path
            current.unlink(missing_ok=True)
            _prune_empty(out_dir, current.parent)
        current = out_dir / JOURNAL_PATH
        current.unlink()
        shutil.rmtree(staging, ignore_errors=True)
    except OSError as error:
        raise WriteFailed(current, error, _INTERRUPTED) from None


def _move(source: Path, target: Path) -> None:
    """``os.replace``; across file systems (a mount point inside the output) copy, fsync, rename.

    The copy goes to a temporary name in the target's own folder, so the final step is
    still one rename on the target's file system: readers see the old file or the new.
    """
    try:
        os.replace(source, target)
        return
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    handle, temp = tempfile.mkstemp(prefix=".shipspec-copy-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as inp:
            shutil.copyfileobj(inp, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    source.unlink()


def _write_synced(path: Path, data: bytes, *, atomic: bool = False) -> None:
    target = path
    if atomic:
        path = path.with_name(f".{path.name}.tmp")
    with path.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    if atomic:
        os.replace(path, target)
        _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable; some file systems cannot fsync a folder."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _prune_empty(root: Path, folder: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
