"""The ``shipspec`` process leaves what it keeps alive to the end out of the interpreter's
last collection (``gc.freeze`` in :func:`shipspec.cli.base.main`): exiting stays the same,
output written and flushed, exit handlers run, the exit status kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import shipspec

ROOT = Path(shipspec.__file__).resolve().parent.parent

PROGRAM = """
import atexit, gc, sys
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
from shipspec.cli import main
sys.argv = ["shipspec", *sys.argv[1:]]
main()
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True, env=env
    )


def test_a_command_exits_as_before_with_its_objects_frozen(tmp_path: Path) -> None:
    done = _run("--version")
    assert done.returncode == 0
    assert shipspec.__version__ in done.stdout
    assert done.stdout.rstrip().endswith("frozen at exit: True")


def test_a_failing_command_keeps_its_status_and_message(tmp_path: Path) -> None:
    done = _run("generate", str(tmp_path / "missing.yaml"), "-o", str(tmp_path / "out"))
    assert done.returncode != 0
    assert "missing.yaml" in done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("frozen at exit: True")
