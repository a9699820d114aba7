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
from ._pipeline import PYTHON_VERSION, DeployStage, image_builds, pipeline_context, toolchain
from ._static_sites import site_builds, static_sites_context
from .pulumi import PULUMI_VERSION

# Pinned by digest (see _pipeline's note on where the digests come from): the jobs that
# build and push images must not run a Docker that changed under a moving tag.
DOCKER_IMAGE = (
    "docker:27-cli@sha256:851f91d241214e7c6db86513b270d58776379aacc5eb9c4a87e5b47115e3065c"
)
DIND_IMAGE = (
    "docker:27-dind@sha256:aa3df78ecf320f5fafdce71c659f1629e96e9de0968305fe1de670e0ca9176ce"
)
# Pulumi's own image: the CLI of the version the program is tested with, Python, git and curl.
PULUMI_IMAGE = f"pulumi/pulumi-python:{PULUMI_VERSION}"
PYTHON_IMAGE = f"python:{PYTHON_VERSION}"
# The deploy jobs wait on ECS ListServiceDeployments / DescribeServiceDeployments (2024), which
# the Pulumi image's Debian lacks an AWS CLI for; AWS CLI v1 from PyPI has them.
AWSCLI_REQUIREMENT = "awscli==1.46.2"
# The test job's image, by the test command's toolchain: a GitLab job has only what its
# image has. Full (Debian/Ubuntu) images, so make, git and gcc are there. Pinned by tag only:
# these tags move with each patch release, so no digest is pinned by several unrelated
# repositories the way the scanner and Docker digests are (docs/delivery.md lists them).
TEST_IMAGES = {
    "java": "eclipse-temurin:21-jdk",
    "node": "node:22",
    "go": "golang:1.24",
    "python": PYTHON_IMAGE,
    "rust": "rust:1",
    "dotnet": "mcr.microsoft.com/dotnet/sdk:8.0",
    "ruby": "ruby:3.3",
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
