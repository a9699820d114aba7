"""``type: static``: a static site or single-page app, served from S3 through CloudFront.

A static service runs no container. Its files come either from a ``build`` whose
``command`` writes them to ``output`` (relative to the build ``context``), or from a
``source`` folder of ready files in the repository. CI uploads them to the site's
bucket after ``pulumi up`` and invalidates CloudFront's cache. Everything that sizes or
wires a container (cpu, memory, port, env, secrets, datastores, calls, scaling) does not
apply, and a static site is public by nature: CloudFront serves it to the internet.

The rules here run from :meth:`shipspec.spec.models.Service._problems`; they take the
service's fields rather than the model so this module never imports ``models``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .rules import Problem

# A folder in the repository, written into CI scripts: relative, no `..`, no characters a
# shell or YAML would read specially.
_SEGMENT = r"(\.?[A-Za-z0-9_-][A-Za-z0-9._-]*|\.)"  # any folder name but ".."
RELATIVE_DIR_PATTERN = rf"^{_SEGMENT}(/{_SEGMENT})*/?$"

# What a build runs when the spec gives no `command`: the usual npm project.
DEFAULT_BUILD_COMMAND = "npm ci && npm run build"

# Service fields a static site cannot use, with what to do instead.
_NOT_FOR_STATIC = {
    "image": "a static site is files, not a container: give `build` or `source`",
    "image_credentials": "a static site pulls no image",
    "port": "CloudFront serves the files over HTTPS; there is no container port",
    "health": "CloudFront serves from S3; there is no task to health-check",
    "env": "bake configuration into the build (e.g. VITE_* variables in the build command)",
    "secrets": "anything in a static site is public: keep secrets in a backend service",
    "uses": "a browser cannot reach datastores; call a web service that uses them",
    "calls": "the browser calls web services by their public URL, not Service Connect",
    "egress": "a static site runs no task: nothing goes out of it",
    "scaling": "CloudFront scales by itself",
    "capacity_rps": "CloudFront scales by itself",
    "timeout_seconds": "`timeout_seconds` is for workers",
    "schedule": "`schedule` is for jobs",
    "on_failure": "`on_failure` is for jobs: a static site has no runs to fail",
}
_CONTAINER_SIZE = ("cpu", "memory")


def static_problems(fields: Mapping[str, Any], fields_set: set[str]) -> Iterator[Problem]:
    """The rules of a ``type: static`` service; ``fields`` are its values by name."""
    build, source = fields["build"], fields["source"]
    if build is not None and source is not None:
        yield Problem(
            (),
            "has both `build` and `source`; give exactly one",
            "`build: {context: ./web, output: dist}` builds the files; `source: ./public` "
            "serves ready files",
            ("build", "source"),
            "build-and-source",
        )
    elif build is None and source is None:
        yield Problem(
            (),
            "a static site needs `build` (files its build writes) or `source` (ready files)",
            "e.g. `build: {context: ./frontend, output: dist}` or `source: ./public`",
            ("build", "source"),
            "no-files",
        )
    elif build is not None and build.output is None:
        yield Problem(
            ("build",),
            "a static site's `build` needs `output`: the folder its build writes, relative "
            "to `context`",
            "e.g. `output: dist` (Vite), `build` (Create React App), `out` (Next.js export)",
            ("build",),
            "no-output",
        )
    if "public" in fields_set and fields["public"] is False:
        yield Problem(
            ("public",),
            "a static site is always public: CloudFront serves it to the internet",
            "remove `public: false`; keep private tools as a `web` service with `public: false`",
            ("type", "public"),
            "not-for-type",
        )
    for name, hint in _NOT_FOR_STATIC.items():
        if name in fields_set and fields[name] not in (None, [], {}, False):
            yield Problem(
                (name,),
                f"`{name}` does not apply to a static site",
                hint,
                ("type", name),
                "not-for-type",
            )
    for name in _CONTAINER_SIZE:
        if name in fields_set:
            yield Problem(
                (name,),
                f"`{name}` does not apply to a static site: no container runs it",
                f"remove `{name}`",
                ("type", name),
                "not-for-type",
            )


def not_static_problems(
    kind: str, fields: Mapping[str, Any], fields_set: set[str]
) -> Iterator[Problem]:
    """The static-site fields on another kind of service."""
    for name in ("source", "spa"):
        if name in fields_set:
            yield Problem(
                (name,),
                f"`{name}` is for static sites; this service is a {kind}",
                f"remove `{name}`, or set `type: static`",
                ("type", name),
                "not-for-type",
            )
    build = fields["build"]
    if build is not None and (build.output is not None or build.command is not None):
        yield Problem(
            ("build",),
            f"`build.output` and `build.command` are for static sites; a {kind} builds its "
            "image from the Dockerfile",
            "remove them, or set `type: static`",
            ("type", "build"),
            "not-for-type",
        )
