"""Rules on values and combinations of values: ranges, enums and cross-field constraints.

Ranges botocore's models state (health-check intervals, rule priorities, WAF rate
limits...) are read from botocore; the rest cite the AWS page that states them. The
cross-field rules are small named functions over one resource, or over every resource
of a type (uniqueness and counts).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from .model import (
    Between,
    Botocore,
    Count,
    Finding,
    Length,
    Matches,
    OneOf,
    Predicate,
    Resource,
    Rule,
    StackPredicate,
    is_unknown,
    values_at,
)

ELB = "https://docs.aws.amazon.com/elasticloadbalancing/latest"
RDS = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"
ELASTICACHE = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference"
SQS = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html"
CW = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference"
FARGATE = (
    "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"
    "fargate-tasks-services.html#fargate-tasks-size"
)
SG_QUOTA = "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups"

TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"

FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}
"""Fargate task sizes: CPU units to the memory (MiB) each allows."""

LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
PERFORMANCE_INSIGHTS_DAYS = (7, 731, *(31 * m for m in range(1, 24)))
ALARM_PERIODS = "10, 20, 30 or a multiple of 60 seconds"
SG_RULES_PER_DIRECTION = 60
SG_DESCRIPTION = r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*"


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None or is_unknown(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# -- one resource ----------------------------------------------------------------------


def _rds_max_storage(r: Resource) -> Iterable[Finding]:
    allocated, ceiling = (
        _int(r.inputs.get("allocatedStorage")),
        _int(r.inputs.get("maxAllocatedStorage")),
    )
    if allocated is not None and ceiling and ceiling <= allocated:
        yield Finding(
            "maxAllocatedStorage",
            ceiling,
            f"must be 0 (no storage autoscaling) or greater than allocatedStorage ({allocated})",
        )


def _rds_storage_size(r: Resource) -> Iterable[Finding]:
    engine = str(r.inputs.get("engine", ""))
    storage_type = str(r.inputs.get("storageType", "gp2"))
    size = _int(r.inputs.get("allocatedStorage"))
    if (
        engine in ("postgres", "mysql", "mariadb")
        and storage_type in ("gp2", "gp3")
        and size is not None
        and not 20 <= size <= 65536
    ):
        yield Finding(
            "allocatedStorage", size, f"{storage_type} storage for {engine} is 20-65536 GiB"
        )


def _fargate_size(r: Resource) -> Iterable[Finding]:
    if "FARGATE" not in (r.inputs.get("requiresCompatibilities") or []):
        return
    cpu, memory = _int(r.inputs.get("cpu")), _int(r.inputs.get("memory"))
    if cpu is None or memory is None:
        return
    allowed = FARGATE_MEMORY.get(cpu)
    if allowed is None:
        yield Finding("cpu", cpu, f"Fargate CPU is one of {', '.join(map(str, FARGATE_MEMORY))}")
    elif memory not in allowed:
        yield Finding(
            "memory",
            memory,
            f"{cpu} CPU units allow {allowed[0]}-{allowed[-1]} MiB in steps of "
            f"{allowed[1] - allowed[0]}"
            if len(allowed) > 1
            else f"{cpu} CPU units allow {allowed}",
        )


def _fargate_network_mode(r: Resource) -> Iterable[Finding]:
    if "FARGATE" in (r.inputs.get("requiresCompatibilities") or []):
        mode = r.inputs.get("networkMode")
        if mode is not None and not is_unknown(mode) and mode != "awsvpc":
            yield Finding("networkMode", mode, "Fargate tasks use the awsvpc network mode")


def _health_check_timeout(r: Resource) -> Iterable[Finding]:
    check = r.inputs.get("healthCheck") or {}
    interval, timeout = _int(check.get("interval")), _int(check.get("timeout"))
    if interval is not None and timeout is not None and timeout >= interval:
        yield Finding(
            "healthCheck.timeout", timeout, f"must be smaller than the interval ({interval})"
        )


def _health_check_matcher(r: Resource) -> Iterable[Finding]:
    check = r.inputs.get("healthCheck") or {}
    matcher = check.get("matcher")
    if not isinstance(matcher, str) or is_unknown(matcher):
        return
    if str(check.get("protocol", "HTTP")).upper() not in ("HTTP", "HTTPS"):
        return
    if str(r.inputs.get("protocolVersion", "")).upper() == "GRPC":
        return  # gRPC status codes: rules_traffic's lb.target-group.grpc-matcher
    for part in re.split(r"[,-]", matcher):
        code = _int(part.strip())
        if code is None or not 200 <= code <= 499:
            yield Finding(
                "healthCheck.matcher", matcher, "HTTP codes of an ALB health check are 200-499"
            )
            return


def _datapoints(r: Resource) -> Iterable[Finding]:
    points, periods = (
        _int(r.inputs.get("datapointsToAlarm")),
        _int(r.inputs.get("evaluationPeriods")),
    )
    if points is not None and periods is not None and points > periods:
        yield Finding("datapointsToAlarm", points, f"must not exceed evaluationPeriods ({periods})")


def _valid_period(seconds: int) -> bool:
    return seconds in (10, 20, 30) or (seconds > 0 and seconds % 60 == 0)


def _alarm_periods(r: Resource) -> Iterable[Finding]:
    for path in ("period", "metricQueries[].metric.period"):
        for where, value in values_at(r.inputs, path):
            seconds = _int(value)
            if seconds is not None and not _valid_period(seconds):
                yield Finding(where, value, f"an alarm period is {ALARM_PERIODS}")


def _one_result(r: Resource) -> Iterable[Finding]:
    queries = r.inputs.get("metricQueries")
    if isinstance(queries, list) and queries:
        results = [q for q in queries if isinstance(q, dict) and q.get("returnData") is True]
        if len(results) != 1:
            yield Finding(
                "metricQueries", f"{len(results)} with returnData", "exactly one query returns data"
            )


def _query_ids(r: Resource) -> Iterable[Finding]:
    for where, value in values_at(r.inputs, "metricQueries[].id"):
        if isinstance(value, str) and not re.fullmatch(r"[a-z][A-Za-z0-9_]*", value):
            yield Finding(
                where, value, "an id begins with a lowercase letter, then letters, digits, _"
            )


def _query_metric_count(r: Resource) -> Iterable[Finding]:
    metrics = list(values_at(r.inputs, "metricQueries[].metric"))
    if len(metrics) > 10:
        yield Finding(
            "metricQueries",
            f"{len(metrics)} metrics",
            "a metric math alarm uses at most 10 metrics",
        )


def _failover_needs_replicas(r: Resource) -> Iterable[Finding]:
    clusters = _int(r.inputs.get("numCacheClusters"))
    if r.inputs.get("automaticFailoverEnabled") is True and clusters is not None and clusters < 2:
        yield Finding(
            "automaticFailoverEnabled", True, f"needs 2 or more cache clusters, has {clusters}"
        )


# CreateCacheParameterGroup's CacheParameterGroupFamily valid values (ElastiCache API
# Reference), and the maxmemory-policy values Redis OSS and Valkey accept.
CACHE_PARAMETER_FAMILIES = (
    "valkey8",
    "valkey7",
    "memcached1.4",
    "memcached1.5",
    "memcached1.6",
    "redis2.6",
    "redis2.8",
    "redis3.2",
    "redis4.0",
    "redis5.0",
    "redis6.x",
    "redis7",
)
MAXMEMORY_POLICIES = (
    "volatile-lru",
    "allkeys-lru",
    "volatile-lfu",
    "allkeys-lfu",
    "volatile-random",
    "allkeys-random",
    "volatile-ttl",
    "noeviction",
)


def _maxmemory_policy(r: Resource) -> Iterable[Finding]:
    for p in r.inputs.get("parameters") or []:
        if not isinstance(p, dict) or p.get("name") != "maxmemory-policy":
            continue
        value = p.get("value")
        if not is_unknown(value) and value not in MAXMEMORY_POLICIES:
            yield Finding("parameters", value, "not one of " + ", ".join(MAXMEMORY_POLICIES))


def _multi_az_needs_failover(r: Resource) -> Iterable[Finding]:
    if (
        r.inputs.get("multiAzEnabled") is True
        and r.inputs.get("automaticFailoverEnabled") is not True
    ):
        yield Finding("multiAzEnabled", True, "Multi-AZ needs automaticFailoverEnabled")


def _capacity_order(r: Resource) -> Iterable[Finding]:
    low, high = _int(r.inputs.get("minCapacity")), _int(r.inputs.get("maxCapacity"))
    if low is not None and high is not None and low > high:
        yield Finding("minCapacity", low, f"must not exceed maxCapacity ({high})")


def _max_receive_count(r: Resource) -> Iterable[Finding]:
    policy = r.inputs.get("redrivePolicy")
    if isinstance(policy, str) and not is_unknown(policy):
        try:
            count = _int(json.loads(policy).get("maxReceiveCount"))
        except (ValueError, AttributeError):
            return
        if count is not None and not 1 <= count <= 1000:
            yield Finding("redrivePolicy.maxReceiveCount", count, "outside 1-1000")


def _recovery_window(r: Resource) -> Iterable[Finding]:
    days = _int(r.inputs.get("recoveryWindowInDays"))
    if days is not None and days != 0 and not 7 <= days <= 30:
        yield Finding("recoveryWindowInDays", days, "0 (delete at once) or 7-30 days")


def _waf_log_group(r: Resource) -> Iterable[Finding]:
    for where, arn in values_at(r.inputs, "logDestinationConfigs[]"):
        if isinstance(arn, str) and ":log-group:" in arn:
            group = arn.split(":log-group:", 1)[1].split(":", 1)[0]
            if not group.startswith("aws-waf-logs-"):
                yield Finding(where, arn, "a WAF log group's name begins with aws-waf-logs-")


def _port_order(r: Resource) -> Iterable[Finding]:
    low, high = _int(r.inputs.get("fromPort")), _int(r.inputs.get("toPort"))
    if low is not None and high is not None and low > high:
        yield Finding("fromPort", low, f"must not exceed toPort ({high})")


# -- every resource of a type ----------------------------------------------------------


def _unique_rule_priorities(rules: Sequence[Resource]) -> Iterable[tuple[Resource, Finding]]:
    seen: dict[tuple[str, int], Resource] = {}
    for r in rules:
        listener, priority = r.inputs.get("listenerArn"), _int(r.inputs.get("priority"))
        if not isinstance(listener, str) or is_unknown(listener) or priority is None:
            continue
        first = seen.setdefault((listener, priority), r)
        if first is not r:
            yield (
                r,
                Finding("priority", priority, f"already used on this listener by {first.name!r}"),
            )


def _unique_waf_priorities(acls: Sequence[Resource]) -> Iterable[tuple[Resource, Finding]]:
    for acl in acls:
        counts = Counter(_int(p) for _, p in values_at(acl.inputs, "rules[].priority"))
        for priority, count in sorted((p, c) for p, c in counts.items() if p is not None):
            if count > 1:
                yield (
                    acl,
                    Finding("rules[].priority", priority, f"used by {count} rules of the web ACL"),
                )


def _sg_rule_count(rules: Sequence[Resource]) -> Iterable[tuple[Resource, Finding]]:
    per_group: dict[str, list[Resource]] = defaultdict(list)
    for r in rules:
        group = r.inputs.get("securityGroupId")
        if isinstance(group, str) and not is_unknown(group):
            per_group[group].append(r)
    for group, members in sorted(per_group.items()):
        if len(members) > SG_RULES_PER_DIRECTION:
            yield (
                members[-1],
                Finding(
                    "securityGroupId",
                    group,
                    f"{len(members)} rules in one direction; the quota is {SG_RULES_PER_DIRECTION}",
                ),
            )


# -- the rules -------------------------------------------------------------------------


def _boto(
    rule_id: str,
    type_: str,
    input_: str,
    service: str,
    operation: str,
    member: str,
    facet: str = "range",
) -> Rule:
    return Rule(rule_id, type_, input_, Botocore(service, operation, member, facet), "")


FIELD_RULES: list[Rule] = [
    # Route 53 health checks of a public domain (the outside-in check): the domain and the
    # health path are the spec's, so their lengths are checked as Route 53 states them.
    *(
        _boto(
            f"route53.health-check.{name}",
            HEALTH_CHECK,
            input_,
            "route53",
            "CreateHealthCheck",
            f"HealthCheckConfig.{member}",
            facet,
        )
        for name, input_, member, facet in (
            ("fqdn", "fqdn", "FullyQualifiedDomainName", "length"),
            ("resource-path", "resourcePath", "ResourcePath", "length"),
            ("port", "port", "Port", "range"),
            ("request-interval", "requestInterval", "RequestInterval", "range"),
            ("failure-threshold", "failureThreshold", "FailureThreshold", "range"),
            ("type", "type", "Type", "enum"),
        )
    ),
    # Load balancing
    _boto(
        "lb.target-group.health-interval",
        TARGET_GROUP,
        "healthCheck.interval",
        "elbv2",
        "CreateTargetGroup",
        "HealthCheckIntervalSeconds",
    ),
    _boto(
        "lb.target-group.health-timeout",
        TARGET_GROUP,
        "healthCheck.timeout",
        "elbv2",
        "CreateTargetGroup",
        "HealthCheckTimeoutSeconds",
    ),
    _boto(
        "lb.target-group.healthy-threshold",
        TARGET_GROUP,
        "healthCheck.healthyThreshold",
        "elbv2",
        "CreateTargetGroup",
        "HealthyThresholdCount",
    ),
    _boto(
        "lb.target-group.unhealthy-threshold",
        TARGET_GROUP,
        "healthCheck.unhealthyThreshold",
        "elbv2",
        "CreateTargetGroup",
        "UnhealthyThresholdCount",
    ),
    _boto(
        "lb.target-group.health-path",
        TARGET_GROUP,
        "healthCheck.path",
        "elbv2",
        "CreateTargetGroup",
        "HealthCheckPath",
        "length",
    ),
    _boto("lb.target-group.port", TARGET_GROUP, "port", "elbv2", "CreateTargetGroup", "Port"),
    Rule(
        "lb.target-group.health-timeout-below-interval",
        TARGET_GROUP,
        "healthCheck.timeout",
        Predicate("the timeout is smaller than the interval", _health_check_timeout),
        f"{ELB}/application/target-group-health-checks.html",
    ),
    Rule(
        "lb.target-group.matcher",
        TARGET_GROUP,
        "healthCheck.matcher",
        Predicate("HTTP success codes within 200-499", _health_check_matcher),
        f"{ELB}/APIReference/API_Matcher.html",
    ),
    Rule(
        "lb.target-group.deregistration-delay",
        TARGET_GROUP,
        "deregistrationDelay",
        Between(0, 3600),
        f"{ELB}/APIReference/API_TargetGroupAttribute.html",
    ),
    _boto(
        "lb.listener.port", "aws:lb/listener:Listener", "port", "elbv2", "CreateListener", "Port"
    ),
    _boto(
        "lb.listener-rule.priority", LISTENER_RULE, "priority", "elbv2", "CreateRule", "Priority"
    ),
    Rule(
        "lb.listener-rule.priority-unique",
        LISTENER_RULE,
        "priority",
        StackPredicate("unique per listener", _unique_rule_priorities),
        f"{ELB}/APIReference/API_CreateRule.html (PriorityInUse)",
    ),
    # ECS
    Rule(
        "ecs.task-definition.fargate-size",
        TASK_DEFINITION,
        "cpu, memory",
        Predicate("a Fargate CPU/memory combination", _fargate_size),
        FARGATE,
    ),
    Rule(
        "ecs.task-definition.fargate-network-mode",
        TASK_DEFINITION,
        "networkMode",
        Predicate("awsvpc for Fargate", _fargate_network_mode),
        FARGATE,
    ),
    Rule(
        "ecs.service.security-groups",
        "aws:ecs/service:Service",
        "networkConfiguration.securityGroups",
        Count(5, min=1),
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html",
    ),
    Rule(
        "ecs.service.subnets",
        "aws:ecs/service:Service",
        "networkConfiguration.subnets",
        Count(16, min=1),
        "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html",
    ),
    _boto(
        "appautoscaling.policy.type",
        "aws:appautoscaling/policy:Policy",
        "policyType",
        "application-autoscaling",
        "PutScalingPolicy",
        "PolicyType",
        "enum",
    ),
    Rule(
        "appautoscaling.target.capacity-order",
        "aws:appautoscaling/target:Target",
        "minCapacity",
        Predicate("minCapacity <= maxCapacity", _capacity_order),
        "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html",
    ),
    # RDS and DocumentDB
    Rule(
        "rds.instance.max-allocated-storage",
        "aws:rds/instance:Instance",
        "maxAllocatedStorage",
        Predicate("0 (no autoscaling) or greater than allocatedStorage", _rds_max_storage),
        f"{RDS} (MaxAllocatedStorage)",
    ),
    Rule(
        "rds.instance.allocated-storage",
        "aws:rds/instance:Instance",
        "allocatedStorage",
        Predicate("20-65536 GiB of gp2/gp3 for PostgreSQL, MySQL, MariaDB", _rds_storage_size),
        f"{RDS} (AllocatedStorage)",
    ),
    Rule(
        "rds.instance.backup-retention",
        "aws:rds/instance:Instance",
        "backupRetentionPeriod",
        Between(0, 35),
        f"{RDS} (BackupRetentionPeriod)",
    ),
    Rule(
        "rds.instance.performance-insights-retention",
        "aws:rds/instance:Instance",
        "performanceInsightsRetentionPeriod",
        OneOf(PERFORMANCE_INSIGHTS_DAYS),
        f"{RDS} (PerformanceInsightsRetentionPeriod)",
    ),
    Rule(
        "docdb.cluster.backup-retention",
        "aws:docdb/cluster:Cluster",
        "backupRetentionPeriod",
        Between(1, 35),
        "https://docs.aws.amazon.com/documentdb/latest/developerguide/API_CreateDBCluster.html",
    ),
    # ElastiCache
    Rule(
        "elasticache.replication-group.clusters",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "numCacheClusters",
        Between(1, 6),
        f"{ELASTICACHE}/API_CreateReplicationGroup.html",
    ),
    Rule(
        "elasticache.replication-group.failover",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "automaticFailoverEnabled",
        Predicate("automatic failover needs 2+ clusters", _failover_needs_replicas),
        f"{ELASTICACHE}/API_CreateReplicationGroup.html",
    ),
    Rule(
        "elasticache.replication-group.multi-az",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "multiAzEnabled",
        Predicate("Multi-AZ needs automatic failover", _multi_az_needs_failover),
        f"{ELASTICACHE}/API_CreateReplicationGroup.html",
    ),
    Rule(
        "elasticache.replication-group.snapshot-retention",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "snapshotRetentionLimit",
        Between(0, 35),
        f"{ELASTICACHE}/API_CreateReplicationGroup.html",
    ),
    Rule(
        "elasticache.parameter-group.family",
        "aws:elasticache/parameterGroup:ParameterGroup",
        "family",
        OneOf(CACHE_PARAMETER_FAMILIES),
        f"{ELASTICACHE}/API_CreateCacheParameterGroup.html",
    ),
    Rule(
        "elasticache.parameter-group.maxmemory-policy",
        "aws:elasticache/parameterGroup:ParameterGroup",
        "parameters",
        Predicate("maxmemory-policy is one of Redis's eviction policies", _maxmemory_policy),
        "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html",
    ),
    Rule(
        "elasticache.cluster.nodes",
        "aws:elasticache/cluster:Cluster",
        "numCacheNodes",
        Between(1, 40),
        f"{ELASTICACHE}/API_CreateCacheCluster.html",
    ),
    # SQS and Secrets Manager
    Rule(
        "sqs.queue.retention",
        "aws:sqs/queue:Queue",
        "messageRetentionSeconds",
        Between(60, 1209600),
        SQS,
    ),
    Rule(
        "sqs.queue.visibility-timeout",
        "aws:sqs/queue:Queue",
        "visibilityTimeoutSeconds",
        Between(0, 43200),
        SQS,
    ),
    Rule("sqs.queue.delay", "aws:sqs/queue:Queue", "delaySeconds", Between(0, 900), SQS),
    Rule(
        "sqs.queue.receive-wait",
        "aws:sqs/queue:Queue",
        "receiveWaitTimeSeconds",
        Between(0, 20),
        SQS,
    ),
    Rule(
        "sqs.queue.max-receive-count",
        "aws:sqs/queue:Queue",
        "redrivePolicy",
        Predicate("maxReceiveCount 1-1000", _max_receive_count),
        SQS,
    ),
    Rule(
        "secretsmanager.secret.recovery-window",
        "aws:secretsmanager/secret:Secret",
        "recoveryWindowInDays",
        Predicate("0 or 7-30 days", _recovery_window),
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html",
    ),
    _boto(
        "kms.key.deletion-window",
        "aws:kms/key:Key",
        "deletionWindowInDays",
        "kms",
        "ScheduleKeyDeletion",
        "PendingWindowInDays",
    ),
    # CloudWatch
    Rule(
        "logs.log-group.retention",
        "aws:cloudwatch/logGroup:LogGroup",
        "retentionInDays",
        OneOf(LOG_RETENTION_DAYS),
        "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
    ),
    Rule(
        "cloudwatch.metric-alarm.datapoints",
        METRIC_ALARM,
        "datapointsToAlarm",
        Predicate("datapointsToAlarm <= evaluationPeriods", _datapoints),
        f"{CW}/API_PutMetricAlarm.html",
    ),
    Rule(
        "cloudwatch.metric-alarm.period",
        METRIC_ALARM,
        "period, metricQueries[].metric.period",
        Predicate(ALARM_PERIODS, _alarm_periods),
        f"{CW}/API_PutMetricAlarm.html (Period)",
    ),
    Rule(
        "cloudwatch.metric-alarm.one-result",
        METRIC_ALARM,
        "metricQueries[].returnData",
        Predicate("exactly one query has returnData", _one_result),
        f"{CW}/API_PutMetricAlarm.html (Metrics)",
    ),
    Rule(
        "cloudwatch.metric-alarm.query-id",
        METRIC_ALARM,
        "metricQueries[].id",
        Predicate("begins with a lowercase letter; letters, digits, _", _query_ids),
        f"{CW}/API_MetricDataQuery.html",
    ),
    _boto(
        "cloudwatch.metric-alarm.query-id-length",
        METRIC_ALARM,
        "metricQueries[].id",
        "cloudwatch",
        "PutMetricAlarm",
        "Metrics[].Id",
        "length",
    ),
    _boto(
        "cloudwatch.metric-alarm.expression-length",
        METRIC_ALARM,
        "metricQueries[].expression",
        "cloudwatch",
        "PutMetricAlarm",
        "Metrics[].Expression",
        "length",
    ),
    Rule(
        "cloudwatch.metric-alarm.metric-count",
        METRIC_ALARM,
        "metricQueries[].metric",
        Predicate("at most 10 metrics in a metric math alarm", _query_metric_count),
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html",
    ),
    _boto(
        "cloudwatch.metric-alarm.comparison",
        METRIC_ALARM,
        "comparisonOperator",
        "cloudwatch",
        "PutMetricAlarm",
        "ComparisonOperator",
        "enum",
    ),
    _boto(
        "cloudwatch.metric-alarm.description-length",
        METRIC_ALARM,
        "alarmDescription",
        "cloudwatch",
        "PutMetricAlarm",
        "AlarmDescription",
        "length",
    ),
    _boto(
        "cloudwatch.composite-alarm.rule-length",
        "aws:cloudwatch/compositeAlarm:CompositeAlarm",
        "alarmRule",
        "cloudwatch",
        "PutCompositeAlarm",
        "AlarmRule",
        "length",
    ),
    _boto(
        "cloudwatch.composite-alarm.description-length",
        "aws:cloudwatch/compositeAlarm:CompositeAlarm",
        "alarmDescription",
        "cloudwatch",
        "PutCompositeAlarm",
        "AlarmDescription",
        "length",
    ),
    # WAF
    _boto(
        "wafv2.web-acl.metric-name",
        WEB_ACL,
        "visibilityConfig.metricName",
        "wafv2",
        "CreateWebACL",
        "VisibilityConfig.MetricName",
        "pattern",
    ),
    _boto(
        "wafv2.web-acl.metric-name-length",
        WEB_ACL,
        "visibilityConfig.metricName",
        "wafv2",
        "CreateWebACL",
        "VisibilityConfig.MetricName",
        "length",
    ),
    _boto(
        "wafv2.web-acl.rule-metric-name",
        WEB_ACL,
        "rules[].visibilityConfig.metricName",
        "wafv2",
        "CreateWebACL",
        "Rules[].VisibilityConfig.MetricName",
        "pattern",
    ),
    _boto(
        "wafv2.web-acl.rule-metric-name-length",
        WEB_ACL,
        "rules[].visibilityConfig.metricName",
        "wafv2",
        "CreateWebACL",
        "Rules[].VisibilityConfig.MetricName",
        "length",
    ),
    _boto(
        "wafv2.web-acl.rule-name",
        WEB_ACL,
        "rules[].name",
        "wafv2",
        "CreateWebACL",
        "Rules[].Name",
        "pattern",
    ),
    _boto(
        "wafv2.web-acl.rate-limit",
        WEB_ACL,
        "rules[].statement.rateBasedStatement.limit",
        "wafv2",
        "CreateWebACL",
        "Rules[].Statement.RateBasedStatement.Limit",
    ),
    _boto(
        "wafv2.web-acl.description",
        WEB_ACL,
        "description",
        "wafv2",
        "CreateWebACL",
        "Description",
        "pattern",
    ),
    Rule(
        "wafv2.web-acl.priority-unique",
        WEB_ACL,
        "rules[].priority",
        StackPredicate("rule priorities unique within the web ACL", _unique_waf_priorities),
        "https://docs.aws.amazon.com/waf/latest/APIReference/API_Rule.html (Priority)",
    ),
    Rule(
        "wafv2.logging.log-group-prefix",
        "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
        "logDestinationConfigs[]",
        Predicate("log group named aws-waf-logs-*", _waf_log_group),
        "https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html",
    ),
    # Scheduler
    _boto(
        "scheduler.schedule.window-mode",
        "aws:scheduler/schedule:Schedule",
        "flexibleTimeWindow.mode",
        "scheduler",
        "CreateSchedule",
        "FlexibleTimeWindow.Mode",
        "enum",
    ),
    _boto(
        "scheduler.schedule.expression-length",
        "aws:scheduler/schedule:Schedule",
        "scheduleExpression",
        "scheduler",
        "CreateSchedule",
        "ScheduleExpression",
        "length",
    ),
    _boto(
        "scheduler.schedule.task-count",
        "aws:scheduler/schedule:Schedule",
        "target.ecsParameters.taskCount",
        "scheduler",
        "CreateSchedule",
        "Target.EcsParameters.TaskCount",
    ),
    # VPC security groups
    Rule(
        "ec2.security-group.description",
        "aws:ec2/securityGroup:SecurityGroup",
        "description",
        Matches(SG_DESCRIPTION, "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*"),
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
    ),
    Rule(
        "ec2.security-group.description-length",
        "aws:ec2/securityGroup:SecurityGroup",
        "description",
        Length(255),
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
    ),
    *(
        rule
        for kind, token in (
            ("ingress", "securityGroupIngressRule:SecurityGroupIngressRule"),
            ("egress", "securityGroupEgressRule:SecurityGroupEgressRule"),
        )
        for rule in (
            Rule(
                f"ec2.{kind}-rule.count",
                f"aws:vpc/{token}",
                "securityGroupId",
                StackPredicate(
                    f"at most {SG_RULES_PER_DIRECTION} {kind} rules per security group",
                    _sg_rule_count,
                ),
                SG_QUOTA,
            ),
            Rule(
                f"ec2.{kind}-rule.description",
                f"aws:vpc/{token}",
                "description",
                Matches(SG_DESCRIPTION, "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*"),
                "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html",
            ),
            Rule(
                f"ec2.{kind}-rule.port-order",
                f"aws:vpc/{token}",
                "fromPort",
                Predicate("fromPort <= toPort", _port_order),
                "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html",
            ),
        )
    ),
]
