"""The traffic fields (protocol, ports, routes, health.port): what the spec accepts, and each
refusal located at its field with the reason AWS would give."""

from __future__ import annotations

import pytest

import shipspec
from shipspec.errors import SpecError
from shipspec.spec.traffic import strip_prefix_rewrite

HEAD = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: shop, owner: team-shop}
cloud: {region: eu-west-1}
environments:
  prod: {domain: shop.example.com}
services:
"""


def _load(services: str, head: str = HEAD, tail: str = ""):
    return shipspec.spec.loads(head + services + tail, "handoff.yaml")


def _problems(services: str, head: str = HEAD, tail: str = "") -> dict[str, tuple[int, str, str]]:
    """Each diagnostic's field path -> (line, message, hint)."""
    with pytest.raises(SpecError) as caught:
        _load(services, head, tail)
    return {d.path: (d.line, d.message, d.hint) for d in caught.value.diagnostics}


def test_every_traffic_field_is_accepted_together() -> None:
    spec = _load(
        """\
  web: {type: web, image: w:1, port: 8080, public: true, routes: {paths: ["/*"]}}
  api:
    type: web
    image: a:1
    port: 8000
    public: true
    protocol: grpc
    ports: [{port: 4318, name: otlp}, {port: 9090, protocol: grpc}]
    routes: {paths: [/api/*, /api], hosts: [api.shop.example.com], strip_prefix: true}
  game: {type: web, image: g:1, port: 7777, protocol: udp, public: true, health: {port: 7778}}
  search: {type: worker, image: s:1, port: 9200, protocol: tcp}
"""
    )
    api = spec.services["api"]
    assert api.protocol == "grpc"
    assert [(p.port, p.protocol, p.label) for p in api.ports] == [
        (4318, "http", "otlp"),
        (9090, "grpc", "9090"),
    ]
    assert api.routes is not None and api.routes.strip_prefix
    assert spec.services["web"].protocol == "http"  # the default
    assert spec.services["game"].health is not None and spec.services["game"].health.port == 7778


@pytest.mark.parametrize(
    ("services", "path", "line", "fragment"),
    [
        (
            "  w: {type: worker, image: w:1, port: 53, protocol: udp}\n",
            "services.w.protocol",
            8,
            "Service Connect proxies TCP only",
        ),
        (
            "  w: {type: web, image: w:1, port: 53, protocol: udp}\n",
            "services.w.protocol",
            8,
            "cannot health-check UDP",
        ),
        (
            "  j: {type: job, image: j:1, schedule: 'rate(1 hour)', protocol: tcp}\n",
            "services.j.protocol",
            8,
            "a job has none",
        ),
        ("  w: {type: worker, image: w:1, protocol: grpc}\n", "services.w.protocol", 8, "has none"),
        (
            "  w: {type: worker, image: w:1, port: 80, routes: {paths: [/a]}}\n",
            "services.w.routes",
            8,
            "are for web services",
        ),
        (
            "  w: {type: web, image: w:1, port: 80, protocol: tcp, routes: {paths: [/a]}}\n",
            "services.w.routes",
            8,
            "forwards by port",
        ),
        (
            "  w: {type: web, image: w:1, port: 80, routes: {strip_prefix: true}}\n",
            "services.w.routes",
            8,
            "need `paths` or `hosts`",
        ),
        (
            "  w: {type: web, image: w:1, port: 80, routes: {paths: [/a, /b, /c, /d]}}\n",
            "services.w.routes.paths",
            8,
            "at most 3 values",
        ),
        (
            "  w: {type: web, image: w:1, port: 80,"
            " routes: {paths: ['/*/x'], strip_prefix: true}}\n",
            "services.w.routes.paths.0",
            8,
            "no literal prefix",
        ),
        (
            "  w: {type: web, image: w:1, port: 80, ports: [{port: 80}]}\n",
            "services.w.ports.0.port",
            8,
            "already `port`",
        ),
        (
            "  w: {type: web, image: w:1, port: 80, ports: [{port: 81, protocol: udp}]}\n",
            "services.w.ports.0.protocol",
            8,
            "TCP only",
        ),
        (
            "  w: {type: worker, image: w:1, ports: [{port: 81}]}\n",
            "services.w.ports",
            8,
            "there is no `port`",
        ),
        (
            "  w: {type: web, image: w:1, port: 80, health: {port: 81}}\n",
            "services.w.health.port",
            8,
            "for tcp, udp and tls",
        ),
    ],
)
def test_a_service_s_own_traffic_rules(services: str, path: str, line: int, fragment: str) -> None:
    problems = _problems(services)
    assert path in problems, problems
    assert problems[path][0] == line
    assert fragment in problems[path][1]


def test_grpc_behind_an_alb_needs_https_in_every_environment() -> None:
    prod = "  prod: {domain: shop.example.com}\n"
    head = HEAD.replace(prod, "  dev: {}\n" + prod)
    services = "  api: {type: web, image: a:1, port: 50051, public: true, protocol: grpc}\n"
    problems = _problems(services, head)
    line, message, _ = problems["services.api.protocol"]
    assert line == 9 and "needs an HTTPS listener" in message and "dev" in message
    # With a domain everywhere the ALB listens on HTTPS: accepted.
    _load(services, head.replace("dev: {}", "dev: {domain: dev.example.com}"))
    # Internal: HTTPS only in production, so a non-production environment refuses it...
    internal = services.replace("public: true", "public: false")
    both = head.replace("dev: {}", "dev: {domain: dev.example.com}")
    assert "`worker`" in _problems(internal, both)["services.api.protocol"][2]
    # ...while a gRPC worker goes through Service Connect and needs no load balancer.
    _load("  api: {type: worker, image: a:1, port: 50051, protocol: grpc}\n", both)


def test_tls_needs_a_domain_in_every_environment_for_its_certificate() -> None:
    prod = "  prod: {domain: shop.example.com}\n"
    head = HEAD.replace(prod, "  dev: {}\n" + prod)
    services = "  ingest: {type: web, image: i:1, port: 7000, public: true, protocol: tls}\n"
    line, message, hint = _problems(services, head)["services.ingest.protocol"]
    assert line == 9 and "ACM certificate for ingest.<domain>" in message and "dev" in message
    assert "`domain`" in hint and "app_tls" in hint
    # A domain in every environment: the certificate has its name everywhere.
    spec = _load(services, head.replace("dev: {}", "dev: {domain: dev.example.com}"))
    assert spec.services["ingest"].protocol == "tls"
    # A name longer than DNS allows cannot be certified either.
    long_domain = ".".join(["a" * 60] * 3) + ".example.com"  # 195 characters
    far = HEAD.replace("shop.example.com", long_domain)
    long_name = "  " + "g" * 31 + ": {type: web, image: i:1, port: 7000, protocol: tls}\n"
    assert len("g" * 31 + "." + long_domain) <= 253  # fits: accepted
    _load(long_name, far)
    too_long = ".".join(["a" * 63] * 3) + "." + "b" * 30 + ".example.com"  # 234 characters
    problems = _problems(long_name, HEAD.replace("shop.example.com", too_long))
    assert "prod" in problems[f"services.{'g' * 31}.protocol"][1]


@pytest.mark.parametrize(
    ("services", "path", "fragment"),
    [
        (
            "  w: {type: worker, image: w:1, port: 7000, protocol: tls}\n",
            "services.w.protocol",
            "a worker has no load balancer",
        ),
        (
            "  w: {type: worker, image: w:1, port: 80, ports: [{port: 81, protocol: tls}]}\n",
            "services.w.ports[0].protocol",
            "'tcp' or 'udp', got 'tls'",
        ),
        (
            "  w: {type: web, image: w:1, port: 7000, protocol: tls, app_tls: true}\n",
            "services.w.app_tls",
            "the load balancer terminates TLS",
        ),
        (
            "  w: {type: web, image: w:1, port: 80, app_tls: true}\n",
            "services.w.app_tls",
            "remove `app_tls`",
        ),
    ],
)
def test_tls_and_app_tls_where_they_mean_something(services: str, path: str, fragment: str) -> None:
    problems = _problems(services)
    assert path in problems, problems
    assert fragment in problems[path][1] + problems[path][2]


def test_an_nlb_service_may_not_take_the_internal_load_balancer_s_name() -> None:
    services = (
        "  internal: {type: web, image: i:1, port: 7000, protocol: tcp}\n"
        "  admin: {type: web, image: a:1, port: 80}\n"
    )
    assert "internal.<domain>" in _problems(services)["services.internal"][1]
    # Without an internal Application Load Balancer the name is free.
    _load(services.replace("port: 80}", "port: 80, public: true}"))


def test_cross_service_rules_are_located() -> None:
    problems = _problems(
        """\
  web: {type: web, image: w:1, port: 80, public: true, routes: {paths: ["/*"]}, calls: [dns]}
  site: {type: web, image: w:1, port: 80, public: true, routes: {paths: ["/*"]}}
  dns: {type: web, image: d:1, port: 53, protocol: udp, health: {port: 8181}}
  api: {type: worker, image: a:1, port: 80, ports: [{port: 81, name: rpc}]}
  api-rpc: {type: worker, image: a:1}
""",
        tail="observability:\n  slos: [{service: dns, objective: 99, sli: availability}]\n",
    )
    assert problems["services.web.calls[0]"][0] == 8
    assert "UDP" in problems["services.web.calls[0]"][1]
    assert "already takes /*" in problems["services.site.routes.paths[0]"][1]
    assert "'api-rpc'" in problems["services.api.ports[0]"][1]
    assert "Network Load Balancer" in problems["observability.slos[0].service"][1]


def test_every_alb_has_exactly_one_catch_all() -> None:
    routed = "  api: {type: web, image: a:1, port: 80, public: true, routes: {paths: [/api/*]}}\n"
    problems = _problems(routed)
    assert "no service takes /*" in problems["services.api.routes"][1]
    # A service without routes keeps the default and takes /*.
    _load(routed + "  web: {type: web, image: w:1, port: 80, public: true}\n")
    # A host-only route is not a catch-all.
    hosts = routed.replace("paths: [/api/*]", "hosts: [api.shop.example.com]")
    assert "services.api.routes" in _problems(hosts)


def test_strip_prefix_rewrite_removes_the_prefix_as_the_alb_would() -> None:
    import re

    regex, replace = strip_prefix_rewrite(["/api/*", "/api", "/api/v2/*"])
    assert replace == "/$1"

    def rewrite(path: str) -> str:
        match = re.match(regex, path)
        return path if match is None else "/" + (match.group(1) or "")

    assert rewrite("/api/orders?x=1") == "/orders?x=1"
    assert rewrite("/api") == "/"
    assert rewrite("/api/v2/users") == "/users"  # the longer prefix first
    assert rewrite("/apiary") == "/apiary"  # not a prefix match: left as it was
