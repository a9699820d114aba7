"""How traffic reaches a service: its protocol, the extra ports others call, its routes.

``protocol`` says what the service's ``port`` speaks (``http`` by default; ``grpc``;
``tcp``, ``udp`` and ``tls`` behind a Network Load Balancer: ``tls`` is TCP the NLB
terminates TLS for, with an ACM certificate, so the tasks get plain TCP). ``ports`` lists
further container ports other services call through Service Connect (an OTLP port, a gRPC
port beside the HTTP one). ``routes`` replaces the default listener rule of a web service
(the first public web service takes ``/*``, the others ``/<name>``) with path and host
conditions.

The rules between these fields and the rest of a service live here
(:func:`traffic_problems`); ``models.Service`` only calls them.

Sources for the limits:
- ALB rule conditions: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
  (at most 3 values per condition, 5 per rule, 5 wildcards per rule; a path is at most
  128 characters of ``A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ?``; a host at most 128 of
  ``A-Z a-z 0-9 - . * ?`` with a "." and only letters and digits after the last one).
- Service Connect proxies TCP-based protocols only (``appProtocol`` http, http2, grpc, or
  none for plain TCP): https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect-concepts-deploy.html
- NLB health checks of a UDP target group use TCP, HTTP or HTTPS, never UDP:
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html
- An NLB TLS listener needs a server certificate (ACM) and a security policy; it forwards
  to TCP (or TLS) target groups:
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/create-tls-listener.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

# models imports this module at its end, once SpecModel exists (the package imports models
# first), so this import finds it defined.
from .models import SpecModel
from .rules import Problem
from .types import Name, Port

if TYPE_CHECKING:
    from .models import Service

Protocol = Literal["http", "grpc", "tcp", "udp", "tls"]
# A further port's: Service Connect carries it, never a load balancer, so no `tls` there.
PortProtocol = Literal["http", "grpc", "tcp", "udp"]
# Protocols a Network Load Balancer carries; the others go through the ALB.
NETWORK_PROTOCOLS = ("tcp", "udp", "tls")

# What a gRPC server answers when no `health.path` is given: the standard health service
# (grpc.health.v1) that gRPC frameworks ship. The ALB calls it over HTTP/2.
GRPC_HEALTH_PATH = "/grpc.health.v1.Health/Check"

# Listener rule values (see the module docstring for the source).
MAX_VALUES_PER_CONDITION = 3
MAX_VALUES_PER_RULE = 5
MAX_WILDCARDS_PER_RULE = 5
PATH_PATTERN = r"^/[A-Za-z0-9_\-.$/~\"'@:+&*?]{0,127}$"
HOST_PATTERN = r"^[A-Za-z0-9\-*?]+(\.[A-Za-z0-9\-*?]+)*\.[A-Za-z0-9]+$"
# A path strip_prefix can strip: a literal prefix, alone or followed by "/*".
STRIPPABLE = r"^(/[A-Za-z0-9_\-.$~\"'@:+&]+)+(/\*)?$"
CATCH_ALL = "/*"

RoutePath = Annotated[str, Field(pattern=PATH_PATTERN)]
RouteHost = Annotated[str, Field(max_length=128, pattern=HOST_PATTERN)]


class ExtraPort(SpecModel):
    """``ports: [{port: 4318, protocol: http, name: otlp}]``: a further container port that
    other services call as ``<service>:<port>`` through Service Connect."""

    port: Port
    protocol: PortProtocol = "http"
    name: Name | None = Field(
        default=None,
        description="Names the port mapping and its Service Connect discovery name "
        "(<service>-<name>); defaults to the port number.",
    )

    @property
    def label(self) -> str:
        return self.name or str(self.port)


class Routes(SpecModel):
    """``routes: {paths: [/api/*], hosts: [api.example.com], strip_prefix: true}``: the
    listener rule conditions of a web service (both given: a request must match both)."""

    paths: list[RoutePath] = Field(
        default_factory=list,
        description="ALB path patterns, e.g. /api/* (case-sensitive; * and ? are wildcards); "
        "/* alone is the balancer's catch-all.",
    )
    hosts: list[RouteHost] = Field(
        default_factory=list,
        description="Host names, e.g. api.example.com or *.example.com.",
    )
    strip_prefix: bool = Field(
        default=False,
        description="Remove the matched path prefix before the request reaches the service "
        "(an ALB url-rewrite transform): /api/orders arrives as /orders.",
    )

    @property
    def catch_all(self) -> bool:
        """Takes every request no other rule claims: ``/*`` on any host."""
        return not self.hosts and CATCH_ALL in self.paths

    def _problems(self) -> Iterator[Problem]:
        if not self.paths and not self.hosts:
            yield Problem(
                (),
                "routes need `paths` or `hosts`",
                "e.g. `paths: [/api/*]` or `hosts: [api.example.com]`; leave `routes` out for "
                "the default route",
                ("paths", "hosts"),
                "empty-routes",
            )
        for field, values in (("paths", self.paths), ("hosts", self.hosts)):
            if len(values) > MAX_VALUES_PER_CONDITION:
                yield Problem(
                    (field,),
                    f"an ALB rule condition takes at most {MAX_VALUES_PER_CONDITION} values, "
                    f"got {len(values)}",
                    "use a wildcard (e.g. /api/*) to cover several",
                    (field,),
                    "too-many-route-values",
                )
            for index, value in enumerate(values):
                if value in values[:index]:
                    yield Problem(
                        (field, str(index)),
                        f"lists {value!r} twice",
                        "remove the repeat",
                        (field,),
                        "duplicate-item",
                    )
        if len(self.paths) + len(self.hosts) > MAX_VALUES_PER_RULE:
            yield Problem(
                (),
                f"an ALB rule takes at most {MAX_VALUES_PER_RULE} paths and hosts together, "
                f"got {len(self.paths) + len(self.hosts)}",
                "use wildcards to cover several",
                ("paths", "hosts"),
                "too-many-route-values",
            )
        wildcards = sum(v.count("*") + v.count("?") for v in [*self.paths, *self.hosts])
        if wildcards > MAX_WILDCARDS_PER_RULE:
            yield Problem(
                (),
                f"an ALB rule takes at most {MAX_WILDCARDS_PER_RULE} wildcards, got {wildcards}",
                "list fewer patterns",
                ("paths", "hosts"),
                "too-many-route-values",
            )
        if self.strip_prefix:
            if not self.paths:
                yield Problem(
                    ("strip_prefix",),
                    "`strip_prefix` strips a path prefix; these routes have no `paths`",
                    "add e.g. `paths: [/api/*]`, or remove `strip_prefix`",
                    ("paths", "strip_prefix"),
                    "strip-without-paths",
                )
            for index, path in enumerate(self.paths):
                if not re.match(STRIPPABLE, path):
                    yield Problem(
                        ("paths", str(index)),
                        f"{path!r} has no literal prefix to strip: `strip_prefix` takes paths "
                        "such as /api or /api/*",
                        "write the prefix without wildcards before a final /*, or remove "
                        "`strip_prefix`",
                        ("paths", "strip_prefix"),
                        "not-strippable",
                    )


def strip_prefix_rewrite(paths: list[str]) -> tuple[str, str]:
    """The ALB url-rewrite (regex, replacement) that removes any of the paths' prefixes.

    ``/api/*`` and ``/api``: ``^/api(?:/(.*))?$`` → ``/$1``, so ``/api/orders?x=1`` reaches
    the service as ``/orders?x=1`` and ``/api`` as ``/``. Longest prefixes first, so
    ``/api/v2`` is stripped whole before ``/api`` could match. The rule's conditions already
    chose the request; a rewrite that does not match leaves it as it was (AWS: rule
    transforms, https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-transforms.html).
    """
    prefixes = sorted({p.removesuffix("/*") for p in paths}, key=lambda p: (-len(p), p))
    alternatives = "|".join(re.escape(p[1:]) for p in prefixes)
    group = alternatives if len(prefixes) == 1 else f"(?:{alternatives})"
    return f"^/{group}(?:/(.*))?$", "/$1"


def traffic_problems(service: Service) -> Iterator[Problem]:
    """Rules between ``protocol``, ``ports``, ``routes``, ``health`` and the service's type."""
    kind, protocol = service.type, service.protocol
    if protocol != "http" and kind == "job":
        yield Problem(
            ("protocol",),
            "`protocol` describes a port; a job has none",
            "remove `protocol`",
            ("type", "protocol"),
            "not-for-type",
        )
    elif protocol != "http" and service.port is None:
        yield Problem(
            ("protocol",),
            "`protocol` describes `port`, and this service has none",
            "add the `port` it listens on, or remove `protocol`",
            ("port", "protocol"),
            "protocol-without-port",
        )
    elif protocol == "udp" and kind == "worker":
        yield Problem(
            ("protocol",),
            "Service Connect proxies TCP only, so no service can call a UDP worker",
            "make it `type: web` (a Network Load Balancer; `public: false` keeps it inside the "
            "VPC), or use tcp",
            ("type", "protocol"),
            "udp-worker",
        )
    elif protocol == "tls" and kind == "worker":
        yield Problem(
            ("protocol",),
            "`tls` is a Network Load Balancer's TLS listener, and a worker has no load balancer",
            "make it `type: web` (`public: false` keeps it inside the VPC), or use tcp (with "
            "`app_tls: true` if the application speaks TLS itself)",
            ("type", "protocol"),
            "tls-worker",
        )
    if service.app_tls and protocol != "tcp":
        yield Problem(
            ("app_tls",),
            "`app_tls` says the application speaks TLS itself on a `tcp` port; this service's "
            f"port speaks {protocol}",
            "remove `app_tls`"
            + ("; with `tls` the load balancer terminates TLS" if protocol == "tls" else ""),
            ("protocol", "app_tls"),
            "not-for-protocol",
        )
    if service.routes is not None:
        if kind != "web":
            yield Problem(
                ("routes",),
                f"`routes` are for web services (listener rules); this service is a {kind}",
                "remove `routes`, or set `type: web`",
                ("type", "routes"),
                "not-for-type",
            )
        elif protocol in NETWORK_PROTOCOLS:
            yield Problem(
                ("routes",),
                f"a {protocol} service is behind a Network Load Balancer, which forwards by port "
                "and has no paths or hosts",
                "remove `routes`",
                ("protocol", "routes"),
                "routes-on-nlb",
            )
    yield from _port_problems(service)
    yield from _health_problems(service)


def _port_problems(service: Service) -> Iterator[Problem]:
    if not service.ports:
        return
    if service.type == "job" or service.port is None:
        yield Problem(
            ("ports",),
            "`ports` are further ports beside `port`"
            + ("; a job listens on none" if service.type == "job" else ", and there is no `port`"),
            "give the service its main `port` first" if service.type != "job" else "remove `ports`",
            ("type", "port", "ports"),
            "ports-without-port",
        )
        return
    seen_ports = {service.port: "`port`"}
    seen_names: set[str] = set()
    for index, extra in enumerate(service.ports):
        where = ("ports", str(index))
        if extra.protocol == "udp":
            yield Problem(
                (*where, "protocol"),
                "Service Connect proxies TCP only: no service could call a UDP port",
                "use tcp, http or grpc",
                ("ports",),
                "udp-port",
            )
        if extra.port in seen_ports:
            yield Problem(
                (*where, "port"),
                f"port {extra.port} is already {seen_ports[extra.port]}",
                "list each port once",
                ("port", "ports"),
                "duplicate-port",
            )
        seen_ports[extra.port] = f"ports[{index}]"
        if extra.label in seen_names:
            yield Problem(
                (*where, "name"),
                f"the name {extra.label!r} is taken by another port",
                "give each port its own name",
                ("ports",),
                "duplicate-port-name",
            )
        seen_names.add(extra.label)


def _health_problems(service: Service) -> Iterator[Problem]:
    health = service.health
    network = service.type == "web" and service.protocol in NETWORK_PROTOCOLS
    if health is not None and health.port is not None and not network:
        yield Problem(
            ("health", "port"),
            "`health.port` is for tcp, udp and tls web services (a Network Load Balancer's check); "
            "the ALB checks the traffic port",
            "remove `health.port`",
            ("type", "protocol", "health"),
            "not-for-protocol",
        )
    if (
        health is not None
        and health.matcher is not None
        and (service.type != "web" or service.protocol != "http")
    ):
        yield Problem(
            ("health", "matcher"),
            "`health.matcher` is the HTTP codes an ALB's check passes on, for http web "
            f"services; this one is a {service.protocol} {service.type}",
            "remove `health.matcher`",
            ("type", "protocol", "health"),
            "not-for-protocol",
        )
    if network and service.protocol == "udp" and (health is None or health.port is None):
        yield Problem(
            ("health",) if health is not None else ("protocol",),
            "a Network Load Balancer cannot health-check UDP: it checks a TCP port (or an HTTP "
            "path on one), so a UDP service needs `health.port`",
            "add `health: {port: <a TCP port the container listens on>}` (and `path:` for an "
            "HTTP check)",
            ("type", "protocol", "health"),
            "udp-health",
        )
