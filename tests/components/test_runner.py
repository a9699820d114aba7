"""The mock runner: recording, isolation between runs, and program errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shipspec.preview.runner import ProgramError, run_program, run_stack

if TYPE_CHECKING:
    from conftest import Stack

QUEUE_PROGRAM = """\
import pulumi
import pulumi_aws as aws
from components import PREFIX

config = pulumi.Config()
queue = aws.sqs.Queue(f"{PREFIX}-queue", delay_seconds=config.require_int("delay"))
pulumi.export("queue_url", queue.url)
pulumi.export("token", config.require_secret("token"))
"""


def test_recorded_shape(dev: Stack) -> None:
    urns = {r.urn for r in dev}
    assert len(urns) == len(dev.resources) > 100
    stack_urn = "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev"
    cluster = dev.named("cluster")
    assert cluster.urn == "urn:pulumi:dev::shop::aws:ecs/cluster:Cluster::cluster"
    assert cluster.parent == stack_urn
    vpc = dev.named("network-vpc")
    assert vpc.urn == "urn:pulumi:dev::shop::shipspec:aws:Network$aws:ec2/vpc:Vpc::network-vpc"
    assert vpc.parent == dev.named("network").urn
    seen: set[str] = set()
    for resource in dev:
        assert resource.parent == stack_urn or resource.parent in seen, "parents come first"
        seen.add(resource.urn)
        assert resource.dependencies == sorted(set(resource.dependencies))
        assert set(resource.dependencies) <= urns
        json.dumps(resource.inputs)  # JSON-serialisable
    subnet = dev.named("network-private-1", "aws:ec2/subnet:Subnet")
    assert subnet.dependencies == [vpc.urn]
    assert subnet.inputs["availabilityZone"] == "eu-west-1a"
    assert subnet.inputs["vpcId"].startswith("vpc-")


def test_runs_are_deterministic_and_isolated(full_program: Path, dev: Stack, prod: Stack) -> None:
    # dev and prod already ran in this process; a third run must not see their state.
    again = run_program(
        full_program,
        project="shop",
        stack="dev",
        config={"natGateways": "1", "aws:region": "eu-west-1"},
    )
    assert again == dev.resources
    assert all(r.urn.startswith("urn:pulumi:prod::shop::") for r in prod)


def test_config_exports_and_secrets(make_program: Callable[..., Path]) -> None:
    program = make_program(
        "queue",
        {
            "Pulumi.yaml": "name: queues\nruntime: python\n",
            "__main__.py": QUEUE_PROGRAM,
            "components/__init__.py": 'PREFIX = "first"\n',
        },
        components=False,
    )
    run = run_stack(program, project="queues", stack="qa", config={"delay": "5", "token": "s3cr3t"})
    (queue,) = run.resources
    assert queue.name == "first-queue"
    assert queue.inputs == {"delaySeconds": 5}
    assert sorted(run.outputs) == ["queue_url", "token"]
    assert run.outputs["queue_url"].startswith(
        "https://sqs.us-east-1.amazonaws.com/123456789012/first-queue-"
    )
    assert run.outputs["token"] == "[secret]"  # never the value
    assert run.stack_urn == "urn:pulumi:qa::queues::pulumi:pulumi:Stack::queues-qa"


def test_each_program_gets_its_own_components(make_program: Callable[..., Path]) -> None:
    names = []
    for prefix in ("alpha", "beta"):
        program = make_program(
            prefix,
            {
                "Pulumi.yaml": "name: queues\nruntime: python\n",
                "__main__.py": QUEUE_PROGRAM,
                "components/__init__.py": f'PREFIX = "{prefix}"\n',
            },
            components=False,
        )
        (queue,) = run_program(
            program, project="queues", stack="dev", config={"delay": "0", "token": "x"}
        )
        names.append(queue.name)
    assert names == ["alpha-queue", "beta-queue"]


def test_program_error_names_file_and_line(make_program: Callable[..., Path]) -> None:
    program = make_program("raises", components=False)
    with pytest.raises(ProgramError) as caught:
        run_program(program, project="broken", stack="staging", config={})
    error = caught.value
    assert "RuntimeError: cannot size the staging cluster" in str(error)
    assert (error.filename, error.lineno) == ("__main__.py", 7)
    assert str(error).startswith("__main__.py:7: ")


def test_program_registering_nothing_is_an_error(make_program: Callable[..., Path]) -> None:
    program = make_program("empty", components=False)
    with pytest.raises(ProgramError, match="registered no resources"):
        run_program(program, project="empty", stack="dev", config={})


def test_missing_config_is_a_program_error(full_program: Path) -> None:
    with pytest.raises(ProgramError, match="natGateways"):
        run_program(full_program, project="shop", stack="dev", config={})


def test_component_validation_reaches_the_caller(make_program: Callable[..., Path]) -> None:
    program = make_program(
        "invalid",
        {
            "Pulumi.yaml": "name: invalid\nruntime: python\n",
            "__main__.py": (
                "from components import Network\n"
                'Network("net", cidr_block="10.0.0.0/16", az_count=2, nat_gateway_count=3)\n'
            ),
        },
    )
    with pytest.raises(ProgramError, match="nat_gateway_count must be 1-2, got 3") as caught:
        run_program(program, project="invalid", stack="dev", config={})
    assert caught.value.filename == "components/network.py"


def test_unknown_data_source_is_reported(make_program: Callable[..., Path]) -> None:
    program = make_program(
        "datasource",
        {
            "Pulumi.yaml": "name: ds\nruntime: python\n",
            "__main__.py": (
                "import pulumi_aws as aws\n"
                "gateway = aws.ec2.get_internet_gateway_output(internet_gateway_id='igw-1')\n"
                'aws.ec2.Vpc("vpc", cidr_block=gateway.id)\n'
            ),
        },
        components=False,
    )
    with pytest.raises(
        ProgramError, match="does not answer the data source 'aws:ec2/getInternetGateway"
    ):
        run_program(program, project="ds", stack="dev", config={})


def test_runs_from_inside_an_event_loop(make_program: Callable[..., Path]) -> None:
    program = make_program(
        "looped",
        {
            "Pulumi.yaml": "name: queues\nruntime: python\n",
            "__main__.py": QUEUE_PROGRAM,
            "components/__init__.py": 'PREFIX = "async"\n',
        },
        components=False,
    )

    async def preview() -> list[str]:
        resources = run_program(
            program, project="queues", stack="dev", config={"delay": "1", "token": "x"}
        )
        return [r.name for r in resources]

    assert asyncio.run(preview()) == ["async-queue"]


def test_logged_errors_fail_and_warnings_are_kept(make_program: Callable[..., Path]) -> None:
    def program(level: str) -> Path:
        return make_program(
            f"log-{level}",
            {
                "Pulumi.yaml": "name: logs\nruntime: python\n",
                "__main__.py": (
                    "import pulumi\nimport pulumi_aws as aws\n"
                    'aws.sqs.Queue("q")\n'
                    f'pulumi.log.{level}("disk quota nearly used")\n'
                ),
            },
            components=False,
        )

    run = run_stack(program("warn"), project="logs", stack="dev", config={})
    assert run.warnings == ["disk quota nearly used"]
    with pytest.raises(ProgramError, match="logged an error: disk quota nearly used"):
        run_stack(program("error"), project="logs", stack="dev", config={})
