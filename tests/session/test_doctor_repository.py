"""``shipspec doctor``'s ``repository-files`` check: what the generated pipeline reads from the
repository (the test command's manifest and lock file, a ``build:`` service's context and
Dockerfile, the static sites' folders) must be in the output folder and, in a git
repository, tracked, because CI checks out only what is committed.

The case that started it (a blind review): ``uv sync --frozen && uv run pytest -q`` at the
root of a repository with no pyproject.toml or uv.lock, and a service whose context holds
only a Dockerfile that copies the whole context: every first pipeline run fails."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import shipspec
from shipspec.doctor import DoctorReport
from shipspec.doctor_repository import copied_sources, repository_files_check
from shipspec.model_io import read_model
from tests.conftest import EXAMPLES

UV = "uv sync --frozen && uv run pytest -q"


def _spec(ci: str = "github") -> dict[str, Any]:
    """The shop example with the review's shapes: a uv test command, a service built from
    ``services/api`` and a static site published from its committed folder."""
    spec = yaml.safe_load((EXAMPLES / "shop.yaml").read_text())
    spec["delivery"].update(ci=ci, test_command=UV)
    spec["services"]["web"].pop("image")
    spec["services"]["web"]["build"] = {"context": "./services/api"}
    spec["services"]["console"] = {"type": "static", "source": "web/console"}
    return spec


def _generate(root: Path, spec: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "handoff.yaml").write_text(yaml.safe_dump(spec))
    model = shipspec.plan(shipspec.load(root / "handoff.yaml"), spec_file="handoff.yaml")
    shipspec.generate(model, root)
    return root


def _check(out: Path):
    return repository_files_check(out, read_model(out))


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


APP = {
    "pyproject.toml": "[project]\nname = 'shop'\nversion = '1'\n",
    "uv.lock": "version = 1\n",
    "services/api/Dockerfile": 'FROM python:3.12-slim\nCOPY app/ /app\nCMD ["python", "/app"]\n',
    "services/api/app/__main__.py": "print('hi')\n",
    "web/console/index.html": "<!doctype html>\n",
}


def git(root: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def _items(check) -> dict[str, dict[str, Any]]:
    return {i["path"]: i for i in check.items}


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_a_generated_repository_without_the_files_fails_with_each_path_job_and_fix(
    tmp_path: Path, ci: str
) -> None:
    out = _generate(tmp_path / "repo", _spec(ci))
    check = _check(out)
    assert check.status == "fail"
    items = _items(check)
    assert list(items) == [
        "pyproject.toml",
        "uv.lock",
        "services/api/",
        "services/api/Dockerfile",
        "web/console/",
    ]
    assert {i["problem"] for i in items.values()} == {"is missing"}
    assert items["uv.lock"]["fix"] == "commit uv.lock (`uv lock`)"
    assert "set delivery.test_command to `cd <folder> && …`" in items["pyproject.toml"]["fix"]
    assert "services.web.build.context" in items["services/api/"]["fix"]
    # The jobs named are the generated pipeline's own.
    ci_text = "\n".join(
        p.read_text() for p in [*out.glob(".github/workflows/*.yml"), *out.glob(".gitlab-ci.yml")]
    )
    jobs = re.findall(r"^  ([\w:-]+):$", ci_text, re.M) + re.findall(r"^([\w:-]+):$", ci_text, re.M)
    for item in items.values():
        assert item["jobs"] and set(item["jobs"]) <= set(jobs), item
    expected = {"github": ["images"], "gitlab": ["build:web", "publish:web"]}[ci]
    assert items["services/api/Dockerfile"]["jobs"] == expected
    assert items["uv.lock"]["jobs"] == ["test"]
    deploys = {"github": "deploy-{}", "gitlab": "deploy:{}"}[ci]
    envs = [e["name"] if isinstance(e, dict) else e for e in _spec()["environments"]]
    assert sorted(items["web/console/"]["jobs"]) == sorted(deploys.format(e) for e in envs)


def test_the_files_present_pass_outside_git(tmp_path: Path) -> None:
    out = _generate(tmp_path / "repo", _spec())
    _write(out, APP)
    check = _check(out)
    assert (check.status, check.detail) == ("pass", "5 present (not a git repository)")


def test_an_untracked_lock_file_fails_until_it_is_added(tmp_path: Path) -> None:
    out = _generate(tmp_path / "repo", _spec())
    _write(out, APP)
    git(out, "init", "-q")
    git(out, "add", "--", *[n for n in APP if n != "uv.lock"])
    git(out, "commit", "-qm", "app")
    check = _check(out)
    assert check.status == "fail"
    assert [(i["path"], i["problem"]) for i in check.items] == [("uv.lock", "is not committed")]
    assert check.items[0]["fix"] == "`git add uv.lock` and commit it"
    # Added, not committed: passes (CI will have it once the commit is pushed) and says so.
    git(out, "add", "uv.lock")
    check = _check(out)
    assert (check.status, check.detail) == (
        "pass",
        "5 tracked; added, not committed yet: uv.lock",
    )
    git(out, "commit", "-qm", "lock")
    assert _check(out).detail == "5 committed"


def test_an_ignored_folder_says_so(tmp_path: Path) -> None:
    out = _generate(tmp_path / "repo", _spec())
    _write(out, {**APP, ".gitignore": "web/\n"})
    git(out, "init", "-q")
    git(out, "add", ".")
    items = _items(_check(out))
    assert list(items) == ["web/console/"]
    assert items["web/console/"]["problem"] == "is not committed (it is in .gitignore)"
    assert "git check-ignore -v web/console/index.html" in items["web/console/"]["fix"]


def test_a_dockerfile_copying_what_its_context_lacks_fails(tmp_path: Path) -> None:
    out = _generate(tmp_path / "repo", _spec())
    _write(out, APP)
    (out / "services/api/app/__main__.py").unlink()
    (out / "services/api/app").rmdir()
    items = _items(_check(out))
    assert list(items) == ["services/api/Dockerfile"]
    assert items["services/api/Dockerfile"]["problem"] == (
        "copies app/ from the build context services/api/, which has no such path"
    )


def test_a_context_of_nothing_but_its_dockerfile_fails_as_in_the_review(tmp_path: Path) -> None:
    out = _generate(tmp_path / "repo", _spec())
    _write(out, {**APP, "services/api/Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n"})
    (out / "services/api/app/__main__.py").unlink()
    git(out, "init", "-q")
    git(out, "add", ".")
    items = _items(_check(out))
    assert items["services/api/Dockerfile"]["problem"] == (
        "copies its whole build context services/api/, where git tracks nothing but the Dockerfile"
    )
    _write(out, {"services/api/main.py": "print('hi')\n"})
    git(out, "add", ".")
    assert _check(out).status == "pass"


def test_copied_sources() -> None:
    dockerfile = """# syntax=docker/dockerfile:1
FROM node:22 AS build
COPY --chown=node package.json \\
     package-lock.json ./
COPY ["src", "/app/src"]
COPY --from=build /app/dist /srv
ADD https://example.com/x.tgz /tmp/
COPY *.md $HOME/ /docs/
COPY <<EOF /etc/x
EOF
"""
    assert copied_sources(dockerfile) == ["package.json", "package-lock.json", "src"]


def test_a_project_in_a_subfolder_gets_the_cd_hint(tmp_path: Path) -> None:
    out = _generate(tmp_path / "repo", _spec())
    _write(out, {k: v for k, v in APP.items() if k not in ("pyproject.toml", "uv.lock")})
    _write(out, {"services/api/pyproject.toml": APP["pyproject.toml"]})
    items = _items(_check(out))
    assert items["pyproject.toml"]["fix"] == (
        "pyproject.toml is in services/api: if the project lives there, set "
        f"delivery.test_command to `cd services/api && {UV}`"
    )
    assert items["uv.lock"]["fix"] == "commit uv.lock (`uv lock`)"


def test_a_lock_file_in_a_workspace_root_counts(tmp_path: Path) -> None:
    """`npm ci` in a site's context finds a workspace's package-lock.json above it."""
    spec = _spec()
    spec["delivery"]["test_command"] = "pytest"
    del spec["services"]["console"]["source"]
    spec["services"]["console"]["build"] = {"context": "./web/console", "output": "dist"}
    out = _generate(tmp_path / "repo", spec)
    _write(out, {k: v for k, v in APP.items() if k.startswith("services/")})
    _write(out, {"web/console/package.json": "{}", "package-lock.json": "{}"})
    check = _check(out)
    assert (check.status, check.detail) == ("pass", "5 present (not a git repository)")


def test_json_output_lists_each_file(
    tmp_path: Path, state_bucket: str, pulumi_on_path: Path, cli, monkeypatch
) -> None:
    out = _generate(tmp_path / "repo", _spec())
    monkeypatch.chdir(out)
    result = CliRunner().invoke(cli, ["doctor", ".", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    check = next(c for c in data["checks"] if c["name"] == "repository-files")
    assert check["status"] == "fail"
    assert check["items"][1] == {
        "path": "uv.lock",
        "problem": "is missing",
        "jobs": ["test"],
        "why": "a lock file, for `uv sync --frozen`",
        "fix": "commit uv.lock (`uv lock`)",
    }
    assert "items" not in next(c for c in data["checks"] if c["name"] == "pulumi-cli")
    text = CliRunner().invoke(cli, ["doctor", "."]).output
    assert "FAIL repository-files: 5 of 5 paths the pipeline reads\n" in text
    assert (
        "     uv.lock is missing\n       (a lock file, for `uv sync --frozen`; read by job test)\n"
        in text
    )


# What each example's pipeline reads, with the spec at the repository root.
EXAMPLE_FILES = {
    "full": [
        "Makefile",
        "admin/",
        "admin/Dockerfile.prod",
        "storefront/",
        "storefront/package.json",
        "storefront/package-lock.json",
        "handbook/site/",
    ],
    "microservices": ["Makefile", "web/", "web/package.json", "web/package-lock.json"],
    "minimal": [],
    "shop": [],
    "webapp": ["package.json"],
}


@pytest.mark.parametrize("name", sorted(EXAMPLE_FILES))
def test_the_examples(tmp_path: Path, name: str) -> None:
    spec = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())
    out = _generate(tmp_path / "repo", copy.deepcopy(spec))
    check = _check(out)
    if not EXAMPLE_FILES[name]:
        assert check.status == "pass"
        assert check.detail == "the pipeline reads nothing from the repository but its own files"
        return
    assert [i["path"] for i in check.items] == EXAMPLE_FILES[name]
    # The same list the handoff gives.
    handoff = (out / "docs/operations/handoff.md").read_text()
    step = handoff.split("**What the pipeline reads from the repository.**")[1]
    step = re.split(r"\n\d+\. \*\*", step)[0]
    assert re.findall(r"^   - `([^`]+)`", step, re.M) == EXAMPLE_FILES[name]
    # With every one of them committed, the check passes.
    for path in EXAMPLE_FILES[name]:
        target = out / path
        if path.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            if path.endswith("site/"):
                (target / "index.html").write_text("<!doctype html>\n")
            elif path.rstrip("/") == "admin":
                (target / "main.py").write_text("print('admin')\n")
        elif path.endswith("Dockerfile.prod"):
            target.write_text("FROM python:3.12-slim\nCOPY . /app\n")
        else:
            target.write_text("{}\n" if path.endswith(".json") else "test:\n\ttrue\n")
    git(out, "init", "-q")
    git(out, "add", ".")
    git(out, "commit", "-qm", "all")
    check = _check(out)
    assert (check.status, check.detail) == ("pass", f"{len(EXAMPLE_FILES[name])} committed")


def test_doctor_without_the_model_skips_it(tmp_path: Path, aws: str) -> None:
    from shipspec.doctor import run_doctor

    report: DoctorReport = run_doctor(tmp_path, pulumi="no-such-pulumi")
    check = next(c for c in report.checks if c.name == "repository-files")
    assert (check.status, check.detail) == ("skip", "needs the generated output")


def test_generate_warns_of_missing_build_folders_without_failing(tmp_path: Path, cli) -> None:
    """One stderr line at generate time for what the spec itself names (contexts,
    Dockerfiles, site folders); lock files and manifests are left to doctor."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "handoff.yaml").write_text(yaml.safe_dump(_spec()))
    result = CliRunner().invoke(cli, ["generate", str(root / "handoff.yaml")])
    assert result.exit_code == 0, result.output
    # (the spec's pages reach only email: the plan's warning about that is its own line)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: not")]
    assert warnings == [
        f"warning: not in {root}: services/api/ (web's build.context), services/api/Dockerfile "
        "(web's build.dockerfile), web/console/ (console's source); the pipeline's build and "
        f"deploy jobs read them (`shipspec doctor {root}` checks everything it reads)"
    ]
    assert "uv.lock" not in result.stderr
    _write(root, APP)
    again = CliRunner().invoke(cli, ["generate", str(root / "handoff.yaml")])
    assert again.exit_code == 0 and "warning: not" not in again.stderr
    (root / "services/api/Dockerfile").unlink()
    check = CliRunner().invoke(cli, ["generate", str(root / "handoff.yaml"), "--check"])
    assert check.exit_code == 0 and "warning:" not in check.stderr  # CI's check stays quiet
