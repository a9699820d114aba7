"""The addresses a peer sees the tasks' connections come from (handoff, "Security controls").

A service's ``egress`` to a specific address (not ``0.0.0.0/0`` or ``::/0``) is often to a
partner that admits only allow-listed sources: an acquirer's SFTP server, a bank's API, a
mail relay. Tasks run in private subnets without public IPs, so a connection to a public
IPv4 address leaves through a NAT gateway and the peer sees that gateway's Elastic IP. A
stack that creates its own VPC exports those addresses (``nat_public_ips``, the network
component); in an existing VPC the NAT gateways are the platform team's and the stack
exports none. A private range is not reached through NAT at all (it takes a peering, Transit
Gateway or VPN route, and the peer sees the tasks' private addresses), and a NAT gateway
carries no IPv6: those allowances are named apart.
"""

from __future__ import annotations

import ipaddress

from ...plan.model import EgressPlan, EnvironmentPlan
from ...spec.egress import OPEN
from ..engine import markdown_text

OUTPUT = "nat_public_ips"
# Ranges a VPC reaches over its own routes (peering, Transit Gateway, VPN), never through
# the internet: RFC 1918 and the shared address space of RFC 6598, both valid VPC ranges.
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(r)
    for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def allowance_text(e: EgressPlan) -> str:
    """``TCP 587 to 203.0.113.0/24 (SMTP submission to the mail relay)``, Markdown."""
    ports = str(e.from_port) if e.from_port == e.to_port else f"{e.from_port}-{e.to_port}"
    return f"{e.protocol.upper()} {ports} to {e.to} ({markdown_text(e.description)})"


def route(e: EgressPlan) -> str | None:
    """How an allowance's connections leave: ``nat`` (a public IPv4 address or a prefix list,
    whose public addresses NAT serves), ``private`` (a private IPv4 range), ``ipv6``, or None
    for an allowance to anywhere (no specific peer to allow-list the stack)."""
    if e.to in OPEN:
        return None
    if e.kind == "prefix-list":
        return "nat"
    if e.kind == "ipv6":
        return "ipv6"
    network = ipaddress.IPv4Network(e.to)
    return "private" if any(network.subnet_of(r) for r in PRIVATE_RANGES) else "nat"


def nat_output(env: EnvironmentPlan) -> str | None:
    """What the ``nat_public_ips`` output holds, for the handoff's outputs list; None where the
    stack exports none (an existing VPC)."""
    net = env.network
    if net.existing is not None:
        return None
    count = net.nat_gateway_count
    held = (
        "the public IPv4 address of the stack's NAT gateway (its Elastic IP), as a one-item list"
        if count == 1
        else f"the public IPv4 addresses of the stack's {count} NAT gateways (their Elastic "
        "IPs), a sorted list"
    )
    return (
        held + ": every task connection to a public IPv4 address that no VPC endpoint serves "
        "comes from " + ("it" if count == 1 else "one of them") + ", what a peer that admits "
        "only listed sources allow-lists (`--json` prints the list)"
    )


def _peers(env: EnvironmentPlan, kind: str) -> list[str]:
    return [
        f"{s.name}: {allowance_text(e)}" for s in env.services for e in s.egress if route(e) == kind
    ]


def peer_sources(env: EnvironmentPlan) -> str | None:
    """The addresses ``env``'s egress peers must allow-list (Markdown), None without an
    allowance to a specific address."""
    nat, private, ipv6 = _peers(env, "nat"), _peers(env, "private"), _peers(env, "ipv6")
    if not (nat or private or ipv6):
        return None
    net = env.network
    parts = []
    if nat:
        listed = "; ".join(nat)
        if net.existing is None:
            count = net.nat_gateway_count
            parts.append(
                f"{listed}: the peer sees these connections come from the stack's NAT "
                + ("gateway's Elastic IP" if count == 1 else f"gateways' {count} Elastic IPs")
                + ", never a task's own address. Allow-list "
                + ("the address" if count == 1 else "every address")
                + f" that `pulumi stack output --stack {env.name} {OUTPUT} --json` prints in "
                "`infra/` (a sorted list"
                + ("" if count == 1 else "; each zone's tasks leave through one of them")
                + "). The addresses stay while the gateways do: a change of the stack config's "
                "`network.natGatewayCount` adds or releases some, and the peer refuses the "
                "connections from a new one until its list has it"
            )
        else:
            parts.append(
                f"{listed}: the peer sees these connections come from the existing VPC "
                f"{net.existing.vpc_id}'s own egress (its NAT gateways' public addresses, or "
                "whatever the platform team routes the private subnets through), never a "
                "task's own address. The stack creates no NAT gateway and exports no "
                f"`{OUTPUT}`: ask the platform team which addresses the peer must allow-list"
            )
    if private:
        if net.existing is None:
            where = (
                "which the stack does not create (add it in `infra/overrides.py`: without it "
                "the private route tables send the connection to NAT, and the internet does "
                "not route private addresses); its peer sees the tasks' private addresses"
            )
        else:
            where = (
                f"which the existing VPC {net.existing.vpc_id}'s route tables must have; its "
                "peer sees the tasks' private addresses unless that route translates them (a "
                "private NAT gateway: ask the platform team)"
            )
        parts.append(
            "; ".join(private) + ": a private range, reached over a route to it (VPC peering, "
            f"Transit Gateway or VPN) rather than the internet, {where}, any address of the "
            "private subnets"
        )
    if ipv6:
        parts.append(
            "; ".join(ipv6) + ": IPv6, which no NAT gateway carries: the peer sees the task's "
            "own IPv6 address, which a task has only in a subnet with an IPv6 range ("
            + (
                "this stack's VPC has none, so the allowance reaches nothing yet)"
                if net.existing is None
                else "the existing VPC's private subnets need one)"
            )
        )
    return ". ".join(parts) + "."
