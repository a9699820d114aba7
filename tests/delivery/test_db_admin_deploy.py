"""The deploy jobs run each database's db-admin task before the services roll (fake CLIs).

A production service signs in to its SQL database as its own user with IAM auth, and only
the one-off db-admin task creates that user. A review found the first production deploy
rolled services that could not log in (the handoff ran db-admin by hand, after the first
deploy), so their readiness checks failed and the deploy rolled back. Now the deploy job
registers the one-off tasks with a first ``pulumi up`` that leaves running services on the
images they run and does not create ECS services that do not exist yet, runs db-admin for
each database with such users, and goes on only on exit code 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.delivery.delivery_support import Rendered, gitlab_job
from tests.delivery.fake_cli import Run, answer, rule, run_script
from tests.delivery.test_github_scripts import DEPLOY, run
from tests.delivery.test_migrations import ADMIN, DB_ADMIN, MIGRATION, STARTED, TASK, stopped

NEW = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/web:c0ffee"
OLD = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/web:old"
RUNNING_TASK = answer({"tasks": [{"lastStatus": "RUNNING", "containers": [{"name": "db-admin"}]}]})
SHOP_OUTPUTS = {"cluster_name": "shop-prod", "db_admin": {"db": ADMIN}}


@pytest.fixture(scope="module")
def shop(github: list[Rendered]) -> Rendered:
    """The shop example: PCI DSS production, web and mailer sign in to `db` as their own users."""
    return next(p for p in github if p.name == "shop-built-github")


def one_offs(
    pipeline: Rendered,
    tmp_path: Path,
    previous: str,
    described: list[tuple[str, str, int]],
    running: str | None = None,
) -> Run:
    """The one-offs step after the record step found ``previous`` (its images) and, unless
    ``running`` says otherwise, every ECS service in it running (its task definitions)."""
    if running is None:
        ecs = [line.split()[0] for line in previous.splitlines() if line.split()[0] != "nightly"]
        running = "".join(f"{s} arn:aws:ecs:eu-west-1:1:task-definition/{s}:7\n" for s in ecs)
    rules = {
        "pulumi": [
            rule("config get --path services.web.image", out=NEW),
            rule("config get --path services.mailer.image", out="ghcr.io/example/mailer:2.0"),
            rule("config get --path services.nightly.image", out="ghcr.io/example/jobs:1.0"),
            rule("config get --path services.edge-api.image", out="edge:1"),
            rule("config set", out=""),
            rule("up --yes --diff", out=""),
            rule("stack output --json", out=SHOP_OUTPUTS),
        ],
        "aws": [
            rule("ecs run-task", answers=[STARTED]),
            rule("ecs describe-tasks", answers=described),
        ],
    }
    files = {"previous-images.txt": previous, "previous-taskdefs.txt": running}
    return run(pipeline, (DEPLOY, "deploy-prod", "one-offs"), rules, tmp_path, files=files)


def image_sets(result: Run) -> list[list[str]]:
    return [c[4:] for c in result.called("pulumi", "config set", ".image")]


def test_db_admin_runs_before_the_services_roll_and_they_roll_after_exit_0(
    shop: Rendered, tmp_path: Path
) -> None:
    previous = f"edge-api edge:1\nmailer ghcr.io/example/mailer:2.0\nweb {OLD}\n"
    result = one_offs(shop, tmp_path, previous, [RUNNING_TASK, stopped(0)])
    assert result.code == 0, result.stdout + result.stderr
    # web keeps the running image for the registering `pulumi up`, and gets the new one back
    # only after db-admin exited 0 (the job's next step, `pulumi up`, rolls it); mailer's image
    # does not change, so it is never touched.
    assert image_sets(result) == [["services.web.image", OLD], ["services.web.image", NEW]]
    names = [" ".join(c[:3]) for c in result.calls if c[0] in ("pulumi", "aws")]
    (up,) = result.called("pulumi", "up")
    assert "--exclude" not in up  # every ECS service exists: nothing is held back
    assert names.index("pulumi up --yes") < names.index("aws ecs run-task")
    (started,) = result.called("ecs run-task")
    line = " ".join(started)
    assert "--task-definition atlas-main-db-admin" in line and "--started-by ci-db-admin" in line
    assert "securityGroups=[sg-2]" in line
    assert "db: the db-admin task of db exited 0" in result.stdout
    steps = [s.get("id") for s in shop.yaml(DEPLOY)["jobs"]["deploy-prod"]["steps"]]
    assert steps.index("one-offs") < steps.index("up")


def test_the_first_deploy_creates_no_ecs_service_before_db_admin(
    shop: Rendered, tmp_path: Path
) -> None:
    """Nothing runs yet: the registering `pulumi up` leaves every ECS service (and what
    depends on them) out, so no task starts before its database user exists."""
    result = one_offs(shop, tmp_path, "", [stopped(0)])
    assert result.code == 0, result.stdout + result.stderr
    (up,) = result.called("pulumi", "up")
    excluded = [up[i + 1] for i, word in enumerate(up) if word == "--exclude"]
    assert excluded == [
        "urn:pulumi:*::*::**$aws:ecs/service:Service::web-service",
        "urn:pulumi:*::*::**$aws:ecs/service:Service::mailer-service",
        "urn:pulumi:*::*::**$aws:ecs/service:Service::edge-api-service",
    ]
    assert "--exclude-dependents" in up
    assert image_sets(result) == []  # no image to hold back: the job's `pulumi up` creates them
    assert result.called("ecs run-task")


@pytest.mark.parametrize(
    ("case", "described", "message"),
    [
        ("exits 1", [stopped(1)], "the db-admin task of db exited 1"),
        (
            "never started",
            [stopped(None, stoppedReason="ResourceInitializationError")],
            "without an exit code: ResourceInitializationError",
        ),
    ],
)
def test_a_failing_db_admin_stops_the_deploy_before_the_services_roll(
    shop: Rendered, tmp_path: Path, case: str, described: Any, message: str
) -> None:
    previous = f"mailer ghcr.io/example/mailer:2.0\nweb {OLD}\n"
    result = one_offs(shop, tmp_path, previous, described)
    assert result.code != 0
    assert message in result.stdout
    # web was never pointed back at the new image, and GitHub runs no later step of a job
    # whose step failed; the rollback step does not run for this step either (nothing rolled).
    assert ["services.web.image", NEW] not in image_sets(result)
    rollback = next(
        s for s in shop.yaml(DEPLOY)["jobs"]["deploy-prod"]["steps"] if s.get("id") == "rollback"
    )
    assert "one-offs" not in rollback["if"]


# ---- GitLab: the whole deploy job -------------------------------------------------------

API_OLD, API_NEW = "ghcr.io/example/atlas-api:3.0.0", "ghcr.io/example/atlas-api:3.1.0"


@pytest.fixture(scope="module")
def full_gitlab(gitlab: list[Rendered]) -> Rendered:
    """The full example on GitLab: main signs in to db, ledger and search as own users."""
    return next(p for p in gitlab if p.name == "full-plain-gitlab")


def gitlab_deploy(
    pipeline: Rendered,
    tmp_path: Path,
    admin: tuple[str, str, int],
    extra: dict[str, str] | None = None,
) -> Run:
    """deploy:main from `pulumi stack select` on; api runs, the other services are new."""
    doc = gitlab_job(pipeline.yaml(".gitlab-ci.yml"), "deploy:main")
    script = doc["script"]
    first = next(i for i, line in enumerate(script) if line.startswith("pulumi stack select"))
    body = "\n".join(["set -eo pipefail", *script[first:]])
    services = [s.name for s in pipeline.model.environment("main").services]
    before = {
        "cluster_name": "atlas-main",
        "service_names": {"api": "atlas-main-api"},
        "images": {"api": API_OLD},
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
                "stack output --json", answers=[answer(before), answer(registered), answer(after)]
            ),
            rule("config get --path services.api.image", out=API_NEW),
            rule("config set", out=""),
            rule("up", out=""),
        ],
        "aws": [
            rule("secretsmanager describe-secret", out={"v1": ["AWSCURRENT"]}),
            # api runs (ECS describes it); the other services do not exist yet.
            rule(
                "ecs describe-services",
                "--services atlas-main-api",
                out={"services": [{"status": "ACTIVE", "taskDefinition": "td/api:3"}]},
            ),
            rule(
                "ecs describe-task-definition",
                "td/api:3",
                out={
                    "taskDefinition": {"containerDefinitions": [{"name": "api", "image": API_OLD}]}
                },
            ),
            rule("ecs run-task", out={"tasks": [{"taskArn": TASK}]}),
            rule("ecs describe-tasks", "--tasks", answers=[admin, stopped(0)]),
            rule("ecs stop-task", out={"task": {"taskArn": TASK}}),
        ],
        "curl": [rule("https://atlas.example.com", out="")],
    }
    variables = {k: str(v) for k, v in doc.get("variables", {}).items()}
    env = {**variables, "REGISTRY": "111111111111.dkr.ecr.eu-central-1.amazonaws.com"}
    return run_script(body, rules, tmp_path, env={**env, **(extra or {})}, shell=("bash",))


def ups(result: Run) -> list[str]:
    return [" ".join(c) for c in result.called("pulumi", "up")]


def test_gitlab_deploys_after_db_admin_exits_0(full_gitlab: Rendered, tmp_path: Path) -> None:
    result = gitlab_deploy(full_gitlab, tmp_path, stopped(0))
    # The services rolled and passed; the static sites' upload after them (no answers given
    # here, tested in test_static_sites) is all that is left.
    report = result.stdout[result.stdout.index("## main at c0ffee") :]
    assert report.splitlines()[1:6] == [
        "- database users (db-admin): catalog, db, ledger, search exited 0",
        "- migrations: api exited 0",
        "- pulumi up: passed",
        "- ECS deployments: SUCCESSFUL",
        "- smoke test: passed",
    ], result.stdout + result.stderr
    registering, deploying = ups(result)
    assert "one-off tasks for c0ffee" in registering and "--exclude-dependents" in registering
    assert "**$aws:ecs/service:Service::ingest-service" in registering
    assert "Service::api-service" not in registering  # api runs: it keeps its image instead
    assert "deploy c0ffee" in deploying and "--exclude" not in deploying
    order = [" ".join(c) for c in result.calls]
    runs = [i for i, c in enumerate(order) if "ecs run-task" in c]
    assert [order[i].split("--task-definition ")[1].split()[0] for i in runs] == [
        "atlas-main-catalog-admin",
        "atlas-main-db-admin",
        "atlas-main-ledger-admin",
        "atlas-main-search-admin",
        "atlas-main-api-migrate",
    ]
    assert order.index(next(c for c in order if "deploy c0ffee" in c)) > runs[-1]
    # api's new image is back in the config before the deploying `pulumi up`.
    sets = [c[-2:] for c in result.called("config set", "services.api.image")]
    assert sets == [["services.api.image", API_OLD], ["services.api.image", API_NEW]]


def test_gitlab_stops_before_the_services_roll_when_db_admin_fails(
    full_gitlab: Rendered, tmp_path: Path
) -> None:
    result = gitlab_deploy(full_gitlab, tmp_path, stopped(1))
    assert result.code == 1
    assert "ECS says the db-admin task of catalog exited 1" in result.stdout
    # Only the registering `pulumi up` ran: no deploy, and no rollback (nothing rolled).
    (registering,) = ups(result)
    assert "one-off tasks for c0ffee" in registering
    assert not result.called("ecs run-task", "atlas-main-db-admin")
    assert not result.called("ecs run-task", "ledger-admin")
    assert not result.called("ecs run-task", "api-migrate")
    assert ["services.api.image", API_NEW] not in [
        c[-2:] for c in result.called("config set", "services.api.image")
    ]
    assert "- one-off tasks: FAILED (exit 1); no service rolled, nothing to roll back" in (
        result.stdout
    )


@pytest.mark.parametrize(
    ("admins", "migrating", "said", "unsaid"),
    [
        (
            ["db"],
            ["web"],
            [
                "db-admin task",
                "(db)",
                "then the schema migrations",
                "database user and schema exist",
            ],
            [],
        ),
        (["db"], [], ["db-admin task", "(db)", "database user exists"], ["migration"]),
        (
            [],
            ["web"],
            ["schema migrations", "runs no db-admin task", "schema exists"],
            ["creates those users", "database user exists"],
        ),
    ],
)
def test_the_one_offs_comment_names_only_what_the_list_runs(
    admins: list[str], migrating: list[str], said: list[str], unsaid: list[str]
) -> None:
    """The comment said the db-admin task "creates the services' own database users" even
    where the deploy ran only a migration (no service with its own user)."""
    from shipspec.render.engine import environment

    template = environment().get_template("_pipeline/ecs.sh.j2")
    macro = template.make_module({"one_off_minutes": 30}).one_offs  # type: ignore[attr-defined]
    script = str(macro("/tmp", "error: ", ["web"], ["web"], admins, migrating, "m"))
    comment = " ".join(
        line.lstrip("# ") for line in script.splitlines() if line.startswith("#")
    ).split("Then each")[0]
    for text in said:
        assert text in comment, text
    for text in unsaid:
        assert text not in comment, text


def test_gitlab_stops_a_one_off_task_past_its_limit_before_the_services_roll(
    full_gitlab: Rendered, tmp_path: Path
) -> None:
    """A db-admin task still RUNNING past ONE_OFF_MINUTES (0 here): the job stops it, fails
    with the limit in its message, and no service rolls (the failure report tells on-call)."""
    result = gitlab_deploy(full_gitlab, tmp_path, RUNNING_TASK, {"ONE_OFF_MINUTES": "0"})
    assert result.code == 1
    (stop,) = result.called("ecs stop-task")
    assert f"--task {TASK}" in " ".join(stop) and "still RUNNING after 0 minutes" in " ".join(stop)
    assert "error: The deploy stopped the db-admin task of catalog" in result.stdout
    assert "ran past its limit of 0 minutes" in result.stdout
    (registering,) = ups(result)
    assert "one-off tasks for c0ffee" in registering
    assert not result.called("ecs run-task", "api-migrate")
    assert "- one-off tasks: FAILED (exit 1); no service rolled, nothing to roll back" in (
        result.stdout
    )
