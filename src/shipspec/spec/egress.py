"""``egress``: a service's outbound allowances beyond HTTPS (web, worker and job).

Every task's security group lets it out on TCP 443 to anywhere (the image registry, AWS
APIs, the logs, and any HTTPS API), to the datastores it uses and to the services it
calls; nothing else. An allowance opens one more way out::

    egress:
      - {port: 587, to: 203.0.113.0/24, why: SMTP submission to the mail relay}
      - {ports: 8000-8100, protocol: udp, to: "2001:db8::/32"}
      - {port: 5432, to: pl-0123456789abcdef0}

``port`` (one) or ``ports`` (``low-high``), ``protocol`` tcp (the default) or udp, and
``to``: an IPv4 or IPv6 CIDR, or an AWS managed prefix list id (``pl-...``). No host
names: a security group rule takes addresses, never names. Each becomes one
``aws.vpc.SecurityGroupEgressRule`` on the task's security group, named after the
allowance itself (:func:`rule_suffix`), so reordering the list replaces nothing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence
from typing import Annotated, Literal

from pydantic import Field

from .base import SpecModel
from .rules import Problem
from .types import in_range

EgressPort = Annotated[int, in_range(1, 65535, "a destination port: 1-65535")]
PREFIX_LIST = re.compile(r"^pl-[0-9a-f]{8}([0-9a-f]{9})?$")
# A security group rule's description: up to 255 characters of these (EC2 API reference,
# IpRange/Ipv6Range/PrefixListId Description).
DESCRIPTION_PATTERN = r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$"
# The default quota of outbound rules per security group is 60 (IPv4 and IPv6 counted
# apart; VPC User Guide, "Amazon VPC quotas"); the task's own rules (HTTPS, datastores,
# called services, volumes) take some of them.
MAX_ALLOWANCES = 40
OPEN = {"0.0.0.0/0", "::/0"}


class Egress(SpecModel):
    """``{port: 587, to: 203.0.113.0/24, why: ...}``: one more way out of the task."""

    port: EgressPort | None = Field(default=None, description="One destination port.")
    ports: str | None = Field(
        default=None,
        pattern=r"^[0-9]+-[0-9]+$",
        description="A destination port range, low-high, e.g. 8000-8100 (instead of `port`).",
    )
    protocol: Literal["tcp", "udp"] = "tcp"
    to: str = Field(
        min_length=1,
        description="Where to: an IPv4 or IPv6 CIDR (203.0.113.0/24, 2001:db8::/32) or an AWS "
        "managed prefix list id (pl-...); no host names.",
    )
    why: str | None = Field(
        default=None,
        max_length=200,
        pattern=DESCRIPTION_PATTERN,
        description="Why it is needed: the rule's description (letters, digits, spaces and "
        "._-:/()#,@[]+=&;{}!$*).",
    )

    @property
    def port_range(self) -> tuple[int, int]:
        if self.port is not None:
            return self.port, self.port
        low, _, high = (self.ports or "0-0").partition("-")
        return int(low), int(high)

    @property
    def destination(self) -> str:
        """``to`` in its canonical form (an IPv6 CIDR compressed)."""
        if PREFIX_LIST.match(self.to):
            return self.to
        try:
            return str(ipaddress.ip_network(self.to, strict=True))
        except ValueError:
            return self.to

    @property
    def open(self) -> bool:
        return self.destination in OPEN

    def _problems(self) -> Iterator[Problem]:
        if (self.port is None) == (self.ports is None):
            yield Problem(
                (),
                "an egress allowance needs `port` or `ports`, not "
                + ("both" if self.port is not None else "neither"),
                "e.g. `port: 587`, or `ports: 8000-8100` for a range",
                ("port", "ports"),
                "egress-port",
            )
        elif self.ports is not None:
            low, high = self.port_range
            if not (1 <= low <= high <= 65535):
                yield Problem(
                    ("ports",),
                    f"`ports: {self.ports}` is not a port range: low-high with "
                    "1 <= low <= high <= 65535",
                    "e.g. `ports: 8000-8100`, or `port: 8000` for one port",
                    ("ports",),
                    "egress-port",
                )
        yield from _destination_problems(self.to)


def _destination_problems(to: str) -> Iterator[Problem]:
    if to.startswith("pl-"):
        if not PREFIX_LIST.match(to):
            yield Problem(
                ("to",),
                f"`{to}` is not a prefix list id",
                "a managed prefix list id is pl- and 8 or 17 hex digits, e.g. "
                "pl-0123456789abcdef0 (`aws ec2 describe-managed-prefix-lists`)",
                ("to",),
                "egress-destination",
            )
        return
    if "/" not in to:
        yield Problem(
            ("to",),
            f"`{to}` is not a CIDR: a security group rule takes addresses, not host names",
            "give the relay's address range, e.g. 203.0.113.10/32 or 203.0.113.0/24 "
            "(IPv6: 2001:db8::/32), or a managed prefix list id pl-...",
            ("to",),
            "egress-destination",
        )
        return
    try:
        ipaddress.ip_network(to, strict=False)
    except ValueError as error:
        yield Problem(
            ("to",),
            f"`{to}` is not a CIDR ({error})",
            "e.g. 203.0.113.0/24 or 2001:db8::/32",
            ("to",),
            "egress-destination",
        )
        return
    try:
        ipaddress.ip_network(to, strict=True)
    except ValueError:
        network = ipaddress.ip_network(to, strict=False)
        yield Problem(
            ("to",),
            f"`{to}` has host bits set: the network of that range is {network}",
            f"write `{network}`, or the address alone as /{network.max_prefixlen}",
            ("to",),
            "egress-destination",
        )


def egress_list_problems(egress: Sequence[Egress], where: tuple[str, ...]) -> Iterator[Problem]:
    """The rules across one service's (or one override's) ``egress`` list."""
    if len(egress) > MAX_ALLOWANCES:
        yield Problem(
            where,
            f"{len(egress)} egress allowances; at most {MAX_ALLOWANCES}: a security group "
            "holds 60 outbound rules by default and the task's own rules need some",
            "merge neighbouring ports into a range, or addresses into a wider CIDR or a "
            "managed prefix list (pl-...)",
            where,
            "egress-too-many",
        )
    seen: dict[tuple[str, int, int, str], int] = {}
    for index, allowance in enumerate(egress):
        low, high = allowance.port_range
        key = (allowance.protocol, low, high, allowance.destination)
        if (
            allowance.protocol == "tcp"
            and (low, high) == (443, 443)
            and allowance.destination == "0.0.0.0/0"
        ):
            yield Problem(
                (*where, index),
                "TCP 443 to 0.0.0.0/0 is already open: every task may reach HTTPS anywhere",
                "remove this allowance",
                where,
                "egress-already-open",
            )
        elif key in seen:
            yield Problem(
                (*where, index),
                f"the same allowance as {'.'.join(where)}[{seen[key]}] "
                f"({allowance.protocol} {rule_ports(allowance)} to {allowance.destination})",
                "remove one of them: a security group refuses a duplicate rule",
                where,
                "egress-duplicate",
            )
        seen.setdefault(key, index)


def rule_ports(allowance: Egress) -> str:
    low, high = allowance.port_range
    return str(low) if low == high else f"{low}-{high}"


def rule_suffix(allowance: Egress) -> str:
    """The stable part of its rule's logical name: protocol, ports and destination
    (``tcp-587-203.0.113.0/24``; an IPv6 CIDR's colons as underscores, since a URN keeps
    ``::`` as its separator)."""
    return f"{allowance.protocol}-{rule_ports(allowance)}-{allowance.destination.replace(':', '_')}"


def kind_of(destination: str) -> Literal["ipv4", "ipv6", "prefix-list"]:
    if destination.startswith("pl-"):
        return "prefix-list"
    return "ipv6" if ":" in destination else "ipv4"


__all__: Sequence[str] = (
    "Egress",
    "egress_list_problems",
    "kind_of",
    "rule_ports",
    "rule_suffix",
)
