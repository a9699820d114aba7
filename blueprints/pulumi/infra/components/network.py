"""The VPC every other component lives in.

Tasks, databases and caches run in private subnets with no route from the internet;
public subnets hold only the load balancer and the NAT gateways. The two cost levers
are explicit arguments: how many NAT gateways (one shared in non-prod, one per AZ when
an AZ outage must not cut egress), and which interface endpoints keep pulls from the
account's private ECR repositories, logs and secret reads off NAT data-processing charges
(images from any other registry, ECR Public included, still pull through NAT).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from ._iam import service_role


class Network(pulumi.ComponentResource):
    """VPC with public and private subnets across ``zone_ids`` (or ``az_count``) zones.

    Subnets: the VPC range is cut into eight blocks; private subnet *i* takes block *i*
    (a /19 of a /16: room for thousands of task ENIs) and the public subnets share the
    last block (/22 each of a /16: only ALB and NAT ENIs live there).

    Args:
        name: Component name, prefix of every child resource name.
        cidr_block: IPv4 range of the VPC, /16 to /22, e.g. ``"10.0.0.0/16"``.
        zone_ids: Availability Zone IDs to put subnet *i* in, e.g. ``["euc1-az1",
            "euc1-az2"]``, 2-6 of them (load balancers and RDS subnet groups need two).
            IDs name the same physical zone in every account and every ``up``, so an
            impaired zone never moves a subnet; an ID the region lacks is an error.
        az_count: Without ``zone_ids``: use the region's first ``az_count`` zones by
            name (every zone, not only the ones available right now, so the choice
            does not change while a zone is impaired).
        nat_gateway_count: 1 for a single NAT gateway shared by every private subnet
            (cheap, but egress depends on one AZ), up to ``az_count`` for one per AZ.
        interface_endpoints: Interface endpoint services to create in the private
            subnets, e.g. ``["ecr.api", "ecr.dkr", "logs", "secretsmanager"]``. Each
            costs an hourly fee per AZ, so list only the ones whose traffic would
            otherwise cross NAT. An S3 gateway endpoint (free) is always created.
        flow_log_retention_days: Record VPC flow logs to CloudWatch Logs kept this many
            days; None disables flow logs.
        kms_key_arn: Customer-managed KMS key (``DataKey``) for the flow log group.

    ``nat_public_ips``: the NAT gateways' Elastic IP addresses, sorted. Every task connection
    to a public IPv4 address that no VPC endpoint serves leaves through NAT (each private
    subnet's through one gateway, so any of them), and the peer sees it come from one of
    these: what a peer that admits only listed sources allow-lists.
    """

    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]
    zone_subnet_ids: list[pulumi.Output[str]]  # one private subnet per zone (EFS mount targets)
    nat_public_ips: pulumi.Output[list[str]]  # the NAT gateways' Elastic IPs, sorted

    def __init__(
        self,
        name: str,
        *,
        cidr_block: str,
        nat_gateway_count: int,
        zone_ids: Sequence[str] = (),
        az_count: int | None = None,
        interface_endpoints: Sequence[str] = (),
        flow_log_retention_days: int | None = None,
        kms_key_arn: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("shipspec:aws:Network", name, None, opts)
        if zone_ids and az_count is not None and az_count != len(zone_ids):
            raise ValueError(f"az_count {az_count} disagrees with {len(zone_ids)} zone_ids")
        az_count = len(zone_ids) if zone_ids else az_count
        if az_count is None:
            raise ValueError("give zone_ids (preferred) or az_count")
        if not 2 <= az_count <= 6:
            raise ValueError(f"az_count must be 2-6, got {az_count}")
        if not 1 <= nat_gateway_count <= az_count:
            raise ValueError(f"nat_gateway_count must be 1-{az_count}, got {nat_gateway_count}")
        network = ipaddress.IPv4Network(cidr_block)
        if not 16 <= network.prefixlen <= 22:
            raise ValueError(f"cidr_block must be a /16 to /22, got {cidr_block}")
        blocks = list(network.subnets(new_prefix=network.prefixlen + 3))
        public_blocks = list(blocks[-1].subnets(new_prefix=network.prefixlen + 6))

        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        # No state filter: an impaired zone stays in the list, so nothing shifts.
        listed = aws.get_availability_zones_output(opts=invoke)
        if zone_ids:
            zones = pulumi.Output.all(listed.names, listed.zone_ids).apply(
                lambda lists: _names_for(list(zone_ids), lists[0], lists[1])
            )
        else:
            zones = listed.names
        region = aws.get_region_output(opts=invoke).region

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=cidr_block,
            enable_dns_hostnames=True,  # required for interface endpoints' private DNS
            enable_dns_support=True,
            tags={"Name": name},
            opts=child,
        )
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags={"Name": name}, opts=child)

        public_rt = aws.ec2.RouteTable(
            f"{name}-public", vpc_id=vpc.id, tags={"Name": f"{name}-public"}, opts=child
        )
        aws.ec2.Route(
            f"{name}-public-internet",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )

        public_subnets: list[aws.ec2.Subnet] = []
        private_subnets: list[aws.ec2.Subnet] = []
        for i in range(az_count):
            n = i + 1
            public = aws.ec2.Subnet(
                f"{name}-public-{n}",
                vpc_id=vpc.id,
                cidr_block=str(public_blocks[i]),
                availability_zone=zones[i],
                # Nothing here needs a public IP at launch: the ALB and NAT gateways
                # get theirs from AWS, and tasks never run in public subnets.
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-public-{n}", "tier": "public"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{n}", subnet_id=public.id, route_table_id=public_rt.id, opts=child
            )
            public_subnets.append(public)
            private_subnets.append(
                aws.ec2.Subnet(
                    f"{name}-private-{n}",
                    vpc_id=vpc.id,
                    cidr_block=str(blocks[i]),
                    availability_zone=zones[i],
                    map_public_ip_on_launch=False,
                    tags={"Name": f"{name}-private-{n}", "tier": "private"},
                    opts=child,
                )
            )

        nat_gateways = []
        nat_addresses = []
        for i in range(nat_gateway_count):
            eip = aws.ec2.Eip(
                f"{name}-nat-{i + 1}",
                domain="vpc",
                tags={"Name": f"{name}-nat-{i + 1}"},
                opts=child,
            )
            nat_addresses.append(eip.public_ip)
            nat_gateways.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{i + 1}",
                    allocation_id=eip.allocation_id,
                    subnet_id=public_subnets[i].id,
                    tags={"Name": f"{name}-nat-{i + 1}"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
            )

        # One private route table per AZ even with a shared NAT, so going from one NAT
        # to one per AZ changes routes only, never subnets.
        private_rts = []
        for i, subnet in enumerate(private_subnets):
            n = i + 1
            rt = aws.ec2.RouteTable(
                f"{name}-private-{n}",
                vpc_id=vpc.id,
                tags={"Name": f"{name}-private-{n}"},
                opts=child,
            )
            aws.ec2.Route(
                f"{name}-private-{n}-nat",
                route_table_id=rt.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat_gateways[i % nat_gateway_count].id,
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{n}", subnet_id=subnet.id, route_table_id=rt.id, opts=child
            )
            private_rts.append(rt)

        # Gateway endpoints are free and carry ECR image layers (stored in S3) and app
        # S3 traffic around the NAT gateway's per-GB charge.
        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=pulumi.Output.concat("com.amazonaws.", region, ".s3"),
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in private_rts],
            tags={"Name": f"{name}-s3"},
            opts=child,
        )

        if interface_endpoints:
            endpoint_sg = aws.ec2.SecurityGroup(
                f"{name}-endpoints",
                vpc_id=vpc.id,
                description="Interface endpoints: HTTPS from inside the VPC only",
                tags={"Name": f"{name}-endpoints"},
                opts=child,
            )
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-endpoints-https",
                security_group_id=endpoint_sg.id,
                cidr_ipv4=cidr_block,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description="HTTPS from the VPC",
                opts=child,
            )
            for service in sorted(set(interface_endpoints)):
                aws.ec2.VpcEndpoint(
                    f"{name}-{service.replace('.', '-')}",
                    vpc_id=vpc.id,
                    service_name=pulumi.Output.concat("com.amazonaws.", region, ".", service),
                    vpc_endpoint_type="Interface",
                    subnet_ids=[s.id for s in private_subnets],
                    security_group_ids=[endpoint_sg.id],
                    # Clients keep using the public service hostname, resolved privately.
                    private_dns_enabled=True,
                    tags={"Name": f"{name}-{service}"},
                    opts=child,
                )

        if flow_log_retention_days is not None:
            flow_logs(self, name, vpc.id, flow_log_retention_days, kms_key_arn)

        self.vpc_id = vpc.id
        self.vpc_cidr = cidr_block
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public_subnets])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private_subnets])
        # One private subnet per zone already: what EFS mount targets need (ExistingNetwork).
        self.zone_subnet_ids = [s.id for s in private_subnets]
        # Sorted: the same list whatever order the gateways are numbered in.
        self.nat_public_ips = pulumi.Output.all(*nat_addresses).apply(sorted)
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "vpc_cidr": self.vpc_cidr,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "nat_public_ips": self.nat_public_ips,
            }
        )


def flow_logs(
    owner: pulumi.ComponentResource,
    name: str,
    vpc_id: pulumi.Input[str],
    retention_days: int,
    kms_key_arn: pulumi.Input[str] | None = None,
) -> None:
    """All of ``vpc_id``'s traffic to a log group kept ``retention_days`` (encrypted with
    ``kms_key_arn`` when given), under ``owner``."""
    child = pulumi.ResourceOptions(parent=owner)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-flow-logs",
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        opts=child,
    )
    role = service_role(
        f"{name}-flow-logs",
        parent=owner,
        service="vpc-flow-logs.amazonaws.com",
        description=f"Lets VPC flow logs of {name} write to their log group",
        statements=[
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": [log_group.arn, pulumi.Output.concat(log_group.arn, ":*")],
            }
        ],
    )
    aws.ec2.FlowLog(
        f"{name}-flow-log",
        vpc_id=vpc_id,
        traffic_type="ALL",
        log_destination_type="cloud-watch-logs",
        log_destination=log_group.arn,
        iam_role_arn=role.arn,
        opts=child,
    )


def _names_for(wanted: list[str], names: list[str], ids: list[str]) -> list[str]:
    """Zone names for ``wanted`` zone IDs, in order; an ID the region lacks is an error."""
    by_id = dict(zip(ids, names, strict=True))
    missing = [zone for zone in wanted if zone not in by_id]
    if missing:
        raise ValueError(
            f"zone IDs {missing} are not in this region (it has {sorted(by_id)}): "
            "fix network.zoneIds in the stack config"
        )
    return [by_id[zone] for zone in wanted]
