"""``shipspec init``: copy the packaged, commented starter spec into place.

The starter (and every imported spec) opens with a ``# yaml-language-server: $schema=``
line naming ``handoff.schema.json`` beside it, so editors using the YAML language server
(VS Code's YAML extension, Neovim, Helix...) complete and check the spec; ``init`` and the
importers write that schema file too, from the running shipspec version.
"""

from __future__ import annotations

from pathlib import Path

from .render.engine import blueprints_root
from .spec.schema import SCHEMA_FILE, json_schema_text
from .write.single import write_user_file


def starter_text() -> str:
    return (blueprints_root() / "starter" / "handoff.yaml").read_text("utf-8")


def write_starter(path: Path, *, force: bool = False) -> Path | None:
    """Write the starter spec; returns the schema file when it wrote one beside it."""
    write_user_file(path, starter_text(), force=force)
    return write_schema_beside(path, force=force)


def write_schema_beside(spec: Path, *, force: bool = False) -> Path | None:
    """Write ``handoff.schema.json`` beside ``spec`` unless one is there (``force`` replaces it).

    Returns the path written, or None when an existing schema file was left alone.
    """
    target = spec.parent / SCHEMA_FILE
    if target.exists() and not force:
        return None
    write_user_file(target, json_schema_text(), force=True)
    return target
