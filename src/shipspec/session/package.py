"""The operations handoff package at ``session end``: current, complete, and its SVG drawn.

``generate`` writes the package (``docs/operations/``) with the rest of the output, so
``session end`` does not write generated files: it checks, as ``generate --check`` does,
that the output folder is exactly what the saved model renders (a stale or hand-edited
package refuses the end, with the command that fixes it), and renders the one artifact
that cannot be part of byte-identical output, ``architecture.svg``, when Graphviz is
installed. The summary it returns names each package file with its digest, so the
session's evidence pins the package that was handed over.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import StaleOutput
from ..fileset import digest
from .errors import SessionError

PACKAGE_FILES = ("handoff.md", "runbook.md", "baseline.md", "architecture.dot")


def check_operations_package(out_dir: Path, *, blueprints: Path | None = None) -> str:
    """Check the package under ``out_dir``; render its SVG; return the evidence summary."""
    from ..model_io import read_model
    from ..render.renderer import render
    from ..render.targets.docs import DOCS, render_svg
    from ..write.writer import write

    model = read_model(out_dir)
    files = render(model, blueprints=blueprints)
    try:
        write(files, out_dir, check=True)
    except StaleOutput as stale:
        raise SessionError(
            f"the generated output in {out_dir} is not what the saved model renders, so the "
            f"handoff package cannot be handed over:\n"
            + "\n".join(f"  {c}" for c in stale.changes[:10])
            + f"\n  hint: run `shipspec generate {model.spec_file} -o {out_dir}` (with your "
            "--blueprints, if any, and pass them to `session end` too), then end the session"
        ) from None
    parts = []
    for name in PACKAGE_FILES:
        path = Path(out_dir) / DOCS / name
        parts.append(f"{DOCS}/{name} {digest(path.read_bytes())[:19]}")
    try:
        svg = render_svg(Path(out_dir))
    except (OSError, RuntimeError) as error:
        parts.append(f"architecture.svg not rendered ({error})")
    else:
        parts.append(
            f"{DOCS}/architecture.svg rendered"
            if svg
            else "architecture.svg not rendered (Graphviz `dot` is not installed)"
        )
    return "handoff package current: " + "; ".join(parts)
