"""Protocols, further ports and routes under mocks, read the way AWS would act on them.

One stack with every kind of traffic: a catch-all web front, a path route that strips its
prefix, a gRPC service on a host, a worker serving HTTP plus a gRPC and an OTLP port, a
plain TCP worker, a UDP service and a TCP service each behind a Network Load Balancer.
The assertions read the preview's resources: security group rules (who may reach whom,
on which protocol and port), listener rules, target groups, Service Connect servers, and
the alarms' and dashboard's metric dimensions against the sets AWS publishes.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from shipspec.plan.traffic_alarms import SERVICE_CONNECT_DIMENSIONS
from shipspec.preview.result import Preview

from .discovery_support import (
    EGRESS,
    INGRESS,
    container,
    ecs_services,
    generate_and_preview,
    service_rules,
    task_groups,
)

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: mesh, owner: team-mesh}
cloud: {provider: aws, region: eu-west-1, state: s3://acme-pulumi-state}
environments:
  prod: {domain: mesh.example.com}
delivery: {strategy: rolling}
services:
  front:
    type: web
    image: ghcr.io/example/front:1.0
    port: 8080
    public: true
    routes: {paths: ["/*"]}
    calls: [api, ledger, relay]
  shop:
    type: web
    image: ghcr.io/example/shop:1.0
    port: 8080
    public: true
    routes: {paths: [/shop/*, /shop], strip_prefix: true}
  rpc:
    type: web
    protocol: grpc
    image: ghcr.io/example/rpc:1.0
    port: 50051
    public: true
    routes: {hosts: [rpc.mesh.example.com]}
  api:
    type: worker
    image: ghcr.io/example/api:1.0
    port: 8000
    ports: [{port: 9090, protocol: grpc, name: rpc}, {port: 4318}]
  ledger: {type: worker, image: ghcr.io/example/ledger:1.0, port: 7000, protocol: tcp}
  game:
    type: web
    protocol: udp
    image: ghcr.io/example/game:1.0
    port: 7777
    public: true
    health: {port: 7778}
  relay: {type: web, protocol: tcp, image: ghcr.io/example/relay:1.0, port: 6000}
"""
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Preview:
    root = tmp_path_factory.mktemp("traffic")
    (root / "handoff.yaml").write_text(SPEC, encoding="utf-8")
    return generate_and_preview(root / "handoff.yaml", root / "out", "prod")


def _named(preview: Preview, type_: str) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in preview.of_type(type_)}


def test_callers_reach_every_served_port_and_nothing_else(preview: Preview) -> None:
    declared = {
        ("front", "api", 8000),
        ("front", "api", 9090),
        ("front", "api", 4318),
        ("front", "ledger", 7000),
        ("front", "relay", 6000),
    }
    assert service_rules(preview, "ingress") == declared
    assert service_rules(preview, "egress") == declared


def test_further_ports_are_named_mappings_and_service_connect_servers(preview: Preview) -> None:
    mappings = {m["name"]: m for m in container(preview, "api")["portMappings"]}
    assert mappings == {
        "api": {"name": "api", "containerPort": 8000, "protocol": "tcp", "appProtocol": "http"},
        "api-rpc": {
            "name": "api-rpc",
            "containerPort": 9090,
            "protocol": "tcp",
            "appProtocol": "grpc",
        },
        "api-4318": {
            "name": "api-4318",
            "containerPort": 4318,
            "protocol": "tcp",
            "appProtocol": "http",
        },
    }
    servers = ecs_services(preview)["api"]["serviceConnectConfiguration"]["services"]
    # ECS refuses a portName no mapping carries; every port keeps the client name `api`.
    assert {(s["portName"], s["discoveryName"]) for s in servers} == {(n, n) for n in mappings}
    assert sorted((a["dnsName"], a["port"]) for s in servers for a in s["clientAlias"]) == [
        ("api", 4318),
        ("api", 8000),
        ("api", 9090),
    ]
    # Plain TCP: no app protocol, so the proxy forwards bytes.
    [ledger] = container(preview, "ledger")["portMappings"]
    assert "appProtocol" not in ledger and ledger["protocol"] == "tcp"


def test_grpc_is_an_http2_target_group_with_a_grpc_health_check_behind_https(
    preview: Preview,
) -> None:
    groups = _named(preview, "aws:lb/targetGroup:TargetGroup")
    rpc = groups["rpc-tg"]
    assert rpc["protocolVersion"] == "GRPC"
    assert rpc["healthCheck"]["matcher"] == "0"
    assert rpc["healthCheck"]["path"] == "/grpc.health.v1.Health/Check"
    assert "protocolVersion" not in groups["front-tg"]  # HTTP/1.1 stays the default
    # ALB gRPC needs HTTPS: the public ALB serves HTTPS, and its port 80 only redirects.
    listeners = _named(preview, "aws:lb/listener:Listener")
    assert listeners["public-https"]["protocol"] == "HTTPS"
    assert listeners["public-https"]["certificateArn"]
    [redirect] = listeners["public-http"]["defaultActions"]
    assert redirect["type"] == "redirect" and redirect["redirect"]["protocol"] == "HTTPS"


def test_listener_rules_follow_the_routes_most_specific_first(preview: Preview) -> None:
    rules = _named(preview, "aws:lb/listenerRule:ListenerRule")
    conditions = {n: (r["priority"], r["conditions"]) for n, r in rules.items()}
    assert conditions["rpc-rule"] == (100, [{"hostHeader": {"values": ["rpc.mesh.example.com"]}}])
    assert conditions["shop-rule"] == (110, [{"pathPattern": {"values": ["/shop/*", "/shop"]}}])
    assert conditions["front-rule"] == (50000, [{"pathPattern": {"values": ["/*"]}}])
    [transform] = rules["shop-rule"]["transforms"]
    rewrite = transform["urlRewriteConfig"]["rewrite"]
    assert transform["type"] == "url-rewrite" and rewrite["replace"] == "/$1"

    def served(path: str) -> str:
        """The path the shop tasks receive, as the ALB rewrites it."""
        match = re.match(rewrite["regex"], path)
        return path if match is None else rewrite["replace"].replace("$1", match.group(1) or "")

    assert served("/shop/cart?id=1") == "/cart?id=1" and served("/shop") == "/"
    assert "transforms" not in rules["front-rule"] or not rules["front-rule"]["transforms"]


def test_udp_and_tcp_services_sit_behind_their_own_network_load_balancers(
    preview: Preview,
) -> None:
    balancers = _named(preview, "aws:lb/loadBalancer:LoadBalancer")
    assert balancers["game-nlb"]["loadBalancerType"] == "network"
    assert balancers["game-nlb"]["internal"] is False and balancers["relay-nlb"]["internal"] is True
    assert balancers["game-nlb"]["securityGroups"]  # NLB security groups (since 2023)
    listeners = _named(preview, "aws:lb/listener:Listener")
    assert (listeners["game-listener"]["protocol"], listeners["game-listener"]["port"]) == (
        "UDP",
        7777,
    )
    groups = _named(preview, "aws:lb/targetGroup:TargetGroup")
    # An NLB cannot check UDP: a TCP connection to the health port instead.
    assert groups["game-tg"]["protocol"] == "UDP"
    assert groups["game-tg"]["healthCheck"]["protocol"] == "TCP"
    assert groups["game-tg"]["healthCheck"]["port"] == "7778"
    assert groups["relay-tg"]["preserveClientIp"] == "false"
    # The NLBs are not on the shared ALB, and UDP is never a Service Connect server.
    assert not ecs_services(preview)["game"]["serviceConnectConfiguration"].get("services")


def test_nlb_security_groups_open_exactly_the_listener_and_health_ports(preview: Preview) -> None:
    tasks = {v: k for k, v in task_groups(preview).items()}
    nlb_groups = {
        r.name.removesuffix("-nlb-sg"): r
        for r in preview.of_type("aws:ec2/securityGroup:SecurityGroup")
        if r.name.endswith("-nlb-sg")
    }
    assert set(nlb_groups) == {"game", "relay"}
    ingress = [r.inputs for r in preview.of_type(INGRESS)]

    def into(service: str) -> set[tuple[str, int, str]]:
        """(protocol, port, source) of every rule admitting traffic into a service's tasks."""
        group = tasks[service]
        return {
            (r["ipProtocol"], r["fromPort"], r.get("cidrIpv4") or r.get("cidrIpv6") or "group")
            for r in ingress
            if r["securityGroupId"] == group
        }

    # UDP keeps the client's address: the tasks admit the internet on the UDP port only,
    # and the load balancer (by group) on the TCP health port.
    assert into("game") == {
        ("udp", 7777, "0.0.0.0/0"),
        ("udp", 7777, "::/0"),
        ("tcp", 7778, "group"),
    }
    # TCP without client IP preservation: only the NLB's group, and the callers.
    assert into("relay") == {("tcp", 6000, "group")}
    egress = [r.inputs for r in preview.of_type(EGRESS)]
    assert all(r["ipProtocol"] in ("tcp", "udp") for r in egress)


def test_nlb_alarms_watch_health_and_resets(preview: Preview) -> None:
    alarms = {a["name"]: a for a in _named(preview, ALARM).values() if "name" in a}
    relay = {n.removeprefix("mesh-prod-relay-") for n in alarms if n.startswith("mesh-prod-relay-")}
    game = {n.removeprefix("mesh-prod-game-") for n in alarms if n.startswith("mesh-prod-game-")}
    assert {"unhealthy-hosts", "no-healthy-hosts", "tcp-resets"} <= relay
    assert {"unhealthy-hosts", "no-healthy-hosts"} <= game and "tcp-resets" not in game
    healthy = alarms["mesh-prod-game-no-healthy-hosts"]["metricQueries"]
    [metric] = [q["metric"] for q in healthy if q.get("metric")]
    assert metric["namespace"] == "AWS/NetworkELB"
    assert metric["dimensions"]["LoadBalancer"].startswith("net/")
    assert metric["dimensions"]["TargetGroup"].startswith("targetgroup/")


def _service_connect_metrics(preview: Preview) -> list[tuple[str, dict[str, str], str]]:
    found = []
    for name, alarm in _named(preview, ALARM).items():
        for query in alarm.get("metricQueries") or []:
            metric = query.get("metric")
            if (
                metric
                and metric["namespace"] == "AWS/ECS"
                and metric["metricName"] in SERVICE_CONNECT_DIMENSIONS
            ):
                found.append((metric["metricName"], metric["dimensions"], name))
    [dashboard] = preview.of_type("aws:cloudwatch/dashboard:Dashboard")
    for widget in json.loads(dashboard.inputs["dashboardBody"])["widgets"]:
        for line in widget["properties"].get("metrics", []):
            namespace, metric, *rest = line
            if namespace == "AWS/ECS" and metric in SERVICE_CONNECT_DIMENSIONS:
                pairs = [p for p in rest if not isinstance(p, dict)]
                found.append((metric, dict(zip(pairs[::2], pairs[1::2], strict=True)), "dashboard"))
    return found


def test_service_connect_metrics_use_dimension_sets_aws_publishes(preview: Preview) -> None:
    found = _service_connect_metrics(preview)
    assert {m for m, _, _ in found} >= {
        "RequestCount",
        "HTTPCode_Target_5XX_Count",
        "GrpcRequestCount",
    }
    for metric, dimensions, where in found:
        assert tuple(sorted(dimensions)) in SERVICE_CONNECT_DIMENSIONS[metric], (
            where,
            metric,
            dimensions,
        )


def test_the_connect_alarm_sums_what_each_caller_got(preview: Preview) -> None:
    alarms = {a["name"]: a for a in _named(preview, ALARM).values() if "name" in a}
    # api is a worker: its own alarm, which its deployment also rolls back on.
    alarm = alarms["mesh-prod-api-connect-5xx-ratio-rollback"]
    queries = {q["id"]: q for q in alarm["metricQueries"]}
    services = {name: inputs["name"] for name, inputs in ecs_services(preview).items()}
    errors = queries["errors0"]["metric"]["dimensions"]
    assert errors == {
        "ClusterName": "mesh-prod",
        "ServiceName": services["front"],
        "TargetDiscoveryName": "api",
    }
    # Over the requests the same proxy sent api: errors and requests from one vantage point.
    assert queries["calls0"]["metric"]["metricName"] == "RequestCount"
    assert queries["calls0"]["metric"]["dimensions"] == errors
    dimensions = [(q.get("metric") or {}).get("dimensions", {}) for q in queries.values()]
    assert not any("DiscoveryName" in d for d in dimensions)
    # gRPC and TCP servers: an HTTP 5xx count cannot see their failures, so no such alarm.
    assert "mesh-prod-ledger-connect-5xx-ratio-rollback" not in alarms
