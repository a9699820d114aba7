"""``shipspec init``: copy the packaged, commented starter spec into place."""

from __future__ import annotations

from pathlib import Path

from .render.engine import blueprints_root
from .write.single import write_user_file


def starter_text() -> str:
    return (blueprints_root() / "starter" / "handoff.yaml").read_text("utf-8")


def write_starter(path: Path, *, force: bool = False) -> None:
    write_user_file(path, starter_text(), force=force)
