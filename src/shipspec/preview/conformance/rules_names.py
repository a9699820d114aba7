"""Rules on physical names: length, characters, prefixes and suffixes, per resource type.

Each rule checks the name the resource will really get: the explicit input, or the
autoname ``<logical name>-<7 random chars>`` of :mod:`.naming`. Where botocore's model
states the length or pattern of the API input, the rule reads it from there
(:class:`~.model.Botocore`); otherwise the AWS API reference page is cited.
"""

from __future__ import annotations

from .model import (
    Botocore,
    Constraint,
    Finding,
    Length,
    Matches,
    NotContains,
    NotPrefix,
    Predicate,
    Resource,
    Rule,
)
from .naming import AUTONAMES, autoname_overflow

ELB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference"
ELASTICACHE = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference"
RDS = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference"
DOCDB = "https://docs.aws.amazon.com/documentdb/latest/developerguide"
ECS = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference"
CLOUDFRONT = "https://docs.aws.amazon.com/cloudfront/latest/APIReference"

_ALNUM_HYPHEN = Matches(r"[A-Za-z0-9-]+", "only letters, digits and hyphens")
_NO_EDGE_HYPHEN = Matches(r"[^-](.*[^-])?", "neither beginning nor ending with a hyphen")
_IDENTIFIER = Matches(
    r"[A-Za-z][A-Za-z0-9-]*", "letters, digits and hyphens, beginning with a letter"
)
_NO_TRAILING_HYPHEN = Matches(r".*[^-]", "not ending with a hyphen")
_NO_DOUBLE_HYPHEN = NotContains("--")
_ECS_NAME = Matches(r"[A-Za-z0-9_-]+", "only letters, digits, underscores and hyphens")


def _rules(
    prefix: str, type_: str, input_: str, source: str, *checks: tuple[str, Constraint]
) -> list[Rule]:
    return [
        Rule(f"{prefix}.{suffix}", type_, input_, constraint, source, names=True)
        for suffix, constraint in checks
    ]


def _boto(service: str, operation: str, member: str) -> list[tuple[str, Constraint]]:
    return [
        ("length", Botocore(service, operation, member, "length")),
        ("characters", Botocore(service, operation, member, "pattern")),
    ]


def _autoname_rules() -> list[Rule]:
    """One rule per autonamed type: the provider refuses an autoname that cannot fit."""

    def fits(resource: Resource) -> list[Finding]:
        refusal = autoname_overflow(resource)
        spec = AUTONAMES[resource.type]
        return (
            [Finding(spec.input, f"{resource.name}{spec.separator}<7 random chars>", refusal)]
            if refusal
            else []
        )

    return [
        Rule(
            f"autoname.{t.split(':')[1].replace('/', '.')}",
            t,
            spec.input,
            Predicate(
                f"the autoname `<logical name>{spec.separator}<7 random chars>` fits "
                f"{spec.max_length} characters when `{spec.input}` is not set",
                fits,
            ),
            spec.source,
        )
        for t, spec in AUTONAMES.items()
        if spec.max_length is not None
    ]


NAME_RULES: list[Rule] = [
    *_rules(
        "lb.load-balancer.name",
        "aws:lb/loadBalancer:LoadBalancer",
        "name",
        f"{ELB}/API_CreateLoadBalancer.html",
        ("length", Length(32)),
        ("characters", _ALNUM_HYPHEN),
        ("hyphens", _NO_EDGE_HYPHEN),
        ("internal-prefix", NotPrefix("internal-")),
    ),
    *_rules(
        "lb.target-group.name",
        "aws:lb/targetGroup:TargetGroup",
        "name",
        f"{ELB}/API_CreateTargetGroup.html",
        ("length", Length(32)),
        ("characters", _ALNUM_HYPHEN),
        ("hyphens", _NO_EDGE_HYPHEN),
    ),
    *_rules(
        "elasticache.replication-group.id",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "replicationGroupId",
        f"{ELASTICACHE}/API_CreateReplicationGroup.html",
        ("length", Length(40)),
        ("characters", _IDENTIFIER),
        ("trailing-hyphen", _NO_TRAILING_HYPHEN),
        ("double-hyphen", _NO_DOUBLE_HYPHEN),
    ),
    *_rules(
        "elasticache.cluster.id",
        "aws:elasticache/cluster:Cluster",
        "clusterId",
        f"{ELASTICACHE}/API_CreateCacheCluster.html",
        ("length", Length(50)),
        ("characters", _IDENTIFIER),
        ("trailing-hyphen", _NO_TRAILING_HYPHEN),
        ("double-hyphen", _NO_DOUBLE_HYPHEN),
    ),
    *_rules(
        "elasticache.parameter-group.name",
        "aws:elasticache/parameterGroup:ParameterGroup",
        "name",
        f"{ELASTICACHE}/API_CreateCacheParameterGroup.html",
        ("length", Length(255)),
        ("characters", _IDENTIFIER),
        ("trailing-hyphen", _NO_TRAILING_HYPHEN),
        ("double-hyphen", _NO_DOUBLE_HYPHEN),
    ),
    *_rules(
        "elasticache.subnet-group.name",
        "aws:elasticache/subnetGroup:SubnetGroup",
        "name",
        f"{ELASTICACHE}/API_CreateCacheSubnetGroup.html",
        ("length", Length(255)),
        ("characters", _ALNUM_HYPHEN),
    ),
    *_rules(
        "rds.instance.identifier",
        "aws:rds/instance:Instance",
        "identifier",
        f"{RDS}/API_CreateDBInstance.html",
        ("length", Length(63)),
        ("characters", _IDENTIFIER),
        ("trailing-hyphen", _NO_TRAILING_HYPHEN),
        ("double-hyphen", _NO_DOUBLE_HYPHEN),
    ),
    *_rules(
        "rds.instance.final-snapshot",
        "aws:rds/instance:Instance",
        "finalSnapshotIdentifier",
        f"{RDS}/API_DeleteDBInstance.html",
        ("length", Length(255)),
        ("characters", _IDENTIFIER),
        ("trailing-hyphen", _NO_TRAILING_HYPHEN),
        ("double-hyphen", _NO_DOUBLE_HYPHEN),
    ),
    *_rules(
        "rds.parameter-group.name",
        "aws:rds/parameterGroup:ParameterGroup",
        "name",
        f"{RDS}/API_CreateDBParameterGroup.html",
        ("length", Length(255)),
        ("characters", _IDENTIFIER),
        ("trailing-hyphen", _NO_TRAILING_HYPHEN),
        ("double-hyphen", _NO_DOUBLE_HYPHEN),
    ),
    *_rules(
        "rds.subnet-group.name",
        "aws:rds/subnetGroup:SubnetGroup",
        "name",
        f"{RDS}/API_CreateDBSubnetGroup.html",
        ("length", Length(255)),
        (
            "characters",
            Matches(
                r"[A-Za-z0-9._ -]+", "letters, digits, periods, underscores, spaces and hyphens"
            ),
        ),
        ("not-default", Matches(r"(?!default$).*", "not `default`")),
    ),
    *_rules(
        "docdb.cluster.identifier",
        "aws:docdb/cluster:Cluster",
        "clusterIdentifier",
        f"{DOCDB}/API_CreateDBCluster.html",
        ("length", Length(63)),
        ("characters", _IDENTIFIER),
        ("trailing-hyphen", _NO_TRAILING_HYPHEN),
        ("double-hyphen", _NO_DOUBLE_HYPHEN),
    ),
    *_rules(
        "docdb.parameter-group.name",
        "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
        "name",
        f"{DOCDB}/API_CreateDBClusterParameterGroup.html",
        ("length", Length(255)),
        ("characters", _IDENTIFIER),
        ("trailing-hyphen", _NO_TRAILING_HYPHEN),
        ("double-hyphen", _NO_DOUBLE_HYPHEN),
    ),
    *_rules(
        "docdb.subnet-group.name",
        "aws:docdb/subnetGroup:SubnetGroup",
        "name",
        f"{DOCDB}/API_CreateDBSubnetGroup.html",
        ("length", Length(255)),
        (
            "characters",
            Matches(
                r"[A-Za-z0-9._ -]+", "letters, digits, periods, underscores, spaces and hyphens"
            ),
        ),
    ),
    *_rules(
        "sqs.queue.name",
        "aws:sqs/queue:Queue",
        "name",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
        ("length", Length(80)),
        (
            "characters",
            Matches(
                r"[A-Za-z0-9_-]+(\.fifo)?",
                "letters, digits, hyphens and underscores (FIFO: ending .fifo)",
            ),
        ),
    ),
    *_rules(
        "sns.topic.name",
        "aws:sns/topic:Topic",
        "name",
        "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html",
        ("length", Length(256)),
        (
            "characters",
            Matches(
                r"[A-Za-z0-9_-]+(\.fifo)?",
                "letters, digits, hyphens and underscores (FIFO: ending .fifo)",
            ),
        ),
    ),
    *_rules(
        "s3.bucket.name",
        "aws:s3/bucket:Bucket",
        "bucket",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
        ("length", Length(63, min=3)),
        (
            "characters",
            Matches(
                r"[a-z0-9][a-z0-9.-]*[a-z0-9]",
                "lowercase letters, digits, dots and hyphens, beginning and ending with a "
                "letter or digit",
            ),
        ),
        ("double-dot", NotContains("..")),
        ("xn-prefix", NotPrefix("xn--")),
    ),
    *_rules(
        "mq.broker.name",
        "aws:mq/broker:Broker",
        "brokerName",
        "https://docs.aws.amazon.com/amazon-mq/latest/api-reference/brokers.html",
        ("length", Length(50)),
        ("characters", _ECS_NAME),
    ),
    *_rules(
        "iam.role.name", "aws:iam/role:Role", "name", "", *_boto("iam", "CreateRole", "RoleName")
    ),
    # Amazon Managed Service for Prometheus: set explicitly, never autonamed.
    Rule(
        "amp.workspace.alias.length",
        "aws:amp/workspace:Workspace",
        "alias",
        Botocore("amp", "CreateWorkspace", "alias", "length"),
        "",
    ),
    *[
        Rule(f"amp.rule-groups-namespace.name.{facet}", *where, constraint, "")
        for where in [("aws:amp/ruleGroupNamespace:RuleGroupNamespace", "name")]
        for facet, constraint in _boto("amp", "CreateRuleGroupsNamespace", "name")
    ],
    *_rules(
        "iam.role-policy.name",
        "aws:iam/rolePolicy:RolePolicy",
        "name",
        "",
        *_boto("iam", "PutRolePolicy", "PolicyName"),
    ),
    *_rules(
        "ecs.cluster.name",
        "aws:ecs/cluster:Cluster",
        "name",
        f"{ECS}/API_CreateCluster.html",
        ("length", Length(255)),
        ("characters", _ECS_NAME),
    ),
    *_rules(
        "ecs.service.name",
        "aws:ecs/service:Service",
        "name",
        f"{ECS}/API_CreateService.html",
        ("length", Length(255)),
        ("characters", _ECS_NAME),
    ),
    *_rules(
        "ecs.task-definition.family",
        "aws:ecs/taskDefinition:TaskDefinition",
        "family",
        f"{ECS}/API_RegisterTaskDefinition.html",
        ("length", Length(255)),
        ("characters", _ECS_NAME),
    ),
    *_rules(
        "wafv2.web-acl.name",
        "aws:wafv2/webAcl:WebAcl",
        "name",
        "",
        *_boto("wafv2", "CreateWebACL", "Name"),
    ),
    Rule(
        "secretsmanager.secret.name.length",
        "aws:secretsmanager/secret:Secret",
        "name",
        Botocore("secretsmanager", "CreateSecret", "Name", "length"),
        "",
        names=True,
    ),
    Rule(
        "secretsmanager.secret.name.characters",
        "aws:secretsmanager/secret:Secret",
        "name",
        Matches(r"[A-Za-z0-9/_+=.@-]+", "ASCII letters, digits and /_+=.@-"),
        "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
        names=True,
    ),
    *_rules(
        "ec2.security-group.name",
        "aws:ec2/securityGroup:SecurityGroup",
        "name",
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
        ("length", Length(255)),
        ("sg-prefix", NotPrefix("sg-")),
    ),
    *_rules(
        "appautoscaling.policy.name",
        "aws:appautoscaling/policy:Policy",
        "name",
        "",
        *_boto("application-autoscaling", "PutScalingPolicy", "PolicyName"),
    ),
    # CloudFront's model states no name limits; its API reference does.
    *_rules(
        "cloudfront.origin-access-control.name",
        "aws:cloudfront/originAccessControl:OriginAccessControl",
        "name",
        f"{CLOUDFRONT}/API_OriginAccessControlConfig.html (Name: up to 64 characters)",
        ("length", Length(64)),
    ),
    *_rules(
        "cloudfront.response-headers-policy.name",
        "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        "name",
        f"{CLOUDFRONT}/API_ResponseHeadersPolicyConfig.html (Name: up to 128 characters)",
        ("length", Length(128)),
    ),
    *_rules(
        "servicediscovery.http-namespace.name",
        "aws:servicediscovery/httpNamespace:HttpNamespace",
        "name",
        "",
        *_boto("servicediscovery", "CreateHttpNamespace", "Name"),
    ),
    *_rules(
        "kms.alias.name",
        "aws:kms/alias:Alias",
        "name",
        "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
        *_boto("kms", "CreateAlias", "AliasName"),
        ("alias-prefix", Matches(r"alias/.+", "beginning with `alias/`")),
        ("aws-reserved", NotPrefix("alias/aws/")),
    ),
    # AWS Backup: the pattern carries the length ({2,50}, {1,50}).
    Rule(
        "backup.vault.name.characters",
        "aws:backup/vault:Vault",
        "name",
        Botocore("backup", "CreateBackupVault", "BackupVaultName", "pattern"),
        "",
        names=True,
    ),
    Rule(
        "backup.selection.name.characters",
        "aws:backup/selection:Selection",
        "name",
        Botocore("backup", "CreateBackupSelection", "BackupSelection.SelectionName", "pattern"),
        "",
        names=True,
    ),
    *_autoname_rules(),
]
