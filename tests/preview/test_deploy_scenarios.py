"""Whether ECS promotes or rolls back a canary deployment, from the previewed stack's alarms.

ECS watches the alarms named in the service's ``alarms.alarmNames`` for the whole
deployment: while the canary takes ``canaryPercent`` of the traffic for its bake time,
then while the new revision takes all of it for ``bakeTimeInMinutes`` (the old revision
kept for the rollback). An alarm in ALARM at any minute rolls the deployment back
(Amazon ECS Developer Guide, "Deployment alarms" and "canary deployments"). The CloudWatch
model (:mod:`tests.preview.cloudwatch_model`) evaluates those alarms minute by minute over
the traffic each target group gets: the old revision's group, and the new revision's
(``-tg-alt-``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.preview.cloudwatch_model import Scenario, Stack
from tests.preview.test_alert_scenarios import values
from tests.preview.test_connect_scenarios import CALLS, freight_stack
from tests.preview.test_connect_scenarios import values as connect_values

SERVICE = "aws:ecs/service:Service"


@pytest.fixture(scope="module")
def shop(generated) -> tuple[Stack, Mapping[str, Any]]:  # type: ignore[no-untyped-def]
    preview = generated.preview("shop", "prod")
    (web,) = [s for s in preview.of_type(SERVICE) if s.name == "web-service"]
    return Stack(preview), web.inputs


def _revision(rpm: float, error_share: float) -> dict[str, float]:
    """What a target group reports serving ``rpm`` requests a minute, ``error_share`` of
    them 5xx; its health check passes (the broken path is not the health path)."""
    return {
        "RequestCount": rpm,
        "HTTPCode_Target_5XX_Count": rpm * error_share,
        "HTTPCode_ELB_5XX_Count": None,
        "HealthyHostCount": 2,
        "UnHealthyHostCount": 0,
        "TargetResponseTime": 0.05,
        "PR": 100.0,
    }


def deploy(stack: Stack, service: Mapping[str, Any], rpm: float, error_share: float) -> str:
    """``promoted`` or ``rolled back at minute N`` of a canary deployment of a new revision
    failing ``error_share`` of its requests, with ``rpm`` requests a minute in all."""
    config = service["deploymentConfiguration"]
    assert config["strategy"] == "CANARY"
    share = config["canaryConfiguration"]["canaryPercent"] / 100
    canary_minutes = int(config["canaryConfiguration"]["canaryBakeTimeInMinutes"])
    bake_minutes = int(config["bakeTimeInMinutes"])
    watched = service["alarms"]["alarmNames"]
    before = values(_revision(rpm, 0))
    canary = values(_revision(rpm * (1 - share), 0), alt=_revision(rpm * share, error_share))
    # Every request on the new revision; the old one idles until the bake time ends.
    shifted = values(_revision(0, 0) | {"RequestCount": None}, alt=_revision(rpm, error_share))
    phases = [(before, canary, canary_minutes), (canary, shifted, bake_minutes)]
    minute = 0
    for baseline, now, minutes in phases:
        for t in range(1, minutes + 1):
            minute += 1
            states = stack.states(Scenario(baseline, now, t * 60))
            if any(states[name] for name in watched):
                return f"rolled back at minute {minute}"
    return "promoted"


def test_a_revision_failing_every_request_at_3_a_minute_rolls_back(shop) -> None:  # type: ignore[no-untyped-def]
    """3 requests a minute is far under the 5xx ratio's floor (100 a minute for shop): the
    canary sees 0.3 a minute, so only the low-traffic alarm's 3-minute sums, once all
    traffic has shifted, catch it, within the bake time."""
    stack, web = shop
    outcome = deploy(stack, web, rpm=3, error_share=1.0)
    assert outcome.startswith("rolled back"), outcome
    minute = int(outcome.rsplit(" ", 1)[1])
    canary = int(web["deploymentConfiguration"]["canaryConfiguration"]["canaryBakeTimeInMinutes"])
    assert minute <= canary + 6, "within two 3-minute periods of the traffic shift"
    assert "shop-prod-web-5xx-sparse-rollback" in web["alarms"]["alarmNames"]


@pytest.mark.parametrize(
    ("rpm", "error_share"),
    [(3, 0.0), (3, 0.1), (2000, 0.001)],
    ids=["good-at-3-rpm", "one-error-in-ten-at-3-rpm", "busy-and-healthy"],
)
def test_a_good_revision_promotes(shop, rpm, error_share) -> None:  # type: ignore[no-untyped-def]
    stack, web = shop
    assert deploy(stack, web, rpm=rpm, error_share=error_share) == "promoted"


def test_a_bad_canary_at_full_traffic_rolls_back_during_the_canary(shop) -> None:  # type: ignore[no-untyped-def]
    stack, web = shop
    outcome = deploy(stack, web, rpm=27000, error_share=0.5)
    assert outcome in ("rolled back at minute 2", "rolled back at minute 3"), outcome


def test_the_low_traffic_alarm_opens_a_ticket_outside_deployments(shop) -> None:  # type: ignore[no-untyped-def]
    """A quiet service failing every request is broken even with no deployment going on:
    the plan's composite over the low-traffic alarm opens a ticket (no page at 3 a minute;
    the slow burn-rate tickets, judged over a day of requests, see it too)."""
    stack, _ = shop
    quiet = _revision(3, 0)
    told = stack.notified(Scenario(values(quiet), values(_revision(3, 1.0)), 10 * 60))
    assert told["page"] == set()
    assert "shop-prod-web-5xx-sparse" in told["ticket"]
    assert "shop-prod-web-5xx-ratio" not in told["ticket"], "under its floor"


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Stack, Mapping[str, Any]]:
    """An internal web service (its own internal load balancer) that gateway calls through
    Service Connect only (tests/preview/test_connect_scenarios.py's SPEC)."""
    return freight_stack(tmp_path_factory.mktemp("connect"))


def _deploy_connected(stack: Stack, service: Mapping[str, Any], error_share: float) -> str:
    """``promoted`` or ``rolled back at minute N``: a canary deployment of renderer whose new
    revision fails ``error_share`` of the calls it gets. gateway's proxy spreads calls over
    every renderer task, so the canary's share of the tasks gets that share of the calls;
    after the canary, all of them. ECS watches ``alarms.alarmNames`` throughout."""
    config = service["deploymentConfiguration"]
    share = config["canaryConfiguration"]["canaryPercent"] / 100
    canary_minutes = int(config["canaryConfiguration"]["canaryBakeTimeInMinutes"])
    bake_minutes = int(config["bakeTimeInMinutes"])
    watched = service["alarms"]["alarmNames"]
    before = connect_values(CALLS, 0)
    canary = connect_values(CALLS, CALLS * share * error_share)
    shifted = connect_values(CALLS, CALLS * error_share)
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


def test_a_bad_release_called_only_through_service_connect_rolls_back(renderer) -> None:  # type: ignore[no-untyped-def]
    """Its load balancer's 5xx, latency and health alarms see no call: only the Service
    Connect alarm among the deployment's alarms can roll the release back."""
    stack, service = renderer
    outcome = _deploy_connected(stack, service, error_share=0.5)
    assert outcome.startswith("rolled back"), outcome


def test_a_good_release_called_only_through_service_connect_promotes(renderer) -> None:  # type: ignore[no-untyped-def]
    stack, service = renderer
    assert _deploy_connected(stack, service, error_share=0.001) == "promoted"
