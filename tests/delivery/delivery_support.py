"""Rendered CI pipelines for every example and for variants that reach each template branch.

The examples alone mostly deploy prebuilt images; the variants add services CI must
build (a public web service, a worker and an internal API with its own Dockerfile path),
drop the approval, the test command and the S3 state backend, or run tools the CI images
lack (uv, pnpm, Bun), and every combination is rendered for both CI systems. Variants are
written as real spec files and go through ``load`` and ``plan`` like a user's would.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from shipspec.plan.model import DeploymentModel
from shipspec.plan.planner import plan
from shipspec.render.renderer import render
from shipspec.spec.loader import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
TARGETS = ["github", "gitlab"]
SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
RELEASE_COMMENT = re.compile(r"uses: \S+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def _built(spec: dict[str, Any]) -> None:
    """The first web service and the first worker built from source, plus an internal API."""
    services = spec["services"]
    for kind, folder in (("web", "."), ("worker", "workers")):
        name = next((n for n, s in services.items() if s["type"] == kind and "image" in s), None)
        if name:
            services[name].pop("image")
            services[name].pop("image_credentials", None)  # a built image is in ECR
            services[name]["build"] = {"context": f"{folder}/{name}"}
    services["edge-api"] = {
        "type": "web",
        "build": {"context": "services/edge-api", "dockerfile": "docker/Dockerfile.prod"},
        "port": 9000,
        "health": {"path": "/ready"},
    }


def _no_approval(spec: dict[str, Any]) -> None:
    for env in spec["environments"].values():
        env.pop("approval", None)


def _pulumi_cloud(spec: dict[str, Any]) -> None:
    spec["cloud"].pop("state", None)
    spec.setdefault("delivery", {}).pop("test_command", None)


def _tools(spec: dict[str, Any]) -> None:
    """Commands that run tools the CI images lack, one per installer (pipx, npm, Corepack),
    so the jobs' setup scripts are linted too."""
    spec.setdefault("delivery", {})["test_command"] = (
        "uv sync --frozen && uv run pytest -q && pnpm test && bun test"
    )
    for service in spec["services"].values():
        if service.get("type") == "static" and "build" in service:
            service["build"]["command"] = "uv run mkdocs build"


VARIANTS: dict[str, list[Callable[[dict[str, Any]], None]]] = {
    "plain": [],
    "built": [_built],
    "open": [_no_approval, _pulumi_cloud],
    "built-open": [_built, _no_approval, _pulumi_cloud],
    "tools": [_tools],
}


@dataclass(frozen=True)
class Rendered:
    name: str
    model: DeploymentModel
    files: dict[str, str]
    root: Path  # where the files were written, for the tools that read from disk

    def yaml(self, relative: str) -> Any:
        """The parsed file, shared between tests (parsed once): read it, never change it."""
        return load_yaml(self.files[relative])

    def path(self, relative: str) -> Path:
        return self.root / relative


@functools.cache
def load_yaml(text: str) -> Any:
    """YAML 1.2 (ruamel), so GitHub's ``on:`` stays a string key instead of becoming True."""
    return YAML(typ="safe").load(text)


def example_specs() -> dict[str, dict[str, Any]]:
    yaml = YAML(typ="safe")
    return {p.stem: yaml.load(p.read_text()) for p in sorted(EXAMPLES.glob("*.yaml"))}


def render_spec(spec: dict[str, Any], folder: Path, name: str) -> Rendered:
    """Write ``spec`` as ``folder/handoff.yaml``, then load, plan and render it beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    spec_path = folder / "handoff.yaml"
    with spec_path.open("w") as stream:
        YAML().dump(spec, stream)
    model = plan(load(spec_path), spec_file="handoff.yaml")
    files = {
        path: text
        for path, text in render(model, only=TARGETS)
        if not path.startswith(".shipspec/")
    }
    for relative, text in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)
    return Rendered(name, model, files, folder)


def variants(ci: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every example × every variant, with ``delivery.ci`` set to ``ci``."""
    for example, base in example_specs().items():
        for variant, edits in VARIANTS.items():
            spec = copy.deepcopy(base)
            for edit in edits:
                edit(spec)
            spec.setdefault("delivery", {})["ci"] = ci
            yield f"{example}-{variant}-{ci}", spec


def build_services(model: DeploymentModel) -> list[str]:
    return [s.name for s in model.environments[0].services if s.build_context]


def public_web_services(model: DeploymentModel) -> list[str]:
    return [s.name for s in model.environments[0].services if s.kind == "web" and s.public]


def gitlab_job(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """A job with its ``extends`` merged in, the way GitLab resolves them (hashes deep-merge)."""
    job = doc[name]
    parents = job.get("extends", [])
    merged: dict[str, Any] = {}
    for parent in [parents] if isinstance(parents, str) else parents:
        merged = _merge(merged, gitlab_job(doc, parent))
    return _merge(merged, {k: v for k, v in job.items() if k != "extends"})


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def gitlab_jobs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The pipeline's real jobs (not hidden templates or global keywords), resolved."""
    keywords = {"workflow", "stages", "variables", "default", "include"}
    return {
        name: gitlab_job(doc, name)
        for name, value in doc.items()
        if isinstance(value, dict) and name not in keywords and not name.startswith(".")
    }
