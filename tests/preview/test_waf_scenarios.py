"""Who is told when the WAF shuts legitimate clients out.

A request WAF blocks gets a 403 before it reaches a task: no 5xx, so neither the SLO nor
the error alarms see it. The full example's public load balancer has a web ACL; its
rate-limit rule's ``BlockedRequests`` (AWS/WAFV2, dimensions WebACL, Rule, Region) opens a
ticket once it blocks in each of 3 five-minute periods, and never pages. Run against the
generated program's recorded alarms (:mod:`tests.preview.cloudwatch_model`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.preview.cloudwatch_model import Scenario, Stack, alarm_state

WAF = "atlas-main-public-waf-rate-limit"


def values(blocked: float | None) -> Any:
    def value(metric: Mapping[str, Any]) -> float | None:
        if metric["namespace"] == "AWS/WAFV2":
            return blocked  # WAF publishes no datapoint for a period without a block
        return None

    return value


@pytest.fixture(scope="module")
def main(generated) -> Stack:  # type: ignore[no-untyped-def]
    return Stack(generated.preview("full", "main"))


def test_the_alarm_watches_the_public_acl_s_rate_limit_rule(main) -> None:  # type: ignore[no-untyped-def]
    [query] = [q for q in main.alarms[WAF]["metricQueries"] if "metric" in q]
    metric = query["metric"]
    assert (metric["namespace"], metric["metricName"]) == ("AWS/WAFV2", "BlockedRequests")
    # The ACL's and the rule's visibility metric names (components/_waf.py), the region.
    dims = dict(metric["dimensions"])
    assert dims.pop("Region")
    assert dims == {"WebACL": "atlas-main-public-waf", "Rule": "public-waf-rate-limit"}


def test_each_stack_s_web_acls_publish_their_own_metrics(generated) -> None:  # type: ignore[no-untyped-def]
    """WAF's metrics are keyed by the ACL's visibility metric name (``WebACL``), not by the
    ACL: the same name in two stacks of one account is one series, and production's
    blocked-share page would count staging's blocks. Every stack's names differ, and its
    alarms read their own ACL's."""
    names: dict[str, set[str]] = {}
    for env in ("dev", "staging", "main"):
        preview = generated.preview("full", env)
        acls = {
            r.inputs["visibilityConfig"]["metricName"]
            for r in preview.resources
            if r.type == "aws:wafv2/webAcl:WebAcl"
        }
        assert acls, env
        alarms = Stack(preview).alarms
        read = {
            q["metric"]["dimensions"]["WebACL"]
            for alarm in alarms.values()
            for q in alarm.get("metricQueries") or []
            if "metric" in q and "WebACL" in q["metric"]["dimensions"]
        }
        assert read and read <= acls, (env, read, acls)
        names[env] = acls
    assert not names["dev"] & names["staging"] and not names["staging"] & names["main"]
    assert not names["dev"] & names["main"]


def test_sustained_blocks_open_a_ticket_and_never_page(main) -> None:  # type: ignore[no-untyped-def]
    def told(blocked: float | None, minutes: int) -> dict[str, set[str]]:
        got = main.notified(Scenario(values(None), values(blocked), minutes * 60))
        return {k: {n for n in names if n == WAF} for k, names in got.items()}

    assert told(None, 60) == {"page": set(), "ticket": set()}  # nothing blocked: no data
    assert told(40, 10) == {"page": set(), "ticket": set()}  # a burst of two periods
    assert told(40, 20) == {"page": set(), "ticket": {WAF}}


# The web ACL as a whole: blocked requests as a share of all it judged (Rule=ALL).
SHARE = "atlas-main-public-waf-blocked-share"
SITE_SHARE = "atlas-main-storefront-waf-blocked-share"
RPM = 1200 * 60 * 0.5  # requests a minute at half the full example's peak


def acl(per_minute: float, blocked_share: float, *, rate_limited: float | None = None) -> Any:
    """WAF's metrics for an ACL judging ``per_minute`` requests, ``blocked_share`` of them
    blocked (by a managed rule: the rate-limit rule's own count is ``rate_limited``). WAF
    publishes a count only when it is non-zero."""

    def value(metric: Mapping[str, Any]) -> float | None:
        if metric["namespace"] != "AWS/WAFV2":
            return None
        rule = metric["dimensions"]["Rule"]
        if rule != "ALL":
            return rate_limited if metric["metricName"] == "BlockedRequests" else None
        blocked = per_minute * blocked_share
        got = blocked if metric["metricName"] == "BlockedRequests" else per_minute - blocked
        return got or None

    return value


def test_the_share_alarm_reads_every_rule_of_the_acl(main) -> None:  # type: ignore[no-untyped-def]
    """``Rule=ALL`` with the ACL's metric name; ``Region`` for the load balancer's regional
    ACL, none for a CloudFront ACL (AWS WAF Developer Guide, "AWS WAF metrics and
    dimensions"), whose alarm lives in us-east-1 with the ACL's metrics."""
    for name, region in ((SHARE, None), (SITE_SHARE, "us-east-1")):
        alarm = main.alarms[name]
        assert alarm.get("region") == region
        metrics = {q["id"]: q["metric"] for q in alarm["metricQueries"] if "metric" in q}
        assert {m["metricName"] for m in metrics.values()} == {
            "BlockedRequests",
            "AllowedRequests",
        }
        for m in metrics.values():
            dims = dict(m["dimensions"])
            assert dims.pop("Rule") == "ALL"
            assert ("Region" in dims) == (region is None)
            dims.pop("Region", None)
            acl = "public-waf" if name == SHARE else "storefront-waf"
            assert dims == {"WebACL": f"atlas-main-{acl}"}


def test_a_managed_rule_blocking_users_pages(main) -> None:  # type: ignore[no-untyped-def]
    """A managed rule starts blocking 30% of requests (a false positive on an ordinary
    path): no 5xx, no rate-limit block, only the ACL's share sees it, and it pages."""
    healthy = acl(RPM, 0.005)
    blocking = Scenario(healthy, acl(RPM, 0.3), 15 * 60)
    told = main.notified(blocking)
    assert SHARE in told["page"]
    assert WAF not in told["page"] | told["ticket"]  # the rate limit blocked nobody
    # Not after 5 minutes: 10 of 15 minutes must breach.
    assert SHARE not in main.notified(Scenario(healthy, acl(RPM, 0.3), 5 * 60))["page"]


def test_a_healthy_acl_blocking_bots_is_quiet(main) -> None:  # type: ignore[no-untyped-def]
    told = main.notified(Scenario(acl(RPM, 0.005), acl(RPM, 0.005), 60 * 60))
    assert SHARE not in told["page"] | told["ticket"]


def test_low_traffic_below_the_floor_is_quiet(main) -> None:  # type: ignore[no-untyped-def]
    """A quiet night: 40 requests a minute, 12 of them blocked (one scanner) is 30% but
    under the floor of 100 requests a minute (1% of the peak minute)."""
    told = main.notified(Scenario(acl(40, 0.0), acl(40, 0.3), 60 * 60))
    assert SHARE not in told["page"] | told["ticket"]


def test_a_static_site_s_acl_pages_through_eventbridge(main) -> None:  # type: ignore[no-untyped-def]
    """The storefront's CloudFront ACL in us-east-1: its alarm's state change is forwarded
    to the stack's region and published to the page topic."""
    alarm = main.alarms[SITE_SHARE]
    blocking = Scenario(acl(RPM, 0.005), acl(RPM, 0.3), 15 * 60)
    assert alarm_state(alarm, blocking) == "ALARM"
    assert alarm_state(alarm, Scenario(acl(RPM, 0.005), acl(RPM, 0.005), 60 * 60)) == "OK"
    event = {
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "resources": [f"arn:aws:cloudwatch:us-east-1:123456789012:alarm:{SITE_SHARE}"],
        "detail": {"state": {"value": "ALARM"}},
        "region": "us-east-1",
    }
    told = main.notified(blocking, [event])
    assert any(SITE_SHARE in name for name in told["page"])


def test_the_cost_estimate_prices_the_rules_the_web_acls_have(generated, main) -> None:  # type: ignore[no-untyped-def]
    """WAF bills each rule of a web ACL (a managed rule group is one rule): the estimate's
    rule counts are those of the ACLs the program creates."""
    from shipspec.cost import estimate

    acls = {
        r.name: len(r.inputs["rules"])
        for r in generated.preview("full", "main").resources
        if r.type == "aws:wafv2/webAcl:WebAcl"
    }
    priced = {
        item.resource: int(item.quantity)
        for item in estimate(generated.model("full"), "main").items
        if item.component == "WAF rules"
    }
    assert priced == {
        "public": acls.pop("public-waf"),
        **{
            site: acls[f"{site}-waf"]
            for site in ("storefront", "handbook")
            if f"{site}-waf" in acls
        },
    }, (priced, acls)
