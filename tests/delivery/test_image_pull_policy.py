"""The images jobs let every environment's account pull what they push.

Production's account holds the registry (the image-push role's); another environment's
tasks pull across accounts, which ECR allows only when the repository's policy names that
account (ECR user guide, "Private repository policy examples"), else they stop with
CannotPullContainerError. The GENERATED GitHub step and GitLab script entry run here under a
fake ``aws``: the policy they set is :func:`ecr_pull_policy` for the accounts of the CI
variable, and anything but 12-digit account IDs stops the job before AWS is called.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipspec.plan.image_pulls import ECR_PULL_ACTIONS, PULL_ACCOUNTS_VARIABLE, ecr_pull_policy
from tests.delivery.delivery_support import Rendered, gitlab_job
from tests.delivery.fake_cli import Run, answer, rule, run_script
from tests.delivery.test_github_scripts import DEPLOY, step

DENIED = answer(
    code=254, err="An error occurred (AccessDeniedException) when calling SetRepositoryPolicy"
)


def github_step(github: list[Rendered]) -> tuple[str, dict[str, str], tuple[str, ...]]:
    shop = next(p for p in github if p.name == "shop-built-github")
    body, env = step(shop, DEPLOY, "images", "pull-policy")
    job = shop.yaml(DEPLOY)["jobs"]["images"]
    found = next(s for s in job["steps"] if s.get("id") == "pull-policy")
    # The variable reaches the step from the repository's variables.
    assert found["env"][PULL_ACCOUNTS_VARIABLE] == "${{ vars." + PULL_ACCOUNTS_VARIABLE + " }}"
    return body, env, ("bash", "--noprofile", "--norc", "-eo", "pipefail")


def gitlab_entry(gitlab: list[Rendered]) -> tuple[str, dict[str, str], tuple[str, ...]]:
    webapp = next(p for p in gitlab if p.name == "webapp-built-gitlab")
    doc = webapp.yaml(".gitlab-ci.yml")
    names = [n for n in doc if str(n).startswith("publish:")]
    assert names
    job = gitlab_job(doc, names[0])
    [entry] = [e for e in job["script"] if "set-repository-policy" in e]
    variables = {k: str(v) for k, v in job.get("variables", {}).items()}
    # GitLab's docker image runs the script with a POSIX sh, not bash.
    return "set -e\n" + entry, variables, ("sh",)


@pytest.fixture(params=["github", "gitlab"])
def pull_step(request: pytest.FixtureRequest) -> tuple[str, dict[str, str], tuple[str, ...]]:
    rendered = request.getfixturevalue(request.param)
    return github_step(rendered) if request.param == "github" else gitlab_entry(rendered)


def run(
    pull_step: tuple[str, dict[str, str], tuple[str, ...]],
    tmp_path: Path,
    accounts: str | None,
    reply: tuple[str, str, int] = answer(""),
) -> Run:
    body, env, shell = pull_step
    env = {k: v for k, v in env.items() if k != PULL_ACCOUNTS_VARIABLE}
    if accounts is not None:
        env[PULL_ACCOUNTS_VARIABLE] = accounts
    rules = {"aws": [rule("ecr set-repository-policy", answers=[reply])]}
    return run_script(body, rules, tmp_path, env={**env, "REPOSITORY": "shop/web"}, shell=shell)


def policy_set(result: Run) -> dict:
    [call] = result.called("set-repository-policy")
    assert call[call.index("--repository-name") + 1] == "shop/web"
    return json.loads(call[call.index("--policy-text") + 1])


def test_every_listed_account_may_pull(pull_step, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(pull_step, tmp_path, "111111111111 222222222222")
    assert result.code == 0, result.stderr
    policy = policy_set(result)
    assert policy == ecr_pull_policy(["111111111111", "222222222222"])
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow" and "Resource" not in statement
    assert sorted(statement["Action"]) == sorted(ECR_PULL_ACTIONS)
    assert statement["Principal"]["AWS"] == [
        "arn:aws:iam::111111111111:root",
        "arn:aws:iam::222222222222:root",
    ]


def test_one_shared_account_is_a_policy_of_one(pull_step, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(pull_step, tmp_path, "333333333333")
    assert result.code == 0, result.stderr
    assert policy_set(result) == ecr_pull_policy(["333333333333"])


@pytest.mark.parametrize(
    "accounts",
    [
        None,
        "",
        "12345",
        "111111111111,222222222222",
        "1111111111112",
        "arn:aws:iam::111111111111:root",
    ],
)
def test_anything_but_account_ids_stops_before_aws(pull_step, tmp_path: Path, accounts) -> None:  # type: ignore[no-untyped-def]
    result = run(pull_step, tmp_path, accounts)
    assert result.code != 0
    assert result.called("set-repository-policy") == []
    assert PULL_ACCOUNTS_VARIABLE in result.stdout + result.stderr


def test_a_refused_policy_fails_the_job(pull_step, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(pull_step, tmp_path, "111111111111", DENIED)
    assert result.code != 0
