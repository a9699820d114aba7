"""One writer at a time for the progress file: read, change and write under one lock.

Session commands run concurrently (a person marking steps while CI records evidence);
without a lock two of them read the same state and the second write drops the first's
change. The lock is an ``fcntl.flock`` on a file beside the progress file (locking the
progress file itself would not survive its atomic replacement), waited for up to
:data:`TIMEOUT_SECONDS`, after which the command stops with a message and writes nothing.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import SessionError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; one writer is assumed
    fcntl = None  # type: ignore[assignment]

TIMEOUT_SECONDS = 30.0
_POLL_SECONDS = 0.02


def lock_path(progress: Path) -> Path:
    return progress.with_name(f".{progress.name}.lock")


@contextlib.contextmanager
def locked(progress: Path, shown: str) -> Iterator[None]:
    """Hold the progress file's lock for the ``with`` body; a located error if it cannot."""
    path = lock_path(progress)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise SessionError(
            f"{shown}: cannot create the lock file {path.name}: {error.strerror}\n"
            "  hint: the folder must be writable (is it read-only or immutable? `lsattr -d`)"
        ) from None
    try:
        if fcntl is not None:
            _acquire(handle, shown)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock


def _acquire(handle: int, shown: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise SessionError(
                    f"{shown}: another shipspec session command has held the progress file "
                    f"for over {TIMEOUT_SECONDS:g} s, so nothing was recorded\n"
                    "  hint: wait for it to finish (a stuck one can be ended), then run this "
                    "command again"
                ) from None
            time.sleep(_POLL_SECONDS)
