"""The first deploy after the handoff's targeted `pulumi up`, and the message to on-call when a
deploy fails (fake CLIs, see fake_cli).

A targeted `pulumi up` (the handoff's "Secret values" step) creates only the secrets, yet the
Python SDK resolves every skipped resource's outputs to their inputs (pulumi/pulumi
sdk/python/lib/pulumi/runtime/rpc.py, ``resolve_outputs``), so the stack's ``cluster_name``,
``service_names`` and ``images`` outputs name a cluster and services that do not exist. A
review found the record step then failed on ``ClusterNotFoundException`` on every run, and
that its ``images`` fallback made the one-off tasks' `pulumi up` treat every service as
existing. What ECS answers is modelled on botocore's ECS model (DescribeServices:
ClusterNotFoundException; ``failures[].reason`` MISSING; a service's ``status`` ACTIVE,
DRAINING or INACTIVE) and the AWS CLI's exit code 254 for a service error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shipspec.render.targets._pipeline import long_running
from tests.delivery.delivery_support import Rendered, gitlab_job
from tests.delivery.fake_cli import Run, answer, rule, run_script
from tests.delivery.test_db_admin_deploy import NEW, RUNNING_TASK, one_offs
from tests.delivery.test_github_scripts import (
    CLUSTER,
    DEPLOY,
    NO_NETWORK,
    RUNNING,
    SERVICES,
    STACK_IMAGES,
    ecs_running,
    run,
    stack_outputs,
    step,
)
from tests.delivery.test_migrations import stopped

CLUSTER_MISSING = answer(
    code=254,
    err="\nAn error occurred (ClusterNotFoundException) when calling the DescribeServices "
    "operation: Cluster not found.\n",
)
ACCESS_DENIED = answer(
    code=254,
    err="\nAn error occurred (AccessDeniedException) when calling the DescribeServices "
    "operation: User: arn:aws:sts::1:assumed-role/shop-prod-deploy/x is not authorized\n",
)
# A targeted up's outputs: every service and image named, the job included.
TARGETED = stack_outputs()
NIGHTLY = f"nightly {STACK_IMAGES['nightly']}\n"


def missing(name: str) -> tuple[str, str, int]:
    arn = f"arn:aws:ecs:eu-west-1:1:service/{CLUSTER}/{name}"
    return answer({"services": [], "failures": [{"arn": arn, "reason": "MISSING"}]})


def inactive(service: str) -> tuple[str, str, int]:
    taskdef = f"arn:aws:ecs:eu-west-1:1:task-definition/{service}:7"
    return answer({"services": [{"status": "INACTIVE", "taskDefinition": taskdef}]})


@pytest.fixture(scope="module")
def shop(github: list[Rendered]) -> Rendered:
    """Built images, a worker (mailer), a public web service and a scheduled job (nightly)."""
    return next(p for p in github if p.name == "shop-built-github")


def record(shop: Rendered, tmp_path: Path, aws: list[dict]) -> Run:
    return run(
        shop,
        (DEPLOY, "deploy-prod", "previous"),
        {"pulumi": [rule("stack output --json", out=TARGETED)], "aws": aws},
        tmp_path,
    )


def describe(service: str, reply: tuple[str, str, int]) -> dict:
    return rule("describe-services", f"--services {SERVICES[service]}", answers=[reply])


NOTHING_RUNS = {
    "cluster missing (targeted up)": [rule("describe-services", answers=[CLUSTER_MISSING])],
    "cluster there, services MISSING": [
        describe("web", missing(SERVICES["web"])),
        describe("mailer", missing(SERVICES["mailer"])),
    ],
    "services INACTIVE (deleted)": [
        describe("web", inactive("web")),
        describe("mailer", inactive("mailer")),
    ],
}


@pytest.mark.parametrize("case", NOTHING_RUNS)
def test_a_first_deploy_records_nothing_running_and_holds_every_ecs_service(
    shop: Rendered, tmp_path: Path, case: str
) -> None:
    result = record(shop, tmp_path / "record", NOTHING_RUNS[case])
    assert result.code == 0, result.stdout + result.stderr
    # Only the scheduled job keeps the stack's record; no ECS service is recorded as running.
    previous = (result.temp / "previous-images.txt").read_text()
    assert previous == NIGHTLY
    assert (result.temp / "previous-taskdefs.txt").read_text() == ""
    assert not result.called("describe-task-definition")
    if case.startswith("cluster missing"):  # asked once: the cluster answers for every service
        assert len(result.called("describe-services")) == 1
    # The one-off tasks' `pulumi up` then creates none of the ECS services.
    after = one_offs(shop, tmp_path / "one-offs", previous, [RUNNING_TASK, stopped(0)], running="")
    assert after.code == 0, after.stdout + after.stderr
    (up,) = after.called("pulumi", "up")
    excluded = [up[i + 1] for i, word in enumerate(up) if word == "--exclude"]
    assert excluded == [
        f"urn:pulumi:*::*::**$aws:ecs/service:Service::{s}-service"
        for s in ("web", "mailer", "edge-api")
    ]
    assert "--exclude-dependents" in up


def test_only_the_services_ecs_describes_run(shop: Rendered, tmp_path: Path) -> None:
    """web was deleted (INACTIVE), mailer runs, edge-api was never created (MISSING)."""
    aws = [describe("web", inactive("web")), *ecs_running({"mailer": RUNNING["mailer"]})]
    result = record(shop, tmp_path, aws)
    assert result.code == 0, result.stdout + result.stderr
    assert (result.temp / "previous-images.txt").read_text() == (
        f"mailer {RUNNING['mailer']}\n" + NIGHTLY
    )
    assert (result.temp / "previous-taskdefs.txt").read_text() == (
        "mailer arn:aws:ecs:eu-west-1:1:task-definition/mailer:7\n"
    )
    assert "web: ECS service shop-prod-web is INACTIVE (deleted)" in result.stdout


@pytest.mark.parametrize(
    ("case", "reply"),
    [
        ("access denied", ACCESS_DENIED),
        ("no network", NO_NETWORK),
        ("throttled", answer(code=254, err="An error occurred (ThrottlingException) ...\n")),
        ("neither a service nor MISSING", answer({"services": [], "failures": []})),
        (
            "another failure reason",
            answer({"services": [], "failures": [{"arn": "a", "reason": "SOMETHING"}]}),
        ),
        (
            "a status it does not know",
            answer({"services": [{"status": "PENDING", "taskDefinition": "td"}]}),
        ),
    ],
)
def test_any_other_ecs_answer_still_fails_the_record_step(
    shop: Rendered, tmp_path: Path, case: str, reply: tuple[str, str, int]
) -> None:
    result = record(shop, tmp_path, [rule("describe-services", answers=[reply])])
    assert result.code != 0, case
    if reply[2]:  # the CLI's own error reaches the log
        assert reply[1].strip() in result.stderr


def test_a_second_deploy_records_what_ecs_runs(shop: Rendered, tmp_path: Path) -> None:
    result = record(shop, tmp_path, ecs_running(RUNNING))
    assert result.code == 0, result.stdout + result.stderr
    assert (result.temp / "previous-images.txt").read_text() == (
        f"mailer {RUNNING['mailer']}\n{NIGHTLY}web {RUNNING['web']}\n"
    )


def test_the_one_offs_hold_back_a_service_ecs_does_not_run_whatever_the_images_say(
    shop: Rendered, tmp_path: Path
) -> None:
    """previous-images.txt may name a service (an older record); only previous-taskdefs.txt,
    what ECS described, says it exists."""
    previous = f"mailer ghcr.io/example/mailer:2.0\nweb {NEW}\n"
    running = "mailer arn:aws:ecs:eu-west-1:1:task-definition/mailer:7\n"
    result = one_offs(shop, tmp_path, previous, [RUNNING_TASK, stopped(0)], running=running)
    assert result.code == 0, result.stdout + result.stderr
    (up,) = result.called("pulumi", "up")
    assert "urn:pulumi:*::*::**$aws:ecs/service:Service::web-service" in up
    assert "urn:pulumi:*::*::**$aws:ecs/service:Service::mailer-service" not in up


# ---- GitLab: the whole job on a first deploy ------------------------------------------------


@pytest.fixture(scope="module")
def full_gitlab(gitlab: list[Rendered]) -> Rendered:
    return next(p for p in gitlab if p.name == "full-plain-gitlab")


def test_gitlab_first_deploy_after_a_targeted_up_creates_the_services_after_the_one_offs(
    full_gitlab: Rendered, tmp_path: Path
) -> None:
    from tests.delivery.test_migrations import DB_ADMIN, MIGRATION, TASK

    doc = gitlab_job(full_gitlab.yaml(".gitlab-ci.yml"), "deploy:main")
    script = doc["script"]
    first = next(i for i, line in enumerate(script) if line.startswith("pulumi stack select"))
    body = "\n".join(["set -eo pipefail", *script[first:]])
    services = [s.name for s in full_gitlab.model.environment("main").services]
    names = {s: f"atlas-main-{s}" for s in long_running(full_gitlab.model.environment("main"))}
    targeted = {
        "cluster_name": "atlas-main",
        "service_names": names,
        "images": {s: f"ghcr.io/example/{s}:1" for s in services},
    }
    registered = {
        "cluster_name": "atlas-main",
        "db_admin": DB_ADMIN,
        "migrations": {"api": MIGRATION},
    }
    after = {"cluster_name": "atlas-main", "service_names": {}, "images": {}}
    secrets = {name: f"arn:secret:{name}" for name in ("GHCR_PULL", "JWT_SIGNING_KEY")}
    rules = {
        "pulumi": [
            rule("stack select", out=""),
            rule("stack output secret_arns --json", out=secrets),
            rule(
                "stack output urls --json", out={s: "https://atlas.example.com" for s in services}
            ),
            rule(
                "stack output --json",
                answers=[answer(targeted), answer(registered), answer(after)],
            ),
            rule("config get --path", out="ghcr.io/example/new:2"),
            rule("config set", out=""),
            rule("up", out=""),
        ],
        "aws": [
            rule("ecs describe-services", answers=[CLUSTER_MISSING]),
            rule("secretsmanager describe-secret", out={"v1": ["AWSCURRENT"]}),
            rule("ecs run-task", out={"tasks": [{"taskArn": TASK}]}),
            rule("ecs describe-tasks", "--tasks", out=stopped(0)[0]),
        ],
        "curl": [rule("https://atlas.example.com", out="")],
    }
    env = {k: str(v) for k, v in doc.get("variables", {}).items()}
    env["REGISTRY"] = "111111111111.dkr.ecr.eu-central-1.amazonaws.com"
    result = run_script(body, rules, tmp_path, env=env, shell=("bash",))
    assert "- pulumi up: passed" in result.stdout, result.stdout + result.stderr
    registering = " ".join(next(c for c in result.called("pulumi", "up", "one-off tasks")))
    for service in names:
        assert f"Service::{service}-service" in registering, service
    assert not result.called("config set", "services.api.image", "ghcr.io/example/api:1")


# ---- telling on-call ------------------------------------------------------------------------

TOPIC = "arn:aws:sns:eu-west-1:111111111111:shop-prod-ticket"
NO_OUTPUT = answer(
    code=255, err="error: current stack does not have output property 'ticket_topic'\n"
)


def tell(shop: Rendered, tmp_path: Path, topic: tuple[str, str, int], publish=None) -> Run:
    return run(
        shop,
        (DEPLOY, "deploy-prod", "Tell on-call the deploy failed"),
        {
            "pulumi": [rule("stack output ticket_topic", answers=[topic])],
            "aws": [rule("sns publish", answers=[publish or answer({"MessageId": "m-1"})])],
        },
        tmp_path,
        env={"STACK": "prod", "RUN_URL": "https://github.com/acme/shop/actions/runs/42"},
        files={
            "previous-images.txt": f"mailer m:1\nweb {RUNNING['web']}\n",
            "deploy-report.md": "| pulumi up | success |\n| ECS deployments | failure |\n",
        },
    )


def test_a_failed_github_deploy_publishes_one_message_to_the_ticket_topic(
    shop: Rendered, tmp_path: Path
) -> None:
    result = tell(shop, tmp_path, answer(TOPIC))
    assert result.code == 0, result.stdout + result.stderr
    (published,) = result.called("aws", "sns", "publish")
    assert published[published.index("--topic-arn") + 1] == TOPIC
    # What PagerDuty's CloudWatch integration reads: a subject "ALARM: ..." (SNS: at most
    # 100 printable ASCII characters) and CloudWatch's alarm message as JSON.
    subject = published[published.index("--subject") + 1]
    assert subject == 'ALARM: "shop-prod-deploy-failed" in eu-west-1'
    assert len(subject) <= 100 and subject.isascii() and subject.isprintable()
    message = published[published.index("--message") + 1]
    assert message == f"file://{result.temp}/on-call.json"
    alarm = json.loads((result.temp / "on-call.json").read_text())
    assert alarm["AlarmName"] == "shop-prod-deploy-failed"
    assert alarm["NewStateValue"] == "ALARM" and alarm["OldStateValue"] == "OK"
    assert (alarm["AWSAccountId"], alarm["Region"]) == ("111111111111", "eu-west-1")
    assert alarm["NewStateReason"] == (
        "The deploy of prod failed (commit c0ffee): https://github.com/acme/shop/actions/runs/42"
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000", alarm["StateChangeTime"])
    text = alarm["AlarmDescription"]
    assert text.startswith("TICKET: The deploy of prod failed.")  # its routing, as an alarm's
    for needle in (
        "The deploy of prod failed.",
        "Commit: c0ffee",
        "Run: https://github.com/acme/shop/actions/runs/42",
        "| ECS deployments | failure |",
        f"web {RUNNING['web']}",
        "Runbook: ",
        "docs/operations/runbook.md#rollback",
    ):
        assert needle in text, needle


def test_the_github_message_step_runs_only_after_a_failure_and_last(shop: Rendered) -> None:
    for job, doc in shop.yaml(DEPLOY)["jobs"].items():
        if not job.startswith("deploy-"):
            continue
        last = doc["steps"][-1]
        assert last["name"] == "Tell on-call the deploy failed", job
        assert last["if"] == "failure()"  # never on success; cannot make the job pass
        assert "continue-on-error" not in last
    body, _ = step(shop, DEPLOY, "deploy-prod", "Tell on-call the deploy failed")
    assert "ticket_topic" in body


@pytest.mark.parametrize(
    ("case", "topic"),
    [("stack never deployed", NO_OUTPUT), ("pulumi not installed yet", answer(code=127))],
)
def test_without_the_topic_output_nothing_is_published_and_the_step_says_why(
    shop: Rendered, tmp_path: Path, case: str, topic: tuple[str, str, int]
) -> None:
    result = tell(shop, tmp_path, topic)
    assert result.code == 0, case
    assert not result.called("sns", "publish")
    assert "On-call is not told: no ticket_topic output for the stack prod" in result.stdout


def test_a_refused_publish_is_an_error(shop: Rendered, tmp_path: Path) -> None:
    result = tell(
        shop, tmp_path, answer(TOPIC), publish=answer(code=254, err="(AuthorizationError)")
    )
    assert result.code == 1
    assert "on-call was not told" in result.stdout


def test_the_stack_exports_its_ticket_topic(shop: Rendered) -> None:
    from shipspec.render.renderer import render

    program = dict(render(shop.model, only=["pulumi"]))["infra/__main__.py"]
    assert 'pulumi.export("ticket_topic", monitoring.ticket_topic_arn)' in program


# GitLab: a trap on EXIT in the deploy job's shell, so every failure after the tools and
# credentials are set up (an ECS rollback included) tells on-call, and the job keeps its status.


@pytest.fixture(scope="module")
def webapp(gitlab: list[Rendered]) -> Rendered:
    return next(p for p in gitlab if p.name == "webapp-built-gitlab")


def gitlab_run(webapp: Rendered, tmp_path: Path, extra: list[dict], rolled_back: bool) -> Run:
    from tests.delivery.test_github_scripts import DEPLOYED, deployments
    from tests.delivery.test_gitlab_scripts import deploy, ecs_tasks, pulumi_rules

    if rolled_back:
        aws = deployments("web", ["IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "SUCCESSFUL"])
        tasks = ecs_tasks(RUNNING, RUNNING)
    else:
        aws = deployments("web", ["SUCCESSFUL"])
        tasks = ecs_tasks(RUNNING, DEPLOYED)
    aws += deployments("mailer", ["SUCCESSFUL"])
    return deploy(
        webapp,
        {
            "pulumi": [*extra, *pulumi_rules()],
            "aws": [rule("sns publish", out={"MessageId": "m-1"}), *aws, *tasks],
            "curl": [rule("https://app.example.com/", out="")],
        },
        tmp_path,
        {"CI_JOB_URL": "https://gitlab.example.com/acme/web/-/jobs/7"},
    )


def test_a_gitlab_deploy_ecs_rolled_back_tells_on_call_and_still_fails(
    webapp: Rendered, tmp_path: Path
) -> None:
    topic = "arn:aws:sns:eu-west-1:1:webapp-prod-ticket"
    result = gitlab_run(webapp, tmp_path, [rule("stack output ticket_topic", out=topic)], True)
    assert result.code == 1, result.stdout + result.stderr
    (published,) = result.called("aws", "sns", "publish")
    assert published[published.index("--topic-arn") + 1] == topic
    text = json.loads((result.temp / "on-call.json").read_text())["AlarmDescription"]
    assert "The deploy of prod failed." in text
    assert "Run: https://gitlab.example.com/acme/web/-/jobs/7" in text
    assert "- rollback: done, ECS runs the previous images again" in text  # the job's report
    assert f"web {RUNNING['web']}" in text


def test_a_good_gitlab_deploy_tells_nobody(webapp: Rendered, tmp_path: Path) -> None:
    topic = "arn:aws:sns:eu-west-1:1:webapp-prod-ticket"
    result = gitlab_run(webapp, tmp_path, [rule("stack output ticket_topic", out=topic)], False)
    assert result.code == 0, result.stdout + result.stderr
    assert not result.called("sns", "publish")
    assert not result.called("stack output ticket_topic")


def test_a_failed_gitlab_deploy_without_the_topic_output_still_fails(
    webapp: Rendered, tmp_path: Path
) -> None:
    result = gitlab_run(
        webapp, tmp_path, [rule("stack output ticket_topic", answers=[NO_OUTPUT])], True
    )
    assert result.code == 1
    assert not result.called("sns", "publish")
    assert "On-call is not told: no ticket_topic output for the stack prod" in result.stdout


# ---- a rollback that did not finish pages, where alarms page ----------------------------------
# Production may then run a broken or mixed revision with nobody driving it: the message goes to
# the page topic (PagerDuty's high-urgency service) as <app>-<env>-rollback-failed. A rollback
# that finished, a failed first deploy (nothing ran before: it served nobody) and every
# environment whose alarms do not page keep the ticket.

PAGE = "arn:aws:sns:eu-west-1:111111111111:shop-prod-page"
STAGING_TOPIC = "arn:aws:sns:eu-west-1:111111111111:shop-staging-ticket"
NO_PAGE_OUTPUT = answer(
    code=255, err="error: current stack does not have output property 'page_topic'\n"
)


def tell_after(
    shop: Rendered,
    tmp_path: Path,
    outcomes: dict[str, str],
    job: str = "deploy-prod",
    ticket: str = TOPIC,
    page: tuple[str, str, int] = answer(PAGE),
    first_deploy: bool = False,
) -> Run:
    """The tell step after the rollback step and the wait after it ended as ``outcomes`` say
    (GitHub's ``steps.<id>.outcome``: success, failure, skipped, or empty when never reached)."""
    stack = job.removeprefix("deploy-")
    files = {"deploy-report.md": "| pulumi up | failure |\n"}
    if first_deploy:
        files["nothing-to-roll-back"] = ""
    else:
        files["previous-images.txt"] = f"mailer m:1\nweb {RUNNING['web']}\n"
    return run(
        shop,
        (DEPLOY, job, "Tell on-call the deploy failed"),
        {
            "pulumi": [
                rule("stack output ticket_topic", out=ticket),
                rule("stack output page_topic", answers=[page]),
            ],
            "aws": [rule("sns publish", out={"MessageId": "m-1"})],
        },
        tmp_path,
        env={"STACK": stack, "RUN_URL": "https://github.com/acme/shop/actions/runs/42", **outcomes},
        files=files,
    )


def published(result: Run) -> tuple[str, dict]:
    """The one message's topic and alarm JSON."""
    (call,) = result.called("aws", "sns", "publish")
    alarm = json.loads((result.temp / "on-call.json").read_text())
    subject = call[call.index("--subject") + 1]
    assert subject == f'ALARM: "{alarm["AlarmName"]}" in eu-west-1'
    return call[call.index("--topic-arn") + 1], alarm


UNFINISHED = {
    "the rollback's pulumi up (or its stop of ECS's deployment) failed": {
        "ROLLBACK": "failure",
        "ROLLED_BACK": "skipped",
    },
    "ECS's deployments of the rollback did not end SUCCESSFUL": {
        "ROLLBACK": "success",
        "ROLLED_BACK": "failure",
    },
}


@pytest.mark.parametrize("case", UNFINISHED)
def test_a_production_rollback_that_did_not_finish_pages(
    shop: Rendered, tmp_path: Path, case: str
) -> None:
    result = tell_after(shop, tmp_path, UNFINISHED[case])
    assert result.code == 0, result.stdout + result.stderr
    topic, alarm = published(result)
    assert topic == PAGE, case
    assert alarm["AlarmName"] == "shop-prod-rollback-failed"
    assert alarm["NewStateReason"].startswith(
        "The deploy of prod failed and its rollback did not finish (commit c0ffee)"
    )
    assert "Its rollback did not finish" in alarm["AlarmDescription"]
    # a page, and its description says so, as every alarm's does
    assert alarm["AlarmDescription"].startswith("PAGE: The deploy of prod failed.")


@pytest.mark.parametrize(
    ("case", "outcomes"),
    [
        ("rolled back, ECS ended it SUCCESSFUL", {"ROLLBACK": "success", "ROLLED_BACK": "success"}),
        ("no rollback started (a one-off task failed)", {"ROLLBACK": "skipped", "ROLLED_BACK": ""}),
        ("no rollback step reached", {}),
    ],
)
def test_a_production_rollback_that_finished_or_never_started_is_a_ticket(
    shop: Rendered, tmp_path: Path, case: str, outcomes: dict[str, str]
) -> None:
    result = tell_after(shop, tmp_path, outcomes)
    topic, alarm = published(result)
    assert topic == TOPIC, case
    assert alarm["AlarmName"] == "shop-prod-deploy-failed"
    assert not result.called("stack output page_topic")


def test_a_failed_first_deploy_has_nothing_to_roll_back_and_stays_a_ticket(
    shop: Rendered, tmp_path: Path
) -> None:
    # The rollback step fails on a first deploy and leaves its mark for the tell step.
    rolled = run(
        shop,
        (DEPLOY, "deploy-prod", "rollback"),
        {},
        tmp_path / "rollback",
        files={"previous-images.txt": "", "previous-taskdefs.txt": ""},
    )
    assert rolled.code == 1
    assert "nothing to roll back to" in rolled.stdout
    assert (rolled.temp / "nothing-to-roll-back").exists()
    result = tell_after(
        shop, tmp_path, {"ROLLBACK": "failure", "ROLLED_BACK": "skipped"}, first_deploy=True
    )
    topic, alarm = published(result)
    assert (topic, alarm["AlarmName"]) == (TOPIC, "shop-prod-deploy-failed")
    assert "no user was served by it, so this is a ticket" in result.stdout


def test_outside_production_a_rollback_that_did_not_finish_never_pages(
    shop: Rendered, tmp_path: Path
) -> None:
    assert not shop.model.environment("staging").alarms_page
    body, _ = step(shop, DEPLOY, "deploy-staging", "Tell on-call the deploy failed")
    assert "page_topic" not in body
    result = tell_after(
        shop,
        tmp_path,
        {"ROLLBACK": "failure", "ROLLED_BACK": "skipped"},
        job="deploy-staging",
        ticket=STAGING_TOPIC,
    )
    topic, alarm = published(result)
    assert (topic, alarm["AlarmName"]) == (STAGING_TOPIC, "shop-staging-rollback-failed")
    assert not result.called("stack output page_topic")


@pytest.mark.parametrize(
    ("case", "page"), [("no page_topic output", NO_PAGE_OUTPUT), ("empty", answer(""))]
)
def test_without_the_page_topic_output_production_gets_a_ticket_and_the_log_says_so(
    shop: Rendered, tmp_path: Path, case: str, page: tuple[str, str, int]
) -> None:
    result = tell_after(shop, tmp_path, {"ROLLBACK": "failure"}, page=page)
    assert result.code == 0, case
    topic, alarm = published(result)
    assert (topic, alarm["AlarmName"]) == (TOPIC, "shop-prod-rollback-failed"), case
    assert (
        "::error::The rollback did not finish, but the stack prod has no page_topic output"
        in result.stdout
    )
    assert "on-call gets a ticket instead of a page" in result.stdout


def test_a_page_aws_refuses_falls_back_to_a_ticket(shop: Rendered, tmp_path: Path) -> None:
    """A deploy role whose inline policy predates the page topic: AuthorizationError on the
    page topic, then the same message reaches the ticket topic."""
    refused = answer(code=254, err="An error occurred (AuthorizationError) when calling Publish")
    result = run(
        shop,
        (DEPLOY, "deploy-prod", "Tell on-call the deploy failed"),
        {
            "pulumi": [
                rule("stack output ticket_topic", out=TOPIC),
                rule("stack output page_topic", out=PAGE),
            ],
            "aws": [
                rule("sns publish", PAGE, answers=[refused]),
                rule("sns publish", TOPIC, out={"MessageId": "m-1"}),
            ],
        },
        tmp_path,
        env={"STACK": "prod", "RUN_URL": "https://x/runs/42", "ROLLBACK": "failure"},
        files={"previous-images.txt": "web w:1\n"},
    )
    assert result.code == 0, result.stdout + result.stderr
    calls = result.called("aws", "sns", "publish")
    assert [c[c.index("--topic-arn") + 1] for c in calls] == [PAGE, TOPIC]
    assert "on-call gets a ticket instead of a page" in result.stdout
    assert f"On-call told: published shop-prod-rollback-failed to {TOPIC}." in result.stdout
    # what reached the ticket topic says it is a ticket
    alarm = json.loads((result.temp / "on-call.json").read_text())
    assert alarm["AlarmDescription"].startswith("TICKET: The deploy of prod failed.")


def test_the_stack_exports_its_page_topic_only_where_one_exists(shop: Rendered) -> None:
    from shipspec.render.renderer import render

    program = dict(render(shop.model, only=["pulumi"]))["infra/__main__.py"]
    assert "if monitoring.page_topic_arn is not None:\n" in program
    assert 'pulumi.export("page_topic", monitoring.page_topic_arn)' in program


def test_a_gitlab_production_deploy_whose_rollback_failed_pages(
    webapp: Rendered, tmp_path: Path
) -> None:
    ticket = "arn:aws:sns:eu-west-1:1:webapp-prod-ticket"
    page = "arn:aws:sns:eu-west-1:1:webapp-prod-page"
    failed_up = answer(code=255, err="error: update failed\n")
    result = gitlab_run(
        webapp,
        tmp_path,
        [
            rule("stack output ticket_topic", out=ticket),
            rule("stack output page_topic", out=page),
            rule("up --yes --message", answers=[failed_up]),  # the rollback's
        ],
        True,
    )
    assert result.code == 1, result.stdout + result.stderr
    assert "- rollback: FAILED" in result.stdout
    (call,) = result.called("aws", "sns", "publish")
    assert call[call.index("--topic-arn") + 1] == page
    alarm = json.loads((result.temp / "on-call.json").read_text())
    assert alarm["AlarmName"] == "webapp-prod-rollback-failed"


def test_a_gitlab_production_deploy_rolled_back_is_a_ticket(
    webapp: Rendered, tmp_path: Path
) -> None:
    ticket = "arn:aws:sns:eu-west-1:1:webapp-prod-ticket"
    page = "arn:aws:sns:eu-west-1:1:webapp-prod-page"
    result = gitlab_run(
        webapp,
        tmp_path,
        [
            rule("stack output ticket_topic", out=ticket),
            rule("stack output page_topic", out=page),
        ],
        True,
    )
    assert result.code == 1
    (call,) = result.called("aws", "sns", "publish")
    assert call[call.index("--topic-arn") + 1] == ticket
    alarm = json.loads((result.temp / "on-call.json").read_text())
    assert alarm["AlarmName"] == "webapp-prod-deploy-failed"
    assert not result.called("stack output page_topic")
