"""Helpers shared by the monitoring tests (fixtures are in conftest.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from shipspec.plan.model import DeploymentModel
from shipspec.plan.planner import plan
from shipspec.render.renderer import render
from shipspec.spec.loader import load, loads

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.stem for p in (ROOT / "examples").glob("*.yaml"))


def otel_prometheus_labels(task_env: dict[str, str]) -> dict[str, str]:
    """The labels a task's metrics carry in Prometheus, derived from its OTEL_* variables as
    the OpenTelemetry "Prometheus and OpenMetrics compatibility" spec says: ``job`` is
    ``<service.namespace>/<service.name>`` (``<service.name>`` without a namespace), and a
    resource attribute the collector promotes (``resource_to_telemetry_conversion``) has
    its dots turned into underscores. Written independently of the planner on purpose."""
    attributes = dict(
        pair.split("=", 1) for pair in task_env["OTEL_RESOURCE_ATTRIBUTES"].split(",") if pair
    )
    name = task_env["OTEL_SERVICE_NAME"]
    namespace = attributes.get("service.namespace")
    labels = {"job": f"{namespace}/{name}" if namespace else name}
    if "deployment.environment.name" in attributes:
        labels["deployment_environment_name"] = attributes["deployment.environment.name"]
    return labels


def model_of(example: str) -> DeploymentModel:
    return plan(load(ROOT / "examples" / f"{example}.yaml"))


def model_from(text: str) -> DeploymentModel:
    return plan(loads(text))


def write(model: DeploymentModel, out: Path) -> Path:
    """Render ``model`` and write its files under ``out``; returns ``out/monitoring``."""
    for path, text in render(model, only=["monitoring"]):
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return out / "monitoring"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
