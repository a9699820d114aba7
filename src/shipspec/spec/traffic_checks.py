"""Traffic rules that span services and environments, checked on the validated spec.

- gRPC through an Application Load Balancer needs an HTTPS listener (AWS: "gRPC ...
  supported only with HTTPS listeners", target group protocol versions,
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-protocol-version);
  the stack has one only where the environment has a `domain` (and, for the internal
  load balancer, is production: `plan.network.plan_load_balancers`).
- An NLB TLS listener needs a certificate (AWS: "you must specify exactly one server
  certificate", https://docs.aws.amazon.com/elasticloadbalancing/latest/network/tls-listener-certificates.html),
  and an ACM certificate needs a name: `<service>.<domain>`, so a `tls` service needs a
  `domain` in every environment. Each Network Load Balancer's alias record takes that
  name, and `internal.<domain>` is the internal Application Load Balancer's in production:
  an NLB service named `internal` would take it.
- Service Connect proxies TCP only: a UDP service cannot be in anyone's `calls`.
- An NLB counts connections, not requests or responses: no SLO can be measured on it.
- Each Application Load Balancer has exactly one catch-all (`/*` on any host): the
  default route's first service, or the one whose `routes` say so.
- A further port's Service Connect discovery name `<service>-<name>` is unique in the
  namespace, so it may not be another service's name.
- An environment's hosted zone (given, or the domain's parent by default) may not be another
  environment's `domain`, unless that domain is its own zone's apex: that name is a record
  in the other environment's zone; a zone of that name does not exist (the zone lookup
  fails), and delegating one would hide the other environment's record (resolvers follow
  the delegation). A zone *inside* another environment's domain is fine: its NS records sit
  at its own name in the parent zone, below that record, and hide nothing above them
  (`acceptance.exchange.example.com` delegated from `example.com`, which holds
  `exchange.example.com`): the subzone a non-production environment needs in an account of
  its own (the handoff's hosted-zones step).
"""

from __future__ import annotations

from .capacity import PRODUCTION_NAMES
from .models import HandoffSpec, Service
from .traffic import CATCH_ALL, NETWORK_PROTOCOLS
from .yamlsource import Path

Conflict = tuple[Path, str, str, str]  # where, message, hint, code
MAX_DNS_NAME = 253  # characters of a DNS name (RFC 1035) and of an ACM certificate's


def _production(spec: HandoffSpec, name: str) -> bool:
    """The planner's rule (plan.planner.is_production)."""
    env = spec.environments[name]
    if env.production is not None:
        return env.production
    return name in PRODUCTION_NAMES or len(spec.environments) == 1


def _on_alb(service: Service) -> bool:
    return service.type == "web" and service.protocol not in NETWORK_PROTOCOLS


def _on_nlb(service: Service) -> bool:
    return service.type == "web" and service.protocol in NETWORK_PROTOCOLS


def _internal_alb_named(spec: HandoffSpec) -> bool:
    """Some production environment with a domain has an internal ALB (``internal.<domain>``)."""
    internal = any(_on_alb(s) and not s.public for s in spec.services.values())
    return internal and any(
        env.domain is not None and _production(spec, e) for e, env in spec.environments.items()
    )


def _tls_without_domain(spec: HandoffSpec, name: str) -> list[Conflict]:
    plain = [
        e
        for e, env in spec.environments.items()
        if env.domain is None or len(f"{name}.{env.domain}") > MAX_DNS_NAME
    ]
    if not plain:
        return []
    return [
        (
            ("services", name, "protocol"),
            "a TLS listener needs an ACM certificate for "
            f"{name}.<domain>, and {', '.join(plain)} {'has' if len(plain) == 1 else 'have'} "
            "no `domain`",
            "give every environment a `domain` (short enough that "
            f"{name}.<domain> fits {MAX_DNS_NAME} characters), or use `protocol: tcp` (with "
            "`app_tls: true` if the application speaks TLS itself)",
            "tls-needs-domain",
        )
    ]


def traffic_conflicts(spec: HandoffSpec) -> list[Conflict]:
    found: list[Conflict] = []
    services = spec.services
    for name, service in services.items():
        if _on_alb(service) and service.protocol == "grpc":
            found.extend(_grpc_without_https(spec, name, service))
        if service.type == "web" and service.protocol == "tls":
            found.extend(_tls_without_domain(spec, name))
        if _on_nlb(service) and name == "internal" and _internal_alb_named(spec):
            found.append(
                (
                    ("services", name),
                    "its Network Load Balancer's name would be internal.<domain>, which the "
                    "internal load balancer takes in production",
                    "rename the service (`renamed_from: internal` keeps its resources)",
                    "name-clash",
                )
            )
        for index, callee in enumerate(service.calls):
            target = services.get(callee)
            if target is not None and target.protocol == "udp":
                found.append(
                    (
                        ("services", name, "calls", index),
                        f"{callee!r} speaks UDP, which Service Connect cannot proxy (TCP only)",
                        f"remove it from `calls`; other services reach {callee} only through its "
                        "Network Load Balancer",
                        "udp-callee",
                    )
                )
        for index, extra in enumerate(service.ports):
            discovery = f"{name}-{extra.label}"
            if discovery in services:
                found.append(
                    (
                        ("services", name, "ports", index),
                        f"its Service Connect name {discovery!r} is the name of another service",
                        "give the port a `name` that makes it unique",
                        "port-name-clash",
                    )
                )
    for index, slo in enumerate(spec.observability.slos):
        target = services.get(slo.service)
        if target is not None and target.type == "web" and target.protocol in NETWORK_PROTOCOLS:
            found.append(
                (
                    ("observability", "slos", index, "service"),
                    f"{slo.service!r} is behind a Network Load Balancer, which counts connections, "
                    "not requests: there are no errors or latencies to hold an SLO to",
                    "measure the SLO in the application (Prometheus), or remove it",
                    "slo-on-nlb",
                )
            )
    for public in (True, False):
        found.extend(_catch_all(services, public))
    found.extend(_shadowing_zones(spec))
    return found


def hosted_zone(domain: str, zone: str | None) -> str:
    """The Route 53 zone holding ``domain``: ``zone`` when given, else the domain's parent.

    An apex domain (``example.com``) is its own zone; its parent would be a TLD.
    """
    if zone:
        return zone
    parent = domain.split(".", 1)[1]
    return parent if "." in parent else domain


def _shadowing_zones(spec: HandoffSpec) -> list[Conflict]:
    found: list[Conflict] = []
    envs = spec.environments
    for name, env in envs.items():
        if env.domain is None:
            continue
        zone = hosted_zone(env.domain, env.hosted_zone)
        for other, theirs in envs.items():
            if other == name or theirs.domain is None or theirs.domain == env.domain:
                continue
            their_zone = hosted_zone(theirs.domain, theirs.hosted_zone)
            if their_zone == theirs.domain:
                continue  # their domain is a zone's apex: a zone that exists, no record to hide
            if zone != theirs.domain:
                continue  # a zone below their record hides nothing (see the module docstring)
            given = env.hosted_zone is not None
            field = "hosted_zone" if given else "domain"
            what = f"the hosted zone {zone}" + ("" if given else " (the domain's parent)")
            found.append(
                (
                    ("environments", name, field),
                    f"{what} is {other}'s domain {theirs.domain}, a record in {other}'s "
                    "zone, not a zone",
                    f"set `hosted_zone` to a zone that holds {env.domain}, e.g. {their_zone} "
                    f"(the zone {other} uses); a zone named {theirs.domain} would hide "
                    f"{other}'s record",
                    "zone-shadows-domain",
                )
            )
            break
    return found


def _grpc_without_https(spec: HandoffSpec, name: str, service: Service) -> list[Conflict]:
    if service.public:
        plain = [e for e, env in spec.environments.items() if env.domain is None]
        why = "without a `domain`"
        hint = "give every environment a `domain` (the ALB then listens on HTTPS)"
    else:
        plain = [
            e
            for e, env in spec.environments.items()
            if env.domain is None or not _production(spec, e)
        ]
        why = "where the internal load balancer is HTTP (it has HTTPS only in production with a "
        why += "`domain`)"
        hint = "a gRPC service other services call is best a `worker` with a `port`: Service "
        hint += "Connect carries gRPC without a load balancer"
    if not plain:
        return []
    return [
        (
            ("services", name, "protocol"),
            "gRPC through an Application Load Balancer needs an HTTPS listener, and "
            f"{', '.join(plain)} {'is' if len(plain) == 1 else 'are'} {why}",
            hint,
            "grpc-needs-https",
        )
    ]


def _catch_all(services: dict[str, Service], public: bool) -> list[Conflict]:
    members = [(n, s) for n, s in services.items() if _on_alb(s) and s.public is public]
    if not members or all(s.routes is None for _, s in members):
        return []  # the default: the first takes /*, the others /<name>
    side = "internet-facing" if public else "internal"
    found: list[Conflict] = []
    explicit = [(n, s) for n, s in members if s.routes is not None and s.routes.catch_all]
    for name, service in explicit[1:]:
        assert service.routes is not None
        found.append(
            (
                ("services", name, "routes", "paths", service.routes.paths.index(CATCH_ALL)),
                f"{explicit[0][0]!r} already takes {CATCH_ALL} on the {side} load balancer",
                "give this service its own paths or hosts; one service per load balancer "
                "takes every request the others do not claim",
                "two-catch-alls",
            )
        )
    defaults = [n for n, s in members if s.routes is None]
    if not explicit and not defaults:
        name = members[0][0]
        found.append(
            (
                ("services", name, "routes"),
                f"no service takes {CATCH_ALL} on the {side} load balancer: requests that no "
                "route matches would get a 404",
                f"add {CATCH_ALL} to the `paths` of the service that should answer them (the "
                "application's entry point)",
                "no-catch-all",
            )
        )
    seen: dict[tuple[frozenset[str], frozenset[str]], str] = {}
    for name, service in members:
        if service.routes is None or service.routes.catch_all:
            continue  # a second catch-all is reported above
        key = (frozenset(service.routes.paths), frozenset(service.routes.hosts))
        if key in seen:
            found.append(
                (
                    ("services", name, "routes"),
                    f"routes the same paths and hosts as {seen[key]!r}: one of them would never "
                    "get a request",
                    "give each service its own paths or hosts",
                    "duplicate-route",
                )
            )
        seen.setdefault(key, name)
    return found
