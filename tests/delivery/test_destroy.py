"""The manual destroy: one per environment, confirmed by typing its name, failing closed.

The confirmation scripts run under bash with a fake ``pulumi`` first on PATH that records
its arguments: a missing or different confirmation must stop before pulumi is called.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.delivery.delivery_support import Rendered, gitlab_jobs

DESTROY = ".github/workflows/destroy.yml"


def _fake_pulumi(tmp: Path) -> tuple[dict[str, str], Path]:
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp / "calls.txt"
    calls.write_text("")
    fake = bin_dir / "pulumi"
    fake.write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GITHUB_ACTOR": "octo"}
    env["GITHUB_STEP_SUMMARY"] = str(tmp / "summary.md")
    env["GITLAB_USER_LOGIN"] = "octo"
    return env, calls


def _run(script: str, env: dict[str, str], **variables: str) -> int:
    done = subprocess.run(
        ["bash", "-e", "-c", script], env={**env, **variables}, capture_output=True, check=False
    )
    return done.returncode


def test_github_destroy_is_manual_bound_to_the_environment_and_offers_each(
    github: list[Rendered],
) -> None:
    for pipeline in github:
        workflow = pipeline.yaml(DESTROY)
        assert list(workflow["on"]) == ["workflow_dispatch"], pipeline.name
        inputs = workflow["on"]["workflow_dispatch"]["inputs"]
        envs = [e.name for e in pipeline.model.environments]
        assert inputs["environment"]["options"] == envs
        assert inputs["confirm"]["required"] is True
        job = workflow["jobs"]["destroy"]
        assert job["environment"]["name"] == "${{ inputs.environment }}"
        assert job["if"] == "github.ref == 'refs/heads/main'"
        first = job["steps"][0]
        assert "uses" not in first and "CONFIRM" in first["run"], "confirm before anything"


def test_github_confirmation_fails_closed(github: list[Rendered], tmp_path: Path) -> None:
    job: dict[str, Any] = github[0].yaml(DESTROY)["jobs"]["destroy"]
    runs = [s["run"] for s in job["steps"] if "run" in s]
    check, destroy = runs[0], runs[-1]
    env, calls = _fake_pulumi(tmp_path)
    for confirm in ("", "pro", "prod ", "PROD", "dev"):
        assert _run(check, env, STACK="prod", CONFIRM=confirm) != 0, confirm
        assert _run(destroy, env, STACK="prod", CONFIRM=confirm) != 0, confirm
    assert _run(check, env, CONFIRM="") != 0  # no environment at all
    assert calls.read_text() == ""
    assert _run(check, env, STACK="prod", CONFIRM="prod") == 0
    assert _run(destroy, env, STACK="prod", CONFIRM="prod") == 0
    assert calls.read_text().splitlines() == [
        "destroy --yes --stack prod --message destroy requested by octo"
    ]


def test_gitlab_destroy_is_a_manual_job_per_environment_that_fails_closed(
    gitlab: list[Rendered], tmp_path: Path
) -> None:
    pipeline = gitlab[0]
    jobs = gitlab_jobs(pipeline.yaml(".gitlab-ci.yml"))
    envs = [e.name for e in pipeline.model.environments]
    destroys = {name: job for name, job in jobs.items() if name.startswith("destroy:")}
    assert list(destroys) == [f"destroy:{e}" for e in envs]
    env, calls = _fake_pulumi(tmp_path)
    for name in envs:
        calls.write_text("")
        job = destroys[f"destroy:{name}"]
        assert job["rules"] == [
            {"if": '$CI_PIPELINE_SOURCE == "schedule"', "when": "never"},  # drift pipelines
            {"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "when": "manual"},
        ]
        assert job["environment"] == {"name": name, "action": "stop"}
        assert job["resource_group"] == f"deploy-{name}"
        # A gated environment's destroy runs the deploy's protection check (its own tests in
        # test_gitlab_scripts.py), after the confirmation and before any credential.
        environment = next(e for e in pipeline.model.environments if e.name == name)
        gated = environment.production or environment.approval_required
        checks = [i for i, line in enumerate(job["script"]) if "CI_COMMIT_REF_PROTECTED" in line]
        assert bool(checks) == gated, name
        # The script up to the destroy, without `cd infra`, the login's side effects, the
        # jq install and the protection check.
        script = "\n".join(
            line
            for i, line in enumerate(job["script"])
            if not re.match(r"^(cd |AWS_|export |printf |: |apt-get )", line) and i not in checks
        )
        for confirm in ("", "x", name.upper()):
            assert _run(script, env, STACK=name, CONFIRM_DESTROY=confirm, AWS_ROLE_ARN="r") != 0
        assert calls.read_text() == ""
        assert _run(script, env, STACK=name, CONFIRM_DESTROY=name) == 0
        assert f"destroy --yes --stack {name} --message destroy requested by octo" in (
            calls.read_text()
        )
