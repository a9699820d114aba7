"""Which registries a stack's images come from, and so which pulls the ECR endpoints carry.

The ``ecr.api`` and ``ecr.dkr`` interface endpoints (and the S3 gateway that serves ECR's
layers) are the stack region's: they carry pulls from private ECR repositories in that region
(of any account whose repository policy admits the puller): an image on ghcr.io, Docker Hub,
ECR Public (``public.ecr.aws``) or another region's ECR is fetched from the internet, through
a NAT gateway and its per-GB processing charge. The plan names those registries in the
endpoints' decision, so the stack config's comment says what is true of this spec.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from ..spec.models import HandoffSpec

# <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>: a private ECR repository
# (ECR user guide, "Private registry concepts").
_PRIVATE_ECR = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/([^:@]+)")
# The actions ECS's task execution role needs on a repository to pull from it (ECR user
# guide, "Private repository policy examples": allow another account to pull).
ECR_PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
ENVIRONMENT_ACCOUNT = "<environment account-id>"
# The CI variable the image jobs read the environments' account IDs from (space-separated):
# the accounts whose ECS tasks pull the images CI pushes (the handoff says to set it).
PULL_ACCOUNTS_VARIABLE = "ECR_PULL_ACCOUNT_IDS"


class EcrRegistry(NamedTuple):
    """A private ECR registry the spec's images (not the ones CI builds) are pulled from."""

    account: str
    region: str
    repositories: list[str]


def registry(image: str) -> str:
    """The registry host of ``image``: Docker Hub for a name without one (``nginx``)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def registries_through_nat(spec: HandoffSpec) -> list[str]:
    """The registries of the spec's images (services and sidecars) that are not private
    ECR, sorted; images CI builds (``build:``) are pushed to ECR and are not among them."""
    region = spec.cloud.region
    return sorted({registry(i) for i in spec_images(spec) if _ecr_region(i) != region})


def spec_images(spec: HandoffSpec) -> set[str]:
    """The images the spec names (services, jobs and sidecars); not the ones CI builds."""
    images = set()
    for service in spec.services.values():
        if service.image:
            images.add(service.image)
        images.update(sidecar.image for sidecar in (service.sidecars or {}).values())
    return images


def _ecr_region(image: str) -> str | None:
    found = _PRIVATE_ECR.match(image)
    return found.group(2) if found else None


def ecr_registries(images: set[str]) -> list[EcrRegistry]:
    """The private ECR registries among ``images`` with their repositories, sorted."""
    found: dict[tuple[str, str], set[str]] = {}
    for image in images:
        match = _PRIVATE_ECR.match(image)
        if match:
            found.setdefault((match.group(1), match.group(2)), set()).add(match.group(4))
    return [EcrRegistry(a, r, sorted(repos)) for (a, r), repos in sorted(found.items())]


def ecr_pull_policy(accounts: Sequence[str] = (ENVIRONMENT_ACCOUNT,)) -> dict[str, Any]:
    """The repository policy that lets the environment accounts' ECS tasks pull its images.

    The handoff prints it for the spec's own ECR images (``accounts`` a placeholder) and the
    CI image jobs set it on the repositories they push to (:func:`ecr_pull_policy_shell`).

    A repository policy is the resource's own: it has no ``Resource``. The puller's own IAM
    side (``ecr:GetAuthorizationToken`` and these actions) is the stack's task execution role
    (AmazonECSTaskExecutionRolePolicy, on any resource).
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EnvironmentAccountsPull",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in accounts]},
                "Action": list(ECR_PULL_ACTIONS),
            }
        ],
    }


_PRINCIPALS = "@principals@"


def ecr_pull_policy_shell() -> tuple[str, str]:
    """:func:`ecr_pull_policy` as compact JSON split around its principal list: a CI job
    writes ``head + '["arn:aws:iam::<id>:root",...]' + tail`` from the account IDs it is given."""
    policy = ecr_pull_policy()
    policy["Statement"][0]["Principal"]["AWS"] = _PRINCIPALS
    text = json.dumps(policy, separators=(",", ":"))
    head, tail = text.split(json.dumps(_PRINCIPALS))
    return head, tail
