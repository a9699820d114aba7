"""Deployment safety, scaling and cost shape of the components."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from shipspec.preview.runner import run_stack

if TYPE_CHECKING:
    from conftest import Stack

SERVICE = "aws:ecs/service:Service"
RULE = "aws:lb/listenerRule:ListenerRule"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


def test_every_service_rolls_back_failed_deployments(stack: Stack) -> None:
    for service in stack.of_type(SERVICE):
        assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert service.inputs["waitForSteadyState"] is False


def test_canary_uses_ecs_native_strategy(stack: Stack) -> None:
    web = stack.named("web-service", SERVICE)
    assert web.inputs["deploymentConfiguration"] == {
        "strategy": "CANARY",
        "bakeTimeInMinutes": "15",
        "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": "10"},
    }
    (lb,) = web.inputs["loadBalancers"]
    assert lb["containerName"] == "web" and lb["containerPort"] == 8080
    advanced = lb["advancedConfiguration"]
    assert "/web-tg-alt-" in advanced["alternateTargetGroupArn"]
    assert "/web-tg-" in lb["targetGroupArn"] and "-alt-" not in lb["targetGroupArn"]
    assert ":listener-rule/" in advanced["productionListenerRule"]
    assert advanced["productionListenerRule"] != advanced["testListenerRule"]
    assert ":role/web-ecs-infrastructure-role-" in advanced["roleArn"]
    for name in ("web-tg-alt", "web-rule", "web-test-rule", "web-ecs-infrastructure-role"):
        assert stack.named(name).urn in web.dependencies, name


def test_ecs_owns_the_target_group_pair_it_alternates(stack: Stack) -> None:
    """ECS swaps primary and alternate on each deployment; Pulumi must not swap them back."""
    web = stack.named("web-service", SERVICE)
    assert web.ignore_changes == [
        "desiredCount",
        "loadBalancers[0].targetGroupArn",
        "loadBalancers[0].advancedConfiguration.alternateTargetGroupArn",
    ]
    # The ignored paths name inputs the service really sends.
    (lb,) = web.inputs["loadBalancers"]
    assert lb["targetGroupArn"] and lb["advancedConfiguration"]["alternateTargetGroupArn"]
    # A rolling service has one target group and nothing for ECS to alternate.
    assert stack.named("api-service", SERVICE).ignore_changes == []


def test_service_waits_for_the_infrastructure_policy(stack: Stack) -> None:
    """ECS checks the infrastructure role's permissions when it creates the service."""
    web = stack.named("web-service", SERVICE)
    role = stack.named("web-ecs-infrastructure-role")
    (attachment,) = [
        r
        for r in stack.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if role.urn in r.dependencies
    ]
    assert attachment.urn in web.dependencies


def test_listener_rules_forward_to_both_target_groups_and_ignore_weights(stack: Stack) -> None:
    production = stack.named("web-rule", RULE)
    test = stack.named("web-test-rule", RULE)
    for rule, weights in ((production, [100, 0]), (test, [0, 100])):
        assert rule.ignore_changes == ["actions"]
        (action,) = rule.inputs["actions"]
        groups = action["forward"]["targetGroups"]
        assert [g["weight"] for g in groups] == weights
        assert "/web-tg-alt-" in groups[1]["arn"]
    assert production.inputs["listenerArn"] != test.inputs["listenerArn"]
    assert stack.named("public-https").urn in production.dependencies
    assert stack.named("public-test").urn in test.dependencies
    assert stack.named("public-test").inputs["port"] == 8443


def test_ecs_infrastructure_role(stack: Stack) -> None:
    role = stack.named("web-ecs-infrastructure-role")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "ecs.amazonaws.com"}
    attachments = [
        r.inputs["policyArn"]
        for r in stack.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if role.urn in r.dependencies
    ]
    assert attachments == [
        "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
    ]


def test_web_services_have_rollback_alarms(stack: Stack) -> None:
    for name, groups in (("web", 2), ("api", 1)):
        service = stack.named(f"{name}-service", SERVICE)
        alarms = service.inputs["alarms"]
        assert alarms["enable"] is True and alarms["rollback"] is True
        assert len(alarms["alarmNames"]) == 4
        recorded = [a for a in stack.of_type(ALARM) if a.urn in service.dependencies]
        assert sorted(a.name for a in recorded) == [
            f"{name}-5xx",
            f"{name}-latency",
            f"{name}-sparse",
            f"{name}-unhealthy",
        ]
        for alarm in recorded:
            queries = alarm.inputs["metricQueries"]
            assert [q["id"] for q in queries if q["returnData"]] == ["worst"]
            dims = {q["metric"]["dimensions"]["TargetGroup"] for q in queries if "metric" in q}
            assert len(dims) == groups  # every target group is watched
    assert stack.named("web-latency").inputs["threshold"] == 300
    assert stack.named("api-latency").inputs["threshold"] == 500
    assert stack.named("web-5xx").inputs["threshold"] == 1
    worst = stack.named("web-5xx").inputs["metricQueries"][-1]["expression"]
    assert worst == "MAX([rate0, rate1])"
    # The low-traffic alarm: one 3-minute period, judged only under the per-minute floor.
    sparse = stack.named("web-sparse").inputs
    assert (sparse["evaluationPeriods"], sparse["datapointsToAlarm"]) == (1, 1)
    assert {q["metric"]["period"] for q in sparse["metricQueries"] if "metric" in q} == {180}


def test_rolling_web_service_has_no_traffic_shifting(stack: Stack) -> None:
    api = stack.named("api-service", SERVICE)
    assert api.inputs["deploymentConfiguration"] == {"strategy": "ROLLING"}
    assert api.inputs["deploymentMinimumHealthyPercent"] == 100
    assert api.inputs["deploymentMaximumPercent"] == 200
    (lb,) = api.inputs["loadBalancers"]
    assert "advancedConfiguration" not in lb
    assert [r.name for r in stack.children("api") if r.type == TARGET_GROUP] == ["api-tg"]
    rule = stack.named("api-rule", RULE)
    assert rule.ignore_changes == []
    assert rule.inputs["actions"] == [{"type": "forward", "targetGroupArn": lb["targetGroupArn"]}]
    assert rule.inputs["conditions"] == [{"pathPattern": {"values": ["/api/*"]}}]
    assert not [r for r in stack.children("api") if "infrastructure" in r.name]


def test_workers_roll_without_load_balancer_or_alarms(stack: Stack) -> None:
    mailer = stack.named("mailer-service", SERVICE)
    assert mailer.inputs["deploymentConfiguration"] == {"strategy": "ROLLING"}
    assert "loadBalancers" not in mailer.inputs
    assert "alarms" not in mailer.inputs
    assert not [r for r in stack.children("mailer") if r.type == ALARM]
    assert not [
        r
        for r in stack.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.parent == stack.named("mailer", "shipspec:aws:WorkerService").urn
    ]


def test_autoscaled_services_keep_their_task_count(stack: Stack) -> None:
    for name, scaled in (("web", True), ("mailer", True), ("api", False)):
        service = stack.named(f"{name}-service", SERVICE)
        targets = [r for r in stack.children(name) if r.type == "aws:appautoscaling/target:Target"]
        if scaled:
            assert "desiredCount" in service.ignore_changes, name
            assert len(targets) == 1
        else:
            assert "desiredCount" not in service.ignore_changes, name
            assert targets == []
    target = stack.named("web-scaling").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 10)
    assert target["resourceId"].startswith("service/cluster-")
    policy = stack.named("web-cpu").inputs["targetTrackingScalingPolicyConfiguration"]
    assert policy["targetValue"] == 60
    assert policy["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ECSServiceAverageCPUUtilization"
    }


def test_nat_gateways_per_environment(dev: Stack, prod: Stack) -> None:
    for stack, count in ((dev, 1), (prod, 3)):
        assert len(stack.of_type("aws:ec2/natGateway:NatGateway")) == count
        eips = stack.of_type("aws:ec2/eip:Eip")
        assert [e.inputs["domain"] for e in eips] == ["vpc"] * count
        routes = [
            r.inputs["natGatewayId"]
            for r in stack.of_type("aws:ec2/route:Route")
            if "natGatewayId" in r.inputs
        ]
        assert len(routes) == 3  # one private route table per AZ either way
        assert len(set(routes)) == count


def test_datastores_follow_the_environment(dev: Stack, prod: Stack) -> None:
    (dev_db,) = dev.of_type("aws:rds/instance:Instance")
    (prod_db,) = prod.of_type("aws:rds/instance:Instance")
    assert dev_db.inputs["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in dev_db.inputs
    assert prod_db.inputs["deletionProtection"] is True
    assert prod_db.inputs["skipFinalSnapshot"] is False
    assert prod_db.inputs["finalSnapshotIdentifier"] == "shop-prod-db-final"
    assert prod_db.inputs["multiAz"] is True and dev_db.inputs["multiAz"] is False
    (dev_cache,) = dev.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    (prod_cache,) = prod.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert dev_cache.inputs["numCacheClusters"] == 1
    assert dev_cache.inputs["automaticFailoverEnabled"] is False
    assert prod_cache.inputs["numCacheClusters"] == 2
    assert prod_cache.inputs["automaticFailoverEnabled"] is True
    assert prod_cache.inputs["multiAzEnabled"] is True


def test_dead_letter_queue(stack: Stack) -> None:
    dlq = stack.named("orders-dlq").inputs
    assert dlq["messageRetentionSeconds"] == 14 * 24 * 3600
    redrive = json.loads(stack.named("orders-queue").inputs["redrivePolicy"])
    assert redrive["maxReceiveCount"] == 5
    assert ":orders-dlq-" in redrive["deadLetterTargetArn"]
    assert stack.named("orders-dlq").urn in stack.named("orders-queue").dependencies


def test_container_definition_wires_datastores(stack: Stack) -> None:
    task = stack.named("web-task", "aws:ecs/taskDefinition:TaskDefinition").inputs
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("512", "1024", "awsvpc")
    stack_name = stack.named("web-task").urn.split(":")[2]  # urn:pulumi:<stack>::...
    assert task["family"] == f"shop-{stack_name}-web"
    (container,) = json.loads(task["containerDefinitions"])
    env = [e["name"] for e in container["environment"]]
    assert env == sorted(env)
    credential = "DB_USERNAME" if stack_name == "prod" else "DB_SECRET_ARN"
    assert env == [
        "CACHE_HOST",
        "CACHE_PORT",
        "CACHE_TLS",
        "CACHE_URL",
        "DB_AUTH",
        "DB_HOST",
        "DB_NAME",
        "DB_PORT",
        credential,
        "LOG_LEVEL",
        "ORDERS_QUEUE_URL",
        "UPLOADS_BUCKET",
    ]
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    # No database password injected once at start: RDS rotates it every 7 days. The app
    # reads the managed secret by its ARN when it connects (docs/credentials.md).
    # The Redis AUTH token (never rotated by AWS) is injected like an app secret.
    assert sorted(secrets) == ["CACHE_PASSWORD", "STRIPE_KEY"]
    assert ":secret:cache-auth-" in secrets["CACHE_PASSWORD"]
    values = {e["name"]: e["value"] for e in container["environment"]}
    if stack_name == "prod":  # its own user, signing in with 15-minute IAM tokens
        assert (values["DB_AUTH"], values["DB_USERNAME"]) == ("iam", "web")
    else:
        assert values["DB_AUTH"] == "secret"
        assert values["DB_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    # named, so Service Connect's portName can refer to it
    assert container["portMappings"] == [
        {"name": "web", "containerPort": 8080, "protocol": "tcp", "appProtocol": "http"}
    ]
    assert "readonlyRootFilesystem" not in container


def test_scheduled_job_role_is_scoped(stack: Stack) -> None:
    (schedule,) = stack.of_type("aws:scheduler/schedule:Schedule")
    assert schedule.inputs["scheduleExpression"] == "cron(0 3 * * ? *)"
    ecs = schedule.inputs["target"]["ecsParameters"]
    assert ecs["launchType"] == "FARGATE" and ecs["taskCount"] == 1
    policy = json.loads(stack.named("nightly-scheduler-role-policy").inputs["policy"])
    run_task, tag_on_create, pass_role = policy["Statement"]
    assert run_task["Action"] == ["ecs:RunTask"]
    # RunTask with managed and propagated tags is denied without ecs:TagResource.
    assert ecs["enableEcsManagedTags"] and ecs["propagateTags"] == "TASK_DEFINITION"
    assert tag_on_create["Action"] == ["ecs:TagResource"]
    assert tag_on_create["Condition"] == {"StringEquals": {"ecs:CreateAction": "RunTask"}}
    cluster = schedule.inputs["target"]["arn"]
    assert tag_on_create["Resource"] == [cluster.replace(":cluster/", ":task/") + "/*"]
    assert run_task["Resource"] == [ecs["taskDefinitionArn"].rsplit(":", 1)[0] + ":*"]
    assert run_task["Condition"]["ArnEquals"]["ecs:cluster"] == schedule.inputs["target"]["arn"]
    task = stack.named("nightly-task", "aws:ecs/taskDefinition:TaskDefinition").inputs
    assert sorted(pass_role["Resource"]) == sorted([task["executionRoleArn"], task["taskRoleArn"]])


def test_children_are_parented_and_prefixed(stack: Stack) -> None:
    components = {r.urn: r for r in stack if not r.custom}
    assert {r.type for r in components.values()} == {
        f"shipspec:aws:{kind}"
        for kind in (
            "Network",
            "LoadBalancer",
            "WebService",
            "WorkerService",
            "ScheduledJob",
            "Database",
            "Cache",
            "Bucket",
            "Queue",
            "AppSecret",
        )
    }
    for resource in stack:
        if not resource.custom or resource.name == "cluster":
            continue
        owner = components.get(resource.parent or "")
        assert owner is not None, f"{resource.name} is not inside a component"
        assert resource.name.startswith(f"{owner.name}-"), resource.name


def test_the_cache_answers_its_replication_group_id(full_program: Path) -> None:
    """What the runbook's `aws elasticache ... --replication-group-id "$CACHE_ID"` takes: the
    replication group's id (the `cache_ids` stack output), the name inside its endpoint."""
    config = {"natGateways": "1", "aws:region": "eu-west-1"}
    run = run_stack(full_program, project="shop", stack="dev", config=config)
    cache_id = run.outputs["cache_id"]
    assert cache_id.startswith("cache-cache-")
    assert run.outputs["cache_endpoint"].split(".")[1] == cache_id
