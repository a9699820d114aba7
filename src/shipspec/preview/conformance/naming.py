"""Physical names: the explicit input, or the name Pulumi's AWS provider makes up.

When a program leaves a resource's name input empty, the provider autonames it
``<logical name>-<7 random hex chars>`` (lowercased for some types), and refuses when
that cannot fit the maximum length it knows for the type: "name 'x-' plus 7 random
chars is longer than maximum length 32". The mocks never fail there, so the table below
carries, per resource type, the name input and the provider's autoname settings, from
``provider/resources.go`` of pulumi/pulumi-aws (``tfbridge.AutoName``/``AutoNameTransform``
entries; every other ``name`` input gets ``prov.SetAutonaming(255, "-")``).
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import UNKNOWN_VALUES, Resource

PROVIDER = "https://github.com/pulumi/pulumi-aws/blob/master/provider/resources.go"
RANDOM_LENGTH = 7
RANDOM_SAMPLE = "0a1b2c3"
"""Stands for the 7 random hex characters when an autoname is checked against AWS rules."""


@dataclass(frozen=True)
class Autoname:
    type: str
    input: str
    max_length: int | None
    """None: the provider does not autoname this input (the program must set it)."""
    lower: bool = False
    separator: str = "-"
    source: str = PROVIDER


def _a(
    type_: str,
    input_: str,
    max_length: int | None,
    *,
    lower: bool = False,
    separator: str = "-",
    note: str = "",
) -> Autoname:
    source = f"{PROVIDER} ({note})" if note else PROVIDER
    return Autoname(type_, input_, max_length, lower, separator, source)


_DEFAULT = 'prov.SetAutonaming(255, "-")'
AUTONAMES: dict[str, Autoname] = {
    a.type: a
    for a in (
        _a(
            "aws:lb/loadBalancer:LoadBalancer", "name", 32, note='aws_lb: AutoName("name", 32, "-")'
        ),
        _a(
            "aws:lb/targetGroup:TargetGroup",
            "name",
            32,
            note='aws_lb_target_group: AutoName("name", 32, "-")',
        ),
        _a(
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "replicationGroupId",
            40,
            lower=True,
            note='aws_elasticache_replication_group: AutoNameTransform("replicationGroupId", 40, '
            "strings.ToLower)",
        ),
        _a(
            "aws:elasticache/cluster:Cluster",
            "clusterId",
            50,
            lower=True,
            note='aws_elasticache_cluster: AutoNameTransform("clusterId", 50, strings.ToLower)',
        ),
        _a(
            "aws:rds/instance:Instance",
            "identifier",
            255,
            separator="",
            note="aws_db_instance: resource.NewUniqueHex(name, 7, 255)",
        ),
        _a("aws:iam/role:Role", "name", 64, note='aws_iam_role: AutoName("name", 64, "-")'),
        _a(
            "aws:sqs/queue:Queue",
            "name",
            80,
            note="aws_sqs_queue: Maxlen 80, Randlen 7, .fifo PostTransform",
        ),
        _a(
            "aws:sns/topic:Topic",
            "name",
            80,
            note="aws_sns_topic: Maxlen 80, Randlen 7, .fifo PostTransform",
        ),
        _a(
            "aws:s3/bucket:Bucket",
            "bucket",
            63,
            lower=True,
            note='aws_s3_bucket: AutoNameTransform("bucket", 63, strings.ToLower)',
        ),
        _a(
            "aws:mq/broker:Broker",
            "brokerName",
            55,
            note='aws_mq_broker: AutoName("brokerName", 55, "-")',
        ),
        _a("aws:ecs/cluster:Cluster", "name", 255, note=_DEFAULT),
        _a("aws:ecs/service:Service", "name", 255, note=_DEFAULT),
        _a("aws:cloudwatch/logGroup:LogGroup", "name", 255, note=_DEFAULT),
        _a("aws:cloudwatch/metricAlarm:MetricAlarm", "name", 255, note=_DEFAULT),
        _a(
            "aws:cloudwatch/compositeAlarm:CompositeAlarm", "alarmName", None, note="required input"
        ),
        _a("aws:cloudwatch/dashboard:Dashboard", "dashboardName", None, note="required input"),
        _a("aws:secretsmanager/secret:Secret", "name", 255, note=_DEFAULT),
        _a("aws:ec2/securityGroup:SecurityGroup", "name", 255, note=_DEFAULT),
        _a("aws:iam/rolePolicy:RolePolicy", "name", 255, note=_DEFAULT),
        _a("aws:rds/parameterGroup:ParameterGroup", "name", 255, note=_DEFAULT),
        _a("aws:rds/subnetGroup:SubnetGroup", "name", 255, note=_DEFAULT),
        _a("aws:docdb/subnetGroup:SubnetGroup", "name", 255, note=_DEFAULT),
        _a("aws:docdb/clusterParameterGroup:ClusterParameterGroup", "name", 255, note=_DEFAULT),
        _a("aws:docdb/cluster:Cluster", "clusterIdentifier", None, note="set by the program"),
        _a("aws:elasticache/subnetGroup:SubnetGroup", "name", 255, note=_DEFAULT),
        _a("aws:elasticache/parameterGroup:ParameterGroup", "name", 255, note=_DEFAULT),
        _a("aws:wafv2/webAcl:WebAcl", "name", 255, note=_DEFAULT),
        _a("aws:scheduler/schedule:Schedule", "name", 255, note=_DEFAULT),
        _a("aws:scheduler/scheduleGroup:ScheduleGroup", "name", 255, note=_DEFAULT),
        _a("aws:appautoscaling/policy:Policy", "name", 255, note=_DEFAULT),
        _a("aws:ecs/taskDefinition:TaskDefinition", "family", None, note="required input"),
    )
}


@dataclass(frozen=True)
class PhysicalName:
    value: str
    autonamed: bool

    def shown(self) -> str:
        """The name as a message shows it: the random part of an autoname spelled out."""
        if self.autonamed:
            return self.value.replace(RANDOM_SAMPLE, f"<{RANDOM_LENGTH} random chars>")
        return self.value


def physical_name(resource: Resource, input_: str) -> PhysicalName | None:
    """The name ``resource`` gets for ``input_``; None when unknown until deployment."""
    value = resource.inputs.get(input_)
    if isinstance(value, str) and value and value not in UNKNOWN_VALUES:
        return PhysicalName(value, autonamed=False)
    if value is not None:
        return None
    spec = AUTONAMES.get(resource.type)
    if spec is None or spec.input != input_ or spec.max_length is None:
        return None
    name = f"{resource.name}{spec.separator}{RANDOM_SAMPLE}"
    if spec.lower:
        name = name.lower()
    if resource.type in _FIFO and resource.inputs.get(_FIFO[resource.type]) is True:
        name += ".fifo"
    return PhysicalName(name, autonamed=True)


_FIFO = {"aws:sqs/queue:Queue": "fifoQueue", "aws:sns/topic:Topic": "fifoTopic"}


def autoname_overflow(resource: Resource) -> str | None:
    """The provider's refusal when the autoname cannot fit, else None."""
    spec = AUTONAMES.get(resource.type)
    if spec is None or spec.max_length is None or resource.inputs.get(spec.input) is not None:
        return None
    prefix = f"{resource.name}{spec.separator}"
    if len(prefix) + RANDOM_LENGTH > spec.max_length:
        return (
            f"name {prefix!r} plus {RANDOM_LENGTH} random chars is longer than maximum "
            f"length {spec.max_length}"
        )
    return None
