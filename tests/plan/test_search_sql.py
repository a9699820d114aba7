"""The managed engines for stateful images: RDS for SQL Server and Amazon OpenSearch Service.

The edition, class, redundancy and storage follow the environment and availability the
way the other engines do; what AWS would refuse is refused at load time, located; each
engine gets the alarms AWS recommends and the stack config its component reads.
"""

from __future__ import annotations

import pytest

import shipspec
from shipspec.errors import SpecError
from shipspec.plan.model import DeploymentModel
from shipspec.plan.planner import plan
from shipspec.render.targets.pulumi import stack_config

HEADER = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: app, owner: team-app}
cloud: {region: eu-west-1}
environments: {dev: {}, prod: {}}
services:
  web: {type: web, image: x:1, port: 80, uses: [mssql, search]}
"""


def model(datastores: str, *, availability: float = 99.95) -> DeploymentModel:
    return plan(
        shipspec.loads(
            HEADER
            + f"datastores:\n{datastores}"
            + f"requirements: {{availability: {availability}}}\n"
        ),
        spec_file="handoff.yaml",
    )


BOTH = "  mssql: {engine: sqlserver}\n  search: {engine: opensearch}\n"


def test_sql_server_is_express_outside_production_and_standard_multi_az_in_it() -> None:
    planned = model(BOTH)
    dev, prod = planned.environment("dev").datastore("mssql"), planned.production.datastore("mssql")
    assert (dev.edition, dev.instance_class, dev.multi_az) == ("sqlserver-ex", "db.t3.small", False)
    assert (prod.edition, prod.multi_az, prod.version) == ("sqlserver-se", True, "16.00")
    assert prod.instance_class == "db.r5.large"  # 99.95%: memory-optimized, never Graviton
    assert (prod.storage_gb, prod.max_storage_gb, prod.deletion_protection) == (20, 40, True)
    assert "Web edition" in planned.production.decision("datastores.mssql.edition").reason
    low = model(BOTH, availability=99.5).production.datastore("mssql")
    assert (low.instance_class, low.multi_az) == ("db.m5.large", False)


def sized(dev_override: str) -> DeploymentModel:
    """BOTH with ``environments.dev.datastores.mssql`` set to ``dev_override``."""
    return plan(
        shipspec.loads(
            HEADER.replace(
                "environments: {dev: {}, prod: {}}",
                f"environments: {{dev: {{datastores: {{mssql: {dev_override}}}}}, prod: {{}}}}",
            )
            + f"datastores:\n{BOTH}"
        ),
        spec_file="handoff.yaml",
    )


def test_a_test_environment_that_asks_for_more_than_express_holds_gets_standard() -> None:
    """Express caps each database at 10 GB: a dev stack sized for 200 GB of data would fill
    its database (error 1105) where production, on Standard, takes the same load."""
    planned = sized("{storage_gb: 200}")
    dev = planned.environment("dev").datastore("mssql")
    assert (dev.edition, dev.instance_class, dev.multi_az) == ("sqlserver-se", "db.m5.large", False)
    assert (dev.storage_gb, dev.max_storage_gb) == (200, 0)
    reason = planned.environment("dev").decision("datastores.mssql.edition").reason
    assert "environments.dev.datastores.mssql.storage_gb is 200 GB" in reason
    assert "10 GB per database" in reason
    # Single-AZ says why: not "Express has no Multi-AZ" any more.
    assert "Express" not in planned.environment("dev").decision("datastores.mssql.multi_az").reason
    # The environment's own class is kept; the 20 GB minimum stays Express.
    chosen = sized("{storage_gb: 50, instance_class: db.m5.xlarge}")
    assert chosen.environment("dev").datastore("mssql").instance_class == "db.m5.xlarge"
    assert chosen.environment("dev").datastore("mssql").edition == "sqlserver-se"
    small = sized("{storage_gb: 20}").environment("dev").datastore("mssql")
    assert (small.edition, small.instance_class) == ("sqlserver-ex", "db.t3.small")


def test_sql_server_stack_config_has_no_database_name() -> None:
    planned = model(BOTH)
    config = stack_config(planned, planned.production)["datastores"]["mssql"]
    assert config["edition"] == "sqlserver-se" and config["protect"] is True
    assert "dbName" not in config and "name" not in config


def test_opensearch_spreads_over_the_zones_with_masters_in_production() -> None:
    planned = model(BOTH)
    dev = planned.environment("dev").datastore("search")
    prod = planned.production.datastore("search")
    assert (dev.instance_class, dev.nodes, dev.master_nodes, dev.storage_gb) == (
        "t3.small.search",
        1,
        0,
        10,
    )
    assert (prod.instance_class, prod.nodes, prod.master_nodes) == ("r6g.large.search", 3, 3)
    assert (prod.master_class, prod.storage_gb, prod.version, prod.protect) == (
        "m6g.large.search",
        100,
        "2.19",
        True,
    )
    two_zones = model(BOTH, availability=99.9).production.datastore("search")
    assert two_zones.nodes == 2  # a data node per AZ: two below 99.95%
    assert "IAM" in planned.production.decision("datastores.search.access").reason


def test_opensearch_alarms_are_the_ones_aws_recommends() -> None:
    planned = model(BOTH)
    alarms = {a.check: a for a in planned.monitoring.alarms["prod"].alarms if "search" in a.target}
    # Production: three data nodes with dedicated masters and no customer-managed key.
    assert set(alarms) == {
        "red",
        "yellow",
        "writes-blocked",
        "nodes",
        "free-storage",
        "jvm-pressure",
        "snapshot-failed",
        "cpu",
        "master-unreachable",
        "master-jvm-pressure",
    }
    yellow, master = alarms["yellow"], alarms["master-unreachable"]
    # ClusterStatus.yellow maximum >= 1 for 1 minute, 5 consecutive times: a ticket.
    assert (yellow.threshold, yellow.comparison, yellow.period_seconds) == (
        1,
        "GreaterThanOrEqualToThreshold",
        60,
    )
    assert (yellow.evaluation_periods, yellow.pages) == (5, False)
    assert (master.metrics[0].metric_name, master.comparison, master.threshold) == (
        "MasterReachableFromNode",
        "LessThanThreshold",
        1,
    )
    assert master.pages is True
    nodes = alarms["nodes"]  # three data nodes and three masters, for a whole day
    assert (nodes.threshold, nodes.period_seconds, nodes.pages) == (6, 86_400, False)
    assert alarms["writes-blocked"].pages is True
    # One data node and no masters (dev): yellow is its normal state, and no master exists.
    dev = {a.check for a in planned.monitoring.alarms["dev"].alarms if "search" in a.target}
    assert not dev & {"yellow", "master-unreachable", "master-jvm-pressure"}
    red, free, jvm = alarms["red"], alarms["free-storage"], alarms["jvm-pressure"]
    cpu = alarms["cpu"]  # CPUUtilization maximum >= 80% for 15 minutes, 3 times
    assert (cpu.threshold, cpu.comparison, cpu.period_seconds, cpu.evaluation_periods) == (
        80,
        "GreaterThanOrEqualToThreshold",
        300,
        3,
    )
    # Each engine's full disk has its own runbook section.
    assert free.runbook.endswith("#alarm-search-free-storage")
    assert (red.metrics[0].metric_name, red.metrics[0].namespace, red.pages) == (
        "ClusterStatus.red",
        "AWS/ES",
        True,
    )
    assert set(red.metrics[0].dimensions) == {"DomainName", "ClientId"}
    assert free.threshold == 100 * 1024 // 4  # 25% of a node's 100 GiB, in MiB
    assert (jvm.threshold, jvm.evaluation_periods) == (95, 3)
    sql = {a.check for a in planned.monitoring.alarms["prod"].alarms if "mssql" in a.target}
    assert {"cpu", "free-storage"} <= sql


@pytest.mark.parametrize(
    ("datastores", "path", "code"),
    [
        ("  mssql: {engine: sqlserver, version: '14.00'}\n", "datastores.mssql.version", None),
        ("  search: {engine: opensearch, version: '7.10'}\n", "datastores.search.version", None),
        ("  search: {engine: opensearch, backup_days: 3}\n", "datastores.search.backup_days", None),
    ],
)
def test_what_the_engines_cannot_run_is_refused_where_it_is_written(
    datastores: str, path: str, code: str | None
) -> None:
    spec = HEADER.replace("uses: [mssql, search]", "uses: []") + f"datastores:\n{datastores}"
    with pytest.raises(SpecError) as caught:
        shipspec.loads(spec)
    assert [d.path for d in caught.value.diagnostics] == [path]
    assert all(d.line > 0 for d in caught.value.diagnostics)


def test_override_classes_must_fit_the_engine() -> None:
    spec = HEADER.replace("environments: {dev: {}, prod: {}}", "")
    spec = spec.replace(
        "services:",
        "environments:\n  dev:\n    datastores:\n      search: {instance_class: db.r5.large}\n"
        "      mssql: {instance_class: db.r5.large}\n  prod: {}\nservices:",
    )
    with pytest.raises(SpecError) as caught:
        shipspec.loads(spec + "datastores:\n" + BOTH)
    found = [(d.path, d.hint) for d in caught.value.diagnostics]
    assert found == [
        (
            "environments.dev.datastores.search.instance_class",
            "use a *.search class, e.g. r6g.large.search",
        )
    ]
