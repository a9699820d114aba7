"""A program runs with rare full garbage collections, and the caller's settings come back.

Full collections walk every live object; a large program keeps over a million alive, so
with the default thresholds they were half of a preview's CPU time (preview.runner).
"""

from __future__ import annotations

import gc
from pathlib import Path

from shipspec.preview.runner import run_stack

PROGRAM = """\
import gc
import pulumi
pulumi.CustomResource("test:index:Queue", "jobs", {"size": 1})
pulumi.export("threshold", list(gc.get_threshold()))
"""


def _program(root: Path) -> Path:
    root.mkdir()
    (root / "Pulumi.yaml").write_text("name: collections\nruntime: python\n")
    (root / "__main__.py").write_text(PROGRAM)
    return root


def test_the_program_runs_with_a_large_first_generation_and_the_callers_comes_back(
    tmp_path: Path,
) -> None:
    before = gc.get_threshold()
    gc.set_threshold(321, 9, 8)
    try:
        run = run_stack(_program(tmp_path / "p"), project="collections", stack="dev", config={})
        assert run.outputs["threshold"][0] >= 50_000
        assert gc.get_threshold() == (321, 9, 8)
    finally:
        gc.set_threshold(*before)
