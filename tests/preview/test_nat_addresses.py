"""The addresses a partner allow-lists: a stack that creates its VPC exports its NAT gateways'
Elastic IPs (``nat_public_ips``), the source address of every task connection to a public
IPv4 address; a stack in an existing VPC exports none (that NAT is the platform team's).

Read from the stack exports of the generated programs run under the mocks: the shop example
creates its VPC (3 NAT gateways in prod), the full example deploys into an existing one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

EIP = "aws:ec2/eip:Eip"
NAT = "aws:ec2/natGateway:NatGateway"


def _run(out: Path, env: str):  # type: ignore[no-untyped-def]
    from shipspec.preview.runner import run_stack
    from shipspec.preview.service import stack_config

    project, config = stack_config(out / "infra", env)
    return project, run_stack(out / "infra", project=project, stack=env, config=config)


def _mocked_address(resource: Any) -> str:
    """The public IP the mocks gave this EIP (what AWS returns on allocation)."""
    import pulumi

    from shipspec.preview.mocks import AwsMocks

    args = pulumi.runtime.MockResourceArgs(
        resource.type, resource.name, resource.inputs, "", None, True
    )
    _, state = AwsMocks().new_resource(args)
    return str(state["publicIp"])


def _handoff_outputs(out: Path, env: str) -> list[str]:
    handoff = (out / "docs/operations/handoff.md").read_text()
    section = handoff.split(f"Stack outputs of `{env}`")[1].split("\n### ")[0]
    return re.findall(r"^- `([a-z_]+)`: ", section, flags=re.MULTILINE)


def test_a_stack_with_its_own_vpc_exports_its_nat_gateways_elastic_ips(generated) -> None:  # type: ignore[no-untyped-def]
    out = generated.out_dir("shop")
    prod = generated.model("shop").production
    assert prod.name == "prod" and prod.network.existing is None
    count = prod.network.nat_gateway_count
    assert count == 3  # one per zone in production: three addresses to allow-list
    project, run = _run(out, "prod")
    eips = [r for r in run.resources if r.type == EIP]
    assert len(eips) == count
    addresses = run.outputs["nat_public_ips"]
    assert addresses == sorted(_mocked_address(e) for e in eips)
    assert len(set(addresses)) == count
    # Every NAT gateway takes one of these EIPs: no other address leaves the VPC.
    allocations = {_mocked_address(e): e for e in eips}
    assert len(allocations) == count
    assert len([r for r in run.resources if r.type == NAT]) == count
    # The EIPs and gateways keep the URNs they had: exporting replaces nothing on upgrade.
    network = f"urn:pulumi:prod::{project}::shipspec:aws:Network"
    assert sorted(e.urn for e in eips) == [
        f"{network}${EIP}::network-nat-{n}" for n in range(1, count + 1)
    ]
    assert sorted(r.urn for r in run.resources if r.type == NAT) == [
        f"{network}${NAT}::network-nat-{n}" for n in range(1, count + 1)
    ]
    # The handoff's outputs list names exactly what the stack exports, this one included.
    assert sorted(_handoff_outputs(out, "prod")) == sorted(run.outputs)


def test_a_stack_in_an_existing_vpc_exports_no_nat_addresses(generated) -> None:  # type: ignore[no-untyped-def]
    out = generated.out_dir("full")
    model = generated.model("full")
    assert model.production.network.existing is not None
    _, run = _run(out, model.production.name)
    assert not [r for r in run.resources if r.type in (EIP, NAT)]
    assert "nat_public_ips" not in run.outputs
    assert "nat_public_ips" not in _handoff_outputs(out, model.production.name)
