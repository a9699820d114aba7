"""Branches the shop program does not take: internal HTTP-only ALB, linear, blue/green,
MySQL, an unversioned bucket and a queue without dead-letter queue."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Stack

    from shipspec.preview.runner import StackRun

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def test_internal_load_balancer_is_http_only_and_vpc_only(
    variants_run: StackRun, variants: Stack
) -> None:
    assert variants.named("alb-internal").inputs["internal"] is True
    rules = [r.inputs for r in variants.of_type(INGRESS) if r.name.startswith("internal-")]
    assert sorted((r["fromPort"], r["cidrIpv4"]) for r in rules) == [
        (80, "10.20.0.0/20"),
        (8080, "10.20.0.0/20"),
    ]
    assert not variants.of_type("aws:acm/certificate:Certificate")
    assert not variants.of_type("aws:wafv2/webAcl:WebAcl")
    assert not variants.of_type("aws:route53/record:Record")
    http = variants.named("internal-http").inputs
    assert http["defaultActions"][0]["type"] == "fixed-response"
    test = variants.named("internal-test").inputs
    assert (test["port"], test["protocol"]) == (8080, "HTTP")
    assert "sslPolicy" not in test
    assert variants_run.outputs["url"].startswith("http://internal-alb-internal-")


def test_linear_and_blue_green(variants: Stack) -> None:
    linear = variants.named("linear-service").inputs
    assert linear["deploymentConfiguration"] == {
        "strategy": "LINEAR",
        "bakeTimeInMinutes": "5",
        "linearConfiguration": {"stepPercent": 25, "stepBakeTimeInMinutes": "2"},
    }
    blue_green = variants.named("bluegreen-service").inputs
    assert blue_green["deploymentConfiguration"] == {
        "strategy": "BLUE_GREEN",
        "bakeTimeInMinutes": "5",
    }
    for service in (linear, blue_green):
        assert "advancedConfiguration" in service["loadBalancers"][0]
        assert "deploymentMinimumHealthyPercent" not in service
    # min == max: no autoscaling to own the count; ECS still owns the target group pair
    assert "desiredCount" not in variants.named("linear-service").ignore_changes
    for service in ("linear-service", "bluegreen-service"):
        assert "loadBalancers[0].targetGroupArn" in variants.named(service).ignore_changes


def test_mysql_enforces_tls(variants: Stack) -> None:
    params = variants.named("db-params").inputs
    assert params["family"] == "mysql8.0"
    # TLS applies at the next reboot; the slow query log's dynamic parameters at once.
    assert params["parameters"] == [
        {"applyMethod": "pending-reboot", "name": "require_secure_transport", "value": "ON"},
        {"applyMethod": "immediate", "name": "log_output", "value": "FILE"},
        {"applyMethod": "immediate", "name": "long_query_time", "value": "1"},
        {"applyMethod": "immediate", "name": "slow_query_log", "value": "1"},
    ]
    db = variants.named("db-db").inputs
    assert db["port"] == 3306
    assert db["enabledCloudwatchLogsExports"] == ["error", "slowquery"]
    assert db["performanceInsightsEnabled"] is False
    assert "performanceInsightsRetentionPeriod" not in db
    ingress = [r.name for r in variants.of_type(INGRESS) if r.name.startswith("db-")]
    assert ingress == ["db-from-bluegreen", "db-from-linear"]


def test_logs_default_to_thirty_days(variants: Stack) -> None:
    """Without log_retention_days, access logs and database logs are kept 30 days."""
    alb = variants.named("alb-internal").inputs
    assert alb["accessLogs"]["enabled"] is True
    lifecycle = variants.named("internal-access-logs-lifecycle").inputs["rules"]
    assert lifecycle[0]["expiration"] == {"days": 30}
    assert variants.named("internal-access-logs").inputs["forceDestroy"] is True
    for log in ("error", "slowquery"):
        assert variants.named(f"db-{log}-logs").inputs["retentionInDays"] == 30
    assert not variants.of_type("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration")


def test_unversioned_bucket_and_plain_queue(variants: Stack) -> None:
    assert not [
        r
        for r in variants.of_type("aws:s3/bucketVersioning:BucketVersioning")
        if r.name.startswith("scratch-")
    ]
    lifecycle = variants.named("scratch-lifecycle").inputs
    assert [r["id"] for r in lifecycle["rules"]] == ["abort-incomplete-uploads"]
    assert variants.named("scratch-bucket").inputs["forceDestroy"] is True
    (queue,) = variants.of_type("aws:sqs/queue:Queue")
    assert "redrivePolicy" not in queue.inputs


def test_arm_tasks_and_environment(variants: Stack) -> None:
    task = variants.named("linear-task", "aws:ecs/taskDefinition:TaskDefinition").inputs
    assert task["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    (container,) = json.loads(task["containerDefinitions"])
    assert [e["name"] for e in container["environment"]] == [
        "JOBS_QUEUE_URL",
        "MYSQL_AUTH",
        "MYSQL_HOST",
        "MYSQL_NAME",
        "MYSQL_PORT",
        "MYSQL_SECRET_ARN",
        "SCRATCH_BUCKET",
    ]
    assert container["secrets"] == []  # the rotated password is read at run time


def test_small_network(variants: Stack) -> None:
    subnets = sorted(s.inputs["cidrBlock"] for s in variants.of_type("aws:ec2/subnet:Subnet"))
    assert subnets == ["10.20.0.0/23", "10.20.14.0/26", "10.20.14.64/26", "10.20.2.0/23"]
    assert len(variants.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert not variants.of_type("aws:ec2/flowLog:FlowLog")
    endpoints = variants.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert [e.inputs["serviceName"] for e in endpoints] == ["com.amazonaws.us-east-1.s3"]
    zones = sorted(s.inputs["availabilityZone"] for s in variants.of_type("aws:ec2/subnet:Subnet"))
    assert zones == ["us-east-1a", "us-east-1a", "us-east-1b", "us-east-1b"]
