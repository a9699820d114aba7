"""Write one user-owned file (a starter or an imported handoff.yaml) without losing anything.

Unlike generated output, these files belong to the user from the moment they exist:
an existing file is never replaced without ``force``, and the write is atomic.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ShipspecError
from .atomic import replace_file


class FileExists(ShipspecError):
    """The target file exists and ``force`` was not given; nothing was written."""


def write_user_file(path: Path, text: str, *, force: bool = False) -> None:
    if path.exists() and not force:
        raise FileExists(
            f"{path} already exists; nothing was written\n"
            "  hint: pass --force to replace it, or name another path with -o"
        )
    replace_file(path, text.encode("utf-8"))
