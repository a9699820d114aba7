"""cloud.network and import_id at the spec and plan level: located refusals, decisions, config.

What the account holds (zones, routes) is checked by the program under the preview
(tests/preview/test_existing_network.py); here, what the spec can know on its own.
"""

from __future__ import annotations

import pytest

import shipspec
from shipspec.errors import SpecError
from shipspec.plan.planner import plan
from shipspec.render.targets.pulumi import component_imports, stack_config

VPC = "vpc-0a1b2c3d4e5f67890"
PRIVATE = "[subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]"
PUBLIC = "[subnet-0bbbbbbbbbbbbbbb1, subnet-0bbbbbbbbbbbbbbb2]"


def spec(network: str, *, environments: str = "  dev: {}\n  prod: {}\n", web: str = "true") -> str:
    return f"""\
apiVersion: shipspec/v1
kind: Handoff
metadata: {{name: app, owner: team-app}}
cloud:
  region: eu-west-1
{network}environments:
{environments}services:
  web: {{type: web, image: x:1, port: 80, public: {web}, uses: [db, cache, files, jobs, mq]}}
datastores:
  db: {{engine: postgres}}
  cache: {{engine: redis}}
  files: {{engine: s3}}
  jobs: {{engine: sqs}}
  mq: {{engine: rabbitmq}}
"""


NETWORK = f"""\
  network:
    vpc_id: {VPC}
    private_subnet_ids: {PRIVATE}
    public_subnet_ids: {PUBLIC}
"""


def refused(text: str) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        shipspec.loads(text)
    assert all(d.line > 0 for d in caught.value.diagnostics), "each refusal names its line"
    return [(d.path, d.message) for d in caught.value.diagnostics]


def test_an_existing_network_replaces_the_created_one_in_every_environment() -> None:
    planned = plan(shipspec.loads(spec(NETWORK)), spec_file="handoff.yaml")
    for env in planned.environments:
        net = env.network
        assert net.existing is not None and net.existing.vpc_id == VPC
        assert (net.nat_gateway_count, net.interface_endpoints, net.az_count) == (0, [], 2)
        assert "ExistingNetwork" in component_imports(env)
        assert "Network" not in component_imports(env)
        config = stack_config(planned, env)["network"]
        assert config == {
            "vpcId": VPC,
            "privateSubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
            "publicSubnetIds": ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
            "flowLogRetentionDays": 90 if env.production else None,
        }
    prod = planned.production
    # Two private subnets where 99.9% production would like... two zones: no shortfall;
    # the assumption the program checks is written down.
    assert "checks" in prod.decision("network.az_count").reason


def test_fewer_subnets_than_the_availability_wants_is_said() -> None:
    text = spec(NETWORK) + "requirements: {availability: 99.95}\n"
    prod = plan(shipspec.loads(text), spec_file="handoff.yaml").production
    assert prod.decision("network.zone_shortfall").value == 1
    assert "asks for 3 zones" in prod.decision("network.zone_shortfall").reason


def test_each_environment_may_bring_its_own_network() -> None:
    other = NETWORK.replace(VPC, "vpc-0c1c2c3c4c5c6c7c8").replace("  network", "    network")
    other = other.replace("\n    ", "\n      ")
    environments = f"  dev: {{}}\n  prod:\n{other}"
    planned = plan(shipspec.loads(spec(NETWORK, environments=environments)), spec_file="x")
    assert planned.environment("dev").network.existing.vpc_id == VPC  # type: ignore[union-attr]
    prod = planned.production.network.existing
    assert prod is not None and prod.vpc_id == "vpc-0c1c2c3c4c5c6c7c8"
    assert "environments.prod.network" in planned.production.decision("network.vpc_id").reason


def test_ids_of_the_wrong_shape_are_refused_where_they_are_written() -> None:
    bad = NETWORK.replace(VPC, "vpc-12").replace("subnet-0aaaaaaaaaaaaaaa2", "sub-0aaaa")
    found = refused(spec(bad))
    assert [path for path, _ in found] == [
        "cloud.network.vpc_id",
        "cloud.network.private_subnet_ids[1]",
    ]


def test_a_network_that_cannot_work_is_refused() -> None:
    one_subnet = NETWORK.replace(PRIVATE, "[subnet-0aaaaaaaaaaaaaaa1]")
    assert [p for p, _ in refused(spec(one_subnet))] == ["cloud.network.private_subnet_ids"]
    twice = NETWORK.replace(PUBLIC, "[subnet-0aaaaaaaaaaaaaaa1, subnet-0bbbbbbbbbbbbbbb2]")
    assert refused(spec(twice)) == [
        (
            "cloud.network.public_subnet_ids",
            "subnet-0aaaaaaaaaaaaaaa1 cannot be both private and public",
        )
    ]
    no_public = NETWORK.replace(f"    public_subnet_ids: {PUBLIC}\n", "")
    ((path, message),) = refused(spec(no_public))
    assert path == "cloud.network" and "no `public_subnet_ids`" in message
    plan(shipspec.loads(spec(no_public, web="false")), spec_file="x")  # nothing public: fine
    only_prod = NETWORK.replace("  network", "    network").replace("\n    ", "\n      ")
    ((path, message),) = refused(spec("", environments=f"  dev: {{}}\n  prod:\n{only_prod}"))
    assert path == "environments.prod.network" and "dev would create a VPC" in message


@pytest.mark.parametrize(
    ("store", "import_id", "ok"),
    [
        ("db", "orders-db", True),
        ("db", "orders--db", False),
        ("cache", "orders-cache", True),
        ("files", "acme-uploads", True),
        ("files", "Acme_Uploads", False),
        ("jobs", "https://sqs.eu-west-1.amazonaws.com/123456789012/orders", True),
        ("jobs", "orders", False),
        ("mq", "b-1234", False),
    ],
)
def test_import_ids_must_be_what_each_engine_is_imported_by(
    store: str, import_id: str, ok: bool
) -> None:
    environments = (
        f"  dev:\n    datastores:\n      {store}: {{import_id: '{import_id}'}}\n  prod: {{}}\n"
    )
    text = spec("", environments=environments)
    if ok:
        planned = plan(shipspec.loads(text), spec_file="x")
        adopted = planned.environment("dev").datastore(store)
        assert adopted.import_id == import_id
        assert planned.production.datastore(store).import_id is None
        config = stack_config(planned, planned.environment("dev"))["datastores"][store]
        assert config["importId"] == import_id
        assert "importId" not in stack_config(planned, planned.production)["datastores"][store]
    else:
        ((path, _),) = refused(text)
        assert path == f"environments.dev.datastores.{store}.import_id"
