"""Envoy's static configuration, read for the routes a load balancer can take over.

An Envoy front proxy names its routes in ``route_config.virtual_hosts[].routes``: a
``match`` (``prefix`` or ``path``) and a ``route`` to a cluster, optionally rewriting the
prefix (``prefix_rewrite: /`` strips it); clusters name their upstreams' addresses
(``load_assignment.endpoints[].lb_endpoints[].endpoint.address.socket_address``). Plain
prefix and path routes become listener rules. Anything else (regex or header matches,
weighted clusters, redirects, direct responses) is richer than listener rules carry, and
is returned as such so the proxy is kept with its configuration. Source: Envoy's
``config.route.v3`` RouteConfiguration, RouteMatch and RouteAction, and
``config.endpoint.v3`` ClusterLoadAssignment reference.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import SpecError
from ..spec.yamlsource import read_yaml

_PLAIN_MATCH = {"prefix", "path"}
_PLAIN_ACTION = {"cluster", "prefix_rewrite", "timeout"}


@dataclass
class EnvoyRoutes:
    """Upstream host -> (port, paths, strip); and the routes too rich for listener rules."""

    upstreams: dict[str, tuple[int | None, list[str], bool]] = field(default_factory=dict)
    rich: list[str] = field(default_factory=list)


def read_envoy(raw: bytes, shown: str) -> EnvoyRoutes | None:
    """The routes of an Envoy configuration file; None when it is not one."""
    try:
        document = read_yaml(raw, shown)
    except SpecError:
        return None
    if document.problems or not isinstance(document.data, dict):
        return None
    clusters = dict(_clusters(document.data))
    found = EnvoyRoutes()
    hosts = list(_all(document.data, "virtual_hosts"))
    if not hosts:
        return None
    for virtual_hosts in hosts:
        for host in virtual_hosts if isinstance(virtual_hosts, list) else []:
            for route in host.get("routes", []) if isinstance(host, dict) else []:
                _add(found, route, clusters)
    return found


def _add(found: EnvoyRoutes, route: Any, clusters: dict[str, tuple[str, int | None]]) -> None:
    match = route.get("match") if isinstance(route, dict) else None
    action = route.get("route") if isinstance(route, dict) else None
    if not isinstance(match, dict) or not isinstance(action, dict):
        found.rich.append(_shown(route))
        return
    path = match.get("prefix", match.get("path"))
    cluster = action.get("cluster")
    if (
        set(match) - _PLAIN_MATCH
        or set(action) - _PLAIN_ACTION
        or not isinstance(path, str)
        or not isinstance(cluster, str)
        or set(route) - {"match", "route", "name"}
    ):
        found.rich.append(_shown(route))
        return
    host, port = clusters.get(cluster, (cluster, None))
    known_port, paths, strip = found.upstreams.get(host.lower(), (None, [], False))
    paths.append(path if path.startswith("/") else "/" + path)
    strip = strip or (action.get("prefix_rewrite") == "/" and path not in ("", "/"))
    found.upstreams[host.lower()] = (port or known_port, paths, strip)


def _clusters(data: Any) -> Iterator[tuple[str, tuple[str, int | None]]]:
    for clusters in _all(data, "clusters"):
        for cluster in clusters if isinstance(clusters, list) else []:
            if not isinstance(cluster, dict) or not isinstance(cluster.get("name"), str):
                continue
            for address in _all(cluster, "socket_address"):
                if isinstance(address, dict) and isinstance(address.get("address"), str):
                    port = address.get("port_value")
                    yield (
                        cluster["name"],
                        (
                            address["address"],
                            int(port)
                            if isinstance(port, int) and not isinstance(port, bool)
                            else None,
                        ),
                    )
                    break


def _all(node: Any, key: str, depth: int = 0) -> Iterator[Any]:
    """Every value under ``key`` anywhere below ``node`` (bounded depth)."""
    if depth > 40:
        return
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                yield value
            yield from _all(value, key, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _all(item, key, depth + 1)


def _shown(route: Any) -> str:
    text = repr(route)
    return text if len(text) <= 100 else text[:97] + "..."
