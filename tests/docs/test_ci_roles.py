"""The CI roles' trust policies in the handoff admit exactly the tokens the generated
pipelines present, per environment, and are the documents shipspec's docs/delivery.md shows.

IAM's evaluation of a web-identity trust policy is modelled here: every condition key must
match (``StringEquals``: one of the listed values; ``StringLike``: a ``*`` pattern)."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

import shipspec
from shipspec.render.renderer import render
from shipspec.render.targets._ci_roles import (
    GITHUB_ISSUER,
    STS_AUDIENCE,
    ci_roles,
    github_subject,
    gitlab_subject,
    trust_policy,
)
from tests.conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
HANDOFF = "docs/operations/handoff.md"


def admits(policy: dict[str, Any], issuer: str, aud: str, sub: str) -> bool:
    claims = {f"{issuer}:aud": aud, f"{issuer}:sub": sub}
    for statement in policy["Statement"]:
        if statement["Action"] != "sts:AssumeRoleWithWebIdentity":
            continue
        if not statement["Principal"]["Federated"].endswith(f":oidc-provider/{issuer}"):
            continue
        ok = True
        for operator, conditions in statement["Condition"].items():
            for key, wanted in conditions.items():
                values = wanted if isinstance(wanted, list) else [wanted]
                have = claims.get(key)
                if operator == "StringEquals":
                    ok &= have in values
                elif operator == "StringLike":
                    ok &= any(have is not None and fnmatch.fnmatchcase(have, v) for v in values)
                else:
                    ok = False
        if ok and statement["Effect"] == "Allow":
            return True
    return False


def json_blocks(text: str) -> list[dict[str, Any]]:
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", text, flags=re.S)]


def test_github_roles_admit_only_their_environment_s_jobs() -> None:
    model = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"), spec_file="full.yaml")
    files = dict(render(model))
    handoff = files[HANDOFF]
    repo = "example/atlas"
    workflow = files[".github/workflows/deploy.yml"]
    names = [e.name for e in model.environments]
    blocks = json_blocks(handoff.split("## CI roles")[1].split("\n## ")[0])
    for roles in ci_roles(model):
        env = roles.environment
        # The deploy job of this environment is bound to the GitHub environment: its subject.
        assert re.search(rf"^\s+environment:\s+(name: )?{env}\s*$", workflow, flags=re.M), env
        own = github_subject(repo, f"environment:{env}")
        assert roles.deploy.trust in blocks and roles.read_only.trust in blocks
        assert admits(roles.deploy.trust, GITHUB_ISSUER, STS_AUDIENCE, own)
        for other in names:
            if other != env:
                bad = github_subject(repo, f"environment:{other}")
                assert not admits(roles.deploy.trust, GITHUB_ISSUER, STS_AUDIENCE, bad)
        pull_request = github_subject(repo, "pull_request")
        assert not admits(roles.deploy.trust, GITHUB_ISSUER, STS_AUDIENCE, pull_request)
        assert not admits(roles.deploy.trust, GITHUB_ISSUER, "other", own)
        assert not admits(
            roles.deploy.trust, GITHUB_ISSUER, STS_AUDIENCE, own.replace(repo, "evil/atlas")
        )
        production = model.environment(env).production
        # Previews: pull requests may read the non-production stacks, never production's.
        assert admits(roles.read_only.trust, GITHUB_ISSUER, STS_AUDIENCE, pull_request) is (
            not production
        )
        assert "AdministratorAccess" in roles.deploy.permissions[0]
        assert "ReadOnlyAccess" in roles.read_only.permissions[0]
        section = handoff.split(f"### Roles of {env}\n")[1].split("\n### ")[0]
        assert "s3:PutObject" not in section.split("**Read-only role**")[1]


def test_gitlab_roles_are_bound_by_each_environment_s_audience() -> None:
    spec = (EXAMPLES / "webapp.yaml").read_text()
    spec = spec.replace(
        "delivery: {ci: gitlab,",
        "delivery: {repository_url: 'https://gitlab.example.com/acme/shop/web', ci: gitlab,",
    )
    model = shipspec.plan(shipspec.loads(spec))
    files = dict(render(model))
    pipeline = files[".gitlab-ci.yml"]
    assert "aud: $AWS_OIDC_AUDIENCE" in pipeline
    handoff = files[HANDOFF]
    blocks = json_blocks(handoff.split("## CI roles")[1].split("\n## ")[0])
    issuer, project = "gitlab.example.com", "acme/shop/web"
    main = gitlab_subject(project, "main")
    for roles in ci_roles(model):
        env = roles.environment
        audience = f"<{env}'s AWS_OIDC_AUDIENCE>"
        assert roles.deploy.trust in blocks and roles.read_only.trust in blocks
        assert admits(roles.deploy.trust, issuer, audience, main)
        assert not admits(roles.deploy.trust, issuer, STS_AUDIENCE, main)
        assert not admits(roles.deploy.trust, issuer, audience, gitlab_subject(project, "topic"))
        for other in model.environments:
            if other.name != env:
                assert not admits(
                    roles.deploy.trust, issuer, f"<{other.name}'s AWS_OIDC_AUDIENCE>", main
                )
        branch = gitlab_subject(project, "feature-x")
        # A merge request's branch may preview a non-production stack only.
        assert admits(roles.read_only.trust, issuer, STS_AUDIENCE, branch) is (
            not model.environment(env).production
        )


def test_delivery_md_shows_the_same_documents() -> None:
    """shipspec's own docs/delivery.md explains the roles with placeholder names: its JSON
    is what :func:`trust_policy` makes for them, so the two cannot drift apart."""
    shown = json_blocks((ROOT / "docs/delivery.md").read_text())
    account = "111122223333"
    expected = [
        trust_policy(
            GITHUB_ISSUER,
            STS_AUDIENCE,
            github_subject("OWNER/REPO", "environment:prod"),
            account=account,
        ),
        trust_policy(
            GITHUB_ISSUER,
            STS_AUDIENCE,
            [
                github_subject("OWNER/REPO", "pull_request"),
                github_subject("OWNER/REPO", "ref:refs/heads/main"),
            ],
            account=account,
        ),
        trust_policy(
            "gitlab.com",
            "<prod's AWS_OIDC_AUDIENCE>",
            gitlab_subject("GROUP/PROJECT", "main"),
            account=account,
        ),
        trust_policy(
            "gitlab.com",
            STS_AUDIENCE,
            gitlab_subject("GROUP/PROJECT", "*"),
            account=account,
            like=True,
        ),
    ]
    for document in expected:
        assert document in shown


@pytest.mark.parametrize("path", [".github/workflows/pull-request.yml", ".gitlab-ci.yml"])
def test_ci_comments_point_at_the_handoff_not_shipspec_s_docs(path: str) -> None:
    name = "full" if path.startswith(".github") else "webapp"
    model = shipspec.plan(shipspec.load(EXAMPLES / f"{name}.yaml"), spec_file=f"{name}.yaml")
    text = dict(render(model))[path]
    assert "docs/operations/handoff.md" in text
    assert not re.search(r"(?<!shipspec's )docs/delivery\.md", text)
