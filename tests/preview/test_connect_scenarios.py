"""A service its callers reach only through Service Connect, in the incidents an SRE expects.

``renderer`` is an internal web service (``public: false``: it has an internal load
balancer) that ``gateway`` calls through Service Connect (``http://renderer:8080``): its
load balancer sees none of those calls. The CloudWatch model
(:mod:`tests.preview.cloudwatch_model`) evaluates the previewed stack's alarms on what
AWS reports then: the load balancer counts nothing, gateway's Service Connect proxy
counts the 5xx it gets back (``HTTPCode_Target_5XX_Count`` by ``TargetDiscoveryName``),
renderer's proxy the requests it receives (``RequestCount`` by ``DiscoveryName``).
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


def values(renderer_calls: float, renderer_errors: float, alt: bool = False) -> Any:
    """Metric values: gateway serves the internet through the public load balancer, healthy;
    renderer gets ``renderer_calls`` a minute from gateway, ``renderer_errors`` of them 5xx
    (its health check passes). ``alt``: during a canary the new revision's target group."""

    def value(metric: Mapping[str, Any]) -> float | None:
        name, dims, ns = metric["metricName"], metric["dimensions"], metric["namespace"]
        if ns == "AWS/ECS" and "TargetDiscoveryName" in dims:  # what gateway's proxy got
            return renderer_errors if name == "HTTPCode_Target_5XX_Count" else None
        if ns == "AWS/ECS" and "DiscoveryName" in dims:  # what renderer's proxy received
            return renderer_calls if name == "RequestCount" else None
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


@pytest.fixture(scope="module")
def freight(tmp_path_factory: pytest.TempPathFactory) -> tuple[Stack, Mapping[str, Any]]:
    root: Path = tmp_path_factory.mktemp("connect")
    (root / "handoff.yaml").write_text(SPEC, encoding="utf-8")
    preview = generate_and_preview(root / "handoff.yaml", root / "out", "prod")
    return Stack(preview), ecs_services(preview)["renderer"]


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


def test_below_the_request_floor_the_minute_ratio_reads_zero(freight) -> None:  # type: ignore[no-untyped-def]
    """One error in ten calls at 10 calls a minute: under the per-minute floor the Service
    Connect ratio (and so its rollback alarm) reads 0. (The burn rates judge their whole
    windows' requests: half an hour of it is a real burn of the budget.)"""
    stack, _ = freight
    states = stack.states(Scenario(values(10, 0), values(10, 1), 30 * 60))
    assert not states["freight-prod-renderer-connect-5xx-ratio"]
    assert not states["freight-prod-renderer-connect-5xx-ratio-rollback"]


def _deploy(stack: Stack, service: Mapping[str, Any], error_share: float) -> str:
    """``promoted`` or ``rolled back at minute N``: a canary deployment of renderer whose new
    revision fails ``error_share`` of the calls it gets. gateway's proxy spreads calls over
    every renderer task, so the canary's share of the tasks gets that share of the calls;
    after the canary, all of them. ECS watches ``alarms.alarmNames`` throughout."""
    config = service["deploymentConfiguration"]
    share = config["canaryConfiguration"]["canaryPercent"] / 100
    canary_minutes = int(config["canaryConfiguration"]["canaryBakeTimeInMinutes"])
    bake_minutes = int(config["bakeTimeInMinutes"])
    watched = service["alarms"]["alarmNames"]
    before = values(CALLS, 0)
    canary = values(CALLS, CALLS * share * error_share)
    shifted = values(CALLS, CALLS * error_share)
    minute = 0
    for baseline, now, minutes in [
        (before, canary, canary_minutes),
        (canary, shifted, bake_minutes),
    ]:
        for t in range(1, minutes + 1):
            minute += 1
            states = stack.states(Scenario(baseline, now, t * 60))
            if any(states[name] for name in watched):
                return f"rolled back at minute {minute}"
    return "promoted"


def test_a_bad_release_called_only_through_service_connect_rolls_back(freight) -> None:  # type: ignore[no-untyped-def]
    """Its load balancer's 5xx, latency and health alarms see no call: only the Service
    Connect alarm among the deployment's alarms can roll the release back."""
    stack, service = freight
    outcome = _deploy(stack, service, error_share=0.5)
    assert outcome.startswith("rolled back"), outcome


def test_a_good_release_called_only_through_service_connect_promotes(freight) -> None:  # type: ignore[no-untyped-def]
    stack, service = freight
    assert _deploy(stack, service, error_share=0.001) == "promoted"
