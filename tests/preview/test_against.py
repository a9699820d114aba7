"""``shipspec preview --against REF``: a pull request's change, resource by resource and in dollars.

A real git repository with three commits: one without generated output (the repository
before its first pull request), one with a single worker, and one that adds a second
worker and changes the first one's image. Each program runs once (the preview cache
serves every later comparison); the tests assert the marks, the changed inputs, the cost
difference, that the user's working tree, index and worktrees are untouched and that the
temporary folder is gone however the run ends.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipspec.cli import app
from shipspec.preview import against, service
from shipspec.preview.against import (
    CostChange,
    EnvironmentReview,
    InputChange,
    ResourceChange,
    Review,
)
from shipspec.preview.result import PreviewResource
from shipspec.preview.review_report import MARKDOWN_LIMIT, MARKER, to_markdown

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: diffy, owner: team-diffy}
cloud: {region: eu-west-1}
environments:
  prod: {}
services:
  app: {type: worker, image: ghcr.io/example/app:1.0}
"""
ADDED = SPEC.replace("app:1.0}", "app:1.1}") + (
    "  mailer: {type: worker, image: ghcr.io/example/mailer:2.0}\n"
)
SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"

runner = CliRunner()


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def generate(repo: Path, spec: str) -> None:
    (repo / "handoff.yaml").write_text(spec)
    result = runner.invoke(app, ["generate", str(repo / "handoff.yaml"), "-o", str(repo)])
    assert result.exit_code == 0, result.output


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """empty (README only) → one worker → a second worker and a new image for the first."""
    folder = tmp_path_factory.mktemp("against")
    git(folder, "init", "-q", "-b", "main")
    (folder / "README.md").write_text("diffy\n")
    commit(folder, "empty")
    generate(folder, SPEC)
    commit(folder, "one worker")
    generate(folder, ADDED)
    commit(folder, "add mailer")
    return folder


@pytest.fixture
def private_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The temporary folder --against extracts REF into, watched by the test."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def preview(repo: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["preview", str(repo), *args])


def only_env(body: dict) -> dict:
    assert [e["environment"] for e in body["environments"]] == ["prod"]
    return body["environments"][0]


def test_adding_a_service_shows_plus_and_a_positive_cost_difference(
    repo: Path, private_tmp: Path
) -> None:
    status_before = git(repo, "status", "--porcelain")
    result = preview(repo, "--against", "HEAD~1", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["commit"] == git(repo, "rev-parse", "HEAD~1").strip()
    env = only_env(body)
    marks = {(c["change"], c["type"], c["name"]) for c in env["changes"]}
    assert ("create", SERVICE, "mailer-service") in marks
    assert ("create", TASK, "mailer-task") in marks
    assert not [c for c in env["changes"] if c["change"] == "delete"]
    # The first worker's image changed: its task definition is `~` with that input.
    app_task = next(c for c in env["changes"] if c["name"] == "app-task")
    assert app_task["change"] == "update"
    [changed] = [i for i in app_task["inputs"] if i["key"] == "containerDefinitions"]
    assert "app:1.0" in json.dumps(changed["before"]) and "app:1.1" in json.dumps(changed["after"])
    assert env["summary"]["same"] > 0
    cost = env["cost"]
    assert Decimal(cost["difference"]) > 0
    assert Decimal(cost["after"]) - Decimal(cost["before"]) == Decimal(cost["difference"])
    mailer = next(g for g in cost["groups"] if g["group"] == "mailer")
    assert Decimal(mailer["before"]) == 0 and Decimal(mailer["difference"]) > 0
    # The user's repository is as it was: no change, no extra worktree, no temp folder left.
    assert git(repo, "status", "--porcelain") == status_before
    assert len(git(repo, "worktree", "list").splitlines()) == 1
    assert list(private_tmp.iterdir()) == []


def test_text_and_markdown_show_the_marks_and_the_cost(repo: Path) -> None:
    text = preview(repo, "--against", "HEAD~1")
    assert text.exit_code == 0, text.output
    worker = "urn:pulumi:prod::diffy::shipspec:aws:WorkerService$aws:ecs"
    assert f"  + {worker}/service:Service::mailer-service" in text.stdout
    assert (
        "  ~ urn:pulumi:prod::diffy::shipspec:aws:WorkerService$aws:ecs/taskDefinition"
        in text.stdout
    )
    assert "containerDefinitions: " in text.stdout and "app:1.1" in text.stdout
    assert "Monthly cost: $" in text.stdout and "mailer: $0.00 → $" in text.stdout
    markdown = preview(repo, "--against", "HEAD~1", "--format", "markdown")
    assert markdown.exit_code == 0, markdown.output
    assert markdown.stdout.startswith(MARKER + "\n")
    assert "| prod |" in markdown.stdout and "```diff" in markdown.stdout


def test_an_unchanged_ref_is_served_from_the_cache(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both programs ran in the first test; HEAD's program is the working tree's."""
    assert preview(repo, "--against", "HEAD~1", "--json").exit_code == 0

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the program ran although its content hash is cached")

    monkeypatch.setattr(service, "run_stack_isolated", no_run)
    again = preview(repo, "--against", "HEAD~1", "--json")
    assert again.exit_code == 0, again.output
    same = preview(repo, "--against", "HEAD", "--json")
    assert same.exit_code == 0, same.output
    env = only_env(json.loads(same.stdout))
    assert env["changes"] == [] and env["cost"]["difference"] == "0.00"


def test_a_ref_without_generated_output_makes_everything_new(repo: Path) -> None:
    result = preview(repo, "--against", "HEAD~2", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["baseHasOutput"] is False
    env = only_env(body)
    assert env["inBase"] is False and env["summary"]["same"] == 0
    assert {c["change"] for c in env["changes"]} == {"create"}
    assert env["cost"]["before"] == "0.00" and Decimal(env["cost"]["after"]) > 0


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("no-such-branch", "--against no-such-branch: git knows no commit by that name"),
        ("--help", "not a git revision"),
    ],
)
def test_an_unknown_ref_is_a_located_error(repo: Path, ref: str, message: str) -> None:
    result = preview(repo, f"--against={ref}")
    assert result.exit_code == 1, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_an_output_folder_outside_git_is_a_located_error(repo: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(repo), str(copy)], check=True)
    subprocess.run(["rm", "-rf", str(copy / ".git")], check=True)
    result = preview(copy, "--against", "main")
    assert result.exit_code == 1, result.output
    assert "is not inside a git repository" in result.stderr


def test_the_temporary_folder_goes_when_the_run_is_interrupted(
    repo: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The working tree's program is recorded first, then REF's in the temporary folder:
    Ctrl-C there still removes the folder."""
    seen: list[Path] = []
    real = service.record_stack

    def interrupt_in_ref(infra: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if str(infra).startswith(str(private_tmp)):
            seen.append(infra)
            raise KeyboardInterrupt
        return real(infra, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(against, "record_stack", interrupt_in_ref)
    with pytest.raises(KeyboardInterrupt):
        against.review(repo, "HEAD~1", None)
    assert seen
    assert list(private_tmp.iterdir()) == []


def test_the_markdown_comment_stays_under_githubs_limit() -> None:
    """GitHub refuses comments over 65,536 characters: rows are cut and counted instead."""
    changes = [
        ResourceChange(
            "update",
            f"urn:pulumi:prod::big::shipspec:aws:WorkerService$aws:ecs/taskDefinition:TaskDefinition::t{i}",
            "aws:ecs/taskDefinition:TaskDefinition",
            f"t{i}",
            [InputChange("cpu", "256", "512")],
        )
        for i in range(3000)
    ]
    cost = CostChange(Decimal(1), Decimal(2), [], [])
    review = Review(
        "main", "0" * 40, True, [EnvironmentReview("prod", True, True, changes, 0, cost, [])]
    )
    text = to_markdown(review)
    assert len(text) <= MARKDOWN_LIMIT
    assert text.startswith(MARKER)
    assert "more changes not shown (comment size limit)" in text


def test_a_removed_environment_deletes_everything_and_names_its_databases() -> None:
    """``--env staging`` after the change removed staging: every resource is `-`, and the
    database among them is reported as data loss (the same guard as `preview`)."""
    db = PreviewResource(
        "aws:rds/instance:Instance",
        "db-db",
        "urn:pulumi:staging::shop::shipspec:aws:Database$aws:rds/instance:Instance::db-db",
        None,
        {"identifier": "shop-staging-db"},
        [],
    )
    log = PreviewResource(
        "aws:cloudwatch/logGroup:LogGroup",
        "web-logs",
        "urn:pulumi:staging::shop::aws:cloudwatch/logGroup:LogGroup::web-logs",
        None,
        {},
        [],
    )
    cost = CostChange(Decimal("40.00"), Decimal(0), [], [])
    review = against._compare("staging", [db, log], None, cost)
    assert (review.in_base, review.in_head) == (True, False)
    assert [(c.change, c.name) for c in review.changes] == [  # by URN
        ("delete", "web-logs"),
        ("delete", "db-db"),
    ]
    assert [loss.name for loss in review.data_loss] == ["db-db"]
    assert review.cost.difference == Decimal("-40.00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "markdown"], "--format markdown renders the --against comparison"),
        (["--against", "main", "--live"], "--against compares offline previews"),
    ],
)
def test_options_that_do_not_combine_are_usage_errors(
    repo: Path, args: list[str], message: str
) -> None:
    result = preview(repo, *args)
    assert result.exit_code == 2 and message in result.stderr
