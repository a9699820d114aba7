"""The Route 53 zones the stacks look up, grouped by zone, for the handoff's hosted-zones step.

Each stack finds its zone by name in the AWS account it deploys to
(``aws.route53.get_zone_output(name=..., private_zone=False)`` in ``_dns.py``, for the
load balancers, and ``static_site.py``) and writes its certificates' DNS validation
records and its aliases there. DNS answers from one zone per name, the one the parent
delegates to: environments that share a zone must deploy in the account that holds it, or
the others write into a zone nobody queries and ``pulumi up`` fails waiting for the
certificate. Production in an account of its own (what the handoff recommends) therefore
cannot share a zone with the other environments: each of them gets a subzone in its own
account, named after its domain, delegated from the parent zone by an NS record there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ...plan.model import DeploymentModel
from ._ci_roles import shared_with_production


@dataclass(frozen=True)
class Delegation:
    """A subzone and the parent zone that delegates it (an NS record there)."""

    zone: str
    parent: str
    environments: list[str]  # those that deploy the subzone (its account)
    parent_environments: list[str]  # those that deploy the parent zone, if any
    suggested: bool = False  # not in the spec yet: what a separate account needs

    @property
    def file(self) -> str:
        return f"delegate-{self.zone}.json"

    @property
    def change_batch(self) -> str:
        """The ``--change-batch`` of ``route53 change-resource-record-sets``: an UPSERT of
        the subzone's NS record, with the four name servers Route 53 gave it."""
        return json.dumps(
            {
                "Comment": f"Delegate {self.zone} to its zone in its own account",
                "Changes": [
                    {
                        "Action": "UPSERT",
                        "ResourceRecordSet": {
                            "Name": self.zone,
                            "Type": "NS",
                            "TTL": 172800,
                            "ResourceRecords": [
                                {"Value": f"<name server {n} of {self.zone}>"} for n in range(1, 5)
                            ],
                        },
                    }
                ],
            },
            indent=2,
        )


@dataclass(frozen=True)
class ZoneGroup:
    zone: str
    environments: list[str]
    production: list[str]
    others: list[str]  # the non-production ones
    # Non-production environments that share production's zone but not (as far as the
    # plan knows) its account: each needs a subzone of its own, named `subzones[env]`.
    subzones: dict[str, str] = field(default_factory=dict)
    delegated_from: Delegation | None = None  # a zone inside another of the spec's zones
    # The spec names it for these environments alone (a subzone of another of its zones, or a
    # non-production domain's own zone): nobody else creates it, so the handoff says to, in
    # their account, before the first `pulumi up` looks it up.
    created: bool = False

    @property
    def caller_reference(self) -> str:
        """``create-hosted-zone``'s idempotency token: a retry with it creates no second zone."""
        return f"{self.zone[:126]}-1"  # at most 128 characters (botocore: CallerReference)


def zone_groups(model: DeploymentModel) -> list[ZoneGroup]:
    by_zone: dict[str, list[str]] = {}
    domains: dict[str, str | None] = {}
    for env in model.environments:
        zones = (
            {lb.hosted_zone for lb in env.load_balancers if lb.hosted_zone}
            | {s.hosted_zone for s in env.static_sites if s.hosted_zone}
            # A Network Load Balancer's alias <service>.<domain> (network_service.py).
            | {s.hosted_zone for s in env.services if s.hosted_zone}
        )
        for zone in zones:
            by_zone.setdefault(zone, []).append(env.name)
        domains[env.name] = env.domain
    production = {e.name for e in model.environments if e.production}
    same_vpc = set(shared_with_production(model))
    groups = []
    for zone in sorted(by_zone, key=lambda z: (z.count("."), z)):
        envs = by_zone[zone]
        prod = [e for e in envs if e in production]
        others = [e for e in envs if e not in production]
        subzones = {}
        if prod:
            for e in others:
                domain = domains[e]
                if e not in same_vpc and domain and domain != zone:
                    subzones[e] = domain
        parents = [p for p in by_zone if p != zone and zone.endswith(f".{p}")]
        delegated = None
        if parents:
            parent = max(parents, key=len)
            delegated = Delegation(zone, parent, envs, by_zone[parent])
        created = delegated is not None or any(
            domains[e] == zone and e not in production for e in envs
        )
        groups.append(ZoneGroup(zone, envs, prod, others, subzones, delegated, created))
    return groups


def delegations(groups: list[ZoneGroup]) -> list[Delegation]:
    """The NS records to create: the spec's subzones, then the ones a separate production
    account needs (``suggested``)."""
    found = [g.delegated_from for g in groups if g.delegated_from is not None]
    for g in groups:
        for env, sub in sorted(g.subzones.items()):
            found.append(Delegation(sub, g.zone, [env], g.production, suggested=True))
    return found
