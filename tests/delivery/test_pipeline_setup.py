"""What a pipeline job needs before its first command: the toolchain, the tools, the variables.

A job has only what its image, its setup steps and its CI/CD variables give it; these tests
model that. The test job must run in an image (GitLab) or after a setup action (GitHub) that
has the test command's toolchain; no script may call ``jq`` before the line that installs it;
a job without an ``environment:`` never sees environment-scoped variables, so it must not
require one; every variable a pipeline requires is named in the handoff's setup steps.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from shipspec.plan.planner import plan
from shipspec.render.renderer import render
from shipspec.render.targets.gitlab import image_for_tests
from shipspec.spec.loader import load
from tests.delivery.delivery_support import (
    Rendered,
    example_specs,
    gitlab_jobs,
    load_yaml,
    render_spec,
)

# test command → the image family whose image has its toolchain.
GITLAB_TEST_IMAGES = {
    "./gradlew check": "eclipse-temurin:",
    "gradle test": "eclipse-temurin:",
    "mvn -B verify": "eclipse-temurin:",
    "./mvnw test": "eclipse-temurin:",
    "npm test": "node:",
    "go test ./...": "golang:",
    "pytest -q": "python:",
    "make test": "python:",
    "tox": "python:",
    "cargo test": "rust:",
    "dotnet test": "mcr.microsoft.com/dotnet/sdk:",
    "bundle exec rake": "ruby:",
    "CI=1 ./gradlew check": "eclipse-temurin:",
    # The first program that names a toolchain, in any command of the chain.
    "cd web && npm test": "node:",
    "bun test": "node:",
    "uv sync --frozen && uv run pytest -q": "python:",
    "poetry install && poetry run pytest": "python:",
}
# test command → the setup action GitHub's test job runs before it (None: the runner's own).
GITHUB_SETUP = {
    "./gradlew check": "actions/setup-java@",
    "mvn -B verify": "actions/setup-java@",
    "npm test": "actions/setup-node@",
    "go test ./...": "actions/setup-go@",
    "pytest -q": "actions/setup-python@",
}
JQ_INSTALL = re.compile(r"(apt-get|apk)[^\n]*install[^\n]*\bjq\b")
JQ_CALL = re.compile(r"(^|[|$(\s])jq\s")


@pytest.mark.parametrize(("command", "image"), GITLAB_TEST_IMAGES.items())
def test_the_gitlab_test_image_has_the_commands_toolchain(command: str, image: str) -> None:
    assert image_for_tests(command).startswith(image)


def _with_command(ci: str, command: str, folder: Path) -> Rendered:
    spec = copy.deepcopy(example_specs()["full"])
    spec.setdefault("delivery", {}).update(ci=ci, test_command=command)
    spec["services"]["edge-api"] = {
        "type": "web",
        "build": {"context": "services/edge-api"},
        "port": 9000,
        "health": {"path": "/ready"},
    }
    return render_spec(spec, folder, f"{ci}-{command}")


@pytest.mark.parametrize(("command", "action"), GITHUB_SETUP.items())
def test_github_test_jobs_set_up_the_commands_toolchain(
    command: str, action: str, tmp_path: Path
) -> None:
    pipeline = _with_command("github", command, tmp_path)
    for workflow in ("pull-request.yml", "deploy.yml"):
        steps = pipeline.yaml(f".github/workflows/{workflow}")["jobs"]["test"]["steps"]
        run = next(i for i, s in enumerate(steps) if command in s.get("run", ""))
        setups = [s["uses"] for s in steps[:run] if "uses" in s and "/setup-" in s["uses"]]
        assert [u.split("@")[0] + "@" for u in setups] == [action], (workflow, setups)
        assert all(re.search(r"@[0-9a-f]{40}$", u) for u in setups)


def test_gitlab_runs_the_review_specs_gradle_check_in_a_jdk(tmp_path: Path) -> None:
    pipeline = _with_command("gitlab", "./gradlew check", tmp_path)
    test = gitlab_jobs(pipeline.yaml(".gitlab-ci.yml"))["test"]
    assert test["image"].startswith("eclipse-temurin:")


def test_github_deploys_nothing_untested(tmp_path: Path) -> None:
    """Images and every deploy wait (through the chain of needs) on the test job."""
    pipeline = _with_command("github", "./gradlew check", tmp_path)
    jobs = pipeline.yaml(".github/workflows/deploy.yml")["jobs"]
    assert "./gradlew check" in jobs["test"]["steps"][-1]["run"]

    def upstream(name: str) -> set[str]:
        needs = jobs[name].get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        return set(needs).union(*(upstream(n) for n in needs))

    for name in jobs:
        if name == "images" or name.startswith("deploy-"):
            assert "test" in upstream(name), name


def test_no_gitlab_job_calls_jq_before_installing_it(gitlab: list[Rendered]) -> None:
    """The images (Pulumi's, Docker's) have no jq: a call before the install fails the job."""
    checked = 0
    for pipeline in gitlab:
        for name, job in gitlab_jobs(pipeline.yaml(".gitlab-ci.yml")).items():
            script = job.get("script", [])
            installed = False
            for entry in script:
                if JQ_INSTALL.search(entry):
                    installed = True
                elif JQ_CALL.search(entry):
                    assert installed, f"{pipeline.name} {name}: jq before its install: {entry[:80]}"
                    checked += 1
    assert checked


def _required(text: str) -> set[str]:
    return set(re.findall(r"\$\{(\w+):\?", text))


def test_jobs_without_an_environment_require_no_environment_scoped_variable(
    gitlab: list[Rendered],
) -> None:
    """GitLab gives environment-scoped variables only to jobs with that ``environment:``."""
    scoped = {"AWS_ROLE_ARN", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_ACCESS_TOKEN"}
    for pipeline in gitlab:
        for name, job in gitlab_jobs(pipeline.yaml(".gitlab-ci.yml")).items():
            if "environment" not in job:
                needed = _required("\n".join(job.get("script", [])))
                assert not needed & scoped, f"{pipeline.name} {name}: {needed & scoped}"


def _all_files(ci: str, example: str, folder: Path, edit: Any = None) -> dict[str, str]:
    spec = copy.deepcopy(example_specs()[example])
    spec.setdefault("delivery", {})["ci"] = ci
    if edit:
        edit(spec)
    rendered = render_spec(spec, folder, f"{example}-{ci}")
    model = plan(load(rendered.path("handoff.yaml")), spec_file="handoff.yaml")
    return dict(render(model))


@pytest.mark.parametrize("ci", ["github", "gitlab"])
@pytest.mark.parametrize("cloud", [False, True])
def test_every_variable_the_pipeline_requires_is_in_the_handoffs_setup_steps(
    ci: str, cloud: bool, tmp_path: Path
) -> None:
    def edit(spec: dict[str, Any]) -> None:
        if cloud:
            spec["cloud"].pop("state", None)
        spec["services"]["edge-api"] = {
            "type": "web",
            "build": {"context": "services/edge-api"},
            "port": 9000,
            "health": {"path": "/ready"},
        }

    files = _all_files(ci, "full", tmp_path, edit)
    handoff = files["docs/operations/handoff.md"]
    setup = handoff[: handoff.index("## Architecture")]
    pipelines = "\n".join(t for p, t in files.items() if p.startswith((".github/", ".gitlab")))
    required = _required(pipelines)
    # GitHub's `vars.X` / `secrets.X` contexts, not `steps.secrets.outputs` or `check-secrets.sh`.
    contexts = re.findall(r"(?<![\w.-])(?:vars|secrets)\.([A-Za-z_]\w*)", pipelines)
    required |= set(contexts) - {"GITHUB_TOKEN"}
    assert required
    delivery = (Path(__file__).resolve().parents[2] / "docs/delivery.md").read_text()
    for name in sorted(required):
        assert f"`{name}`" in setup, f"{ci}: {name} is not in the handoff's setup steps"
        assert f"`{name}`" in delivery, f"{ci}: {name} is not in docs/delivery.md"


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_production_never_creates_its_stack(ci: str, tmp_path: Path) -> None:
    files = _all_files(ci, "full", tmp_path)
    text = files[".gitlab-ci.yml" if ci == "gitlab" else ".github/workflows/deploy.yml"]
    doc = load_yaml(text)
    jobs = gitlab_jobs(doc) if ci == "gitlab" else doc["jobs"]

    def script(job: dict[str, Any]) -> str:
        return "\n".join(job.get("script") or [s.get("run", "") for s in job.get("steps", [])])

    # The deploy jobs (`pulumi up`); a destroy job names its stack with --stack and selects none.
    deploys = [job for job in jobs.values() if "pulumi up" in script(job)]
    production = [job for job in deploys if "'name': 'main'" in str(job.get("environment"))]
    others = [job for job in deploys if "'name': 'dev'" in str(job.get("environment"))]
    assert production and others  # full.yaml: main is production, dev is not
    for job in production:
        selects = [line for line in script(job).splitlines() if "pulumi stack select" in line]
        assert selects and not any("--create" in line for line in selects)
