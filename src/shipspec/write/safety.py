"""Paths the writer may touch: relative, normalised, inside the output folder, through no link.

A symbolic link inside the output folder (``infra/components -> /elsewhere``) would make
a write or a delete land outside it, so every path is checked component by component
before anything is read, written or deleted; a link is refused, never followed or
replaced (replacing it would silently drop what the user linked in). A path read from
a file shipspec does not fully control (the manifest, the journal) must also be
relative and normalised: ``../../x`` or ``/etc/x`` there is refused, never deleted.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from pathlib import Path

from .errors import UnsafePath


def is_inside_path(path: object) -> bool:
    """``infra/x.py`` yes; ``''``, ``.``, ``../x``, ``a/../b``, ``/x``, ``C:x``, ``a\\b`` no."""
    if not isinstance(path, str) or not path or "\x00" in path or "\\" in path:
        return False
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return False
    parts = path.split("/")
    return posixpath.normpath(path) == path and ".." not in parts and path != "."


def refuse_links(out_dir: Path, paths: Iterable[str]) -> None:
    """Raise :class:`UnsafePath` naming every path that goes through a symbolic link."""
    problems: dict[Path, str] = {}
    for relative in paths:
        current = out_dir
        for part in relative.split("/"):
            current = current / part
            if current.is_symlink():
                shown = current.relative_to(out_dir).as_posix()
                problems[current] = f"  {shown} -> {os.readlink(current)} (needed for {relative})"
                break
            if not current.exists():
                break
    if problems:
        listed = "\n".join(problems[p] for p in sorted(problems))
        raise UnsafePath(
            f"{out_dir}: shipspec writes nothing through a symbolic link inside the output "
            f"folder, and these lead out of it:\n{listed}\n"
            "  hint: replace each link with a real folder (copy what it points to), or "
            "generate into another folder with -o; nothing was written"
        )
