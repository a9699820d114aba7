"""The test job installs the tools its command runs, taken from the generated pipelines and run
under fake commands the way CI runs them.

The job images model the real ones: GitHub's ubuntu-24.04 runner has pipx (its apps' folder on
PATH), npm and Corepack, but no uv, pnpm, Poetry...; GitLab's ``python:3.12`` image has Python
and pip but no pipx, whose apps' folder (``~/.local/bin``) is not on PATH; the ``node:22`` image
has Corepack. A tool is on PATH only once its installer put it there, so ``uv sync --frozen &&
uv run pytest -q`` passes here only if the job installs uv before the command, as in CI.
GitHub runs each step in its own shell: a folder added to PATH reaches the next step only
through ``$GITHUB_PATH``.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shipspec.plan.commands import LockFile, lock_files, programs
from shipspec.render.targets._commands import (
    COREPACK_VERSION,
    PIPX_VERSION,
    POETRY_VERSION,
    TOOLS,
    TOX_VERSION,
    UV_VERSION,
    tools,
)
from tests.conftest import EXAMPLES
from tests.delivery.delivery_support import Rendered, example_specs, gitlab_job, render_spec
from tests.delivery.fake_cli import FAKE, answer, rule, run_script

UV = "uv sync --frozen && uv run pytest -q"  # the review spec's command
PNPM = "pnpm install --frozen-lockfile && pnpm test"
# What the images lack until an installer provides it.
LACKING = ("uv", "uvx", "pipx", "poetry", "tox", "pnpm", "yarn", "corepack", "npm", "python3")

# pipx as the fake runs it: `install NAME==V` links the fake NAME into its apps' folder
# ($FAKE_PIPX_BIN_DIR), `environment --value PIPX_BIN_DIR` prints that folder.
FAKE_PIPX = r"""
import json, os, sys
from pathlib import Path
folder = Path(os.environ["FAKE_CLI_DIR"])
argv = sys.argv[1:]
with (folder / "calls.log").open("a") as log:
    log.write(json.dumps(["pipx", *argv]) + "\n")
apps = Path(os.environ["FAKE_PIPX_BIN_DIR"])
if argv[:3] == ["environment", "--value", "PIPX_BIN_DIR"]:
    print(apps)
    sys.exit(0)
if argv[:1] == ["install"]:
    if os.environ.get("FAKE_PIPX_FAILS"):
        sys.stderr.write("pipx: could not install\n")
        sys.exit(1)
    name = argv[-1].split("==")[0]
    apps.mkdir(parents=True, exist_ok=True)
    (apps / name).unlink(missing_ok=True)
    (apps / name).symlink_to(folder / "tools" / name)
    sys.exit(0)
sys.exit(97)
"""


def _fake(path: Path, code: str = FAKE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable} -IS\n{code}")  # not python3 from PATH: it is faked
    path.chmod(0o755)
    return path


def _rendered(ci: str, command: str, folder: Path) -> Rendered:
    spec = copy.deepcopy(example_specs()["shop"])
    spec["delivery"].update(ci=ci, test_command=command)
    return render_spec(spec, folder, f"shop-{ci}")


def _github_scripts(pipeline: Rendered, workflow: str = "deploy.yml") -> list[tuple[str, str]]:
    """The test job's run: steps in order, (name, body)."""
    job = pipeline.yaml(f".github/workflows/{workflow}")["jobs"]["test"]
    return [(s.get("name", ""), s["run"]) for s in job["steps"] if "run" in s]


def _gitlab_script(pipeline: Rendered) -> list[str]:
    return gitlab_job(pipeline.yaml(".gitlab-ci.yml"), "test")["script"]


class Job:
    """A test job's image: the fakes it has, and PATH as CI sets it up."""

    def __init__(
        self, folder: Path, *, pipx: bool, pipx_on_path: bool, corepack: bool, npm: bool = True
    ) -> None:
        self.folder = folder
        self.bin = folder / "bin"
        # The runner's pipx keeps its apps in a folder of its own (/opt/pipx_bin), the pip-installed
        # one in ~/.local/bin.
        self.apps = folder / ("pipx_bin" if pipx else ".local/bin")
        self.pipx_on_path = pipx_on_path
        hidden = folder / "tools"  # reachable only through an installer
        for tool in ("uv", "poetry", "tox", "pnpm", "yarn"):
            _fake(hidden / tool)
        _fake(hidden / "pipx", FAKE_PIPX)
        if pipx:
            _fake(self.bin / "pipx", FAKE_PIPX)
        if corepack:
            _fake(self.bin / "corepack")
        _fake(self.bin / "python3")
        _fake(self.bin / "pytest")
        if npm:
            _fake(self.bin / "npm")
        self.calls: list[list[str]] = []
        self.github_path: list[str] = []

    def run(self, body: str, rules: dict[str, list[dict]], shell: tuple[str, ...], **env: str):
        hidden = self.folder / "tools"
        rules = {
            **rules,
            "python3": [
                {
                    "when": ["-m", "pip", "install", f"pipx=={PIPX_VERSION}"],
                    "answers": [answer()],
                    "installs": {"pipx": str(hidden / "pipx")},
                }
            ],
            "corepack": [
                {
                    "when": ["enable"],
                    "answers": [answer()],
                    "installs": {"pnpm": str(hidden / "pnpm"), "yarn": str(hidden / "yarn")},
                }
            ],
        }
        system = self.folder / "system"
        path = [*self.github_path, str(self.bin)]
        path += [str(self.apps)] if self.pipx_on_path else []
        github_path = self.folder / "github_path"
        github_path.write_text("")  # the runner gives each step a file of its own
        result = run_script(
            body,
            rules,
            self.folder,
            shell=shell,
            image_lacks=LACKING,
            env={
                "FAKE_PIPX_BIN_DIR": str(self.apps),
                "GITHUB_PATH": str(github_path),
                **env,
                # run_script builds `system` (the image's own commands, less LACKING) first.
                "PATH": os.pathsep.join([*path, str(system)]),
            },
        )
        self.calls += result.calls
        # The runner adds what a step wrote to $GITHUB_PATH to the PATH of the steps after it.
        self.github_path = [*reversed(github_path.read_text().split()), *self.github_path]
        return result


GITHUB_SHELL = ("bash", "--noprofile", "--norc", "-eo", "pipefail")


def _run_github(
    pipeline: Rendered, folder: Path, rules: dict, *, pipx_on_path: bool = True, **env: str
) -> tuple[Job, int, str]:
    """Every run: step of the test job, in order, each in its own shell; stops at a failure."""
    job = Job(folder, pipx=True, pipx_on_path=pipx_on_path, corepack=True)
    output = ""
    for _, body in _github_scripts(pipeline):
        result = job.run(body, rules, GITHUB_SHELL, **env)
        output += result.stdout + result.stderr
        if result.code:
            return job, result.code, output
    return job, 0, output


def _run_gitlab(pipeline: Rendered, folder: Path, rules: dict, **env: str) -> tuple[Job, int, str]:
    """The job's script as GitLab's runner joins it, in an image without pipx."""
    node = _gitlab_script_image(pipeline).startswith("node:")
    job = Job(folder, pipx=False, pipx_on_path=False, corepack=node, npm=node)
    body = "\n".join(["set -eo pipefail", *_gitlab_script(pipeline)])
    result = job.run(body, rules, ("bash",), **env)
    return job, result.code, result.stdout + result.stderr


def _gitlab_script_image(pipeline: Rendered) -> str:
    return str(gitlab_job(pipeline.yaml(".gitlab-ci.yml"), "test")["image"])


def _run(ci: str, pipeline: Rendered, folder: Path, rules: dict, **env: str):
    if ci == "github":
        return _run_github(pipeline, folder, rules, **env)
    return _run_gitlab(pipeline, folder, rules, **env)


UV_RULES = {"uv": [rule("sync", "--frozen"), rule("run", "pytest")]}


def _first(calls: list[list[str]], *words: str) -> int:
    return next(i for i, c in enumerate(calls) if all(w in c for w in words))


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_a_uv_command_gets_uv_installed_before_it_runs(ci: str, tmp_path: Path) -> None:
    pipeline = _rendered(ci, UV, tmp_path / "out")
    job, code, output = _run(ci, pipeline, tmp_path / "job", UV_RULES)
    assert code == 0, output
    install = _first(job.calls, "pipx", "install", f"uv=={UV_VERSION}")
    ran = [c for c in job.calls[install + 1 :] if c[0] == "uv"]
    assert ran == [["uv", "sync", "--frozen"], ["uv", "run", "pytest", "-q"]]
    assert not [c for c in job.calls[:install] if c[0] == "uv"]
    if ci == "gitlab":  # no pipx in the python image: installed first, pinned
        assert _first(job.calls, "python3", "-m", "pip", f"pipx=={PIPX_VERSION}") < install


def test_github_passes_pipxs_folder_to_the_command_step(tmp_path: Path) -> None:
    """Where the runner's pipx apps are not on PATH, the setup step hands their folder on."""
    pipeline = _rendered("github", UV, tmp_path / "out")
    job, code, output = _run_github(pipeline, tmp_path / "job", UV_RULES, pipx_on_path=False)
    assert code == 0, output
    assert ["uv", "run", "pytest", "-q"] in job.calls
    assert job.github_path == [str(tmp_path / "job" / "pipx_bin")]


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_a_failed_install_stops_the_job_before_the_command(ci: str, tmp_path: Path) -> None:
    pipeline = _rendered(ci, UV, tmp_path / "out")
    job, code, output = _run(ci, pipeline, tmp_path / "job", UV_RULES, FAKE_PIPX_FAILS="1")
    assert code != 0, output
    assert job.calls[-1][:2] == ["pipx", "install"], job.calls  # the last thing that ran


@pytest.mark.parametrize("ci", ["github", "gitlab"])
@pytest.mark.parametrize(
    ("command", "rules"),
    [
        ("pytest", {"pytest": [rule()]}),
        ("npm ci && npm test", {"npm": [rule("ci"), rule("test")]}),
    ],
)
def test_a_command_of_the_images_own_tools_gets_no_setup(
    ci: str, command: str, rules: dict, tmp_path: Path
) -> None:
    pipeline = _rendered(ci, command, tmp_path / "out")
    if ci == "github":
        for workflow in ("deploy.yml", "pull-request.yml"):
            assert [n for n, _ in _github_scripts(pipeline, workflow)] == [
                "Run the handoff's test command"
            ]
    else:
        assert len(_gitlab_script(pipeline)) == 1
    job, code, output = _run(ci, pipeline, tmp_path / "job", rules)
    assert code == 0, output
    assert [c[0] for c in job.calls] == [p for p in programs(command)]


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_a_pnpm_command_enables_corepack_first(ci: str, tmp_path: Path) -> None:
    pipeline = _rendered(ci, PNPM, tmp_path / "out")
    if ci == "gitlab":
        assert _gitlab_script_image(pipeline).startswith("node:")
    rules = {"pnpm": [rule("install", "--frozen-lockfile"), rule("test")]}
    job, code, output = _run(ci, pipeline, tmp_path / "job", rules)
    assert code == 0, output
    assert [c[0] for c in job.calls] == ["corepack", "pnpm", "pnpm"]
    assert "test: corepack enable (the test command runs pnpm)" in output


def test_a_node_tool_in_a_python_image_fails_with_a_reason(tmp_path: Path) -> None:
    """`pytest && bun test` runs in GitLab's python image, which has no npm to install Bun."""
    pipeline = _rendered("gitlab", "pytest && bun test", tmp_path / "out")
    assert _gitlab_script_image(pipeline).startswith("python:")
    job, code, output = _run_gitlab(pipeline, tmp_path / "job", {"pytest": [rule()]})
    assert code == 1
    assert "error: bun: installed with Node.js's npm or Corepack, which this image lacks" in output
    assert job.calls == []


def test_the_pull_request_test_job_sets_up_the_same_tools(tmp_path: Path) -> None:
    pipeline = _rendered("github", "poetry install && poetry run tox", tmp_path / "out")
    assert _github_scripts(pipeline, "pull-request.yml") == _github_scripts(pipeline)
    names = [n for n, _ in _github_scripts(pipeline)]
    assert names == ["Set up poetry", "Run the handoff's test command"]
    setup = _github_scripts(pipeline)[0][1]
    assert f"poetry=={POETRY_VERSION}" in setup and "tox==" not in setup  # tox runs in poetry's env


# ---- reading the command -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (UV, ["uv"]),
        ("pytest -q", []),
        ("make test", []),
        ("npm ci && npm test", []),
        ("env -u HOME CI=1 tox -e py312", ["tox"]),
        ("cd api; poetry install || exit 1", ["poetry"]),
        ("uvx nox -s tests 2>&1 | tee log", ["uv"]),
        ("pip install tox && tox", []),  # installs its own
        ("corepack enable && pnpm test", []),
        ("pnpm i && yarnpkg test && bun test", ["pnpm", "yarn", "bun"]),
        ("echo 'uv && poetry'", []),  # quoted text runs nothing
    ],
)
def test_the_tools_a_command_runs(command: str, expected: list[str]) -> None:
    assert [t.name for t in tools(command)] == expected


def test_every_installed_tool_is_pinned() -> None:
    assert [t.requirement for t in tools("uv run tox")] == [f"uv=={UV_VERSION}"]
    assert [t.requirement for t in tools("tox")] == [f"tox=={TOX_VERSION}"]
    assert all(t.version for t in tools("poetry && pdm && hatch && pipenv && nox && bun"))


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (UV, [LockFile("uv.lock", "uv sync --frozen")]),
        ("uv run pytest", []),
        ("cd owner-portal && pnpm install --frozen-lockfile", ["owner-portal/pnpm-lock.yaml"]),
        ("npm ci && npm test", ["package-lock.json"]),
        ('cd "$(mktemp -d)" && npm ci', []),  # a folder it cannot know
        ("pipenv sync --dev && pipenv run pytest", ["Pipfile.lock"]),
    ],
)
def test_the_lock_files_a_command_demands(command: str, expected: list) -> None:
    found = lock_files(command)
    if expected and isinstance(expected[0], LockFile):
        assert found == expected
    else:
        assert [f.path for f in found] == expected


def test_the_docs_state_every_tool_and_its_pinned_version() -> None:
    """docs/delivery.md's table follows the constants (a bump there must reach the docs)."""
    docs = (Path(__file__).resolve().parents[2] / "docs/delivery.md").read_text()
    section = docs.split("## Tools the test command runs")[1].split("\n## ")[0]
    rows = {line.split("|")[1].strip(): line for line in section.splitlines() if "| `" in line}
    for command, tool in TOOLS.items():
        row = next((r for names, r in rows.items() if f"`{command}`" in names), None)
        assert row, f"{command} is not in docs/delivery.md"
        if tool.version:
            assert f"| {tool.version} |" in row, row
    assert f"pipx=={PIPX_VERSION}" in section and f"corepack@{COREPACK_VERSION}" in section


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # uv sync needs the project as well as its lock; `uv run` alone runs without one.
        (UV, [("pyproject.toml", "manifest"), ("uv.lock", "lock")]),
        ("uv run pytest", []),
        ("npm ci && npm test", [("package.json", "manifest"), ("package-lock.json", "lock")]),
        ("npm install -g serve && serve", []),  # installs what it names: no project
        ("make test", [("Makefile", "manifest")]),
        ("make -C api test", []),  # another folder's Makefile: not known
        (
            "cd services/api && ./gradlew test",
            [
                ("services/api/", "folder"),
                ("services/api/gradlew", "script"),
                ("services/api/settings.gradle", "manifest"),
            ],
        ),
        ("python manage.py test", [("manage.py", "script")]),
        ("python -m pytest", []),
        ("pip install -r requirements-dev.txt && pytest", [("requirements-dev.txt", "script")]),
        ("bundle install --deployment", [("Gemfile", "manifest"), ("Gemfile.lock", "lock")]),
        ("cargo test --locked", [("Cargo.toml", "manifest"), ("Cargo.lock", "lock")]),
        ("go test ./...", [("go.mod", "manifest")]),
        ('cd "$(mktemp -d)" && make', []),
        # `shipspec analyze` joins a monorepo's commands in subshells: each `cd` ends with its own.
        (
            "(cd api && go test ./...) && (cd web && npm test)",
            [
                ("api/", "folder"),
                ("api/go.mod", "manifest"),
                ("web/", "folder"),
                ("web/package.json", "manifest"),
            ],
        ),
    ],
)
def test_the_files_a_command_demands(command: str, expected: list) -> None:
    from shipspec.plan.commands import demanded_files

    assert [(d.path, d.kind) for d in demanded_files(command)] == expected


def test_tools_that_look_upwards_accept_a_file_above() -> None:
    from shipspec.plan.commands import demanded_files

    found = {d.path: d for d in demanded_files("cd web && npm ci && make build")}
    assert found["web/package-lock.json"].up and found["web/package-lock.json"].also == (
        "web/npm-shrinkwrap.json",
    )
    assert found["web/package-lock.json"].fix == "npm install"
    assert not found["web/Makefile"].up  # make reads the current folder's only


def test_doctor_reads_the_list_without_the_renderer(tmp_path: Path) -> None:
    """The repository files are the plan's: doctor's check never imports the renderer."""
    import shipspec

    model = shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"), spec_file="handoff.yaml")
    shipspec.generate(model, tmp_path)
    code = (
        "import sys; from pathlib import Path; "
        "from shipspec.model_io import read_model; "
        "from shipspec.doctor_repository import repository_files_check; "
        f"out = Path({str(tmp_path)!r}); c = repository_files_check(out, read_model(out)); "
        "print(c.status, sorted(m for m in sys.modules if m.startswith('shipspec.render')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert result.stdout.strip() == "fail []"
