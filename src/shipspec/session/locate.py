"""Where the progress file lives, without loading the rest of the session machinery.

Every command asks "is a session open here?" on success; most of the time the answer
is no, and finding that out must cost a few ``stat`` calls, not the session package.
"""

from __future__ import annotations

from pathlib import Path

PROGRESS_FILE = Path(".ai_context") / "framework_progress.md"


def find_progress(cwd: Path) -> Path | None:
    """The progress file in ``cwd`` or its nearest parent that has one."""
    here = Path(cwd).resolve()
    for folder in (here, *here.parents):
        if (folder / PROGRESS_FILE).is_file():
            return folder / PROGRESS_FILE
    return None
