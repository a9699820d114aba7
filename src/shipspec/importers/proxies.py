"""Reverse proxies in front of the application: replaced by the load balancer, or kept.

A compose proxy (nginx, traefik, caddy, haproxy, envoy) publishes the application's
port and forwards to the services it ``depends_on``. On AWS the Application Load Balancer
can take its place when it only forwards: its nginx configuration (read from the file
compose bind-mounts) says on which port each upstream listens and which paths go where.
The proxy is replaced only when every upstream then has a port the load balancer can
reach; otherwise it is kept as the public service it was (its configuration must then be
baked into its image, which the report says how to do), so the application never loses
its way in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .context import Context
from .images import parse_image
from .report import ImportFailed
from .shapes import mapping, sequence

PROXIES = frozenset(
    {
        "nginx",
        "nginx-unprivileged",
        "traefik",
        "caddy",
        "haproxy",
        "envoy",
        "nginx-proxy",
        "openresty",
    }
)
_LOCATION = re.compile(
    r"location\s+(?:=\s*|\^~\s*)?(/[^\s{]*)\s*\{[^{}]*?proxy_pass\s+https?://([\w.-]+)"
    r"(?::(\d+))?(/[^;\s]*)?\s*;",
    re.S,
)
_UPSTREAM = re.compile(r"upstream\s+([\w.-]+)\s*\{[^}]*?server\s+([\w.-]+)(?::(\d+))?", re.S)


@dataclass
class Route:
    """What the proxy sends to one upstream: its port, the paths, whether the prefix goes."""

    port: int | None = None
    paths: list[str] = field(default_factory=list)
    strip: bool = False


def proxy_upstreams(
    data: dict[str, Any], rest: dict[str, Any], stores: set[str], compose: str
) -> list[str]:
    """The application services a published proxy image forwards to (its ``depends_on``)."""
    image = data.get("image")
    if not isinstance(image, str) or "build" in data or not data.get("ports"):
        return []
    if parse_image(image).name not in PROXIES:
        return []
    depends = mapping(data.get("depends_on"))
    return sorted(t for t in depends if t in rest and t not in stores and t != compose)


def config_files(data: dict[str, Any]) -> list[tuple[int, str, str]]:
    """``(volume index, source, target)`` of the files bind-mounted into the proxy."""
    found = []
    for index, volume in enumerate(sequence(data.get("volumes"))):
        if isinstance(volume, str):
            parts = volume.split(":")
            source, target = (parts[0], parts[1]) if len(parts) >= 2 else ("", "")
        else:
            volume = mapping(volume)
            source, target = str(volume.get("source", "")), str(volume.get("target", ""))
        if source.startswith((".", "/")) and target:
            found.append((index, source, target))
    return found


def read_routes(ctx: Context, compose: str, data: dict[str, Any]) -> dict[str, Route] | None:
    """Upstream host -> its route, from the nginx configuration; None when none is readable."""
    routes: dict[str, Route] = {}
    read = False
    for index, source, _target in config_files(data):
        path = ctx.project.directory / source
        try:
            raw = ctx.project.reader.read(
                path, ctx.where(compose, "volumes", index), what="proxy config", optional=True
            )
        except ImportFailed:
            continue
        if raw is None or path.is_dir():
            continue
        read = True
        text = raw.decode("utf-8", "replace")
        upstreams = {m.group(1): (m.group(2), m.group(3)) for m in _UPSTREAM.finditer(text)}
        for match in _LOCATION.finditer(text):
            location, host, port, uri = match.groups()
            host, port = upstreams.get(host, (host, port))
            route = routes.setdefault(host.lower(), Route())
            route.port = int(port) if port else route.port or 80
            route.paths.append(location)
            route.strip = route.strip or (bool(uri) and location != "/")
    return routes if read else None


def keep_note(compose: str, data: dict[str, Any]) -> str:
    """How to ship the proxy's configuration with its image."""
    image = str(data.get("image", ""))
    files = config_files(data)
    if not files:
        return f"its configuration is in the image {image}"
    copies = "; ".join(f"COPY {Path(s).as_posix()} {t}" for _, s, t in files)
    return f"bake its configuration into an image: FROM {image}; {copies}"
