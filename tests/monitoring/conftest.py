"""Fixtures for the monitoring tests: the examples rendered to disk, and the Prometheus tools.

promtool and amtool come from Debian's ``prometheus`` and ``prometheus-alertmanager``
packages; CI installs them, and only their absence skips the tests that run them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.monitoring.monitoring_support import EXAMPLES, model_of, write


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {package})")
    return path


@pytest.fixture(scope="session")
def promtool() -> str:
    return tool("promtool", "prometheus")


@pytest.fixture(scope="session")
def amtool() -> str:
    return tool("amtool", "prometheus-alertmanager")


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every example's monitoring folder, rendered once."""
    return {e: write(model_of(e), tmp_path_factory.mktemp(e)) for e in EXAMPLES}


@pytest.fixture(scope="session")
def shipped_tests(
    rendered: dict[str, Path], promtool: str
) -> dict[str, subprocess.CompletedProcess[str]]:
    """``promtool test rules`` on every example's shipped test file, run in parallel."""
    procs = {
        example: subprocess.Popen(
            [promtool, "test", "rules", f"{model_of(example).app}-slos.test.yml"],
            cwd=folder / "prometheus",
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for example, folder in rendered.items()
    }
    results = {}
    for example, proc in procs.items():
        out, _ = proc.communicate(timeout=300)
        results[example] = subprocess.CompletedProcess(proc.args, proc.returncode, out, "")
    return results
