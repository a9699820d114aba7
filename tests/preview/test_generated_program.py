"""The generated program, run under Pulumi mocks for every example and environment.

These assert the security and sizing properties a reviewer would check by hand:
nothing public that should not be, datastores reachable only from their users,
encryption everywhere, IAM scoped to named resources, and the plan's numbers.
"""

from __future__ import annotations

import json

import pytest

from shipspec.plan.db_admin import ADMIN_ENGINES
from shipspec.policy.validator import RESOURCELESS_ACTIONS
from tests.conftest import example_names

SERVICE = "aws:ecs/service:Service"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG = "aws:ec2/securityGroup:SecurityGroup"
ALB = "aws:lb/loadBalancer:LoadBalancer"
RDS_EXPORTS = {
    "postgres": ("postgresql", "upgrade"),
    "mysql": ("error", "slowquery"),
    "mariadb": ("error", "slowquery"),
}


def stacks() -> list[tuple[str, str]]:
    import shipspec
    from tests.conftest import EXAMPLES

    pairs = []
    for name in example_names():
        spec = shipspec.load(EXAMPLES / f"{name}.yaml")
        pairs.extend((name, env) for env in spec.environments)
    return pairs


STACKS = stacks()


@pytest.fixture(params=STACKS, ids=[f"{n}-{e}" for n, e in STACKS])
def stack(request, generated):  # type: ignore[no-untyped-def]
    name, env = request.param
    return (
        generated.model(name),
        generated.model(name).environment(env),
        generated.preview(name, env),
    )


def test_program_registers_a_component_per_service_and_datastore(stack) -> None:  # type: ignore[no-untyped-def]
    _model, env, preview = stack
    components = {r.name for r in preview.resources if r.type.startswith("shipspec:aws:")}
    expected = {s.name for s in env.services} | {d.name for d in env.datastores} | {"network"}
    assert expected <= components


def test_tasks_run_in_private_subnets_without_public_ips(stack) -> None:  # type: ignore[no-untyped-def]
    _, env, preview = stack
    services = preview.of_type(SERVICE)
    assert len(services) == len([s for s in env.services if s.kind != "job"])
    private = {
        r.name
        for r in preview.resources
        if r.type == "aws:ec2/subnet:Subnet" and "private" in r.name
    }
    existing = env.network.existing
    assert private or existing, "the network has private subnets"
    for service in services:
        network = service.inputs["networkConfiguration"]
        assert network["assignPublicIp"] is False, service.name
        if existing is not None:  # an existing VPC (cloud.network): its private subnets
            assert network["subnets"] == existing.private_subnet_ids, service.name
    for schedule in preview.of_type("aws:scheduler/schedule:Schedule"):
        params = schedule.inputs["target"]["ecsParameters"]["networkConfiguration"]
        assert params["assignPublicIp"] is False


def test_only_public_load_balancers_accept_the_internet_and_only_on_80_and_443(stack) -> None:  # type: ignore[no-untyped-def]
    _, env, preview = stack
    open_rules = [
        r
        for r in preview.of_type(INGRESS)
        if r.inputs.get("cidrIpv4") == "0.0.0.0/0" or r.inputs.get("cidrIpv6") == "::/0"
    ]
    public = [lb for lb in env.load_balancers if lb.internet_facing]
    if not public:
        assert open_rules == []
        return
    ports = {80, 443} if any(lb.https for lb in public) else {80}
    assert {r.inputs["fromPort"] for r in open_rules} == ports
    assert all(r.name.startswith("public-") for r in open_rules)


def test_datastores_accept_only_the_services_that_use_them(stack) -> None:  # type: ignore[no-untyped-def]
    _, env, preview = stack
    by_urn = {r.urn: r for r in preview.resources}
    for store in env.datastores:
        if store.engine not in ("postgres", "mysql", "redis"):
            continue
        rules = [r for r in preview.of_type(INGRESS) if r.name.startswith(f"{store.name}-")]
        sources = set()
        for rule in rules:
            assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs, rule.name
            groups = [
                by_urn[u] for u in rule.dependencies if by_urn.get(u) and by_urn[u].type == SG
            ]
            sources |= {g.name.removesuffix("-sg") for g in groups if g.name != f"{store.name}-sg"}
        # Besides its services: a SQL database's db-admin task, and the schema migrations of
        # the services that use it (one-off tasks CI runs, with their own security groups).
        one_off: set[str] = set()
        if store.engine == "mongodb":  # its db-admin task; migrations use SQL databases only
            one_off = {f"{store.name}-admin"}
        if store.engine in ADMIN_ENGINES:
            one_off = {f"{store.name}-admin"}
            one_off |= {
                f"{s.name}-migrate" for s in env.services if s.migrate and s.name in store.used_by
            }
        assert sources == set(store.used_by) | one_off, store.name


def test_encryption_at_rest_and_in_transit(stack) -> None:  # type: ignore[no-untyped-def]
    _, _, preview = stack
    for db in preview.of_type("aws:rds/instance:Instance"):
        assert db.inputs["storageEncrypted"] is True
        assert db.inputs["publiclyAccessible"] is False
        assert db.inputs["manageMasterUserPassword"] is True
        assert "password" not in db.inputs
    for group in preview.of_type("aws:elasticache/replicationGroup:ReplicationGroup"):
        assert group.inputs["atRestEncryptionEnabled"] is True
        assert group.inputs["transitEncryptionEnabled"] is True
    buckets = preview.of_type("aws:s3/bucket:Bucket")
    blocks = preview.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    encryption = preview.of_type(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert len(blocks) == len(encryption) == len(buckets) - 0
    for block in blocks:
        assert all(
            block.inputs[k] is True
            for k in (
                "blockPublicAcls",
                "blockPublicPolicy",
                "ignorePublicAcls",
                "restrictPublicBuckets",
            )
        )
    for queue in preview.of_type("aws:sqs/queue:Queue"):
        assert queue.inputs.get("sqsManagedSseEnabled") is True or queue.inputs.get(
            "kmsMasterKeyId"
        )


def _statements(document: object) -> list[dict]:
    doc = json.loads(document) if isinstance(document, str) else document
    statements = doc["Statement"]  # type: ignore[index]
    return statements if isinstance(statements, list) else [statements]


def test_iam_is_scoped_to_named_resources(stack) -> None:  # type: ignore[no-untyped-def]
    _, _, preview = stack
    policies = preview.of_type("aws:iam/rolePolicy:RolePolicy")
    assert policies
    for policy in policies:
        for statement in _statements(policy.inputs["policy"]):
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            assert all(a != "*" and not a.endswith(":*") for a in actions), (policy.name, actions)
            resources = statement.get("Resource", [])
            resources = resources if isinstance(resources, list) else [resources]
            if "*" in resources:
                # Only read-only calls that AWS does not scope by resource may use "*", and
                # ECS Exec's Session Manager channels, which have no resource type at all.
                assert all(
                    a.split(":")[1].startswith(("Get", "Describe", "List"))
                    or a in RESOURCELESS_ACTIONS
                    for a in actions
                ), (policy.name, actions)


def test_logs_are_kept_as_planned(stack) -> None:  # type: ignore[no-untyped-def]
    """Every log group the stack writes to is the stack's own, kept as long as planned.

    That includes the groups RDS, DocumentDB and WAF would otherwise create themselves
    without retention, and the load balancers' access logs in S3.
    """
    _, env, preview = stack
    groups = {g.name: g for g in preview.of_type("aws:cloudwatch/logGroup:LogGroup")}
    expected = {f"{s.name}-logs" for s in env.services}
    # The one-off tasks: each SQL database's and DocumentDB cluster's db-admin task and each
    # service's migration.
    expected |= {
        f"{d.name}-admin-logs"
        for d in env.datastores
        if d.engine in ADMIN_ENGINES or d.engine == "mongodb"
    }
    expected |= {f"{s.name}-migrate-logs" for s in env.services if s.migrate}
    # And each OpenSearch domain's search-admin task.
    expected |= {f"{d.name}-admin-logs" for d in env.datastores if d.engine == "opensearch"}
    for store in env.datastores:
        if store.engine in RDS_EXPORTS:
            expected |= {f"{store.name}-{log}-logs" for log in RDS_EXPORTS[store.engine]}
        elif store.engine == "mongodb":  # the audit log, and the profiler's slow operations
            expected |= {f"{store.name}-audit-logs", f"{store.name}-profiler-logs"}
        elif store.engine == "sqlserver":  # RDS for SQL Server exports its agent and error logs
            expected |= {f"{store.name}-{log}-logs" for log in ("agent", "error")}
    expected |= {f"{lb.name}-waf-logs" for lb in env.load_balancers if lb.waf}
    # Static sites' CloudFront access logs (in us-east-1) where compliance asks for them.
    expected |= {f"{site.name}-access-logs" for site in env.static_sites if site.access_logs}
    # Their CloudFront web ACLs' logs (us-east-1), with requirements.security.waf.
    expected |= {f"{site.name}-waf-logs" for site in env.static_sites if site.waf}
    # OpenSearch domains publish their application and slow logs to groups named after the
    # domain's physical name (SearchLogs): three per domain.
    search_kinds = ("application", "search-slow", "index-slow")
    search_groups = sorted(n for n in groups if n.startswith("opensearch-logs-"))
    search_stores = [d for d in env.datastores if d.engine == "opensearch"]
    assert len(search_groups) == 3 * len(search_stores)
    assert all(n.endswith(tuple(f"-{k}-logs" for k in search_kinds)) for n in search_groups)
    expected |= set(search_groups)
    if env.network.flow_log_retention_days:
        flow = groups.pop("network-flow-logs")
        assert flow.inputs["retentionInDays"] == env.network.flow_log_retention_days
    assert set(groups) == expected
    for group in groups.values():
        assert group.inputs["retentionInDays"] == env.log_retention_days, group.name
    for name, group in groups.items():
        if name.endswith("-waf-logs"):
            assert group.inputs["name"].startswith("aws-waf-logs-"), name
    for lb in env.load_balancers:
        owner = next(r for r in preview.of_type("shipspec:aws:LoadBalancer") if r.name == lb.name)
        alb = next(r for r in preview.of_type(ALB) if r.parent == owner.urn)
        assert alb.inputs["accessLogs"]["enabled"] is True
        lifecycle = next(
            r for r in preview.resources if r.name == f"{lb.name}-access-logs-lifecycle"
        )
        rules = {r["id"]: r for r in lifecycle.inputs["rules"]}
        assert rules["expire-logs"]["expiration"] == {"days": env.log_retention_days}


def test_deployments_roll_back_and_autoscaling_owns_the_count(stack) -> None:  # type: ignore[no-untyped-def]
    _, env, preview = stack
    for service in preview.of_type(SERVICE):
        name = service.name.removesuffix("-service")
        plan = env.service(name)
        assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert service.inputs["desiredCount"] == plan.desired_count
        assert service.inputs["deploymentConfiguration"]["strategy"] == plan.deployment.strategy
    targets = {
        t.name.removesuffix("-scaling"): t
        for t in preview.of_type("aws:appautoscaling/target:Target")
    }
    for service in env.services:
        if service.kind == "job":
            continue
        assert targets[service.name].inputs["minCapacity"] == service.min_count
        assert targets[service.name].inputs["maxCapacity"] == service.max_count


def test_network_matches_the_plan(stack) -> None:  # type: ignore[no-untyped-def]
    _, env, preview = stack
    if env.network.existing is not None:  # cloud.network: nothing of the network is created
        created = {"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway"}
        assert not [r for r in preview.resources if r.type in created]
        assert not preview.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        return
    assert len(preview.of_type("aws:ec2/natGateway:NatGateway")) == env.network.nat_gateway_count
    subnets = preview.of_type("aws:ec2/subnet:Subnet")
    assert len(subnets) == 2 * env.network.az_count
    endpoints = preview.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    interface = [e for e in endpoints if e.inputs.get("vpcEndpointType") == "Interface"]
    assert len(interface) == len(env.network.interface_endpoints)
    assert any(e.inputs.get("vpcEndpointType") == "Gateway" for e in endpoints), (
        "S3 gateway endpoint"
    )


def test_https_only_where_a_domain_is_set(stack) -> None:  # type: ignore[no-untyped-def]
    _, env, preview = stack
    listeners = preview.of_type("aws:lb/listener:Listener")
    for lb in env.load_balancers:
        mine = [listener for listener in listeners if listener.name.startswith(f"{lb.name}-")]
        https = [x for x in mine if x.inputs.get("protocol") == "HTTPS" and x.inputs["port"] == 443]
        if lb.https:
            assert len(https) == 1 and https[0].inputs["sslPolicy"].startswith(
                "ELBSecurityPolicy-TLS13"
            )
            http = next(listener for listener in mine if listener.inputs.get("port") == 80)
            assert http.inputs["defaultActions"][0]["type"] == "redirect"
        else:
            assert https == []


def test_stability_follows_the_plan(stack) -> None:  # type: ignore[no-untyped-def]
    """Subnets in the plan's zone IDs, tasks rebalanced, queues hidden as long as workers take.

    Version 1 put subnet i in whatever zone was i-th *available* at the time, left AZ
    rebalancing unset and gave every queue SQS's 30 s visibility.
    """
    from shipspec.preview.mocks import AwsMocks

    model, env, preview = stack
    zones = AwsMocks(region=model.region)._get_azs({})
    name_of = dict(zip(zones["zoneIds"], zones["names"], strict=True))
    for i, zone_id in enumerate(env.network.zone_ids, start=1):
        for tier in ("public", "private"):
            (subnet,) = [
                r
                for r in preview.of_type("aws:ec2/subnet:Subnet")
                if r.name.endswith(f"-{tier}-{i}")
            ]
            assert subnet.inputs["availabilityZone"] == name_of[zone_id], (tier, i)
    for service in preview.of_type(SERVICE):
        assert service.inputs["availabilityZoneRebalancing"] == "ENABLED", service.name
    queues = {r.name: r for r in preview.of_type("aws:sqs/queue:Queue")}
    for store in env.datastores:
        if store.engine == "sqs":
            queue = queues[f"{store.name}-queue"]
            assert queue.inputs["visibilityTimeoutSeconds"] == store.visibility_timeout_seconds


def test_shifting_services_wait_for_the_infrastructure_policy(stack) -> None:  # type: ignore[no-untyped-def]
    _, env, preview = stack
    attachments = {
        r.urn: r
        for r in preview.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if r.inputs["policyArn"].endswith("/AmazonECSInfrastructureRolePolicyForLoadBalancers")
    }
    for service in preview.of_type(SERVICE):
        plan = env.service(service.name.removesuffix("-service"))
        waits = [urn for urn in service.dependencies if urn in attachments]
        assert len(waits) == (0 if plan.deployment.strategy == "ROLLING" else 1), service.name
