"""Each conformance rule catches an input that breaks it, and only the rule's own inputs.

The violating inputs are derived from the rule's data where the constraint is a plain
length, pattern, range, enum or count (so every such rule, botocore-read ones included,
is exercised at its limit); cross-field rules have a hand-written violating resource.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from shipspec.errors import PreviewError
from shipspec.preview.conformance import check_resources, conformance_error
from shipspec.preview.conformance.model import (
    Between,
    Botocore,
    Count,
    Length,
    Matches,
    NotContains,
    NotPrefix,
    OneOf,
    Predicate,
    Rule,
    StackPredicate,
)
from shipspec.preview.conformance.naming import AUTONAMES
from shipspec.preview.conformance.rules import RULES


@dataclass(frozen=True)
class Res:
    type: str
    name: str
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def urn(self) -> str:
        return f"urn:pulumi:test::p::{self.type}::{self.name}"


def _nest(path: str, value: Any) -> dict[str, Any]:
    """``a.b[].c`` = v -> {"a": {"b": [{"c": v}]}}."""
    head, _, rest = path.partition(".")
    key = head.removesuffix("[]")
    inner: Any = _nest(rest, value) if rest else value
    return {key: [inner] if head.endswith("[]") else inner}


def _bad_value(constraint: Any) -> Any:
    if isinstance(constraint, Botocore):
        constraint = constraint.resolve()
    if isinstance(constraint, Length):
        return "a" * (constraint.max + 1)
    if isinstance(constraint, Matches):
        # The first of these the pattern refuses: bad characters, edge hyphens, a digit first.
        candidates = ("bad name!\n", "-abc", "abc-", "9abc")
        return next(c for c in candidates if constraint.check("", c))
    if isinstance(constraint, NotPrefix):
        return f"{constraint.prefix}x"
    if isinstance(constraint, NotContains):
        return f"a{constraint.text}b"
    if isinstance(constraint, Between):
        return (
            int(constraint.max) + 1 if constraint.max != float("inf") else int(constraint.min) - 1
        )
    if isinstance(constraint, OneOf):
        return 2 if all(isinstance(v, int) for v in constraint.values) else "no-such-value"
    if isinstance(constraint, Count):
        return [f"item-{i}" for i in range(constraint.max + 1)]
    raise AssertionError(f"no derived violation for {constraint!r}")


ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
LISTENER = "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/1/2"
SG = "sg-0123"


def _rules(kind: str) -> list[Res]:
    token = f"aws:vpc/securityGroup{kind}Rule:SecurityGroup{kind}Rule"
    return [
        Res(token, f"r{i}", {"securityGroupId": SG, "fromPort": 443, "toPort": 443})
        for i in range(61)
    ]


def _queries(n: int, results: int = 1) -> list[dict[str, Any]]:
    metric = {"metricName": "RequestCount", "namespace": "AWS/ApplicationELB", "period": 60}
    queries: list[dict[str, Any]] = [
        {"id": f"m{i}", "metric": metric, "returnData": False} for i in range(n)
    ]
    queries += [{"id": f"e{i}", "expression": "m0", "returnData": True} for i in range(results)]
    return queries


def _task(*containers: dict[str, Any]) -> Res:
    """A Fargate task definition holding ``containers`` (JSON, as Pulumi records it)."""
    return Res(
        "aws:ecs/taskDefinition:TaskDefinition",
        "task",
        {"requiresCompatibilities": ["FARGATE"], "containerDefinitions": json.dumps(containers)},
    )


def _sql(inputs: dict[str, Any]) -> Res:
    return Res("aws:rds/instance:Instance", "mssql", {"engine": "sqlserver-se", **inputs})


def _domain(inputs: dict[str, Any]) -> Res:
    return Res("aws:opensearch/domain:Domain", "search", inputs)


def _log(log_type: str) -> dict[str, Any]:
    arn = f"arn:aws:logs:us-east-1:1:log-group:/aws/opensearch/domains/d/{log_type}"
    return {"logType": log_type, "cloudwatchLogGroupArn": arn, "enabled": True}


CROSS_FIELD: dict[str, list[Res]] = {
    "lb.target-group.health-timeout-below-interval": [
        Res(
            "aws:lb/targetGroup:TargetGroup", "tg", {"healthCheck": {"interval": 10, "timeout": 10}}
        )
    ],
    "lb.target-group.matcher": [
        Res("aws:lb/targetGroup:TargetGroup", "tg", {"healthCheck": {"matcher": "200-599"}})
    ],
    "lb.target-group.grpc-matcher": [
        Res(
            "aws:lb/targetGroup:TargetGroup",
            "tg",
            {"protocolVersion": "GRPC", "healthCheck": {"matcher": "200-399"}},
        )
    ],
    "lb.target-group.udp-health-check": [
        Res(
            "aws:lb/targetGroup:TargetGroup",
            "tg",
            {"protocol": "UDP", "healthCheck": {"protocol": "UDP"}},
        )
    ],
    "lb.listener.certificate": [
        Res("aws:lb/listener:Listener", "tls", {"protocol": "TLS", "port": 7000}),
        Res("aws:lb/listener:Listener", "tcp", {"protocol": "TCP", "alpnPolicy": "None"}),
    ],
    "lb.listener-rule.condition-values": [
        Res(
            "aws:lb/listenerRule:ListenerRule",
            "rule",
            {"conditions": [{"pathPattern": {"values": ["/a", "/b", "/c", "/d"]}}]},
        )
    ],
    "lb.listener-rule.transform": [
        Res(
            "aws:lb/listenerRule:ListenerRule",
            "rule",
            {
                "transforms": [
                    {
                        "type": "url-rewrite",
                        "urlRewriteConfig": {"rewrite": {"regex": "^/(?=a)", "replace": "/"}},
                    }
                ]
            },
        )
    ],
    "lb.listener-rule.priority-unique": [
        Res("aws:lb/listenerRule:ListenerRule", n, {"listenerArn": LISTENER, "priority": 10})
        for n in ("a", "b")
    ],
    "ecs.task-definition.fargate-size": [
        Res(
            "aws:ecs/taskDefinition:TaskDefinition",
            "task",
            {"requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "4096"},
        )
    ],
    "ecs.task-definition.fargate-network-mode": [
        Res(
            "aws:ecs/taskDefinition:TaskDefinition",
            "task",
            {"requiresCompatibilities": ["FARGATE"], "networkMode": "bridge"},
        )
    ],
    "appautoscaling.target.capacity-order": [
        Res("aws:appautoscaling/target:Target", "t", {"minCapacity": 5, "maxCapacity": 2})
    ],
    "rds.instance.max-allocated-storage": [
        Res("aws:rds/instance:Instance", "db", {"allocatedStorage": 20, "maxAllocatedStorage": 20})
    ],
    "rds.instance.allocated-storage": [
        Res(
            "aws:rds/instance:Instance",
            "db",
            {"engine": "postgres", "storageType": "gp3", "allocatedStorage": 10},
        )
    ],
    "elasticache.parameter-group.maxmemory-policy": [
        Res(
            "aws:elasticache/parameterGroup:ParameterGroup",
            "p",
            {"family": "redis7", "parameters": [{"name": "maxmemory-policy", "value": "lru"}]},
        )
    ],
    "elasticache.replication-group.failover": [
        Res(
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "c",
            {"automaticFailoverEnabled": True, "numCacheClusters": 1},
        )
    ],
    "elasticache.replication-group.multi-az": [
        Res(
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "c",
            {"multiAzEnabled": True, "automaticFailoverEnabled": False},
        )
    ],
    "sqs.queue.max-receive-count": [
        Res("aws:sqs/queue:Queue", "q", {"redrivePolicy": json.dumps({"maxReceiveCount": 0})})
    ],
    "secretsmanager.secret.recovery-window": [
        Res("aws:secretsmanager/secret:Secret", "s", {"recoveryWindowInDays": 3})
    ],
    "cloudwatch.metric-alarm.datapoints": [
        Res(ALARM, "a", {"datapointsToAlarm": 4, "evaluationPeriods": 3})
    ],
    "cloudwatch.metric-alarm.period": [Res(ALARM, "a", {"period": 45})],
    "cloudwatch.metric-alarm.one-result": [Res(ALARM, "a", {"metricQueries": _queries(1, 2)})],
    "cloudwatch.metric-alarm.query-id": [
        Res(
            ALARM, "a", {"metricQueries": [{"id": "Errors", "expression": "1", "returnData": True}]}
        )
    ],
    "cloudwatch.metric-alarm.metric-count": [Res(ALARM, "a", {"metricQueries": _queries(11)})],
    "wafv2.web-acl.priority-unique": [
        Res(
            "aws:wafv2/webAcl:WebAcl",
            "waf",
            {"rules": [{"name": "a", "priority": 1}, {"name": "b", "priority": 1}]},
        )
    ],
    "wafv2.logging.log-group-prefix": [
        Res(
            "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
            "logging",
            {"logDestinationConfigs": ["arn:aws:logs:us-east-1:1:log-group:waf-logs"]},
        )
    ],
    "cloudfront.distribution.web-acl": [
        # A regional ACL, or a CLOUDFRONT one created outside us-east-1: CloudFront refuses both.
        Res(
            "aws:cloudfront/distribution:Distribution",
            "cdn",
            {"webAclId": "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/site/abc"},
        ),
        Res(
            "aws:cloudfront/distribution:Distribution",
            "cdn2",
            {"webAclId": "arn:aws:wafv2:eu-west-1:123456789012:global/webacl/site/abc"},
        ),
    ],
    "chatbot.slack-channel-configuration.region": [
        # The stack's region (eu-north-1) has no Chatbot API; nor is an absent region judged
        # fine: it is the provider's.
        Res(
            "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
            "slack",
            {"region": "eu-north-1", "configurationName": "a-prod-alerts"},
        ),
        Res(
            "aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration",
            "slack2",
            {"configurationName": "a-prod-alerts"},
        ),
    ],
    "ec2.ingress-rule.count": _rules("Ingress"),
    "ec2.egress-rule.count": _rules("Egress"),
    "ec2.ingress-rule.port-order": [
        Res(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "r",
            {"fromPort": 443, "toPort": 80},
        )
    ],
    "ec2.egress-rule.port-order": [
        Res(
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
            "r",
            {"fromPort": 443, "toPort": 80},
        )
    ],
    "ecs.task-definition.health-check": [
        _task({"name": "app", "healthCheck": {"command": ["CMD", "x"], "timeout": 61}})
    ],
    "ecs.task-definition.stop-timeout": [_task({"name": "app", "stopTimeout": 121})],
    "ecs.task-definition.depends-on": [
        _task(
            {"name": "app", "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}]},
            {"name": "init", "essential": True},
        )
    ],
    "ecs.task-definition.ephemeral-storage": [
        Res(
            "aws:ecs/taskDefinition:TaskDefinition",
            "task",
            {"requiresCompatibilities": ["FARGATE"], "ephemeralStorage": {"sizeInGib": 20}},
        )
    ],
    "rds.subnet-group.name.not-default": [
        Res("aws:rds/subnetGroup:SubnetGroup", "s", {"name": "default"})
    ],
    "rds.sqlserver.no-db-name": [_sql({"dbName": "app"})],
    # TLS is static in DocumentDB: ModifyDBClusterParameterGroup refuses "immediate" for it
    # (also what the provider sends when a parameter names no method).
    "docdb.parameter-group.apply-method": [
        Res(
            "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
            "p",
            {"family": "docdb5.0", "parameters": [{"name": "tls", "value": "enabled"}]},
        )
    ],
    # performance_schema is read at server start: ModifyDBParameterGroup refuses "immediate".
    "rds.parameter-group.apply-method": [
        Res(
            "aws:rds/parameterGroup:ParameterGroup",
            "p",
            {
                "family": "mysql8.0",
                "parameters": [
                    {"name": "performance_schema", "value": "1", "applyMethod": "immediate"}
                ],
            },
        )
    ],
    "rds.parameter-group.long-query-time": [
        Res(
            "aws:rds/parameterGroup:ParameterGroup",
            "p",
            {"family": "mysql8.0", "parameters": [{"name": "long_query_time", "value": "0.1"}]},
        )
    ],
    "rds.sqlserver.storage": [_sql({"allocatedStorage": 16385})],
    "rds.sqlserver.instance-class": [_sql({"instanceClass": "db.r7g.large"})],
    "rds.sqlserver.multi-az-edition": [_sql({"engine": "sqlserver-ex", "multiAz": True})],
    "rds.sqlserver.no-iam-auth": [_sql({"iamDatabaseAuthenticationEnabled": True})],
    "opensearch.gp3-size": [_domain({"ebsOptions": {"volumeType": "gp3", "volumeSize": 5}})],
    "opensearch.zone-awareness": [
        _domain(
            {
                "clusterConfig": {
                    "instanceCount": 4,
                    "zoneAwarenessEnabled": True,
                    "zoneAwarenessConfig": {"availabilityZoneCount": 3},
                },
                "vpcOptions": {"subnetIds": ["subnet-1", "subnet-2", "subnet-3"]},
            }
        )
    ],
    "opensearch.encrypted": [_domain({"encryptAtRest": {"enabled": False}})],
    "opensearch.log-type-once": [
        _domain({"logPublishingOptions": [_log("INDEX_SLOW_LOGS"), _log("INDEX_SLOW_LOGS")]})
    ],
    "opensearch.audit-logs-need-fgac": [
        _domain({"logPublishingOptions": [_log("AUDIT_LOGS")]}),
    ],
    "logs.resource-policy.count": [
        Res("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", f"p{i}", {"policyName": f"p{i}"})
        for i in range(11)
    ],
}


def violating(rule: Rule) -> list[Res]:
    if rule.id in CROSS_FIELD:
        return CROSS_FIELD[rule.id]
    if rule.id.startswith("autoname."):
        spec = AUTONAMES[rule.type]
        assert spec.max_length is not None
        return [Res(rule.type, "a" * (spec.max_length - len(spec.separator) - 6))]
    assert not isinstance(rule.constraint, Predicate | StackPredicate), rule.id
    return [Res(rule.type, "r", _nest(rule.input, _bad_value(rule.constraint)))]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_each_rule_catches_a_violating_input(rule: Rule) -> None:
    found = check_resources(violating(rule))
    assert rule.id in {v.rule.id for v in found}, [str(v) for v in found]


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_each_rule_cites_a_source_and_describes_itself(rule: Rule) -> None:
    assert rule.source_text.startswith(("https://", "botocore ")), rule.id
    assert rule.constraint.describe()


def test_a_tls_listener_needs_its_certificate_and_alpn_is_tls_only() -> None:
    found = check_resources(CROSS_FIELD["lb.listener.certificate"])
    assert {v.resource for v in found if v.rule.id == "lb.listener.certificate"} == {
        "tls",
        "tcp",
    }
    certified = Res(
        "aws:lb/listener:Listener",
        "ok",
        {"protocol": "TLS", "certificateArn": "arn:aws:acm:eu-west-1:1:certificate/x"},
    )
    assert not [v for v in check_resources([certified]) if v.rule.id == "lb.listener.certificate"]


def test_cross_field_examples_name_existing_rules() -> None:
    assert set(CROSS_FIELD) <= {r.id for r in RULES}


def test_an_autoname_that_fits_is_not_reported() -> None:
    longest = "a" * (32 - 8)
    assert check_resources([Res("aws:lb/targetGroup:TargetGroup", longest)]) == []
    found = check_resources([Res("aws:lb/targetGroup:TargetGroup", longest + "b")])
    assert [v.rule.id for v in found] == ["autoname.lb.targetGroup", "lb.target-group.name.length"]
    assert "plus 7 random chars is longer than maximum length 32" in found[0].problem


def test_an_explicit_name_is_checked_instead_of_the_autoname() -> None:
    ok = Res("aws:lb/loadBalancer:LoadBalancer", "internal-alb", {"name": "shop-prod-internal"})
    assert check_resources([ok]) == []
    autonamed = Res("aws:lb/loadBalancer:LoadBalancer", "internal-alb")
    assert [v.rule.id for v in check_resources([autonamed])] == [
        "lb.load-balancer.name.internal-prefix"
    ]


def test_unknown_values_are_not_judged() -> None:
    assert (
        check_resources([Res("aws:lb/targetGroup:TargetGroup", "tg", {"name": "[unknown]"})]) == []
    )


def test_the_error_names_resource_input_value_rule_and_source() -> None:
    bad = Res(
        "aws:rds/instance:Instance", "db-db", {"allocatedStorage": 20, "maxAllocatedStorage": 20}
    )
    error = conformance_error("dev", check_resources([bad]))
    assert isinstance(error, PreviewError)
    text = str(error)
    for part in (
        "aws:rds/instance:Instance 'db-db'",
        "maxAllocatedStorage = 20",
        "rule rds.instance.max-allocated-storage",
        "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html",
    ):
        assert part in text


def test_botocore_limits_are_read_from_the_model() -> None:
    import botocore.session

    shape = (
        botocore.session.get_session()
        .get_service_model("elbv2")
        .operation_model("CreateRule")
        .input_shape.members["Priority"]
    )
    rule = next(r for r in RULES if r.id == "lb.listener-rule.priority")
    assert rule.constraint.describe() == f"{shape.metadata['min']}-{shape.metadata['max']}"


def test_the_container_rules_read_their_ranges_from_botocore() -> None:
    from shipspec.preview.conformance.rules_containers import (
        ephemeral_storage_range,
        health_check_range,
        stop_timeout_max,
    )
    from shipspec.spec import container

    assert health_check_range("interval") == container.HEALTHCHECK_INTERVAL
    assert health_check_range("timeout") == container.HEALTHCHECK_TIMEOUT
    assert health_check_range("retries") == container.HEALTHCHECK_RETRIES
    assert health_check_range("startPeriod") == container.HEALTHCHECK_START_PERIOD
    assert stop_timeout_max() == container.STOP_TIMEOUT[1]
    assert ephemeral_storage_range() == container.EPHEMERAL_STORAGE_GB


def test_a_dependency_the_task_can_reach_passes() -> None:
    good = _task(
        {"name": "app", "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}]},
        {"name": "init", "essential": False},
    )
    assert not check_resources([good])


def test_audit_logs_pass_with_fine_grained_access_control() -> None:
    domain = _domain(
        {
            "logPublishingOptions": [_log("AUDIT_LOGS"), _log("ES_APPLICATION_LOGS")],
            "advancedSecurityOptions": {"enabled": True},
        }
    )
    found = {v.rule.id for v in check_resources([domain])}
    assert not found & {"opensearch.audit-logs-need-fgac", "opensearch.log-type-once"}


def test_log_types_are_read_from_the_opensearch_model() -> None:
    log_type = next(r for r in RULES if r.id == "opensearch.log-type").constraint
    assert isinstance(log_type, Botocore)
    resolved = log_type.resolve()
    assert isinstance(resolved, OneOf)
    assert {"INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS"} <= set(
        resolved.values
    )


def test_a_chatbot_configuration_in_a_chatbot_region_passes() -> None:
    rule = next(r for r in RULES if r.id == "chatbot.slack-channel-configuration.region")
    for region in ("us-east-2", "us-west-2", "eu-west-1", "ap-southeast-1"):
        slack = Res(rule.type, "slack", {"region": region, "configurationName": "a-alerts"})
        assert check_resources([slack], [rule]) == []
    found = check_resources(CROSS_FIELD[rule.id], [rule])
    assert sorted(v.resource for v in found) == ["slack", "slack2"], [str(v) for v in found]


def test_parameter_apply_methods_are_judged_by_the_parameter_s_apply_type(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from shipspec.preview.conformance.rules_parameters import (
        APPLY_TYPES,
        PARAMETER_RULES,
        apply_type,
        family_engine,
    )

    def group(family: str, *parameters: dict[str, str]) -> Res:
        return Res(
            "aws:rds/parameterGroup:ParameterGroup",
            "p",
            {"family": family, "parameters": list(parameters)},
        )

    assert family_engine("sqlserver-se-16.0") == "sqlserver"
    assert family_engine("mariadb10.11") == "mariadb"
    assert family_engine("postgres16") == "postgres"
    assert apply_type("mysql8.0", "slow_query_log") == "dynamic"
    assert apply_type("docdb5.0", "tls") == "static"
    assert apply_type("mysql8.0", "innodb_buffer_pool_size") is None  # not judged
    assert all(kind in ("static", "dynamic") and source for kind, source in APPLY_TYPES.values())
    slow = [
        {"name": "slow_query_log", "value": "1", "applyMethod": "immediate"},
        {"name": "log_output", "value": "FILE", "applyMethod": "immediate"},
        {"name": "long_query_time", "value": "0.1", "applyMethod": "immediate"},
    ]
    # Dynamic parameters: either method outside SQL Server; a fraction of a second with FILE.
    assert check_resources([group("mysql8.0", *slow)], PARAMETER_RULES) == []
    reboot = [{**p, "applyMethod": "pending-reboot"} for p in slow]
    assert check_resources([group("mariadb10.11", *reboot)], PARAMETER_RULES) == []
    # The same long_query_time logging to a table: whole seconds only.
    table = [*slow[:1], {**slow[1], "value": "TABLE"}, slow[2]]
    found = check_resources([group("mysql8.0", *table)], PARAMETER_RULES)
    assert [v.rule.id for v in found] == ["rds.parameter-group.long-query-time"]
    whole = [*slow[:1], {**slow[1], "value": "TABLE"}, {**slow[2], "value": "2"}]
    assert check_resources([group("mysql8.0", *whole)], PARAMETER_RULES) == []
    # A static parameter with pending-reboot passes.
    docdb = Res(
        "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
        "p",
        {
            "family": "docdb5.0",
            "parameters": [{"name": "tls", "value": "enabled", "applyMethod": "pending-reboot"}],
        },
    )
    assert check_resources([docdb], PARAMETER_RULES) == []
    # RDS for SQL Server refuses pending-reboot for a dynamic parameter (ModifyDBParameterGroup).
    monkeypatch.setitem(APPLY_TYPES, ("sqlserver", "some_dynamic"), ("dynamic", "test"))
    sql = group(
        "sqlserver-se-16.0", {"name": "some_dynamic", "value": "1", "applyMethod": "pending-reboot"}
    )
    found = check_resources([sql], PARAMETER_RULES)
    assert [v.rule.id for v in found] == ["rds.parameter-group.apply-method"]
    assert "SQL Server" in found[0].problem
