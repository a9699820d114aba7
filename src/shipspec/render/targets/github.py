"""GitHub Actions target: the pull-request checks and the deploy pipeline.

Writes the workflows split by trigger because they differ in trust: ``pull-request.yml``
runs on code nobody has reviewed yet, so it may read but never change anything (tests,
image builds and scans, secret and IaC scans, ``shipspec generate --check``, the
``shipspec preview --against`` comment and a ``pulumi preview`` per stack); ``deploy.yml``
runs on the default branch and alone may push images and run ``pulumi up``;
``destroy.yml`` is manual and confirmed; ``drift.yml`` runs nightly with the read-only
preview role and reports drift as an issue.

Third-party actions are pinned to full commit SHAs (tags can be moved: 76 trivy-action
tags were in March 2026); :data:`ACTIONS` names each pin's release so a reviewer can
check it and Dependabot can bump it.
"""

from __future__ import annotations

from typing import Any

from ...plan.model import DeploymentModel
from . import target
from ._pipeline import DEFAULT_BRANCH, DeployStage, image_builds, pipeline_context
from ._static_sites import site_builds, static_sites_context

# action → (repository, commit, release). Each commit was checked against the release tag.
ACTIONS: dict[str, tuple[str, str, str]] = {
    "checkout": ("actions/checkout", "de0fac2e4500dabe0009e67214ff5f5447ce83dd", "v6.0.2"),
    "setup-python": ("actions/setup-python", "a309ff8b426b58ec0e2a45f0f869d46889d02405", "v6.2.0"),
    "setup-buildx": (
        "docker/setup-buildx-action",
        "4d04d5d9486b7bd6fa91e7baf45bbb4f8b9deedd",
        "v4.0.0",
    ),
    "build-push": (
        "docker/build-push-action",
        "53b7df96c91f9c12dcc8a07bcb9ccacbed38856a",
        "v7.3.0",
    ),
    # QEMU, for linux/arm64 images built on the x86_64 runner.
    "setup-qemu": (
        "docker/setup-qemu-action",
        "29109295f81e9208d7d86ff1c6c12d2833863392",
        "v3.6.0",
    ),
    "aws-credentials": (
        "aws-actions/configure-aws-credentials",
        "61815dcd50bd041e203e49132bacad1fd04d2708",
        "v5.1.1",
    ),
    "trivy": ("aquasecurity/trivy-action", "57a97c7e7821a5776cebc9bb87c984fa69cba8f1", "v0.35.0"),
    # The test job's toolchain (docs/delivery.md): each commit is the one several unrelated
    # public repositories pin with that release's comment.
    "setup-java": ("actions/setup-java", "dded0888837ed1f317902acf8a20df0ad188d165", "v5.0.0"),
    "setup-node": ("actions/setup-node", "2028fbc5c25fe9cf00d9f06a71cc4710d4507903", "v6.0.0"),
    "setup-go": ("actions/setup-go", "44694675825211faa026b3c33043df3e48a5fa00", "v6.0.0"),
    "pulumi": ("pulumi/actions", "8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
    # Static sites' built files, from the sites job to each deploy: the commits several
    # unrelated public repositories pin with these releases.
    "upload-artifact": (
        "actions/upload-artifact",
        "ea165f8d65b6e75b540449e92b4886f43607fa02",
        "v4.6.0",
    ),
    "download-artifact": (
        "actions/download-artifact",
        "95815c38cf2ff2164869cbab79da8d1f422bc89e",
        "v4.2.1",
    ),
}

# The versions the setup actions install; rust, dotnet and ruby commands use the runner's own.
JAVA_VERSION = "21"
NODE_VERSION = "22"
GO_VERSION = "1.24"
RUNNER = "ubuntu-24.04"  # a fixed image, not ubuntu-latest: the pipeline should not move under us


def uses(action: str) -> str:
    """``owner/repo@<sha> # vX.Y.Z`` for a ``uses:`` line."""
    repository, commit, release = ACTIONS[action]
    return f"{repository}@{commit} # {release}"


def expr(expression: str) -> str:
    """A GitHub expression, ``${{ ... }}``, written without fighting Jinja's own braces."""
    return "${{ " + expression + " }}"


@target("github", enabled=lambda m: m.ci == "github")
def context(model: DeploymentModel) -> dict[str, Any]:
    """.github/workflows/pull-request.yml, .github/workflows/deploy.yml,
    .github/workflows/destroy.yml, .github/workflows/drift.yml"""
    return {
        **pipeline_context(model),
        **static_sites_context(model),
        "uses": uses,
        "gh": expr,
        "runner": RUNNER,
        "java_version": JAVA_VERSION,
        "node_version": NODE_VERSION,
        "go_version": GO_VERSION,
        # workflow_dispatch can start the deploy from any branch; every job refuses but this one.
        "branch_guard": f"github.ref == 'refs/heads/{DEFAULT_BRANCH}'",
        "deploy_needs": lambda stage: deploy_needs(model, stage),
    }


def deploy_needs(model: DeploymentModel, stage: DeployStage) -> list[str]:
    """The images (for the registry output), the previous environment (promotion order is a
    chain of ``needs``), the tests where no images job already waits for them and, where a
    person must approve, the check that one can."""
    needs = ["images"] if image_builds(model) else []
    needs += ["sites"] if site_builds(model) else []
    needs += [f"deploy-{stage.previous.name}"] if stage.previous else []
    if not stage.previous and not needs and model.test_command:
        needs = ["test"]  # the images job needs the tests; without images the first deploy does
    return needs + (["approval-check"] if stage.env.approval_required else [])
