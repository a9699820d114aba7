"""``shipspec init``: copy the packaged, commented starter spec into place."""

from __future__ import annotations

from pathlib import Path

from .errors import ShipspecError
from .render.engine import blueprints_root


class StarterExists(ShipspecError):
    """``init`` would overwrite a file the user has."""


def starter_text() -> str:
    return (blueprints_root() / "starter" / "handoff.yaml").read_text("utf-8")


def write_starter(path: Path, *, force: bool = False) -> None:
    if path.exists() and not force:
        raise StarterExists(f"{path} already exists; nothing was written\n  hint: pass --force to replace it, or name another path")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_text(), encoding="utf-8")
