"""shipspec: turn a development handoff into a reviewable AWS deployment.

The pipeline, one typed value between stages::

    load(path) -> HandoffSpec -> plan(spec) -> DeploymentModel
        -> generate(model, out_dir) -> GenerationResult      (render + write)
        -> preview(out_dir, env) -> Preview                 (the program under Pulumi mocks)

Importing shipspec is cheap: the pydantic models load on first use, and Pulumi and
``pulumi_aws`` only when a preview runs, so ``shipspec --version`` starts fast.
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import (
    Diagnostic,
    PreviewError,
    ShipspecError,
    SpecError,
    StaleOutput,
    WriteConflict,
)

if TYPE_CHECKING:
    from .fileset import FileSet
    from .plan.model import DeploymentModel
    from .preview import Preview
    from .spec.models import HandoffSpec
    from .write.writer import GenerationResult

__version__ = "0.1.0"

_LAZY = {
    "DeploymentModel": "shipspec.plan.model",
    "FileSet": "shipspec.fileset",
    "GenerationResult": "shipspec.write.writer",
    "HandoffSpec": "shipspec.spec.models",
    "Preview": "shipspec.preview.result",
    "loads": "shipspec.spec.loader",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'shipspec' has no attribute {name!r}")


def load(path: str | Path) -> HandoffSpec:
    """Read and validate a handoff spec; raises :class:`SpecError` listing every problem."""
    from .spec.loader import load as load_spec

    return load_spec(path)


def plan(spec: HandoffSpec, *, spec_file: str = "handoff.yaml") -> DeploymentModel:
    """Decide what each environment gets, with the reason for every derived value.

    ``spec_file`` is the spec's path as generated files should name it (in headers
    and in the CI's ``generate --check``).
    """
    from .plan.planner import plan as plan_model

    return plan_model(spec, spec_file=spec_file)


def generate(
    model: DeploymentModel,
    out_dir: str | Path,
    *,
    force: bool = False,
    check: bool = False,
    blueprints: str | Path | None = None,
) -> GenerationResult:
    """Render the model and write it under ``out_dir`` atomically.

    Refuses (:class:`WriteConflict`) to overwrite files edited since shipspec wrote
    them unless ``force``; with ``check`` writes nothing and raises
    :class:`StaleOutput` if anything would change. Then keeps shipspec's section of
    ``AGENTS.md`` current (the rest of that file is the user's and is not touched).
    """
    from .render.renderer import render as render_files
    from .render.targets.context import agents_section
    from .write.agents import sync_agents_section
    from .write.manifest import blueprints_for
    from .write.writer import write

    folder, recorded = blueprints_for(Path(out_dir), Path(blueprints) if blueprints else None)
    files = render_files(model, blueprints=folder)
    section = agents_section(model)
    sync_agents_section(Path(out_dir), section, check=True)  # broken markers: write nothing
    result = write(files, Path(out_dir), force=force, check=check, blueprints=recorded)
    path, action = sync_agents_section(Path(out_dir), section, check=check)
    if check and action != "unchanged":
        raise StaleOutput([f"{action}: {path} (shipspec's section)"])
    result.actions[path] = action
    return result


def preview(out_dir: str | Path, env: str | None = None) -> Preview:
    """Run the generated program for ``env`` (default: the production stack) under Pulumi mocks."""
    from .preview.service import run_preview

    return run_preview(Path(out_dir), env)


def render(model: DeploymentModel, *, blueprints: str | Path | None = None) -> FileSet:
    """Render the model into files in memory (what ``generate`` would write)."""
    from .render.renderer import render as render_files

    return render_files(model, blueprints=Path(blueprints) if blueprints else None)


class _PublicApi(types.ModuleType):
    """Keeps ``shipspec.plan``/``preview``/``render`` the functions above.

    The stage packages share those names; importing one would otherwise rebind the
    package attribute to the module and shadow the function. The packages stay
    importable by their dotted names (``from shipspec.plan.model import ...``).
    """

    def __setattr__(self, name: str, value: object) -> None:
        if name in _FUNCTIONS_NAMED_LIKE_PACKAGES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


_FUNCTIONS_NAMED_LIKE_PACKAGES = frozenset({"plan", "preview", "render"})
sys.modules[__name__].__class__ = _PublicApi


__all__ = [
    "DeploymentModel",
    "Diagnostic",
    "FileSet",
    "GenerationResult",
    "HandoffSpec",
    "Preview",
    "PreviewError",
    "ShipspecError",
    "SpecError",
    "StaleOutput",
    "WriteConflict",
    "__version__",
    "generate",
    "load",
    "loads",
    "plan",
    "preview",
    "render",
]
