"""Who is told when an OpenSearch cluster or a RabbitMQ broker is in trouble.

The full example's production stack (an OpenSearch domain with three data nodes and three
dedicated masters, a customer-managed key, and an Amazon MQ for RabbitMQ broker), as
previewed under Pulumi mocks, is fed modelled incidents through the CloudWatch model of
:mod:`tests.preview.cloudwatch_model`; only the domain's and the broker's alarms are
judged here (the services' have their own scenarios in ``test_alert_scenarios``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.preview.cloudwatch_model import Scenario, Stack

GIB = 2**30
# The domain: 50 GiB per data node (its free-storage page is at 25%: 12,800 MiB).
HEALTHY = {
    ("AWS/ES", "ClusterStatus.red"): 0,
    ("AWS/ES", "ClusterStatus.yellow"): 0,
    ("AWS/ES", "ClusterIndexWritesBlocked"): 0,
    ("AWS/ES", "Nodes"): 6,
    ("AWS/ES", "FreeStorageSpace"): 40 * 1024,
    ("AWS/ES", "CPUUtilization"): 30,
    ("AWS/ES", "JVMMemoryPressure"): 60,
    ("AWS/ES", "AutomatedSnapshotFailure"): 0,
    ("AWS/ES", "MasterReachableFromNode"): 1,
    ("AWS/ES", "MasterJVMMemoryPressure"): 40,
    ("AWS/ES", "KMSKeyInaccessible"): None,  # published only when the key fails
    ("AWS/AmazonMQ", "RabbitMQMemUsed"): 1 * GIB,
    ("AWS/AmazonMQ", "RabbitMQMemLimit"): 3 * GIB,
    ("AWS/AmazonMQ", "RabbitMQDiskFree"): 150 * GIB,
    ("AWS/AmazonMQ", "RabbitMQDiskFreeLimit"): 10 * GIB,
    ("AWS/AmazonMQ", "MessageReadyCount"): 20,
    ("AWS/AmazonMQ", "ConsumerCount"): 4,
}
WATCHED = ("atlas-main-fulltext-", "atlas-main-broker-")


def values(overrides: Mapping[tuple[str, str], Any] | None = None) -> Any:
    table = {**HEALTHY, **(overrides or {})}

    def value(metric: Mapping[str, Any]) -> float | None:
        return table.get((metric["namespace"], metric["metricName"]))

    return value


def told(stack: Stack, incident: Mapping[tuple[str, str], Any], minutes: float) -> dict[str, set]:
    """Which of the domain's and the broker's alarms page or open a ticket."""
    got = stack.notified(Scenario(values(), values(incident), int(minutes * 60)))
    return {k: {n for n in names if n.startswith(WATCHED)} for k, names in got.items()}


@pytest.fixture(scope="module")
def main(generated) -> Stack:  # type: ignore[no-untyped-def]
    return Stack(generated.preview("full", "main"))


def test_a_healthy_cluster_and_broker_tell_nobody(main) -> None:  # type: ignore[no-untyped-def]
    assert told(main, {}, 24 * 60) == {"page": set(), "ticket": set()}


def test_a_red_cluster_pages_within_a_minute(main) -> None:  # type: ignore[no-untyped-def]
    red = {("AWS/ES", "ClusterStatus.red"): 1}
    assert told(main, red, 2) == {"page": {"atlas-main-fulltext-red"}, "ticket": set()}


def test_a_full_disk_that_blocks_writes_pages(main) -> None:  # type: ignore[no-untyped-def]
    full = {
        ("AWS/ES", "FreeStorageSpace"): 2 * 1024,
        ("AWS/ES", "ClusterIndexWritesBlocked"): 1,
    }
    # The disk pages first, as soon as a node is under a quarter free...
    assert told(main, {("AWS/ES", "FreeStorageSpace"): 2 * 1024}, 2)["page"] == {
        "atlas-main-fulltext-free-storage"
    }
    # ...and the write block pages once it has held for its 5-minute period.
    assert told(main, full, 10) == {
        "page": {"atlas-main-fulltext-free-storage", "atlas-main-fulltext-writes-blocked"},
        "ticket": set(),
    }


def test_an_unassigned_replica_opens_a_ticket_after_five_minutes(main) -> None:  # type: ignore[no-untyped-def]
    yellow = {("AWS/ES", "ClusterStatus.yellow"): 1}
    assert told(main, yellow, 3) == {"page": set(), "ticket": set()}  # a node restarting
    assert told(main, yellow, 10) == {"page": set(), "ticket": {"atlas-main-fulltext-yellow"}}


def test_an_unreachable_master_pages(main) -> None:  # type: ignore[no-untyped-def]
    lost = {("AWS/ES", "MasterReachableFromNode"): 0}
    assert told(main, lost, 2) == {"page": set(), "ticket": set()}  # an election takes seconds
    assert told(main, lost, 6)["page"] == {"atlas-main-fulltext-master-unreachable"}


def test_a_disabled_key_pages(main) -> None:  # type: ignore[no-untyped-def]
    key = {("AWS/ES", "KMSKeyInaccessible"): 1}
    assert told(main, key, 2)["page"] == {"atlas-main-fulltext-kms-inaccessible"}


def test_a_broker_running_out_of_disk_pages_before_it_blocks_publishers(main) -> None:  # type: ignore[no-untyped-def]
    # Consumers stopped: ready messages pile up on disk, 15 GiB free over a 10 GiB limit.
    backlog = {
        ("AWS/AmazonMQ", "RabbitMQDiskFree"): 15 * GIB,
        ("AWS/AmazonMQ", "MessageReadyCount"): 2_000_000,
    }
    got = told(main, backlog, 10)
    assert got["page"] == {"atlas-main-broker-disk-free"}
    assert got["ticket"] == set()  # the backlog ticket waits its 15 minutes
    # Plenty of disk left (three times the limit): quiet, memory unaffected.
    assert told(main, {("AWS/AmazonMQ", "RabbitMQDiskFree"): 30 * GIB}, 30) == {
        "page": set(),
        "ticket": set(),
    }


def test_a_consumer_that_stopped_consuming_pages_in_production(main, generated) -> None:  # type: ignore[no-untyped-def]
    """The indexer's tasks keep RUNNING (no no-tasks alarm, no errors) but closed their
    channels: the broker counts no consumer. Production pages after 5 minutes; staging,
    where alarms never page, opens a ticket."""
    stopped = {("AWS/AmazonMQ", "ConsumerCount"): 0}
    assert told(main, stopped, 3) == {"page": set(), "ticket": set()}  # a reconnect
    assert told(main, stopped, 10) == {"page": {"atlas-main-broker-no-consumers"}, "ticket": set()}
    staging = Stack(generated.preview("full", "staging"))
    got = staging.notified(Scenario(values(), values(stopped), 10 * 60))
    assert "atlas-staging-broker-no-consumers" in got["ticket"]
    assert "atlas-staging-broker-no-consumers" not in got["page"]
