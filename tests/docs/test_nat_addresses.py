"""The handoff tells the team which source addresses a peer of an ``egress`` allowance must
allow-list: a stack that creates its VPC, the NAT gateways' Elastic IPs its
``nat_public_ips`` output holds (with the command that prints them in the generated
layout); a stack in an existing VPC, the platform team's NAT, which it exports nothing of.
A private range is reached through a route, not NAT, and IPv6 never through NAT."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import shipspec
from shipspec.plan.model import DeploymentModel, EgressPlan
from shipspec.render.renderer import render
from shipspec.render.targets._docs_egress_sources import route
from tests.conftest import EXAMPLES

HANDOFF = "docs/operations/handoff.md"
PARAGRAPH = "Where a peer admits only allow-listed source addresses"
SFTP = {"port": 22, "to": "198.51.100.0/24", "why": "SFTP upload to the acquirer"}


def _model(tmp_path: Path, example: str, **egress: list[dict[str, Any]]) -> DeploymentModel:
    spec = yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text())
    for service, allowances in egress.items():
        spec["services"][service]["egress"] = allowances
    path = tmp_path / "handoff.yaml"
    path.write_text(yaml.safe_dump(spec))
    return shipspec.plan(shipspec.load(path), spec_file="handoff.yaml")


def _peer_lines(handoff: str) -> dict[str, str]:
    """environment -> its line of the allow-list paragraph ({} without the paragraph)."""
    if PARAGRAPH not in handoff:
        return {}
    block = handoff.split(PARAGRAPH)[1].split("\n\n", 2)[1]
    return dict(re.findall(r"^- ([a-z0-9-]+): (.*)$", block, flags=re.MULTILINE))


def test_each_stack_s_peers_get_the_command_that_prints_its_nat_addresses(tmp_path: Path) -> None:
    model = _model(tmp_path, "shop", web=[SFTP])
    files = dict(render(model))
    lines = _peer_lines(files[HANDOFF])
    assert set(lines) == {env.name for env in model.environments}
    program = files["infra/__main__.py"]
    assert 'pulumi.export("nat_public_ips", network.nat_public_ips)' in program
    for env in model.environments:
        line = lines[env.name]
        assert "web: TCP 22 to 198.51.100.0/24 (SFTP upload to the acquirer)" in line
        # The command runs where the handoff says, against the stack the environment is.
        command = f"`pulumi stack output --stack {env.name} nat_public_ips --json`"
        assert f"{command} prints in `infra/`" in line, line
        assert f"infra/Pulumi.{env.name}.yaml" in files
        count = env.network.nat_gateway_count
        assert ("every address" if count > 1 else "the address") in line
        assert (f"gateways' {count} Elastic IPs" if count > 1 else "gateway's Elastic IP") in line
        assert "`network.natGatewayCount`" in line
        assert "platform team" not in line
    # The stack config key the line names is the one the program reads.
    assert 'nat_gateway_count=network_config["natGatewayCount"]' in program


def test_an_existing_vpc_s_peers_are_sent_to_the_platform_team(tmp_path: Path) -> None:
    model = _model(tmp_path, "full")
    files = dict(render(model, only=["docs"]))
    lines = _peer_lines(files[HANDOFF])
    prod = model.production
    assert prod.network.existing is not None
    line = lines[prod.name]
    assert line.startswith("reports: TCP 587 to 198.51.100.25/32 (SMTP submission")
    assert f"the existing VPC {prod.network.existing.vpc_id}'s own egress" in line
    assert "exports no `nat_public_ips`: ask the platform team" in line
    assert "pulumi stack output" not in line
    assert "- `nat_public_ips`:" not in files[HANDOFF]  # not in any outputs list either


def test_without_a_specific_peer_the_output_is_only_listed(tmp_path: Path) -> None:
    model = _model(
        tmp_path, "shop", web=[{"port": 22, "to": "0.0.0.0/0", "why": "SFTP to any partner"}]
    )
    handoff = dict(render(model, only=["docs"]))[HANDOFF]
    assert PARAGRAPH not in handoff
    prod = handoff.split("Stack outputs of `prod`")[1].split("\n### ")[0]
    assert (
        "- `nat_public_ips`: the public IPv4 addresses of the stack's 3 NAT gateways (their "
        "Elastic IPs), a sorted list:"
    ) in prod
    dev = handoff.split("Stack outputs of `dev`")[1].split("\n### ")[0]
    assert "- `nat_public_ips`: the public IPv4 address of the stack's NAT gateway" in dev


def test_a_private_range_and_ipv6_are_not_said_to_leave_through_nat(tmp_path: Path) -> None:
    model = _model(
        tmp_path,
        "shop",
        web=[
            {"port": 5432, "to": "10.20.0.0/16", "why": "the ledger database"},
            {"ports": "8125-8126", "protocol": "udp", "to": "2001:db8:40::/48"},
        ],
    )
    line = _peer_lines(dict(render(model, only=["docs"]))[HANDOFF])["prod"]
    assert "nat_public_ips" not in line
    assert "10.20.0.0/16 (the ledger database): a private range" in line
    assert "the stack does not create (add it in `infra/overrides.py`" in line
    assert "IPv6, which no NAT gateway carries" in line
    assert "this stack's VPC has none" in line


@pytest.mark.parametrize(
    ("to", "kind", "expected"),
    [
        ("198.51.100.0/24", "ipv4", "nat"),
        # Documentation ranges Python's ipaddress calls private are public on the wire.
        ("203.0.113.0/24", "ipv4", "nat"),
        ("192.0.2.10/32", "ipv4", "nat"),
        ("10.20.0.0/16", "ipv4", "private"),
        ("172.16.5.0/24", "ipv4", "private"),
        ("192.168.0.0/16", "ipv4", "private"),
        ("100.64.0.0/10", "ipv4", "private"),
        ("pl-0123456789abcdef0", "prefix-list", "nat"),
        ("2001:db8:40::/48", "ipv6", "ipv6"),
        ("0.0.0.0/0", "ipv4", None),
        ("::/0", "ipv6", None),
    ],
)
def test_how_each_destination_leaves(to: str, kind: Any, expected: str | None) -> None:
    allowance = EgressPlan(
        protocol="tcp", from_port=22, to_port=22, to=to, kind=kind, description="x", rule="r"
    )
    assert route(allowance) == expected
