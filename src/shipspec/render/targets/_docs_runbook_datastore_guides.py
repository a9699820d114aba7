"""The runbook's guidance for datastore alarms: SQL Server storage, OpenSearch, ElastiCache, SQS.

Split from :mod:`._docs_runbook_guides` (services, load balancers, jobs). A full disk takes
different commands per engine, so each has its own entry and runbook section; commands use
the identifiers the runbook's "Before you start" block derives from the stack outputs
(``$SQLSERVER_ID``, ``$SEARCH_DOMAIN``, ``$QUEUE_URL``, ``$CACHE_ID``). The SQL databases'
guides, in each engine's SQL, are in :mod:`._docs_runbook_sql_guides`.
"""

from __future__ import annotations

from ...plan.datastore_alarms import CACHE_MEMORY_PERCENT
from ._docs_runbook_guide import DESCRIBE as _DESCRIBE
from ._docs_runbook_guide import Guide
from ._docs_runbook_manual import FIRST
from ._docs_runbook_storage import rds_storage_checks

_CACHE_METRICS = "[Cache metrics](#cache-metrics)"
_REPLICATION_GROUP = (
    '`aws elasticache describe-replication-groups --replication-group-id "$CACHE_ID" '
    "--query 'ReplicationGroups[0].[Status,CacheNodeType,MemberClusters]'`: the node type "
    "and the nodes (CloudWatch reports per node)"
)
# The cache admits only its consumers' security groups, over TLS with an AUTH token; the
# stack has no bastion and no task with a Redis client.
_NO_CLIENT = (
    "`INFO`, `--bigkeys` and the like need redis-cli inside the VPC, admitted by the cache's "
    "security group, with TLS and the AUTH token: the stack runs no such client (no bastion, "
    "ECS Exec off in production), so the metrics are the route"
)

MQ_BROKER_ID = (
    "the broker's name, the `Broker` dimension of its metrics (`BROKER_ID` is the `b-…` label "
    'of its endpoint): `BROKER_NAME=$(aws mq describe-broker --broker-id "$BROKER_ID" --query '
    "BrokerName --output text)`; its state: `aws mq describe-broker --broker-id "
    "\"$BROKER_ID\" --query '[BrokerState,HostInstanceType,EngineVersion]'`"
)
# The broker alarms read broker-wide metrics; Amazon MQ also publishes each queue's (by
# Broker, VirtualHost and Queue), which the spec gives no names to alarm on.
MQ_PER_QUEUE = (
    "per queue (the alarm counts the whole broker: a stuck consumer of one queue hides behind "
    "another service's): `aws cloudwatch list-metrics --namespace AWS/AmazonMQ --metric-name "
    "{metric} --dimensions Name=Broker,Value=\"$BROKER_NAME\" --query 'Metrics[].Dimensions'`"
    " lists the queues Amazon MQ reports (each one's `VirtualHost` and `Queue`), then "
    "`aws cloudwatch get-metric-statistics --namespace AWS/AmazonMQ --metric-name {metric} "
    '--dimensions Name=Broker,Value="$BROKER_NAME" Name=VirtualHost,Value=<virtual host> '
    "Name=Queue,Value=<queue> --start-time <three hours ago, ISO 8601> --end-time <now, ISO "
    "8601> --period 300 --statistics {stat}`"
)
# The broker is private (no public endpoint), and the stack runs no bastion and no ECS
# Exec in production: its management console and rabbitmqctl are out of reach.
NO_CONSOLE = (
    "the RabbitMQ management console (its URL in `describe-broker`'s `BrokerInstances`) "
    "needs network access into the VPC, which the stack does not give (private broker, "
    "no bastion, ECS Exec off in production): CloudWatch is the route"
)

# The step that resizes the broker: its example instance type depends on what each
# environment deploys, so the runbook fills it in (``broker_resize``).
MQ_RESIZE = "<resize the broker>"
# Amazon MQ instance sizes, smallest first: the next one up is the resize example.
_MQ_SIZES = (
    "micro",
    "medium",
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "8xlarge",
    "12xlarge",
    "16xlarge",
)


def next_mq_size(instance: str) -> str | None:
    """``mq.m7g.medium`` -> ``mq.m7g.large``; None past the largest size known here."""
    family, _, size = instance.rpartition(".")
    if size not in _MQ_SIZES or _MQ_SIZES.index(size) + 1 == len(_MQ_SIZES):
        return None
    return f"{family}.{_MQ_SIZES[_MQ_SIZES.index(size) + 1]}"


def broker_resize(classes: dict[str, str]) -> str:
    """The resize step for brokers deployed as ``{environment: instance type}``."""
    by_class: dict[str, list[str]] = {}
    for env, instance in classes.items():
        by_class.setdefault(instance, []).append(env)
    examples = []
    for instance, envs in by_class.items():
        bigger = next_mq_size(instance)
        target = bigger or "<a larger type>"
        examples.append(
            f"{', '.join(envs)} (`{instance}`): `aws mq update-broker --broker-id "
            f'"$BROKER_ID" --host-instance-type {target}`'
        )
    return (
        "a larger instance, the next size up: "
        + "; ".join(examples)
        + " (the types it accepts: `aws mq describe-broker-instance-options --engine-type "
        'RABBITMQ`), then `aws mq reboot-broker --broker-id "$BROKER_ID"` to apply it now (a '
        "single-instance broker is offline while it restarts; a cluster restarts one node "
        "at a time), and the same `class` in the handoff's datastore so `pulumi up` keeps it"
    )


def mq_metric(metric: str, stat: str) -> str:
    return (
        "`aws cloudwatch get-metric-statistics --namespace AWS/AmazonMQ --metric-name "
        f'{metric} --dimensions Name=Broker,Value="$BROKER_NAME" --start-time '
        "<three hours ago, ISO 8601> --end-time <now, ISO 8601> --period 300 "
        f"--statistics {stat}`"
    )


DATASTORE_GUIDES: dict[str, Guide] = {
    "sqlserver:free-storage": Guide(
        "free storage (RDS for SQL Server)",
        "The SQL Server instance's disk is nearly full: at 0 the databases stop accepting "
        "writes and the transaction log cannot grow. This pages. With storage autoscaling "
        "(production: up to `max_storage_gb`, at most 16 TiB), a page means autoscaling "
        "could not act: the ceiling (`MaxAllocatedStorage`) is reached, or the disk grew "
        "less than 6 hours ago (one storage change in 6 hours, none during storage "
        "optimization). Check that first.",
        (
            *rds_storage_checks("SQLSERVER_ID"),
            "what grew, from a SQL client that can reach the instance (the stack runs none for "
            "SQL Server: no db-admin task, no bastion): `DBCC SQLPERF(LOGSPACE)` (log use "
            "per database) "
            "and `SELECT name, log_reuse_wait_desc FROM sys.databases` (why a log cannot be "
            "truncated: an open transaction, replication); `tempdb` size in "
            "`sys.master_files`",
        ),
        (
            "at the ceiling: `aws rds modify-db-instance --db-instance-identifier "
            '"$SQLSERVER_ID" --max-allocated-storage <GB> --apply-immediately`, then raise '
            "`storage_gb` in the handoff",
            "no autoscaling (outside production): `aws rds modify-db-instance "
            '--db-instance-identifier "$SQLSERVER_ID" --allocated-storage <GB> '
            "--apply-immediately`",
            "a log that cannot be truncated: end the open transaction it waits on; RDS backs "
            "the logs up every 5 minutes, after which they are reused",
        ),
    ),
    "opensearch:free-storage": Guide(
        "free storage (OpenSearch Service)",
        "A data node's EBS volume is nearly full. Past the disk watermarks OpenSearch stops "
        "placing shards on the node, and at the flood stage it blocks writes to its indices "
        "(the `writes-blocked` alarm). OpenSearch Service has no storage autoscaling: grow "
        "the volumes, or delete data. This pages.",
        (
            '`aws opensearch describe-domain --domain-name "$SEARCH_DOMAIN" --query '
            "'DomainStatus.[EBSOptions,ClusterConfig.InstanceType,ClusterConfig.InstanceCount,"
            "Processing]'`: the volume size per data node, and whether a change runs already",
            "the largest indices, with the search-admin task ([Running OpenSearch requests]"
            "(#running-opensearch-requests)): `GET _cat/indices?v&s=store.size:desc`",
        ),
        (
            "grow each data node's volume: `aws opensearch update-domain-config --domain-name "
            '"$SEARCH_DOMAIN" --ebs-options EBSEnabled=true,VolumeType=gp3,VolumeSize=<GiB>`, '
            "and follow it with `aws opensearch describe-domain-change-progress --domain-name "
            '"$SEARCH_DOMAIN"` (a change may run as a blue/green deployment, which itself '
            "needs room: start early); then raise `storage_gb` in the handoff",
            "delete indices no longer needed (`DELETE /<index>`), or add an Index State "
            "Management policy that rolls old ones over and deletes them",
            "once usage is below the flood stage, OpenSearch lifts the write block itself",
        ),
    ),
    "redis:memory": Guide(
        "memory (ElastiCache for Redis)",
        f"Redis is close to maxmemory: this is the warning at {CACHE_MEMORY_PERCENT}% of it. "
        "Redis starts evicting keys (its maxmemory-policy) only at 100%, when "
        "`DatabaseMemoryUsagePercentage` (used memory over maxmemory) reaches 100.",
        (
            _REPLICATION_GROUP,
            f"per node, with {_CACHE_METRICS}: `DatabaseMemoryUsagePercentage`, "
            "`BytesUsedForCache`, `CurrItems` (growing with the memory: more keys; flat: "
            "larger values)",
            _NO_CLIENT,
        ),
        (
            "a larger node: `aws elasticache modify-replication-group --replication-group-id "
            '"$CACHE_ID" --cache-node-type <type> --apply-immediately` (the types it accepts: '
            "`aws elasticache list-allowed-node-type-modifications --replication-group-id "
            '"$CACHE_ID"`), '
            "and the same `class` in the handoff's datastore so `pulumi up` keeps it",
            "shorter TTLs on the largest keys",
        ),
    ),
    # A store (`cache: false`): maxmemory-policy noeviction, so at the limit writes fail.
    "redis-store:memory": Guide(
        "memory (ElastiCache for Redis, a store)",
        "Redis is close to maxmemory. This datastore is a store (`cache: false`, "
        "maxmemory-policy noeviction): Redis never evicts its keys, so at the limit every write "
        "fails with `OOM command not allowed when used memory > 'maxmemory'` and reads still "
        "work. Act before it gets there.",
        (
            _REPLICATION_GROUP,
            f"per node, with {_CACHE_METRICS}: `DatabaseMemoryUsagePercentage`, "
            "`BytesUsedForCache`, `CurrItems` (growing with the memory: more keys; flat: "
            "larger values)",
            "the big keys: `redis-cli --tls --bigkeys` (or `MEMORY USAGE <key>`), which "
            + _NO_CLIENT.removeprefix("`INFO`, `--bigkeys` and the like "),
        ),
        (
            "a larger node: `aws elasticache modify-replication-group --replication-group-id "
            '"$CACHE_ID" --cache-node-type <type> --apply-immediately` (the types it accepts: '
            "`aws elasticache list-allowed-node-type-modifications --replication-group-id "
            '"$CACHE_ID"`), '
            "and the same `class` in the handoff's datastore so `pulumi up` keeps it",
            "delete keys the application no longer needs, or give expiring data a TTL "
            "(with noeviction a TTL still expires keys; only eviction is off)",
        ),
    ),
    "rabbitmq:memory": Guide(
        "memory (Amazon MQ for RabbitMQ)",
        "The broker is close to its memory high watermark: at the limit RabbitMQ blocks every "
        "publishing connection (consumers still receive), so producers hang or time out. "
        "Usually a queue nobody consumes fast enough holds the messages.",
        (
            MQ_BROKER_ID,
            mq_metric("RabbitMQMemUsed", "Maximum")
            + " and "
            + mq_metric("RabbitMQMemLimit", "Maximum")
            + ": how fast memory climbs",
            mq_metric("MessageReadyCount", "Maximum")
            + " and "
            + mq_metric("MessageUnacknowledgedCount", "Maximum")
            + ": messages waiting (consumers stopped) or taken and never acknowledged "
            "(consumers stuck)",
            "the `ready-messages` and `no-consumers` alarms and the consumers' own alarms "
            "(no tasks, CPU)",
            NO_CONSOLE,
        ),
        (
            "consumers stopped or too few: restart or scale them (their `running-tasks` and "
            "`scaling` in the handoff)",
            "the broker is too small for the backlog: " + MQ_RESIZE,
        ),
    ),
    "rabbitmq:ready-messages": Guide(
        "ready messages (Amazon MQ for RabbitMQ)",
        "Over 10,000 messages have waited in the broker's queues for 15 minutes: consumers "
        "stopped, fell behind, or a queue has no consumer at all. A ticket: the backlog "
        "grows toward the memory and disk limits, whose alarms page. It counts all queues "
        "together: one queue's backlog shows only once the broker's total passes 10,000.",
        (
            MQ_BROKER_ID,
            mq_metric("MessageReadyCount", "Maximum")
            + ": rising means nothing drains the queues, flat means consumers keep pace "
            "with a standing backlog",
            mq_metric("ConsumerCount", "Minimum") + ": 0 means no consumer is connected "
            "(the `no-consumers` alarm)",
            MQ_PER_QUEUE.format(metric="MessageReadyCount", stat="Maximum")
            + ": the queue whose backlog grows",
            "the consumers' own alarms (no tasks, CPU) and their logs (`aws logs tail`)",
            NO_CONSOLE,
        ),
        (
            'consumers stopped: `aws ecs update-service --cluster "$CLUSTER" --service '
            "<consumer service> --force-new-deployment` restarts them",
            "consumers too few: raise their `scaling.max` in the handoff",
        ),
    ),
    "rabbitmq:no-consumers": Guide(
        "no consumers (Amazon MQ for RabbitMQ)",
        "No consumer has been connected to the broker for 5 minutes while a long-running "
        "service should consume: a consumer that stays RUNNING but stopped consuming (its "
        "channel or connection closed and was not reopened), or none running at all. "
        "Messages pile up from now on. It pages when a service declares `access: consume` "
        "on the broker; when its users give no `access` it is a ticket, since a service that "
        "only publishes never counts as a consumer (then say which services consume, "
        "`access: consume`, and which only publish, `access: produce`, in the handoff). It "
        "counts the broker's consumers, all queues together: one consumer that stops while "
        "another service still consumes does not fire it.",
        (
            MQ_BROKER_ID,
            mq_metric("ConsumerCount", "Minimum")
            + " and "
            + mq_metric("ConnectionCount", "Minimum")
            + ": connections without consumers mean the clients connected but stopped "
            "consuming",
            MQ_PER_QUEUE.format(metric="ConsumerCount", stat="Minimum") + ": the queue left with 0",
            "the consumers' logs (`aws logs tail`): a closed channel, an authentication or "
            "connection error",
        ),
        (
            'restart the consumers: `aws ecs update-service --cluster "$CLUSTER" --service '
            "<consumer service> --force-new-deployment`",
            "the broker itself is not RUNNING (`describe-broker`): wait for its maintenance or "
            "reboot to end; consumers reconnect only if their client retries",
        ),
    ),
    "redis:evictions": Guide(
        "evictions (ElastiCache for Redis)",
        "Redis evicts keys and over 20% of reads miss, for 15 minutes: the working set no "
        "longer fits, and reads fall through to the database. This datastore is a cache "
        "(`cache: true`): evictions alone are a cache doing its job and alarm nobody.",
        (
            f"per node, with {_CACHE_METRICS}: `Evictions`, `CacheHitRate`, `CurrItems`",
            f"{_DESCRIBE}",
        ),
        ("a larger node (see memory above)", "shorter TTLs, or stop caching rarely read keys"),
    ),
    "redis-store:evictions": Guide(
        "evictions (ElastiCache for Redis, a store)",
        "Redis evicted keys of a store (`cache: false`): data the application expected to "
        "keep is gone. With maxmemory-policy noeviction this cannot happen, so the store's "
        "parameter group is not applied: someone changed it, or a modification is pending.",
        (
            "`aws elasticache describe-cache-clusters --cache-cluster-id <node> --query "
            "'CacheClusters[0].[CacheParameterGroup,PendingModifiedValues]'` on each node: the "
            "parameter group should be the stack's own and `in-sync`",
            "`aws elasticache describe-cache-parameters --cache-parameter-group-name <group> "
            "--query \"Parameters[?ParameterName=='maxmemory-policy'].ParameterValue\"`: "
            "`noeviction`",
            f"per node, with {_CACHE_METRICS}: `Evictions`, `DatabaseMemoryUsagePercentage`",
        ),
        (
            "`pulumi up --refresh` puts the stack's parameter group back " + FIRST + "; "
            "restore the lost "
            "keys from the application's source of truth, or from the latest snapshot "
            '(`aws elasticache describe-snapshots --replication-group-id "$CACHE_ID"`)',
            "then the memory steps above: a store at maxmemory refuses writes instead",
        ),
    ),
    "memcached:evictions": Guide(
        "evictions (ElastiCache for Memcached)",
        "Memcached evicts items and over 20% of gets miss, for 15 minutes: the working set no "
        "longer fits. Evictions alone alarm nobody.",
        (
            f"per node, with {_CACHE_METRICS} (Memcached): `Evictions`, `GetHits`, `GetMisses`",
            f"{_DESCRIBE}",
        ),
        ("a larger node type, or more nodes to spread the keys",),
    ),
    "memcached:cpu": Guide(
        "CPU (ElastiCache for Memcached)",
        "A node of the Memcached cluster has been above its CPU threshold for 15 minutes "
        "(the alarm reads the cluster's highest node, `Maximum`): Memcached uses every core, "
        "so the node itself is out of CPU, and gets and sets slow down for every consumer.",
        (
            f"per node, with {_CACHE_METRICS} (Memcached): `CPUUtilization`, then "
            "`CurrConnections`, `CmdGet` and `CmdSet` (a burst of connections or of commands "
            "from one consumer)",
            '`aws elasticache describe-cache-clusters --cache-cluster-id "$MEMCACHED_ID" '
            "--show-cache-node-info --query "
            "'CacheClusters[0].[CacheClusterStatus,CacheNodeType,NumCacheNodes]'`: the node type "
            "and how many nodes share the keys",
            f"{_DESCRIBE}",
        ),
        (
            "a consumer calling the cache in a loop (a retry storm, a missing local cache): "
            "fix or roll back that service",
            "a larger node type, or more nodes to spread the keys",
        ),
    ),
    "redis:cpu": Guide(
        "CPU (ElastiCache for Redis)",
        "The Redis engine thread has been above 90% for 15 minutes: Redis runs commands one at "
        "a time, so they queue and every client waits.",
        (
            _REPLICATION_GROUP,
            f"per node, with {_CACHE_METRICS}: `EngineCPUUtilization`, then which kind of "
            "command rose with it: `KeyBasedCmds` (commands on keys: `DEL`, `EXPIRE`...), "
            "`SortedSetBasedCmds`, `SetBasedCmds`; and `CurrConnections` (a connection storm)",
            _NO_CLIENT + "; `SLOWLOG GET` and `INFO commandstats` need one",
        ),
        (
            "replace O(N) commands (`KEYS`, large `SMEMBERS`/`ZRANGE`) with `SCAN` and paging",
            "a larger node type: `aws elasticache modify-replication-group "
            '--replication-group-id "$CACHE_ID" --cache-node-type <type> --apply-immediately`',
        ),
    ),
    "opensearch:cpu": Guide(
        "CPU (OpenSearch Service)",
        "A data node has been at 80% CPU or more for 15 minutes (AWS's recommended alarm): "
        "searches and indexing queue next.",
        (
            '`aws opensearch describe-domain --domain-name "$SEARCH_DOMAIN" --query '
            "'DomainStatus.ClusterConfig'`: instance type and count",
            "`GET _nodes/hot_threads` and `GET _cat/thread_pool?v` with the search-admin task "
            "([Running OpenSearch requests](#running-opensearch-requests))",
        ),
        (
            "expensive queries (wildcards, deep pagination, large aggregations): fix them",
            "more or larger data nodes: `aws opensearch update-domain-config --domain-name "
            '"$SEARCH_DOMAIN" --cluster-config InstanceType=<type>,InstanceCount=<n>`',
        ),
    ),
    "sqs:oldest-message": Guide(
        "oldest message (SQS)",
        "Work waits: the oldest message is over 15 minutes old while messages keep waiting "
        "(the alarm's description says how many, visible through each whole 5 minutes): the "
        "consumers stopped or fell behind. This pages. One old message alone does not page: "
        "a message that fails is retried after each visibility timeout (5 receives before the "
        "dead-letter queue takes it), and its age counts from when it was sent; the "
        "dead-letters alarm tells of it.",
        (
            "the consumer's `running-tasks` alarm and its logs",
            '`aws sqs get-queue-attributes --queue-url "$QUEUE_URL" --attribute-names All`: '
            "`ApproximateNumberOfMessages` waiting, `ApproximateNumberOfMessagesNotVisible` "
            "in flight",
        ),
        (
            'scale the consumer out: `aws ecs update-service --cluster "$CLUSTER" --service '
            '"$SERVICE" --desired-count <n>` (autoscaling may move it again within its '
            "limits; to raise them, see Scaling above)",
            "a consumer that runs but takes nothing (stuck, or failing every message): its "
            "logs; failing messages reach the dead-letter queue after 5 receives",
        ),
    ),
    "sqs:dead-letters": Guide(
        "dead letters (SQS)",
        "New messages failed 5 times and wait for a person in the dead-letter queue. The "
        "alarm watches the queue's message count (visible and in flight) rise over 5 "
        "minutes, so it returns to OK once no more arrive and the next batch notifies "
        "again, even while older dead letters wait: OK does not mean the queue is empty. "
        "Check how many wait before you close the incident.",
        (
            "the dead-letter queue of `$QUEUE_URL`: `DLQ_ARN=$(aws sqs get-queue-attributes "
            '--queue-url "$QUEUE_URL" --attribute-names RedrivePolicy --query '
            "Attributes.RedrivePolicy --output text | jq -r .deadLetterTargetArn)`",
            'read some: `aws sqs receive-message --queue-url "$(aws sqs get-queue-url '
            '--queue-name "${DLQ_ARN##*:}" --query QueueUrl --output text)" '
            "--max-number-of-messages 10 --visibility-timeout 0`",
        ),
        ('fix the cause, then redrive: `aws sqs start-message-move-task --source-arn "$DLQ_ARN"`',),
    ),
}
# A store's engine thread is the same Redis: its CPU alarm means the same.
DATASTORE_GUIDES["redis-store:cpu"] = DATASTORE_GUIDES["redis:cpu"]
