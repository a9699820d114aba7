"""What a CI shell command needs installed: its toolchain and the tools CI must install first.
One reading for the test job (``delivery.test_command``) and the static sites' build jobs
(``build.command``), both CI targets. How a command line is split into its programs, and
which files of the repository a command demands (lock files, manifests), is the plan's
(``plan/commands.py``): ``shipspec doctor`` reads it too, without the renderer.

The tools: GitHub's ubuntu-24.04 runner ships Python, pip, pipx, Node.js with npm and
Corepack, and Yarn Classic, but not uv, Poetry, PDM, Hatch, Pipenv, tox, nox, pnpm or Bun
(actions/runner-images, images/ubuntu/Ubuntu2404-Readme.md, "Package Management"); the
GitLab test images (``python:3.12``, ``node:22``) have even less (no pipx). So before the
command runs, the job installs each tool it names that is in :data:`TOOLS`, at the version
pinned there (bump them here): the Python tools with pipx (itself installed with pip, pinned,
where the image lacks it), pnpm and yarn through Corepack (the version the repository's
``package.json`` pins in ``packageManager``), Bun from npm. A tool an earlier command of the
chain installs itself (``pip install tox && tox``, ``corepack enable && pnpm test``) is left
to it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...plan.commands import commands, programs

# The versions installed, each the newest release on its registry when written
# (`pip index versions <name>`, `npm view bun version`).
PIPX_VERSION = "1.18.16"
UV_VERSION = "0.13.10"
POETRY_VERSION = "2.5.1"
PDM_VERSION = "2.29.4"
HATCH_VERSION = "1.18.2"
PIPENV_VERSION = "2026.11.0"
TOX_VERSION = "4.67.17"
NOX_VERSION = "2026.10.20"
BUN_VERSION = "1.4.5"
# Installed only where Node.js no longer bundles Corepack (25 and later): the npm registry's
# `latest` release of the corepack package when this was written (`npm view corepack version`).
COREPACK_VERSION = "0.36.0"


@dataclass(frozen=True)
class Tool:
    """A program a job must install before a command can run it."""

    name: str  # the package, and the command that must be on PATH afterwards
    installer: str  # "pipx", "corepack" or "npm"
    version: str | None = None  # None: Corepack takes package.json's packageManager version

    @property
    def requirement(self) -> str:
        """What the installer is given: ``uv==0.13.10`` (pipx), ``bun@1.4.5`` (npm)."""
        return f"{self.name}{'==' if self.installer == 'pipx' else '@'}{self.version}"

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}" if self.version else f"{self.name} (Corepack)"


_UV = Tool("uv", "pipx", UV_VERSION)
_PNPM = Tool("pnpm", "corepack")
_YARN = Tool("yarn", "corepack")
_BUN = Tool("bun", "npm", BUN_VERSION)
# The tools CI installs, by the command names that run them.
TOOLS: dict[str, Tool] = {
    "uv": _UV,
    "uvx": _UV,
    "poetry": Tool("poetry", "pipx", POETRY_VERSION),
    "pdm": Tool("pdm", "pipx", PDM_VERSION),
    "hatch": Tool("hatch", "pipx", HATCH_VERSION),
    "pipenv": Tool("pipenv", "pipx", PIPENV_VERSION),
    "tox": Tool("tox", "pipx", TOX_VERSION),
    "nox": Tool("nox", "pipx", NOX_VERSION),
    "pnpm": _PNPM,
    "pnpx": _PNPM,
    "yarn": _YARN,
    "yarnpkg": _YARN,
    "bun": _BUN,
    "bunx": _BUN,
}

# The toolchain a command needs, by the first program it runs that names one. GitLab picks
# the test job's image by it, GitHub a setup action.
TOOLCHAINS: dict[str, str] = {
    **dict.fromkeys(["gradle", "gradlew", "mvn", "mvnw", "java", "sbt"], "java"),
    **dict.fromkeys(
        ["npm", "npx", "node", "yarn", "yarnpkg", "pnpm", "pnpx", "bun", "bunx"], "node"
    ),
    "go": "go",
    **dict.fromkeys(
        [
            *("python", "python3", "pytest", "tox", "nox", "make", "uv", "uvx"),
            *("poetry", "pdm", "hatch", "pipenv"),
        ],
        "python",
    ),
    "cargo": "rust",
    "dotnet": "dotnet",
    **dict.fromkeys(["bundle", "rake", "ruby", "rspec"], "ruby"),
}

# Programs that install packages: an earlier `pip install tox` provides tox itself.
_INSTALLERS = {"pip", "pip3", "pipx", "npm", "corepack", "python", "python3", "uv", "brew"}


def toolchain_of(command: str, default: str) -> str:
    """The toolchain of the first program the command runs that names one (``cd web && npm
    run build`` is node), ``default`` when none does."""
    return next((TOOLCHAINS[p] for p in programs(command) if p in TOOLCHAINS), default)


def _installs(words: list[str], tool: Tool) -> bool:
    """Whether a command (``pip install tox==4``, ``corepack enable``) installs ``tool``."""
    if words[0] not in _INSTALLERS:
        return False
    if tool.installer == "corepack" and words[:2] == ["corepack", "enable"]:
        return True
    named = {re.split(r"[=<>~!@\[]", w, maxsplit=1)[0] for w in words[1:] if w}
    return "install" in words[1:] and tool.name in named


def tools(command: str) -> list[Tool]:
    """The tools of :data:`TOOLS` the command runs that no earlier command of it installs, in
    the order it first runs them."""
    needed: list[Tool] = []
    seen: list[list[str]] = []
    for words in commands(command):
        tool = TOOLS.get(words[0])
        if tool and tool not in needed and not any(_installs(w, tool) for w in seen):
            needed.append(tool)
        seen.append(words)
    return needed


def describe(found: list[Tool]) -> str:
    """``uv 0.13.10 and tox 4.67.17`` for docs and comments."""
    labels = [t.label for t in found]
    return ", ".join(labels[:-1]) + (" and " if len(labels) > 1 else "") + labels[-1]
