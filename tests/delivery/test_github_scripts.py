"""Every gate and script of the generated GitHub workflows, run under fake CLIs.

Each test takes a step's ``run:`` shell out of the GENERATED workflow file and runs it
with fake ``gh``, ``aws``, ``pulumi`` and ``curl`` first on PATH (see fake_cli), through
a table of answers: good ones, API errors, no network, empty and unparsable output. It
asserts what CI would see: the exit code, what the script printed, and what it would
deploy or restore. Only a good answer may pass; everything else must fail closed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.delivery.delivery_support import Rendered
from tests.delivery.fake_cli import Run, answer, rule, run_script

PR = ".github/workflows/pull-request.yml"
DEPLOY = ".github/workflows/deploy.yml"
NO_NETWORK = answer(code=255, err="Could not connect to the endpoint URL\n")


def step(pipeline: Rendered, workflow: str, job: str, key: str) -> tuple[str, dict[str, str]]:
    """A step's script (by id or name) and its environment, job env overlaid by step env."""
    job_doc = pipeline.yaml(workflow)["jobs"][job]
    found = next(s for s in job_doc["steps"] if key in (s.get("id"), s.get("name")))
    env = {k: str(v) for k, v in {**job_doc.get("env", {}), **found.get("env", {})}.items()}
    return found["run"], {k: v for k, v in env.items() if "${{" not in v}


@pytest.fixture(scope="module")
def shop(github: list[Rendered]) -> Rendered:
    """Built images, an approval for prod, a public web service, a worker and a job."""
    return next(p for p in github if p.name == "shop-built-github")


def run(
    pipeline: Rendered,
    where: tuple[str, str, str],
    rules: dict[str, list[dict]],
    tmp_path: Path,
    env: dict[str, str] | None = None,
    files: dict[str, str] | None = None,
) -> Run:
    body, step_env = step(pipeline, *where)
    return run_script(body, rules, tmp_path, env={**step_env, **(env or {})}, files=files)


# ---- the approval gate ------------------------------------------------------------------

REVIEWERS = {"protection_rules": [{"type": "required_reviewers", "reviewers": [{"type": "User"}]}]}
GATE_CASES = {
    "reviewers set": (answer(REVIEWERS), 0, "prod: 1 required reviewer"),
    "environment missing (404)": (
        answer('{"message":"Not Found","status":"404"}', code=1, err="gh: Not Found (HTTP 404)"),
        1,
        "Could not read the GitHub environment prod",
    ),
    "no network": (answer(code=1, err="error connecting to api.github.com"), 1, "Could not read"),
    "empty answer": (answer(""), 1, "not what this check understands"),
    "unparsable answer": (answer("<html>rate limited</html>"), 1, "not what this check"),
    "no protection rules": (answer({"name": "prod"}), 1, "not what this check understands"),
    "only a wait timer": (
        answer({"protection_rules": [{"type": "wait_timer", "wait_timer": 5}]}),
        1,
        "has no required reviewers",
    ),
    "reviewer rule without reviewers": (
        answer({"protection_rules": [{"type": "required_reviewers", "reviewers": []}]}),
        1,
        "has no required reviewers",
    ),
}


@pytest.mark.parametrize("case", GATE_CASES)
def test_the_approval_gate_fails_closed(shop: Rendered, tmp_path: Path, case: str) -> None:
    reply, code, message = GATE_CASES[case]
    result = run(
        shop,
        (DEPLOY, "approval-check", "Check the environments' required reviewers"),
        {"gh": [rule("api", "environments/prod", answers=[reply])]},
        tmp_path,
    )
    assert (result.code == 0) == (code == 0), result.stdout + result.stderr
    assert message in result.stdout
    assert result.called("gh", "api", "repos/acme/shop/environments/prod")


# ---- recording what runs before the deploy -----------------------------------------------

CLUSTER = "shop-prod"
SERVICES = {"web": "shop-prod-web", "mailer": "shop-prod-mailer"}
STACK_IMAGES = {
    "web": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/web:new",
    "mailer": "ghcr.io/example/mailer:2.0",
    "nightly": "ghcr.io/example/jobs:1.0",
}
RUNNING = {"web": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/web:old", "mailer": "m:1"}


def stack_outputs(**override: Any) -> dict[str, Any]:
    outputs = {"cluster_name": CLUSTER, "service_names": SERVICES, "images": STACK_IMAGES}
    return {**outputs, **override}


def ecs_running(images: dict[str, str], describe: tuple[str, str, int] | None = None) -> list:
    """ECS answers: each service's task definition, and the image its container runs."""
    rules = []
    for service, image in images.items():
        taskdef = f"arn:aws:ecs:eu-west-1:1:task-definition/{service}:7"
        # Two tasks wanted, the new deployment PRIMARY with no failed start: the wait's
        # own circuit-breaker rule (deployments ECS's breaker does not watch) stays quiet.
        deployment = {"status": "PRIMARY", "failedTasks": 0}
        services = {
            "services": [
                {
                    "status": "ACTIVE",
                    "taskDefinition": taskdef,
                    "desiredCount": 2,
                    "deployments": [deployment],
                }
            ]
        }
        rules.append(
            rule(
                "describe-services",
                f"--services {SERVICES[service]}",
                answers=[describe or answer(services)],
            )
        )
        containers = [{"name": "log-router", "image": "fluent"}, {"name": service, "image": image}]
        rules.append(
            rule(
                "describe-task-definition",
                taskdef,
                out={"taskDefinition": {"containerDefinitions": containers}},
            )
        )
    return rules


RECORD_CASES: dict[str, tuple[Any, list, int, str | None]] = {
    # outputs answer, aws rules, exit code, recorded lines
    "ECS runs other images than the stack names": (
        answer(stack_outputs()),
        ecs_running(RUNNING),
        0,
        f"mailer m:1\nnightly {STACK_IMAGES['nightly']}\nweb {RUNNING['web']}\n",
    ),
    "first deploy: no outputs yet": (answer({}), [], 0, ""),
    "program without ECS outputs yet": (
        answer({"images": {"web": "w:1", "nightly": "n:1"}}),
        [],
        0,
        "nightly n:1\n",  # web is an ECS service: only ECS says whether it runs
    ),
    "pulumi cannot read the state": (answer(code=255, err="error: no credentials"), [], 1, None),
    "pulumi prints nothing": (answer(""), [], 1, None),
    "pulumi prints garbage": (answer("warning: something"), [], 1, None),
    "ECS unreachable": (answer(stack_outputs()), ecs_running(RUNNING, NO_NETWORK), 1, None),
    "ECS answers nothing": (answer(stack_outputs()), ecs_running(RUNNING, answer("")), 1, None),
    "service_names is not a map": (
        answer(stack_outputs(service_names=["shop-prod-web"])),
        [],
        1,
        None,
    ),
}


@pytest.mark.parametrize("case", RECORD_CASES)
def test_the_deploy_records_what_really_runs_or_stops(
    shop: Rendered, tmp_path: Path, case: str
) -> None:
    outputs, aws, code, recorded = RECORD_CASES[case]
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "previous"),
        {"pulumi": [rule("stack output --json", answers=[outputs])], "aws": aws},
        tmp_path,
    )
    assert (result.code == 0) == (code == 0), result.stdout + result.stderr
    if recorded is not None:
        assert (result.temp / "previous-images.txt").read_text() == recorded
    if case == "ECS runs other images than the stack names":  # what the wait compares against
        assert (result.temp / "previous-taskdefs.txt").read_text() == "".join(
            f"{s} arn:aws:ecs:eu-west-1:1:task-definition/{s}:7\n" for s in SERVICES
        )


# ---- waiting for ECS ---------------------------------------------------------------------


def deployments(service: str, statuses: list[str], breaker: str = "MONITORING") -> list[dict]:
    """ECS lists an old and the new deployment; the new one goes through ``statuses``.

    ``breaker``: the deployment's circuit-breaker status; with ``DISABLED`` (a deployment
    ECS's breaker does not watch) the wait reads the service's failed task starts each poll.
    """
    name = SERVICES[service]
    listed = {
        "serviceDeployments": [
            {"serviceDeploymentArn": f"arn:old/{name}", "createdAt": "2026-12-01T10:00:00Z"},
            {"serviceDeploymentArn": f"arn:new/{name}", "createdAt": "2026-12-07T03:00:00Z"},
        ]
    }
    return [
        rule("list-service-deployments", f"--service {name}", out=listed),
        rule(
            "describe-service-deployments",
            f"arn:new/{name}",
            answers=[
                answer(
                    {
                        "serviceDeployments": [
                            {"status": s, "deploymentCircuitBreaker": {"status": breaker}}
                        ]
                    }
                )
                for s in statuses
            ],
        ),
    ]


DEPLOYED = {s: STACK_IMAGES[s] for s in SERVICES}
# What ECS answers the rollback's question "which deployments still run?" (the list filtered
# with --status): nothing. A rule listed before it answers for a service that has one.
NONE_RUNNING = rule("list-service-deployments", "--status", out={"serviceDeployments": []})


def waits(result: Run, name: str) -> list[list[str]]:
    """The wait's deployment listings of ECS service ``name`` (not the rollback's --status one)."""
    return [c for c in result.called("list-service-deployments", name) if "--status" not in c]


WAIT_CASES: dict[str, tuple[Any, list, int, str]] = {
    "both succeed": (
        answer(stack_outputs()),
        deployments("web", ["SUCCESSFUL"]) + deployments("mailer", ["SUCCESSFUL"]),
        0,
        "mailer: SUCCESSFUL, running ghcr.io/example/mailer:2.0",
    ),
    "a canary bakes, then succeeds": (
        answer(stack_outputs()),
        deployments("web", ["PENDING", "IN_PROGRESS", "IN_PROGRESS", "SUCCESSFUL"])
        + deployments("mailer", ["SUCCESSFUL"]),
        0,
        "web: IN_PROGRESS",
    ),
    "ECS rolled the canary back": (
        answer(stack_outputs()),
        deployments("web", ["IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"]),
        1,
        "The ECS deployment of web ended ROLLBACK_SUCCESSFUL",
    ),
    "the rollback failed too": (
        answer(stack_outputs()),
        deployments("web", ["ROLLBACK_FAILED"]),
        1,
        "ended ROLLBACK_FAILED",
    ),
    "someone stopped it": (
        answer(stack_outputs()),
        deployments("web", ["STOPPED"]),
        1,
        "ended STOPPED",
    ),
    "a status this pipeline does not know": (
        answer(stack_outputs()),
        deployments("web", ["SOMETHING_NEW"]),
        1,
        "ended SOMETHING_NEW",
    ),
    "ECS lists no deployment": (
        answer(stack_outputs()),
        [rule("list-service-deployments", out={"serviceDeployments": []})],
        1,
        "ECS lists no deployment of shop-prod-web",
    ),
    "ECS unreachable": (
        answer(stack_outputs()),
        [rule("list-service-deployments", answers=[NO_NETWORK])],
        1,
        "ECS lists no deployment",
    ),
    "the status call fails": (
        answer(stack_outputs()),
        [deployments("web", [])[0], rule("describe-service-deployments", answers=[NO_NETWORK])],
        1,
        "",
    ),
    "no cluster output": (
        answer({"images": STACK_IMAGES}),
        [],
        1,
        "The stack has no cluster_name output",
    ),
    "stack outputs unreadable": (answer(code=255), [], 1, ""),
}


@pytest.mark.parametrize("case", WAIT_CASES)
def test_a_deploy_is_done_when_ecs_says_so(shop: Rendered, tmp_path: Path, case: str) -> None:
    outputs, aws, code, message = WAIT_CASES[case]
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "rollout"),
        {
            "pulumi": [rule("stack output --json", answers=[outputs])],
            "aws": aws + ecs_running(DEPLOYED),
        },
        tmp_path,
    )
    assert (result.code == 0) == (code == 0), result.stdout + result.stderr
    assert message in result.stdout
    if code == 0:  # every service was checked, each until its deployment ended
        assert len(result.called("list-service-deployments")) == len(SERVICES)


def test_the_newest_deployment_is_found_on_a_later_page(shop: Rendered, tmp_path: Path) -> None:
    """ListServiceDeployments pages its results; the newest may be on the last page."""
    web = SERVICES["web"]
    old = {"serviceDeploymentArn": f"arn:old/{web}", "createdAt": "2026-12-01T10:00:00Z"}
    new = {"serviceDeploymentArn": f"arn:new/{web}", "createdAt": "2026-12-07T03:00:00Z"}
    pages = rule(
        "list-service-deployments",
        f"--service {web}",
        answers=[
            answer({"serviceDeployments": [old], "nextToken": "page-2"}),
            answer({"serviceDeployments": [new]}),
        ],
    )
    aws = [pages, deployments("web", ["SUCCESSFUL"])[1]]
    aws += deployments("mailer", ["SUCCESSFUL"]) + ecs_running(DEPLOYED)
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "rollout"),
        {"pulumi": [rule("stack output --json", out=stack_outputs())], "aws": aws},
        tmp_path,
    )
    assert result.code == 0, result.stdout + result.stderr
    assert result.called("list-service-deployments", web, "--next-token page-2")
    assert not result.called("describe-service-deployments", f"arn:old/{web}")


def settled(service: str, **deployment: Any) -> dict:
    """A describe-services rule: the service runs task definition 7, one deployment."""
    taskdef = f"arn:aws:ecs:eu-west-1:1:task-definition/{service}:7"
    primary = {
        "status": "PRIMARY",
        "rolloutState": "COMPLETED",
        "runningCount": 2,
        "desiredCount": 2,
        **deployment,
    }
    services = {
        "services": [{"status": "ACTIVE", "taskDefinition": taskdef, "deployments": [primary]}]
    }
    return rule("describe-services", f"--services {SERVICES[service]}", out=services)


BEFORE = "".join(f"{s} arn:aws:ecs:eu-west-1:1:task-definition/{s}:7\n" for s in SERVICES)
# No deployment in ECS's 90 days of history: list-service-deployments answers an empty list.
NO_HISTORY = [rule("list-service-deployments", out={"serviceDeployments": []})]
UNCHANGED_CASES: dict[str, tuple[str, list, int, str]] = {
    # task definitions recorded before the deploy, describe-services rules, code, message
    "this deploy changed neither service": (
        BEFORE,
        [settled("web"), settled("mailer")],
        0,
        "web: unchanged, COMPLETED, running",
    ),
    "web changed (new task definition), ECS lists nothing": (
        BEFORE.replace("web:7", "web:6"),
        [settled("web"), settled("mailer")],
        1,
        "ECS lists no deployment of shop-prod-web",
    ),
    "web is new: nothing recorded for it": (
        BEFORE.split("\n", 1)[1],
        [settled("web"), settled("mailer")],
        1,
        "ECS lists no deployment of shop-prod-web",
    ),
    "nothing recorded (the record step did not run)": (
        "",
        [settled("web"), settled("mailer")],
        1,
        "ECS lists no deployment of shop-prod-web",
    ),
    "unchanged, but a deployment is still rolling": (
        BEFORE,
        [settled("web", rolloutState="IN_PROGRESS"), settled("mailer")],
        1,
        "ECS lists no deployment of shop-prod-web",
    ),
    "unchanged, but a task is missing": (
        BEFORE,
        [settled("web", runningCount=1), settled("mailer")],
        1,
        "ECS lists no deployment of shop-prod-web",
    ),
    "unchanged, but no rollout state": (
        BEFORE,
        [settled("web", rolloutState=None), settled("mailer")],
        1,
        "ECS lists no deployment of shop-prod-web",
    ),
    "describe-services fails": (
        BEFORE,
        [rule("describe-services", answers=[NO_NETWORK])],
        1,
        "",
    ),
}


@pytest.mark.parametrize("where", ["rollout", "rolled-back"])
@pytest.mark.parametrize("case", UNCHANGED_CASES)
def test_a_service_this_deploy_did_not_change_is_not_waited_on(
    shop: Rendered, tmp_path: Path, case: str, where: str
) -> None:
    """ECS keeps 90 days of service deployments: an unchanged service may list none."""
    recorded, described, code, message = UNCHANGED_CASES[case]
    result = run(
        shop,
        (DEPLOY, "deploy-prod", where),
        {
            "pulumi": [rule("stack output --json", out=stack_outputs())],
            "aws": described + NO_HISTORY + ecs_running(DEPLOYED)[1::2],
        },
        tmp_path,
        files={"previous-taskdefs.txt": recorded},
    )
    assert (result.code == 0) == (code == 0), result.stdout + result.stderr
    assert message in result.stdout
    if code == 0:
        assert not result.called("list-service-deployments")
        assert "mailer: unchanged, COMPLETED, running ghcr.io/example/mailer:2.0" in result.stdout


def test_a_changed_service_is_waited_on_beside_an_unchanged_one(
    shop: Rendered, tmp_path: Path
) -> None:
    aws = [settled("web"), settled("mailer"), *deployments("mailer", ["SUCCESSFUL"])]
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "rollout"),
        {
            "pulumi": [rule("stack output --json", out=stack_outputs())],
            "aws": aws + NO_HISTORY + ecs_running(DEPLOYED)[1::2],
        },
        tmp_path,
        files={"previous-taskdefs.txt": BEFORE.replace("mailer:7", "mailer:6")},
    )
    assert result.code == 0, result.stdout + result.stderr
    assert not result.called("list-service-deployments", SERVICES["web"])
    assert result.called("describe-service-deployments", f"arn:new/{SERVICES['mailer']}")
    assert "mailer: SUCCESSFUL, running" in result.stdout


def test_a_service_running_another_image_than_deployed_fails(
    shop: Rendered, tmp_path: Path
) -> None:
    aws = deployments("web", ["SUCCESSFUL"]) + deployments("mailer", ["SUCCESSFUL"])
    stale = {**DEPLOYED, "web": RUNNING["web"]}
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "rollout"),
        {
            "pulumi": [rule("stack output --json", out=stack_outputs())],
            "aws": aws + ecs_running(stale),
        },
        tmp_path,
    )
    assert result.code == 1
    assert (
        f"web runs {RUNNING['web']}" in result.stdout
        and f"not {STACK_IMAGES['web']}" in result.stdout
    )


def test_the_wait_step_polls_only_while_ecs_is_still_working(shop: Rendered) -> None:
    """The running states in the step are botocore's non-terminal ServiceDeploymentStatus."""
    import botocore.session

    enum = (
        botocore.session.get_session()
        .get_service_model("ecs")
        .shape_for("ServiceDeploymentStatus")
        .enum
    )
    _, env = step(shop, DEPLOY, "deploy-prod", "rollout")
    running = env["RUNNING_STATES"].split()
    assert set(running) < set(enum)
    assert set(enum) - set(running) == {
        "SUCCESSFUL",
        "STOPPED",
        "ROLLBACK_SUCCESSFUL",
        "ROLLBACK_FAILED",
    }


# ---- smoke test, rollback ----------------------------------------------------------------

URLS = {"web": "https://shop.example.com/", "edge-api": "https://edge.internal/"}
SMOKE_CASES = {
    "answers": (
        [rule("https://shop.example.com/healthz", out="")],
        answer(URLS),
        0,
        "GET https://shop.example.com/healthz",
    ),
    "answers 503": ([rule("healthz", code=22, err="curl: (22) 503")], answer(URLS), 22, ""),
    "unreachable": ([rule("healthz", code=28, err="curl: (28) timeout")], answer(URLS), 28, ""),
    "no url for web": (
        [],
        answer({"edge-api": "x"}),
        1,
        "The stack output urls has no entry for web",
    ),
    "urls unreadable": ([], answer(code=255), 255, ""),
}


@pytest.mark.parametrize("case", SMOKE_CASES)
def test_the_smoke_test_passes_only_on_a_healthy_answer(
    shop: Rendered, tmp_path: Path, case: str
) -> None:
    curl, urls, code, message = SMOKE_CASES[case]
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "smoke"),
        {"pulumi": [rule("stack output urls --json", answers=[urls])], "curl": curl},
        tmp_path,
    )
    assert (result.code == 0) == (code == 0), result.stdout + result.stderr
    assert message in result.stdout


# What the record step left for the rollback: the outputs before the deploy, the ECS service
# of each service, the task definitions that ran (BEFORE).
RECORDED = {
    "before.json": json.dumps(stack_outputs()),
    "services.txt": "".join(f"{s} {name}\n" for s, name in SERVICES.items()),
    "previous-taskdefs.txt": BEFORE,
}


def test_the_rollback_restores_exactly_what_ran_before(shop: Rendered, tmp_path: Path) -> None:
    recorded = f"mailer m:1\nweb {RUNNING['web']}\n"
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "rollback"),
        {"pulumi": [rule("config set", out=""), rule("up --yes", out="")], "aws": [NONE_RUNNING]},
        tmp_path,
        files={**RECORDED, "previous-images.txt": recorded},
    )
    assert result.code == 0, result.stdout + result.stderr
    sets = [c[-2:] for c in result.called("pulumi", "config set")]
    assert sets == [["services.mailer.image", "m:1"], ["services.web.image", RUNNING["web"]]]
    assert result.calls[-1][:3] == ["pulumi", "up", "--yes"]
    # It asked ECS which deployments still run, for each service that ran before: none.
    for name in SERVICES.values():
        (listed,) = result.called("list-service-deployments", f"--service {name}", "--status")
        assert listed[listed.index("--status") + 1 :][:5] == [
            "PENDING",
            "IN_PROGRESS",
            "STOP_REQUESTED",
            "ROLLBACK_REQUESTED",
            "ROLLBACK_IN_PROGRESS",
        ]
    assert not result.called("stop-service-deployment")


# ---- a deployment ECS does not end by itself -------------------------------------------------

STUCK = f"arn:aws:ecs:eu-west-1:1:service-deployment/shop-prod/{SERVICES['web']}/canary"


def stuck_canary(statuses: list[str], listed: str = "IN_PROGRESS") -> list[dict]:
    """web's canary is ``listed`` in ECS; after the stop it goes through ``statuses``."""
    return [
        rule(
            "list-service-deployments",
            f"--service {SERVICES['web']}",
            "--status",
            out={"serviceDeployments": [{"serviceDeploymentArn": STUCK, "status": listed}]},
        ),
        rule(
            "stop-service-deployment",
            STUCK,
            "--stop-type ROLLBACK",
            out={"serviceDeploymentArn": STUCK},
        ),
        rule(
            "describe-service-deployments",
            STUCK,
            answers=[answer({"serviceDeployments": [{"status": s}]}) for s in statuses],
        ),
        NONE_RUNNING,
    ]


def failing_starts(*failed: int, desired: int = 2) -> dict:
    """describe-services for web: ``desired`` tasks wanted, its PRIMARY (new) deployment's
    consecutive failed task starts ``failed[i]`` at the i-th call, an old ACTIVE one beside."""
    taskdef = "arn:aws:ecs:eu-west-1:1:task-definition/web:7"  # as ecs_running answers

    def described(count: int) -> tuple[str, str, int]:
        deployments = [
            {"status": "PRIMARY", "failedTasks": count},
            {"status": "ACTIVE", "failedTasks": 0},
        ]
        service = {"taskDefinition": taskdef, "desiredCount": desired, "deployments": deployments}
        return answer({"services": [service]})

    return rule(
        "describe-services", f"--services {SERVICES['web']}", answers=[described(n) for n in failed]
    )


CRASH_LOOP_CASES: dict[str, tuple[str, list[dict], int, str]] = {
    # breaker status, web's describe-services rules, exit code, message
    "new tasks keep failing: stopped at the breaker's threshold (3 for 2 tasks)": (
        "DISABLED",
        [failing_starts(0, 0, 1, 2, 3)],
        1,
        "3 new tasks of web failed in a row (ECS's circuit breaker stops a rolling update at 3 "
        "for 2 desired tasks, and does not watch this IN_PROGRESS deployment)",
    ),
    "half of 10 tasks is the threshold": (
        "DISABLED",
        [failing_starts(0, 4, 5, desired=10)],
        1,
        "5 new tasks of web failed in a row (ECS's circuit breaker stops a rolling update at 5 "
        "for 10 desired tasks",
    ),
    "a few failures, then healthy: the canary bakes and succeeds": (
        "DISABLED",
        [failing_starts(0, 2, 0)],
        0,
        "web: SUCCESSFUL, running",
    ),
    "ECS unreachable while counting failures: fails closed": (
        "DISABLED",
        [
            rule(
                "describe-services",
                f"--services {SERVICES['web']}",
                answers=[
                    answer(
                        {
                            "services": [
                                {"taskDefinition": "t", "desiredCount": 2, "deployments": []}
                            ]
                        }
                    ),
                    NO_NETWORK,
                ],
            )
        ],
        1,
        "",
    ),
    "ECS's breaker watches it: the wait leaves failures to ECS": (
        "MONITORING",
        [failing_starts(0, 50, 50)],
        0,
        "web: SUCCESSFUL, running",
    ),
}


@pytest.mark.parametrize("case", CRASH_LOOP_CASES)
def test_a_crash_loop_ecs_does_not_end_fails_the_wait_at_the_breaker_threshold(
    shop: Rendered, tmp_path: Path, case: str
) -> None:
    """A canary whose new tasks exit on start stays IN_PROGRESS: the wait stops it as soon as
    ECS's own circuit-breaker rule would have (WAIT_MINUTES, an hour here, is not reached)."""
    breaker, described, code, message = CRASH_LOOP_CASES[case]
    statuses = ["IN_PROGRESS"] * 4 + ["SUCCESSFUL"]
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "rollout"),
        {
            "pulumi": [rule("stack output --json", out=stack_outputs())],
            "aws": described
            + deployments("web", statuses, breaker=breaker)
            + deployments("mailer", ["SUCCESSFUL"])
            + ecs_running(DEPLOYED),
        },
        tmp_path,
        env={"WAIT_MINUTES": "60"},
    )
    assert (result.code == 0) == (code == 0), result.stdout + result.stderr
    assert message in result.stdout
    polls = len(result.called("describe-service-deployments", f"arn:new/{SERVICES['web']}"))
    counted = len(result.called("describe-services", SERVICES["web"]))
    if breaker == "MONITORING":
        assert counted == 2  # before the wait and after it: never inside the poll
    elif code == 1 and message:
        assert polls < len(statuses)  # stopped before the deployment ended by itself


def test_a_canary_stuck_past_the_wait_is_stopped_with_rollback_before_the_rollback(
    shop: Rendered, tmp_path: Path
) -> None:
    """No task of the new revision ever becomes healthy: the canary stays IN_PROGRESS (no
    circuit breaker for it, no unhealthy host for the rollback alarms). The wait gives up
    after WAIT_MINUTES and fails the job; the rollback step stops the deployment with
    ROLLBACK, waits until ECS ended it, and only then runs its own `pulumi up`."""
    waited = run(
        shop,
        (DEPLOY, "deploy-prod", "rollout"),
        {
            "pulumi": [rule("stack output --json", out=stack_outputs())],
            "aws": deployments("web", ["IN_PROGRESS"])
            + deployments("mailer", ["SUCCESSFUL"])
            + ecs_running(DEPLOYED),
        },
        tmp_path / "wait",
        env={"WAIT_MINUTES": "0"},
    )
    assert waited.code == 1
    assert "The ECS deployment of web is still IN_PROGRESS after 0 minutes" in waited.stdout
    rollback = shop.yaml(DEPLOY)["jobs"]["deploy-prod"]["steps"]
    (step_doc,) = [s for s in rollback if s.get("id") == "rollback"]
    assert "steps.rollout.outcome == 'failure'" in step_doc["if"]  # a failed wait rolls back

    result = run(
        shop,
        (DEPLOY, "deploy-prod", "rollback"),
        {
            "pulumi": [rule("config set", out=""), rule("up --yes", out="")],
            "aws": stuck_canary(
                ["ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"]
            ),
        },
        tmp_path / "rollback",
        files={**RECORDED, "previous-images.txt": f"mailer m:1\nweb {RUNNING['web']}\n"},
    )
    assert result.code == 0, result.stdout + result.stderr
    stop = result.called("stop-service-deployment")
    assert stop == [
        [
            "aws",
            "ecs",
            "stop-service-deployment",
            "--service-deployment-arn",
            STUCK,
            "--stop-type",
            "ROLLBACK",
            "--output",
            "json",
        ]
    ]
    order = [" ".join(c) for c in result.calls]
    stopped = next(i for i, c in enumerate(order) if "stop-service-deployment" in c)
    ended = max(i for i, c in enumerate(order) if "describe-service-deployments" in c)
    up = next(i for i, c in enumerate(order) if c.startswith("pulumi up"))
    assert stopped < ended < up  # stopped, waited until ECS ended it, then pulumi up
    assert f"web: ECS ended {STUCK} ROLLBACK_SUCCESSFUL" in result.stdout


def test_a_deployment_ecs_is_already_ending_is_waited_on_not_stopped(
    shop: Rendered, tmp_path: Path
) -> None:
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "rollback"),
        {
            "pulumi": [rule("config set", out=""), rule("up --yes", out="")],
            "aws": stuck_canary(["ROLLBACK_SUCCESSFUL"], listed="ROLLBACK_IN_PROGRESS"),
        },
        tmp_path,
        files={**RECORDED, "previous-images.txt": f"web {RUNNING['web']}\n"},
    )
    assert result.code == 0, result.stdout + result.stderr
    assert not result.called("stop-service-deployment")
    assert result.called("describe-service-deployments", STUCK)
    assert result.called("pulumi", "up")


STOP_CASES: dict[str, tuple[list[dict], dict[str, str], str]] = {
    # aws rules, extra env, message
    "ECS cannot list the running deployments": (
        [rule("list-service-deployments", "--status", answers=[NO_NETWORK])],
        {},
        "ECS did not list the running deployments of shop-prod-",
    ),
    "ECS answers the list with something else": (
        [rule("list-service-deployments", "--status", out="<html>throttled</html>")],
        {},
        "ECS did not list the running deployments",
    ),
    "ECS answers nothing": (
        [rule("list-service-deployments", "--status", out="")],
        {},
        "ECS did not list the running deployments",
    ),
    "more running deployments than one page": (
        [
            rule(
                "list-service-deployments",
                "--status",
                out={"serviceDeployments": [], "nextToken": "page-2"},
            )
        ],
        {},
        "ECS did not list the running deployments",
    ),
    "the stop is refused": (
        [
            stuck_canary([])[0],
            rule(
                "stop-service-deployment",
                answers=[answer(code=254, err="An error occurred (ConflictException)")],
            ),
        ],
        {},
        f"ECS did not stop the IN_PROGRESS deployment {STUCK} of web",
    ),
    "the stopped deployment cannot be described": (
        [
            *stuck_canary([])[:2],
            rule("describe-service-deployments", answers=[NO_NETWORK]),
            NONE_RUNNING,
        ],
        {},
        f"ECS does not describe the deployment {STUCK} of web",
    ),
    "ECS is still ending it after STOP_MINUTES": (
        stuck_canary(["ROLLBACK_IN_PROGRESS"]),
        {"STOP_MINUTES": "0"},
        f"ECS is still ending the deployment {STUCK} of web (ROLLBACK_IN_PROGRESS) after 0 minutes",
    ),
}


@pytest.mark.parametrize("case", STOP_CASES)
def test_the_rollback_fails_closed_when_it_cannot_end_a_running_deployment(
    shop: Rendered, tmp_path: Path, case: str
) -> None:
    """Any API error while stopping what still runs fails the rollback before `pulumi up`
    (which would start another deployment beside one ECS may still be running)."""
    aws, env, message = STOP_CASES[case]
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "rollback"),
        {"pulumi": [rule("config set", out=""), rule("up --yes", out="")], "aws": aws},
        tmp_path,
        env=env,
        files={**RECORDED, "previous-images.txt": f"web {RUNNING['web']}\n"},
    )
    assert result.code != 0, result.stdout + result.stderr
    assert message in result.stdout
    assert not result.called("pulumi"), "rolled back beside a deployment ECS may still run"


@pytest.mark.parametrize(
    ("case", "recorded", "pulumi"),
    [
        ("nothing ran before", "", [rule("", out="")]),
        # A first deploy: only the scheduled job's image was recorded, no ECS service ran.
        ("only a scheduled job recorded", "nightly n:1\n", [rule("", out="")]),
        ("pulumi up fails", "web w:1\n", [rule("config set", out=""), rule("up", code=255)]),
        ("config set fails", "web w:1\n", [rule("config set", code=255), rule("up", out="")]),
    ],
)
def test_a_rollback_that_cannot_restore_fails(
    shop: Rendered, tmp_path: Path, case: str, recorded: str, pulumi: list
) -> None:
    running = "web arn:aws:ecs:eu-west-1:1:task-definition/web:7\n" if "web" in recorded else ""
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "rollback"),
        {"pulumi": pulumi, "aws": [NONE_RUNNING]},
        tmp_path,
        files={**RECORDED, "previous-images.txt": recorded, "previous-taskdefs.txt": running},
    )
    assert result.code != 0, case
    if not running:
        assert "nothing to roll back to" in result.stdout and not result.called("pulumi")
    assert not ("config set" in case and result.called("pulumi", "up")), "rolled back half"


# ---- image publishing --------------------------------------------------------------------

REGISTRY_CASES = {
    "account": (answer("123456789012"), 0),
    "no credentials": (answer(code=255, err="Unable to locate credentials"), 255),
    "empty": (answer(""), 1),
    "not an account": (answer("None"), 1),
}


@pytest.mark.parametrize("case", REGISTRY_CASES)
def test_the_registry_is_found_or_the_build_stops(
    shop: Rendered, tmp_path: Path, case: str
) -> None:
    reply, code = REGISTRY_CASES[case]
    result = run(
        shop,
        (DEPLOY, "images", "registry"),
        {"aws": [rule("sts get-caller-identity", answers=[reply])]},
        tmp_path,
        env={"AWS_REGION": "eu-west-1", "REPOSITORY": "shop/web"},
    )
    assert (result.code == 0) == (code == 0), result.stderr
    if code == 0:
        assert result.outputs["registry"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


PUSHED_CASES = {
    "already pushed": (answer({"imageDetails": [{}]}), 0, "true"),
    "not pushed yet": (
        answer(code=254, err="An error occurred (ImageNotFoundException)"),
        0,
        "false",
    ),
    "access denied": (answer(code=254, err="An error occurred (AccessDeniedException)"), 1, None),
    "no network": (NO_NETWORK, 1, None),
}


@pytest.mark.parametrize("case", PUSHED_CASES)
def test_only_a_missing_image_is_built_again(shop: Rendered, tmp_path: Path, case: str) -> None:
    reply, code, done = PUSHED_CASES[case]
    result = run(
        shop,
        (DEPLOY, "images", "pushed"),
        {"aws": [rule("ecr describe-images", answers=[reply])]},
        tmp_path,
        env={"REPOSITORY": "shop/web"},
    )
    assert (result.code == 0) == (code == 0)
    assert result.outputs.get("done") == done


# ---- pull requests -----------------------------------------------------------------------

# What `pulumi stack select prod` answers (pkg/cmd/pulumi/stack/stack_select.go: a missing
# stack is "no stack named '<ref>' found", the reference maybe qualified; any error reading the
# state is returned as is). `pulumi stack ls` is never called: it reads every stack's state.
MISSING = "error: no stack named '{}' found\n"
DENIED = (
    'error: failed to load checkpoint: blob (key ".pulumi/stacks/shop/prod.json") '
    "(code=PermissionDenied): operation error S3: HeadObject, StatusCode: 403, Forbidden\n"
)
STACK_CASES = {
    "exists": (answer(""), 0, "true"),
    "not created yet": (answer(code=255, err=MISSING.format("prod")), 0, "false"),
    "not created yet, qualified": (
        answer(code=255, err=MISSING.format("organization/shop/prod")),
        0,
        "false",
    ),
    "another stack missing": (answer(code=255, err=MISSING.format("preprod")), 1, None),
    "state denied": (answer(code=255, err=DENIED), 1, None),
    "meta.yaml denied": (
        answer(code=255, err='error: read ".pulumi/meta.yaml": AccessDenied: Access Denied\n'),
        1,
        None,
    ),
}


@pytest.mark.parametrize("case", STACK_CASES)
def test_a_preview_skips_only_stacks_that_do_not_exist(
    shop: Rendered, tmp_path: Path, case: str
) -> None:
    reply, code, exists = STACK_CASES[case]
    result = run(
        shop,
        (PR, "preview", "stack"),
        {"pulumi": [rule("stack select prod", answers=[reply])]},
        tmp_path,
        env={"STACK": "prod"},
    )
    assert (result.code == 0) == (code == 0), result.stderr
    assert result.outputs.get("exists") == exists
    assert not result.called("stack", "ls")
    assert not result.called("--create")
    if code:  # a denied read fails the job with the CLI's own error, never as "missing"
        assert reply[1].strip() in result.stderr


def test_a_preview_never_falls_back_to_the_deploy_role(shop: Rendered, tmp_path: Path) -> None:
    preview = shop.yaml(PR)["jobs"]["preview"]
    assert preview["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    roles = [
        s["with"]["role-to-assume"]
        for s in preview["steps"]
        if "role-to-assume" in s.get("with", {})
    ]
    assert roles == ["${{ steps.role.outputs.arn }}"]  # what the role step chose
    assert "AWS_ROLE_ARN" not in json.dumps(preview).replace("AWS_PREVIEW_ROLE_ARN", "")
    where = (PR, "preview", "Require the read-only preview role")
    unset = {"AWS_PREVIEW_ROLE_ARN": "", "STACK_ROLE": "AWS_PREVIEW_ROLE_ARN_DEV"}
    assert run(shop, where, {}, tmp_path / "unset", env=unset).code == 1
    role = {
        "AWS_PREVIEW_ROLE_ARN": "arn:aws:iam::1:role/preview",
        "STACK_ROLE": "AWS_PREVIEW_ROLE_ARN_DEV",
        "STACK": "dev",
    }
    # Without the stack's own passphrase (a repository secret per non-production stack) the
    # preview stops too, naming the secret to set.
    unset = run(
        shop,
        where,
        {},
        tmp_path / "nopass",
        env={**role, "PASSPHRASE_SECRET": "PULUMI_PREVIEW_PASSPHRASE_DEV"},
    )
    assert unset.code == 1 and "PULUMI_PREVIEW_PASSPHRASE_DEV" in unset.stdout
    ready = {**role, "PULUMI_CONFIG_PASSPHRASE": "dev's own"}
    assert run(shop, where, {}, tmp_path / "set", env=ready).code == 0
