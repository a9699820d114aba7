"""Who can read which credential: no pull/merge-request job gets a production one.

A pull request's code runs with its jobs' credentials, and a stack's passphrase decrypts
every secret in its state, so the tests read every generated pipeline of every example and
variant and check where each credential can reach (docs/delivery.md, "Who can read which
credential"): pull/merge-request jobs reach only non-production stacks' passphrases and
read-only roles; production's deploy and drift jobs reach production's, only in a protected
context. The gates that enforce the context are run under fake CLIs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shipspec.render.targets._pipeline import (
    drift_environment,
    preview_environment,
    preview_passphrase_secret,
)
from tests.delivery.delivery_support import Rendered, gitlab_job, gitlab_jobs
from tests.delivery.fake_cli import run_script

GITLAB = ".gitlab-ci.yml"
PR = ".github/workflows/pull-request.yml"
DEPLOY = ".github/workflows/deploy.yml"
DRIFT = ".github/workflows/drift.yml"

# Variables only default-branch jobs bound to an environment may read (GitLab), whatever
# their scope: the deploy role, the audience its roles trust, the image-push role, the
# GitLab API token of the production gate.
DEPLOY_ONLY = ("AWS_OIDC_AUDIENCE", "AWS_PUSH_ROLE_ARN", "GITLAB_READ_API_TOKEN")


def _text(job: dict[str, Any]) -> str:
    return "\n".join(str(line) for key in ("script", "before_script") for line in job.get(key, []))


def runs_in_merge_requests(job: dict[str, Any]) -> bool:
    """Whether a merge-request pipeline runs the job: its first matching rule, as GitLab
    reads them (no rules: always). Only merge-request conditions match such a pipeline:
    ``$CI_COMMIT_BRANCH`` is unset there and its source is not a schedule."""
    for rule in job.get("rules", [{}]):
        condition = rule.get("if", "")
        if not condition or '$CI_PIPELINE_SOURCE == "merge_request_event"' in condition:
            return rule.get("when") != "never"
    return False


def test_no_merge_request_job_can_reach_a_production_credential(gitlab: list[Rendered]) -> None:
    checked = 0
    for pipeline in gitlab:
        production = {e.name for e in pipeline.model.environments if e.production}
        assert production, pipeline.name
        for name, job in gitlab_jobs(pipeline.yaml(GITLAB)).items():
            if not runs_in_merge_requests(job):
                continue
            checked += 1
            # Environment-scoped variables reach a job only through its environment; and no
            # merge-request job is bound to a deploy environment, which may be protected (GitLab
            # runs a job bound to a protected one, action: prepare included, only for those
            # allowed to deploy there).
            environment = (job.get("environment") or {}).get("name")
            deploy_environments = {e.name for e in pipeline.model.environments}
            assert environment not in deploy_environments, (pipeline.name, name)
            text = _text(job)
            for variable in DEPLOY_ONLY:
                assert variable not in text, (pipeline.name, name, variable)
            # The only role a merge-request job assumes is its stack's read-only one.
            assert (
                re.sub(r'export AWS_ROLE_ARN="\$AWS_PREVIEW_ROLE_ARN"', "", text).count(
                    "AWS_ROLE_ARN"
                )
                == 0
            ), (pipeline.name, name)
            tokens = job.get("id_tokens", {})
            assert all(t["aud"] == "sts.amazonaws.com" for t in tokens.values()), name
            if name.startswith("preview:"):
                assert environment == preview_environment(name.removeprefix("preview:"))
                assert job["environment"]["action"] == "prepare"  # no deployment record
    assert checked


def test_production_deploy_and_drift_use_production_credentials_in_a_protected_context(
    gitlab: list[Rendered],
) -> None:
    for pipeline in gitlab:
        doc = pipeline.yaml(GITLAB)
        credential = "PULUMI_CONFIG_PASSPHRASE" if pipeline.model.state_backend else "PULUMI_"
        for env in (e for e in pipeline.model.environments if e.production):
            deploy = gitlab_job(doc, f"deploy:{env.name}")
            drift = gitlab_job(doc, f"drift:{env.name}")
            for job, action in ((deploy, "start"), (drift, "verify")):
                assert job["environment"]["name"] == env.name
                assert job["environment"].get("action", "start") == action
                assert job["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "$AWS_OIDC_AUDIENCE"}}
                assert credential in _text(job) and "AWS_OIDC_AUDIENCE:?" in _text(job)
                assert not runs_in_merge_requests(job)
            assert [r["if"] for r in drift["rules"]] == [
                '$CI_PIPELINE_SOURCE == "schedule" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'
            ]
            assert "CI_COMMIT_REF_PROTECTED" in _text(deploy)
            assert "CI_COMMIT_REF_PROTECTED" in _text(drift)


def _drift_gate(pipeline: Rendered, env: str) -> str:
    """drift:<env>'s script up to its stack credential check, then a marker line: what
    runs before any credential is used."""
    script = gitlab_job(pipeline.yaml(GITLAB), f"drift:{env}")["script"]
    setup = script.index("cd infra")  # then `pulumi login`: the credentials are in use
    return "\n".join([*script[:setup], 'echo "credentials used: $AWS_ROLE_ARN"'])


PROTECTED_SCHEDULE = {
    "CI_PIPELINE_SOURCE": "schedule",
    "CI_COMMIT_REF_PROTECTED": "true",
    "CI_COMMIT_BRANCH": "main",
    "CI_DEFAULT_BRANCH": "main",
}
READY = {
    "AWS_OIDC_AUDIENCE": "prod-audience",
    "AWS_PREVIEW_ROLE_ARN": "arn:aws:iam::1:role/prod-read",
    "AWS_ID_TOKEN": "a.b.c",
    "PULUMI_CONFIG_PASSPHRASE": "prod's own",
    "PULUMI_PREVIEW_ACCESS_TOKEN": "pul-prod-read",
}


@pytest.mark.parametrize(
    ("case", "context", "runs"),
    [
        ("scheduled, protected default branch", {}, True),
        (
            "merge request",
            {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_COMMIT_BRANCH": ""},
            False,
        ),
        ("unprotected branch", {"CI_COMMIT_REF_PROTECTED": "false"}, False),
        ("a push, not the schedule", {"CI_PIPELINE_SOURCE": "push"}, False),
        ("another branch", {"CI_COMMIT_BRANCH": "feature"}, False),
        ("no audience", {"AWS_OIDC_AUDIENCE": ""}, False),
    ],
)
def test_production_drift_uses_its_credentials_only_in_the_protected_schedule(
    gitlab: list[Rendered], tmp_path: Path, case: str, context: dict[str, str], runs: bool
) -> None:
    webapp = next(p for p in gitlab if p.name == "webapp-built-gitlab")
    env = {**PROTECTED_SCHEDULE, **READY, **context}
    env = {k: v for k, v in env.items() if v != ""}
    result = run_script(_drift_gate(webapp, "prod"), {}, tmp_path, env=env, shell=("bash", "-e"))
    used = "credentials used: arn:aws:iam::1:role/prod-read" in result.stdout
    assert used == runs, (case, result.stdout, result.stderr)
    assert (result.code == 0) == runs, case


# ---- GitHub ------------------------------------------------------------------------------


def _expressions(doc: Any) -> str:
    return str(doc)


def test_no_pull_request_job_can_reach_a_production_credential(github: list[Rendered]) -> None:
    for pipeline in github:
        envs = pipeline.model.environments
        production = [e.name for e in envs if e.production]
        doc = pipeline.yaml(PR)
        for name, job in doc["jobs"].items():
            # An environment's secrets and OIDC subject reach only jobs bound to it.
            assert "environment" not in job, (pipeline.name, name)
            text = _expressions(job)
            for forbidden in (
                "secrets.PULUMI_CONFIG_PASSPHRASE",
                "secrets.PULUMI_ACCESS_TOKEN",
                "vars.AWS_ROLE_ARN",
                "vars.AWS_DRIFT_ROLE_ARN",
            ):
                assert forbidden not in text, (pipeline.name, name, forbidden)
        preview = doc["jobs"].get("preview")
        previewed = [e.name for e in envs if not e.production]
        if not previewed:
            assert preview is None
            continue
        matrix = preview["strategy"]["matrix"]["include"]
        assert [m["stack"] for m in matrix] == previewed
        assert not set(production) & {m["stack"] for m in matrix}
        if pipeline.model.state_backend:
            assert [m["passphrase"] for m in matrix] == [
                preview_passphrase_secret(s) for s in previewed
            ]


def test_production_deploy_and_drift_read_only_environment_credentials(
    github: list[Rendered],
) -> None:
    for pipeline in github:
        prods = [e.name for e in pipeline.model.environments if e.production]
        deploy = pipeline.yaml(DEPLOY)["jobs"]
        drift = pipeline.yaml(DRIFT)["jobs"]
        for env in prods:
            job = deploy[f"deploy-{env}"]
            bound = job["environment"]
            assert (bound["name"] if isinstance(bound, dict) else bound) == env
            assert "${{ secrets.PULUMI_" in str(job["env"])  # that environment's own secret
            assert "github.ref == 'refs/heads/main'" in str(job.get("if", ""))
        guarded = drift["drift-production"]
        assert guarded["environment"] == "${{ matrix.environment }}"
        assert [m["environment"] for m in guarded["strategy"]["matrix"]["include"]] == [
            drift_environment(e) for e in prods
        ]
        assert guarded["if"] == "github.ref == 'refs/heads/main'"


def test_a_drift_check_without_the_stacks_passphrase_stops_and_names_it(
    github: list[Rendered], tmp_path: Path
) -> None:
    shop = next(p for p in github if p.name == "shop-built-github")
    job = shop.yaml(DRIFT)["jobs"]["drift"]
    step = next(s for s in job["steps"] if s.get("name", "").startswith("Require"))
    env = {
        "STACK": "dev",
        "STACK_ROLE": "AWS_PREVIEW_ROLE_ARN_DEV",
        "STACK_ROLE_ARN": "arn:aws:iam::1:role/dev-read-only",
        "PASSPHRASE_SECRET": preview_passphrase_secret("dev"),
    }
    missing = run_script(step["run"], {}, tmp_path / "missing", env=env)
    assert missing.code == 1 and "PULUMI_PREVIEW_PASSPHRASE_DEV" in missing.stdout
    ready = run_script(
        step["run"], {}, tmp_path / "ready", env={**env, "PULUMI_CONFIG_PASSPHRASE": "dev's"}
    )
    assert ready.code == 0
