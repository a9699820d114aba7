"""Who is paged, who gets a ticket and what stays quiet, in the incidents an SRE expects.

Each scenario sets the metrics of the shop example's production stack (900 requests a
second at peak) before and during an ongoing incident, and a CloudWatch model
(:mod:`tests.preview.cloudwatch_model`) evaluates the alarms, composite alarms and
EventBridge rules of the stack as previewed under Pulumi mocks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

from tests.preview.cloudwatch_model import Scenario, Stack, Timeline, alarm_state, matches

GIB = 2**30
RPM = 900 * 60 * 0.5  # requests a minute: half the peak
HEALTHY = {
    "RequestCount": RPM,
    "HTTPCode_Target_5XX_Count": 0,
    "HTTPCode_ELB_5XX_Count": None,  # reported only when non-zero
    "HealthyHostCount": 3,
    "UnHealthyHostCount": 0,
    "TargetResponseTime": 0.08,  # p99, seconds
    "PR": 99.95,  # % of responses within the latency SLO's 300 ms
    "RunningTaskCount": 3,
    "DesiredTaskCount": 3,
    "CPUUtilization": 35,
    "MemoryUtilization": 50,
    "ApproximateAgeOfOldestMessage": 20,
    "ApproximateNumberOfMessagesVisible": 0,
    "ApproximateNumberOfMessagesNotVisible": 0,
    "InvocationDroppedCount": None,
    "InvocationAttemptCount": 1,  # the schedule fires: attempts in every period judged
    "CpuReserved": None,  # Container Insights, by job task family: no run in progress
    "FreeStorageSpace": 30 * GIB,
    "DatabaseConnections": 40,
    "DatabaseMemoryUsagePercentage": 40,
    "Evictions": 0,
    "CacheHitRate": 95,
    "EngineCPUUtilization": 20,
    "HealthCheckStatus": 1,  # Route 53's checkers get the health path from the internet
    "DaysToExpiry": 75,  # the load balancer's certificate, renewed (test_certificate_scenarios)
    "BlockedRequests": None,  # the web ACL blocks nothing, so WAF publishes nothing
    "AllowedRequests": RPM,  # every request it judged (Rule=ALL)
}


def values(
    overrides: Mapping[str, Any] | None = None, *, alt: Mapping[str, Any] | None = None
) -> Any:
    """Metric values: HEALTHY with ``overrides``; the alternate (canary) target group gets
    ``alt`` (no traffic unless given)."""
    table = {**HEALTHY, **(overrides or {})}

    def value(metric: Mapping[str, Any]) -> float | None:
        name = metric["metricName"]
        key = "PR" if metric["stat"].startswith("PR(") else name
        if "-tg-alt-" in metric["dimensions"].get("TargetGroup", ""):
            return (alt or {}).get(key, 0 if key == "HealthyHostCount" else None)
        got = table.get(f"{name}@{_owner(metric)}", table[key])
        return got(metric) if callable(got) else got

    return value


def _owner(metric: Mapping[str, Any]) -> str:
    """``web``, ``mailer``, ``orders``, ``orders-dlq``: what a metric is about, from the
    physical name (``shop-prod-web``, ``parcel-prod-catalog``, ``orders-dlq-84f7c11``)
    without the stack prefix, the mocks' autoname suffix and the resource kind."""
    dims = metric["dimensions"]
    for key in ("ServiceName", "QueueName"):
        if key in dims:
            words = [
                w
                for w in dims[key].split("-")
                if w not in ("shop", "parcel", "prod", "dev", "staging", "service", "queue")
                and not re.fullmatch(r"[0-9a-f]{7}", w)
            ]
            return "-".join(words)
    return ""


def scenario(incident: Mapping[str, Any], minutes: float, **kw: Any) -> Scenario:
    return Scenario(values(), values(incident, **kw), int(minutes * 60))


@pytest.fixture(scope="module")
def prod(generated) -> Stack:  # type: ignore[no-untyped-def]
    return Stack(generated.preview("shop", "prod"))


@pytest.fixture(scope="module")
def dev(generated) -> Stack:  # type: ignore[no-untyped-def]
    return Stack(generated.preview("shop", "dev"))


ALL_TASKS_DOWN = {
    # No target is registered: the load balancer answers 503 itself; targets report nothing.
    "RequestCount": None,
    "HTTPCode_Target_5XX_Count": None,
    "HTTPCode_ELB_5XX_Count": RPM,
    "HealthyHostCount": 0,
    "TargetResponseTime": None,
    "PR": None,
    "RunningTaskCount@web": 0,
    "HealthCheckStatus": 0,  # Route 53's checkers get the 503s too
}


NO_TRAFFIC_REACHES_THE_ALB = {
    # The domain's DNS record is deleted or changed: users' requests never reach the load
    # balancer, which counts nothing; its tasks stay healthy.
    "RequestCount": None,
    "HTTPCode_Target_5XX_Count": None,
    "TargetResponseTime": None,
    "PR": None,
    "HealthCheckStatus": 0,  # Route 53's checkers cannot resolve the name or handshake
}


def state_change(stack: Stack, name: str, scenario: Scenario) -> list[dict[str, Any]]:
    """The "CloudWatch Alarm State Change" event an alarm outside the stack's region emits
    on its own bus when the scenario puts it in ALARM (none otherwise)."""
    alarm = stack.alarms[name]
    if alarm_state(alarm, scenario) != "ALARM":
        return []
    return [
        {
            "source": "aws.cloudwatch",
            "detail-type": "CloudWatch Alarm State Change",
            "resources": [f"arn:aws:cloudwatch:{alarm['region']}:123456789012:alarm:{name}"],
            "detail": {"state": {"value": "ALARM"}},
            "region": alarm["region"],
        }
    ]


def test_no_traffic_reaching_the_load_balancer_pages_from_route_53(prod) -> None:  # type: ignore[no-untyped-def]
    """DNS record deleted or changed: every alarm behind the ALB stays OK (no
    request, no error, healthy hosts); the Route 53 health check's alarm, in us-east-1,
    pages through EventBridge on the stack's page topic."""
    outage = scenario(NO_TRAFFIC_REACHES_THE_ALB, 10)
    name = "shop-prod-web-health-check"
    assert prod.notified(outage) == {"page": set(), "ticket": set()}, "the ALB sees nothing"
    states = prod.states(outage)
    assert [n for n, firing in states.items() if firing] == [name]
    assert prod.alarms[name]["region"] == "us-east-1"  # Route 53's metrics live there only
    told = prod.notified(outage, state_change(prod, name, outage))
    assert told == {"page": {name}, "ticket": set()}  # the notify rule, named as the alarm
    # One minute in, not yet: 2 of 3 minutes must fail (after 3 failed checks, 90 s).
    assert not state_change(prod, name, scenario(NO_TRAFFIC_REACHES_THE_ALB, 1))
    # Healthy checks tell nobody.
    assert not state_change(prod, name, scenario({}, 60))


def test_the_health_check_requests_the_domain_once_it_exists(generated) -> None:  # type: ignore[no-untyped-def]
    """HTTPS to the domain (SNI), the service's health path; created after the alias record,
    the validated certificate, the HTTPS listener and the ECS service, so a first deployment
    does not check a name that is not there yet."""
    preview = generated.preview("shop", "prod")
    [check] = preview.of_type("aws:route53/healthCheck:HealthCheck")
    wanted = {
        "type": "HTTPS",
        "fqdn": "shop.example.com",
        "port": 443,
        "resourcePath": "/healthz",
        "enableSni": True,
    }
    assert {k: check.inputs[k] for k in wanted} == wanted
    after = {urn.rsplit("::", 1)[1] for urn in check.dependencies}
    assert {"public-alias", "public-cert-validation", "public-https", "web-service"} <= after
    # The alarm names this check, and the stack output gives its id to the runbook.
    alarm = Stack(preview).alarms["shop-prod-web-health-check"]
    [query] = alarm["metricQueries"]
    assert set(query["metric"]["dimensions"]) == {"HealthCheckId"}
    [recorded] = [
        a
        for a in preview.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.inputs.get("name") == "shop-prod-web-health-check"
    ]
    assert check.urn in recorded.dependencies


def test_a_stack_without_a_domain_has_no_outside_in_check(dev) -> None:  # type: ignore[no-untyped-def]
    assert not [n for n in dev.alarms if n.endswith("-health-check")]


def test_healthy_traffic_tells_nobody(prod) -> None:  # type: ignore[no-untyped-def]
    assert prod.notified(scenario({}, 60)) == {"page": set(), "ticket": set()}


def test_all_tasks_of_a_service_down_pages_once_per_region(prod) -> None:  # type: ignore[no-untyped-def]
    outage = scenario(ALL_TASKS_DOWN, 15)
    told = prod.notified(outage)
    # The burn-rate pages of the same outage are muted by the service-down composite.
    assert told["page"] == {"shop-prod-web-down"}
    # The rollback alarm, counting ELB 5xx; and every task missing for 10 minutes.
    assert told["ticket"] == {"shop-prod-web-5xx-ratio", "shop-prod-web-running-tasks"}
    states = prod.states(outage)
    assert states["shop-prod-web-availability-burn-1h"], "the burn rate sees the ELB's 5xx"
    assert states["shop-prod-web-no-healthy-hosts"]
    assert states["shop-prod-web-tasks-missing-share"]
    # The domain's health check fails as well; its alarm lives in us-east-1, where no
    # composite of the stack can mute it, so it pages besides service-down.
    name = "shop-prod-web-health-check"
    forwarded = prod.notified(outage, state_change(prod, name, outage))
    assert forwarded["page"] == {"shop-prod-web-down", name}


def test_an_outage_pages_on_the_load_balancers_errors_alone(prod) -> None:  # type: ignore[no-untyped-def]
    """Without the down signals (say the tasks run but the load balancer times them out),
    the ELB-generated 5xx page through the availability burn rate."""
    timeouts = {"HTTPCode_ELB_5XX_Count": RPM * 0.3, "RequestCount": RPM * 0.7}
    told = prod.notified(scenario(timeouts, 10))
    assert told["page"] == {"shop-prod-web-availability-burn-1h"}
    assert told["ticket"] == {"shop-prod-web-5xx-ratio"}


def test_a_crash_loop_pages_once(prod) -> None:  # type: ignore[no-untyped-def]
    crash_loop = {
        "RunningTaskCount@web": 1,  # tasks start and die; ECS keeps replacing them
        "HealthyHostCount": 0,
        "UnHealthyHostCount": 1,
        "HTTPCode_ELB_5XX_Count": RPM * 0.5,  # 502 from targets that died mid-request
        "RequestCount": RPM * 0.5,
    }
    told = prod.notified(scenario(crash_loop, 15))
    assert told["page"] == {"shop-prod-web-down"}
    assert told["ticket"] == {
        "shop-prod-web-5xx-ratio",
        "shop-prod-web-unhealthy-hosts",
        "shop-prod-web-running-tasks",
    }


# web scaled out to 30 tasks, all running and healthy, before each incident below.
THIRTY = {"DesiredTaskCount@web": 30, "RunningTaskCount@web": 30, "HealthyHostCount": 30}


def at_thirty(running: int, minutes: float) -> Scenario:
    """web at 30 desired tasks, ``running`` of them running (and healthy) for ``minutes``;
    the others never start, and the ones left serve every request."""
    missing = {**THIRTY, "RunningTaskCount@web": running, "HealthyHostCount": running}
    return Scenario(values(THIRTY), values(missing), int(minutes * 60))


def test_one_task_of_many_missing_opens_a_ticket_and_pages_nobody(prod) -> None:  # type: ignore[no-untyped-def]
    """One task of 30 cannot be placed (a zone without capacity, an ENI shortage) for an
    hour: 29 serve every request. Reduced capacity is a ticket; it is no outage."""
    told = prod.notified(at_thirty(29, 60))
    assert told == {"page": set(), "ticket": {"shop-prod-web-running-tasks"}}
    assert not prod.states(at_thirty(29, 60))["shop-prod-web-down"]
    # 14 of 30 missing is still under half: the same ticket, no page.
    assert prod.notified(at_thirty(16, 60)) == told
    # Minute by minute: the ticket once, after 10 one-minute periods, and nothing else.
    one_missing = {**THIRTY, "RunningTaskCount@web": 29, "HealthyHostCount": 29}
    events = Timeline(values(THIRTY), [(0, values(one_missing))])
    assert prod.sent(events, 60) == [(10, "ticket", "shop-prod-web-running-tasks")]


def test_half_the_tasks_missing_pages_once_through_service_down(prod) -> None:  # type: ignore[no-untyped-def]
    """15 of 30 tasks missing for 10 minutes, the rest healthy: the service-down composite
    pages once, through its tasks-missing-share member, with running-tasks' ticket; every
    target left is healthy, so no-healthy-hosts stays OK."""
    told = prod.notified(at_thirty(15, 15))
    assert told == {"page": {"shop-prod-web-down"}, "ticket": {"shop-prod-web-running-tasks"}}
    states = prod.states(at_thirty(15, 15))
    assert states["shop-prod-web-tasks-missing-share"]
    assert not states["shop-prod-web-no-healthy-hosts"]
    # Under 10 minutes it is a deployment's or a scale-out's replacements starting: quiet.
    assert prod.notified(at_thirty(15, 8)) == {"page": set(), "ticket": set()}
    events = Timeline(values(THIRTY), [(0, values({**THIRTY, "RunningTaskCount@web": 15}))])
    assert pages(prod, events, 30) == [(10, "shop-prod-web-down")]


def test_one_of_two_tasks_missing_pages_no_redundancy_left(prod) -> None:  # type: ignore[no-untyped-def]
    """With 2 desired tasks one missing task is half: the one left has no spare, so the
    service-down composite pages."""
    two = {"DesiredTaskCount@web": 2, "RunningTaskCount@web": 2, "HealthyHostCount": 2}
    one = {**two, "RunningTaskCount@web": 1, "HealthyHostCount": 1}
    told = prod.notified(Scenario(values(two), values(one), 15 * 60))
    assert told == {"page": {"shop-prod-web-down"}, "ticket": {"shop-prod-web-running-tasks"}}


def test_a_slow_dependency_pages_through_the_latency_burn_rate(prod) -> None:  # type: ignore[no-untyped-def]
    slow = {"PR": 70.0, "TargetResponseTime": 2.5}  # 30% of responses over 300 ms
    told = prod.notified(scenario(slow, 30))
    assert told["page"] == {"shop-prod-web-latency-burn-1h"}  # the 6h alert waits on it
    assert told["ticket"] == {"shop-prod-web-latency-p99"}
    # 2% slow for two days (twice the 1% budget): the slow burn opens a ticket, no page.
    told = prod.notified(scenario({"PR": 98.0}, 2 * 24 * 60))
    assert told == {"page": set(), "ticket": {"shop-prod-web-latency-burn-3d"}}


def test_a_bad_canary_rolls_back_and_opens_a_ticket(prod) -> None:  # type: ignore[no-untyped-def]
    """The new target group takes 10% and answers half of it with 5xx; ECS rolls back on
    the worst target group's ratio within 3 minutes, before the budget burns."""
    canary = {"RequestCount": RPM * 0.1, "HTTPCode_Target_5XX_Count": RPM * 0.05}
    told = prod.notified(
        scenario({"RequestCount": RPM * 0.9}, 3, alt={**canary, "HealthyHostCount": 1})
    )
    assert told == {"page": set(), "ticket": {"shop-prod-web-5xx-ratio"}}


def test_one_error_in_ten_requests_at_low_traffic_stays_quiet(prod) -> None:  # type: ignore[no-untyped-def]
    quiet = {"RequestCount": 10}
    told = prod.notified(
        Scenario(values(quiet), values({**quiet, "HTTPCode_Target_5XX_Count": 1}), 60)
    )
    assert told == {"page": set(), "ticket": set()}
    # The same 10% at full traffic is an incident.
    told = prod.notified(scenario({"HTTPCode_Target_5XX_Count": RPM * 0.1}, 10))
    assert told["page"] == {"shop-prod-web-availability-burn-1h"}


def timeline(*changes: tuple[float, Mapping[str, Any]]) -> Timeline:
    """Healthy, then each ``(minute, incident)`` from that minute on (HEALTHY with it)."""
    return Timeline(values(), [(minute * 60, values(incident)) for minute, incident in changes])


def pages(stack: Stack, events: Timeline, minutes: int) -> list[tuple[int, str]]:
    return [
        (minute, name) for minute, topic, name in stack.sent(events, minutes) if topic == "page"
    ]


def test_each_new_batch_of_dead_letters_opens_a_ticket(prod) -> None:  # type: ignore[no-untyped-def]
    """SQS does not count the messages it moves to a dead-letter queue in
    NumberOfMessagesSent: the alarm watches the queue's count rise. 3 dead letters at
    minute 0 notify; the alarm returns to OK while they wait, so 2 more at minute 60
    notify again; someone reading one (in flight for its visibility timeout) does not.
    The count alarm it replaces stayed in ALARM and told nobody at minute 60."""
    dlq = "ApproximateNumberOfMessagesVisible@orders-dlq"
    read = "ApproximateNumberOfMessagesNotVisible@orders-dlq"
    events = timeline((0, {dlq: 3}), (30, {dlq: 2, read: 1}), (40, {dlq: 3}), (60, {dlq: 5}))
    sent = prod.sent(events, 90)
    # Within the 5-minute period whose maximum first has them (the model: its middle).
    assert [(t, topic, n) for t, topic, n in sent if "dead-letters" in n] == [
        (3, "ticket", "shop-prod-orders-dead-letters"),
        (63, "ticket", "shop-prod-orders-dead-letters"),
    ]
    assert not prod.states(events.at(50 * 60))["shop-prod-orders-dead-letters"], "3 still wait"


def test_a_total_outage_pages_once_through_service_down(prod) -> None:  # type: ignore[no-untyped-def]
    """Every task gone: the availability burn rate fires first, and waits for the
    service-down composite, which fires within that wait (no healthy host, 2 of 3 minutes):
    one page, service-down's."""
    assert pages(prod, timeline((0, ALL_TASKS_DOWN)), 30) == [(2, "shop-prod-web-down")]
    burn = prod.composites["shop-prod-web-availability-burn-1h"]["actionsSuppressor"]
    assert burn["alarm"] == "shop-prod-web-down"
    assert burn["waitPeriod"] == 180  # no-healthy-hosts: 2 one-minute datapoints, + 1 minute


def test_a_slow_database_pages_without_waiting_ten_minutes(prod) -> None:  # type: ignore[no-untyped-def]
    """Tasks healthy, 30% of responses slow: service-down never fires, so the latency burn
    page waits only the suppressor's detection time (3 minutes) after the burn rate fires,
    not the 10 minutes a fixed wait held it."""
    slow = {"PR": 70.0, "TargetResponseTime": 2.5}
    events = timeline((0, slow))
    burn = "shop-prod-web-latency-burn-1h"
    # 30% slow reaches 14.4× the 1% budget over the hour after 29 minutes (0.3 × 29 / 60).
    fired = next(m for m in range(60) if prod.states(events.at(m * 60))[burn])
    assert fired == 29
    assert pages(prod, events, 60) == [(fired + 3, burn)]  # not fired + 10


def test_a_stopped_queue_consumer_pages_once_over_time(prod) -> None:  # type: ignore[no-untyped-def]
    """mailer stops; the queue backs up. Its no-tasks alarm pages after 5 minutes; the
    backlog composite fires later and finds it in ALARM: one page."""
    stalled = {"RunningTaskCount@mailer": None, "ApproximateAgeOfOldestMessage@orders": None}
    growing = {
        "RunningTaskCount@mailer": None,
        "ApproximateAgeOfOldestMessage@orders": 1800,
        "ApproximateNumberOfMessagesVisible@orders": 200,
    }
    events = timeline((0, stalled), (15, growing))
    assert pages(prod, events, 45) == [(5, "shop-prod-mailer-no-tasks")]
    assert prod.states(events.at(23 * 60))["shop-prod-orders-backlog"], "muted, not quiet"
    backlog = prod.composites["shop-prod-orders-backlog"]["actionsSuppressor"]
    assert backlog["waitPeriod"] == 360  # no-tasks: 5 one-minute datapoints, + 1 minute


def test_a_flapping_crash_loop_may_page_twice(prod) -> None:  # type: ignore[no-untyped-def]
    """Tasks start, pass a health check and die: some host is healthy in every minute, so
    only the 10-minute tasks-missing-share member (2 of 3 tasks missing) sees the outage.
    The burn rate pages after its 3-minute wait, service-down once that member fires: two
    pages (docs/monitoring.md)."""
    flapping = {
        "RunningTaskCount@web": 1,
        "HealthyHostCount": 1,
        "HTTPCode_ELB_5XX_Count": RPM * 0.5,
        "RequestCount": RPM * 0.5,
    }
    assert pages(prod, timeline((0, flapping)), 20) == [
        (5, "shop-prod-web-availability-burn-1h"),  # in ALARM at minute 2, + 3 minutes
        (10, "shop-prod-web-down"),  # tasks-missing-share: 10 of 10 minutes
    ]


def test_a_stopped_consumer_pages_once(prod) -> None:  # type: ignore[no-untyped-def]
    # ECS reports no metric for a service with no running task: RunningTaskCount is missing.
    stalled = {
        "ApproximateAgeOfOldestMessage@orders": 1800,
        "ApproximateNumberOfMessagesVisible@orders": 200,
        "RunningTaskCount@mailer": None,
    }
    told = prod.notified(scenario(stalled, 30))
    # mailer must run (scaling.min 2): its no-tasks alarm pages; the queue's backlog, the
    # same outage, is muted by it (ActionsSuppressor on the backlog composite).
    assert told["page"] == {"shop-prod-mailer-no-tasks"}
    assert told["ticket"] == {"shop-prod-mailer-running-tasks"}  # a worker: not public
    assert prod.states(scenario(stalled, 30))["shop-prod-orders-backlog"]


def test_a_consumer_falling_behind_pages_through_the_backlog(prod) -> None:  # type: ignore[no-untyped-def]
    """mailer runs but cannot keep up: nothing mutes the backlog page."""
    behind = {
        "ApproximateAgeOfOldestMessage@orders": 1800,
        "ApproximateNumberOfMessagesVisible@orders": 50,
    }
    assert prod.notified(scenario(behind, 30)) == {
        "page": {"shop-prod-orders-backlog"},
        "ticket": set(),
    }


def test_an_idle_queue_stays_quiet_and_a_purged_backlog_resolves(prod) -> None:  # type: ignore[no-untyped-def]
    """SQS publishes ApproximateAgeOfOldestMessage only while a message is queued: an idle
    queue has no datapoint. It tells nobody, and a page whose backlog was purged goes back
    to OK (its OK action resolves the page) instead of INSUFFICIENT_DATA."""
    idle = {"ApproximateAgeOfOldestMessage@orders": None}
    assert prod.notified(scenario(idle, 6 * 60)) == {"page": set(), "ticket": set()}
    backlog = values(
        {
            "ApproximateAgeOfOldestMessage@orders": 1800,
            "ApproximateNumberOfMessagesVisible@orders": 50,
        }
    )
    purged = Scenario(backlog, values(idle), 15 * 60)
    assert alarm_state(prod.alarms["shop-prod-orders-oldest-message"], purged) == "OK"
    assert not prod.states(purged)["shop-prod-orders-backlog"]


def test_one_poison_message_opens_the_dead_letter_ticket_and_pages_nobody(prod) -> None:  # type: ignore[no-untyped-def]
    """One message fails every time it is received: with a 750 s visibility timeout it is
    received 5 times, 750 s apart, and moves to the dead-letter queue after 62.5 minutes,
    by then over an hour old (its age counts from when it was sent). Between receives it is
    in flight, not visible; the rest of the queue is served. The age passes 15 minutes, but
    no backlog waits: nothing pages, and the dead letter opens one ticket once it moves.
    (The alarm reads no visibility timeout: the shop's queue's alarm is the same.)"""
    age = "ApproximateAgeOfOldestMessage@orders"
    hidden = "ApproximateNumberOfMessagesNotVisible@orders"
    retried = [(m, {age: m * 60 + 30, hidden: 1}) for m in range(0, 63, 5)]
    moved = {age: None, hidden: 0, "ApproximateNumberOfMessagesVisible@orders-dlq": 1}
    events = timeline(*retried, (63, moved))
    sent = prod.sent(events, 90)
    assert [(topic, n) for _, topic, n in sent] == [("ticket", "shop-prod-orders-dead-letters")]
    assert not prod.states(events.at(50 * 60))["shop-prod-orders-oldest-message"]


def test_a_backlog_pages_once_enough_messages_wait(prod) -> None:  # type: ignore[no-untyped-def]
    """mailer scales on 10 messages per task: an old message with 9 others waiting is not
    yet a backlog; 10 waiting through both 5-minute periods are."""
    old = "ApproximateAgeOfOldestMessage@orders"
    visible = "ApproximateNumberOfMessagesVisible@orders"
    few = prod.notified(scenario({old: 1800, visible: 9}, 30))
    assert few == {"page": set(), "ticket": set()}
    told = prod.notified(scenario({old: 1800, visible: 10}, 30))
    assert told == {"page": {"shop-prod-orders-backlog"}, "ticket": set()}
    alarm = prod.alarms["shop-prod-orders-oldest-message"]
    stats = {q["id"]: q["metric"]["stat"] for q in alarm["metricQueries"] if "metric" in q}
    assert stats == {"age": "Maximum", "visible": "Minimum"}  # visible through each period


@pytest.fixture(scope="module")
def parcel(generated) -> Stack:  # type: ignore[no-untyped-def]
    """The microservices example: gateway (public) calls orders and catalog (gRPC workers
    with callers); dispatcher consumes a queue and scales to zero."""
    return Stack(generated.preview("microservices", "prod"))


# dispatcher scaled to zero on an empty queue; the SPA's distribution answers (CloudFront).
PARCEL_HEALTHY = {
    "RunningTaskCount@dispatcher": None,
    "DesiredTaskCount@dispatcher": 0,
    "5xxErrorRate": 0,
    "4xxErrorRate": 0.5,  # the SPA answers unknown paths with its index and 200
    "Requests": 2000,  # CloudFront requests a minute: its errors alarm judges busy minutes only
}


def test_a_static_site_whose_bucket_refuses_cloudfront_pages(parcel) -> None:  # type: ignore[no-untyped-def]
    """The web SPA's bucket policy no longer admits the distribution (edited by hand, or the
    bucket deleted): S3 answers 403 to every request, /index.html included, so the SPA's
    custom error responses cannot hide it and CloudFront passes the 403 on. No 5xx at all,
    no ECS or load balancer alarm sees it: the site's errors alarm, in us-east-1, pages
    through EventBridge once 5 busy minutes are mostly 4xx."""
    broken = {**PARCEL_HEALTHY, "4xxErrorRate": 100.0}
    name = "parcel-prod-web-errors"
    soon = Scenario(values(PARCEL_HEALTHY), values(broken), 4 * 60)
    assert not state_change(parcel, name, soon), "5 minutes of it, not a blip"
    outage = Scenario(values(PARCEL_HEALTHY), values(broken), 6 * 60)
    assert [n for n, firing in parcel.states(outage).items() if firing] == [name]
    assert parcel.alarms[name]["region"] == "us-east-1"
    told = parcel.notified(outage, state_change(parcel, name, outage))
    assert told == {"page": {name}, "ticket": set()}
    # Bots probing for paths the SPA answers with 200 anyway, or a handful of 404s for
    # missing assets: no page.
    noise = Scenario(values(PARCEL_HEALTHY), values({**PARCEL_HEALTHY, "4xxErrorRate": 8.0}), 3600)
    assert not state_change(parcel, name, noise)


@pytest.mark.parametrize("reported", [0, None], ids=["zero", "no-datapoints"])
def test_a_called_worker_with_no_task_pages(parcel, reported) -> None:  # type: ignore[no-untyped-def]
    """catalog serves gRPC to orders and gateway and no load balancer watches it: with no
    task running (Container Insights reporting 0, or nothing at all) it pages."""
    down = {**PARCEL_HEALTHY, "RunningTaskCount@catalog": reported}
    before = Scenario(values(PARCEL_HEALTHY), values(down), 4 * 60)
    assert parcel.notified(before)["page"] == set(), "a replacement task gets 5 minutes"
    told = parcel.notified(Scenario(values(PARCEL_HEALTHY), values(down), 6 * 60))
    assert told["page"] == {"parcel-prod-catalog-no-tasks"}


def test_a_queue_consumer_scaled_to_zero_stays_quiet(parcel) -> None:  # type: ignore[no-untyped-def]
    """dispatcher (scaling.min 0) has no task while its queue is empty (ECS reports no
    metric for it): nobody is told, and it has no no-tasks alarm at all."""
    quiet = Scenario(values(PARCEL_HEALTHY), values(PARCEL_HEALTHY), 120 * 60)
    assert parcel.notified(quiet) == {"page": set(), "ticket": set()}
    assert "parcel-prod-dispatcher-no-tasks" not in parcel.alarms


def test_a_cache_evicting_with_a_good_hit_rate_stays_quiet(prod) -> None:  # type: ignore[no-untyped-def]
    """Evictions are a cache at its memory limit doing its job: nobody is told while 95% of
    reads still hit. Evicting while 40% of reads miss is a working set that no longer fits."""
    busy = {"Evictions": 500, "DatabaseMemoryUsagePercentage": 70}
    assert prod.notified(scenario(busy, 60)) == {"page": set(), "ticket": set()}
    told = prod.notified(scenario({**busy, "CacheHitRate": 60}, 20))
    assert told == {"page": set(), "ticket": {"shop-prod-cache-evictions"}}


def test_a_busy_redis_engine_opens_a_ticket(prod) -> None:  # type: ignore[no-untyped-def]
    told = prod.notified(scenario({"EngineCPUUtilization": 97}, 20))
    assert told == {"page": set(), "ticket": {"shop-prod-cache-cpu"}}


def test_database_storage_running_out_pages(prod) -> None:  # type: ignore[no-untyped-def]
    told = prod.notified(scenario({"FreeStorageSpace": 1 * GIB}, 10))
    assert told == {"page": {"shop-prod-db-free-storage"}, "ticket": set()}


def _task_stopped(schedule_target: Mapping[str, Any], **detail: Any) -> dict[str, Any]:
    """An ECS Task State Change event (the EventBridge sample's shape) of a task the
    schedule started: its cluster and task definition revision."""
    ecs = schedule_target["ecsParameters"]
    return {
        "version": "0",
        "source": "aws.ecs",
        "detail-type": "ECS Task State Change",
        "account": "123456789012",
        "region": "eu-west-1",
        "detail": {
            "clusterArn": schedule_target["arn"],
            "taskDefinitionArn": ecs["taskDefinitionArn"],
            "lastStatus": "STOPPED",
            "desiredStatus": "STOPPED",
            "group": "family:shop-prod-nightly",
            "stopCode": "EssentialContainerExited",
            "stoppedReason": "Essential container in task exited",
            "containers": [{"name": "nightly", "lastStatus": "STOPPED", "exitCode": 0}],
            **detail,
        },
    }


def test_a_failing_job_opens_a_ticket(prod, generated) -> None:  # type: ignore[no-untyped-def]
    (schedule,) = generated.preview("shop", "prod").of_type("aws:scheduler/schedule:Schedule")
    target = schedule.inputs["target"]
    failed = _task_stopped(target, containers=[{"name": "nightly", "exitCode": 1}])
    not_started = _task_stopped(
        target, stopCode="TaskFailedToStart", containers=[{"name": "nightly"}]
    )
    succeeded = _task_stopped(target)
    other = _task_stopped(
        target,
        taskDefinitionArn=target["ecsParameters"]["taskDefinitionArn"].replace(
            "nightly:", "nightly2:"
        ),
        containers=[{"name": "nightly2", "exitCode": 1}],
    )
    healthy = scenario({}, 10)
    for event in (failed, not_started):
        told = prod.notified(healthy, [event])
        assert told == {"page": set(), "ticket": {"shop-prod-nightly-failed-runs"}}
    assert prod.notified(healthy, [succeeded, other]) == {"page": set(), "ticket": set()}
    description = prod.rules["shop-prod-nightly-failed-runs"]["description"]
    assert len(description) <= 512 and description.endswith("#alarm-failed-runs")


def test_a_failed_run_reaches_the_topic_as_a_cloudwatch_alarm_message(prod, generated) -> None:  # type: ignore[no-untyped-def]
    """PagerDuty's Amazon CloudWatch integration and AWS Chatbot read CloudWatch's alarm
    message (``AlarmName``, ``NewStateValue``...), not an ECS event: the rule's target
    rebuilds one, its description carrying the runbook link."""
    (schedule,) = generated.preview("shop", "prod").of_type("aws:scheduler/schedule:Schedule")
    failed = _task_stopped(
        schedule.inputs["target"],
        containers=[{"name": "nightly", "exitCode": 1}],
        taskArn="arn:aws:ecs:eu-west-1:123456789012:task/shop-prod/0123abcd",
        stoppedReason='Essential container in task exited (a "quoted" <reason>)',
    )
    failed["time"] = "2026-12-07T03:00:05Z"
    published = prod.published(failed)
    assert published["page"] == []
    (message,) = published["ticket"]
    rule = prod.rules["shop-prod-nightly-failed-runs"]
    assert message == {
        "AlarmName": "shop-prod-nightly-failed-runs",
        "AlarmDescription": rule["description"],
        "AWSAccountId": "123456789012",
        "NewStateValue": "ALARM",
        "NewStateReason": "Task arn:aws:ecs:eu-west-1:123456789012:task/shop-prod/0123abcd "
        'stopped: Essential container in task exited (a "quoted" <reason>)',
        "StateChangeTime": "2026-12-07T03:00:05Z",
        # The region's display name in AWS (get_region's description; the mocks' is the code).
        "Region": "eu-west-1",
        "OldStateValue": "OK",
    }
    assert message["AlarmDescription"].endswith("#alarm-failed-runs")


def test_a_hung_job_run_opens_a_ticket(prod) -> None:  # type: ignore[no-untyped-def]
    """ECS has no task timeout: a nightly run still going after an hour opens a ticket;
    a 50-minute run is only slow."""
    running = {"CpuReserved": 512}
    assert prod.notified(scenario(running, 50)) == {"page": set(), "ticket": set()}
    told = prod.notified(scenario(running, 65))
    assert told == {"page": set(), "ticket": {"shop-prod-nightly-long-run"}}


def test_a_schedule_that_stops_firing_opens_a_ticket(prod) -> None:  # type: ignore[no-untyped-def]
    """nightly runs daily: the scheduler reports InvocationAttemptCount only when it tries.
    One missed night (last attempt 47 hours ago) is within twice the gap; two are not."""
    stopped = {"InvocationAttemptCount": None}
    assert prod.notified(scenario(stopped, 47 * 60)) == {"page": set(), "ticket": set()}
    told = prod.notified(scenario(stopped, 49 * 60))
    assert told == {"page": set(), "ticket": {"shop-prod-nightly-missed-runs"}}


def test_non_production_never_pages(dev) -> None:  # type: ignore[no-untyped-def]
    told = dev.notified(scenario(ALL_TASKS_DOWN, 15))
    assert told["page"] == set()
    assert "shop-dev-web-down" in told["ticket"]


def test_the_pattern_model_follows_eventbridge() -> None:
    """The matcher's own rules, on the documented examples: arrays match on any element,
    anything-but needs the field, $or takes any branch."""
    assert matches({"a": [{"anything-but": 0}]}, {"a": [0, 3]})
    assert not matches({"a": [{"anything-but": 0}]}, {"b": 1})
    assert matches({"a": [{"exists": False}]}, {"b": 1})
    assert matches({"x": {"y": [1]}}, {"x": [{"y": 2}, {"y": 1}]})
    assert matches({"$or": [{"a": [1]}, {"b": [2]}]}, {"b": 2})
    assert not matches({"a": [{"prefix": "fam:"}]}, {"a": "fam2:1"})
    assert matches({"n": [{"numeric": [">", 0, "<=", 5]}]}, {"n": 5})


# The full example's `reports` job is marked `on_failure: page`: its reports are due at
# 06:00, so a run that fails, is dropped or hangs must wake someone in production (main);
# in staging the same incidents open tickets. Only its own alarms are judged here (the
# full stack's others have their scenarios elsewhere).
def _reports(generated, env: str) -> tuple[Stack, Mapping[str, Any]]:  # type: ignore[no-untyped-def]
    preview = generated.preview("full", env)
    (schedule,) = [
        s for s in preview.of_type("aws:scheduler/schedule:Schedule") if "reports" in s.name
    ]
    return Stack(preview), schedule.inputs["target"]


def _reports_told(stack: Stack, metrics: Mapping[str, float], minutes: int) -> dict[str, set]:
    """Who hears of the job's alarms once ``metrics`` have held for ``minutes`` (before:
    no run going, nothing dropped, the schedule trying its runs)."""
    quiet = {"InvocationAttemptCount": 1}

    def before(metric: Mapping[str, Any]) -> float | None:
        return quiet.get(metric["metricName"])

    def during(metric: Mapping[str, Any]) -> float | None:
        return {**quiet, **metrics}.get(metric["metricName"])

    got = stack.notified(Scenario(before, during, minutes * 60))
    return {k: {n for n in names if "-reports-" in n} for k, names in got.items()}


@pytest.mark.parametrize(("env", "topic"), [("main", "page"), ("staging", "ticket")])
def test_a_failed_run_of_a_job_marked_to_page_pages_in_production(generated, env, topic) -> None:  # type: ignore[no-untyped-def]
    stack, target = _reports(generated, env)
    rule = f"atlas-{env}-reports-failed-runs"
    region = target["arn"].split(":")[3]  # the cluster's: the stack's region (eu-central-1)

    def stopped(**detail: Any) -> dict[str, Any]:
        event = _task_stopped(target, taskArn=f"{target['arn']}/task/0123abcd", **detail)
        return {**event, "region": region, "time": "2026-12-08T01:15:00Z"}

    published = stack.published(stopped(containers=[{"name": "reports", "exitCode": 1}]))
    assert [m["AlarmName"] for m in published[topic]] == [rule]
    assert [m for t, ms in published.items() if t != topic for m in ms] == []
    not_started = stopped(stopCode="TaskFailedToStart", containers=[{"name": "reports"}])
    assert [m["AlarmName"] for m in stack.published(not_started)[topic]] == [rule]
    succeeded = stopped(containers=[{"name": "reports", "exitCode": 0}])
    assert stack.published(succeeded) == {"page": [], "ticket": []}


@pytest.mark.parametrize("env", ["main", "staging"])
def test_a_successful_run_of_the_jobs_whole_task_tells_nobody(generated, env) -> None:  # type: ignore[no-untyped-def]
    """The event of a good run as ECS sends it for the job's task definition as previewed:
    the job's container exits 0, and ECS stops every other container still running (SIGTERM,
    exit code 143). main runs managed Prometheus: a collector beside the job would be such
    a container, and the rule, which matches any container's exit code (arrays match on any
    element), would report the run as failed. A failed run of the same task still matches."""
    preview = generated.preview("full", env)
    stack, target = _reports(generated, env)
    (task,) = [
        t
        for t in preview.of_type("aws:ecs/taskDefinition:TaskDefinition")
        if "shipspec:aws:ScheduledJob$" in t.urn
    ]
    names = [c["name"] for c in json.loads(task.inputs["containerDefinitions"])]
    assert names[0] == "reports"

    def run(code: int) -> dict[str, Any]:
        containers = [{"name": n, "exitCode": code if n == "reports" else 143} for n in names]
        event = _task_stopped(
            target, containers=containers, taskArn=f"{target['arn']}/task/0123abcd"
        )
        return {**event, "region": target["arn"].split(":")[3], "time": "2026-12-08T01:15:00Z"}

    assert stack.published(run(0)) == {"page": [], "ticket": []}
    topic = "page" if env == "main" else "ticket"
    assert [m["AlarmName"] for m in stack.published(run(1))[topic]] == [
        f"atlas-{env}-reports-failed-runs"
    ]


@pytest.mark.parametrize(("env", "topic"), [("main", "page"), ("staging", "ticket")])
def test_a_hung_or_dropped_run_of_a_job_marked_to_page_pages_there(generated, env, topic) -> None:  # type: ignore[no-untyped-def]
    """A reports run still going after an hour misses the 06:00 cut-off as surely as a
    failed one; so does a run the scheduler dropped after its retries."""
    stack, _ = _reports(generated, env)
    other = "ticket" if topic == "page" else "page"
    assert _reports_told(stack, {"CpuReserved": 512}, 50) == {"page": set(), "ticket": set()}
    hung = _reports_told(stack, {"CpuReserved": 512}, 65)
    assert hung == {topic: {f"atlas-{env}-reports-long-run"}, other: set()}
    dropped = _reports_told(stack, {"InvocationDroppedCount": 1}, 5)
    assert dropped == {topic: {f"atlas-{env}-reports-failed-invocations"}, other: set()}


@pytest.fixture(scope="module")
def meter(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    """test_nlb_tls's spec: gateway (public ``tls``) and relay (public ``tcp``, ``app_tls``),
    each behind its own Network Load Balancer, named <service>.meter.example.com in prod;
    no ALB, so no domain check."""
    from .discovery_support import generate_and_preview
    from .test_nlb_tls import SPEC

    root = tmp_path_factory.mktemp("meter-alerts")
    (root / "handoff.yaml").write_text(SPEC, encoding="utf-8")
    return Stack(generate_and_preview(root / "handoff.yaml", root / "out", "prod"))


NLB_HEALTHY = {"ActiveFlowCount": 40, "NewFlowCount": 100, "TCP_ELB_Reset_Count": 0}


def _nlb_values(overrides: Mapping[str, Any]) -> Any:
    table = {**HEALTHY, **NLB_HEALTHY, **overrides}

    def value(metric: Mapping[str, Any]) -> float | None:
        got = table.get(metric["metricName"])
        return got(metric) if callable(got) else got

    return value


def test_a_tcp_service_s_name_deleted_pages_from_route_53(meter) -> None:  # type: ignore[no-untyped-def]
    """gateway.meter.example.com's record deleted while its tasks stay healthy: no alarm of
    the stack's region sees it; the TCP health check's alarm, in us-east-1, pages through
    EventBridge, and only gateway's."""
    name = "meter-prod-gateway-health-check"
    alarm = meter.alarms[name]
    assert alarm["region"] == "us-east-1"
    [query] = alarm["metricQueries"]
    gateway = query["metric"]["dimensions"]
    # Clients cannot connect to gateway; its tasks stay running and healthy behind the NLB.
    unreachable = {"HealthCheckStatus": lambda m: 0 if m["dimensions"] == gateway else 1}
    outage = Scenario(_nlb_values({}), _nlb_values(unreachable), 10 * 60)
    assert meter.notified(outage) == {"page": set(), "ticket": set()}, "the NLB sees nothing"
    assert [n for n, firing in meter.states(outage).items() if firing] == [name]
    told = meter.notified(outage, state_change(meter, name, outage))
    assert told == {"page": {name}, "ticket": set()}
    # One failing minute is not enough (2 of 3), and relay's check stays healthy.
    early = Scenario(_nlb_values({}), _nlb_values(unreachable), 60)
    assert not state_change(meter, name, early)
    assert not state_change(meter, "meter-prod-relay-health-check", outage)


def test_a_healthy_tcp_service_tells_nobody(meter) -> None:  # type: ignore[no-untyped-def]
    healthy = Scenario(_nlb_values({}), _nlb_values({}), 60 * 60)
    assert meter.notified(healthy) == {"page": set(), "ticket": set()}
    for name in ("meter-prod-gateway-health-check", "meter-prod-relay-health-check"):
        assert not state_change(meter, name, healthy)
