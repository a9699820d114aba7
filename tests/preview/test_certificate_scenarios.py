"""Who is told when an ACM certificate stops renewing, or an EFS volume nears its I/O limit.

ACM renews a managed certificate 60 days before it expires; the Route 53 health check does
not validate certificates, so ``DaysToExpiry`` (published once a day) is what notices a
failed renewal: a ticket under 30 days, a page under 7 in production. The shop example's
production stack has its load balancer's certificate in the stack's region; the full
example's has static sites whose certificates (and alarms) live in us-east-1 and reach the
topics through EventBridge, and an EFS volume. Stacks previewed under Pulumi mocks, fed to
the CloudWatch model of :mod:`tests.preview.cloudwatch_model`; only these alarms are judged
(the others have their own scenarios).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.preview.cloudwatch_model import Scenario, Stack, alarm_state

DAYS = ("AWS/CertificateManager", "DaysToExpiry")
IO = ("AWS/EFS", "PercentIOLimit")
HEALTHY = {DAYS: 75, IO: 20}  # renewed (a new certificate's 395 days, renewed at 60)
WATCHED = ("-certificate-renewal", "-certificate-expiry", "-io-limit")
TWO_DAYS = 2 * 24 * 60  # minutes: DaysToExpiry is one datapoint a day


def values(overrides: Mapping[tuple[str, str], Any] | None = None) -> Any:
    table = {**HEALTHY, **(overrides or {})}

    def value(metric: Mapping[str, Any]) -> float | None:
        return table.get((metric["namespace"], metric["metricName"]))

    return value


def scenario(incident: Mapping[tuple[str, str], Any], minutes: float) -> Scenario:
    return Scenario(values(), values(incident), int(minutes * 60))


def told(stack: Stack, incident: Mapping[tuple[str, str], Any], minutes: float) -> dict[str, set]:
    """Which certificate and volume alarms of the stack's region page or open a ticket."""
    got = stack.notified(scenario(incident, minutes))
    return {k: {n for n in names if n.endswith(WATCHED)} for k, names in got.items()}


def forwarded(stack: Stack, incident: Mapping[tuple[str, str], Any], minutes: float) -> dict:
    """What the us-east-1 certificate alarms' state changes tell through EventBridge."""
    now = scenario(incident, minutes)
    events = [
        {
            "source": "aws.cloudwatch",
            "detail-type": "CloudWatch Alarm State Change",
            "resources": [f"arn:aws:cloudwatch:{alarm['region']}:123456789012:alarm:{name}"],
            "detail": {"state": {"value": "ALARM"}},
            "region": alarm["region"],
        }
        for name, alarm in stack.alarms.items()
        if name.endswith(WATCHED) and alarm.get("region") and alarm_state(alarm, now) == "ALARM"
    ]
    got = stack.notified(now, events)
    return {k: {n for n in names if n.endswith(WATCHED)} for k, names in got.items()}


@pytest.fixture(scope="module")
def shop(generated) -> Stack:  # type: ignore[no-untyped-def]
    return Stack(generated.preview("shop", "prod"))


@pytest.fixture(scope="module")
def atlas(generated) -> Stack:  # type: ignore[no-untyped-def]
    return Stack(generated.preview("full", "main"))


@pytest.fixture(scope="module")
def atlas_staging(generated) -> Stack:  # type: ignore[no-untyped-def]
    return Stack(generated.preview("full", "staging"))


def test_a_renewed_certificate_tells_nobody(shop) -> None:  # type: ignore[no-untyped-def]
    assert told(shop, {}, TWO_DAYS) == {"page": set(), "ticket": set()}


def test_a_certificate_20_days_from_expiry_opens_a_ticket(shop) -> None:  # type: ignore[no-untyped-def]
    # Renewal failed (its validation record deleted) 40 days ago: nothing is broken yet.
    assert told(shop, {DAYS: 20}, TWO_DAYS) == {
        "page": set(),
        "ticket": {"shop-prod-public-certificate-renewal"},
    }
    alarm = shop.alarms["shop-prod-public-certificate-renewal"]
    [query] = alarm["metricQueries"]
    assert query["metric"]["period"] == 86400  # the metric is daily
    assert set(query["metric"]["dimensions"]) == {"CertificateArn"}
    assert "region" not in alarm or alarm["region"] is None  # the ALB's certificate: here


def test_a_certificate_5_days_from_expiry_pages_in_production(shop) -> None:  # type: ignore[no-untyped-def]
    assert told(shop, {DAYS: 5}, TWO_DAYS) == {
        "page": {"shop-prod-public-certificate-expiry"},
        "ticket": {"shop-prod-public-certificate-renewal"},
    }


def test_an_expired_certificate_does_not_resolve_its_page(shop) -> None:  # type: ignore[no-untyped-def]
    """ACM stops publishing once the certificate has expired: the alarm goes from ALARM to
    INSUFFICIENT_DATA, which sends no OK action (the paging alarms' OK resolves the
    incident), so the page stays open; a new certificate before its first daily datapoint
    is INSUFFICIENT_DATA too, not a page on the first deploy."""
    alarm = shop.alarms["shop-prod-public-certificate-expiry"]
    expired = Scenario(values({DAYS: 3}), values({DAYS: None}), TWO_DAYS * 60)
    assert alarm_state(alarm, expired) == "INSUFFICIENT_DATA"
    assert alarm["treatMissingData"] == "missing"
    new = Scenario(values({DAYS: None}), values({DAYS: None}), 60 * 60)
    assert alarm_state(alarm, new) == "INSUFFICIENT_DATA"


def test_non_production_gets_a_ticket_never_a_page(atlas_staging) -> None:  # type: ignore[no-untyped-def]
    assert not [n for n in atlas_staging.alarms if n.endswith("-certificate-expiry")]
    got = told(atlas_staging, {DAYS: 5}, TWO_DAYS)
    assert got["page"] == set()
    assert "atlas-staging-public-certificate-renewal" in got["ticket"]


def test_a_static_sites_certificate_pages_from_us_east_1(atlas) -> None:  # type: ignore[no-untyped-def]
    name = "atlas-main-storefront-site-certificate-expiry"
    assert atlas.alarms[name]["region"] == "us-east-1"  # CloudFront's certificates live there
    assert not atlas.alarms[name].get("alarmActions")  # another region's topic: EventBridge
    got = forwarded(atlas, {DAYS: 5}, TWO_DAYS)
    assert name in got["page"]
    assert "atlas-main-storefront-site-certificate-renewal" in got["ticket"]
    assert "atlas-main-public-certificate-expiry" in got["page"]  # the ALB's, directly
    assert forwarded(atlas, {}, TWO_DAYS) == {"page": set(), "ticket": set()}


def test_an_efs_volume_at_its_io_limit_opens_a_ticket(atlas) -> None:  # type: ignore[no-untyped-def]
    alarm = atlas.alarms["atlas-main-uploads-io-limit"]
    [query] = alarm["metricQueries"]
    assert query["metric"]["dimensions"].keys() == {"FileSystemId"}
    assert told(atlas, {IO: 100}, 10) == {"page": set(), "ticket": set()}  # a 10-minute burst
    assert told(atlas, {IO: 100}, 20) == {"page": set(), "ticket": {"atlas-main-uploads-io-limit"}}
    assert told(atlas, {IO: 85}, 60) == {"page": set(), "ticket": set()}
    # No I/O at all publishes nothing: not an alarm.
    assert told(atlas, {IO: None}, 60) == {"page": set(), "ticket": set()}
