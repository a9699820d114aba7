"""Stability of the components under mocks: pinned zones, AZ rebalancing, queue visibility."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shipspec.preview.runner import ProgramError, run_program

if TYPE_CHECKING:
    from conftest import Stack

SUBNET = "aws:ec2/subnet:Subnet"
PINNED = """\
from components import Network, Queue

Network(
    "net",
    cidr_block="10.0.0.0/16",
    zone_ids={zones!r},
    nat_gateway_count=1,
)
Queue("jobs", dead_letter=False, visibility_timeout_seconds=375)
"""


def _run(make_program: Callable[..., Path], name: str, zones: list[str], region: str) -> list:
    program = make_program(
        name,
        {
            "Pulumi.yaml": f"name: {name}\nruntime: python\n",
            "__main__.py": PINNED.format(zones=zones),
        },
    )
    return run_program(program, project=name, stack="prod", config={"aws:region": region})


def test_subnets_follow_the_zone_ids_not_the_name_order(
    make_program: Callable[..., Path],
) -> None:
    """Version 1 took the first names of the *available* zones: an impaired zone moved subnets."""
    # Tokyo's mocked zones pair apne1-az1/az2/az4 with a/b/c.
    resources = _run(make_program, "pinned", ["apne1-az4", "apne1-az1"], "ap-northeast-1")
    subnets = {r.name: r.inputs["availabilityZone"] for r in resources if r.type == SUBNET}
    assert subnets == {
        "net-public-1": "ap-northeast-1c",
        "net-private-1": "ap-northeast-1c",
        "net-public-2": "ap-northeast-1a",
        "net-private-2": "ap-northeast-1a",
    }
    (queue,) = [r for r in resources if r.type == "aws:sqs/queue:Queue"]
    assert queue.inputs["visibilityTimeoutSeconds"] == 375


def test_a_zone_id_the_region_lacks_is_an_error(make_program: Callable[..., Path]) -> None:
    with pytest.raises(ProgramError, match=r"zone IDs \['euc1-az9'\] are not in this region"):
        _run(make_program, "badzone", ["euc1-az1", "euc1-az9"], "eu-central-1")


def test_every_service_rebalances_across_zones(stack: Stack) -> None:
    services = stack.of_type("aws:ecs/service:Service")
    assert services
    for service in services:
        assert service.inputs["availabilityZoneRebalancing"] == "ENABLED", service.name
