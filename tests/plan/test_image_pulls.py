"""The ECR endpoints' decision says which of the spec's images still pull through NAT."""

from __future__ import annotations

import pytest

import shipspec
from shipspec.plan.image_pulls import registry
from tests.conftest import EXAMPLES


@pytest.mark.parametrize(
    ("image", "host"),
    [
        ("nginx:1.27", "docker.io"),
        ("envoyproxy/envoy:v1.31.2", "docker.io"),
        ("ghcr.io/example/shop-web:1.4.2", "ghcr.io"),
        ("localhost:5000/app:1", "localhost:5000"),
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        ),
    ],
)
def test_registry_of_an_image(image: str, host: str) -> None:
    assert registry(image) == host


def test_production_endpoints_name_the_registries_that_still_use_nat() -> None:
    model = shipspec.plan(shipspec.load(EXAMPLES / "shop.yaml"), spec_file="handoff.yaml")
    prod = model.environment("prod")
    (decision,) = [d for d in prod.decisions if d.key == "network.interface_endpoints"]
    assert "ecr.dkr" in decision.value
    assert decision.inputs["registries_through_nat"] == ["ghcr.io"]
    assert "images from ghcr.io still pull through NAT" in decision.reason


def test_images_in_the_accounts_ecr_need_no_nat() -> None:
    text = (EXAMPLES / "shop.yaml").read_text()
    text = text.replace("ghcr.io/example/", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/")
    model = shipspec.plan(shipspec.loads(text, "handoff.yaml"), spec_file="handoff.yaml")
    (decision,) = [
        d for d in model.environment("prod").decisions if d.key == "network.interface_endpoints"
    ]
    assert decision.inputs["registries_through_nat"] == []
    assert "every image of this spec is in ECR" in decision.reason


def _endpoints_reason(text: str) -> tuple[list[str], str]:
    model = shipspec.plan(shipspec.loads(text, "handoff.yaml"), spec_file="handoff.yaml")
    (decision,) = [
        d for d in model.environment("prod").decisions if d.key == "network.interface_endpoints"
    ]
    return decision.inputs["registries_through_nat"], decision.reason


def test_the_reason_names_whose_ecr_images_the_endpoints_carry() -> None:
    """Not "this account's ECR (the images CI builds)": shop builds nothing, and an ECR image
    may be in another account (the endpoints carry any account's pulls in the region)."""
    text = (EXAMPLES / "shop.yaml").read_text()
    _, reason = _endpoints_reason(text)
    assert "CI builds" not in reason and "this account" not in reason
    assert "none of this spec's images" in reason
    other = text.replace("ghcr.io/example/", "210987654321.dkr.ecr.eu-west-1.amazonaws.com/")
    _, reason = _endpoints_reason(other)
    assert "image pulls from eu-west-1's ECR (the spec's images in account 210987654321)" in reason


def test_another_regions_ecr_pulls_through_nat() -> None:
    """The endpoints are the stack region's: us-east-1's ECR is reached over the internet."""
    text = (EXAMPLES / "shop.yaml").read_text()
    text = text.replace("ghcr.io/example/", "210987654321.dkr.ecr.us-east-1.amazonaws.com/")
    through_nat, reason = _endpoints_reason(text)
    assert through_nat == ["210987654321.dkr.ecr.us-east-1.amazonaws.com"]
    assert "210987654321.dkr.ecr.us-east-1.amazonaws.com still pull through NAT" in reason


def test_images_ci_builds_are_named_only_when_a_container_is_built() -> None:
    """`build:` on a container service pushes to production's ECR; a static site's does not."""
    text = (EXAMPLES / "shop.yaml").read_text()
    built = text.replace("image: ghcr.io/example/mailer:2.0", "build: {context: ./mailer}")
    assert built != text
    _, reason = _endpoints_reason(built)
    assert (
        "image pulls from eu-west-1's ECR (the images CI builds, in this account's registry, "
        "which the other environments pull from)" in reason
    )
