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
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from ...plan.model import DeploymentModel
from ._pipeline import toolchain

HASHED_ASSET_DIRS = ("assets", "static", "_next/static")
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_SHORT = "public, max-age=300"
CACHE_PAGES = "no-cache"
# More changed paths than this are invalidated as one "/*" (a wildcard counts as one of
# the 1,000 free invalidation paths a month; CloudFront pricing).
MAX_INVALIDATION_PATHS = 15


@dataclass(frozen=True)
class SiteBuild:
    site: str
    context: str  # relative to the repository root
    command: str
    files: str  # the folder the build writes, relative to the repository root
    toolchain: str


@dataclass(frozen=True)
class SitePublish:
    site: str
    files: str  # relative to the repository root


def _in_repository(model: DeploymentModel, path: str) -> str:
    """A spec-relative path as the checkout has it (the spec may sit in a subfolder)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(model.spec_file), path))


def site_builds(model: DeploymentModel) -> list[SiteBuild]:
    return [
        SiteBuild(
            site=s.name,
            context=_in_repository(model, s.build_context),
            command=s.build_command or "",
            files=_in_repository(model, s.files),
            toolchain=toolchain(s.build_command) or "node",
        )
        for s in model.environments[0].static_sites
        if s.build_context is not None
    ]


def site_publishes(model: DeploymentModel) -> list[SitePublish]:
    return [
        SitePublish(site=s.name, files=_in_repository(model, s.files))
        for s in model.environments[0].static_sites
    ]


def static_sites_context(model: DeploymentModel) -> dict[str, Any]:
    return {
        "site_builds": site_builds(model),
        "site_publishes": site_publishes(model),
        "hashed_asset_dirs": HASHED_ASSET_DIRS,
        "cache_immutable": CACHE_IMMUTABLE,
        "cache_short": CACHE_SHORT,
        "cache_pages": CACHE_PAGES,
        "max_invalidation_paths": MAX_INVALIDATION_PATHS,
    }
