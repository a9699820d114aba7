"""CloudWatch alarms of an Amazon OpenSearch Service domain: AWS's recommended set.

Companion of :mod:`.engine_alarms`; the collector and the paging principle are in
:mod:`.alarms`. The thresholds, periods and statistics are those of the OpenSearch Service
Developer Guide, "Recommended CloudWatch alarms for Amazon OpenSearch Service"
(https://docs.aws.amazon.com/opensearch-service/latest/developerguide/cloudwatch-alarms.html):

- ClusterStatus.red maximum >= 1 for 1 minute, 1 time: a primary shard is unassigned (page);
- ClusterStatus.yellow maximum >= 1 for 1 minute, 5 consecutive times: a replica is
  unassigned (ticket; only with more than one data node, since a single node can never
  place a replica and stays yellow for good);
- FreeStorageSpace minimum <= 25% of a node's storage for 1 minute (in MiB; page);
- ClusterIndexWritesBlocked >= 1 for 5 minutes, 1 time (page);
- Nodes minimum < the domain's node count for 1 day, 1 time: a node stayed lost (ticket);
- AutomatedSnapshotFailure maximum >= 1 for 1 minute (ticket);
- CPUUtilization maximum >= 80% for 15 minutes, 3 times (ticket);
- JVMMemoryPressure maximum >= 95% for 1 minute, 3 times (ticket);
- MasterJVMMemoryPressure maximum >= 95% for 1 minute, 3 times (dedicated masters; ticket);
- KMSKeyInaccessible maximum >= 1 for 1 minute, 1 time: the domain's customer-managed key
  is disabled or deleted, and the domain stops serving (page; only with such a key);
- MasterReachableFromNode maximum < 1: the guide watches it over a day, the Knowledge
  Center ("How do I use CloudWatch alarms to monitor my OpenSearch Service cluster?") per
  minute; a cluster without a reachable leader cannot create indices, change mappings or
  place shards, so this pages after 5 minutes (dedicated masters only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import DatastorePlan
from .monitoring import AlarmMetric

if TYPE_CHECKING:
    from .alarms import Alarms

SEARCH_CPU_PERCENT = 80
SEARCH_FREE_STORAGE_SHARE = 0.25
SEARCH_JVM_PRESSURE_PERCENT = 95
SEARCH_YELLOW_MINUTES = 5
SEARCH_MASTER_UNREACHABLE_MINUTES = 5
DAY = 86_400


def _m(id: str, metric: str, stat: str, dims: dict[str, str]) -> AlarmMetric:
    return AlarmMetric(
        id=id, namespace="AWS/ES", metric_name=metric, statistic=stat, dimensions=dims
    )


def search_alarms(self: Alarms, s: DatastorePlan) -> None:
    # Metrics of a domain carry its name and the account id (ClientId), in AWS/ES.
    dims = {"DomainName": f"datastore:{s.name}.id", "ClientId": f"datastore:{s.name}.client"}
    target = f"datastore:{s.name}"
    _health(self, s, target, dims)
    _capacity(self, s, target, dims)
    if s.master_nodes:
        _masters(self, s, target, dims)
    if self.env.customer_managed_key:
        self.add(
            target,
            "kms-inaccessible",
            f"{s.name}: the domain cannot use its KMS key",
            [_m("kms", "KMSKeyInaccessible", "Maximum", dims)],
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
            period=60,
            evaluations=1,
            missing="notBreaching",
            page=True,
            anchor="search-kms",
            reason="the customer-managed key that encrypts the domain is disabled, deleted or "
            "no longer grants OpenSearch access: the domain stops serving reads and writes "
            "(AWS's recommended alarm: KMSKeyInaccessible >= 1 for 1 minute); reported only "
            "when it happens",
        )


def _health(self: Alarms, s: DatastorePlan, target: str, dims: dict[str, str]) -> None:
    self.add(
        target,
        "red",
        f"{s.name}: cluster status red",
        [_m("red", "ClusterStatus.red", "Maximum", dims)],
        threshold=0,
        period=60,
        evaluations=1,
        page=True,
        anchor="search-red",
        reason="a primary shard and its replicas are unassigned: searches of that index fail "
        "and its writes are lost (AWS's recommended alarm: ClusterStatus.red >= 1 for 1 minute)",
    )
    if (s.nodes or 1) > 1:
        self.add(
            target,
            "yellow",
            f"{s.name}: cluster status yellow for {SEARCH_YELLOW_MINUTES} minutes",
            [_m("yellow", "ClusterStatus.yellow", "Maximum", dims)],
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
            period=60,
            evaluations=SEARCH_YELLOW_MINUTES,
            anchor="search-yellow",
            reason="a replica shard is unassigned: every search still answers, but one more "
            "lost node loses data (AWS's recommended alarm: ClusterStatus.yellow >= 1 for 1 "
            "minute, 5 consecutive times). A ticket",
        )
    self.add(
        target,
        "writes-blocked",
        f"{s.name}: the cluster blocks index writes",
        [_m("blocked", "ClusterIndexWritesBlocked", "Maximum", dims)],
        threshold=0,
        period=300,
        evaluations=1,
        page=True,
        anchor="search-writes-blocked",
        reason="the domain refuses writes (ClusterBlockException: storage or memory ran out); "
        "AWS's recommended alarm: ClusterIndexWritesBlocked >= 1 for 5 minutes",
    )
    total = (s.nodes or 1) + (s.master_nodes or 0)
    self.add(
        target,
        "nodes",
        f"{s.name}: fewer than {total} nodes for a day",
        [_m("nodes", "Nodes", "Minimum", dims)],
        threshold=total,
        comparison="LessThanThreshold",
        period=DAY,
        evaluations=1,
        anchor="search-nodes",
        reason=f"the domain had fewer than its {total} nodes (data and dedicated master) for a "
        "whole day: a node failed and was not replaced (AWS's recommended alarm: Nodes "
        "minimum < the node count for 1 day). A ticket",
    )
    self.add(
        target,
        "snapshot-failed",
        f"{s.name}: an automated snapshot failed",
        [_m("snapshot", "AutomatedSnapshotFailure", "Maximum", dims)],
        threshold=0,
        period=60,
        evaluations=1,
        missing="notBreaching",
        reason="the hourly automated snapshot failed (usually with a red cluster): the "
        "restore point is getting old",
    )


def _capacity(self: Alarms, s: DatastorePlan, target: str, dims: dict[str, str]) -> None:
    self.add(
        target,
        "cpu",
        f"{s.name}: a data node at {SEARCH_CPU_PERCENT}% CPU or more for 15 minutes",
        [_m("cpu", "CPUUtilization", "Maximum", dims)],
        threshold=SEARCH_CPU_PERCENT,
        comparison="GreaterThanOrEqualToThreshold",
        period=300,
        evaluations=3,
        reason=f"AWS's recommended alarm (CPUUtilization maximum >= {SEARCH_CPU_PERCENT}% for "
        "15 minutes): searches and indexing queue and slow down next; a larger instance "
        "type or more data nodes. A ticket",
    )
    storage_mib = (s.storage_gb or 0) * 1024
    free = int(storage_mib * SEARCH_FREE_STORAGE_SHARE)
    self.add(
        target,
        "free-storage",
        f"{s.name}: a node under {free} MiB of storage free",
        [_m("free", "FreeStorageSpace", "Minimum", dims)],
        threshold=free,
        period=60,
        evaluations=1,
        comparison="LessThanThreshold",
        anchor="search-free-storage",
        page=True,
        reason=f"{SEARCH_FREE_STORAGE_SHARE:.0%} of a node's {s.storage_gb} GiB, as AWS "
        "recommends instead of a fixed 20 GiB; at the disk watermarks OpenSearch stops "
        "allocating shards and then blocks writes",
    )
    self.add(
        target,
        "jvm-pressure",
        f"{s.name}: JVM memory pressure above {SEARCH_JVM_PRESSURE_PERCENT}%",
        [_m("jvm", "JVMMemoryPressure", "Maximum", dims)],
        threshold=SEARCH_JVM_PRESSURE_PERCENT,
        period=60,
        evaluations=3,
        reason=f"a node's heap above {SEARCH_JVM_PRESSURE_PERCENT}% for 3 minutes: out-of-memory "
        "errors next; a larger instance type (AWS's recommended alarm)",
    )


def _masters(self: Alarms, s: DatastorePlan, target: str, dims: dict[str, str]) -> None:
    self.add(
        target,
        "master-unreachable",
        f"{s.name}: no node reaches the master for {SEARCH_MASTER_UNREACHABLE_MINUTES} minutes",
        [_m("reachable", "MasterReachableFromNode", "Maximum", dims)],
        threshold=1,
        comparison="LessThanThreshold",
        period=60,
        evaluations=SEARCH_MASTER_UNREACHABLE_MINUTES,
        page=True,
        anchor="search-master",
        reason="the elected master is stopped or unreachable: the cluster cannot create "
        "indices, update mappings or reassign shards, and turns red next (MasterReachableFromNode "
        f"< 1 for {SEARCH_MASTER_UNREACHABLE_MINUTES} minutes; AWS watches it per minute in its "
        "Knowledge Center, over a day in the developer guide)",
    )
    self.add(
        target,
        "master-jvm-pressure",
        f"{s.name}: a master node's JVM memory pressure above {SEARCH_JVM_PRESSURE_PERCENT}%",
        [_m("jvm", "MasterJVMMemoryPressure", "Maximum", dims)],
        threshold=SEARCH_JVM_PRESSURE_PERCENT,
        comparison="GreaterThanOrEqualToThreshold",
        period=60,
        evaluations=3,
        anchor="search-master",
        reason=f"a dedicated master's heap at {SEARCH_JVM_PRESSURE_PERCENT}% or more for 3 "
        "minutes (AWS's recommended alarm): too many shards or indices for the master type; "
        "the master may stall next. A ticket",
    )
