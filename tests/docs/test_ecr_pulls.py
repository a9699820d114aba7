"""Images in a private ECR registry: the handoff tells the registry's account to let the
environment accounts pull (ECS pulls with each environment's task execution role), with a
policy rendered from one function and `aws` commands the CLI accepts."""

from __future__ import annotations

import json
import re

import shipspec
from shipspec.plan.image_pulls import ECR_PULL_ACTIONS, ecr_pull_policy
from shipspec.render.renderer import render
from tests.conftest import EXAMPLES
from tests.docs.aws_cli import commands, problems

HANDOFF = "docs/operations/handoff.md"
REGISTRY = "210987654321.dkr.ecr.eu-west-1.amazonaws.com"


def handoff(text: str) -> str:
    model = shipspec.plan(shipspec.loads(text, "handoff.yaml"), spec_file="handoff.yaml")
    return dict(render(model, only=["docs"]))[HANDOFF]


def test_ecr_images_get_a_repository_policy_step() -> None:
    text = (EXAMPLES / "shop.yaml").read_text().replace("ghcr.io/example/", f"{REGISTRY}/shop/")
    page = handoff(text)
    step = page.split("**Pulls from ECR in another account.**")[1].split("\n\n## ")[0]
    assert (
        "- account 210987654321, region eu-west-1: `shop/jobs`, `shop/mailer`, `shop/shop-web`"
        in step
    )
    policy = json.loads(step.split("```json\n")[1].split("```")[0])
    assert policy == ecr_pull_policy()
    [statement] = policy["Statement"]
    assert sorted(statement["Action"]) == sorted(ECR_PULL_ACTIONS)
    assert "Resource" not in statement  # a repository policy is the resource's own
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::<environment account-id>:root"]}
    everything = commands(step, HANDOFF)
    assert [p for c in everything for p in problems(c)] == []
    found = [c for c in everything if c.operation == "set-repository-policy"]
    assert sorted(c.text.split("--repository-name ")[1].split()[0] for c in found) == [
        "shop/jobs",
        "shop/mailer",
        "shop/shop-web",
    ]
    for command in found:
        assert "--registry-id 210987654321 " in command.text
        assert "--policy-text file://ecr-pull-policy.json" in command.text
        assert problems(command) == []


def test_no_ecr_image_no_step() -> None:
    assert "Pulls from ECR" not in handoff((EXAMPLES / "shop.yaml").read_text())


def test_before_the_first_deploy_names_each_environments_hosted_zone() -> None:
    """The stack looks its zone up and creates none: the handoff says which must exist,
    grouped by zone, and how the full example's staging subzone is delegated."""
    page = handoff((EXAMPLES / "full.yaml").read_text())
    step = re.split(r"\n\d+\. \*\*", page.split("**The hosted zones.**")[1])[0]
    assert "- `example.com`: main, in its account." in step
    assert (
        "- `staging.atlas.example.com`: staging, in its account; a subzone of `example.com`" in step
    )
    assert [c.operation for c in commands(step, HANDOFF)] == [
        "create-hosted-zone",  # the spec's subzone, in staging's account, before its delegation
        "list-hosted-zones-by-name",
        "get-hosted-zone",
        "list-hosted-zones-by-name",
        "change-resource-record-sets",
    ]
    assert all(problems(c) == [] for c in commands(step, HANDOFF))
    assert "**The hosted zones.**" not in handoff((EXAMPLES / "minimal.yaml").read_text())
