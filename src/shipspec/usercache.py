"""shipspec's folder in the user's cache (``$XDG_CACHE_HOME/shipspec`` or ``~/.cache/shipspec``).

Work that depends only on shipspec's own data and its libraries' versions is kept here
between runs (compiled templates, limits read from botocore's models), never anything
from a spec or an output folder. Every entry is keyed by the content or version it was
made from, so a stale entry is never served, and every user works without it: when the
folder cannot be made, callers compute what they need each run.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder(name: str) -> Path | None:
    """``<user cache>/shipspec/<name>``, created if missing; None when it cannot be."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(root) / "shipspec" / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder
