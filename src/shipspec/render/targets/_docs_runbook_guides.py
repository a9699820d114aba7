"""What each alarm means and how to act on it, keyed by what it watches and its check.

Data for :mod:`._docs_runbook`, which builds the runbook's alarm sections: CPU on an ECS
service is not CPU on RDS, and a full disk on RDS, SQL Server or OpenSearch takes
different commands, so the guidance is keyed ``<kind>:<check>`` (``rds:free-storage``,
``sqlserver:free-storage``, ``opensearch:free-storage``). Commands use the shell variables
the runbook's "Before you start" block derives from the stack's outputs (``$CLUSTER``,
``$SERVICE``, ``$DB_ID``, ``$SQLSERVER_ID``, ``$SEARCH_DOMAIN``...); a test checks every
``aws`` command against botocore's models.
"""

from __future__ import annotations

from dataclasses import dataclass

_DESCRIBE = "the alarm's state and why it changed (the look-up commands under the table)"


@dataclass(frozen=True)
class Guide:
    title: str
    meaning: str
    check: tuple[str, ...]
    mitigate: tuple[str, ...]


_STOPPED_TASKS = (
    'stopped tasks: `aws ecs list-tasks --cluster "$CLUSTER" --service-name "$SERVICE" '
    '--desired-status STOPPED`, then `aws ecs describe-tasks --cluster "$CLUSTER" --tasks '
    "<task ARN> --query 'tasks[].[stoppedReason,containers[].[name,exitCode,reason]]'`"
)
_SERVICE_LOGS = "the service's log group in CloudWatch Logs (`/ecs/...`), newest first"


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


GUIDES: dict[str, Guide] = {
    "service:5xx-ratio": Guide(
        "5xx responses",
        "Users are getting server errors right now: the share of 5xx responses (the "
        "targets' own, and the load balancer's when it serves only this service) passed the "
        "fast-burn rate of the availability SLO, over at least the plan's minimum request "
        "count. It is also a rollback alarm: during a deployment ECS rolls back on its own.",
        (
            f"{_DESCRIBE} for the numbers",
            f"{_SERVICE_LOGS}: the first stack trace",
            'did a deployment just start? `aws ecs list-service-deployments --cluster "$CLUSTER" '
            '--service "$SERVICE"`',
        ),
        (
            "a deployment in progress: let the automatic rollback finish, or stop it now with "
            "`aws ecs stop-service-deployment --service-deployment-arn <arn> --stop-type ROLLBACK`",
            "a bad release already finished: roll back (see Rollback above)",
            "a dependency failing (database, cache, queue): follow that alarm's section",
        ),
    ),
    "service:latency-p99": Guide(
        "p99 latency",
        "The slowest 1% of requests take longer than the latency the handoff promises. A "
        "rollback alarm during deployments and a ticket; where the handoff has a latency SLO, "
        "its burn-rate alarms (the share of responses slower than the threshold) page in "
        "production.",
        (
            f"{_DESCRIBE}",
            "CPU and memory of the service (its `cpu` and `memory` alarms)",
            "database CPU and connections; cache evictions",
        ),
        (
            "saturated: scale out (see Scaling above)",
            "slow queries: find them with Performance Insights or `pg_stat_statements`",
            "a release made it slower: roll back",
        ),
    ),
    "service:unhealthy-hosts": Guide(
        "unhealthy targets",
        "A task fails the load balancer's health check; the load balancer routes around it.",
        (
            '`aws elbv2 describe-target-health --target-group-arn "$(aws ecs describe-services '
            '--cluster "$CLUSTER" --services "$SERVICE" --query '
            "'services[0].loadBalancers[0].targetGroupArn' --output text)\"`: "
            "the reason per target",
            f"{_SERVICE_LOGS}: startup errors, the health path's answer",
        ),
        (
            "a task that cannot start: fix its config or secret and redeploy",
            "health checks too strict for startup: raise `health.grace_seconds` in the handoff",
        ),
    ),
    "service:connect-5xx-ratio": Guide(
        "5xx to calling services",
        "Services that call this one through Service Connect get server errors: their "
        "Service Connect proxies count them (per caller, by the callee's discovery name). No "
        "load balancer sees these calls.",
        (
            f"{_DESCRIBE} for the numbers",
            f"{_SERVICE_LOGS}: the application's errors, and the `service-connect/` streams "
            "for the proxy's (timeouts, no healthy endpoint)",
            "the Service Connect graphs of the service on the dashboard: which caller, since when",
        ),
        (
            "a bad release of this service: roll back (see Rollback above)",
            "no task running or all failing: follow its `running-tasks` section",
            "a dependency failing (database, cache, queue): follow that alarm's section",
        ),
    ),
    "service:tcp-resets": Guide(
        "connections reset by the network load balancer",
        "The service's Network Load Balancer resets new TCP connections itself: no healthy "
        "target in the client's zone, or a target that refused or did not answer in time.",
        (
            f"{_DESCRIBE} for the numbers",
            '`aws elbv2 describe-target-health --target-group-arn "$(aws ecs describe-services '
            '--cluster "$CLUSTER" --services "$SERVICE" --query '
            "'services[0].loadBalancers[0].targetGroupArn' --output text)\"`: "
            "whether any target is healthy",
            f"{_SERVICE_LOGS}: a listener that crashed or stopped accepting",
        ),
        (
            "no healthy target: follow its `no-healthy-hosts` and `running-tasks` sections",
            "a bad release: roll back (see Rollback above)",
            "the application closes idle connections: NLB idles TCP flows out after 350 s; "
            "send keepalives more often",
        ),
    ),
    "service:cpu": Guide(
        "CPU (ECS service)",
        "Autoscaling cannot keep CPU near its target: the service is at max_count or cannot "
        "place more tasks.",
        (
            '`aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" --query '
            "'services[0].[desiredCount,runningCount,events[:5]]'`",
        ),
        (
            "raise the ceiling now (see Scaling above), then `scaling.max` in the handoff",
            "a hot loop or a traffic spike from one client: the logs and the WAF's sampled "
            "requests show which",
        ),
    ),
    "service:memory": Guide(
        "memory (ECS service)",
        "Memory does not autoscale: a task is killed when it reaches 100%.",
        (f"{_STOPPED_TASKS}: `OutOfMemoryError` in a container's reason, exit code 137",),
        ("raise `memory` in the handoff and deploy; find the leak before the next release",),
    ),
    "service:running-tasks": Guide(
        "running tasks",
        "Fewer tasks run than desired for 10 minutes: tasks fail to start or crash-loop.",
        (
            '`aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" --query '
            "'services[0].events[:10]'`",
            f"{_STOPPED_TASKS}: why they stopped and their exit codes",
        ),
        (
            "image pull errors: check the image tag and the ECR or registry access",
            "crash on start: roll back to the last good image",
        ),
    ),
    "service:no-tasks": Guide(
        "no task running",
        "A service that must always run (its `scaling.min` is at least 1) has had no task "
        "running for 5 minutes: the services that call it get connection errors, or its "
        "queue is not consumed. ECS reports no metric for a service without a running task, "
        "so the alarm counts missing data as breaching; it pages in production. Queue "
        "consumers that scale to zero have no such alarm.",
        (
            '`aws ecs describe-services --cluster "$CLUSTER" --services "$SERVICE" --query '
            "'services[0].[desiredCount,runningCount,pendingCount,events[:10]]'`: a desired "
            "count of 0 set by hand, or why tasks do not start",
            f"{_STOPPED_TASKS}: why they stopped and their exit codes",
        ),
        (
            "image pull or secret errors: fix the image or secret, then `aws ecs update-service "
            '--cluster "$CLUSTER" --service "$SERVICE" --force-new-deployment`',
            "crash on start after a release: roll back to the last good image (see Rollback above)",
            "no Spot capacity: the service's Fargate Spot share cannot place tasks; "
            "`spot: false` on the service in the handoff",
        ),
    ),
    "service:no-healthy-hosts": Guide(
        "no healthy hosts",
        "No target of the service passes its health check: the load balancer answers every "
        "request with 502/503 itself. For a public service in production it pages through "
        "the service-down alarm.",
        (
            "`aws elbv2 describe-target-health --target-group-arn <target group arn>`: each "
            "target's state and reason",
            "the service's events and stopped tasks (see running tasks below)",
        ),
        (
            "tasks crash or fail health checks after a release: roll back (see Rollback above)",
            "a dependency down (database, secrets): follow that alarm's section",
        ),
    ),
    "service:down": Guide(
        "service down",
        "A public service is down: no healthy target, or tasks missing for 10 minutes. It "
        "pages once in production and mutes the service's burn-rate pages (CloudWatch's "
        "actions suppressor) while it is in ALARM, so one outage is one page; other "
        "environments get a ticket.",
        (f"which member fired: {_DESCRIBE}",),
        ("follow the member's section: no healthy hosts, or running tasks",),
    ),
    "load_balancer:elb-5xx": Guide(
        "load balancer 5xx",
        "The load balancer itself answers with 5xx (no healthy target, target timeouts or "
        "connection errors) for several services at once: its own 5xx cannot be told apart "
        "by service, so this alarm watches the shared load balancer.",
        (f"{_DESCRIBE}", "the `no-healthy-hosts` and `running-tasks` alarms of its services"),
        ("follow the failing service's sections",),
    ),
    "job:failed-runs": Guide(
        "failed job runs",
        "A run of the scheduled job stopped with a non-zero exit code, or could not start "
        "(the EventBridge rule on its ECS task state changes mailed the task's event).",
        (
            "the event's `stoppedReason`, `stopCode` and each container's `exitCode`",
            "`aws ecs describe-tasks --cluster $CLUSTER --tasks <task arn from the event>`",
            "the job's log group in CloudWatch Logs, around the event's time",
        ),
        (
            "fix the cause, then start a run by hand: `aws ecs run-task --cluster $CLUSTER "
            "--task-definition <family> --launch-type FARGATE --network-configuration ...`",
        ),
    ),
    "job:failed-invocations": Guide(
        "failed job invocations",
        "EventBridge Scheduler could not start the scheduled task (capacity, IAM or "
        "networking) and dropped the run after its retries.",
        (
            "the job's schedule (`<job>`: the job in the table above): `aws scheduler "
            "list-schedules --name-prefix <job>-schedule --query "
            "'Schedules[].[GroupName,Name,State]'`, then `aws scheduler get-schedule "
            "--group-name <group> --name <schedule>` for its target, role and retry policy",
            "the scheduler's failed `RunTask` calls in CloudTrail: `aws cloudtrail "
            "lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=RunTask`",
        ),
        (
            "fix the cause, then start a run by hand with the schedule's own target: "
            "`aws scheduler get-schedule --group-name <group> --name <schedule> --query "
            "Target.EcsParameters` gives the task definition and network configuration for "
            '`aws ecs run-task --cluster "$CLUSTER" --task-definition <task definition ARN> '
            "--launch-type FARGATE --network-configuration <from the schedule>`",
        ),
    ),
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
        "Messages failed 5 times and wait for a person in the dead-letter queue. The alarm "
        "stays in ALARM while any message remains, and CloudWatch notifies only on a state "
        "change: new dead letters notify nobody until the queue is emptied (redriven or "
        "purged) and the alarm returns to OK, so empty it before you close the incident.",
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
GUIDES["slo:burn"] = Guide(
    "SLO burn-rate windows",
    "One window of a multi-window burn-rate alert. These alarms notify nobody themselves: the "
    "composite alarm of their SLO fires when both its windows burn, and pages or opens a ticket.",
    ("the composite alarm and the SLO's section below",),
    ("act on the SLO's section; a single window in ALARM alone needs no action",),
)
