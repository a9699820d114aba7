"""What the writer refuses or cannot do: each says which path, why, and what to do next.

::

    ShipspecError
    ├── UnsafePath          a path would lead outside the output folder (symlink, ``..``) (exit 1)
    ├── WriteFailed         the file system refused a write: read-only, full, no permission (exit 1)
    └── InterruptedWrite    ``--check`` found what an interrupted ``generate`` left (exit 3)
"""

from __future__ import annotations

import errno
from pathlib import Path

from ..errors import ShipspecError

_HINTS = {
    errno.ENOSPC: "free some space on that file system, then run generate again",
    errno.EDQUOT: "your disk quota is used up: free some space, then run generate again",
    errno.EROFS: "the file system is mounted read-only: write to another folder with -o",
    errno.EACCES: "you cannot write there: check the folder's owner and permissions",
    errno.EPERM: "the folder or file refuses changes (immutable or locked?): check `lsattr`",
}


class UnsafePath(ShipspecError):
    """Writing or deleting this path would touch something outside the output folder."""


class WriteFailed(ShipspecError):
    """The file system refused a write or delete; the message names the path and the cause."""

    def __init__(self, path: Path | str, error: OSError, state: str) -> None:
        self.path = str(path)
        self.errno = error.errno
        reason = error.strerror or type(error).__name__
        hint = _HINTS.get(error.errno or 0, "fix the cause above, then run generate again")
        super().__init__(f"cannot write {self.path}: {reason}\n  {state}\n  hint: {hint}")


class InterruptedWrite(ShipspecError):
    """``generate --check`` found a journal or staging folder of an interrupted run."""

    exit_code = 3
