"""Replace one file atomically: the new bytes go to a temporary file beside it, then
``os.replace`` swaps it in, so a reader (or an interrupted run) sees the old file or the
new one, never half of either. The temporary file is removed if anything fails."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def replace_file(path: Path, data: bytes, *, keep_mode: bool = False) -> None:
    """Write ``data`` to ``path`` atomically; ``keep_mode`` keeps an existing file's
    permission bits (a user's file, e.g. ``AGENTS.md``, keeps what its owner set)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        if keep_mode and path.exists():
            os.chmod(temp, path.stat().st_mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
