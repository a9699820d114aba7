"""GitLab CI target: ``.gitlab-ci.yml``, the same pipeline as the GitHub target in GitLab terms.

Merge-request pipelines test, build and scan images (pushed nowhere but the layer cache),
scan for secrets and IaC problems, check the generated files and preview each stack;
default-branch pipelines push each image once to ECR and deploy in promotion order. Each
deploy job has an ``environment``, a ``resource_group`` so two deploys of one environment
never overlap, and ``when: manual`` where the handoff requires approval.

AWS access is OIDC: a job that needs AWS asks GitLab for an ID token with audience
``sts.amazonaws.com`` and hands it to the AWS SDK as a web-identity token file with the
role in ``AWS_ROLE_ARN``. The SDK (the AWS CLI and Pulumi's AWS provider alike) then calls
``sts:AssumeRoleWithWebIdentity`` itself and refreshes the credentials when they expire,
which a long canary rollout needs; no key is ever exported into the job's environment.
"""

from __future__ import annotations

from typing import Any

from ...plan.model import DeploymentModel
from . import target
from ._images import image_ref, image_tag
from ._pipeline import DeployStage, image_builds, pipeline_context, toolchain
from ._static_sites import site_builds, static_sites_context

# Every image is pinned by digest (images.json, with where each digest was found): the
# jobs that build and push images must not run a Docker that changed under a moving tag.
DOCKER_IMAGE = image_ref("docker")
DIND_IMAGE = image_ref("dind")
# Pulumi's own image: the CLI, Python, git and curl. The newest pulumi-python digest that
# public code pins is older than the SDK in the generated requirements (pulumi-aws needs a
# newer SDK), which works: the SDK asks the engine which features it supports
# (SupportsFeature) and names the CLI upgrade when one it needs is missing.
PULUMI_IMAGE = image_ref("pulumi")
PYTHON_IMAGE = image_ref("python")
# The deploy jobs wait on ECS ListServiceDeployments / DescribeServiceDeployments (2024), which
# the Pulumi image's Debian lacks an AWS CLI for; AWS CLI v1 from PyPI has them.
AWSCLI_REQUIREMENT = "awscli==1.46.2"
# The test job's image, by the test command's toolchain: a GitLab job has only what its
# image has. Full (Debian/Ubuntu) images, so make, git and gcc are there.
TEST_IMAGES = {
    toolchain: image_ref(toolchain)
    for toolchain in ("java", "node", "go", "python", "rust", "dotnet", "ruby")
}


@target("gitlab", enabled=lambda m: m.ci == "gitlab")
def context(model: DeploymentModel) -> dict[str, Any]:
    """.gitlab-ci.yml"""
    return {
        **pipeline_context(model),
        **static_sites_context(model),
        "docker_image": DOCKER_IMAGE,
        "dind_image": DIND_IMAGE,
        "pulumi_image": PULUMI_IMAGE,
        # The CLI in that image and the SDK infra/requirements.txt pins differ; the
        # generated comment beside the image says so and why it is safe.
        "pulumi_cli_version": image_tag("pulumi"),
        "python_image": PYTHON_IMAGE,
        "test_image": image_for_tests(model.test_command),
        "awscli_requirement": AWSCLI_REQUIREMENT,
        "deploy_needs": lambda stage: deploy_needs(model, stage),
        "site_image": lambda toolchain: TEST_IMAGES[toolchain],
    }


def image_for_tests(command: str | None) -> str:
    """An image with the toolchain the test command runs (a JDK for ./gradlew check)."""
    return TEST_IMAGES[toolchain(command) or "python"]


def deploy_needs(model: DeploymentModel, stage: DeployStage) -> list[str]:
    """Every image's publish job (for ``$REGISTRY``, passed on as a dotenv artifact) and the
    previous environment's deploy: promotion order is a chain of ``needs``. The first
    deploy also needs the default branch's test job, so nothing deploys untested."""
    needs = [f"publish:{build.service}" for build in image_builds(model)]
    needs += [f"site:{build.site}" for build in site_builds(model)]
    if stage.previous:
        return [*needs, f"deploy:{stage.previous.name}"]
    return needs + (["test"] if model.test_command else [])
