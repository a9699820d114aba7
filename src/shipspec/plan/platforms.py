"""Which published images run on arm64 (AWS Graviton), so the plan may pick it.

An image runs on ARM64 Fargate only when its manifest list has a ``linux/arm64`` entry;
nothing at plan time can ask the registry, so this is a table of common images known to
publish one. Sources: the Docker official images' library files,
https://github.com/docker-library/official-images/tree/master/library (each tag's
``Architectures:`` line lists ``arm64v8``), and for the others the project's own
registry page (linked per entry). An image not listed is treated as x86_64-only: a wrong
guess the other way would fail every task at start with ``exec format error``.
"""

from __future__ import annotations

import re

_OFFICIAL = "docker-library/official-images library/{}: Architectures include arm64v8"

# Repository (without registry, tag or digest) -> where its arm64 support is stated.
MULTI_ARCH_IMAGES: dict[str, str] = {
    **{
        name: _OFFICIAL.format(name)
        for name in (
            "alpine",
            "amazoncorretto",
            "busybox",
            "caddy",
            "debian",
            "eclipse-temurin",
            "elasticsearch",
            "golang",
            "haproxy",
            "httpd",
            "mariadb",
            "memcached",
            "mongo",
            "mysql",
            "nginx",
            "node",
            "php",
            "postgres",
            "python",
            "rabbitmq",
            "redis",
            "ruby",
            "tomcat",
            "traefik",
            "ubuntu",
            "wordpress",
        )
    },
    "grafana/grafana": "https://hub.docker.com/r/grafana/grafana (linux/arm64 in every tag)",
    "prom/prometheus": "https://hub.docker.com/r/prom/prometheus (linux/arm64 in every tag)",
    "envoyproxy/envoy": "https://hub.docker.com/r/envoyproxy/envoy (linux/arm64 in every tag)",
    "aws-observability/aws-otel-collector": (
        "https://gallery.ecr.aws/aws-observability/aws-otel-collector (ARM64 and x86-64)"
    ),
    "dotnet/aspnet": "https://mcr.microsoft.com/product/dotnet/aspnet (arm64v8 tags in each list)",
    "dotnet/runtime": "https://mcr.microsoft.com/product/dotnet/runtime (arm64v8 in each list)",
}

# Registries that serve the Docker official images under another prefix.
_MIRRORS = (
    "docker.io/library/",
    "docker.io/",
    "index.docker.io/library/",
    "index.docker.io/",
    "public.ecr.aws/docker/library/",
    "public.ecr.aws/",
    "mcr.microsoft.com/",
    "library/",
)


def repository(image: str) -> str:
    """``public.ecr.aws/docker/library/nginx:1.27`` -> ``nginx``; tag and digest dropped."""
    name = image.split("@", 1)[0]
    name = re.sub(r":[^/:]+$", "", name)
    for prefix in _MIRRORS:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def arm64_source(image: str) -> str | None:
    """Where ``image`` is stated to publish linux/arm64; None when it is not known to.

    An image pinned by digest may name one platform's manifest rather than the list,
    so it is not known to run on arm64 whatever its repository.
    """
    if "@" in image:
        return None
    return MULTI_ARCH_IMAGES.get(repository(image))
