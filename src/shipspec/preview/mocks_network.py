"""What the offline preview answers about a VPC that already exists (``cloud.network``).

The program's ``ExistingNetwork`` reads each subnet's zone and VPC, the route tables and
the VPC's range from the account. Offline there is no account, so the mocks answer from
one of two descriptions:

* ``infra/preview-network.<stack>.json`` when present: the stack's account as
  ``aws ec2 describe-vpcs``, ``describe-subnets`` and ``describe-route-tables`` print it
  (their ``Vpcs``, ``Subnets`` and ``RouteTables`` lists in one JSON object), so the
  preview checks the real network; the file is part of the preview cache's key;
* otherwise the network the stack config promises: subnet *i* of each list in zone *i*
  of the region, public subnets routed to an internet gateway, private ones to a NAT
  gateway, the VPC 10.0.0.0/16. That run shows what the program creates, not whether
  the real subnets fit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCOUNT_FILE = "preview-network.{stack}.json"


class AccountError(ValueError):
    """``preview-network.json`` is not what the describe commands print."""


class ExistingAccount:
    """Subnets, route tables and VPCs keyed by id, as ``describe-*`` output shapes them."""

    def __init__(
        self,
        vpcs: list[dict[str, Any]],
        subnets: list[dict[str, Any]],
        route_tables: list[dict[str, Any]],
        *,
        source: str | None = None,
    ) -> None:
        self.source = source  # the file described, or None for the promised network
        self._vpcs = {str(v["VpcId"]): v for v in vpcs}
        self._subnets = {str(s["SubnetId"]): s for s in subnets}
        self._tables = {str(t["RouteTableId"]): t for t in route_tables}

    @classmethod
    def from_file(cls, path: Path) -> ExistingAccount:
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            return cls(body.get("Vpcs", []), body["Subnets"], body["RouteTables"], source=path.name)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise AccountError(
                f"{path}: not the Vpcs/Subnets/RouteTables of `aws ec2 describe-vpcs`, "
                f"`describe-subnets` and `describe-route-tables` ({error})"
            ) from error

    @classmethod
    def promised(cls, network: dict[str, Any], zones: list[str]) -> ExistingAccount:
        """The network the stack config describes, each subnet where it should be."""
        vpc = str(network.get("vpcId") or "")
        subnets, tables = [], []
        for tier, gateway in (("private", "nat"), ("public", "igw")):
            for i, subnet in enumerate(network.get(f"{tier}SubnetIds") or []):
                subnets.append(
                    {"SubnetId": subnet, "VpcId": vpc, "AvailabilityZone": zones[i % len(zones)]}
                )
                target = f"{gateway}-{subnet.removeprefix('subnet-')}"
                key = "NatGatewayId" if gateway == "nat" else "GatewayId"
                tables.append(
                    {
                        "RouteTableId": f"rtb-{subnet.removeprefix('subnet-')}",
                        "VpcId": vpc,
                        "Associations": [{"SubnetId": subnet, "Main": False}],
                        "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", key: target}],
                    }
                )
        return cls([{"VpcId": vpc, "CidrBlock": "10.0.0.0/16"}], subnets, tables)

    # -- data sources, in Pulumi's wire names ----------------------------------

    def subnet(self, subnet_id: str) -> dict[str, Any] | None:
        found = self._subnets.get(subnet_id)
        if found is None and self.source is not None:
            raise AccountError(f"subnet {subnet_id} is not described in {self.source}")
        if found is None:
            return None
        return {
            "id": subnet_id,
            "availabilityZone": found.get("AvailabilityZone", ""),
            "vpcId": found.get("VpcId", ""),
            "cidrBlock": found.get("CidrBlock", ""),
        }

    def vpc(self, args: dict[str, Any]) -> dict[str, Any]:
        vpc_id = str(args.get("id") or "")
        found = self._vpcs.get(vpc_id)
        if found is None:
            raise AccountError(f"VPC {vpc_id} is not described in {self.source or 'the config'}")
        return {"id": vpc_id, "cidrBlock": found.get("CidrBlock", ""), "default": False}

    def route_tables(self, args: dict[str, Any]) -> dict[str, Any]:
        """``get_route_tables``: filtered by ``vpcId`` and ``association.*`` filters."""
        vpc = args.get("vpcId")
        ids = []
        for table_id, table in sorted(self._tables.items()):
            if vpc and table.get("VpcId") != vpc:
                continue
            if all(_matches(table, f) for f in args.get("filters") or []):
                ids.append(table_id)
        return {"id": "route-tables", "ids": ids, "vpcId": vpc or ""}

    def route_table(self, args: dict[str, Any]) -> dict[str, Any]:
        table_id = str(args.get("routeTableId") or "")
        table = self._tables.get(table_id)
        if table is None:
            raise AccountError(f"no route table {table_id} in the preview's account description")
        routes = [
            {
                "cidrBlock": r.get("DestinationCidrBlock", ""),
                "gatewayId": r.get("GatewayId", ""),
                "natGatewayId": r.get("NatGatewayId", ""),
                "transitGatewayId": r.get("TransitGatewayId", ""),
                "networkInterfaceId": r.get("NetworkInterfaceId", ""),
                "vpcEndpointId": r.get("VpcEndpointId", ""),
                "vpcPeeringConnectionId": r.get("VpcPeeringConnectionId", ""),
            }
            for r in table.get("Routes", [])
        ]
        return {
            "id": table_id,
            "routeTableId": table_id,
            "vpcId": table.get("VpcId", ""),
            "routes": routes,
            "associations": [
                {"subnetId": a.get("SubnetId", ""), "main": bool(a.get("Main"))}
                for a in table.get("Associations", [])
            ],
        }


def _matches(table: dict[str, Any], flt: dict[str, Any]) -> bool:
    name, values = flt.get("name"), [str(v) for v in flt.get("values") or []]
    associations = table.get("Associations", [])
    if name == "association.main":
        return any(str(bool(a.get("Main"))).lower() in values for a in associations)
    if name == "association.subnet-id":
        return any(a.get("SubnetId") in values for a in associations)
    raise AccountError(f"the offline preview cannot filter route tables by {name!r}")


def existing_account(
    program_dir: Path, stack: str, config: dict[str, str], zones: list[str]
) -> ExistingAccount | None:
    """The account description for this run, or None when the stack creates its network."""
    network = next((json.loads(v) for k, v in config.items() if k.endswith(":network")), None)
    if not isinstance(network, dict) or "vpcId" not in network:
        return None
    path = program_dir / ACCOUNT_FILE.format(stack=stack)
    if path.is_file():
        return ExistingAccount.from_file(path)
    return ExistingAccount.promised(network, zones)
