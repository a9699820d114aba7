"""Reverse proxies in front of the application: replaced by the load balancer, or kept.

A compose proxy (nginx, traefik, caddy, haproxy, envoy) publishes the application's
port and forwards to the services it ``depends_on``. On AWS the Application Load Balancer
can take its place when it only forwards: its nginx configuration (read from the file
compose bind-mounts) says on which port each upstream listens and which paths go where.
The proxy is replaced only when every upstream then has a port the load balancer can
reach; otherwise it is kept as the public service it was (its configuration must then be
baked into its image, which the report says how to do), so the application never loses
its way in.

Traefik is configured on the services it fronts, by labels (its Docker provider): a
router's ``rule`` (``PathPrefix(`/api`)``, ``Host(`shop.example.com`)``), the
``stripprefix`` middleware it names, and ``loadbalancer.server.port``. Those labels are read
the same way, and every labelled service is an upstream even without ``depends_on``.
Source: Traefik's Docker provider routing reference and its StripPrefix middleware page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .context import Context
from .envoy import read_envoy
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
    hosts: list[str] = field(default_factory=list)  # Host(...) rules: reported, not routed


def proxy_upstreams(
    data: dict[str, Any], rest: dict[str, Any], stores: set[str], compose: str
) -> list[str]:
    """The application services a published proxy image forwards to: its ``depends_on``,
    and for Traefik every service its labels route to."""
    image = data.get("image")
    if not isinstance(image, str) or "build" in data or not data.get("ports"):
        return []
    name = parse_image(image).name
    if name not in PROXIES:
        return []
    targets = set(mapping(data.get("depends_on")))
    if name == "traefik":
        exposed = exposed_by_default(data)
        targets |= {s for s, d in rest.items() if traefik_route(mapping(d).get("labels"), exposed)}
    return sorted(t for t in targets if t in rest and t not in stores and t != compose)


_RULE_PATH = re.compile(r"\bPath(?:Prefix)?\(\s*`([^`{]*)(?:\{[^`]*\})?`")
_RULE_HOST = re.compile(r"\bHost\(\s*`([^`]+)`")


def exposed_by_default(data: dict[str, Any]) -> bool:
    """Traefik's ``providers.docker.exposedByDefault`` (true unless its command or
    environment turns it off): when off, only ``traefik.enable=true`` services are routed."""
    command = data.get("command")
    words = command.split() if isinstance(command, str) else [str(w) for w in sequence(command)]
    env = {str(k).upper(): str(v) for k, v in mapping(data.get("environment")).items()}
    settings = [w.partition("=")[2] for w in words if w.lower().startswith(_EXPOSED_FLAG)]
    settings.append(env.get("TRAEFIK_PROVIDERS_DOCKER_EXPOSEDBYDEFAULT", "true"))
    return all(s.lower() != "false" for s in settings)


_EXPOSED_FLAG = "--providers.docker.exposedbydefault="


def traefik_route(labels: Any, exposed: bool = True) -> Route | None:
    """The route Traefik's labels give one service, or None when it has no router.

    ``exposed``: the proxy routes services without ``traefik.enable`` (its default)."""
    labels = {str(k): str(v) for k, v in mapping(labels).items()}
    enable = labels.get("traefik.enable", "true" if exposed else "false").lower()
    if enable == "false":
        return None
    rules = {
        k: v for k, v in labels.items() if re.fullmatch(r"traefik\.http\.routers\.[^.]+\.rule", k)
    }
    ports = [v for k, v in labels.items() if k.endswith(".loadbalancer.server.port")]
    if not rules and not ports:
        return None
    route = Route(port=int(ports[0]) if ports and ports[0].isdigit() else None)
    stripping = {
        k.split(".")[3]
        for k in labels
        if re.fullmatch(r"traefik\.http\.middlewares\.[^.]+\.stripprefix\.prefixes", k)
    }
    for key, rule in sorted(rules.items()):
        router = key.split(".")[3]
        route.paths += [p or "/" for p in _RULE_PATH.findall(rule)]
        route.hosts += _RULE_HOST.findall(rule)
        used = labels.get(f"traefik.http.routers.{router}.middlewares", "")
        names = {m.strip().split("@")[0] for m in used.split(",")}
        route.strip = route.strip or bool(names & stripping)
    if rules and not route.paths:
        route.paths = ["/"]  # a Host-only router takes every path of that host
    return route


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


def read_routes(
    ctx: Context, compose: str, data: dict[str, Any], services: dict[str, Any]
) -> dict[str, Route] | None:
    """Upstream host -> its route, from the nginx or Envoy configuration or, for Traefik,
    the services' labels; None when nothing is readable. Envoy routes richer than listener
    rules land in ``ctx.rich_routes`` (the proxy is then kept)."""
    routes: dict[str, Route] = {}
    read = False
    if parse_image(str(data.get("image", ""))).name == "traefik":
        exposed = exposed_by_default(data)
        for name, service in services.items():
            route = traefik_route(mapping(service).get("labels"), exposed)
            if route is not None and name != compose:
                routes[name.lower()] = route
                read = True
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
        if parse_image(str(data.get("image", ""))).name == "envoy":
            envoy = read_envoy(raw, source)
            for upstream, (listens, paths, strip) in (envoy.upstreams if envoy else {}).items():
                routes[upstream] = Route(port=listens or 80, paths=paths, strip=strip)
            if envoy is not None and envoy.rich:
                ctx.rich_routes[compose] = envoy.rich
            continue
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
