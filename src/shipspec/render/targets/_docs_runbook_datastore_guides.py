"""The runbook's guidance for datastore alarms: RDS, SQL Server, OpenSearch, ElastiCache, SQS.

Split from :mod:`._docs_runbook_guides` (services, load balancers, jobs). A full disk takes
different commands per engine, so each has its own entry and runbook section; commands use
the identifiers the runbook's "Before you start" block derives from the stack outputs
(``$DB_ID``, ``$SQLSERVER_ID``, ``$SEARCH_DOMAIN``, ``$QUEUE_URL``).
"""

from __future__ import annotations

from ._docs_runbook_guide import DESCRIBE as _DESCRIBE
from ._docs_runbook_guide import Guide


def _rds_storage_checks(variable: str) -> tuple[str, ...]:
    """What an RDS instance's full disk is checked with first: the ceiling and the cooldown."""
    return (
        f'`aws rds describe-db-instances --db-instance-identifier "${variable}" --query '
        "'DBInstances[0].[AllocatedStorage,MaxAllocatedStorage,DBInstanceStatus,"
        "PendingModifiedValues]'`: `AllocatedStorage` equal to `MaxAllocatedStorage` is the "
        "ceiling; status `storage-optimization` is a change still settling",
        "when the disk last grew: `aws rds describe-events --source-type db-instance "
        f'--source-identifier "${variable}" --duration 1440` (storage events of the last '
        "24 hours; within 6 hours of one, RDS accepts no storage change)",
    )


DATASTORE_GUIDES: dict[str, Guide] = {
    "rds:cpu": Guide(
        "CPU (RDS)",
        "The database has been busy for 15 minutes; queries queue next.",
        ("Performance Insights: top SQL by load", "`pg_stat_statements` / the slow query log"),
        (
            "fix or index the top query",
            "a larger class: `instance_class` through the handoff's plan, or now with "
            '`aws rds modify-db-instance --db-instance-identifier "$DB_ID" --db-instance-class '
            "<class> --apply-immediately` (Multi-AZ fails over: about a minute of errors)",
        ),
    ),
    "rds:free-storage": Guide(
        "free storage (RDS: PostgreSQL, MySQL, MariaDB)",
        "The disk is nearly full; a full disk stops every write. This pages. With storage "
        "autoscaling (production: up to `max_storage_gb`), RDS grows the disk itself when "
        "less than 10% is free, so a page means it could not: the disk has reached its "
        "ceiling (`MaxAllocatedStorage`), or it grew less than 6 hours ago (RDS modifies "
        "storage at most once in 6 hours, and not while storage optimization runs). Check "
        "that first: it decides what can be done now.",
        _rds_storage_checks("DB_ID"),
        (
            "at the ceiling: raise it, `aws rds modify-db-instance --db-instance-identifier "
            '"$DB_ID" --max-allocated-storage <GB> --apply-immediately`, and autoscaling '
            "grows the disk; then raise `storage_gb` in the handoff (the plan sets the "
            "ceiling to twice it)",
            "no autoscaling (outside production): grow it, `aws rds modify-db-instance "
            '--db-instance-identifier "$DB_ID" --allocated-storage <GB> --apply-immediately`',
            "within 6 hours of the last change no storage modification is accepted: free "
            "space instead (bloated tables and indexes: `VACUUM`, `pg_repack`; forgotten logs "
            "tables; long-running transactions holding old rows)",
        ),
    ),
    "sqlserver:free-storage": Guide(
        "free storage (RDS for SQL Server)",
        "The SQL Server instance's disk is nearly full: at 0 the databases stop accepting "
        "writes and the transaction log cannot grow. This pages. With storage autoscaling "
        "(production: up to `max_storage_gb`, at most 16 TiB), a page means autoscaling "
        "could not act: the ceiling (`MaxAllocatedStorage`) is reached, or the disk grew "
        "less than 6 hours ago (one storage change in 6 hours, none during storage "
        "optimization). Check that first.",
        (
            *_rds_storage_checks("SQLSERVER_ID"),
            "what grew, from a SQL client: `DBCC SQLPERF(LOGSPACE)` (log use per database) "
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
            "the largest indices, from inside the VPC: `GET _cat/indices?v&s=store.size:desc`",
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
    "rds:connections": Guide(
        "connections (RDS)",
        "Connections near the engine's max_connections; past it, new ones are refused.",
        ("`SELECT usename, state, count(*) FROM pg_stat_activity GROUP BY 1, 2`",),
        (
            "lower each service's pool size, or add a pooler (RDS Proxy)",
            "idle-in-transaction sessions: find and fix the code path that leaks them",
        ),
    ),
    "redis:memory": Guide(
        "memory (ElastiCache)",
        "Redis is close to maxmemory and will start evicting keys.",
        ("`INFO memory` and `--bigkeys` with redis-cli from inside the VPC",),
        (
            "a larger node: `aws elasticache modify-replication-group --replication-group-id <id> "
            "--cache-node-type <type> --apply-immediately`",
            "shorter TTLs on the largest keys",
        ),
    ),
    "rabbitmq:memory": Guide(
        "memory (Amazon MQ for RabbitMQ)",
        "The broker is close to its memory high watermark: at the limit RabbitMQ blocks every "
        "publishing connection (consumers still receive), so producers hang or time out. "
        "Usually a queue nobody consumes fast enough holds the messages.",
        (
            "the broker's ID is the `b-…` label of its endpoint (`pulumi stack output "
            "endpoints`): `aws mq describe-broker --broker-id <broker id> --query "
            "'[BrokerState,HostInstanceType,EngineVersion]'`",
            "the RabbitMQ management console (its URL in `describe-broker`'s `BrokerInstances`): "
            "the queues with the most ready and unacknowledged messages, and their consumers",
            "the `ready-messages` alarm and the consumers' own alarms (no tasks, CPU)",
        ),
        (
            "consumers stopped or too few: restart or scale them (their `running-tasks` and "
            "`scaling` in the handoff)",
            "a queue nobody needs any more: purge or delete it in the management console",
            "the broker is too small for the backlog: a larger instance, "
            "`aws mq update-broker --broker-id <broker id> --host-instance-type <mq.m7g.large>` "
            "then `aws mq reboot-broker --broker-id <broker id>` (a rolling restart in a "
            "cluster), and the same `class` in the handoff's datastore so `pulumi up` keeps it",
        ),
    ),
    "redis:evictions": Guide(
        "evictions (ElastiCache for Redis)",
        "Redis evicts keys and over 20% of reads miss, for 15 minutes: the working set no "
        "longer fits, and reads fall through to the database. Evictions alone are a cache "
        "doing its job and alarm nobody.",
        ("`INFO stats`: evicted_keys, keyspace_hits and keyspace_misses", f"{_DESCRIBE}"),
        ("a larger node (see memory above)", "shorter TTLs, or stop caching rarely read keys"),
    ),
    "memcached:evictions": Guide(
        "evictions (ElastiCache for Memcached)",
        "Memcached evicts items and over 20% of gets miss, for 15 minutes: the working set no "
        "longer fits. Evictions alone alarm nobody.",
        ("`stats` over the node's port: evictions, get_hits, get_misses", f"{_DESCRIBE}"),
        ("a larger node type, or more nodes to spread the keys",),
    ),
    "redis:cpu": Guide(
        "CPU (ElastiCache for Redis)",
        "The Redis engine thread has been above 90% for 15 minutes: Redis runs commands one at "
        "a time, so they queue and every client waits.",
        (
            "`SLOWLOG GET 20` with redis-cli from inside the VPC: the expensive commands",
            "`INFO commandstats`: which commands take the time",
        ),
        (
            "replace O(N) commands (`KEYS`, large `SMEMBERS`/`ZRANGE`) with `SCAN` and paging",
            "a larger node type: `aws elasticache modify-replication-group "
            "--replication-group-id <id> --cache-node-type <type> --apply-immediately`",
        ),
    ),
    "opensearch:cpu": Guide(
        "CPU (OpenSearch Service)",
        "A data node has been at 80% CPU or more for 15 minutes (AWS's recommended alarm): "
        "searches and indexing queue next.",
        (
            '`aws opensearch describe-domain --domain-name "$SEARCH_DOMAIN" --query '
            "'DomainStatus.ClusterConfig'`: instance type and count",
            "`GET _nodes/hot_threads` and `GET _cat/thread_pool?v` from inside the VPC",
        ),
        (
            "expensive queries (wildcards, deep pagination, large aggregations): fix them",
            "more or larger data nodes: `aws opensearch update-domain-config --domain-name "
            '"$SEARCH_DOMAIN" --cluster-config InstanceType=<type>,InstanceCount=<n>`',
        ),
    ),
    "sqs:oldest-message": Guide(
        "oldest message (SQS)",
        "Work waits longer than 15 minutes: the consumers stopped or fell behind. This pages.",
        (
            "the consumer's `running-tasks` alarm and its logs",
            '`aws sqs get-queue-attributes --queue-url "$QUEUE_URL" --attribute-names All`',
        ),
        (
            'scale the consumer: `aws ecs update-service --cluster "$CLUSTER" --service '
            '"$WORKER" --desired-count <n>` (`WORKER`: see Before you start)',
            "a poison message: it moves to the dead-letter queue after 5 receives",
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
