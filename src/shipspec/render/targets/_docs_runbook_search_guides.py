"""The runbook's guidance for OpenSearch cluster health and Amazon MQ's disk.

Split from :mod:`._docs_runbook_datastore_guides` (same conventions): commands use the
identifiers the runbook's "Before you start" block derives from the stack outputs
(``$SEARCH_DOMAIN``); every ``aws`` command is checked against botocore's models.
"""

from __future__ import annotations

from ._docs_runbook_datastore_guides import MQ_BROKER_ID, MQ_RESIZE, NO_CONSOLE, mq_metric
from ._docs_runbook_guide import Guide
from ._docs_runbook_manual import FIRST

_HEALTH = (
    '`aws opensearch describe-domain-health --domain-name "$SEARCH_DOMAIN"`: `ClusterHealth`, '
    "`TotalUnAssignedShards`, the data and master-eligible nodes AWS sees, and the "
    "`MasterNode` state"
)
_CHANGES = (
    '`aws opensearch describe-domain-change-progress --domain-name "$SEARCH_DOMAIN"`: a '
    "configuration change (blue/green deployment) in progress moves shards, which settles "
    "by itself"
)
_UNASSIGNED = (
    "why a shard is unassigned, with the search-admin task ([Running OpenSearch requests]"
    "(#running-opensearch-requests)): "
    "`GET _cluster/allocation/explain` (and `GET _cat/shards?v&h=index,shard,prirep,state,"
    "unassigned.reason`)"
)

SEARCH_GUIDES: dict[str, Guide] = {
    "opensearch:red": Guide(
        "cluster status red (OpenSearch Service)",
        "At least one primary shard and all its replicas are unassigned: searches of those "
        "indices fail or return partial results, and their writes are refused. This pages.",
        (_HEALTH, _UNASSIGNED, _CHANGES),
        (
            "storage or memory ran out (the `free-storage`, `jvm-pressure` and `writes-blocked` "
            "alarms): grow the volumes or the instance type as in those sections; the shards "
            "are assigned again once there is room",
            "a lost node: OpenSearch Service replaces it, and the shards come back from the "
            "replicas; with no replica left, restore the index from the latest automated "
            "snapshot (`GET _snapshot/cs-automated/_all`, then `POST _snapshot/cs-automated/"
            "<snapshot>/_restore` with `indices` set to that index, after deleting the red one)",
        ),
    ),
    "opensearch:yellow": Guide(
        "cluster status yellow (OpenSearch Service)",
        "A replica shard has been unassigned for 5 minutes: every search still answers, but "
        "the data of that shard now lives on one node only. A ticket.",
        (_HEALTH, _UNASSIGNED, _CHANGES),
        (
            "a node was lost or is being replaced: wait for `describe-domain-health` to show "
            "every data node again; the replicas are placed by themselves",
            "more replicas than the data nodes can hold apart (a replica never shares a node "
            "with its primary): lower `index.number_of_replicas` of that index with "
            "`PUT /<index>/_settings`, or add data nodes",
            "disk watermark reached on the other nodes: see the `free-storage` section",
        ),
    ),
    "opensearch:writes-blocked": Guide(
        "index writes blocked (OpenSearch Service)",
        "The domain refuses writes (`ClusterBlockException`): a node reached the flood-stage "
        "disk watermark, or JVM memory pressure stayed above 92% for 30 minutes. Every indexing "
        "request fails. This pages.",
        (
            _HEALTH,
            "`aws cloudwatch get-metric-statistics --namespace AWS/ES --metric-name "
            'FreeStorageSpace --dimensions Name=DomainName,Value="$SEARCH_DOMAIN" '
            "Name=ClientId,Value=<account id> --statistics Minimum --period 300 "
            "--start-time <one hour ago, ISO 8601> --end-time <now, ISO 8601>`: whether storage "
            "is the cause (else it is memory)",
        ),
        (
            "storage: grow the volumes or delete indices (the `free-storage` section); "
            "OpenSearch lifts the block itself once usage is below the flood stage",
            "memory: a larger instance type (`aws opensearch update-domain-config --domain-name "
            '"$SEARCH_DOMAIN" --cluster-config InstanceType=<type>`), or fewer shards',
        ),
    ),
    "opensearch:nodes": Guide(
        "nodes missing for a day (OpenSearch Service)",
        "The domain ran with fewer nodes than configured for a whole day: a failed node was "
        "not replaced. A ticket.",
        (_HEALTH, _CHANGES),
        (
            "a change stuck in progress: open a case with AWS Support, naming the domain",
            "no change in progress: open a case with AWS Support (a node OpenSearch Service "
            "cannot replace is theirs to fix)",
        ),
    ),
    "opensearch:master-unreachable": Guide(
        "master nodes (OpenSearch Service)",
        "No node reaches the elected master, or a dedicated master's heap is nearly full. "
        "Without a master the cluster cannot create indices, change mappings or move shards, "
        "and it turns red next. An unreachable master pages; master memory pressure is a "
        "ticket.",
        (
            _HEALTH,
            '`aws opensearch describe-domain-nodes --domain-name "$SEARCH_DOMAIN"`: each '
            "node's role, type and status",
        ),
        (
            "master memory pressure: fewer shards (delete or shrink small indices), or a "
            "larger master type, `aws opensearch update-domain-config --domain-name "
            '"$SEARCH_DOMAIN" --cluster-config DedicatedMasterType=<type>`',
            "the master stays unreachable: open a case with AWS Support, naming the domain",
        ),
    ),
    "opensearch:kms-inaccessible": Guide(
        "KMS key inaccessible (OpenSearch Service)",
        "The customer-managed key that encrypts the domain is disabled, scheduled for "
        "deletion, or its policy no longer lets OpenSearch use it: the domain stops serving. "
        "This pages.",
        (
            '`aws opensearch describe-domain --domain-name "$SEARCH_DOMAIN" --query '
            "'DomainStatus.EncryptionAtRestOptions.KmsKeyId'`: the key",
            "`aws kms describe-key --key-id <key id> --query "
            "'KeyMetadata.[KeyState,DeletionDate]'`: `Disabled` or `PendingDeletion`",
        ),
        (
            "disabled: `aws kms enable-key --key-id <key id>`",
            "pending deletion: `aws kms cancel-key-deletion --key-id <key id>`, then "
            "`aws kms enable-key --key-id <key id>`",
            "the key policy was changed: restore it with `pulumi up` (the stack's `DataKey` "
            "owns it) " + FIRST,
        ),
    ),
    "opensearch:snapshot-failed": Guide(
        "automated snapshot failed (OpenSearch Service)",
        "The hourly automated snapshot of the domain failed. Nothing is lost yet, but the "
        "restore point the red-cluster procedure relies on is getting old. Snapshots fail "
        "when the cluster is red (a primary shard unassigned) and during some configuration "
        "changes. A ticket.",
        (
            _HEALTH,
            _CHANGES,
            "the snapshots, with the search-admin task ([Running OpenSearch requests]"
            "(#running-opensearch-requests)): "
            "`GET _snapshot/cs-automated/_all` (each snapshot's `state` and `failures`)",
        ),
        (
            "a red cluster: follow the cluster status red section; the automated snapshots "
            "resume by themselves once every primary shard is assigned",
            "a configuration change in progress: wait for it to finish, then check that the "
            "next hourly snapshot succeeds",
            "green and not changing, and snapshots still fail: open a case with AWS Support, "
            "naming the domain (automated snapshots are AWS's to run)",
        ),
    ),
    "opensearch:jvm-pressure": Guide(
        "JVM memory pressure (OpenSearch Service)",
        "A data node's Java heap stayed nearly full for 3 minutes: garbage collection takes "
        "the node's time, requests are rejected by the circuit breakers, and at 92% for 30 "
        "minutes OpenSearch blocks writes (the `writes-blocked` alarm). Too many shards for "
        "the heap, or expensive searches and aggregations, fill it.",
        (
            _HEALTH,
            '`aws opensearch describe-domain --domain-name "$SEARCH_DOMAIN" --query '
            "'DomainStatus.ClusterConfig'`: instance type and count (the heap is half the "
            "instance's memory, at most 32 GiB)",
            "with the search-admin task ([Running OpenSearch requests]"
            "(#running-opensearch-requests)): `GET _nodes/stats/jvm,breaker` (heap "
            "used and circuit-breaker trips per node) and `GET _cat/shards?v` (the shard "
            "count: keep it under 25 per GiB of heap)",
        ),
        (
            "too many small shards: delete old indices, or shrink or merge them "
            "(`POST /<index>/_shrink/<new index>`), and fewer primary shards for new indices",
            "expensive requests: aggregations on high-cardinality fields and large `size` or "
            "deep paging; find them in the search slow log ([OpenSearch logs](#opensearch-logs)) "
            "and fix the client",
            "a larger instance type: `environments.<env>.datastores.<name>.instance_class` in "
            "the handoff spec, `shipspec generate`, commit; now, by hand: `aws opensearch "
            'update-domain-config --domain-name "$SEARCH_DOMAIN" --cluster-config '
            "InstanceType=<type>` (a blue/green deployment), then the same change in the spec",
        ),
    ),
    "rabbitmq:disk-free": Guide(
        "free disk (Amazon MQ for RabbitMQ)",
        "A broker node's free disk is under twice the limit Amazon MQ sets for its instance "
        "type (`RabbitMQDiskFreeLimit`). At the limit RabbitMQ raises its disk alarm and "
        "blocks every publishing connection until consumers drain the queues: producers "
        "hang or time out. Messages nobody consumes fill the disk. This pages.",
        (
            MQ_BROKER_ID,
            mq_metric("RabbitMQDiskFree", "Minimum")
            + " and "
            + mq_metric("RabbitMQDiskFreeLimit", "Maximum")
            + ": how fast the disk fills",
            mq_metric("MessageCount", "Maximum") + ": the messages held (ready and unacknowledged)",
            "the `ready-messages` and `no-consumers` alarms and the consumers' own alarms",
            NO_CONSOLE,
        ),
        (
            "consumers stopped or too few: restart or scale them (their `running-tasks` and "
            "`scaling` in the handoff)",
            "the broker's storage is fixed by its instance type; " + MQ_RESIZE,
        ),
    ),
}
