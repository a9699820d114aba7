"""A non-production environment that must live in production's account.

A public hosted zone lives in one account, and each stack looks its zone up by name in the
account it deploys to: preprod, with `hosted_zone: example.com` like prod, deploys in prod's
account while sandbox (no domain) may live anywhere. So the stacks' read-only roles are
per stack (repository variable AWS_PREVIEW_ROLE_ARN_<STACK>, falling back to the one
AWS_PREVIEW_ROLE_ARN), the plan records why preprod is in prod's account, generate warns
with the fix, and the handoff names each stack's account and says what sharing prod's means.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import shipspec
from shipspec.cli import app
from shipspec.plan.accounts import shared_zone_warnings
from shipspec.render.renderer import render
from tests.delivery.delivery_support import Rendered, gitlab_job, render_spec
from tests.delivery.fake_cli import Run, run_script

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: tidal, owner: team-tidal}
cloud: {region: eu-west-1, state: s3://tidal-state}
environments:
  sandbox: {}
  preprod: {production: false, domain: preprod.tidal.example.com, hosted_zone: PREPROD_ZONE}
  prod: {production: true, domain: tidal.example.com, hosted_zone: example.com}
services:
  web: {type: web, image: ghcr.io/example/web:1.0, port: 8080, public: true}
delivery: {ci: CI, test_command: pytest}
"""
HANDOFF = "docs/operations/handoff.md"
PR = ".github/workflows/pull-request.yml"
DRIFT = ".github/workflows/drift.yml"
SANDBOX_ROLE = "arn:aws:iam::111111111111:role/tidal-sandbox-read-only"
PREPROD_ROLE = "arn:aws:iam::222222222222:role/tidal-preprod-read-only"
SHARED_ROLE = "arn:aws:iam::111111111111:role/tidal-preview"


def spec_text(ci: str = "github", preprod_zone: str = "example.com") -> str:
    return SPEC.replace("CI", ci).replace("PREPROD_ZONE", preprod_zone)


def model(ci: str = "github", preprod_zone: str = "example.com") -> Any:
    return shipspec.plan(shipspec.loads(spec_text(ci, preprod_zone)))


def rendered(tmp_path: Path, ci: str) -> Rendered:
    from ruamel.yaml import YAML

    spec = YAML(typ="safe").load(spec_text(ci))
    return render_spec(spec, tmp_path / ci, f"tidal-{ci}")


# ---- the plan ----------------------------------------------------------------------------


def test_an_environment_sharing_productions_zone_is_in_productions_account() -> None:
    planned = model()
    preprod = planned.environment("preprod")
    assert preprod.production_account
    decision = preprod.decision("account")
    assert decision.inputs == {"hosted_zone": "example.com", "production": "prod"}
    assert "shares the public hosted zone example.com with prod" in decision.reason
    assert "hosted_zone: preprod.tidal.example.com" in decision.reason  # the fix
    for other in ("sandbox", "prod"):  # no zone, and production itself
        assert not planned.environment(other).production_account
        assert "account" not in [d.key for d in planned.environment(other).decisions]


def test_a_delegated_subzone_of_its_own_keeps_it_out_of_productions_account() -> None:
    planned = model(preprod_zone="preprod.tidal.example.com")
    assert not any(e.production_account for e in planned.environments)
    assert shared_zone_warnings(planned.environments) == []


def test_generate_warns_with_the_fix(tmp_path: Path) -> None:
    [warning] = shared_zone_warnings(model().environments)
    assert warning.startswith("warning: preprod shares the hosted zone example.com with prod")
    assert "hosted_zone: preprod.tidal.example.com" in warning
    assert "or accept that preprod lives in prod's account" in warning
    out = tmp_path / "repo"
    out.mkdir()
    (out / "handoff.yaml").write_text(spec_text())
    result = CliRunner().invoke(app, ["generate", str(out / "handoff.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert warning in result.stderr
    (out / "handoff.yaml").write_text(spec_text(preprod_zone="preprod.tidal.example.com"))
    result = CliRunner().invoke(app, ["generate", str(out / "handoff.yaml"), "-o", str(out)])
    assert result.exit_code == 0 and "shares the hosted zone" not in result.stderr


# ---- GitHub: each stack's own role, else the shared one ------------------------------------


def github_env(job: dict[str, Any], matrix: dict[str, str], variables: dict[str, str]) -> dict:
    """The job's env as GitHub resolves it for one matrix entry: `vars.NAME` and
    `vars[matrix.key]` (an unset configuration variable reads as an empty string, GitHub's
    "vars context"), `matrix.key`; anything else (secrets) left out."""

    def resolve(value: str) -> str | None:
        found = re.fullmatch(r"\$\{\{ (.+) \}\}", value)
        if found is None:
            return value
        expression = found.group(1)
        if m := re.fullmatch(r"matrix\.(\w+)", expression):
            return matrix[m.group(1)]
        if m := re.fullmatch(r"vars\.(\w+)", expression):
            return variables.get(m.group(1), "")
        if m := re.fullmatch(r"vars\[matrix\.(\w+)\]", expression):
            return variables.get(matrix[m.group(1)], "")
        return None

    env = {k: resolve(str(v)) for k, v in job["env"].items()}
    return {k: v for k, v in env.items() if v is not None}


def choose(
    pipeline: Rendered, workflow: str, job_id: str, stack: str, variables: dict, tmp: Path
) -> Run:
    job = pipeline.yaml(workflow)["jobs"][job_id]
    [entry] = [m for m in job["strategy"]["matrix"]["include"] if m["stack"] == stack]
    step = next(s for s in job["steps"] if s.get("id") == "role")
    # The credentials step assumes what the role step chose, nothing else.
    [assumed] = [
        s["with"]["role-to-assume"] for s in job["steps"] if "role-to-assume" in s.get("with", {})
    ]
    assert assumed == "${{ steps.role.outputs.arn }}"
    env = github_env(job, entry, variables)
    env["PULUMI_CONFIG_PASSPHRASE"] = "the stack's own"
    return run_script(step["run"], {}, tmp, env=env)


@pytest.mark.parametrize(("workflow", "job_id"), [(PR, "preview"), (DRIFT, "drift")])
def test_each_github_stack_reads_its_own_role_then_the_shared_one(
    tmp_path: Path, workflow: str, job_id: str
) -> None:
    github = rendered(tmp_path, "github")
    job = github.yaml(workflow)["jobs"][job_id]
    assert [(m["stack"], m["role"]) for m in job["strategy"]["matrix"]["include"]] == [
        ("sandbox", "AWS_PREVIEW_ROLE_ARN_SANDBOX"),
        ("preprod", "AWS_PREVIEW_ROLE_ARN_PREPROD"),
    ]
    both = {
        "AWS_PREVIEW_ROLE_ARN_SANDBOX": SANDBOX_ROLE,
        "AWS_PREVIEW_ROLE_ARN_PREPROD": PREPROD_ROLE,
        "AWS_PREVIEW_ROLE_ARN": SHARED_ROLE,
    }
    for stack, own in (("sandbox", SANDBOX_ROLE), ("preprod", PREPROD_ROLE)):
        result = choose(github, workflow, job_id, stack, both, tmp_path / f"own-{stack}")
        assert result.code == 0 and result.outputs["arn"] == own, result.stdout
    # A pipeline set up with the one shared variable keeps working, and says so.
    shared = choose(
        github, workflow, job_id, "preprod", {"AWS_PREVIEW_ROLE_ARN": SHARED_ROLE}, tmp_path / "s"
    )
    assert shared.code == 0 and shared.outputs["arn"] == SHARED_ROLE
    assert "::notice::No repository variable AWS_PREVIEW_ROLE_ARN_PREPROD" in shared.stdout
    # Neither: the job stops before any credential, naming the stack's variable.
    unset = choose(github, workflow, job_id, "preprod", {}, tmp_path / "unset")
    assert unset.code == 1 and "arn" not in unset.outputs
    assert "Set the repository variable AWS_PREVIEW_ROLE_ARN_PREPROD" in unset.stdout


# ---- GitLab: the stack's own variable, else the scoped one ----------------------------------


@pytest.mark.parametrize("job_name", ["preview:preprod", "drift:preprod"])
def test_each_gitlab_stack_reads_its_own_role_then_the_scoped_one(
    tmp_path: Path, job_name: str
) -> None:
    gitlab = rendered(tmp_path, "gitlab")
    script = gitlab_job(gitlab.yaml(".gitlab-ci.yml"), job_name)["script"]
    first = next(i for i, line in enumerate(script) if "AWS_PREVIEW_ROLE_ARN" in line)
    end = next(i for i, line in enumerate(script) if line.startswith("export AWS_ROLE_ARN="))
    body = "\n".join(script[first : end + 1]) + '\necho "$AWS_ROLE_ARN"'
    deploy = {"AWS_ROLE_ARN": "arn:aws:iam::1:role/deploy"}

    def used(env: dict[str, str], name: str) -> Run:
        return run_script(body, {}, tmp_path / name, env={**deploy, **env}, shell=("bash", "-e"))

    own = used(
        {"AWS_PREVIEW_ROLE_ARN_PREPROD": PREPROD_ROLE, "AWS_PREVIEW_ROLE_ARN": SHARED_ROLE}, "own"
    )
    assert own.code == 0 and own.stdout.strip() == PREPROD_ROLE
    scoped = used({"AWS_PREVIEW_ROLE_ARN": SHARED_ROLE}, "scoped")
    assert scoped.code == 0 and scoped.stdout.strip() == SHARED_ROLE
    unset = used({}, "unset")  # never the deploy role
    assert unset.code != 0 and "AWS_PREVIEW_ROLE_ARN_PREPROD" in unset.stderr


# ---- the handoff ---------------------------------------------------------------------------


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_the_handoff_names_each_account_and_what_sharing_productions_means(ci: str) -> None:
    page = dict(render(model(ci), only=["docs"]))[HANDOFF]
    roles = page.split("### Roles of preprod")[1].split("### Roles of prod")[0]
    assert "**In prod's account.** preprod shares the hosted zone `example.com` with prod" in roles
    assert "Its read-only role then reads prod's account" in " ".join(roles.split())
    assert "its deploy role is an administrator of prod's account" in " ".join(roles.split())
    assert "`hosted_zone: preprod.tidal.example.com`" in roles
    assert (
        "In prod's account"
        not in page.split("### Roles of sandbox")[1].split("### Roles of preprod")[0]
    )
    # The state bucket (prod's account) admits sandbox's roles from sandbox's account; preprod's
    # roles are in the bucket's own account and need no statement.
    bucket = page.split("**The state bucket**")[1].split("**The stacks.**")[0]
    assert "arn:aws:iam::<account-id of sandbox>:role/tidal-sandbox-deploy" in bucket
    assert "preprod" not in bucket.split("```json")[1]
    assert "non-production account" not in page
    assert "preprod lives in prod's account, the bucket's" in " ".join(bucket.split())
    if ci == "github":
        setup = " ".join(page.split("2. **OIDC roles**")[1].split("3. **State")[0].split())
        assert (
            "repository variables `AWS_PREVIEW_ROLE_ARN_SANDBOX` (sandbox), "
            "`AWS_PREVIEW_ROLE_ARN_PREPROD` (preprod)" in setup
        )
        assert "**preprod lives in prod's account**" in setup
        assert "every pull request from this repository can use it" in " ".join(roles.split())
    else:
        setup = " ".join(
            page.split("2. **OIDC roles and audiences**")[1].split("3. **State")[0].split()
        )
        assert "`AWS_PREVIEW_ROLE_ARN_SANDBOX`, `AWS_PREVIEW_ROLE_ARN_PREPROD`" in setup
