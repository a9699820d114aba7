"""How traffic reaches each service: listener rules, ports, health checks, the balancer kind.

- **Listener rules.** Without ``routes`` on any service of a load balancer the rule stays
  the one shipspec always made: the first web service takes ``/*``, the others
  ``/<name>`` and ``/<name>/*``. Once a service of that balancer has ``routes``, each
  service's rule carries its path and host conditions and the priorities follow
  specificity, so a narrower rule is evaluated before a broader one: host-bound rules
  first, then longer literal path prefixes; the catch-all (``/*`` on any host) last, at
  priority 50000. Ties keep the spec's order, so priorities are deterministic and unique
  per listener (ALB evaluates rules from the lowest priority up; a request takes the
  first rule that matches).
- **Ports.** The main ``port`` mapping is named after the service; each further port
  ``<service>-<name or port>``, the Service Connect ``portName`` and ``discoveryName``
  of that port. Every port keeps the client alias ``<service>:<port>``.
- **Protocols.** http and grpc go through the ALB (grpc as an HTTP/2 target group with
  the gRPC health check); tcp, udp and tls through a Network Load Balancer of their own
  (tls: a TLS listener with an ACM certificate for ``<service>.<domain>``, a TCP target
  group behind it).
- **Names.** In an environment with a ``domain``, each Network Load Balancer gets the
  Route 53 alias ``<service>.<domain>`` in the environment's zone (:func:`nlb_name`): a
  name clients keep when the load balancer, and its AWS-generated DNS name, is replaced.
  Service names are unique and static sites take ``<site>.<domain>``, so no two collide;
  ``internal.<domain>`` is refused as a service name where it would (spec/traffic_checks).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from ..spec.models import Environment, HandoffSpec, Service
from ..spec.traffic import GRPC_HEALTH_PATH, NETWORK_PROTOCOLS, strip_prefix_rewrite
from ..spec.traffic_checks import MAX_DNS_NAME, hosted_zone
from .decisions import Decisions
from .model import HealthCheckPlan, PathRewrite, PortPlan, RoutePlan

CATCH_ALL_PRIORITY = 50000
FIRST_PRIORITY, PRIORITY_STEP = 100, 10
# Service Connect appProtocol per spec protocol: plain TCP has none (the proxy then
# forwards bytes). https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html
APP_PROTOCOL: dict[str, Literal["http", "grpc"] | None] = {
    "http": "http",
    "grpc": "grpc",
    "tcp": None,
}
# ALB gRPC health checks pass on gRPC status codes; 0 is OK (the standard health service
# answers SERVING with status 0). https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
GRPC_MATCHER = "0"
HTTP_MATCHER = "200-399"


def on_alb(service: Service) -> bool:
    return service.type == "web" and service.protocol not in NETWORK_PROTOCOLS


def nlb_name(name: str, service: Service, env: Environment, log: Decisions) -> dict[str, Any]:
    """A Network Load Balancer's stable name and its zone, as ``ServicePlan`` fields: the
    alias ``<service>.<domain>`` in the environment's zone, or nothing without a domain."""
    if service.type != "web" or service.protocol not in NETWORK_PROTOCOLS:
        return {}
    key = f"services.{name}.domain"
    domain = f"{name}.{env.domain}" if env.domain else None
    if domain is None or len(domain) > MAX_DNS_NAME:
        log.decide(
            key,
            None,
            (
                "no domain in this environment: clients use the load balancer's AWS-generated "
                "DNS name (stack output `urls`), which changes if the load balancer is replaced"
                if domain is None
                else f"{domain} is longer than a DNS name may be ({MAX_DNS_NAME}): no alias; "
                "clients use the load balancer's AWS-generated DNS name"
            ),
            domain=env.domain,
        )
        return {}
    zone = hosted_zone(env.domain or "", env.hosted_zone)
    tls = (
        f"; the TLS listener's ACM certificate is for {domain}, validated by DNS in {zone}"
        if service.protocol == "tls"
        else ""
    )
    log.decide(
        key,
        domain,
        f"a Route 53 alias {domain} in {zone} to the "
        f"{'internet-facing' if service.public else 'internal'} Network Load Balancer: the "
        "name clients use stays when the load balancer is replaced"
        + ("" if service.public else " (it resolves to private addresses)")
        + tls,
        domain=env.domain,
        hosted_zone=zone,
    )
    return {"domain": domain, "hosted_zone": zone}


def routing_table(spec: HandoffSpec) -> dict[str, RoutePlan]:
    """Each ALB-served web service's listener rule (priority, conditions, rewrite)."""
    table: dict[str, RoutePlan] = {}
    for public in (True, False):
        members = [(n, s) for n, s in spec.services.items() if on_alb(s) and s.public is public]
        if all(s.routes is None for _, s in members):
            for index, (name, _) in enumerate(members):
                table[name] = (
                    RoutePlan(priority=CATCH_ALL_PRIORITY, paths=["/*"])
                    if index == 0
                    else RoutePlan(
                        priority=FIRST_PRIORITY + PRIORITY_STEP * index,
                        paths=[f"/{name}", f"/{name}/*"],
                    )
                )
            continue
        table.update(_routed(members))
    return table


def _routed(members: list[tuple[str, Service]]) -> dict[str, RoutePlan]:
    """Rules for a balancer where some service has ``routes`` (the spec checked that exactly
    one catch-all exists: an explicit ``/*``, or the first service without routes)."""
    explicit = any(s.routes is not None and s.routes.catch_all for _, s in members)
    catch_all: str | None = None
    rules: list[tuple[tuple[int, int, int], str, list[str], list[str], Service]] = []
    for index, (name, service) in enumerate(members):
        routes = service.routes
        if routes is None:
            if not explicit and catch_all is None:
                catch_all = name
                continue
            paths, hosts = [f"/{name}", f"/{name}/*"], []
        elif routes.catch_all:
            catch_all = name
            continue
        else:
            paths, hosts = list(routes.paths), list(routes.hosts)
        rules.append((_specificity(paths, hosts, index), name, paths, hosts, service))
    table: dict[str, RoutePlan] = {}
    for rank, (_, name, paths, hosts, service) in enumerate(sorted(rules, key=lambda r: r[0])):
        rewrite = None
        if service.routes is not None and service.routes.strip_prefix:
            regex, replace = strip_prefix_rewrite(paths)
            rewrite = PathRewrite(regex=regex, replace=replace)
        table[name] = RoutePlan(
            priority=FIRST_PRIORITY + PRIORITY_STEP * rank,
            paths=paths,
            hosts=hosts,
            rewrite=rewrite,
        )
    if catch_all is not None:
        service = dict(members)[catch_all]
        hosts = list(service.routes.hosts) if service.routes else []
        table[catch_all] = RoutePlan(priority=CATCH_ALL_PRIORITY, paths=["/*"], hosts=hosts)
    return table


def _specificity(paths: list[str], hosts: list[str], index: int) -> tuple[int, int, int]:
    """Sort key, most specific first: a host condition, then the shortest of the paths'
    literal prefixes (longest first), then the spec's order."""
    literal = min((len(re.split(r"[*?]", p, maxsplit=1)[0]) for p in paths), default=0)
    return (0 if hosts else 1, -literal, index)


def plan_ports(name: str, service: Service, log: Decisions) -> list[PortPlan]:
    """The further ports and their Service Connect names."""
    ports = [
        PortPlan(
            port=p.port,
            protocol=p.protocol,
            name=f"{name}-{p.label}",
            app_protocol=APP_PROTOCOL[p.protocol],
        )
        for p in service.ports
    ]
    if ports:
        log.decide(
            f"services.{name}.ports",
            [f"{name}:{p.port}" for p in ports],
            "further container ports other services call: each a port mapping and a Service "
            "Connect server under the same client name with its own port ("
            + ", ".join(f"{p.name} {p.protocol}" for p in ports)
            + "); callers' security group rules open each of them",
            ports=[p.port for p in ports],
        )
    return ports


def plan_health(name: str, service: Service, log: Decisions) -> HealthCheckPlan | None:
    """What the load balancer probes, by protocol; None for services without one."""
    if service.type != "web":
        return None
    health, protocol = service.health, service.protocol
    path_given = health is not None and "path" in health.model_fields_set
    if protocol == "grpc":
        path = health.path if health is not None and path_given else GRPC_HEALTH_PATH
        check = HealthCheckPlan(protocol="HTTP", path=path, matcher=GRPC_MATCHER)
        reason = (
            f"gRPC: the ALB calls {path} over HTTP/2 and passes on gRPC status {GRPC_MATCHER} (OK)"
            + ("" if path_given else ": the standard grpc.health.v1 service")
        )
    elif protocol in NETWORK_PROTOCOLS:
        port = health.port if health is not None else None
        if path_given:
            assert health is not None
            check = HealthCheckPlan(
                protocol="HTTP", port=port, path=health.path, matcher=HTTP_MATCHER
            )
            reason = f"HTTP GET {health.path} on port {port or 'the traffic port'}"
        else:
            check = HealthCheckPlan(protocol="TCP", port=port)
            reason = f"a TCP connection to port {port or service.port}"
        if protocol == "udp":
            reason += ": an NLB cannot health-check UDP, so health.port names a TCP port"
        elif protocol == "tls":
            reason += ": the tasks speak plain TCP behind the TLS listener"
    else:
        path = health.path if health is not None else "/health"
        matcher = health.matcher if health is not None and health.matcher else HTTP_MATCHER
        check = HealthCheckPlan(protocol="HTTP", path=path, matcher=matcher)
        reason = f"HTTP GET {path}, healthy on {matcher}" + (
            " (the spec's health.matcher)" if matcher != HTTP_MATCHER else ""
        )
    log.decide(f"services.{name}.health_check", check.model_dump(exclude_none=True), reason)
    return check


def note_protocol(name: str, service: Service, log: Decisions) -> None:
    if service.protocol == "http" or service.type == "job":
        return
    if service.protocol == "grpc":
        how = (
            "gRPC: an HTTP/2 (protocol version GRPC) target group behind the HTTPS listener"
            if service.type == "web"
            else "gRPC"
        ) + "; Service Connect app protocol grpc, so the proxy speaks HTTP/2 to it"
    elif service.type == "web" and service.protocol == "tls":
        how = (
            f"TLS on port {service.port}: a Network Load Balancer of its own "
            f"({'internet-facing' if service.public else 'internal'}) whose TLS listener "
            "terminates TLS 1.2+ with an ACM certificate for "
            f"{service_label(name)} and forwards plain TCP to a TCP target group"
        )
    elif service.type == "web":
        how = (
            f"{service.protocol.upper()} on port {service.port}: a Network Load Balancer of its "
            f"own ({'internet-facing' if service.public else 'internal'}), a "
            f"{service.protocol.upper()} listener and target group; an ALB carries only HTTP"
        )
    else:
        how = "TCP: Service Connect forwards bytes (no app protocol, no HTTP metrics)"
    if service.app_tls:
        how += "; the application speaks TLS itself (`app_tls`), end to end"
    log.decide(f"services.{name}.protocol", service.protocol, how, kind=service.type)


def service_label(name: str) -> str:
    """How the decisions name a service's alias before the environment's domain is known."""
    return f"{name}.<domain>"
