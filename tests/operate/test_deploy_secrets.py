"""The generated deploy job's "Secrets have values" step, run by bash with a fake ``pulumi``
(the stack's outputs) and a fake ``aws`` that answers DescribeSecret from moto the way the
AWS CLI prints it (``--query`` applied with jmespath, ``null`` for an absent key)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from .conftest import Deployed, client

FAKE_AWS = """#!{python}
import json, sys
import boto3, jmespath
from botocore.exceptions import ClientError
args = sys.argv[1:]
assert args[:2] == ["secretsmanager", "describe-secret"], args
opts = dict(zip(args[2::2], args[3::2]))
try:
    answer = boto3.client("secretsmanager", region_name="eu-central-1").describe_secret(
        SecretId=opts["--secret-id"])
except ClientError as error:
    print(f"An error occurred ({{error.response['Error']['Code']}})", file=sys.stderr)
    sys.exit(254)
answer.pop("ResponseMetadata", None)
print(json.dumps(jmespath.search(opts["--query"], answer), default=str))
"""


def _steps(out_dir: Path) -> dict[str, Any]:
    workflow = YAML(typ="safe").load((out_dir / ".github/workflows/deploy.yml").read_text())
    return {s.get("name"): s for s in workflow["jobs"]["deploy-dev"]["steps"]}


def _tools(tmp_path: Path, outputs: str | None) -> dict[str, str]:
    folder = tmp_path / "tools"
    folder.mkdir(exist_ok=True)
    aws = folder / "aws"
    aws.write_text(FAKE_AWS.format(python=sys.executable))
    pulumi = folder / "pulumi"
    if outputs is None:
        pulumi.write_text('#!/bin/sh\necho "error: no output" >&2\nexit 255\n')
    else:
        (tmp_path / "secrets.json").write_text(outputs)
        pulumi.write_text(
            '#!/bin/sh\n[ "$*" = "stack output secret_arns --json" ] || exit 2\n'
            f"cat {tmp_path / 'secrets.json'}\n"
        )
    for tool in (aws, pulumi):
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    (tmp_path / "github-output").touch()
    return {
        **os.environ,
        "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(temp),
        "GITHUB_OUTPUT": str(tmp_path / "github-output"),
        "STACK": "dev",
    }


def _run(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # GitHub runs `run:` with `bash --noprofile --norc -eo pipefail {0}`.
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def outputs(deployed: Deployed) -> str:
    import json

    return json.dumps(deployed.outputs["secret_arns"])


def test_deploy_stops_while_a_secret_is_empty(
    deployed: Deployed, outputs: str, tmp_path: Path
) -> None:
    steps = _steps(deployed.out_dir)
    env = _tools(tmp_path, outputs)
    for name in ("GHCR_PULL", "JWT_SIGNING_KEY"):
        client("secretsmanager").put_secret_value(
            SecretId=deployed.outputs["secret_arns"][name], SecretString="v"
        )
    result = _run(steps["Secrets have values"]["run"], env, tmp_path)
    assert result.returncode == 1, result.stderr
    assert "::error::Secret STRIPE_KEY has no value" in result.stdout
    assert "JWT_SIGNING_KEY" not in result.stdout

    client("secretsmanager").put_secret_value(
        SecretId=deployed.outputs["secret_arns"]["STRIPE_KEY"], SecretString="v"
    )
    assert _run(steps["Secrets have values"]["run"], env, tmp_path).returncode == 0


def test_an_aws_error_fails_closed(deployed: Deployed, outputs: str, tmp_path: Path) -> None:
    client("secretsmanager").delete_secret(
        SecretId=deployed.outputs["secret_arns"]["STRIPE_KEY"], ForceDeleteWithoutRecovery=True
    )
    for name in ("GHCR_PULL", "JWT_SIGNING_KEY"):
        client("secretsmanager").put_secret_value(
            SecretId=deployed.outputs["secret_arns"][name], SecretString="v"
        )
    result = _run(
        _steps(deployed.out_dir)["Secrets have values"]["run"], _tools(tmp_path, outputs), tmp_path
    )
    assert result.returncode == 1
    assert "::error::Secret STRIPE_KEY (" in result.stdout and "could not be read" in result.stdout


def test_first_deploy_checks_after_pulumi_up(
    deployed: Deployed, outputs: str, tmp_path: Path
) -> None:
    steps = _steps(deployed.out_dir)
    before = _run(steps["Secrets have values"]["run"], _tools(tmp_path, None), tmp_path)
    assert before.returncode == 0, before.stderr
    assert (tmp_path / "github-output").read_text() == "first=true\n"
    after = steps["Secrets have values (first deploy)"]
    assert after["if"] == "steps.secret-values.outputs.first == 'true'"
    # `pulumi up` created the secrets empty: the job fails after it.
    result = _run(after["run"], _tools(tmp_path, outputs), tmp_path)
    assert result.returncode == 1
    assert "::error::Secret JWT_SIGNING_KEY has no value" in result.stdout


# GitLab: the same check in the deploy job's script, run as the GitLab runner runs a job's
# script (bash, -e and pipefail), with the same fake tools.


@pytest.fixture
def gitlab_deploy(deployed: Deployed, tmp_path: Path) -> list[str]:
    """deploy:dev's script entries of the full example generated for GitLab."""
    import shipspec
    from tests.conftest import EXAMPLES
    from tests.delivery.delivery_support import gitlab_job

    spec_text = (EXAMPLES / "full.yaml").read_text().replace("ci: github", "ci: gitlab")
    folder = tmp_path / "gitlab-repo"
    folder.mkdir()
    (folder / "handoff.yaml").write_text(spec_text)
    model = shipspec.plan(shipspec.load(folder / "handoff.yaml"), spec_file="handoff.yaml")
    shipspec.generate(model, folder)
    doc = YAML(typ="safe").load((folder / ".gitlab-ci.yml").read_text())
    script: list[str] = gitlab_job(doc, "deploy:dev")["script"]
    return script


def _gitlab_check(script: list[str]) -> str:
    entry = next(e for e in script if "check-secrets.sh" in e and "<<'CHECK'" in e)
    return f'{entry}\necho "checked=$SECRETS_CHECKED"'


def _gitlab_env(tmp_path: Path, outputs: str | None) -> dict[str, str]:
    return {**_tools(tmp_path, outputs), "CI_PROJECT_DIR": str(tmp_path)}


def test_gitlab_deploy_checks_secrets_before_pulumi_up(
    deployed: Deployed, outputs: str, gitlab_deploy: list[str], tmp_path: Path
) -> None:
    check = gitlab_deploy.index(next(e for e in gitlab_deploy if "<<'CHECK'" in e))
    up = gitlab_deploy.index(next(e for e in gitlab_deploy if "pulumi up --yes" in e))
    assert check < up  # before anything is deployed
    env = _gitlab_env(tmp_path, outputs)
    for name in ("GHCR_PULL", "JWT_SIGNING_KEY"):
        client("secretsmanager").put_secret_value(
            SecretId=deployed.outputs["secret_arns"][name], SecretString="v"
        )
    result = _run(_gitlab_check(gitlab_deploy), env, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error: Secret STRIPE_KEY has no value" in result.stdout
    assert "checked=" not in result.stdout  # the job stopped there

    client("secretsmanager").put_secret_value(
        SecretId=deployed.outputs["secret_arns"]["STRIPE_KEY"], SecretString="v"
    )
    result = _run(_gitlab_check(gitlab_deploy), env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checked=true" in result.stdout


def test_gitlab_deploy_fails_closed_on_an_aws_error(
    deployed: Deployed, outputs: str, gitlab_deploy: list[str], tmp_path: Path
) -> None:
    client("secretsmanager").delete_secret(
        SecretId=deployed.outputs["secret_arns"]["STRIPE_KEY"], ForceDeleteWithoutRecovery=True
    )
    for name in ("GHCR_PULL", "JWT_SIGNING_KEY"):
        client("secretsmanager").put_secret_value(
            SecretId=deployed.outputs["secret_arns"][name], SecretString="v"
        )
    result = _run(_gitlab_check(gitlab_deploy), _gitlab_env(tmp_path, outputs), tmp_path)
    assert result.returncode == 1
    assert "error: Secret STRIPE_KEY (" in result.stdout and "could not be read" in result.stdout


def test_gitlab_first_deploy_checks_after_pulumi_up(
    deployed: Deployed, outputs: str, gitlab_deploy: list[str], tmp_path: Path
) -> None:
    before = _run(_gitlab_check(gitlab_deploy), _gitlab_env(tmp_path, None), tmp_path)
    assert before.returncode == 0, before.stderr
    assert "checked=false" in before.stdout
    deploy = next(e for e in gitlab_deploy if "pulumi up --yes" in e)
    after_up = deploy.split("pulumi up --yes", 1)[1].split("ecs", 1)[0]
    assert 'if [ "$SECRETS_CHECKED" != true ]; then' in after_up
    assert 'bash "$CI_PROJECT_DIR/check-secrets.sh"' in after_up
    # `pulumi up` created the secrets empty: the check the job runs next fails.
    result = _run(
        'SECRETS_CHECKED=false\nif [ "$SECRETS_CHECKED" != true ]; then\n'
        '  bash "$CI_PROJECT_DIR/check-secrets.sh"\nfi',
        _gitlab_env(tmp_path, outputs),
        tmp_path,
    )
    assert result.returncode == 1
    assert "error: Secret JWT_SIGNING_KEY has no value" in result.stdout
