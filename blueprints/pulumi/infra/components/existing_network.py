"""A VPC that already exists: the stack deploys into it and checks it can.

Most accounts have a network before they have this application: a platform team owns
the VPC, its subnets, routes and NAT gateways. This component creates none of them. It
reads what it needs from the account when the program runs (each subnet's zone and VPC,
each subnet's route table, the VPC's range) and refuses, before anything is created, a
network the stack cannot work in: private subnets in fewer than two zones, a subnet of
another VPC, a "public" subnet whose default route is not an internet gateway, a
private subnet with no default route or one straight to an internet gateway (tasks
without public IPs could not pull images), or a zone with tasks but no public subnet for
the internet-facing load balancer to reach them from.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from .network import flow_logs


class NetworkCheckError(ValueError):
    """The existing network cannot hold this stack; the message says why and what to fix."""


class ExistingNetwork(pulumi.ComponentResource):
    """The VPC ``vpc_id`` with its ``private_subnet_ids`` and ``public_subnet_ids``.

    Args:
        name: Component name, prefix of the few child resources (flow logs).
        vpc_id: The existing VPC, e.g. ``"vpc-0a1b2c3d4e5f67890"``.
        private_subnet_ids: Subnets for tasks and datastores, in two or more zones.
        public_subnet_ids: Subnets for internet-facing load balancers (may be empty when
            nothing faces the internet), each routed to an internet gateway.
        flow_log_retention_days: Add a flow log of this stack's own, kept this many
            days; None adds none.
        kms_key_arn: Customer-managed KMS key (``DataKey``) for the flow log group.

    Exposes the same attributes as ``Network``: ``vpc_id``, ``vpc_cidr`` (read from the
    VPC), ``private_subnet_ids``, ``public_subnet_ids`` and ``zone_subnet_ids`` (the first
    private subnet of each zone); not ``nat_public_ips``: the VPC's NAT gateways, and so the
    addresses a peer sees the tasks' connections come from, are the platform team's.
    """

    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    zone_subnet_ids: list[str]

    def __init__(
        self,
        name: str,
        *,
        vpc_id: str,
        private_subnet_ids: Sequence[str],
        public_subnet_ids: Sequence[str] = (),
        flow_log_retention_days: int | None = None,
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:ExistingNetwork", name, None, opts)
        invoke = pulumi.InvokeOptions(parent=self)
        private, public = list(private_subnet_ids), list(public_subnet_ids)
        zones = {s: _subnet_zone(s, vpc_id, invoke) for s in private + public}
        check_zones({s: zones[s] for s in private}, {s: zones[s] for s in public}, bool(public))
        main_table = _main_route_table(vpc_id, invoke)
        for subnet in private + public:
            targets = _default_route_targets(subnet, main_table, invoke)
            check_route(subnet, subnet in public, targets)
        self.vpc_cidr = aws.ec2.get_vpc(id=vpc_id, opts=invoke).cidr_block
        if flow_log_retention_days is not None:
            flow_logs(self, name, vpc_id, flow_log_retention_days, kms_key_arn)
        self.vpc_id = pulumi.Output.from_input(vpc_id)
        self.private_subnet_ids = pulumi.Output.from_input(private)
        self.public_subnet_ids = pulumi.Output.from_input(public)
        # One private subnet per zone, for resources allowing one per zone (EFS mount targets).
        per_zone: dict[str, str] = {}
        for subnet in private:
            per_zone.setdefault(zones[subnet], subnet)
        self.zone_subnet_ids = list(per_zone.values())
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "vpc_cidr": self.vpc_cidr,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
            }
        )


def check_zones(private: dict[str, str], public: dict[str, str], internet_facing: bool) -> None:
    """Private subnets span two zones or more; public ones too, covering every private zone."""
    private_zones = sorted(set(private.values()))
    if len(private_zones) < 2:
        raise NetworkCheckError(
            f"the private subnets {sorted(private)} are all in {', '.join(private_zones)}: "
            "load balancers, RDS subnet groups and a zone outage need two zones or more; "
            "list private subnets in two different zones in network.privateSubnetIds"
        )
    if not internet_facing:
        return
    public_zones = set(public.values())
    if len(public_zones) < 2:
        raise NetworkCheckError(
            f"the public subnets {sorted(public)} are all in {', '.join(sorted(public_zones))}: "
            "an internet-facing load balancer needs subnets in two zones or more"
        )
    uncovered = [z for z in private_zones if z not in public_zones]
    if uncovered:
        raise NetworkCheckError(
            f"tasks run in {', '.join(uncovered)} where no public subnet is listed: the "
            "internet-facing load balancer would never send them traffic; add a public "
            "subnet in each zone of the private subnets"
        )


def check_route(subnet: str, public: bool, targets: list[str]) -> None:
    """A public subnet's default route goes to an internet gateway; a private one's elsewhere."""
    gateways = [t for t in targets if t.startswith("igw-")]
    if public and not gateways:
        raise NetworkCheckError(
            f"public subnet {subnet} has no route 0.0.0.0/0 to an internet gateway (it has "
            f"{', '.join(targets) or 'no default route'}): an internet-facing load balancer "
            "there is unreachable; list a subnet routed to an igw- in network.publicSubnetIds"
        )
    if not public and not targets:
        raise NetworkCheckError(
            f"private subnet {subnet} has no default route (0.0.0.0/0): tasks there could not "
            "pull images or reach AWS APIs; route it to a NAT gateway (or your egress path)"
        )
    if not public and gateways:
        raise NetworkCheckError(
            f"private subnet {subnet} routes 0.0.0.0/0 to the internet gateway {gateways[0]}: "
            "it is a public subnet, and tasks without public IPs there have no egress; list "
            "a subnet whose default route goes to a NAT gateway"
        )


def _subnet_zone(subnet: str, vpc_id: str, invoke: pulumi.InvokeOptions) -> str:
    found = aws.ec2.get_subnet(id=subnet, opts=invoke)
    if found.vpc_id != vpc_id:
        raise NetworkCheckError(
            f"subnet {subnet} is in {found.vpc_id}, not in network.vpcId {vpc_id}"
        )
    return found.availability_zone


def _main_route_table(vpc_id: str, invoke: pulumi.InvokeOptions) -> str | None:
    """The VPC's main route table: the one a subnet without an association uses."""
    tables = aws.ec2.get_route_tables(
        vpc_id=vpc_id,
        filters=[aws.ec2.GetRouteTablesFilterArgs(name="association.main", values=["true"])],
        opts=invoke,
    )
    return tables.ids[0] if tables.ids else None


def _default_route_targets(
    subnet: str, main_table: str | None, invoke: pulumi.InvokeOptions
) -> list[str]:
    """Where the subnet's 0.0.0.0/0 route goes (gateway, NAT, transit gateway, ENI...)."""
    own = aws.ec2.get_route_tables(
        filters=[aws.ec2.GetRouteTablesFilterArgs(name="association.subnet-id", values=[subnet])],
        opts=invoke,
    ).ids
    table_id = own[0] if own else main_table
    if table_id is None:
        return []
    table = aws.ec2.get_route_table(route_table_id=table_id, opts=invoke)
    targets = []
    for route in table.routes:
        if route.cidr_block != "0.0.0.0/0":
            continue
        for target in (
            route.gateway_id,
            route.nat_gateway_id,
            route.transit_gateway_id,
            route.network_interface_id,
            route.vpc_endpoint_id,
            route.vpc_peering_connection_id,
        ):
            if target:
                targets.append(target)
    return targets
