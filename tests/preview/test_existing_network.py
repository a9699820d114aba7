"""Into an existing account: a VPC that exists, and datastores adopted with Pulumi import.

The stack is generated from a spec naming an existing VPC, then previewed under the
mocks as a user would. The mocks answer the program's subnet and route-table reads
from ``infra/preview-network.<env>.json`` (the account as ``aws ec2 describe-*`` prints it),
so each test describes one real-world mistake and expects the program's own refusal.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shipspec.cli import app

VPC = "vpc-0a1b2c3d4e5f67890"
PROD_VPC = "vpc-0c1c2c3c4c5c6c7c8"
PRIVATE = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
PUBLIC = ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]
PROD_PRIVATE = ["subnet-0ccccccccccccccc1", "subnet-0ccccccccccccccc2", "subnet-0ccccccccccccccc3"]
PROD_PUBLIC = ["subnet-0ddddddddddddddd1", "subnet-0ddddddddddddddd2", "subnet-0ddddddddddddddd3"]

SPEC = f"""\
apiVersion: shipspec/v1
kind: Handoff
metadata: {{name: adopt, owner: team-adopt}}
cloud:
  region: us-east-1
  network:
    vpc_id: {VPC}
    private_subnet_ids: {json.dumps(PRIVATE)}
    public_subnet_ids: {json.dumps(PUBLIC)}
environments:
  dev:
    datastores:
      db: {{import_id: adopt-dev-db}}
  prod:
    network:
      vpc_id: {PROD_VPC}
      private_subnet_ids: {json.dumps(PROD_PRIVATE)}
      public_subnet_ids: {json.dumps(PROD_PUBLIC)}
services:
  web: {{type: web, image: ghcr.io/example/web:1.0, port: 8080, public: true, uses: [db]}}
datastores:
  db: {{engine: postgres, version: "16"}}
requirements: {{availability: 99.95}}
"""

runner = CliRunner()


def preview(out: Path, env: str) -> tuple[int, str, dict[str, Any] | None]:
    result = runner.invoke(app, ["preview", str(out), "--env", env, "--json"])
    text = result.stdout
    if "{" not in text:
        return result.exit_code, result.output, None
    body, _ = json.JSONDecoder().raw_decode(text[text.index("{") :])
    return result.exit_code, result.output, body


def copy_with_account(generated: Path, tmp_path: Path, account: dict[str, Any]) -> Path:
    out = tmp_path / "out"
    shutil.copytree(generated, out, ignore=shutil.ignore_patterns(".shipspec"))
    (out / "infra" / "preview-network.dev.json").write_text(json.dumps(account))
    return out


def account(
    zones: dict[str, str], routes: dict[str, dict[str, str]], vpc_of: dict[str, str] | None = None
) -> dict[str, Any]:
    """describe-vpcs/-subnets/-route-tables output: each subnet in ``zones``, each with its
    own route table whose default route is ``routes[subnet]``."""
    vpc_of = vpc_of or {}
    return {
        "Vpcs": [{"VpcId": VPC, "CidrBlock": "10.20.0.0/16"}],
        "Subnets": [
            {"SubnetId": s, "VpcId": vpc_of.get(s, VPC), "AvailabilityZone": z}
            for s, z in zones.items()
        ],
        "RouteTables": [
            {
                "RouteTableId": f"rtb-{i}",
                "VpcId": VPC,
                "Associations": [{"SubnetId": s, "Main": False}],
                "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", **routes[s]}],
            }
            for i, s in enumerate(zones)
        ],
    }


HEALTHY_ZONES = dict(zip(PRIVATE + PUBLIC, ["us-east-1a", "us-east-1b"] * 2, strict=True))
HEALTHY_ROUTES = {
    **{s: {"NatGatewayId": "nat-0123456789abcdef0"} for s in PRIVATE},
    **{s: {"GatewayId": "igw-0123456789abcdef0"} for s in PUBLIC},
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("adopt") / "out"
    out.mkdir()
    (out / "handoff.yaml").write_text(SPEC)
    result = runner.invoke(app, ["generate", str(out / "handoff.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def dev(generated: Path) -> dict[str, Any]:
    """dev, previewed against a described account where everything fits (prod is previewed
    against the network its stack config promises: no description)."""
    (generated / "infra" / "preview-network.dev.json").write_text(
        json.dumps(account(HEALTHY_ZONES, HEALTHY_ROUTES))
    )
    code, output, body = preview(generated, "dev")
    assert code == 0, output
    assert body is not None
    return body


def test_the_stack_creates_no_network_and_uses_the_given_subnets(dev: dict[str, Any]) -> None:
    resources = dev["resources"]
    types = {r["type"] for r in resources}
    created_network = types & {
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:ec2/routeTable:RouteTable",
    }
    assert created_network == set()
    groups = [r for r in resources if r["type"] == "aws:ec2/securityGroup:SecurityGroup"]
    assert groups and {g["inputs"]["vpcId"] for g in groups} == {VPC}
    balancer = next(r for r in resources if r["type"] == "aws:lb/loadBalancer:LoadBalancer")
    assert balancer["inputs"]["subnets"] == PUBLIC
    subnet_group = next(r for r in resources if r["type"] == "aws:rds/subnetGroup:SubnetGroup")
    assert subnet_group["inputs"]["subnetIds"] == PRIVATE
    service = next(r for r in resources if r["type"] == "aws:ecs/service:Service")
    assert service["inputs"]["networkConfiguration"]["subnets"] == PRIVATE


def test_production_uses_its_own_vpc_and_adds_a_flow_log(generated: Path) -> None:
    code, output, body = preview(generated, "prod")
    assert code == 0, output
    assert body is not None
    logs = [r for r in body["resources"] if r["type"] == "aws:ec2/flowLog:FlowLog"]
    assert [f["inputs"]["vpcId"] for f in logs] == [PROD_VPC]
    balancer = next(r for r in body["resources"] if r["type"] == "aws:lb/loadBalancer:LoadBalancer")
    assert balancer["inputs"]["subnets"] == PROD_PUBLIC


def test_import_id_adopts_the_database_in_its_environment_only(
    generated: Path, dev: dict[str, Any]
) -> None:
    db = next(r for r in dev["resources"] if r["type"] == "aws:rds/instance:Instance")
    assert db["options"]["import"] == "adopt-dev-db"
    assert db["change"] == "import"
    assert db["inputs"]["identifier"] == "adopt-dev-db"  # named by the id it is imported by
    code, output, prod = preview(generated, "prod")
    assert code == 0, output
    assert prod is not None
    prod_db = next(r for r in prod["resources"] if r["type"] == "aws:rds/instance:Instance")
    assert "import" not in prod_db["options"]
    assert prod_db["change"] != "import"


@pytest.mark.parametrize(
    ("zones", "routes", "vpc_of", "expected"),
    [
        (
            {**HEALTHY_ZONES, PRIVATE[1]: "us-east-1a"},
            HEALTHY_ROUTES,
            None,
            "are all in us-east-1a",
        ),
        (
            HEALTHY_ZONES,
            {**HEALTHY_ROUTES, PUBLIC[0]: {"NatGatewayId": "nat-0123456789abcdef0"}},
            None,
            f"public subnet {PUBLIC[0]} has no route 0.0.0.0/0 to an internet gateway",
        ),
        (
            HEALTHY_ZONES,
            {**HEALTHY_ROUTES, PRIVATE[0]: {"GatewayId": "igw-0123456789abcdef0"}},
            None,
            f"private subnet {PRIVATE[0]} routes 0.0.0.0/0 to the internet gateway",
        ),
        (
            HEALTHY_ZONES,
            HEALTHY_ROUTES,
            {PRIVATE[1]: "vpc-0fffffffffffffff0"},
            f"subnet {PRIVATE[1]} is in vpc-0fffffffffffffff0, not in network.vpcId {VPC}",
        ),
        (
            {**HEALTHY_ZONES, PUBLIC[1]: "us-east-1a"},
            HEALTHY_ROUTES,
            None,
            "an internet-facing load balancer needs subnets in two zones",
        ),
    ],
    ids=["one-zone", "public-without-igw", "private-to-igw", "other-vpc", "public-one-zone"],
)
def test_a_network_the_stack_cannot_use_stops_the_preview_with_the_reason(
    generated: Path,
    tmp_path: Path,
    zones: dict[str, str],
    routes: dict[str, dict[str, str]],
    vpc_of: dict[str, str] | None,
    expected: str,
) -> None:
    out = copy_with_account(generated, tmp_path, account(zones, routes, vpc_of))
    code, output, _ = preview(out, "dev")
    assert code != 0
    assert expected in " ".join(output.split())
    assert "Traceback" not in output


def test_a_subnet_without_its_own_route_table_uses_the_main_one(
    generated: Path, tmp_path: Path
) -> None:
    described = account(HEALTHY_ZONES, HEALTHY_ROUTES)
    # The private subnets lose their own tables; the VPC's main table has no default route.
    described["RouteTables"] = [
        t for t in described["RouteTables"] if t["Associations"][0]["SubnetId"] not in PRIVATE
    ] + [{"RouteTableId": "rtb-main", "VpcId": VPC, "Associations": [{"Main": True}], "Routes": []}]
    out = copy_with_account(generated, tmp_path, described)
    code, output, _ = preview(out, "dev")
    assert code != 0
    assert f"private subnet {PRIVATE[0]} has no default route" in " ".join(output.split())


def test_a_volume_gets_one_mount_target_per_zone_of_an_existing_network(tmp_path: Path) -> None:
    """EFS allows one mount target per zone: three private subnets in two zones get two."""
    third = "subnet-0aaaaaaaaaaaaaaa3"
    spec = SPEC.replace(json.dumps(PRIVATE), json.dumps([*PRIVATE, third]), 1).replace(
        "uses: [db]}", "uses: [db], volumes: {uploads: /data/uploads}}\nvolumes:\n  uploads: {}"
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "handoff.yaml").write_text(spec)
    result = runner.invoke(app, ["generate", str(out / "handoff.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    zones = {**HEALTHY_ZONES, third: "us-east-1a"}  # a second private subnet in us-east-1a
    routes = {**HEALTHY_ROUTES, third: {"NatGatewayId": "nat-0123456789abcdef0"}}
    (out / "infra" / "preview-network.dev.json").write_text(json.dumps(account(zones, routes)))
    code, output, body = preview(out, "dev")
    assert code == 0, output
    assert body is not None
    targets = [r for r in body["resources"] if r["type"] == "aws:efs/mountTarget:MountTarget"]
    assert sorted(t["inputs"]["subnetId"] for t in targets) == sorted(PRIVATE)
