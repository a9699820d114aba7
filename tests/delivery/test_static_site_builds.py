"""The static sites' build, taken from the generated pipelines and run under fake CLIs.

The job images model the real ones: neither GitHub's ubuntu-24.04 runner (with setup-node)
nor the ``node:22`` image has pnpm on PATH (actions/runner-images#2279), and Corepack puts
its pnpm and yarn shims there only on ``corepack enable``. So a pnpm build passes here only
if the script enables Corepack before running the command, exactly as it would in CI. A
build that fails, in any half of ``a && b``, fails the job before anything is uploaded.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.delivery.delivery_support import Rendered, example_specs, gitlab_job, render_spec
from tests.delivery.fake_cli import FAKE, Run, answer, rule, run_script
from tests.delivery.test_github_scripts import step

DEPLOY = ".github/workflows/deploy.yml"
PNPM = "pnpm install --frozen-lockfile && pnpm build"
NPM = "npm ci && npm run build"
# What the job images lack until Corepack (or npm) provides it.
LACKING = ("pnpm", "pnpx", "yarn", "yarnpkg", "corepack", "npm")


def _rendered(ci: str, command: str, folder: Path) -> Rendered:
    spec = copy.deepcopy(example_specs()["microservices"])
    spec["services"]["web"]["build"]["command"] = command
    spec["delivery"]["ci"] = ci
    return render_spec(spec, folder, f"microservices-{ci}")


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Rendered]:
    return {
        (ci, tool): _rendered(ci, command, tmp_path_factory.mktemp(f"{ci}-{tool}"))
        for ci in ("github", "gitlab")
        for tool, command in (("pnpm", PNPM), ("npm", NPM))
    }


def _script(pipeline: Rendered) -> tuple[str, tuple[str, ...]]:
    """The build script as CI runs it, and the shell it runs in."""
    if pipeline.model.ci == "github":
        body, _ = step(pipeline, DEPLOY, "sites", "Build web")
        return body, ("bash", "--noprofile", "--norc", "-eo", "pipefail")
    # GitLab's runner joins a job's script entries into one script under `set -eo pipefail`.
    script = gitlab_job(pipeline.yaml(".gitlab-ci.yml"), "site:web")["script"]
    return "\n".join(["set -eo pipefail", *script]), ("bash",)


def _fake(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/usr/bin/env python3\n{FAKE}")
    path.chmod(0o755)


def _build(
    pipeline: Rendered,
    tmp_path: Path,
    rules: dict[str, list[dict]],
    *,
    corepack_bundled: bool = True,
    repository: dict[str, str] | None = None,
    index: bool = True,
    context: bool = True,
) -> Run:
    """Run the site's build in a checkout where ``web/dist/index.html`` is already written
    (when ``index``: the fakes write nothing), with ``repository`` files at its root."""
    checkout = tmp_path / "temp"
    checkout.mkdir(parents=True)
    if context:
        (checkout / "web" / "dist").mkdir(parents=True)
    if index and context:
        (checkout / "web" / "dist" / "index.html").write_text("<!doctype html>")
    for relative, text in (repository or {}).items():
        (checkout / relative).write_text(text)
    # Reachable only through what corepack enable (or npm install --global) links into PATH.
    hidden = tmp_path / "hidden"
    for tool in ("pnpm", "yarn", "corepack"):
        _fake(hidden / tool)
    _fake(tmp_path / "bin" / "npm")
    if corepack_bundled:
        _fake(tmp_path / "bin" / "corepack")
    shims = {"pnpm": str(hidden / "pnpm"), "yarn": str(hidden / "yarn")}
    rules = {
        **rules,
        "corepack": [{"when": ["enable"], "answers": [answer()], "installs": shims}],
        "npm": [
            {
                "when": ["install", "--global", "corepack@"],
                "answers": [answer()],
                "installs": {"corepack": str(hidden / "corepack")},
            },
            *rules.get("npm", []),
        ],
    }
    body, shell = _script(pipeline)
    env = {"GITHUB_WORKSPACE": str(checkout), "CI": "true"}
    return run_script(body, rules, tmp_path, env=env, shell=shell, image_lacks=LACKING)


PNPM_OK = {"pnpm": [rule("install", "--frozen-lockfile"), rule("build")]}


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_a_pnpm_build_enables_corepack_first(
    pipelines: dict[tuple[str, str], Rendered], tmp_path: Path, ci: str
) -> None:
    result = _build(pipelines[ci, "pnpm"], tmp_path, PNPM_OK)
    assert result.code == 0, result.stdout + result.stderr
    tools = [call[0] for call in result.calls]
    assert tools == ["corepack", "pnpm", "pnpm"]
    assert result.calls[0] == ["corepack", "enable"]
    assert result.calls[1] == ["pnpm", "install", "--frozen-lockfile"]
    assert "web: corepack enable (the build command runs pnpm)" in result.stdout


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_node_without_corepack_installs_the_pinned_release(
    pipelines: dict[tuple[str, str], Rendered], tmp_path: Path, ci: str
) -> None:
    result = _build(pipelines[ci, "pnpm"], tmp_path, PNPM_OK, corepack_bundled=False)
    assert result.code == 0, result.stdout + result.stderr
    assert result.calls[0][:3] == ["npm", "install", "--global"]
    assert result.calls[1] == ["corepack", "enable"]


@pytest.mark.parametrize("ci", ["github", "gitlab"])
@pytest.mark.parametrize("failing", ["install", "build"])
def test_a_failed_build_fails_the_job(
    pipelines: dict[tuple[str, str], Rendered], tmp_path: Path, ci: str, failing: str
) -> None:
    """Either half of `pnpm install && pnpm build`, even with stale files in the output folder."""
    broken = {"pnpm": [rule(failing, code=1, err=f"ERR_PNPM {failing} failed"), *PNPM_OK["pnpm"]]}
    result = _build(pipelines[ci, "pnpm"], tmp_path, broken)
    assert result.code != 0, result.stdout
    assert "The build of web failed: its command exited with an error." in result.stdout
    if failing == "install":
        assert not result.called("pnpm", "build")


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_a_failed_npm_install_fails_the_job(
    pipelines: dict[tuple[str, str], Rendered], tmp_path: Path, ci: str
) -> None:
    """The && gotcha: `set -e` ignores the failure of `npm ci` in `npm ci && npm run build`."""
    rules = {"npm": [rule("ci", code=1, err="npm ERR! missing package-lock.json"), rule("run")]}
    result = _build(pipelines[ci, "npm"], tmp_path, rules)
    assert result.code != 0, result.stdout
    assert not result.called("npm", "run", "build")


REPOSITORIES = {
    "package.json names pnpm": (
        {"package.json": '{"packageManager": "pnpm@10.12.1"}'},
        "./package.json names its packageManager",
    ),
    "a root yarn.lock": ({"yarn.lock": ""}, "/temp/yarn.lock exists"),
    "plain npm": ({"package-lock.json": "{}"}, None),
}


@pytest.mark.parametrize("ci", ["github", "gitlab"])
@pytest.mark.parametrize("case", REPOSITORIES)
def test_an_npm_command_enables_corepack_only_where_the_repository_asks(
    pipelines: dict[tuple[str, str], Rendered], tmp_path: Path, ci: str, case: str
) -> None:
    files, reason = REPOSITORIES[case]
    # package.json sits in the build's folder, the lockfiles at the repository root.
    placed = {("web/" if k == "package.json" else "") + k: v for k, v in files.items()}
    rules = {"npm": [rule("ci"), rule("run", "build")]}
    result = _build(pipelines[ci, "npm"], tmp_path, rules, repository=placed)
    assert result.code == 0, result.stdout + result.stderr
    enabled = result.called("corepack", "enable")
    if reason is None:
        assert not enabled
    else:
        assert enabled and result.calls.index(enabled[0]) < result.calls.index(
            result.called("npm", "ci")[0]
        )
        assert reason in result.stdout


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_a_build_without_an_index_page_fails(
    pipelines: dict[tuple[str, str], Rendered], tmp_path: Path, ci: str
) -> None:
    result = _build(pipelines[ci, "pnpm"], tmp_path, PNPM_OK, index=False)
    assert result.code == 1
    assert "The build of web wrote no web/dist/index.html: check build.output." in result.stdout


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_a_build_context_missing_from_the_checkout_fails_first(
    pipelines: dict[tuple[str, str], Rendered], tmp_path: Path, ci: str
) -> None:
    """An uncommitted (or gitignored) build folder: a message that says so, nothing run."""
    result = _build(pipelines[ci, "pnpm"], tmp_path, PNPM_OK, context=False)
    assert result.code == 1
    assert result.calls == []
    assert "web/ is not in the repository: the static site web is built there" in result.stdout
