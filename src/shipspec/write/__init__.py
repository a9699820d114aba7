"""Writing: :class:`FileSet` → files on disk, all or nothing, with edit protection."""

from .manifest import MANIFEST_PATH, Manifest
from .writer import GenerationResult, write

__all__ = ["MANIFEST_PATH", "GenerationResult", "Manifest", "write"]
