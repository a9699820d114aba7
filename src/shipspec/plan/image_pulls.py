"""Which registries a stack's images come from, and so which pulls the ECR endpoints carry.

The ``ecr.api`` and ``ecr.dkr`` interface endpoints (and the S3 gateway that serves ECR's
layers) carry pulls from this account's private ECR repositories only: an image on
ghcr.io, Docker Hub or ECR Public (``public.ecr.aws``) is fetched from the internet, through
a NAT gateway and its per-GB processing charge. The plan names those registries in the
endpoints' decision, so the stack config's comment says what is true of this spec.
"""

from __future__ import annotations

import re

from ..spec.models import HandoffSpec

# <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>: a private ECR repository
# (ECR user guide, "Private registry concepts").
_PRIVATE_ECR = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")


def registry(image: str) -> str:
    """The registry host of ``image``: Docker Hub for a name without one (``nginx``)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def registries_through_nat(spec: HandoffSpec) -> list[str]:
    """The registries of the spec's images (services and sidecars) that are not private
    ECR, sorted; images CI builds (``build:``) are pushed to ECR and are not among them."""
    images = set()
    for service in spec.services.values():
        if service.image:
            images.add(service.image)
        images.update(sidecar.image for sidecar in (service.sidecars or {}).values())
    return sorted({registry(i) for i in images if not _PRIVATE_ECR.match(i)})
