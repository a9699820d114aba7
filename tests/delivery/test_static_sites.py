"""The static sites' publish step, taken from the generated pipelines and run under fake CLIs.

What CI would see after ``pulumi up``: the files go to the bucket the stack output names, in
the order that keeps a page cached before the deploy working (hashed assets, other files,
pages, then deletions), and only what changed is invalidated. Any failure (no stack output,
no index page, a failed upload, a refused invalidation) fails the job before anything later.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.delivery.delivery_support import Rendered, gitlab_job
from tests.delivery.fake_cli import Run, answer, rule, run_script
from tests.delivery.test_github_scripts import NO_NETWORK, step

DEPLOY = ".github/workflows/deploy.yml"
SITES = {
    "storefront": {
        "bucket": "front-bucket",
        "distribution_id": "E2FRONT",
        "url": "https://storefront.atlas.example.com",
    },
    "handbook": {"bucket": "book-bucket", "distribution_id": "E2BOOK", "url": "https://x"},
}
FILES = {"storefront": "storefront/dist", "handbook": "handbook/site"}
INVALIDATION = answer("I2J0I21PCUYOIK")


@pytest.fixture(scope="module")
def full_github(github: list[Rendered]) -> Rendered:
    return next(p for p in github if p.name == "full-plain-github")


@pytest.fixture(scope="module")
def full_gitlab(gitlab: list[Rendered]) -> Rendered:
    return next(p for p in gitlab if p.name == "full-plain-gitlab")


def _sync(bucket: str, step_words: tuple[str, ...], out: str = "", code: int = 0) -> dict:
    return rule("s3 sync", f"s3://{bucket}", *step_words, answers=[answer(out, code=code)])


IMMUTABLE, OTHERS, PAGES, DELETE = (
    ("immutable",),
    ("max-age=300",),
    ("no-cache",),
    ("--delete",),
)


def _aws(front: dict[tuple[str, ...], str] | None = None, **overrides: dict) -> list[dict]:
    """Sync answers per step for storefront (``front``: step -> output); handbook unchanged."""
    front = front or {}
    rules = [overrides[k] for k in ("first",) if k in overrides]
    for words in (IMMUTABLE, OTHERS, PAGES, DELETE):
        rules.append(_sync("front-bucket", words, front.get(words, "")))
        rules.append(_sync("book-bucket", words))
    rules.append(overrides.get("invalidation", rule("create-invalidation", answers=[INVALIDATION])))
    return rules


def _workspace(tmp_path: Path, *, index: bool = True) -> None:
    for files in FILES.values():
        folder = tmp_path / "temp" / files
        folder.mkdir(parents=True, exist_ok=True)
        if index:
            (folder / "index.html").write_text("<!doctype html>")


def _publish_github(pipeline: Rendered, tmp_path: Path, rules: dict, index: bool = True) -> Run:
    body, env = step(pipeline, DEPLOY, "deploy-main", "sites")
    _workspace(tmp_path, index=index)
    return run_script(
        body, rules, tmp_path, env={**env, "GITHUB_WORKSPACE": str(tmp_path / "temp")}
    )


def _outputs(sites: object = SITES) -> list[dict]:
    return [rule("stack output static_sites --json", out=sites)]


def test_a_deploy_uploads_in_order_and_invalidates_only_what_changed(
    full_github: Rendered, tmp_path: Path
) -> None:
    changed = {
        IMMUTABLE: "upload: storefront/dist/assets/app.3f9a1c2b.js to s3://front-bucket/assets/app.3f9a1c2b.js\n",
        OTHERS: "upload: storefront/dist/robots.txt to s3://front-bucket/robots.txt\n",
        PAGES: "upload: storefront/dist/index.html to s3://front-bucket/index.html\n",
        DELETE: "delete: s3://front-bucket/assets/app.0000aaaa.js\ndelete: s3://front-bucket/old.html\n",
    }
    result = _publish_github(full_github, tmp_path, {"pulumi": _outputs(), "aws": _aws(changed)})
    assert result.code == 0, result.stdout + result.stderr
    syncs = [c for c in result.called("s3", "sync", "s3://front-bucket")]
    order = ["immutable", "max-age=300", "no-cache", "--delete"]
    assert [next(w for w in order if w in " ".join(c)) for c in syncs] == order
    assert all(c[3].endswith("/storefront/dist") for c in syncs)
    assert " ".join(syncs[0]).count("--include") == 3  # assets/, static/, _next/static/
    [invalidation] = result.called("create-invalidation")
    paths = invalidation[invalidation.index("--paths") + 1 : invalidation.index("--query")]
    # Hashed assets need none: a new build names changed files anew.
    assert paths == ["/", "/assets/app.0000aaaa.js", "/index.html", "/old.html", "/robots.txt"]
    assert invalidation[invalidation.index("--distribution-id") + 1] == "E2FRONT"
    assert "storefront: invalidation I2J0I21PCUYOIK on E2FRONT" in result.stdout
    assert "handbook: no page or file changed; nothing to invalidate" in result.stdout


def test_many_changes_are_invalidated_as_one_wildcard(
    full_github: Rendered, tmp_path: Path
) -> None:
    pages = "".join(
        f"upload: storefront/dist/p{i}.html to s3://front-bucket/p{i}.html\n" for i in range(20)
    )
    result = _publish_github(
        full_github, tmp_path, {"pulumi": _outputs(), "aws": _aws({PAGES: pages})}
    )
    assert result.code == 0, result.stdout + result.stderr
    [invalidation] = result.called("create-invalidation")
    assert invalidation[invalidation.index("--paths") + 1 : invalidation.index("--query")] == ["/*"]


FAILURES = {
    "no static_sites output": (
        {"pulumi": [rule("stack output static_sites", code=255, err="no output")], "aws": _aws()},
        "has no static_sites output",
    ),
    "output without the site": (
        {"pulumi": _outputs({"handbook": SITES["handbook"]}), "aws": _aws()},
        "has no bucket and distribution for storefront",
    ),
    "upload fails": (
        {
            "pulumi": _outputs(),
            "aws": _aws(
                first=_sync("front-bucket", OTHERS, code=1, out="upload failed: AccessDenied")
            ),
        },
        "",
    ),
    "invalidation refused": (
        {
            "pulumi": _outputs(),
            "aws": _aws(
                {PAGES: "upload: storefront/dist/index.html to s3://front-bucket/index.html\n"},
                invalidation=rule("create-invalidation", answers=[NO_NETWORK]),
            ),
        },
        "CloudFront did not accept the invalidation for storefront",
    ),
    "invalidation answers nothing": (
        {
            "pulumi": _outputs(),
            "aws": _aws(
                {PAGES: "upload: storefront/dist/index.html to s3://front-bucket/index.html\n"},
                invalidation=rule("create-invalidation", out=""),
            ),
        },
        "CloudFront did not accept the invalidation",
    ),
}


@pytest.mark.parametrize("case", FAILURES)
def test_every_failure_fails_the_step(full_github: Rendered, tmp_path: Path, case: str) -> None:
    rules, message = FAILURES[case]
    result = _publish_github(full_github, tmp_path, rules)
    assert result.code != 0, result.stdout
    assert message in result.stdout + result.stderr
    if case == "upload fails":
        # The pages and the deletions never ran: the old site is served whole.
        assert not result.called("no-cache") and not result.called("--delete")
        assert not result.called("create-invalidation")


def test_a_build_without_an_index_page_uploads_nothing(
    full_github: Rendered, tmp_path: Path
) -> None:
    result = _publish_github(
        full_github, tmp_path, {"pulumi": _outputs(), "aws": _aws()}, index=False
    )
    assert result.code == 1
    assert "storefront/dist/index.html does not exist" in result.stdout
    assert not result.called("s3", "sync")


def test_gitlab_runs_the_same_publish_step_from_its_project_folder(
    full_gitlab: Rendered, tmp_path: Path
) -> None:
    job = gitlab_job(full_gitlab.yaml(".gitlab-ci.yml"), "deploy:main")
    script = "\n".join(job["script"])
    start = script.rindex("\n", 0, script.index("if ! sites=$(pulumi stack output static_sites"))
    end = script.index("\n", script.index('publish handbook "$CI_PROJECT_DIR/"'))
    body = "set -euo pipefail\n" + textwrap.dedent(script[start + 1 : end])
    _workspace(tmp_path)
    changed = {PAGES: "upload: storefront/dist/index.html to s3://front-bucket/index.html\n"}
    result = run_script(
        body, {"pulumi": _outputs(), "aws": _aws(changed)}, tmp_path, shell=("bash",)
    )
    assert result.code == 0, result.stdout + result.stderr
    assert "storefront: invalidation I2J0I21PCUYOIK on E2FRONT for / /index.html" in result.stdout
    broken = run_script(
        body,
        {"pulumi": _outputs(), "aws": _aws(first=_sync("front-bucket", PAGES, code=2))},
        tmp_path / "broken",
        shell=("bash",),
    )
    assert broken.code != 0 and not broken.called("create-invalidation")


def test_github_builds_each_site_once_and_every_deploy_fetches_it(full_github: Rendered) -> None:
    jobs = full_github.yaml(DEPLOY)["jobs"]
    steps = jobs["sites"]["steps"]
    build = next(s for s in steps if s.get("name") == "Build storefront")
    assert 'cd "$GITHUB_WORKSPACE/"storefront' in build["run"]
    assert "bash -eo pipefail -c 'npm ci && npm run build'" in build["run"]
    [upload] = [s for s in steps if "upload-artifact" in s.get("uses", "")]
    assert upload["with"]["path"] == "storefront/dist"
    for name in ("deploy-dev", "deploy-staging", "deploy-main"):
        job = jobs[name]
        if name == "deploy-dev":
            assert "sites" in job["needs"]
        names = [s.get("name") or s.get("id") for s in job["steps"]]
        fetch = names.index("Fetch storefront's built files")
        assert names.index("pulumi up") < fetch < names.index("Publish the static sites")
        assert names.index("Publish the static sites") > names.index(
            "Wait for ECS to finish each service deployment"
        )


# ---- a `source:` site's committed folder, checked before anything changes ------------------

SOURCE_CHECK = "The static sites' committed folders are there"


def _deploy_steps(pipeline: Rendered, job: str) -> list[dict]:
    steps: list[dict] = pipeline.yaml(DEPLOY)["jobs"][job]["steps"]
    return steps


@pytest.mark.parametrize("present", [True, False])
def test_a_deploy_stops_before_pulumi_up_when_a_source_site_s_folder_is_missing(
    full_github: Rendered, tmp_path: Path, present: bool
) -> None:
    """handbook (`source: ./handbook/site`) is published as committed; storefront is built
    in another job, so only handbook's folder is required in the checkout."""
    jobs = full_github.yaml(DEPLOY)["jobs"]
    deploys = [
        name for name, job in jobs.items() if any("pulumi up" in str(s) for s in job["steps"])
    ]
    assert deploys
    for job in deploys:
        names = [s.get("name", "") for s in _deploy_steps(full_github, job)]
        check = names.index(SOURCE_CHECK)
        first_pulumi = next(
            i for i, s in enumerate(_deploy_steps(full_github, job)) if "pulumi" in str(s)
        )
        assert check < first_pulumi, job  # before the Pulumi CLI, let alone `pulumi up`
    body, env = step(full_github, DEPLOY, "deploy-main", SOURCE_CHECK)
    folder = tmp_path / "temp" / "handbook" / "site"
    folder.mkdir(parents=True)
    if present:
        (folder / "index.html").write_text("<!doctype html>")
    result = run_script(body, {}, tmp_path, env={**env, "GITHUB_WORKSPACE": str(tmp_path / "temp")})
    assert (result.code == 0) is present, result.stdout + result.stderr
    assert result.calls == []  # nothing deployed, nothing asked of AWS or Pulumi
    if not present:
        assert "::error::handbook/site/index.html is not in the repository" in result.stdout
        assert "storefront" not in result.stdout  # a built site's files come from its job


@pytest.mark.parametrize("present", [True, False])
def test_gitlab_checks_the_source_folder_first(
    full_gitlab: Rendered, tmp_path: Path, present: bool
) -> None:
    job = gitlab_job(full_gitlab.yaml(".gitlab-ci.yml"), "deploy:main")
    entries = job["script"]
    check = next(i for i, e in enumerate(entries) if "handbook/site/index.html" in e)
    assert all("pulumi" not in e for e in entries[:check])
    if present:
        (tmp_path / "temp" / "handbook" / "site").mkdir(parents=True)
        (tmp_path / "temp" / "handbook" / "site" / "index.html").write_text("<!doctype html>")
    result = run_script(entries[check], {}, tmp_path, shell=("bash",))
    assert (result.code == 0) is present, result.stdout + result.stderr
    if not present:
        assert "error: handbook/site/index.html is not in the repository" in result.stdout
