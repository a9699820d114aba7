"""Render targets: each is a blueprint folder plus the context its templates need.

A target registers itself with :func:`target`. Its folder under ``blueprints/``
mirrors the output tree: ``*.j2`` files are Jinja templates, anything else is copied
as is, and a ``{env}`` in a file name renders that file once per environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...plan.model import DeploymentModel

Context = Callable[[DeploymentModel], dict[str, Any]]
# (model, blueprint files, read a file's source) → the files to write, each mapped to None
# (render it as usual) or to the text that replaces its source.
Select = Callable[[DeploymentModel, list[str], Callable[[str], str]], dict[str, str | None]]


@dataclass(frozen=True)
class Target:
    name: str
    folder: str
    enabled: Callable[[DeploymentModel], bool]
    context: Context
    description: str
    select: Select | None = None


TARGETS: dict[str, Target] = {}


def target(
    name: str,
    *,
    folder: str | None = None,
    enabled: Callable[[DeploymentModel], bool] = lambda m: True,
    select: Select | None = None,
) -> Callable[[Context], Context]:
    """Register the decorated context function as target ``name``; its docstring lists its files.

    ``select``, when given, narrows the blueprint files to the ones this model needs
    (and may replace a file's source); files it leaves out are not written, so the
    writer deletes them from an earlier output.
    """

    def register(context: Context) -> Context:
        TARGETS[name] = Target(
            name, folder or name, enabled, context, (context.__doc__ or "").strip(), select
        )
        return context

    return register


def load_builtin_targets() -> dict[str, Target]:
    """Import every module in this package once; each registers its target on import."""
    import importlib
    import pkgutil

    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}")
    return dict(sorted(TARGETS.items(), key=lambda item: _ORDER.get(item[0], 99)))


_ORDER = {"pulumi": 0, "github": 1, "gitlab": 2, "monitoring": 3, "docs": 4}
