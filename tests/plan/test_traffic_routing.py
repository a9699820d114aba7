"""Listener rules from `routes`: the old default kept without them; with them, priorities
that are unique per listener and put narrower rules first (ALB takes the first match)."""

from __future__ import annotations

import fnmatch

import shipspec
from shipspec.plan.traffic import routing_table

HEAD = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: shop, owner: team-shop}
cloud: {region: eu-west-1}
environments: {prod: {domain: shop.example.com}}
services:
"""


def _table(services: str) -> dict[str, tuple[int, list[str], list[str]]]:
    spec = shipspec.spec.loads(HEAD + services)
    return {n: (r.priority, r.paths, r.hosts) for n, r in routing_table(spec).items()}


def test_without_routes_the_first_takes_everything_and_the_others_their_name() -> None:
    table = _table(
        "  web: {type: web, image: w:1, port: 80, public: true}\n"
        "  admin: {type: web, image: a:1, port: 80, public: true}\n"
        "  ops: {type: web, image: o:1, port: 80}\n"
    )
    assert table == {
        "web": (50000, ["/*"], []),
        "admin": (110, ["/admin", "/admin/*"], []),
        "ops": (50000, ["/*"], []),  # the internal balancer has its own listener
    }


def _first_match(table: dict[str, tuple[int, list[str], list[str]]], host: str, path: str) -> str:
    """The service an ALB would pick: the lowest priority whose conditions all match."""
    for name, (_, paths, hosts) in sorted(table.items(), key=lambda item: item[1][0]):
        if (not paths or any(fnmatch.fnmatchcase(path, p) for p in paths)) and (
            not hosts or any(fnmatch.fnmatchcase(host, h) for h in hosts)
        ):
            return name
    return "404"


def test_routes_order_narrower_rules_first_and_keep_priorities_unique() -> None:
    table = _table(
        "  front: {type: web, image: f:1, port: 80, public: true}\n"
        "  api: {type: web, image: a:1, port: 80, public: true, routes: {paths: [/api/*]}}\n"
        "  v2: {type: web, image: a:1, port: 80, public: true, routes: {paths: [/api/v2/*]}}\n"
        "  admin: {type: web, image: a:1, port: 80, public: true,"
        " routes: {hosts: [admin.shop.example.com]}}\n"
    )
    priorities = [p for p, _, _ in table.values()]
    assert len(priorities) == len(set(priorities))
    assert table["front"] == (50000, ["/*"], [])  # no routes: the default catch-all
    assert _first_match(table, "shop.example.com", "/api/v2/users") == "v2"
    assert _first_match(table, "shop.example.com", "/api/orders") == "api"
    assert _first_match(table, "admin.shop.example.com", "/api/orders") == "admin"
    assert _first_match(table, "shop.example.com", "/basket") == "front"
    # Deterministic: the same spec plans the same priorities.
    assert table == _table(
        "  front: {type: web, image: f:1, port: 80, public: true}\n"
        "  api: {type: web, image: a:1, port: 80, public: true, routes: {paths: [/api/*]}}\n"
        "  v2: {type: web, image: a:1, port: 80, public: true, routes: {paths: [/api/v2/*]}}\n"
        "  admin: {type: web, image: a:1, port: 80, public: true,"
        " routes: {hosts: [admin.shop.example.com]}}\n"
    )
