"""Network and load balancer decisions for one environment."""

from __future__ import annotations

import math
from typing import Literal

from ..spec.models import Environment, HandoffSpec
from ..spec.traffic_checks import hosted_zone
from . import rules
from .decisions import Decisions
from .image_pulls import ecr_registries, registries_through_nat, spec_images
from .model import LoadBalancerPlan, NetworkPlan
from .traffic import on_alb
from .zones import region_short, zone_ids


def plan_network(spec: HandoffSpec, production: bool, log: Decisions) -> NetworkPlan:
    availability = spec.requirements.availability
    if production and availability >= rules.THREE_AZ_AVAILABILITY:
        azs, reason = (
            3,
            f"availability {availability}% ≥ {rules.THREE_AZ_AVAILABILITY}% survives an AZ outage "
            "with two AZs left",
        )
    elif production:
        azs, reason = (
            2,
            f"availability {availability}% < {rules.THREE_AZ_AVAILABILITY}%: two AZs, the minimum "
            "a load balancer and Multi-AZ database need",
        )
    else:
        azs, reason = 2, "non-production: two AZs, the minimum a load balancer needs"
    region = spec.cloud.region
    known, in_table = zone_ids(region)
    if len(known) < azs:
        reason = f"{region} has only {len(known)} zones new accounts can use ({reason})"
        azs = len(known)
    azs = log.decide(
        "network.az_count", azs, reason, availability=availability, production=production
    )
    pinned = log.decide(
        "network.zone_ids",
        list(known[:azs]),
        f"subnets pinned to {azs} zone IDs of {region} (the same physical zones in every "
        "account), so an impaired zone never reshuffles subnets on the next `up`"
        if in_table
        else f"{region} is not in shipspec's zone table: assumed {region_short(region)}-az1.."
        f"az{azs}; `aws ec2 describe-availability-zones` lists the real ones, and the network "
        "refuses an ID the region lacks",
        region=region,
        az_count=azs,
    )
    if production:
        nats = log.decide(
            "network.nat_gateway_count",
            azs,
            "production: one NAT gateway per AZ so an AZ outage does not cut the others' egress",
            az_count=azs,
        )
        outside = registries_through_nat(spec)
        if spec.observability.prometheus == "managed":
            outside = sorted({*outside, "public.ecr.aws"})  # the ADOT collector's image
        endpoints = log.decide(
            "network.interface_endpoints",
            list(rules.PROD_INTERFACE_ENDPOINTS),
            f"production: image pulls from {spec.cloud.region}'s ECR ({_ecr_pulls(spec)}), "
            "logs and secrets stay off the NAT gateways (per-GB NAT processing costs more "
            "than the endpoints at production volume); "
            + (
                f"images from {', '.join(outside)} still pull through NAT"
                if outside
                else "every image of this spec is in ECR"
            ),
            production=True,
            registries_through_nat=outside,
        )
    else:
        nats = log.decide(
            "network.nat_gateway_count",
            1,
            "non-production: one shared NAT gateway; a NAT per AZ costs about $33/month each for "
            "redundancy nobody needs here",
            production=False,
        )
        endpoints = log.decide(
            "network.interface_endpoints",
            [],
            "non-production: interface endpoints cost more than the little NAT traffic they would "
            "save; the free S3 gateway endpoint still carries image layers",
            production=False,
        )
    regulated = sorted(set(spec.requirements.security.compliance) & rules.REGULATED)
    flow_logs = log.decide(
        "network.flow_log_retention_days",
        rules.LOG_RETENTION_REGULATED
        if regulated
        else (rules.LOG_RETENTION_PROD if production else None),
        f"{', '.join(regulated)} requires network traffic logs kept a year"
        if regulated
        else (
            "production: VPC flow logs for incident forensics"
            if production
            else "non-production: no flow logs"
        ),
        compliance=regulated,
    )
    return NetworkPlan(
        cidr_block=rules.VPC_CIDR,
        az_count=azs,
        zone_ids=pinned,
        nat_gateway_count=nats,
        interface_endpoints=endpoints,
        flow_log_retention_days=flow_logs,
    )


def plan_load_balancers(
    spec: HandoffSpec,
    env: Environment,
    production: bool,
    needs_test_listener: dict[str, bool],
    log: Decisions,
) -> list[LoadBalancerPlan]:
    # tcp and udp services have a Network Load Balancer each (components/network_service.py).
    webs = [(name, s) for name, s in spec.services.items() if on_alb(s)]
    balancers = []
    sides: tuple[tuple[Literal["public", "internal"], bool], ...] = (
        ("public", True),
        ("internal", False),
    )
    for visibility, public in sides:
        members = [name for name, s in webs if s.public is public]
        if not members:
            continue
        domain = env.domain if public else _internal_name(env.domain, production)
        https = domain is not None
        log.decide(
            f"load_balancers.{visibility}.https",
            https,
            (
                f"domain {env.domain} is set: HTTPS with an ACM certificate, HTTP redirects"
                if public
                else f"production with domain {env.domain}: HTTPS on {domain}, a public ACM "
                "certificate validated in the public zone (no private CA), so traffic inside "
                "the VPC is encrypted too; the name resolves to the load balancer's private IPs"
            )
            if https
            else (
                "no domain in this environment: HTTP only; set `domain` to serve HTTPS"
                if public
                else "internal load balancer: reachable only inside the VPC; HTTP"
                + (
                    ", as this environment is not production"
                    if env.domain
                    else " until the environment has a `domain`"
                )
            ),
            domain=env.domain,
            production=production,
        )
        waf = public and spec.requirements.security.waf
        if public:
            log.decide(
                f"load_balancers.{visibility}.waf",
                waf,
                "requirements.security.waf is true: AWS managed rules and a rate limit in front of "
                "the load balancer"
                if waf
                else "requirements.security.waf is false",
                waf=spec.requirements.security.waf,
            )
        rate_limit = (
            waf_rate_limit(spec.requirements.performance.peak_rps, visibility, log) if waf else None
        )
        hosted_zone = default_zone(env) if https else None
        balancers.append(
            LoadBalancerPlan(
                name=visibility,
                internet_facing=public,
                domain=domain,
                hosted_zone=hosted_zone,
                https=https,
                waf=waf,
                deletion_protection=production,
                needs_test_listener=any(needs_test_listener.get(m, False) for m in members),
                services=members,
                waf_rate_limit=rate_limit,
            )
        )
        log.decide(
            f"load_balancers.{visibility}.services",
            members,
            f"{'public' if public else 'private'} web services share one "
            f"{'internet-facing' if public else 'internal'} load balancer; without `routes` the "
            "first takes `/*` and the others `/<name>/*`, with them each its paths and hosts",
            services=members,
        )
    return balancers


def _internal_name(domain: str | None, production: bool) -> str | None:
    """``shop.example.com`` -> ``internal.shop.example.com`` in production, if it fits DNS."""
    if not (production and domain):
        return None
    name = f"internal.{domain}"
    return name if len(name) <= 253 else None


def _ecr_pulls(spec: HandoffSpec) -> str:
    """Whose images production's ECR endpoints carry: CI's (``build:``, pushed to the
    registry in production's account, which the other environments' accounts pull from
    through its repository policy: the handoff's "Image registry" step) and the spec's
    images in the region's ECR, whichever account holds them."""
    built = any(s.build is not None and s.type != "static" for s in spec.services.values())
    accounts = sorted(
        {r.account for r in ecr_registries(spec_images(spec)) if r.region == spec.cloud.region}
    )
    parts = (
        ["the images CI builds, in this account's registry, which the other environments pull from"]
        if built
        else []
    ) + [f"the spec's images in account {a}" for a in accounts]
    return "; ".join(parts) or "none of this spec's images: they come from elsewhere"


def default_zone(env: Environment) -> str | None:
    """The Route 53 zone for ``env.domain``: the spec's, else the domain's parent.

    An apex domain (``example.com``) is its own zone; its parent would be a TLD.
    """
    if not env.domain:
        return env.hosted_zone
    return hosted_zone(env.domain, env.hosted_zone)


def waf_rate_limit(peak_rps: float | None, visibility: str, log: Decisions) -> int:
    """Requests per client IP per 5 minutes before the load balancer's web ACL blocks it.

    WAF counts per source IP, and everyone behind one NAT (an office, a partner's
    gateway, a mobile carrier's CGNAT) is one IP: at 2,000 per 5 minutes (6.7 rps) a NAT of
    many users is shut out long before the service is busy. So the limit is a tenth of the
    spec's peak 5 minutes when that is more: one address may carry up to 10% of the peak
    load, a single flooding client is still stopped well before it matters, and slower
    abuse (credential stuffing) is left to the managed rules and the application.
    """
    key = f"load_balancers.{visibility}.waf_rate_limit"
    window = rules.WAF_RATE_LIMIT_WINDOW_SECONDS
    default = rules.WAF_RATE_LIMIT_DEFAULT
    if peak_rps is None:
        return log.decide(
            key,
            default,
            f"no performance.peak_rps: {default} requests per client IP per 5 minutes "
            f"({default / window:.1f} rps); users behind one NAT share it",
        )
    share = math.ceil(peak_rps * window * rules.WAF_RATE_LIMIT_PEAK_SHARE)
    limit = max(default, share)
    return log.decide(
        key,
        limit,
        f"requests per client IP per 5 minutes ({round(limit / window, 1):g} rps): "
        + (
            f"a tenth of the peak's 5 minutes ({peak_rps:g} rps × {window} s / 10 = {share}), "
            f"as {default} ({default / window:.1f} rps) would block a NAT of many users (an "
            "office, a partner's gateway) well below the peak"
            if share > default
            else f"{default}, as a tenth of the peak's 5 minutes ({share}) is less"
        )
        + "; users behind one NAT share it; a single client above it gets 403s",
        peak_rps=peak_rps,
    )
