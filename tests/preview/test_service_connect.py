"""Service Connect under mocks: three services calling each other, one nobody calls.

Asserts what AWS needs for ``http://<name>:<port>`` to work (a namespace that is the
cluster default, every service a client, a server per port under its spec name with a
named port mapping) and that security groups allow exactly the declared calls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shipspec.preview.result import Preview

from .discovery_support import (
    CLUSTER,
    INGRESS,
    NAMESPACE,
    SERVICE,
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
  prod: {}
services:
  front: {type: web, image: ghcr.io/example/front:1.0, port: 8080, public: true,
          calls: [orders, catalog]}
  orders: {type: worker, image: ghcr.io/example/orders:1.0, port: 9000, calls: [catalog]}
  catalog: {type: worker, image: ghcr.io/example/catalog:1.0, port: 7000, calls: [orders]}
  mailer: {type: worker, image: ghcr.io/example/mailer:1.0}
"""
PORTS = {"front": 8080, "orders": 9000, "catalog": 7000}
DECLARED = {
    ("front", "orders", 9000),
    ("front", "catalog", 7000),
    ("orders", "catalog", 7000),
    ("catalog", "orders", 9000),
}


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> Preview:
    root = tmp_path_factory.mktemp("mesh")
    (root / "handoff.yaml").write_text(SPEC, encoding="utf-8")
    return generate_and_preview(root / "handoff.yaml", root / "out", "prod")


def test_one_namespace_per_stack_is_the_cluster_default(preview: Preview) -> None:
    [namespace] = preview.of_type(NAMESPACE)
    assert namespace.inputs["name"] == "mesh-prod"
    [cluster] = preview.of_type(CLUSTER)
    arn = cluster.inputs["serviceConnectDefaults"]["namespace"]
    assert arn.startswith("arn:aws:servicediscovery:eu-west-1:") and "namespace/ns-" in arn


def test_every_service_is_a_client_and_each_port_a_server_under_its_name(
    preview: Preview,
) -> None:
    [cluster] = preview.of_type(CLUSTER)
    namespace = cluster.inputs["serviceConnectDefaults"]["namespace"]
    services = ecs_services(preview)
    assert set(services) == {"front", "orders", "catalog", "mailer"}
    for name, inputs in services.items():
        config = inputs["serviceConnectConfiguration"]
        assert config["enabled"] is True and config["namespace"] == namespace, name
        assert config["logConfiguration"]["logDriver"] == "awslogs"
        assert config["logConfiguration"]["options"]["awslogs-stream-prefix"] == "service-connect"
        if name not in PORTS:
            assert not config.get("services"), f"{name} has no port: a client only"
            continue
        [server] = config["services"]
        assert server["discoveryName"] == name
        assert server["clientAlias"] == [{"dnsName": name, "port": PORTS[name]}]
        # ECS refuses a portName that no port mapping in the task definition carries.
        [mapping] = container(preview, name)["portMappings"]
        assert mapping == {
            "name": server["portName"],
            "containerPort": PORTS[name],
            "protocol": "tcp",
            "appProtocol": "http",
        }


def test_security_groups_allow_exactly_the_declared_calls(preview: Preview) -> None:
    assert service_rules(preview, "ingress") == DECLARED
    assert service_rules(preview, "egress") == DECLARED
    # undeclared pairs (mailer, and orders -> front) have no rule in either direction
    pairs = {(a, b) for a, b, _ in DECLARED}
    assert ("orders", "front") not in pairs and not any("mailer" in p for p in pairs)


def test_workers_with_a_port_admit_only_their_callers(preview: Preview) -> None:
    groups = task_groups(preview)
    for rule in preview.of_type(INGRESS):
        owner = groups.get(rule.inputs["securityGroupId"])
        if owner in ("orders", "catalog", "mailer"):
            assert rule.inputs.get("referencedSecurityGroupId") in groups, rule.name
            assert "cidrIpv4" not in rule.inputs
    assert not any(r.type.startswith("aws:lb/") and "orders" in r.name for r in preview.resources)


def test_the_plan_says_how_each_service_is_reached(tmp_path: Path) -> None:
    import shipspec

    (tmp_path / "handoff.yaml").write_text(SPEC, encoding="utf-8")
    model = shipspec.plan(shipspec.load(tmp_path / "handoff.yaml"))
    [env] = model.environments
    reasons = {d.key: (d.value, d.reason) for d in env.decisions if d.key.endswith(".discovery")}
    assert reasons["services.front.discovery"][0] == "service-connect+load-balancer"
    assert reasons["services.orders.discovery"] == (
        "service-connect",
        "Service Connect server as orders:9000 only (called by front, catalog): a worker with "
        "a port is called by services, not people, so no load balancer",
    )
    assert "client only" in reasons["services.mailer.discovery"][1]


def test_called_services_alarm_on_the_errors_their_callers_get(preview: Preview) -> None:
    # Each called worker's own alarm, which its rolling deployment also rolls back on.
    alarms = {
        r.inputs["name"].split("-prod-", 1)[1]: r.inputs
        for r in preview.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if r.inputs.get("name", "").endswith("-connect-5xx-ratio-rollback")
    }
    called = {n.removesuffix("-connect-5xx-ratio-rollback") for n in alarms}
    assert called == {"orders", "catalog"}  # front and mailer are called by nobody
    for name, inputs in ecs_services(preview).items():
        watched = (inputs.get("alarms") or {}).get("alarmNames", [])
        assert any(w.endswith(f"-{name}-connect-5xx-ratio-rollback") for w in watched) is (
            name in called
        ), name
    queries = {q["id"]: q for q in alarms["orders-connect-5xx-ratio-rollback"]["metricQueries"]}
    services = {name: inputs["name"] for name, inputs in ecs_services(preview).items()}
    # The 5xx each caller's proxy got back over the requests it sent (TargetDiscoveryName,
    # the caller's ServiceName): a dimension set Service Connect publishes both under, and
    # the one vantage point that still counts calls that cannot reach orders (the callers'
    # proxies answer them 503). orders is called by front and catalog.
    for metric_name in ("HTTPCode_Target_5XX_Count", "RequestCount"):
        callers = {
            q["metric"]["dimensions"]["ServiceName"]
            for q in queries.values()
            if q.get("metric", {}).get("metricName") == metric_name
        }
        assert callers == {services["front"], services["catalog"]}, metric_name
    for query in queries.values():
        metric = query.get("metric")
        if metric is None:
            continue
        assert metric["namespace"] == "AWS/ECS"
        assert metric["dimensions"]["TargetDiscoveryName"] == "orders"
        assert "DiscoveryName" not in metric["dimensions"]


def test_the_dashboard_graphs_service_connect_for_servers_only(preview: Preview) -> None:
    import json

    [dashboard] = preview.of_type("aws:cloudwatch/dashboard:Dashboard")
    titles = [
        w["properties"].get("title", "")
        for w in json.loads(dashboard.inputs["dashboardBody"])["widgets"]
    ]
    graphed = {t.split(":")[0] for t in titles if "Service Connect" in t}
    assert graphed == {"front", "orders", "catalog"}  # mailer serves nothing


def test_each_caller_s_ecs_service_waits_for_the_services_it_calls(preview: Preview) -> None:
    """A Service Connect client resolves only the endpoints that existed when its task
    started, so a caller's ECS service depends on its callees' (orders and catalog call
    each other: one of them must come first, and the plan says which)."""
    urns = {r.name.removesuffix("-service"): r.urn for r in preview.of_type(SERVICE)}
    depends = {
        r.name.removesuffix("-service"): set(r.dependencies) & set(urns.values())
        for r in preview.of_type(SERVICE)
    }
    assert depends == {
        "front": {urns["orders"], urns["catalog"]},
        "catalog": {urns["orders"]},
        "orders": set(),  # created first: catalog calls it back
        "mailer": set(),
    }


def test_a_circle_of_calls_is_broken_the_same_way_every_time_and_documented(
    tmp_path: Path,
) -> None:
    import shipspec
    from tests.docs.aws_cli import commands, problems

    (tmp_path / "handoff.yaml").write_text(SPEC, encoding="utf-8")
    model = shipspec.plan(shipspec.load(tmp_path / "handoff.yaml"))
    [env] = model.environments
    assert env.creation_order == ["orders", "catalog", "front", "mailer"]
    orders = env.service("orders")
    assert (orders.starts_after, orders.resolves_later) == ([], ["catalog"])
    reason = env.decision("services.orders.starts_after").reason
    assert "redeploy it once" in reason and "service-connect-concepts-deploy" in reason
    # The same spec with its services listed the other way round breaks the circle at the
    # first of them in the spec: deterministic, and stated.
    [orders_line] = [line for line in SPEC.splitlines(keepends=True) if "  orders:" in line]
    reordered = SPEC.replace(orders_line, "").replace("  mailer:", orders_line + "  mailer:")
    (tmp_path / "reordered.yaml").write_text(reordered, encoding="utf-8")
    [other] = shipspec.plan(shipspec.load(tmp_path / "reordered.yaml")).environments
    assert other.creation_order == ["catalog", "orders", "front", "mailer"]
    out = tmp_path / "out"
    shipspec.generate(model, out)
    program = (out / "infra" / "__main__.py").read_text()
    assert program.index("orders = WorkerService(") < program.index("catalog = WorkerService(")
    assert "shipspec creates orders before catalog" in program
    handoff = (out / "docs" / "operations" / "handoff.md").read_text()
    [redeploy] = [c for c in commands(handoff, "handoff.md") if "update-service" in c.text]
    assert redeploy.options == ("--cluster", "--service", "--force-new-deployment")
    assert "service_names --json | jq -r '.[\"orders\"]'" in handoff
    assert problems(redeploy) == []
    again = tmp_path / "again"
    shipspec.generate(shipspec.plan(shipspec.load(tmp_path / "handoff.yaml")), again)
    assert (again / "infra" / "__main__.py").read_text() == program
