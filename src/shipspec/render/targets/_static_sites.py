"""What both CI targets do for static sites: build them, then upload and invalidate.

A site with a ``build`` is built once per pipeline by its build command in its context
(GitHub: a ``sites`` job with the toolchain's pinned setup action, the files passed on as
an artifact; GitLab: a ``site:<name>`` job in the toolchain's image, the files as job
artifacts); a ``source`` site's files are in the checkout. Each deploy job, after
``pulumi up`` and the ECS checks, syncs them to the site's bucket from the stack output
``static_sites`` and invalidates what changed (``_pipeline/static.sh.j2``).

Cache headers: files under the folders bundlers write content-hashed names to (Vite
``assets/``, Create React App ``static/``, Next.js ``_next/static/``) are immutable for a
year; pages revalidate on every request (``no-cache``); anything else caches 5 minutes.

Package managers: neither GitHub's runner image (actions/runner-images#2279 declined to add
pnpm) nor the ``node`` image ships pnpm, and yarn only as Yarn Classic. Corepack, part of
Node.js 16.9 to 24, provides both at the version ``package.json``'s ``packageManager`` field
pins (``pnpm@10.12.1``), so a build whose command runs pnpm or yarn, or whose repository
declares one (the ``packageManager`` field, ``pnpm-lock.yaml``, ``yarn.lock``), runs
``corepack enable`` first. Node.js 25 and later no longer bundle Corepack; the build then
installs the pinned release from npm. Which tools a command runs (pnpm and yarn, but also uv,
Bun...) and how they are installed is read once for the test job and the builds
(``_commands.tools``, ``_pipeline/tools.sh.j2``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...plan.model import DeploymentModel
from ...plan.repository import in_repository
from ._commands import COREPACK_VERSION, Tool, toolchain_of, tools

HASHED_ASSET_DIRS = ("assets", "static", "_next/static")
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_SHORT = "public, max-age=300"
CACHE_PAGES = "no-cache"
# More changed paths than this are invalidated as one "/*" (a wildcard counts as one of
# the 1,000 free invalidation paths a month; CloudFront pricing).
MAX_INVALIDATION_PATHS = 15
# What a repository that uses Corepack has beside its package.json, checked in the build's
# folder and the repository root (a monorepo keeps one lockfile at the root).
COREPACK_LOCKFILES = ("pnpm-lock.yaml", "yarn.lock")


@dataclass(frozen=True)
class SiteBuild:
    site: str
    context: str  # relative to the repository root
    command: str
    files: str  # the folder the build writes, relative to the repository root
    toolchain: str
    # What the build installs before its command (_commands.tools: pnpm and yarn through
    # Corepack, uv, Bun...); without pnpm or yarn there, a node build still enables Corepack
    # when the repository declares one (package.json's packageManager, a lockfile).
    tools: tuple[Tool, ...] = ()


@dataclass(frozen=True)
class SitePublish:
    site: str
    files: str  # relative to the repository root


def site_toolchain(command: str) -> str:
    """The toolchain of the first program the command runs that names one (``cd web && npm
    run build`` is node), node when none does: a site build is a JavaScript bundler's job by
    default."""
    return toolchain_of(command, "node")


def site_builds(model: DeploymentModel) -> list[SiteBuild]:
    return [
        SiteBuild(
            site=s.name,
            context=in_repository(model, s.build_context),
            command=s.build_command or "",
            files=in_repository(model, s.files),
            toolchain=site_toolchain(s.build_command or ""),
            tools=tuple(tools(s.build_command or "")),
        )
        for s in model.environments[0].static_sites
        if s.build_context is not None
    ]


def site_publishes(model: DeploymentModel) -> list[SitePublish]:
    return [
        SitePublish(site=s.name, files=in_repository(model, s.files))
        for s in model.environments[0].static_sites
    ]


def site_sources(model: DeploymentModel) -> list[SitePublish]:
    """The sites published as committed (``source``): their folder must be in the checkout."""
    return [
        SitePublish(site=s.name, files=in_repository(model, s.files))
        for s in model.environments[0].static_sites
        if s.build_context is None
    ]


def static_sites_context(model: DeploymentModel) -> dict[str, Any]:
    return {
        "site_builds": site_builds(model),
        "site_publishes": site_publishes(model),
        "site_sources": site_sources(model),
        "hashed_asset_dirs": HASHED_ASSET_DIRS,
        "cache_immutable": CACHE_IMMUTABLE,
        "cache_short": CACHE_SHORT,
        "cache_pages": CACHE_PAGES,
        "max_invalidation_paths": MAX_INVALIDATION_PATHS,
        "corepack_version": COREPACK_VERSION,
        "corepack_lockfiles": COREPACK_LOCKFILES,
    }
