"""Decisions for an environment that deploys into an existing VPC (``cloud.network``).

The stack then creates no VPC, subnets, routes, NAT gateways or interface endpoints: the
network belongs to whoever runs the account, and creating endpoints with private DNS in a
VPC that already has them fails. It still creates its security groups (every one
opens only the calls and uses the spec declares) and, where the plan asks for them,
flow logs on the VPC (a VPC takes several). What the plan cannot see, the zones of the
subnets and their routes, the program reads when it runs and refuses what cannot work.
"""

from __future__ import annotations

from ..spec.models import HandoffSpec
from . import rules
from .decisions import Decisions
from .model import ExistingNetworkPlan, NetworkPlan


def plan_existing_network(
    spec: HandoffSpec, env_name: str, production: bool, log: Decisions
) -> NetworkPlan | None:
    """The existing network this environment uses, or None when the stack creates one."""
    own = spec.environments[env_name].network
    chosen = own or spec.cloud.network
    if chosen is None:
        return None
    where = f"environments.{env_name}.network" if own else "cloud.network"
    log.decide(
        "network.vpc_id",
        chosen.vpc_id,
        f"{where}: deploy into the existing VPC; the stack creates security groups in it, "
        "never subnets, routes, NAT gateways or endpoints",
    )
    availability = spec.requirements.availability
    wanted = 3 if production and availability >= rules.THREE_AZ_AVAILABILITY else 2
    private = chosen.private_subnet_ids
    zones = log.decide(
        "network.az_count",
        len(private),
        f"{len(private)} private subnets from {where}; assumed to be in {len(private)} "
        f"different zones, which the program checks before it creates anything (at least "
        f"{wanted}: "
        + (
            f"availability {availability}% ≥ {rules.THREE_AZ_AVAILABILITY}% wants to survive "
            "an AZ outage with two left)"
            if wanted == 3
            else "a load balancer and a Multi-AZ database need two)"
        ),
        private_subnet_ids=list(private),
        availability=availability,
    )
    if zones < wanted:
        log.decide(
            "network.zone_shortfall",
            wanted - zones,
            f"the existing network offers {zones} private subnets where this environment's "
            f"availability asks for {wanted} zones: the plan keeps {zones}, and the stack "
            "survives fewer zone outages than the requirement assumes",
            wanted=wanted,
        )
    public = chosen.public_subnet_ids
    log.decide(
        "network.public_subnet_ids",
        list(public),
        f"{len(public)} public subnets for internet-facing load balancers; the program checks "
        "each routes 0.0.0.0/0 to an internet gateway"
        if public
        else "no public subnets: nothing faces the internet",
    )
    log.decide(
        "network.nat_gateway_count",
        0,
        "existing network: egress from the private subnets is the network's own (the program "
        "checks each private subnet has a default route that is not an internet gateway)",
    )
    log.decide(
        "network.interface_endpoints",
        [],
        "existing network: no interface endpoints created (a second endpoint with private DNS "
        "for the same service fails in a VPC that has one)",
    )
    regulated = sorted(set(spec.requirements.security.compliance) & rules.REGULATED)
    flow_logs = log.decide(
        "network.flow_log_retention_days",
        rules.LOG_RETENTION_REGULATED
        if regulated
        else (rules.LOG_RETENTION_PROD if production else None),
        f"{', '.join(regulated)} requires network traffic logs kept a year: the stack adds a "
        "flow log of its own to the existing VPC"
        if regulated
        else (
            "production: a flow log of the stack's own on the existing VPC, for forensics"
            if production
            else "non-production: no flow logs"
        ),
        compliance=regulated,
    )
    return NetworkPlan(
        cidr_block="",
        az_count=zones,
        zone_ids=[],
        nat_gateway_count=0,
        interface_endpoints=[],
        flow_log_retention_days=flow_logs,
        existing=ExistingNetworkPlan(
            vpc_id=chosen.vpc_id,
            private_subnet_ids=list(private),
            public_subnet_ids=list(public),
            min_private_zones=2,
            min_public_zones=2 if public else 0,
        ),
    )
