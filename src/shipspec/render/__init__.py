"""Rendering: :class:`DeploymentModel` → :class:`FileSet` through Jinja blueprints."""

from ..fileset import FileSet, digest
from .renderer import render

__all__ = ["FileSet", "digest", "render"]
