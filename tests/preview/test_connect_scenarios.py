"""A service its callers reach only through Service Connect, in the incidents an SRE expects.

``renderer`` is an internal web service (``public: false``: it has an internal load
balancer) that ``gateway`` calls through Service Connect (``http://renderer:8080``): its
load balancer sees none of those calls. The CloudWatch model
(:mod:`tests.preview.cloudwatch_model`) evaluates the previewed stack's alarms on what
AWS reports then: the load balancer counts nothing, gateway's Service Connect proxy
counts the requests it sends renderer and the 5xx it gets back (``RequestCount`` and
``HTTPCode_Target_5XX_Count`` by ``TargetDiscoveryName``), renderer's proxy the requests
it receives (``RequestCount`` by ``DiscoveryName``). When gateway's calls cannot reach
renderer (its tasks run, but a security group or its proxy turns the connections away),
gateway's proxy, Envoy, answers each call 503 itself and counts it against renderer, as a
5xx of that target; renderer's proxy receives nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.preview.cloudwatch_model import Scenario, Stack
from tests.preview.discovery_support import ecs_services, generate_and_preview

SPEC = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: freight, owner: team-freight}
cloud: {provider: aws, region: eu-west-1, state: s3://acme-pulumi-state}
environments:
  prod: {domain: freight.example.com}
requirements:
  availability: 99.9
  performance: {peak_rps: 100}
delivery: {strategy: canary}
services:
  gateway:
    type: web
    image: ghcr.io/example/gateway:1.0
    port: 8080
    public: true
    calls: [renderer]
  renderer:
    type: web
    image: ghcr.io/example/renderer:1.0
    port: 8080
    public: false
observability:
  slos:
    - {service: gateway, objective: 99.9, sli: availability}
    - {service: renderer, objective: 99.9, sli: availability}
"""
CALLS = 3000.0  # a minute, from gateway to renderer (half of 100 rps at peak)


def values(
    renderer_calls: float,
    renderer_errors: float,
    alt: bool = False,
    *,
    reached: float | None = None,
) -> Any:
    """Metric values: gateway serves the internet through the public load balancer, healthy;
    gateway sends renderer ``renderer_calls`` a minute, ``renderer_errors`` of them answered
    5xx, and ``reached`` of them (all unless given) reach renderer's proxy; the rest gateway's
    own proxy answers 503 (its health check passes). ``alt``: during a canary the new
    revision's target group."""
    received = renderer_calls if reached is None else reached

    def value(metric: Mapping[str, Any]) -> float | None:
        name, dims, ns = metric["metricName"], metric["dimensions"], metric["namespace"]
        if ns == "AWS/ECS" and "TargetDiscoveryName" in dims:  # what gateway's proxy sent, got
            return {
                "RequestCount": renderer_calls,
                "HTTPCode_Target_5XX_Count": renderer_errors,
            }.get(name)
        if ns == "AWS/ECS" and "DiscoveryName" in dims:  # what renderer's proxy received
            return received if name == "RequestCount" else None
        internal = "internal" in dims.get("LoadBalancer", "") or "renderer" in dims.get(
            "TargetGroup", ""
        )
        if ns == "AWS/ApplicationELB":
            healthy = {"HealthyHostCount": 2, "UnHealthyHostCount": 0}
            if internal:  # nobody sends the internal load balancer a request
                return healthy.get(name)
            if "-tg-alt-" in dims.get("TargetGroup", ""):
                return healthy.get(name) if name != "HealthyHostCount" else 0
            return {
                **healthy,
                "RequestCount": 6000,
                "HTTPCode_Target_5XX_Count": 0,
                "TargetResponseTime": 0.05,
            }.get(name, 100.0 if metric["stat"].startswith("PR(") else None)
        return {
            "RunningTaskCount": 2,
            "DesiredTaskCount": 2,
            "CPUUtilization": 30,
            "MemoryUtilization": 40,
            "HealthCheckStatus": 1,
        }.get(name)

    return value


def freight_stack(root: Path) -> tuple[Stack, Mapping[str, Any]]:
    """The previewed prod stack of SPEC, and renderer's ECS service inputs."""
    (root / "handoff.yaml").write_text(SPEC, encoding="utf-8")
    preview = generate_and_preview(root / "handoff.yaml", root / "out", "prod")
    return Stack(preview), ecs_services(preview)["renderer"]


@pytest.fixture(scope="module")
def freight(tmp_path_factory: pytest.TempPathFactory) -> tuple[Stack, Mapping[str, Any]]:
    return freight_stack(tmp_path_factory.mktemp("connect"))


def test_healthy_calls_tell_nobody(freight) -> None:  # type: ignore[no-untyped-def]
    stack, _ = freight
    quiet = Scenario(values(CALLS, 0), values(CALLS, 0), 120 * 60)
    assert stack.notified(quiet) == {"page": set(), "ticket": set()}


def test_failing_half_its_calls_pages_through_the_burn_rate(freight) -> None:  # type: ignore[no-untyped-def]
    """renderer answers its health checks but fails half of gateway's calls: its load
    balancer sees nothing, its callers' proxies see the 5xx. The availability SLO's fast
    burn pages (once); the Service Connect ratio is a ticket there, and the service's
    deployment rolls back on it."""
    stack, service = freight
    told = stack.notified(Scenario(values(CALLS, 0), values(CALLS, CALLS * 0.5), 10 * 60))
    assert told["page"] == {"freight-prod-renderer-availability-burn-1h"}
    assert "freight-prod-renderer-connect-5xx-ratio" in told["ticket"]
    states = stack.states(Scenario(values(CALLS, 0), values(CALLS, CALLS * 0.5), 10 * 60))
    watched = service["alarms"]["alarmNames"]
    assert "freight-prod-renderer-connect-5xx-ratio-rollback" in watched
    assert [n for n in watched if states[n]] == ["freight-prod-renderer-connect-5xx-ratio-rollback"]


def test_callers_that_cannot_reach_it_page_through_the_burn_rate(freight) -> None:  # type: ignore[no-untyped-def]
    """renderer's tasks run and pass their load balancer's health checks, but gateway's
    calls no longer reach them (a security group rule gone): gateway's proxy answers every
    call 503 and counts it against renderer; renderer's own proxy receives nothing. The
    ratio of what the callers sent and got back reads 100%: 40 minutes in, the fast burn
    pages (a ratio over the requests renderer's proxy received would read 0 in every short
    window, under the request floor, and page nobody), and the Service Connect ratio (a
    ticket beside the burn rate) and its rollback alarm fire."""
    stack, _ = freight
    outage = Scenario(values(CALLS, 0), values(CALLS, CALLS, reached=0), 40 * 60)
    told = stack.notified(outage)
    assert told["page"] == {"freight-prod-renderer-availability-burn-1h"}
    assert "freight-prod-renderer-connect-5xx-ratio" in told["ticket"]
    assert stack.states(outage)["freight-prod-renderer-connect-5xx-ratio-rollback"]


def test_below_the_request_floor_the_minute_ratio_reads_zero(freight) -> None:  # type: ignore[no-untyped-def]
    """One error in ten calls at 10 calls a minute: under the per-minute floor the Service
    Connect ratio (and so its rollback alarm) reads 0. (The burn rates judge their whole
    windows' requests: half an hour of it is a real burn of the budget.)"""
    stack, _ = freight
    states = stack.states(Scenario(values(10, 0), values(10, 1), 30 * 60))
    assert not states["freight-prod-renderer-connect-5xx-ratio"]
    assert not states["freight-prod-renderer-connect-5xx-ratio-rollback"]


def test_a_called_worker_rolls_back_when_its_callers_get_5xx(generated) -> None:  # type: ignore[no-untyped-def]
    """orders (microservices example) is an HTTP worker gateway calls through Service
    Connect: its rolling deployment watches the 5xx gateway's proxy gets from it."""
    preview = generated.preview("microservices", "prod")
    stack = Stack(preview)
    orders = ecs_services(preview)["orders"]
    watched = orders["alarms"]["alarmNames"]
    assert watched == ["parcel-prod-orders-connect-5xx-ratio-rollback"]
    assert orders["alarms"]["rollback"] is True
    states = stack.states(Scenario(values(CALLS, 0), values(CALLS, CALLS * 0.5), 5 * 60))
    assert states["parcel-prod-orders-connect-5xx-ratio-rollback"]
    healthy = stack.states(Scenario(values(CALLS, 0), values(CALLS, 0), 30 * 60))
    assert not healthy["parcel-prod-orders-connect-5xx-ratio-rollback"]


def test_more_callers_than_one_alarm_holds_read_the_discovery_name_alone(tmp_path: Path) -> None:
    """Five callers of renderer, deployed with a canary (two target groups): per caller, the
    rollback alarm would read 5 × 2 + 2 × 2 = 14 metrics, past the 10 of a metric math
    alarm. It reads renderer's TargetDiscoveryName alone (every caller's 5xx and requests),
    and still fires when no call reaches renderer."""
    callers = "".join(
        f"  caller{i}:\n    type: worker\n    image: ghcr.io/example/c{i}:1.0\n"
        "    calls: [renderer]\n"
        for i in range(5)
    )
    (tmp_path / "handoff.yaml").write_text(
        SPEC.replace("  renderer:\n", callers + "  renderer:\n"), encoding="utf-8"
    )
    preview = generate_and_preview(tmp_path / "handoff.yaml", tmp_path / "out", "prod")
    [alarm] = [
        r.inputs
        for r in preview.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if r.inputs.get("name") == "freight-prod-renderer-connect-5xx-ratio-rollback"
    ]
    metrics = [q["metric"] for q in alarm["metricQueries"] if q.get("metric")]
    assert len(metrics) <= 10
    ecs = [m for m in metrics if m["namespace"] == "AWS/ECS"]
    assert sorted(m["metricName"] for m in ecs) == ["HTTPCode_Target_5XX_Count", "RequestCount"]
    assert all(m["dimensions"] == {"TargetDiscoveryName": "renderer"} for m in ecs)
    states = Stack(preview).states(
        Scenario(values(CALLS, 0), values(CALLS, CALLS, reached=0), 10 * 60)
    )
    assert states["freight-prod-renderer-connect-5xx-ratio-rollback"]
