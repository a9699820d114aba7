"""What the generated pipeline reads from the repository: one list, for the handoff's "Before
the first deploy" step and for ``shipspec doctor``'s ``repository-files`` check.

CI works on a fresh checkout of the commit, at the repository root (the output folder): a
file that is not committed is not there. The pipeline reads

- the test command's files (``delivery.test_command``, at the root): the lock files and
  manifests it demands, the scripts and folders it names (:mod:`shipspec.plan.commands`);
- each ``build:`` service's context and Dockerfile (the context relative to the spec's
  folder, as compose import writes it, the Dockerfile ``build.dockerfile`` inside it);
- each static site's build context and its build command's files, or its committed
  ``source:`` folder with the ``index.html`` the deploy job checks (spec-relative paths, as
  the repository has them: the spec may sit in a subfolder).

Which jobs read each is said per CI (:func:`readers`); the job names are those the CI
blueprints give them (a test keeps the two equal).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from .commands import Demand, demanded_files
from .model import DeploymentModel, ServicePlan


@dataclass(frozen=True)
class RepositoryFile:
    """A folder or file CI's checkout must have."""

    path: str  # relative to the repository root; a folder ends in "/"
    # "context" (a site's build folder), "source" (a site's committed files), "image-context"
    # and "dockerfile" (a service's image build), and the kinds of a command's demands:
    # "lock", "manifest", "script", "folder" (plan/commands.py)
    kind: str
    site: str | None = None  # the static site it is for
    command: str | None = None  # for a command's demand: the command (of the chain) it is for
    service: str | None = None  # the service whose image CI builds from it
    also: tuple[str, ...] = ()  # other paths that do as well (any one of them)
    up: bool = False  # the tool also finds it in a folder above (a workspace's root)
    fix: str = ""  # the command that writes it (a lock file's `uv lock`)

    @property
    def reader(self) -> str:
        """What reads it: "test", "image", "site" (a build) or "deploy" (a committed site)."""
        if self.service is not None:
            return "image"
        if self.site is None:
            return "test"
        return "deploy" if self.kind == "source" else "site"


def in_repository(model: DeploymentModel, path: str) -> str:
    """A spec-relative path as the checkout has it (the spec may sit in a subfolder)."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(model.spec_file), path))


def image_build(model: DeploymentModel, service: ServicePlan) -> tuple[str, str]:
    """A built service's context and Dockerfile as the checkout has them: what the
    pipeline's image build takes and what it reads from the repository."""
    assert service.build_context, f"{service.name} is not built from the repository"
    context = in_repository(model, service.build_context)
    return context, posixpath.normpath(posixpath.join(context, service.dockerfile or "Dockerfile"))


def _demands(demands: list[Demand], folder: str, **owner: str | None) -> list[RepositoryFile]:
    def at(path: str) -> str:
        return posixpath.normpath(posixpath.join(folder, path)) + (
            "/" if path.endswith("/") else ""
        )

    return [
        RepositoryFile(
            at(d.path),
            d.kind,
            command=d.why,
            also=tuple(at(a) for a in d.also),
            up=d.up,
            fix=d.fix,
            **owner,
        )
        for d in demands
    ]


def repository_files(model: DeploymentModel) -> list[RepositoryFile]:
    """Everything the pipeline reads from the checkout, in the order its jobs read it: the
    test command's files, the services' image builds, the static sites' builds, the static
    sites' committed folders."""
    found = _demands(demanded_files(model.test_command or ""), ".")
    first = model.environments[0]  # every environment runs the same services and sites
    for service in first.services:
        if not service.build_context:
            continue
        context, dockerfile = image_build(model, service)
        found.append(RepositoryFile(context + "/", "image-context", service=service.name))
        found.append(RepositoryFile(dockerfile, "dockerfile", service=service.name))
    sites = first.static_sites
    for site in sites:
        if site.build_context is None:
            continue
        context = in_repository(model, site.build_context)
        found.append(RepositoryFile(context + "/", "context", site.name))
        found += _demands(demanded_files(site.build_command or ""), context, site=site.name)
    found += [
        RepositoryFile(in_repository(model, s.files) + "/", "source", s.name)
        for s in sites
        if s.build_context is None
    ]
    return found


# The jobs that read each kind of file, as the CI blueprints name them ({env}: each
# environment, {service}, {site}).
_JOBS: dict[str, dict[str, tuple[str, ...]]] = {
    "github": {
        "test": ("test",),
        "image": ("images",),
        "site": ("sites",),
        "deploy": ("deploy-{env}",),
    },
    "gitlab": {
        "test": ("test",),
        "image": ("build:{service}", "publish:{service}"),
        "site": ("site:{site}",),
        "deploy": ("deploy:{env}",),
    },
}


def readers(model: DeploymentModel, file: RepositoryFile) -> list[str]:
    """The pipeline jobs that read the file (``test``, ``build:api``, ``deploy-prod``...)."""
    jobs = []
    for job in _JOBS[model.ci][file.reader]:
        envs = [e.name for e in model.environments] if "{env}" in job else [""]
        jobs += [job.format(env=e, service=file.service, site=file.site) for e in envs]
    return jobs
