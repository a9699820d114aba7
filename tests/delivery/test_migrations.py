"""The deploy job's migration step, run under fake ``pulumi`` and ``aws`` (see fake_cli).

A service's ``migrate`` command runs as a one-off task before the service rolls to a new
image (issue 11). The step must register the migration with the new image while the service
keeps the image that runs now, start it, wait for it to stop, and let the deploy go on only
on exit code 0: every error, empty answer or missing exit code stops the job before the
services roll, and the stack config keeps the old image for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.delivery.delivery_support import Rendered, gitlab_job
from tests.delivery.fake_cli import Run, answer, rule
from tests.delivery.test_github_scripts import DEPLOY, NO_NETWORK, run

NEW, OLD = "ghcr.io/example/atlas-api:3.2.0", "ghcr.io/example/atlas-api:3.1.0"
TASK = "arn:aws:ecs:eu-west-1:1:task/atlas-main/abc"
MIGRATION = {
    "task_definition": "atlas-main-api-migrate",
    "security_group": "sg-1",
    "subnets": "subnet-a,subnet-b",
    "log_group": "/ecs/atlas/main/api-migrate",
}
ADMIN = {
    "task_definition": "atlas-main-db-admin",
    "security_group": "sg-2",
    "subnets": "subnet-a,subnet-b",
    "log_group": "/ecs/atlas/main/db-admin",
}
# The full example's main stack: its services sign in to db, ledger and search as their own
# database users, and to the DocumentDB cluster catalog with their task roles, which only the
# db-admin tasks create.
DB_ADMIN = {
    name: ADMIN | {"task_definition": f"atlas-main-{name}-admin"}
    for name in ("catalog", "db", "ledger", "search")
}
OUTPUTS = {"cluster_name": "atlas-main", "migrations": {"api": MIGRATION}, "db_admin": DB_ADMIN}


def stopped(
    code: Any = 0, names: tuple[str, ...] = ("db-admin", "api-migrate"), **task: Any
) -> tuple[str, str, int]:
    """A stopped task whose containers ``names`` exited ``code``. The fake ECS answers every
    task alike, and the deploy reads the exit code of the container it started by name
    (``db-admin``, ``<service>-migrate``), so one answer serves both kinds."""
    exited = {"exitCode": code} if code is not None else {}
    containers = [{"name": name} | exited for name in names]
    return answer({"tasks": [{"lastStatus": "STOPPED", "containers": containers, **task}]})


RUNNING = answer({"tasks": [{"lastStatus": "RUNNING", "containers": [{"name": "api-migrate"}]}]})
STARTED = answer({"tasks": [{"taskArn": TASK}], "failures": []})


@pytest.fixture(scope="module")
def full(github: list[Rendered]) -> Rendered:
    """The full example: its api declares `migrate` and uses two SQL databases and more."""
    return next(p for p in github if p.name == "full-plain-github")


def migrate(
    pipeline: Rendered,
    tmp_path: Path,
    *,
    outputs: Any = OUTPUTS,
    up: tuple[str, str, int] | None = None,
    started: tuple[str, str, int] = STARTED,
    described: list[tuple[str, str, int]] | None = None,
) -> Run:
    rules = {
        "pulumi": [
            rule("config get --path services.api.image", out=NEW),
            rule("config set", out=""),
            rule("up --yes --diff", answers=[up or answer("")]),
            rule("stack output --json", out=outputs),
        ],
        "aws": [
            rule("ecs run-task", answers=[started]),
            rule("ecs describe-tasks", answers=described or [RUNNING, stopped(0)]),
        ],
    }
    files = {"previous-images.txt": f"api {OLD}\nworker ghcr.io/example/w:1\n"}
    return run(pipeline, (DEPLOY, "deploy-main", "one-offs"), rules, tmp_path, files=files)


def config_sets(result: Run) -> list[list[str]]:
    return [c[4:] for c in result.called("pulumi", "config set")]


def migration_runs(result: Run) -> list[list[str]]:
    return result.called("ecs run-task", "--task-definition atlas-main-api-migrate")


def test_a_good_migration_runs_with_the_new_image_before_the_services_roll(
    full: Rendered, tmp_path: Path
) -> None:
    result = migrate(full, tmp_path)
    assert result.code == 0, result.stdout + result.stderr
    # The migration gets the new image; the service keeps the running one for the first up,
    # and gets the new one back only after the migration exited 0.
    assert config_sets(result) == [
        ["services.api.migrationImage", NEW],
        ["services.api.image", OLD],
        ["services.api.image", NEW],
    ]
    names = [" ".join(c[:3]) for c in result.calls if c[0] in ("pulumi", "aws")]
    assert names.index("pulumi up --yes") < names.index("aws ecs run-task")
    (started,) = migration_runs(result)
    line = " ".join(started)
    assert "--task-definition atlas-main-api-migrate" in line and "--launch-type FARGATE" in line
    assert "awsvpcConfiguration={subnets=[subnet-a,subnet-b],securityGroups=[sg-1]," in line
    assert "assignPublicIp=DISABLED" in line
    # Polled until STOPPED: the first task (catalog's db-admin) twice, the others once each
    # (the rule's last answer, STOPPED, repeats).
    assert len(result.called("ecs describe-tasks", TASK)) == 6


FAILURES = {
    "the migration exits 1": ({"described": [stopped(1)]}, "exited 1"),
    "no exit code (never started)": (
        {"described": [stopped(None, stoppedReason="CannotPullContainerError")]},
        "without an exit code: CannotPullContainerError",
    ),
    "describe-tasks fails": (
        {"described": [NO_NETWORK]},
        "does not describe the db-admin task of catalog",
    ),
    "describe-tasks answers nothing": ({"described": [answer("")]}, "does not describe"),
    "run-task fails": ({"started": NO_NETWORK}, "did not start the db-admin task of catalog"),
    "run-task starts nothing": (
        {"started": answer({"tasks": [], "failures": [{"reason": "RESOURCE:MEMORY"}]})},
        "did not start the db-admin task of catalog",
    ),
    "no migrations output": (
        {"outputs": {"cluster_name": "atlas-main", "db_admin": DB_ADMIN}},
        "no complete entry",
    ),
    "no cluster output": ({"outputs": {"migrations": {"api": MIGRATION}}}, "no cluster_name"),
    "incomplete migrations output": (
        {"outputs": {"cluster_name": "c", "migrations": {"api": {"task_definition": "t"}}}},
        "no complete entry",
    ),
    "the first pulumi up fails": ({"up": answer(code=1, err="error: update failed")}, ""),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_every_failure_stops_the_deploy_before_the_services_roll(
    full: Rendered, tmp_path: Path, case: str
) -> None:
    given, message = FAILURES[case]
    result = migrate(full, tmp_path, **given)
    assert result.code != 0, result.stdout
    assert message in result.stdout + result.stderr
    # The service's image was never put back to the new one: the job's `pulumi up` (which
    # does not run after a failed step) would not roll it either.
    assert ["services.api.image", NEW] not in config_sets(result)
    if case == "the first pulumi up fails":
        assert not result.called("ecs run-task")


def test_both_ci_systems_migrate_before_the_deploying_pulumi_up(
    full: Rendered, github: list[Rendered], gitlab: list[Rendered]
) -> None:
    steps = [s.get("id") for s in full.yaml(DEPLOY)["jobs"]["deploy-main"]["steps"]]
    assert steps.index("one-offs") < steps.index("up")
    pipeline = next(p for p in gitlab if p.name == "full-plain-gitlab")
    script = "\n".join(gitlab_job(pipeline.yaml(".gitlab-ci.yml"), "deploy:main")["script"])
    assert script.index("aws ecs run-task") < script.index('--message "deploy $CI_COMMIT_SHA"')
    # A pipeline whose services declare no migration and have no database users of their own
    # has no such step.
    plain = next(p for p in github if p.name == "microservices-plain-github")
    for job in plain.yaml(DEPLOY)["jobs"].values():
        assert "one-offs" not in [s.get("id") for s in job.get("steps", [])]


@pytest.mark.parametrize(("first", "secrets_ok"), [("true", False), ("true", True), ("", False)])
def test_a_first_deploy_checks_the_new_secrets_before_the_one_off_tasks_start(
    full: Rendered, tmp_path: Path, first: str, secrets_ok: bool
) -> None:
    """On a first deploy the one-off tasks' `pulumi up` creates the secrets empty: the check
    runs right after it, so an empty secret stops the job with its own message instead of a
    task ECS cannot start. Later deploys checked before that `pulumi up` already."""
    rules = {
        "pulumi": [
            rule("config get --path services.api.image", out=NEW),
            rule("config set", out=""),
            rule("up --yes --diff", answers=[answer("")]),
            rule("stack output --json", out=OUTPUTS),
        ],
        "aws": [
            rule("ecs run-task", answers=[STARTED]),
            rule("ecs describe-tasks", answers=[stopped(0)]),
        ],
    }
    check = "exit 0" if secrets_ok else 'echo "::error::Secret STRIPE_KEY has no value."; exit 1'
    files = {"previous-images.txt": f"api {OLD}\n", "check-secrets.sh": check + "\n"}
    where = (DEPLOY, "deploy-main", "one-offs")
    result = run(full, where, rules, tmp_path, {"FIRST_DEPLOY": first}, files)
    if first == "true" and not secrets_ok:
        assert result.code == 1
        assert "Secret STRIPE_KEY has no value" in result.stdout
        assert result.called("pulumi", "up --yes") and not result.called("ecs run-task")
    else:
        assert result.code == 0, result.stdout + result.stderr
        assert migration_runs(result)


def test_the_exit_code_is_the_started_container_s_not_the_first_listed(
    full: Rendered, tmp_path: Path
) -> None:
    """DocumentDB's db-admin task runs `ca-bundle` (fetching the CA bundle) before `db-admin`:
    ECS lists both, in no promised order, and only db-admin's exit code says whether the users
    exist. A ca-bundle that exited 0 listed first must not pass a db-admin that exited 1."""
    task = {
        "lastStatus": "STOPPED",
        "containers": [{"name": "ca-bundle", "exitCode": 0}, {"name": "db-admin", "exitCode": 1}],
    }
    result = migrate(full, tmp_path, described=[answer({"tasks": [task]})])
    assert result.code == 1
    assert "ECS says the db-admin task of catalog exited 1" in result.stdout
    assert not migration_runs(result)


def test_a_one_off_task_that_never_stops_is_stopped_and_fails_the_deploy(
    full: Rendered, tmp_path: Path
) -> None:
    """A task that runs on (the image's server started instead of the migration, a migration
    waiting on a lock) must not hold the deploy lock until the job's timeout: past its limit
    (ONE_OFF_MINUTES, 0 here) the deploy stops it with a reason and fails, before any service
    rolls. GitLab: test_db_admin_deploy."""
    rules = {
        "pulumi": [
            rule("config get --path services.api.image", out=NEW),
            rule("config set", out=""),
            rule("up --yes --diff", answers=[answer("")]),
            rule("stack output --json", out=OUTPUTS),
        ],
        "aws": [
            rule("ecs run-task", answers=[STARTED]),
            rule("ecs describe-tasks", answers=[RUNNING]),  # the last answer repeats: forever
            rule("ecs stop-task", answers=[answer({"task": {"taskArn": TASK}})]),
        ],
    }
    files = {"previous-images.txt": f"api {OLD}\n"}
    where = (DEPLOY, "deploy-main", "one-offs")
    result = run(full, where, rules, tmp_path, {"ONE_OFF_MINUTES": "0"}, files)
    assert result.code == 1, result.stdout + result.stderr
    (stop,) = result.called("ecs stop-task")
    line = " ".join(stop)
    assert f"--cluster atlas-main --task {TASK}" in line
    assert "--reason The deploy stopped it: still RUNNING after 0 minutes" in line
    assert (
        f"The deploy stopped the db-admin task of catalog ({TASK}): it ran past its limit "
        "of 0 minutes (last status RUNNING)" in result.stdout
    )
    # The first task's failure ends the step: nothing else starts, no service rolls.
    assert len(result.called("ecs run-task")) == 1
    assert ["services.api.image", NEW] not in config_sets(result)


def test_a_one_off_task_that_stops_in_time_is_not_stopped(full: Rendered, tmp_path: Path) -> None:
    """Under the default limit a task RUNNING, then STOPPED with exit code 0, passes as before."""
    result = migrate(full, tmp_path)
    assert result.code == 0, result.stdout + result.stderr
    assert not result.called("ecs stop-task")
    assert len(migration_runs(result)) == 1
