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

from tests.preview.cloudwatch_model import Scenario, Stack

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
    assert dims == {"WebACL": "public-waf", "Rule": "public-waf-rate-limit"}


def test_sustained_blocks_open_a_ticket_and_never_page(main) -> None:  # type: ignore[no-untyped-def]
    def told(blocked: float | None, minutes: int) -> dict[str, set[str]]:
        got = main.notified(Scenario(values(None), values(blocked), minutes * 60))
        return {k: {n for n in names if n == WAF} for k, names in got.items()}

    assert told(None, 60) == {"page": set(), "ticket": set()}  # nothing blocked: no data
    assert told(40, 10) == {"page": set(), "ticket": set()}  # a burst of two periods
    assert told(40, 20) == {"page": set(), "ticket": {WAF}}
