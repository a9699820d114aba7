"""Secure-by-default properties of the components, asserted on recorded resources."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shipspec.preview.runner import ProgramError, run_program

if TYPE_CHECKING:
    from conftest import Stack

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SERVICE = "aws:ecs/service:Service"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ANYWHERE = ("0.0.0.0/0", "::/0")
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LONG_NAME = """\
from components import Database, Network

network = Network("network", cidr_block="10.0.0.0/16", az_count=2, nat_gateway_count=1)
Database(
    "{name}",
    engine="mysql",
    engine_version="8.0",
    instance_class="db.t4g.micro",
    allocated_storage=20,
    max_allocated_storage=0,
    multi_az=False,
    backup_retention_days=1,
    deletion_protection=False,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
)
"""


def service_sg(stack: Stack, name: str) -> str:
    service = stack.named(f"{name}-service", SERVICE)
    groups = service.inputs["networkConfiguration"]["securityGroups"]
    assert len(groups) == 1
    return str(groups[0])


def test_tasks_never_get_public_ips(stack: Stack) -> None:
    services = stack.of_type(SERVICE)
    assert len(services) == 3
    for service in services:
        network = service.inputs["networkConfiguration"]
        assert network["assignPublicIp"] is False
        assert service.inputs["enableExecuteCommand"] is False
    (schedule,) = stack.of_type("aws:scheduler/schedule:Schedule")
    job_network = schedule.inputs["target"]["ecsParameters"]["networkConfiguration"]
    assert job_network["assignPublicIp"] is False
    private = stack.named("web-service", SERVICE).inputs["networkConfiguration"]["subnets"]
    assert job_network["subnets"] == private


def test_tasks_run_in_private_subnets(stack: Stack) -> None:
    subnets = {r.name: r for r in stack.of_type("aws:ec2/subnet:Subnet")}
    assert len(subnets) == 6
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets.values())
    private_cidrs = {s.inputs["cidrBlock"] for n, s in subnets.items() if "private" in n}
    assert private_cidrs == {"10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"}
    public_cidrs = {s.inputs["cidrBlock"] for n, s in subnets.items() if "public" in n}
    assert public_cidrs == {"10.0.224.0/22", "10.0.228.0/22", "10.0.232.0/22"}


def test_only_the_load_balancer_is_open_to_the_internet(stack: Stack) -> None:
    open_rules = [
        r
        for r in stack.of_type(INGRESS)
        if r.inputs.get("cidrIpv4") in ANYWHERE or r.inputs.get("cidrIpv6") in ANYWHERE
    ]
    lb_sg = stack.named("public-sg").urn
    assert {(r.inputs["fromPort"], r.inputs["toPort"]) for r in open_rules} == {
        (80, 80),
        (443, 443),
    }
    assert len(open_rules) == 4  # 80 and 443, IPv4 and IPv6
    for rule in open_rules:
        assert rule.parent == stack.named("public", "shipspec:aws:LoadBalancer").urn
        assert lb_sg in rule.dependencies


def test_test_listener_is_reachable_from_the_vpc_only(stack: Stack) -> None:
    rule = stack.named("public-test-vpc", INGRESS)
    assert rule.inputs["cidrIpv4"] == "10.0.0.0/16"
    assert rule.inputs["fromPort"] == rule.inputs["toPort"] == 8443


def test_database_accepts_only_its_consumer(stack: Stack) -> None:
    (db,) = stack.of_type("aws:rds/instance:Instance")
    (db_sg,) = db.inputs["vpcSecurityGroupIds"]
    ingress = [r for r in stack.of_type(INGRESS) if r.inputs["securityGroupId"] == db_sg]
    assert len(ingress) == 1
    (rule,) = ingress
    assert rule.inputs["referencedSecurityGroupId"] == service_sg(stack, "web")
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (5432, 5432)
    assert "cidrIpv4" not in rule.inputs
    # ...and the web service may reach exactly that port on exactly that group.
    egress = stack.named("web-to-db", EGRESS).inputs
    assert egress["securityGroupId"] == service_sg(stack, "web")
    assert egress["referencedSecurityGroupId"] == db_sg
    assert (egress["fromPort"], egress["toPort"]) == (5432, 5432)


def test_cache_accepts_only_its_consumer(stack: Stack) -> None:
    (cache,) = stack.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    (cache_sg,) = cache.inputs["securityGroupIds"]
    ingress = [r for r in stack.of_type(INGRESS) if r.inputs["securityGroupId"] == cache_sg]
    assert [r.inputs["referencedSecurityGroupId"] for r in ingress] == [service_sg(stack, "web")]
    assert ingress[0].inputs["fromPort"] == 6379


def test_task_egress_is_https_and_used_datastores_only(stack: Stack) -> None:
    egress = [r for r in stack.of_type(EGRESS) if r.parent != stack.named("public").urn]
    by_group: dict[str, list[tuple[object, ...]]] = {}
    for rule in egress:
        target = rule.inputs.get("cidrIpv4") or rule.inputs.get("referencedSecurityGroupId")
        by_group.setdefault(rule.inputs["securityGroupId"], []).append(
            (target, rule.inputs["fromPort"], rule.inputs["toPort"])
        )
    (db,) = stack.of_type("aws:rds/instance:Instance")
    (cache,) = stack.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert sorted(by_group[service_sg(stack, "web")], key=str) == sorted(
        [
            ("0.0.0.0/0", 443, 443),
            (db.inputs["vpcSecurityGroupIds"][0], 5432, 5432),
            (cache.inputs["securityGroupIds"][0], 6379, 6379),
        ],
        key=str,
    )
    assert by_group[service_sg(stack, "mailer")] == [("0.0.0.0/0", 443, 443)]


def test_web_ingress_comes_from_the_load_balancer_only(stack: Stack) -> None:
    lb = stack.named("public-alb")
    lb_sg = lb.inputs["securityGroups"][0]
    rules = [
        r for r in stack.of_type(INGRESS) if r.inputs["securityGroupId"] == service_sg(stack, "web")
    ]
    assert [(r.inputs["referencedSecurityGroupId"], r.inputs["fromPort"]) for r in rules] == [
        (lb_sg, 8080)
    ]


def test_encryption_at_rest_and_in_transit(stack: Stack) -> None:
    (db,) = stack.of_type("aws:rds/instance:Instance")
    assert db.inputs["storageEncrypted"] is True
    assert db.inputs["publiclyAccessible"] is False
    assert db.inputs["manageMasterUserPassword"] is True
    assert "password" not in db.inputs
    (params,) = stack.of_type("aws:rds/parameterGroup:ParameterGroup")
    assert params.inputs["family"] == "postgres16"
    assert [(p["name"], p["value"]) for p in params.inputs["parameters"]] == [
        ("rds.force_ssl", "1"),
        ("log_min_duration_statement", "1000"),  # what the exported postgresql log holds
    ]
    (cache,) = stack.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert cache.inputs["atRestEncryptionEnabled"] is True
    assert cache.inputs["transitEncryptionEnabled"] is True
    for queue in stack.of_type("aws:sqs/queue:Queue"):
        assert queue.inputs["sqsManagedSseEnabled"] is True
    sse = stack.named("uploads-encryption")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


def test_bucket_is_private_and_tls_only(stack: Stack) -> None:
    block = stack.named("uploads-public-access")
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.inputs[flag] is True, flag
    ownership = stack.named("uploads-ownership")
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    policy = stack.named("uploads-tls-only")
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert block.urn in policy.dependencies
    assert not [r for r in stack if r.type.endswith("V2")], "deprecated *V2 S3 classes"


def test_no_wildcard_iam(stack: Stack) -> None:
    documents = stack.policies()
    assert len(documents) == len(stack.of_type(ROLE)) + len(stack.of_type(ROLE_POLICY))
    for resource, document in documents:
        for statement in document["Statement"]:
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            assert "*" not in actions, resource.name
            assert not [a for a in actions if a.endswith(":*")], resource.name
            resources = statement.get("Resource", [])
            assert "*" not in ([resources] if isinstance(resources, str) else resources)
            assert statement.get("Principal") != "*", resource.name


def test_execution_role_reads_exactly_the_injected_secrets(stack: Stack) -> None:
    secret = stack.named("stripe-key-secret", "aws:secretsmanager/secret:Secret")
    assert secret.parent == stack.named("stripe-key", "shipspec:aws:AppSecret").urn
    # The app secret's value is set out of band; only the drawn Redis token is written.
    (version,) = stack.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    assert version.name == "cache-auth" and "secretStringWo" in version.inputs
    policy = json.loads(stack.named("web-execution-role-policy").inputs["policy"])
    (statement,) = policy["Statement"]
    assert statement["Action"] == ["secretsmanager:GetSecretValue"]
    resources = statement["Resource"]
    # The database's rotated password is not injected: the agent reads STRIPE_KEY and
    # the Redis AUTH token only.
    assert len(resources) == 2
    assert all(r.count(":") == 6 for r in resources), "json-key suffix must be stripped"
    assert any(":secret:stripe-key-secret-" in r for r in resources)
    assert any(":secret:cache-auth-" in r for r in resources)
    # A service without secrets gets the managed execution policy and nothing else.
    assert [r.name for r in stack.of_type(ROLE_POLICY) if r.name.startswith("api-execution")] == []


def test_task_roles_hold_only_their_datastores(stack: Stack) -> None:
    def actions(policy: str) -> set[str]:
        doc = json.loads(stack.named(policy).inputs["policy"])
        return {a for s in doc["Statement"] for a in s["Action"]}

    produce = {"sqs:SendMessage", "sqs:GetQueueAttributes"}
    consume = {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
    }
    read_write = {"s3:GetObject", "s3:PutObject", "s3:ListBucket"}
    db = {"rds-db:connect"} if stack.named("web-task-role").urn.split(":")[2] == "prod" else set()
    secret = set() if db else {"secretsmanager:GetSecretValue"}
    # A producer cannot receive or delete; a consumer cannot send; only the job deletes.
    assert actions("web-task-role-policy") == produce | read_write | db | secret
    assert actions("mailer-task-role-policy") == consume
    assert actions("nightly-task-role-policy") == read_write | {"s3:DeleteObject"}
    assert actions("api-task-role-policy") == produce | consume  # a bare datastore: both


def test_database_user_arn_names_the_instance_and_user(prod: Stack) -> None:
    doc = json.loads(prod.named("web-task-role-policy").inputs["policy"])
    (connect,) = [s for s in doc["Statement"] if s["Action"] == ["rds-db:connect"]]
    instance = prod.named("db-db", "aws:rds/instance:Instance")
    assert instance.inputs["iamDatabaseAuthenticationEnabled"] is True
    # dbuser:<DbiResourceId>/<user>: the instance's resource id, never its identifier.
    (arn,) = connect["Resource"]
    assert re.fullmatch(r"arn:aws:rds-db:eu-west-1:123456789012:dbuser:db-[A-Z0-9]{26}/web", arn)


def test_logs_expire(stack: Stack) -> None:
    groups = {g.name: g for g in stack.of_type(LOG_GROUP)}
    # Four containers, the flow logs, PostgreSQL's two exports and the WAF.
    assert sorted(groups) == [
        "api-logs",
        "db-postgresql-logs",
        "db-upgrade-logs",
        "mailer-logs",
        "network-flow-logs",
        "nightly-logs",
        "public-waf-logs",
        "web-logs",
    ]
    assert all(g.inputs["retentionInDays"] == 90 for g in groups.values())


def stack_name(stack: Stack) -> str:
    return stack.named("web-logs").inputs["name"].split("/")[3]  # /ecs/<project>/<stack>/web


def test_database_logs_go_to_groups_that_exist_first(stack: Stack) -> None:
    db = stack.named("db-db", "aws:rds/instance:Instance")
    # Fixed, not autonamed: the log group names below contain it.
    assert db.inputs["identifier"] == f"shop-{stack_name(stack)}-db"
    assert db.inputs["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    for log in db.inputs["enabledCloudwatchLogsExports"]:
        group = stack.named(f"db-{log}-logs", LOG_GROUP)
        assert group.inputs["name"] == f"/aws/rds/instance/{db.inputs['identifier']}/{log}"
        assert group.urn in db.dependencies  # created before RDS can write (and create it)
        assert group.parent == db.parent


def test_load_balancer_logs_every_request_to_its_own_bucket(stack: Stack) -> None:
    alb = stack.named("public-alb")
    bucket = stack.named("public-access-logs", "aws:s3/bucket:Bucket")
    bucket_name = alb.inputs["accessLogs"]["bucket"]
    assert alb.inputs["accessLogs"]["enabled"] is True
    assert bucket_name.startswith("public-access-logs-") and bucket.urn in alb.dependencies
    assert bucket.inputs["forceDestroy"] is (stack_name(stack) != "prod")
    block = stack.named("public-access-logs-public-access").inputs
    assert all(block[f] is True for f in ("blockPublicAcls", "blockPublicPolicy"))
    assert all(block[f] is True for f in ("ignorePublicAcls", "restrictPublicBuckets"))
    ownership = stack.named("public-access-logs-ownership").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    sse = stack.named("public-access-logs-encryption").inputs["rules"][0]
    # ALB log delivery supports SSE-S3 only.
    assert sse["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    versioning = stack.named("public-access-logs-versioning").inputs
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    rules = {r["id"]: r for r in stack.named("public-access-logs-lifecycle").inputs["rules"]}
    assert rules["expire-logs"]["expiration"] == {"days": 90}  # the stack's log retention
    assert rules["expire-logs"]["noncurrentVersionExpiration"] == {"noncurrentDays": 7}
    assert rules["remove-expired-delete-markers"]["expiration"] == {
        "expiredObjectDeleteMarker": True
    }
    policy = stack.named("public-access-logs-policy")
    allow, deny = json.loads(policy.inputs["policy"])["Statement"]
    assert allow == {
        "Sid": "AllowLoadBalancerLogDelivery",
        "Effect": "Allow",
        # eu-west-1 predates the service principal: its ELB account writes there too.
        "Principal": {
            "Service": "logdelivery.elasticloadbalancing.amazonaws.com",
            "AWS": "arn:aws:iam::156460612806:root",
        },
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket_name}/AWSLogs/123456789012/*",
    }
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # The ALB checks it may write (a test object) when logging is turned on.
    for ready in ("public-access-logs-policy", "public-access-logs-encryption"):
        assert stack.named(ready).urn in alb.dependencies


LOG_BUCKET_PROGRAM = """\
from components import LoadBalancer

LoadBalancer(
    "public",
    vpc_id="vpc-1",
    vpc_cidr="10.0.0.0/16",
    subnet_ids=["subnet-1", "subnet-2"],
    internet_facing=True,
)
"""


def _log_writers(make_program: Callable[..., Path], region: str) -> dict[str, str]:
    """The principal the access-log bucket's policy lets write logs, in ``region``."""
    name = f"logs-{region}"
    program = make_program(
        name,
        {"Pulumi.yaml": f"name: {name}\nruntime: python\n", "__main__.py": LOG_BUCKET_PROGRAM},
    )
    resources = run_program(program, project=name, stack="prod", config={"aws:region": region})
    (policy,) = [r for r in resources if r.name == "public-access-logs-policy"]
    allow = json.loads(policy.inputs["policy"])["Statement"][0]
    assert allow["Sid"] == "AllowLoadBalancerLogDelivery" and allow["Action"] == "s3:PutObject"
    principal: dict[str, str] = allow["Principal"]
    return principal


@pytest.mark.parametrize(
    ("region", "account"),
    [
        ("sa-east-1", "arn:aws:iam::507241528517:root"),
        ("us-east-1", "arn:aws:iam::127311923021:root"),
        # Other partitions, other ARN prefixes.
        ("cn-north-1", "arn:aws-cn:iam::638102146993:root"),
        ("us-gov-west-1", "arn:aws-us-gov:iam::048591011584:root"),
    ],
)
def test_an_older_regions_elb_account_may_write_the_access_logs(
    make_program: Callable[..., Path], region: str, account: str
) -> None:
    """Regions available before August 2022 deliver the logs (and ELB's test object, without
    which enabling the logs fails) as the region's ELB account: granted with the service
    principal."""
    assert _log_writers(make_program, region) == {
        "Service": "logdelivery.elasticloadbalancing.amazonaws.com",
        "AWS": account,
    }


@pytest.mark.parametrize("region", ["ap-southeast-4", "eu-central-2"])
def test_a_newer_region_grants_the_log_delivery_service_only(
    make_program: Callable[..., Path], region: str
) -> None:
    """Regions opened in August 2022 or later have no ELB account: the service principal."""
    assert _log_writers(make_program, region) == {
        "Service": "logdelivery.elasticloadbalancing.amazonaws.com"
    }


def test_waf_logs_what_it_stopped_without_credentials(stack: Stack) -> None:
    (acl,) = stack.of_type("aws:wafv2/webAcl:WebAcl")
    group = stack.named("public-waf-logs", LOG_GROUP)
    # WAF delivers only to groups named aws-waf-logs-*.
    assert group.inputs["name"] == f"aws-waf-logs-shop-{stack_name(stack)}-public-waf"
    logging = stack.named("public-waf-logging").inputs
    assert logging["logDestinationConfigs"] == [
        f"arn:aws:logs:eu-west-1:123456789012:log-group:{group.inputs['name']}"
    ]
    assert acl.urn in stack.named("public-waf-logging").dependencies
    assert logging["redactedFields"] == [
        {"singleHeader": {"name": "authorization"}},
        {"singleHeader": {"name": "cookie"}},
    ]
    log_filter = logging["loggingFilter"]
    assert log_filter["defaultBehavior"] == "DROP"
    (keep,) = log_filter["filters"]
    assert keep["behavior"] == "KEEP" and keep["requirement"] == "MEETS_ANY"
    actions = {c["actionCondition"]["action"] for c in keep["conditions"]}
    assert actions == {"BLOCK", "COUNT", "CAPTCHA", "CHALLENGE", "EXCLUDED_AS_COUNT"}


def test_long_names_still_make_valid_identifiers(make_program: Callable[..., Path]) -> None:
    name = "orders-" + "x" * 70
    program = make_program(
        "long-names",
        {
            "Pulumi.yaml": "name: shop\nruntime: python\n",
            "__main__.py": LONG_NAME.format(name=name),
        },
    )
    resources = run_program(program, project="Shop_App", stack="2024.Q3", config={})
    (db,) = [r for r in resources if r.type == "aws:rds/instance:Instance"]
    ident = db.inputs["identifier"]
    assert len(ident) == 63 and ident.startswith("shop-app-2024-q3-orders-xxx")
    assert ident[-8] == "-" and ident[-7:].isalnum() and "--" not in ident
    groups = sorted(r.inputs["name"] for r in resources if r.type == LOG_GROUP)
    assert groups == [f"/aws/rds/instance/{ident}/error", f"/aws/rds/instance/{ident}/slowquery"]


def test_load_balancer_hardening(stack: Stack) -> None:
    alb = stack.named("public-alb").inputs
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["internal"] is False
    https = stack.named("public-https").inputs
    assert https["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["defaultActions"][0]["fixedResponse"]["statusCode"] == "404"
    redirect = stack.named("public-http").inputs["defaultActions"][0]
    assert redirect["redirect"] == {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}
    (acl,) = stack.of_type("aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "REGIONAL"
    rules = {r["name"]: r for r in acl.inputs["rules"]}
    assert list(rules) == [
        "rate-limit",
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
    ]
    # Every group blocks, except the common set's 8 KB body limit, which API requests
    # exceed: that one rule only counts.
    overrides = {
        name: rule["statement"]["managedRuleGroupStatement"].get("ruleActionOverrides")
        for name, rule in rules.items()
        if name != "rate-limit"
    }
    assert overrides.pop("AWSManagedRulesCommonRuleSet") == [
        {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}
    ]
    assert set(overrides.values()) == {None}
    assert all("none" in r["overrideAction"] for n, r in rules.items() if n != "rate-limit")
    assert stack.of_type("aws:wafv2/webAclAssociation:WebAclAssociation")


def test_load_balancer_sends_only_to_its_services_tasks(stack: Stack) -> None:
    egress = {r.name: r.inputs for r in stack.children("public") if r.type == EGRESS}
    # One rule per web service, to its task security group on its container port; no CIDR.
    assert sorted(egress) == ["public-to-api", "public-to-web"]
    ingress = {
        r.name: r.inputs for r in stack.of_type(INGRESS) if r.name in ("api-from-lb", "web-from-lb")
    }
    for service, port in (("api", 9000), ("web", 8080)):
        rule = egress[f"public-to-{service}"]
        assert "cidrIpv4" not in rule and "cidrIpv6" not in rule
        assert (rule["fromPort"], rule["toPort"], rule["ipProtocol"]) == (port, port, "tcp")
        # The same task group that admits the load balancer on that port.
        back = ingress[f"{service}-from-lb"]
        assert back["securityGroupId"] == rule["referencedSecurityGroupId"]
        assert back["fromPort"] == port


def test_interface_endpoints_are_private(stack: Stack) -> None:
    endpoints = stack.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    services = sorted(e.inputs["serviceName"] for e in endpoints)
    assert services == [
        "com.amazonaws.eu-west-1.ecr.api",
        "com.amazonaws.eu-west-1.ecr.dkr",
        "com.amazonaws.eu-west-1.logs",
        "com.amazonaws.eu-west-1.s3",
        "com.amazonaws.eu-west-1.secretsmanager",
    ]
    for endpoint in endpoints:
        if endpoint.inputs["vpcEndpointType"] == "Interface":
            assert endpoint.inputs["privateDnsEnabled"] is True
            assert len(endpoint.inputs["subnetIds"]) == 3
        else:
            assert len(endpoint.inputs["routeTableIds"]) == 3
    rule = stack.named("network-endpoints-https").inputs
    assert (rule["cidrIpv4"], rule["fromPort"], rule["toPort"]) == ("10.0.0.0/16", 443, 443)


WILDCARD_PROGRAM = """\
import pulumi_aws as aws
from components import Network, WorkerService


class Everything:
    port = None
    security_group_id = None

    def allow_from(self, consumer_name, security_group_id):
        pass

    def environment(self, prefix, use):
        return {}

    def secrets(self, prefix, use):
        return {}

    def policy_statements(self, use):
        return [{"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::b/*"]}]


network = Network("net", cidr_block="10.0.0.0/16", az_count=2, nat_gateway_count=1)
cluster = aws.ecs.Cluster("cluster")
WorkerService(
    "greedy",
    cluster_arn=cluster.arn,
    cluster_name=cluster.name,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    image="example/greedy:1",
    cpu=256,
    memory=512,
    desired_count=1,
    min_count=1,
    max_count=1,
    uses={"ALL": Everything()},
)
"""


def test_wildcard_statements_fail_the_deployment(make_program: Callable[..., Path]) -> None:
    program = make_program(
        "wildcard",
        {"Pulumi.yaml": "name: greedy\nruntime: python\n", "__main__.py": WILDCARD_PROGRAM},
    )
    with pytest.raises(ProgramError, match="wildcard action 's3:\\*'") as caught:
        run_program(program, project="greedy", stack="dev", config={})
    assert caught.value.filename == "components/_iam.py"


def test_queues_refuse_plain_http(stack: Stack) -> None:
    policies = {p.name: p.inputs for p in stack.of_type("aws:sqs/queuePolicy:QueuePolicy")}
    assert sorted(policies) == ["orders-dlq-tls-only", "orders-queue-tls-only"]
    for name, inputs in policies.items():
        (deny,) = json.loads(inputs["policy"])["Statement"]
        assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "sqs:*")
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        queue = stack.named(name.removesuffix("-tls-only"), "aws:sqs/queue:Queue")
        assert queue.urn in stack.named(name).dependencies


def test_redis_requires_tls_and_auth(stack: Stack) -> None:
    group = stack.named("cache-cache", "aws:elasticache/replicationGroup:ReplicationGroup").inputs
    assert group["transitEncryptionEnabled"] is True
    assert group["transitEncryptionMode"] == "required"
    assert group["authTokenWoVersion"] == 1 and group["authTokenWo"] == "[secret]"
    assert "authToken" not in group  # write-only: the token never lands in Pulumi state


EGRESS_PROGRAM = """\
import pulumi_aws as aws
from components import Egress, Network, WorkerService

network = Network("network", cidr_block="10.0.0.0/16", az_count=2, nat_gateway_count=1)
cluster = aws.ecs.Cluster("cluster")
for name, egress in {EGRESS}.items():
    WorkerService(
        name,
        cluster_name=cluster.name,
        cluster_arn=cluster.arn,
        image="ghcr.io/example/mailer:2.0",
        cpu=256,
        memory=512,
        desired_count=1,
        min_count=1,
        max_count=1,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        log_retention_days=90,
        egress=[Egress.from_config(e) for e in egress],
    )
"""


def test_egress_allowances_are_rules_on_the_task_group_and_nothing_more(
    make_program: Callable[..., Path],
) -> None:
    """Each allowance (spec ``egress``, as the stack config carries it) is one egress rule
    of its protocol, ports and destination (IPv4, IPv6 or a prefix list) on the task's own
    security group; a task without any keeps HTTPS as its only way out."""
    allowances = [
        {"rule": "tcp-587-203.0.113.0/24", "protocol": "tcp", "fromPort": 587, "toPort": 587,
         "to": "203.0.113.0/24", "description": "SMTP submission to the mail relay"},
        {"rule": "udp-8000-8100-2001_db8__/32", "protocol": "udp", "fromPort": 8000,
         "toPort": 8100, "to": "2001:db8::/32", "description": "UDP 8000-8100"},
        {"rule": "tcp-5432-pl-0123456789abcdef0", "protocol": "tcp", "fromPort": 5432,
         "toPort": 5432, "to": "pl-0123456789abcdef0", "description": "the old database"},
    ]  # fmt: skip
    program = make_program(
        "egress",
        {
            "Pulumi.yaml": "name: egress\nruntime: python\n",
            "__main__.py": EGRESS_PROGRAM.replace(
                "{EGRESS}", repr({"mailer": allowances, "plain": []})
            ),
        },
    )
    stack = run_program(program, project="egress", stack="dev", config={})
    rules = {r.name: r.inputs for r in stack if r.type == EGRESS}
    group = {name: rules[f"{name}-https-out"]["securityGroupId"] for name in ("mailer", "plain")}
    assert group["mailer"] != group["plain"]
    assert {n: r for n, r in rules.items() if "-egress-" in n} == {
        "mailer-egress-tcp-587-203.0.113.0/24": {
            "securityGroupId": group["mailer"],
            "ipProtocol": "tcp",
            "fromPort": 587,
            "toPort": 587,
            "cidrIpv4": "203.0.113.0/24",
            "description": "SMTP submission to the mail relay",
        },
        "mailer-egress-udp-8000-8100-2001_db8__/32": {
            "securityGroupId": group["mailer"],
            "ipProtocol": "udp",
            "fromPort": 8000,
            "toPort": 8100,
            "cidrIpv6": "2001:db8::/32",
            "description": "UDP 8000-8100",
        },
        "mailer-egress-tcp-5432-pl-0123456789abcdef0": {
            "securityGroupId": group["mailer"],
            "ipProtocol": "tcp",
            "fromPort": 5432,
            "toPort": 5432,
            "prefixListId": "pl-0123456789abcdef0",
            "description": "the old database",
        },
    }
    plain = [r for r in rules.values() if r["securityGroupId"] == group["plain"]]
    assert [(r.get("cidrIpv4"), r["fromPort"]) for r in plain] == [("0.0.0.0/0", 443)]
