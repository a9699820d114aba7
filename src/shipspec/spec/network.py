"""``cloud.network``: deploy into a VPC that already exists instead of creating one.

Most teams do not start from an empty account: a platform team owns the VPC, its
subnets and their routes, and applications are placed into it. The spec names the VPC
and its subnets by id; ``environments.<env>.network`` replaces them per environment
(production and staging VPCs differ). Only the ids' shapes are checked here (EC2 ids:
``vpc-``/``subnet-`` and 8 or 17 hexadecimal digits, as EC2 issues them); what the ids
point at (zones, routes) is read by the generated program when it runs, because only
the account knows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import Field

from .base import SpecModel
from .rules import Problem
from .yamlsource import Path

# EC2 resource ids: a prefix and 8 (older resources) or 17 lowercase hex digits.
VpcId = Annotated[str, Field(pattern=r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$")]
SubnetId = Annotated[str, Field(pattern=r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")]


class ExistingNetwork(SpecModel):
    """``cloud.network`` / ``environments.<env>.network``: the VPC to deploy into.

    Tasks, databases and caches go into ``private_subnet_ids`` (at least two, in
    different zones); internet-facing load balancers into ``public_subnet_ids`` (whose
    route table sends 0.0.0.0/0 to an internet gateway). The stack creates security
    groups in the VPC, never subnets, routes, NAT gateways or endpoints.
    """

    vpc_id: VpcId = Field(description="The VPC to deploy into, e.g. vpc-0a1b2c3d4e5f67890.")
    private_subnet_ids: list[SubnetId] = Field(
        min_length=2,
        description="Subnets for tasks and datastores: no route from the internet, "
        "at least two zones, egress through a NAT gateway (or your own egress path).",
    )
    public_subnet_ids: list[SubnetId] = Field(
        default_factory=list,
        description="Subnets routed to an internet gateway, for internet-facing load "
        "balancers; needed only when a web service is public.",
    )

    def _problems(self) -> Iterator[Problem]:
        for field in ("private_subnet_ids", "public_subnet_ids"):
            ids: list[str] = getattr(self, field)
            seen: set[str] = set()
            for subnet in ids:
                if subnet in seen:
                    yield Problem(
                        (field,),
                        f"subnet {subnet} is listed twice",
                        "list each subnet once",
                        (field,),
                        "duplicate-subnet",
                    )
                seen.add(subnet)
        both = sorted(set(self.private_subnet_ids) & set(self.public_subnet_ids))
        if both:
            yield Problem(
                ("public_subnet_ids",),
                f"{', '.join(both)} cannot be both private and public",
                "a subnet's route table makes it one or the other: list it once",
                ("private_subnet_ids", "public_subnet_ids"),
                "private-and-public",
            )


def network_problems(data: dict[str, Any]) -> Iterator[tuple[Path, str, str, str]]:
    """Cross-section rules of the existing network, on the raw document: (path, message,
    hint, code). An environment without ``network`` uses ``cloud.network``; an
    environment may not bring a network when there is no ``cloud.network`` to fall back
    on for the others, and a public web service needs public subnets to face the internet.
    """
    cloud = _mapping(data.get("cloud")).get("network")
    environments = _mapping(data.get("environments"))
    public_web = any(
        _mapping(s).get("type") == "web" and _mapping(s).get("public") is True
        for s in _mapping(data.get("services")).values()
    )
    own = {n: _mapping(e).get("network") for n, e in environments.items()}
    with_own = [n for n, net in own.items() if isinstance(net, dict)]
    if with_own and not isinstance(cloud, dict):
        bare = [n for n in environments if n not in with_own]
        if bare:
            yield (
                ("environments", with_own[0], "network"),
                f"only {', '.join(with_own)} name an existing network; {', '.join(bare)} would "
                "create a VPC of their own",
                "set `cloud.network` for every environment, or `network` in each one",
                "partial-network",
            )
    if not public_web:
        return
    lacking: dict[Path, list[str]] = {}
    for env_name in environments:
        own_network = own.get(env_name)
        chosen = own_network if isinstance(own_network, dict) else cloud
        path: Path = (
            ("environments", env_name, "network")
            if isinstance(own_network, dict)
            else ("cloud", "network")
        )
        if isinstance(chosen, dict) and not chosen.get("public_subnet_ids"):
            lacking.setdefault(path, []).append(env_name)
    for path, names in lacking.items():
        yield (
            path,
            f"{', '.join(names)} {'has' if len(names) == 1 else 'have'} a public web service but "
            "the network lists no `public_subnet_ids` for the internet-facing load balancer",
            "add two or more public subnets (routed to an internet gateway), in different zones",
            "no-public-subnets",
        )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
