"""The preview's child process loads Pulumi and the mocks, not the spec or plan models."""

from __future__ import annotations

import subprocess
import sys


def test_the_child_does_not_build_the_spec_and_plan_models() -> None:
    code = (
        "import sys, shipspec.preview.child, shipspec.preview.runner; "
        "print(sorted(m for m in sys.modules if m.startswith("
        "('pydantic', 'shipspec.plan.model', 'shipspec.plan.planner', 'shipspec.spec'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_plan_package_still_offers_its_names() -> None:
    from shipspec.plan import DeploymentModel, plan
    from shipspec.plan.model import DeploymentModel as Model
    from shipspec.plan.planner import plan as planner

    assert DeploymentModel is Model and plan is planner
