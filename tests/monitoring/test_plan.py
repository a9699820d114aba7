"""The monitoring model: burn-rate arithmetic, SLO derivation, routing and CloudWatch alarms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipspec.plan.datastore_alarms import max_connections
from shipspec.plan.monitoring import (
    BURN_RATE_WINDOWS,
    MetricConvention,
    budget_spent_percent,
    error_budget,
    seconds,
)
from shipspec.plan.observability import plan_monitoring
from shipspec.plan.planner import plan
from shipspec.render.renderer import render
from shipspec.spec.loader import loads
from tests.conftest import ROOT
from tests.monitoring.monitoring_support import (
    EXAMPLES,
    model_from,
    model_of,
    otel_prometheus_labels,
)

SPEC = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {{name: demo, owner: team}}
cloud: {{region: eu-west-1}}
environments: {{dev: {{}}, prod: {{}}}}
services:
  web: {{type: web, image: x/web:1, port: 8080, public: true}}
  admin: {{type: web, image: x/admin:1, port: 8080}}
  worker: {{type: worker, image: x/worker:1, uses: [jobs]}}
datastores:
  jobs: {{engine: sqs}}
requirements: {{availability: {availability}}}
observability: {observability}
"""


def demo(observability: str = "{}", availability: float = 99.9):
    return model_from(SPEC.format(observability=observability, availability=availability))


def test_error_budget_is_exact_in_decimal() -> None:
    assert error_budget(99.9) == 0.001
    assert error_budget(99.95) == 0.0005
    assert error_budget(99.999) == 0.00001
    assert error_budget(90) == 0.1


def test_the_workbook_alert_set_spends_2_5_10_and_10_percent() -> None:
    spent = {long: budget_spent_percent(rate, long) for _, long, _, rate in BURN_RATE_WINDOWS}
    assert spent == {"1h": 2, "6h": 5, "1d": 10, "3d": 10}
    # the short window is a twelfth of the long one
    assert all(seconds(long) == 12 * seconds(short) for _, long, short, _ in BURN_RATE_WINDOWS)


@given(st.floats(min_value=93.76, max_value=99.999))
def test_every_alert_threshold_is_burn_rate_times_budget(objective: float) -> None:
    objective = round(objective, 3)
    slo = demo(f"{{slos: [{{service: web, objective: {objective}, sli: availability}}]}}")
    monitor = slo.monitoring.slos[0]
    assert [a.long_window for a in monitor.alerts] == ["1h", "6h", "1d", "3d"]
    for alert in monitor.alerts:
        assert alert.error_ratio == pytest.approx(alert.burn_rate * (100 - objective) / 100)
        assert alert.severity == ("page" if alert.long_window in ("1h", "6h") else "ticket")


def test_a_burn_that_would_need_more_errors_than_requests_is_dropped() -> None:
    model = demo("{slos: [{service: web, objective: 90, sli: availability}]}")
    monitor = model.monitoring.slos[0]
    # 14.4 × 10% = 144% of requests failing: the page can never fire, so it is not written
    assert [a.long_window for a in monitor.alerts] == ["6h", "1d", "3d"]
    dropped = model.monitoring.decision("monitoring.slos.web-availability.alerts.1h")
    assert dropped.value is None and "more than every request" in dropped.reason


def test_without_slos_each_public_web_service_gets_one_at_the_required_availability() -> None:
    model = demo(availability=99.95)
    slos = model.monitoring.slos
    assert [(s.name, s.objective, s.source) for s in slos] == [
        ("web-availability", 99.95, "default")
    ]
    assert "requirements.availability 99.95%" in model.monitoring.decision("monitoring.slos").reason


def test_an_slo_on_a_worker_is_reported_not_monitored() -> None:
    model = demo("{slos: [{service: worker, objective: 99, sli: availability}]}")
    assert model.monitoring.slos == []
    assert (
        "serves no HTTP" in model.monitoring.decision("monitoring.slos.worker-availability").reason
    )


@pytest.mark.parametrize(
    ("threshold_ms", "le", "words"),
    [
        (250, 0.25, "is a default bucket boundary"),
        (400, 0.4, "give the histogram a 0.4 boundary"),
        (1, 0.001, "give the histogram a 0.001 boundary"),
    ],
)
def test_latency_threshold_is_the_bucket_boundary(threshold_ms, le, words) -> None:
    """A boundary below the threshold would count 250-400 ms responses, which meet a
    400 ms SLO, as bad: the SLI counts as fast exactly what the spec promises."""
    model = demo(
        f"{{slos: [{{service: web, objective: 99, sli: latency, threshold_ms: {threshold_ms}}}]}}"
    )
    monitor = model.monitoring.slos[0]
    assert monitor.bucket_le == le
    assert words in model.monitoring.decision("monitoring.slos.web-latency.bucket_le").reason


def test_a_millisecond_histogram_is_matched_in_its_own_unit() -> None:
    spec = SPEC.format(
        observability="{slos: [{service: web, objective: 99, sli: latency, threshold_ms: 300}]}",
        availability=99.9,
    )
    loaded = loads(spec)
    envs = plan(loaded).environments
    ms = MetricConvention(
        histogram="http_server_duration_milliseconds",
        seconds_per_unit=0.001,
        buckets=(100, 250, 300, 500),
    )
    assert plan_monitoring(loaded, envs, ms).slos[0].bucket_le == 300


def test_routing_sends_pages_and_tickets_to_the_alert_email() -> None:
    routing = demo("{alert_email: ops@example.org}").monitoring.routing
    assert (routing.page.email, routing.ticket.email) == ("ops@example.org", "ops@example.org")
    assert routing.smtp_from == "alertmanager@example.org"
    assert routing.page.repeat_interval == "1h" and routing.ticket.repeat_interval == "1d"
    assert demo().monitoring.routing.page.email is None


def test_non_production_alarms_never_page() -> None:
    for example in EXAMPLES:
        model = model_of(example)
        for env in model.environments:
            alarms = model.monitoring.alarms[env.name]
            paging = [a.name for a in alarms.alarms if a.pages] + [
                c.name for c in alarms.composites if c.pages
            ]
            if env.production:
                assert paging, f"{example}/{env.name}: production must page on something"
            else:
                assert paging == [], f"{example}/{env.name} pages: {paging}"


def test_shop_production_alarm_set() -> None:
    alarms = model_of("shop").monitoring.alarms["prod"]
    by_check = {(a.target, a.check): a for a in alarms.alarms}
    web = by_check[("service:web", "5xx-ratio")]
    # web has an availability SLO, whose burn-rate alarm pages: the 5xx alarm rolls back
    # deployments and opens a ticket, so one incident pages once.
    assert (web.threshold, web.pages, web.rollback) == (1.44, False, True)
    assert any(c.pages and c.target == "slo:web-availability" for c in alarms.composites)
    # The load balancer's own 5xx count (web is alone on it), and only over 100+ requests
    # a minute (1% of 900 rps × 60, capped at 100).
    assert web.expression == (
        "IF(FILL(requests, 0) + FILL(elb_errors, 0) >= 100, 100 * (FILL(errors, 0) + "
        "FILL(elb_errors, 0)) / (FILL(requests, 0) + FILL(elb_errors, 0)), 0)"
    )
    assert [m.metric_name for m in web.metrics][-1] == "HTTPCode_ELB_5XX_Count"
    assert web.metrics[-1].dimensions == {"LoadBalancer": "load_balancer:public"}
    # A public service's outage pages once, through the service-down composite: no healthy
    # target, or half the desired tasks or more missing.
    down = next(c for c in alarms.composites if c.check == "down")
    assert down.pages and down.rule == (
        'ALARM("shop-prod-web-no-healthy-hosts") OR ALARM("shop-prod-web-tasks-missing-share")'
    )
    for member in down.members:
        assert alarms.alarm(member).pages and not alarms.alarm(member).notify
    share = by_check[("service:web", "tasks-missing-share")]
    assert share.expression == "IF(desired > 0, 100 * (desired - FILL(running, 0)) / desired, 0)"
    assert (share.threshold, share.comparison) == (50, "GreaterThanOrEqualToThreshold")
    assert (share.period_seconds, share.evaluation_periods, share.datapoints_to_alarm) == (
        60,
        10,
        10,
    )
    assert [m.metric_name for m in share.metrics] == ["RunningTaskCount", "DesiredTaskCount"]
    # Any task missing is a ticket for every service, public or not: reduced capacity.
    for service in ("service:web", "service:mailer"):
        running = by_check[(service, "running-tasks")]
        assert (running.pages, running.notify) == (False, True)
    assert ("service:mailer", "tasks-missing-share") not in by_check  # no down composite
    # ...but a worker that must run (scaling.min >= 1) pages when none of its tasks runs,
    # counting missing data as breaching: ECS reports nothing for a service without tasks.
    no_tasks = by_check[("service:mailer", "no-tasks")]
    assert (no_tasks.pages, no_tasks.treat_missing_data, no_tasks.threshold) == (
        True,
        "breaching",
        1,
    )
    assert ("service:web", "no-tasks") not in by_check  # its down composite covers it
    latency = by_check[("service:web", "latency-p99")]
    assert (latency.statistic, latency.threshold, latency.pages) == ("p99", 0.3, False)
    assert by_check[("service:web", "unhealthy-hosts")].comparison == "GreaterThanThreshold"
    for service in ("service:web", "service:mailer"):
        assert {"cpu", "memory", "running-tasks"} <= {c for t, c in by_check if t == service}
    assert ("service:nightly", "cpu") not in by_check  # a job has no ECS service
    assert by_check[("job:nightly", "failed-invocations")].metrics[0].namespace == "AWS/Scheduler"
    assert by_check[("datastore:orders", "oldest-message")].pages
    assert not by_check[("datastore:orders", "dead-letters")].pages
    storage = by_check[("datastore:db", "free-storage")]
    # autoscaling to 100 GB acts at 10% free; the alarm is for when it could not: 5% of 50 GiB
    assert (storage.comparison, storage.threshold, storage.pages) == (
        "LessThanThreshold",
        2.5 * 2**30,
        True,
    )
    assert by_check[("datastore:db", "connections")].threshold == int(
        max_connections("postgres", "db.m7g.large") * 0.8
    )
    assert {"memory", "cpu", "evictions"} == {c for t, c in by_check if t == "datastore:cache"}
    evictions = by_check[("datastore:cache", "evictions")]
    # Evictions alone are a cache at its limit: only a high miss rate makes them a ticket.
    assert evictions.expression == "IF(FILL(evictions, 0) > 0, 100 - hitrate, 0)"
    assert (evictions.threshold, evictions.pages) == (20, False)


def test_burn_rate_alarms_pair_a_long_and_a_short_window() -> None:
    alarms = model_of("shop").monitoring.alarms["prod"]
    composites = {c.check: c for c in alarms.composites if c.target == "slo:web-availability"}
    assert set(composites) == {"burn-1h", "burn-6h", "burn-1d", "burn-3d"}
    fast = composites["burn-1h"]
    members = [alarms.alarm(name) for name in fast.members]
    assert [m.period_seconds for m in members] == [3600, 300]
    assert all(m.threshold == 0.0144 and not m.notify and not m.pages for m in members)
    assert fast.rule == " AND ".join(f'ALARM("{m.name}")' for m in members)
    assert fast.pages and not composites["burn-1d"].pages
    # CloudWatch: period × evaluations ≤ 7 days, ≤ 1 day below an hour's period
    for a in alarms.alarms:
        limit = 86400 if a.period_seconds < 3600 else 7 * 86400
        assert a.period_seconds % 60 == 0 and a.period_seconds * a.evaluation_periods <= limit
    assert fast.suppressed_by == "shop-prod-web-down" and not composites["burn-1d"].suppressed_by
    # Outside production: no burn rates, and the service-down composite only notifies.
    dev = model_of("shop").monitoring.alarms["dev"].composites
    assert [(c.check, c.pages) for c in dev] == [("down", False)]


def test_a_muted_alarm_waits_only_as_long_as_its_suppressor_takes_to_fire() -> None:
    """CloudWatch holds a muted alarm's actions up to ActionsSuppressorWaitPeriod for the
    suppressor to go to ALARM: per suppressor, the time its fastest member needs (its
    datapoints' periods and one more for the last to arrive), not a fixed 10 minutes."""
    alarms = model_of("shop").monitoring.alarms["prod"]
    composites = {c.name: c for c in alarms.composites}
    down = composites["shop-prod-web-down"]
    # no-healthy-hosts: 2 of 3 one-minute periods (3 minutes); tasks-missing-share: 10 (11).
    fastest = alarms.alarm("shop-prod-web-no-healthy-hosts")
    assert (fastest.period_seconds, fastest.datapoints_to_alarm) == (60, 2)
    assert alarms.alarm("shop-prod-web-tasks-missing-share").datapoints_to_alarm == 10
    muted = [c for c in alarms.composites if c.suppressed_by == down.name]
    muted += [a for a in alarms.alarms if a.suppressed_by == down.name]
    assert {"shop-prod-web-availability-burn-1h", "shop-prod-web-latency-burn-1h"} <= {
        m.name for m in muted
    }
    assert {m.suppress_wait_seconds for m in muted} == {180}
    # The backlog page waits for mailer's no-tasks alarm: 5 one-minute periods, + 1.
    backlog = composites["shop-prod-orders-backlog"]
    assert (backlog.suppressed_by, backlog.suppress_wait_seconds) == (
        "shop-prod-mailer-no-tasks",
        360,
    )
    # Nothing muted, nothing to wait for.
    assert all(c.suppress_wait_seconds is None for c in alarms.composites if not c.suppressed_by)


def test_a_new_dead_letter_notifies_even_while_older_ones_wait() -> None:
    """The dead-letter alarm watches the DLQ's count rise (NumberOfMessagesSent misses the
    messages SQS moves there), visible and in flight, so it returns to OK between batches."""
    alarm = model_of("shop").monitoring.alarms["prod"].alarm("shop-prod-orders-dead-letters")
    assert [(m.id, m.metric_name) for m in alarm.metrics] == [
        ("visible", "ApproximateNumberOfMessagesVisible"),
        ("hidden", "ApproximateNumberOfMessagesNotVisible"),
    ]
    assert {m.dimensions["QueueName"] for m in alarm.metrics} == {"datastore:orders.dead_letter"}
    assert alarm.expression == "DIFF(FILL(visible, 0) + FILL(hidden, 0))"
    assert (alarm.threshold, alarm.comparison, alarm.pages) == (0, "GreaterThanThreshold", False)


def test_latency_slo_burns_on_the_share_of_slow_responses() -> None:
    alarms = model_of("shop").monitoring.alarms["prod"]
    fast = next(c for c in alarms.composites if c.name == "shop-prod-web-latency-burn-1h")
    assert fast.pages and fast.suppressed_by == "shop-prod-web-down"
    long, short = (alarms.alarm(m) for m in fast.members)
    assert (long.period_seconds, short.period_seconds) == (3600, 300)
    assert long.metrics[0].statistic == "PR(:0.3)"  # % of responses at most 300 ms
    assert long.expression == "IF(FILL(requests, 0) >= 100, (100 - FILL(fast, 100)) / 100, 0)"


def test_minimum_request_count_follows_traffic() -> None:
    from shipspec.plan.alarms import min_requests

    assert min_requests(None)[0] == 20
    assert min_requests(10)[0] == 20  # 6 requests in 1% of a peak minute: the floor
    assert min_requests(50)[0] == 30
    assert min_requests(900)[0] == 100
    assert model_of("minimal").monitoring.decision("alarms.prod.min_requests").value == 20


def test_a_failing_job_opens_a_ticket_in_every_environment() -> None:
    for env, alarms in model_of("shop").monitoring.alarms.items():
        assert [(j.job, j.pages) for j in alarms.job_failures] == [("nightly", False)], env


def test_alarm_names_are_unique_per_environment() -> None:
    for example in EXAMPLES:
        for env, alarms in model_of(example).monitoring.alarms.items():
            names = [a.name for a in alarms.alarms] + [c.name for c in alarms.composites]
            assert len(names) == len(set(names)), f"{example}/{env}"


def test_max_connections_follows_the_rds_formula() -> None:
    assert max_connections("postgres", "db.t4g.medium") == int(4 * 2**30 * 0.9 / 9531392)
    assert max_connections("mysql", "db.t4g.medium") == int(4 * 2**30 * 0.9 / 12582880)
    assert max_connections("postgres", "db.x9.huge") is None


def test_the_plan_is_deterministic() -> None:
    assert model_of("shop").monitoring == model_of("shop").monitoring


def test_without_an_availability_slo_the_5xx_alarm_is_what_pages() -> None:
    planned = model_of("minimal")
    assert planned.monitoring.slos == [] or all(
        s.sli != "availability" for s in planned.monitoring.slos
    )
    for env in planned.environments:
        alarms = {(a.target, a.check): a for a in planned.monitoring.alarms[env.name].alarms}
        five_xx = [a for (t, c), a in alarms.items() if c == "5xx-ratio"]
        assert five_xx and all(a.pages is env.alarms_page for a in five_xx)
        # A muted 5xx rollback alarm waits for service-down's fastest member (3 minutes).
        for a in five_xx:
            assert a.suppress_wait_seconds == (180 if a.suppressed_by else None), a.name


def test_every_task_names_itself_to_opentelemetry_as_the_rules_select_it() -> None:
    model = model_of("shop")
    for env in model.environments:
        for s in env.services:
            assert s.env["OTEL_SERVICE_NAME"] == f"shop-{s.name}"
            assert s.env["OTEL_RESOURCE_ATTRIBUTES"] == (
                f"service.namespace=shop,deployment.environment.name={env.name}"
            )
    selector = model.monitoring.slo("web-availability").selector
    assert selector == otel_prometheus_labels(model.production.service("web").env)
    assert selector == {"job": "shop/shop-web", "deployment_environment_name": "prod"}


def test_a_tcp_service_behind_its_own_nlb_pages_when_down() -> None:
    """An internal TCP service (full's `ingest`, syslog over TLS) fails everyone who connects
    when no target is healthy or its tasks crash-loop: a service-down composite pages in
    production (an NLB fails open, so its callers see failed connections, not 503s); the
    per-service no-tasks alarm is then not needed."""
    model = plan(loads((ROOT / "examples" / "full.yaml").read_text(), "full.yaml"))
    alarms = model.monitoring.alarms["main"]
    down = next(c for c in alarms.composites if c.name == "atlas-main-ingest-down")
    assert down.pages
    assert down.members == [
        "atlas-main-ingest-no-healthy-hosts",
        "atlas-main-ingest-tasks-missing-share",
    ]
    for member in down.members:  # an internal NLB service's members page through it too
        assert alarms.alarm(member).pages and not alarms.alarm(member).notify
    running = alarms.alarm("atlas-main-ingest-running-tasks")
    assert (running.pages, running.notify) == (False, True)
    names = {a.name for a in alarms.alarms}
    assert "atlas-main-ingest-no-tasks" not in names
    assert not next(
        c for c in model.monitoring.alarms["dev"].composites if c.name == "atlas-dev-ingest-down"
    ).pages


BROKER_SPEC = """
apiVersion: shipspec/v1
kind: Handoff
metadata: {{name: demo, owner: team}}
cloud: {{region: eu-west-1}}
environments: {{staging: {{}}, prod: {{}}}}
services:
  api: {{type: web, image: x/api:1, port: 8080, public: true, uses: [{api}]}}
  mailer: {{type: worker, image: x/mailer:1, uses: [{mailer}]}}
  report: {{type: job, image: x/report:1, schedule: "rate(1 day)",
           uses: [{{name: mq, access: consume}}]}}
datastores:
  mq: {{engine: rabbitmq}}
"""


@pytest.mark.parametrize(
    ("api", "mailer", "told", "handoff"),
    [
        # The API publishes, the mailer consumes: a mailer whose channel closed pages.
        ("{name: mq, access: produce}", "{name: mq, access: consume}", "page", "mailer\ndeclares"),
        # Nobody says: the API may only publish, so the broker-wide count may be 0 by design.
        ("mq", "mq", "ticket", "api, mailer\nuse the broker without `access`"),
        # Both only publish (the job consumes once a day): ConsumerCount is 0 all night, quietly.
        ("{name: mq, access: produce}", "{name: mq, access: produce}", None, "No `no-consumers`"),
    ],
)
def test_a_broker_pages_on_no_consumers_only_when_a_service_says_it_consumes(
    api: str, mailer: str, told: str | None, handoff: str
) -> None:
    """A web API that only publishes keeps the broker's ConsumerCount at 0 from the first
    deploy: paging on it would wake on-call every night for nothing."""
    model = model_from(BROKER_SPEC.format(api=api, mailer=mailer))
    found = {
        env: {a.check: a for a in alarms.alarms if a.target == "datastore:mq"}
        for env, alarms in model.monitoring.alarms.items()
    }
    if told is None:
        assert "no-consumers" not in found["prod"] and "no-consumers" not in found["staging"]
    else:
        assert found["prod"]["no-consumers"].pages is (told == "page")
        assert found["staging"]["no-consumers"].pages is False  # never pages outside prod
    files = dict(render(model, only=["docs"]))
    assert handoff in files["docs/operations/handoff.md"]
