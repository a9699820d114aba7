"""The review comment and the nightly drift check, run from the GENERATED pipelines under
fake ``gh``/``curl``/``pulumi`` (see fake_cli) with the real jq and python3.

The comment: the first push creates it, the next push updates the same one (found by its
hidden marker among the bot's own comments, across pages), an API failure fails the job
with a message, and a fork's pull request (read-only token) gets the job summary. Drift:
no drift passes, drift fails and opens or updates one issue (a clean night closes it),
and a preview that fails for another reason is an error, never "no drift".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipspec.preview.review_report import MARKER
from shipspec.render.targets._pipeline import REVIEW_MARKER
from tests.delivery.delivery_support import Rendered
from tests.delivery.fake_cli import Run, answer, rule, run_script
from tests.delivery.test_github_scripts import step
from tests.delivery.test_gitlab_scripts import entries

PR = ".github/workflows/pull-request.yml"
DRIFT = ".github/workflows/drift.yml"
COMMENT = f"{MARKER}\n### shipspec preview\n\n| prod | 3 | 1 | 0 | $431.10 | +$18.80 |\n"
BOT = {"login": "github-actions[bot]"}
API_ERROR = answer('{"message":"Server Error"}', code=1, err="gh: Server Error (HTTP 502)")
DRIFTED = "error: no changes were expected but changes were proposed\n"


@pytest.fixture(scope="module")
def shop(github: list[Rendered]) -> Rendered:
    return next(p for p in github if p.name == "shop-built-github")


@pytest.fixture(scope="module")
def webapp(gitlab: list[Rendered]) -> Rendered:
    return next(p for p in gitlab if p.name == "webapp-built-gitlab")


def test_the_pipelines_and_the_cli_agree_on_the_marker() -> None:
    assert REVIEW_MARKER == MARKER


# ---- GitHub: the pull-request comment ----------------------------------------------------


def post_comment(
    shop: Rendered, tmp_path: Path, gh: list[dict], *, fork: bool = False, comment: str = COMMENT
) -> Run:
    body, env = step(shop, PR, "review-comment", "Create or update the shipspec comment")
    env = {**env, "REPO": "acme/shop", "PR": "7", "FORK": str(fork).lower(), "COMMENT": comment}
    return run_script(body, {"gh": gh}, tmp_path, env={**env, "GH_TOKEN": "t"})


def comments(*pages: list[dict]) -> tuple[str, str, int]:
    """``gh api --paginate`` prints each page's array, one after another."""
    return answer("\n".join(json.dumps(page) for page in pages))


def ours(comment_id: int) -> dict:
    return {"id": comment_id, "user": BOT, "body": COMMENT}


def test_the_first_push_creates_the_comment_and_the_next_updates_it(
    shop: Rendered, tmp_path: Path
) -> None:
    first = post_comment(
        shop,
        tmp_path / "first",
        [
            rule("api", "--paginate", answers=[comments([])]),
            rule("api", "--method POST", "repos/acme/shop/issues/7/comments", out={"id": 55}),
        ],
    )
    assert first.code == 0, first.stdout + first.stderr
    [created] = first.called("gh", "--method", "POST")
    assert created[created.index("--input") + 1].endswith("comment.json")
    sent = json.loads((first.temp / "comment.json").read_text())
    assert sent["body"].startswith(MARKER + "\n") and "+$18.80" in sent["body"]
    assert "created on pull request #7" in first.stdout
    # The second push: the comment list now holds ours (page 2, after someone else's that
    # quotes the marker): that one is updated, nothing is added.
    someone = {"id": 54, "user": {"login": "mallory"}, "body": COMMENT}
    second = post_comment(
        shop,
        tmp_path / "second",
        [
            rule("api", "--paginate", answers=[comments([someone], [ours(55)])]),
            rule("api", "--method PATCH", "repos/acme/shop/issues/comments/55", out={"id": 55}),
        ],
    )
    assert second.code == 0, second.stdout + second.stderr
    assert second.called("gh", "--method", "PATCH", "issues/comments/55")
    assert not second.called("gh", "--method", "POST")
    assert not second.called("issues/comments/54")
    assert "#55 updated" in second.stdout


def test_a_comment_quoting_the_marker_by_someone_else_is_left_alone(
    shop: Rendered, tmp_path: Path
) -> None:
    someone = {"id": 54, "user": {"login": "mallory"}, "body": COMMENT}
    result = post_comment(
        shop,
        tmp_path,
        [
            rule("api", "--paginate", answers=[comments([someone])]),
            rule("api", "--method POST", out={"id": 56}),
        ],
    )
    assert result.code == 0, result.stdout + result.stderr
    assert result.called("--method", "POST") and not result.called("--method", "PATCH")


FAILURES = {
    "listing fails": (
        [rule("api", "--paginate", answers=[API_ERROR])],
        "Could not list the comments of pull request #7",
    ),
    "listing is not a list": (
        [rule("api", "--paginate", out='{"message": "rate limited"}')],
        "answered the comment list with something else",
    ),
    "listing is empty": (
        [rule("api", "--paginate", out="")],
        "answered the comment list with something else",
    ),
    "creating fails": (
        [
            rule("api", "--paginate", answers=[comments([])]),
            rule("api", "--method POST", answers=[API_ERROR]),
        ],
        "Could not POST the shipspec comment on pull request #7",
    ),
    "updating fails": (
        [
            rule("api", "--paginate", answers=[comments([ours(55)])]),
            rule("api", "--method PATCH", answers=[API_ERROR]),
        ],
        "Could not PATCH the shipspec comment",
    ),
}


@pytest.mark.parametrize("case", FAILURES)
def test_an_api_failure_fails_the_job_visibly(shop: Rendered, tmp_path: Path, case: str) -> None:
    gh, message = FAILURES[case]
    result = post_comment(shop, tmp_path, gh)
    assert result.code == 1, result.stdout + result.stderr
    assert "::error::" in result.stdout and message in result.stdout


def test_no_comment_from_the_review_job_fails(shop: Rendered, tmp_path: Path) -> None:
    result = post_comment(shop, tmp_path, [], comment="")
    assert result.code == 1
    assert "produced no shipspec comment" in result.stdout
    assert result.calls == []


def test_a_fork_gets_the_job_summary_and_a_notice(shop: Rendered, tmp_path: Path) -> None:
    result = post_comment(shop, tmp_path, [], fork=True)
    assert result.code == 0, result.stdout + result.stderr
    assert result.calls == []  # its token is read-only: no API call that would fail
    assert "::notice::Pull request from a fork" in result.stdout
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith(MARKER) and "+$18.80" in summary and "From a fork" in summary


def test_the_review_runs_the_pr_code_read_only_and_the_poster_runs_none(shop: Rendered) -> None:
    jobs = shop.yaml(PR)["jobs"]
    review, poster = jobs["review"], jobs["review-comment"]
    assert review["permissions"] == {"contents": read_only()}
    checkout = next(s for s in review["steps"] if "actions/checkout" in s.get("uses", ""))
    assert checkout["with"]["fetch-depth"] == 0  # the base commit must be in the clone
    run = next(s for s in review["steps"] if s.get("id") == "review")["run"]
    assert 'shipspec preview . --against "$BASE_SHA" --env all --format markdown' in run
    assert poster["permissions"] == {"pull-requests": "write"}
    assert poster["needs"] == "review"
    assert not [s for s in poster["steps"] if "uses" in s]  # no checkout: none of the PR's code


def read_only() -> str:
    return "read"


# ---- GitLab: the merge-request note ------------------------------------------------------

NOTES = "merge_requests/12/notes"
GITLAB_ENV = {
    "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
    "CI_MERGE_REQUEST_PROJECT_ID": "100",
    "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "100",
    "CI_MERGE_REQUEST_IID": "12",
    "SHIPSPEC_MR_COMMENT_TOKEN": "glpat-x",
}


def post_note(webapp: Rendered, tmp_path: Path, curl: list[dict], **env: str) -> Run:
    body, variables = entries(webapp, "review", "set -euo pipefail")
    return run_script(
        body,
        {"curl": curl},
        tmp_path,
        env={**variables, **GITLAB_ENV, **env},
        shell=("bash",),
        files={"review.md": COMMENT},
    )


def note(note_id: int, author: int, body: str = COMMENT) -> dict:
    return {"id": note_id, "author": {"id": author}, "body": body, "system": False}


ME = rule("/api/v4/user", out={"id": 42, "username": "project_100_bot"})


def test_gitlab_creates_the_note_then_updates_the_same_one(
    webapp: Rendered, tmp_path: Path
) -> None:
    first = post_note(
        webapp,
        tmp_path / "first",
        [
            ME,
            rule("--request POST", NOTES, out=note(9, 42)),
            rule(f"{NOTES}?per_page=100&page=1", out=[note(3, 7, "LGTM")]),
        ],
    )
    assert first.code == 0, first.stdout + first.stderr
    [created] = first.called("curl", "--request", "POST")
    assert "body@review.md" in created and created[-1].endswith(NOTES)
    assert "review note created" in first.stdout
    # Next push: a full first page of other notes, ours on page 2.
    others = [note(100 + i, 7, "a remark") for i in range(100)]
    second = post_note(
        webapp,
        tmp_path / "second",
        [
            ME,
            rule("--request PUT", f"{NOTES}/9", out=note(9, 42)),
            rule("&page=1", out=others),
            rule("&page=2", out=[note(9, 42)]),
        ],
    )
    assert second.code == 0, second.stdout + second.stderr
    assert second.called("curl", "--request", "PUT", f"{NOTES}/9")
    assert not second.called("--request", "POST")
    assert "review note 9 updated" in second.stdout


GITLAB_FAILURES = {
    "token refused": (
        [rule("/api/v4/user", answers=[answer('{"message":"401 Unauthorized"}', code=22)])],
        "refused SHIPSPEC_MR_COMMENT_TOKEN",
    ),
    "listing fails": (
        [
            ME,
            rule("notes?per_page", answers=[answer("", code=7, err="curl: (7) Failed to connect")]),
        ],
        "could not list the notes of merge request !12",
    ),
    "listing is not a list": (
        [ME, rule("notes?per_page", out={"message": "404 Not found"})],
        "answered the note list with something else",
    ),
    "posting fails": (
        [
            ME,
            rule("--request POST", answers=[answer('{"message":"403 Forbidden"}', code=22)]),
            rule("notes?per_page", out=[]),
        ],
        "could not post the review note on merge request !12",
    ),
}


@pytest.mark.parametrize("case", GITLAB_FAILURES)
def test_gitlab_api_failures_fail_the_job_visibly(
    webapp: Rendered, tmp_path: Path, case: str
) -> None:
    curl, message = GITLAB_FAILURES[case]
    result = post_note(webapp, tmp_path, curl)
    assert result.code == 1, result.stdout + result.stderr
    assert "error: " in result.stdout and message in result.stdout


def test_gitlab_without_the_token_fails_with_where_to_set_it(
    webapp: Rendered, tmp_path: Path
) -> None:
    result = post_note(webapp, tmp_path, [], SHIPSPEC_MR_COMMENT_TOKEN="")
    assert result.code != 0
    assert "set the CI/CD variable SHIPSPEC_MR_COMMENT_TOKEN" in result.stderr
    assert result.calls == []


def test_a_gitlab_fork_prints_the_review_instead(webapp: Rendered, tmp_path: Path) -> None:
    result = post_note(
        webapp, tmp_path, [], SHIPSPEC_MR_COMMENT_TOKEN="", CI_MERGE_REQUEST_SOURCE_PROJECT_ID="555"
    )
    assert result.code == 0, result.stdout + result.stderr
    assert "merge request from a fork" in result.stdout and "+$18.80" in result.stdout
    assert result.calls == []


# ---- GitHub: nightly drift ---------------------------------------------------------------


def drift_step(shop: Rendered, tmp_path: Path, pulumi: list[dict]) -> Run:
    body, env = step(shop, DRIFT, "drift", "drift")
    return run_script(body, {"pulumi": pulumi}, tmp_path, env={**env, "STACK": "prod"})


PREVIEW = ("preview", "--stack prod", "--refresh", "--expect-no-changes", "--diff")


def test_drift_preview_tells_drift_from_no_drift_from_errors(
    shop: Rendered, tmp_path: Path
) -> None:
    clean = drift_step(
        shop, tmp_path / "clean", [rule(*PREVIEW, out="Resources:\n    84 unchanged")]
    )
    assert clean.code == 0 and clean.outputs == {"drifted": "false"}
    drifted = drift_step(
        shop,
        tmp_path / "drifted",
        [
            rule(
                *PREVIEW,
                answers=[
                    answer("~ aws:ecs/service:Service web-service update", code=255, err=DRIFTED)
                ],
            )
        ],
    )
    assert drifted.code == 0 and drifted.outputs == {"drifted": "true"}
    assert "web-service update" in drifted.stdout  # the diff is in the log
    broken = drift_step(
        shop,
        tmp_path / "broken",
        [
            rule(
                *PREVIEW, answers=[answer(code=255, err="error: failed to decrypt configuration\n")]
            )
        ],
    )
    assert broken.code == 1 and "drifted" not in broken.outputs
    assert (
        "::error::pulumi preview failed for prod (exit 255) before it could tell" in broken.stdout
    )


def report(shop: Rendered, tmp_path: Path, drifted: bool, gh: list[dict]) -> Run:
    body, env = step(shop, DRIFT, "drift", "Open, update or close the drift issue")
    env = {
        **env,
        "STACK": "prod",
        "REPO": "acme/shop",
        "DRIFTED": str(drifted).lower(),
        "RUN_URL": "https://github.com/acme/shop/actions/runs/1",
        "GH_TOKEN": "t",
    }
    diff = "  ~ aws:ecs/service:Service: (update)\n      desiredCount: 2 => 5\n"
    return run_script(body, {"gh": gh}, tmp_path, env=env, files={"drift.txt": diff})


LIST = ("api", "--paginate", "issues?state=open")
OPEN_ISSUE = {"number": 31, "title": "Drift in stack prod", "user": BOT}
A_PR = {"number": 30, "title": "Drift in stack prod", "pull_request": {"url": "x"}}


def test_drift_opens_one_issue_then_comments_on_it_then_closes_it(
    shop: Rendered, tmp_path: Path
) -> None:
    opened = report(
        shop,
        tmp_path / "opened",
        True,
        [
            rule(*LIST, answers=[comments([A_PR])]),
            rule("--method POST", "repos/acme/shop/issues", out="32"),
        ],
    )
    assert opened.code == 1  # drift fails the run
    assert "::error::Stack prod has drifted: see issue #32 (opened)." in opened.stdout
    issue = json.loads((opened.temp / "issue.json").read_text())
    assert issue["title"] == "Drift in stack prod" and "desiredCount: 2 => 5" in issue["body"]
    assert "actions/runs/1" in issue["body"]

    updated = report(
        shop,
        tmp_path / "updated",
        True,
        [
            rule(*LIST, answers=[comments([OPEN_ISSUE])]),
            rule("--method POST", "issues/31/comments", out={}),
        ],
    )
    assert updated.code == 1
    assert "see issue #31 (updated)" in updated.stdout
    assert not updated.called("--method", "POST", "repos/acme/shop/issues --input")

    closed = report(
        shop,
        tmp_path / "closed",
        False,
        [
            rule(*LIST, answers=[comments([OPEN_ISSUE])]),
            rule("--method POST", "issues/31/comments", out={}),
            rule("--method PATCH", "issues/31", "state=closed", out={}),
        ],
    )
    assert closed.code == 0, closed.stdout + closed.stderr
    assert closed.called("--method", "PATCH", "state=closed")
    assert "Closed drift issue #31" in closed.stdout

    quiet = report(shop, tmp_path / "quiet", False, [rule(*LIST, answers=[comments([])])])
    assert quiet.code == 0 and len(quiet.calls) == 1


@pytest.mark.parametrize(
    ("gh", "message"),
    [
        ([rule(*LIST, answers=[API_ERROR])], "Could not list this repository's open issues"),
        ([rule(*LIST, out="<html>")], "answered the issue list with something else"),
        (
            [rule(*LIST, answers=[comments([])]), rule("--method POST", answers=[API_ERROR])],
            "Stack prod has drifted, and opening an issue failed",
        ),
    ],
)
def test_drift_reporting_failures_fail_the_run(
    shop: Rendered, tmp_path: Path, gh: list[dict], message: str
) -> None:
    result = report(shop, tmp_path, True, gh)
    assert result.code == 1 and "::error::" in result.stdout and message in result.stdout


def test_the_drift_workflow_is_scheduled_read_only_and_per_stack(shop: Rendered) -> None:
    doc = shop.yaml(DRIFT)
    triggers = doc[True] if True in doc else doc["on"]  # YAML 1.1 reads `on` as true
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    # Non-production stacks with the pull requests' read-only role and their own passphrase;
    # production only in its `<env>-drift` environment (deployment branches: main only),
    # with that environment's role and passphrase: never a repository-level credential.
    envs = shop.model.environments
    expected = {
        "drift": [e.name for e in envs if not e.production],
        "drift-production": [e.name for e in envs if e.production],
    }
    assert all(expected.values()) and set(doc["jobs"]) == set(expected)
    for name, stacks in expected.items():
        job = doc["jobs"][name]
        assert job["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
        assert job["if"] == "github.ref == 'refs/heads/main'"
        matrix = job["strategy"]["matrix"]["include"]
        assert [entry["stack"] for entry in matrix] == stacks
        role = next(s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", ""))
        # The role the "Require" step chose (tests/delivery/test_preview_accounts.py runs it).
        assert role["with"]["role-to-assume"] == "${{ steps.role.outputs.arn }}"
        production = name == "drift-production"
        if production:
            assert job["env"]["READ_ROLE_ARN"] == "${{ vars.AWS_DRIFT_ROLE_ARN }}"
        else:  # the stack's own repository variable, else the shared one
            assert "READ_ROLE_ARN" not in job["env"]
            assert job["env"]["STACK_ROLE_ARN"] == "${{ vars[matrix.role] }}"
            assert job["env"]["AWS_PREVIEW_ROLE_ARN"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
            assert [e["role"] for e in matrix] == [
                "AWS_PREVIEW_ROLE_ARN_" + s.upper().replace("-", "_") for s in stacks
            ]
        if production:
            assert job["environment"] == "${{ matrix.environment }}"
            assert [e["environment"] for e in matrix] == [f"{s}-drift" for s in stacks]
            assert (
                job["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"
            )
        else:
            assert "environment" not in job
            assert [e["passphrase"] for e in matrix] == [
                "PULUMI_PREVIEW_PASSPHRASE_" + s.upper().replace("-", "_") for s in stacks
            ]
            assert job["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets[matrix.passphrase] }}"


# ---- GitLab: nightly drift ---------------------------------------------------------------


def gitlab_drift(webapp: Rendered, tmp_path: Path, preview: tuple[str, str, int]) -> Run:
    body, variables = entries(webapp, "drift:prod", "set -uo pipefail")
    pulumi = [
        rule("stack select prod"),
        rule("stack output --json", out={"images": {"web": "111.dkr.ecr/webapp/web:abc"}}),
        rule("config set --path services.web.image"),
        rule(*PREVIEW, answers=[preview]),
    ]
    return run_script(body, {"pulumi": pulumi}, tmp_path, env=variables, shell=("bash",))


def test_gitlab_drift_fails_the_scheduled_job_only_on_drift_or_error(
    webapp: Rendered, tmp_path: Path
) -> None:
    clean = gitlab_drift(webapp, tmp_path / "clean", answer("84 unchanged"))
    assert clean.code == 0, clean.stdout + clean.stderr
    assert "No drift in prod." in clean.stdout
    assert clean.called("config", "set", "services.web.image", "webapp/web:abc")
    drifted = gitlab_drift(webapp, tmp_path / "drifted", answer("~ web", code=255, err=DRIFTED))
    assert drifted.code == 1 and "error: stack prod has drifted" in drifted.stdout
    assert "~ web" in (drifted.temp / "drift-prod.txt").read_text()  # the artifact
    broken = gitlab_drift(webapp, tmp_path / "broken", answer(code=255, err="error: no creds\n"))
    assert broken.code == 1
    assert "pulumi preview failed for prod (exit 255) before it could tell" in broken.stdout


@pytest.mark.parametrize(
    ("case", "reply", "code", "exists"),
    [
        ("present", answer(""), 0, "true"),
        (
            "not created yet",
            answer(code=255, err="error: no stack named 'prod' found\n"),
            0,
            "false",
        ),
        (
            "meta.yaml denied",
            answer(code=255, err='error: read ".pulumi/meta.yaml": AccessDenied: Access Denied\n'),
            1,
            None,
        ),
    ],
)
def test_github_drift_finds_its_stack_without_listing_the_others(
    shop: Rendered, tmp_path: Path, case: str, reply: tuple[str, str, int], code: int, exists: str
) -> None:
    body, env = step(shop, DRIFT, "drift", "stack")
    result = run_script(
        body,
        {"pulumi": [rule("stack select prod", answers=[reply])]},
        tmp_path,
        env={**env, "STACK": "prod"},
    )
    assert (result.code == 0) == (code == 0), result.stdout + result.stderr
    assert result.outputs.get("exists") == exists
    assert not result.called("stack", "ls") and not result.called("--create")
    if code:
        assert "AccessDenied" in result.stderr


# ---- every value the deploy sets from CI ---------------------------------------------------


def set_by_ci(pipeline: Rendered) -> dict[str, str]:
    """The committed stack config's ``set-by-ci`` values (``services.<s>.<key>`` → service):
    what only the deploy job sets, so what the read-only jobs must set from the outputs."""
    from shipspec.render.targets.pulumi import stack_config

    model = pipeline.model
    services = stack_config(model, model.environments[-1])["services"]
    return {
        f"services.{name}.{key}": name
        for name, values in services.items()
        for key, value in values.items()
        if isinstance(value, str) and value.endswith(":set-by-ci")
    }


def deployed_outputs(keys: dict[str, str], migration_output: bool = True) -> dict:
    images = {s: f"111.dkr.ecr/full/{s}:deployed" for s in set(keys.values())}
    migrating = {k.split(".")[1] for k in keys if k.endswith(".migrationImage")}
    migrations = {
        s: {"task_definition": f"atlas-main-{s}-migrate", "image": f"111.dkr.ecr/full/{s}:migrated"}
        for s in migrating
    }
    if not migration_output:  # a stack last deployed by a program without migrations.*.image
        migrations = {s: {"task_definition": f"atlas-main-{s}-migrate"} for s in migrating}
    return {"images": images, "migrations": migrations}


def expected_sets(keys: dict[str, str], migration_output: bool = True) -> set[tuple[str, str]]:
    tag = "migrated" if migration_output else "deployed"
    return {
        (key, f"111.dkr.ecr/full/{s}:{tag if key.endswith('.migrationImage') else 'deployed'}")
        for key, s in keys.items()
    }


def config_sets(result: Run) -> set[tuple[str, str]]:
    return {(c[-2], c[-1]) for c in result.called("pulumi", "config", "set", "--path")}


@pytest.mark.parametrize("migration_output", [True, False])
def test_github_drift_and_preview_set_every_value_the_deploy_sets(
    github: list[Rendered], tmp_path: Path, migration_output: bool
) -> None:
    """A built service that migrates: the committed config holds `set-by-ci` for its image
    and its migration image; the deploy sets both, so the nightly preview must set both from
    the outputs, or every night proposes a new migration task definition (false drift)."""
    full = next(p for p in github if p.name == "full-built-github")
    keys = set_by_ci(full)
    assert any(k.endswith(".migrationImage") for k in keys), keys  # the case this test is for
    outputs = deployed_outputs(keys, migration_output)
    for workflow, job, name in (
        (DRIFT, "drift", "Use the images deployed now"),
        (PR, "preview", "Preview against the images deployed now"),
    ):
        body, env = step(full, workflow, job, name)
        result = run_script(
            body,
            {"pulumi": [rule("stack output --json", out=outputs), rule("config set --path")]},
            tmp_path / job / str(migration_output),
            env={**env, "STACK": "main"},
        )
        assert result.code == 0, result.stdout + result.stderr
        assert config_sets(result) == expected_sets(keys, migration_output), workflow


def test_gitlab_drift_and_preview_set_every_value_the_deploy_sets(
    gitlab: list[Rendered], tmp_path: Path
) -> None:
    full = next(p for p in gitlab if p.name == "full-built-gitlab")
    keys = set_by_ci(full)
    assert any(k.endswith(".migrationImage") for k in keys), keys
    for job, stack in (("drift:main", "main"), ("preview:staging", "staging")):
        body, variables = entries(full, job, "set -")
        result = run_script(
            body,
            {
                "pulumi": [
                    rule(f"stack select {stack}"),
                    rule("stack output --json", out=deployed_outputs(keys)),
                    rule("config set --path"),
                    rule("preview", out="84 unchanged"),
                ]
            },
            tmp_path / job.replace(":", "-"),
            env={**variables, "STACK": stack},
            shell=("bash",),
        )
        assert result.code == 0, result.stdout + result.stderr
        assert config_sets(result) == expected_sets(keys), job


def test_drift_fails_when_the_outputs_cannot_be_read(
    github: list[Rendered], gitlab: list[Rendered], tmp_path: Path
) -> None:
    full = next(p for p in github if p.name == "full-built-github")
    body, env = step(full, DRIFT, "drift", "Use the images deployed now")
    broken = [rule("stack output --json", answers=[answer(code=255, err="error: denied")])]
    github_run = run_script(body, {"pulumi": broken}, tmp_path / "gh", env={**env, "STACK": "main"})
    assert github_run.code != 0 and not github_run.called("config", "set")
    full = next(p for p in gitlab if p.name == "full-built-gitlab")
    body, variables = entries(full, "drift:main", "set -uo pipefail")
    gitlab_run = run_script(
        body,
        {"pulumi": [rule("stack select main"), *broken]},
        tmp_path / "gl",
        env=variables,
        shell=("bash",),
    )
    assert gitlab_run.code != 0 and not gitlab_run.called("config", "set")
    assert not gitlab_run.called("preview")
