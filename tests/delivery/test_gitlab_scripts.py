"""The generated GitLab deploy and preview jobs, run under fake CLIs (see fake_cli).

A GitLab job's ``script:`` entries run in one shell, one after another, stopping at the
first failure; the tests run the GENERATED entries that way and assert what the job
would do: which images it deploys or restores, whether it exits non-zero, and that a
production deploy, or one that needs approval, from an unprotected branch or into an
unprotected environment stops before anything touches AWS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.delivery.delivery_support import Rendered, gitlab_job
from tests.delivery.fake_cli import Run, answer, installs, rule, run_script
from tests.delivery.test_github_scripts import (
    DEPLOYED,
    NO_NETWORK,
    NONE_RUNNING,
    RUNNING,
    SERVICES,
    STACK_IMAGES,
    deployments,
    ecs_running,
    settled,
    stack_outputs,
    waits,
)

FILE = ".gitlab-ci.yml"
PROTECTED = {"name": "prod", "deploy_access_levels": [{"access_level": 40}]}


@pytest.fixture(scope="module")
def webapp(gitlab: list[Rendered]) -> Rendered:
    """A built public web service, a test command, an approval and a production stack."""
    return next(p for p in gitlab if p.name == "webapp-built-gitlab")


def entries(pipeline: Rendered, job: str, start: str) -> tuple[str, dict[str, str]]:
    """The job's script from the entry that starts with ``start``, as one bash script."""
    doc = gitlab_job(pipeline.yaml(FILE), job)
    script = doc["script"]
    first = next(i for i, line in enumerate(script) if line.lstrip().startswith(start))
    variables = {k: str(v) for k, v in doc.get("variables", {}).items()}
    return "\n".join(["set -eo pipefail", *script[first:]]), variables


def deploy(
    pipeline: Rendered, rules: dict[str, list[dict]], tmp_path: Path, env: dict[str, str]
) -> Run:
    """deploy:prod from the on-call trap on (the tool install and login are CI's)."""
    body, variables = entries(pipeline, "deploy:prod", "# tell_on_call")
    # Every referenced secret has a value (the secret check has its own tests).
    secrets = {name: f"arn:aws:secretsmanager:eu-west-1:1:secret:{name}" for name in SECRETS}
    rules = {
        **rules,
        "pulumi": [rule("stack output secret_arns --json", out=secrets), *rules["pulumi"]],
        "aws": [
            rule("secretsmanager describe-secret", out={"v1": ["AWSCURRENT"]}),
            *rules.get("aws", []),
            # Before its rollback the job asks ECS for deployments still running: none, unless
            # the test's own rules (first match wins) say otherwise.
            NONE_RUNNING,
        ],
    }
    return run_script(
        body,
        rules,
        tmp_path,
        env={**variables, "REGISTRY": "111111111111.dkr.ecr.eu-west-1.amazonaws.com", **env},
        shell=("bash",),
    )


RESTORED = {**STACK_IMAGES, **RUNNING}
SECRETS = ("SESSION_SECRET", "SMTP_PASSWORD")  # the webapp example's


def pulumi_rules(
    up: tuple[str, str, int] | None = None, restored: dict[str, str] = RESTORED
) -> list[dict]:
    """Outputs before (the stack's record), after ``pulumi up``, and after a rollback."""
    before = stack_outputs(images={**STACK_IMAGES, "web": "an image ECS rolled back"})
    return [
        rule("stack select", out=""),
        rule("config set", out=""),
        rule("up --yes --diff", answers=[up or answer("")]),
        rule("up --yes --message", out=""),
        rule("stack output urls --json", out={"web": "https://app.example.com"}),
        rule(
            "stack output --json",
            answers=[
                answer(before),
                answer(stack_outputs()),
                answer(stack_outputs(images=restored)),
            ],
        ),
    ]


def ecs_tasks(*phases: dict[str, str]) -> list[dict]:
    """Each service's task definition per phase (before, after up, after rollback) and images."""
    rules = []
    for service, name in SERVICES.items():
        arns = [f"task-definition/{service}:{n}" for n in range(len(phases))]
        rules.append(
            rule(
                "describe-services",
                f"--services {name}",
                answers=[
                    answer({"services": [{"status": "ACTIVE", "taskDefinition": arn}]})
                    for arn in arns
                ],
            )
        )
        for arn, images in zip(arns, phases, strict=True):
            containers = [{"name": service, "image": images[service]}]
            rules.append(
                rule(
                    "describe-task-definition",
                    f"{arn} ",
                    out={"taskDefinition": {"containerDefinitions": containers}},
                )
            )
    return rules


def test_a_good_deploy_waits_for_ecs_then_passes(webapp: Rendered, tmp_path: Path) -> None:
    aws = deployments("web", ["IN_PROGRESS", "SUCCESSFUL"]) + deployments("mailer", ["SUCCESSFUL"])
    result = deploy(
        webapp,
        {
            "pulumi": pulumi_rules(),
            "aws": aws + ecs_tasks(RUNNING, DEPLOYED),
            "curl": [rule("https://app.example.com/", out="")],
        },
        tmp_path,
        {},
    )
    assert result.code == 0, result.stdout + result.stderr
    assert not result.called("roll back")
    assert "- ECS deployments: SUCCESSFUL" in result.stdout
    assert (result.temp / "deploy.env").read_text() == "DEPLOY_URL=https://app.example.com\n"


def test_an_ecs_rollback_fails_the_job_and_restores_what_ran(
    webapp: Rendered, tmp_path: Path
) -> None:
    """ECS rolled the new tasks back: the job restores what ECS ran before and still fails."""
    aws = [
        *deployments("web", ["IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "SUCCESSFUL"]),
        *deployments("mailer", ["SUCCESSFUL"]),
    ]
    result = deploy(
        webapp,
        {"pulumi": pulumi_rules(), "aws": aws + ecs_tasks(RUNNING, RUNNING)},
        tmp_path,
        {},
    )
    assert result.code == 1
    assert "The ECS deployment of web ended ROLLBACK_SUCCESSFUL" in result.stdout
    # webapp has no scheduled job: `nightly` in the outputs' images is nothing it restores.
    restored = [c[-2:] for c in result.called("config set", "services.")][-2:]
    assert restored == [
        ["services.mailer.image", RUNNING["mailer"]],
        ["services.web.image", RUNNING["web"]],
    ]
    assert not result.called("config set", "services.nightly.image")
    assert result.called("up", "--message", "roll back c0ffee")
    assert "- deploy: failed" in result.stdout
    assert "- rollback: done, ECS runs the previous images again" in result.stdout


def test_a_crash_loop_is_stopped_at_the_breaker_threshold_and_rolled_back(
    webapp: Rendered, tmp_path: Path
) -> None:
    """web's new tasks exit on start in a deployment ECS's breaker does not watch: the wait
    fails at 3 failed starts in a row (2 tasks wanted), long before WAIT_MINUTES, and the
    job rolls back to what ran."""
    web = SERVICES["web"]

    def described(failed: int, **deployment: Any) -> tuple[str, str, int]:
        primary = {"status": "PRIMARY", "failedTasks": failed, **deployment}
        service = {"status": "ACTIVE", "taskDefinition": "task-definition/web:0", "desiredCount": 2}
        return answer({"services": [{**service, "deployments": [primary]}]})

    settled_again = {"rolloutState": "COMPLETED", "runningCount": 2, "desiredCount": 2}
    web_service = rule(
        "describe-services",
        f"--services {web}",
        answers=[described(0), described(1), described(3), described(0, **settled_again)],
    )
    definitions = [
        r for r in ecs_tasks(RUNNING, RUNNING) if "describe-task-definition" in r["when"]
    ]
    aws = [
        web_service,
        *deployments("web", ["IN_PROGRESS"] * 5 + ["SUCCESSFUL"], breaker="DISABLED"),
        *deployments("mailer", ["SUCCESSFUL"]),
        *[
            r
            for r in ecs_tasks(RUNNING, RUNNING)
            if r not in definitions and web not in r["when"][1]
        ],
        *definitions,
    ]
    result = deploy(
        webapp, {"pulumi": pulumi_rules(), "aws": aws}, tmp_path, {"WAIT_MINUTES": "60"}
    )
    assert result.code == 1
    assert "3 new tasks of web failed in a row" in result.stdout, result.stdout + result.stderr
    assert result.called("up", "--message", "roll back c0ffee")
    assert "- deploy: failed" in result.stdout


def web_tasks(*phases: dict[str, str]) -> list[dict]:
    """:func:`ecs_tasks` for web only: mailer's answers come from the test."""
    return [r for r in ecs_tasks(*phases) if any("web" in word for word in r["when"])]


# Mailer keeps task definition 7 and the stack's image; ECS lists none of its deployments
# (the last one is more than 90 days old).
MAILER_UNCHANGED = [
    settled("mailer"),
    ecs_running({"mailer": STACK_IMAGES["mailer"]})[1],
    rule(
        "list-service-deployments",
        f"--service {SERVICES['mailer']}",
        out={"serviceDeployments": []},
    ),
]


def test_a_service_the_deploy_did_not_change_needs_no_deployment_history(
    webapp: Rendered, tmp_path: Path
) -> None:
    aws = deployments("web", ["IN_PROGRESS", "SUCCESSFUL"]) + MAILER_UNCHANGED
    result = deploy(
        webapp,
        {
            "pulumi": pulumi_rules(),
            "aws": aws + web_tasks(RUNNING, DEPLOYED),
            "curl": [rule("https://app.example.com/", out="")],
        },
        tmp_path,
        {},
    )
    assert result.code == 0, result.stdout + result.stderr
    assert "mailer: unchanged, COMPLETED, running ghcr.io/example/mailer:2.0" in result.stdout
    assert not result.called("list-service-deployments", SERVICES["mailer"])
    assert not result.called("roll back")


def test_the_rollback_waits_only_on_what_it_changed(webapp: Rendered, tmp_path: Path) -> None:
    """ECS rolled web back; the job's rollback restores web and waits on it, not on mailer."""
    aws = deployments("web", ["ROLLBACK_SUCCESSFUL", "SUCCESSFUL"]) + MAILER_UNCHANGED
    result = deploy(
        webapp,
        {
            "pulumi": pulumi_rules(restored={**STACK_IMAGES, "web": RUNNING["web"]}),
            "aws": aws + web_tasks(RUNNING, RUNNING),
        },
        tmp_path,
        {},
    )
    assert result.code == 1
    assert "The ECS deployment of web ended ROLLBACK_SUCCESSFUL" in result.stdout
    assert "- rollback: done, ECS runs the previous images again" in result.stdout
    assert len(waits(result, SERVICES["web"])) == 2
    assert not waits(result, SERVICES["mailer"])


def test_a_canary_stuck_past_the_wait_is_stopped_then_rolled_back(
    webapp: Rendered, tmp_path: Path
) -> None:
    """web's canary never gets a healthy task and stays IN_PROGRESS. The wait gives up after
    WAIT_MINUTES; before the job's own rollback `pulumi up` it stops the canary with
    stop-service-deployment ROLLBACK and waits until ECS ended it; the job fails."""
    web = SERVICES["web"]
    canary = f"arn:aws:ecs:eu-west-1:1:service-deployment/shop-prod/{web}/canary"
    restore = f"arn:aws:ecs:eu-west-1:1:service-deployment/shop-prod/{web}/restore"
    old = {"serviceDeploymentArn": f"arn:old/{web}", "createdAt": "2026-12-01T10:00:00Z"}
    new = {"serviceDeploymentArn": canary, "createdAt": "2026-12-07T03:00:00Z"}
    back = {"serviceDeploymentArn": restore, "createdAt": "2026-12-07T04:00:00Z"}
    aws = [
        rule(
            "list-service-deployments",
            f"--service {web}",
            "--status",
            out={"serviceDeployments": [{"serviceDeploymentArn": canary, "status": "IN_PROGRESS"}]},
        ),
        rule(
            "list-service-deployments",
            f"--service {web}",
            answers=[
                answer({"serviceDeployments": [old, new]}),  # the deploy's wait
                answer({"serviceDeployments": [old, new, back]}),  # the rollback's wait
            ],
        ),
        rule("stop-service-deployment", canary, "--stop-type ROLLBACK", out={}),
        rule(
            "describe-service-deployments",
            canary,
            answers=[
                answer({"serviceDeployments": [{"status": "IN_PROGRESS"}]}),  # past the wait
                answer({"serviceDeployments": [{"status": "ROLLBACK_IN_PROGRESS"}]}),
                answer({"serviceDeployments": [{"status": "ROLLBACK_SUCCESSFUL"}]}),
            ],
        ),
        rule(
            "describe-service-deployments",
            restore,
            out={"serviceDeployments": [{"status": "SUCCESSFUL"}]},
        ),
        *MAILER_UNCHANGED,
    ]
    result = deploy(
        webapp,
        {
            "pulumi": pulumi_rules(restored={**STACK_IMAGES, "web": RUNNING["web"]}),
            "aws": aws + web_tasks(RUNNING, RUNNING),
        },
        tmp_path,
        {"WAIT_MINUTES": "0"},
    )
    assert result.code == 1
    assert "The ECS deployment of web is still IN_PROGRESS after 0 minutes" in result.stdout
    assert f"web: stopped the IN_PROGRESS deployment {canary} (ROLLBACK)" in result.stdout
    assert f"web: ECS ended {canary} ROLLBACK_SUCCESSFUL" in result.stdout
    order = [" ".join(c) for c in result.calls]
    stopped = order.index(
        f"aws ecs stop-service-deployment --service-deployment-arn {canary} --stop-type ROLLBACK"
        " --output json"
    )
    rolled_back = next(i for i, c in enumerate(order) if "roll back c0ffee" in c)
    assert stopped < rolled_back
    assert "- rollback: done, ECS runs the previous images again" in result.stdout


def test_a_stop_ecs_refuses_fails_the_rollback_before_pulumi_up(
    webapp: Rendered, tmp_path: Path
) -> None:
    web = SERVICES["web"]
    aws = [
        rule(
            "list-service-deployments",
            f"--service {web}",
            "--status",
            out={
                "serviceDeployments": [{"serviceDeploymentArn": "arn:stuck", "status": "PENDING"}]
            },
        ),
        rule("stop-service-deployment", answers=[NO_NETWORK]),
        *deployments("web", ["IN_PROGRESS"]),
        *MAILER_UNCHANGED,
    ]
    result = deploy(
        webapp,
        {"pulumi": pulumi_rules(), "aws": aws + web_tasks(RUNNING, DEPLOYED)},
        tmp_path,
        {"WAIT_MINUTES": "0"},
    )
    assert result.code == 1
    assert "ECS did not stop the PENDING deployment arn:stuck of web" in result.stdout
    assert not result.called("roll back c0ffee")
    assert "- rollback: FAILED" in result.stdout


def test_a_changed_service_without_a_listed_deployment_still_fails(
    webapp: Rendered, tmp_path: Path
) -> None:
    """Mailer got a new task definition but ECS lists no deployment: deploy and rollback fail."""
    mailer = SERVICES["mailer"]
    old = settled("mailer")["answers"][0][0].replace("mailer:7", "mailer:6")
    changed = rule(
        "describe-services",
        f"--services {mailer}",
        answers=[(old, "", 0), *settled("mailer")["answers"]],
    )
    containers = [{"name": "mailer", "image": RUNNING["mailer"]}]
    before = rule(
        "describe-task-definition",
        "mailer:6",
        out={"taskDefinition": {"containerDefinitions": containers}},
    )
    aws = [changed, before, *MAILER_UNCHANGED[1:], *deployments("web", ["SUCCESSFUL"])]
    result = deploy(
        webapp,
        # web: before, after up (twice: before and after its wait), after the rollback
        {"pulumi": pulumi_rules(), "aws": aws + web_tasks(RUNNING, DEPLOYED, DEPLOYED, RUNNING)},
        tmp_path,
        {},
    )
    assert result.code == 1
    assert result.stdout.count("web: SUCCESSFUL, running") == 2  # both waits reached mailer
    assert result.stdout.count(f"ECS lists no deployment of {mailer}") == 2
    assert result.called("up", "--message", "roll back c0ffee")
    assert "- rollback: done" not in result.stdout


def test_a_deploy_that_cannot_record_what_runs_deploys_nothing(
    webapp: Rendered, tmp_path: Path
) -> None:
    rules = pulumi_rules()
    result = deploy(
        webapp,
        {"pulumi": rules, "aws": [rule("describe-services", answers=[NO_NETWORK])]},
        tmp_path,
        {},
    )
    assert result.code != 0
    assert not result.called("pulumi", "up")


def protected(name: str, **changes: Any) -> dict[str, Any]:
    """The GitLab API's protected environment ``name``, with one deploy rule (Maintainers)."""
    return {**PROTECTED, "name": name, **changes}


# Each case: the job's variables, the API's answer for the environment (None: not called)
# and whether the deploy goes on.
PROTECTION_CASES: dict[str, tuple[dict[str, str], Any, bool]] = {
    "protected": ({"CI_COMMIT_REF_PROTECTED": "true"}, lambda env: answer(protected(env)), True),
    "unprotected branch": (
        {"CI_COMMIT_REF_PROTECTED": "false"},
        lambda env: answer(protected(env)),
        False,
    ),
    "no token": ({"CI_COMMIT_REF_PROTECTED": "true", "GITLAB_READ_API_TOKEN": ""}, None, False),
    "environment not protected (404)": (
        {"CI_COMMIT_REF_PROTECTED": "true"},
        lambda env: answer(code=22),
        False,
    ),
    "API unreachable": ({"CI_COMMIT_REF_PROTECTED": "true"}, lambda env: answer(code=7), False),
    "empty answer": ({"CI_COMMIT_REF_PROTECTED": "true"}, lambda env: answer(""), False),
    "not JSON": ({"CI_COMMIT_REF_PROTECTED": "true"}, lambda env: answer("<html>"), False),
    "nobody may deploy": (
        {"CI_COMMIT_REF_PROTECTED": "true"},
        lambda env: answer(protected(env, deploy_access_levels=[])),
        False,
    ),
    "another environment": (
        {"CI_COMMIT_REF_PROTECTED": "true"},
        lambda env: answer(protected(env + "-other")),
        False,
    ),
}


@pytest.mark.parametrize("kind", ["deploy", "destroy"])
@pytest.mark.parametrize("stack", ["prod", "dev"])
@pytest.mark.parametrize("case", sorted(PROTECTION_CASES))
def test_gated_deploys_run_only_from_a_protected_environment(
    webapp: Rendered, gated_gitlab: Rendered, tmp_path: Path, stack: str, case: str, kind: str
) -> None:
    """Production's deploy (webapp's prod) and a non-production deploy that needs approval
    (dev, approval required in the gated variant), and their destroy jobs: without a
    protected environment naming who may deploy, anyone who can run a pipeline could start
    the manual job, so the job stops before it touches AWS. Fails closed on every API error."""
    variables, reply, passes = PROTECTION_CASES[case]
    pipeline = webapp if stack == "prod" else gated_gitlab
    # The job from its first line up to the check, in an image without jq (Pulumi's).
    job = gitlab_job(pipeline.yaml(FILE), f"{kind}:{stack}")["script"]
    check = next(i for i, entry in enumerate(job) if "CI_COMMIT_REF_PROTECTED" in entry)
    script = "\n".join(job[: check + 1])
    env = {
        "GITLAB_READ_API_TOKEN": "glpat-x",
        "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
        "CI_PROJECT_ID": "7",
        "CI_COMMIT_REF_NAME": "main",
        "STACK": stack,
        "CONFIRM_DESTROY": stack,  # the destroy job's own confirmation, given
        **variables,
    }
    curl = [rule(f"protected_environments/{stack}", answers=[reply(stack)])] if reply else []
    tools = {
        "curl": curl,
        "apt-get": [installs("install", "jq", tools=("jq",)), rule("update")],
        "python": [rule("pip install", "awscli")],
    }
    result = run_script(script, tools, tmp_path, env=env, shell=("bash", "-e"), image_lacks=("jq",))
    assert (result.code == 0) == passes, result.stdout + result.stderr
    if variables.get("CI_COMMIT_REF_PROTECTED") != "true" or not env["GITLAB_READ_API_TOKEN"]:
        assert not result.called("curl"), "checked the branch and the token before calling the API"


def test_production_and_approval_deploys_and_destroys_carry_the_protection_check(
    webapp: Rendered, gated_gitlab: Rendered
) -> None:
    for pipeline in (webapp, gated_gitlab):
        for env in pipeline.model.environments:
            for kind in ("deploy", "destroy"):
                job = gitlab_job(pipeline.yaml(FILE), f"{kind}:{env.name}")
                script = "\n".join(job["script"])
                gated = env.production or env.approval_required
                assert ("CI_COMMIT_REF_PROTECTED" in script) == gated, (pipeline.name, env.name)
                assert (f"protected_environments/{env.name}" in script) == gated
                if gated:  # checked before any credential is used
                    assert script.index("protected_environments") < script.index("AWS_ROLE_ARN")


def test_a_preview_uses_only_the_preview_role(webapp: Rendered, tmp_path: Path) -> None:
    doc = gitlab_job(webapp.yaml(FILE), "preview:dev")
    first = next(i for i, line in enumerate(doc["script"]) if "AWS_PREVIEW_ROLE_ARN" in line)
    # The stack's own variable (else the scoped one), its check, then the role's export.
    body = "\n".join(doc["script"][first : first + 3]) + '\necho "$AWS_ROLE_ARN"'
    deploy_role = {"AWS_ROLE_ARN": "arn:aws:iam::1:role/deploy"}
    unset = run_script(body, {}, tmp_path / "unset", env=deploy_role, shell=("bash", "-e"))
    assert unset.code != 0 and "AWS_PREVIEW_ROLE_ARN" in unset.stderr
    preview = {**deploy_role, "AWS_PREVIEW_ROLE_ARN": "arn:aws:iam::1:role/preview"}
    used = run_script(body, {}, tmp_path / "set", env=preview, shell=("bash", "-e"))
    assert used.code == 0 and used.stdout.strip() == "arn:aws:iam::1:role/preview"


@pytest.mark.parametrize(
    ("case", "stacks", "code", "previewed"),
    [
        ("exists", answer(""), 0, True),
        ("not created yet", answer(code=255, err="error: no stack named 'dev' found\n"), 0, False),
        (
            "not created yet, qualified",
            answer(code=255, err="error: no stack named 'organization/webapp/dev' found\n"),
            0,
            False,
        ),
        ("state denied", answer(code=255, err="error: failed to load checkpoint: 403\n"), 1, False),
        ("unreadable, no message", answer(code=255), 1, False),
    ],
)
def test_a_preview_skips_only_stacks_that_do_not_exist(
    webapp: Rendered, tmp_path: Path, case: str, stacks: Any, code: int, previewed: bool
) -> None:
    body, variables = entries(webapp, "preview:dev", "set -euo pipefail")
    rules = {
        "pulumi": [
            rule("stack select dev", answers=[stacks]),
            rule("stack output --json", out=stack_outputs()),
            rule("config set", out=""),
            rule("preview", out="Resources: 42 unchanged"),
        ]
    }
    result = run_script(body, rules, tmp_path, env=variables, shell=("bash",))
    assert (result.code == 0) == (code == 0), result.stdout + result.stderr
    assert bool(result.called("pulumi", "preview")) == previewed
    assert not result.called("stack", "ls") and not result.called("--create")
    if previewed:
        assert result.called("config set", "services.web.image", STACK_IMAGES["web"])


def test_the_services_table_names_every_long_running_service() -> None:
    """The fakes above answer for the same ECS services the GitHub tests use."""
    assert set(SERVICES) == set(DEPLOYED)
