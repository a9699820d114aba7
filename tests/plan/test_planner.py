"""The planner's decisions: topology, datastores, routing, strategy, alarms, retention.

Small inline specs, one rule at a time; then the properties every plan has: each derived
value has a Decision whose value matches the model and whose reason is not empty, and
the same spec always gives the same model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import shipspec
from shipspec.plan.model import DeploymentModel, EnvironmentPlan
from shipspec.plan.planner import is_production, plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEADER = """\
apiVersion: shipspec/v1
kind: Handoff
metadata: {name: app, owner: team-app}
cloud: {region: eu-west-1}
"""
WEB = "  web: {type: web, image: x:1, port: 80, public: true}\n"


def model(
    services: str = WEB,
    *,
    environments: str = "{dev: {}, prod: {}}",
    availability: float = 99.9,
    extra: str = "",
) -> DeploymentModel:
    text = (
        HEADER
        + f"environments: {environments}\n"
        + f"services:\n{services}"
        + f"requirements:\n  availability: {availability}\n"
        + extra
    )
    return plan(shipspec.loads(text))


def envs(**kwargs: object) -> tuple[EnvironmentPlan, EnvironmentPlan]:
    planned = model(**kwargs)  # type: ignore[arg-type]
    return planned.environment("dev"), planned.environment("prod")


# Network ---------------------------------------------------------------------------


@pytest.mark.parametrize(("availability", "azs"), [(99.5, 2), (99.9, 2), (99.95, 3)])
def test_one_nat_in_non_production_one_per_az_in_production(availability: float, azs: int) -> None:
    dev, prod = envs(availability=availability)
    assert (dev.network.az_count, dev.network.nat_gateway_count) == (2, 1)
    assert (prod.network.az_count, prod.network.nat_gateway_count) == (azs, azs)


def test_interface_endpoints_only_in_production() -> None:
    dev, prod = envs()
    assert dev.network.interface_endpoints == []
    assert set(prod.network.interface_endpoints) == {"ecr.api", "ecr.dkr", "logs", "secretsmanager"}


# Datastores ------------------------------------------------------------------------

DB = "datastores:\n  db: {engine: postgres, storage_gb: 100, backup_days: 21}\n"
USES_DB = "  web: {type: web, image: x:1, port: 80, uses: [db]}\n"


@pytest.mark.parametrize(
    ("availability", "klass", "multi_az"),
    [(99.5, "db.t4g.medium", False), (99.9, "db.t4g.medium", True), (99.95, "db.m7g.large", True)],
)
def test_database_by_availability_in_production(
    availability: float, klass: str, multi_az: bool
) -> None:
    prod = model(USES_DB, availability=availability, extra=DB).environment("prod")
    db = prod.datastore("db")
    assert (db.instance_class, db.multi_az) == (klass, multi_az)
    assert (db.storage_gb, db.max_storage_gb) == (100, 200)
    assert (db.backup_days, db.deletion_protection) == (21, True)
    assert db.used_by == ["web"]


def test_database_in_non_production_is_small_and_disposable() -> None:
    dev = model(USES_DB, availability=99.99, extra=DB).environment("dev")
    db = dev.datastore("db")
    # No storage autoscaling is max_storage_gb 0: RDS refuses a ceiling equal to the size.
    assert (db.instance_class, db.multi_az, db.storage_gb, db.max_storage_gb) == (
        "db.t4g.micro",
        False,
        20,
        0,
    )
    assert (db.backup_days, db.deletion_protection) == (1, False)


def test_database_defaults_in_production() -> None:
    prod = model(USES_DB, extra="datastores:\n  db: {engine: mysql}\n").environment("prod")
    db = prod.datastore("db")
    assert (db.version, db.storage_gb, db.backup_days) == ("8.0", 20, 7)


@pytest.mark.parametrize(("availability", "replicas"), [(99.5, 0), (99.9, 1), (99.95, 2)])
def test_redis_replicas_follow_the_azs_in_production(availability: float, replicas: int) -> None:
    planned = model(extra="datastores:\n  cache: {engine: redis}\n", availability=availability)
    cache = planned.environment("prod").datastore("cache")
    assert (cache.replicas, cache.multi_az) == (replicas, replicas > 0)
    assert planned.environment("dev").datastore("cache").replicas == 0


def test_buckets_and_queues() -> None:
    extra = (
        "datastores:\n  files: {engine: s3}\n  jobs: {engine: sqs}\n"
        "  mail: {engine: sqs, dead_letter: false}\n"
    )
    dev, prod = envs(extra=extra)
    assert (dev.datastore("files").force_destroy, prod.datastore("files").force_destroy) == (
        True,
        False,
    )
    assert prod.datastore("files").versioning
    assert (prod.datastore("jobs").dead_letter, prod.datastore("mail").dead_letter) == (True, False)


# Load balancers and routing ----------------------------------------------------------

MIXED = (
    "  web: {type: web, image: x:1, port: 80, public: true}\n"
    "  api: {type: web, image: x:1, port: 81, public: true}\n"
    "  admin: {type: web, image: x:1, port: 82}\n"
    "  ops: {type: web, image: x:1, port: 83}\n"
    "  worker: {type: worker, image: x:1}\n"
)


def test_web_services_join_the_balancer_their_visibility_asks_for() -> None:
    prod = model(MIXED).environment("prod")
    balancers = {b.name: b for b in prod.load_balancers}
    assert (balancers["public"].services, balancers["public"].internet_facing) == (
        ["web", "api"],
        True,
    )
    assert (balancers["internal"].services, balancers["internal"].internet_facing) == (
        ["admin", "ops"],
        False,
    )
    assert prod.service("worker").load_balancer is None
    assert {b.deletion_protection for b in balancers.values()} == {True}


def test_routing_gives_the_first_service_of_each_balancer_the_catch_all() -> None:
    prod = model(MIXED).environment("prod")
    routes = {s.name: (s.listener_priority, s.path_patterns) for s in prod.services}
    assert routes == {
        "web": (50000, ["/*"]),
        "api": (110, ["/api", "/api/*"]),
        "admin": (50000, ["/*"]),
        "ops": (110, ["/ops", "/ops/*"]),
        "worker": (None, []),
    }


def test_only_web_services_behind_no_balancer_means_none() -> None:
    prod = model("  worker: {type: worker, image: x:1}\n").environment("prod")
    assert prod.load_balancers == []


@pytest.mark.parametrize(
    ("environment", "https", "zone"),
    [
        ("{domain: shop.example.com}", True, "example.com"),
        ("{domain: example.com}", True, "example.com"),
        ("{domain: a.b.example.co.uk, hosted_zone: example.co.uk}", True, "example.co.uk"),
        ("{}", False, None),
    ],
)
def test_https_and_its_zone_come_with_a_domain(
    environment: str, https: bool, zone: str | None
) -> None:
    prod = model(MIXED, environments=f"{{prod: {environment}}}").environment("prod")
    public = next(b for b in prod.load_balancers if b.name == "public")
    internal = next(b for b in prod.load_balancers if b.name == "internal")
    assert (public.https, public.hosted_zone) == (https, zone)
    # Production with a domain: the internal ALB serves HTTPS on internal.<domain>, with a
    # public certificate validated in the same public zone.
    assert (internal.https, internal.hosted_zone) == (https, zone)
    assert internal.domain == (f"internal.{public.domain}" if https else None)


def test_waf_only_on_the_public_balancer_when_asked() -> None:
    prod = model(MIXED, extra="  security: {waf: true}\n").environment("prod")
    assert {b.name: b.waf for b in prod.load_balancers} == {"public": True, "internal": False}


def test_only_a_load_balancer_with_a_web_acl_watches_its_rate_limit_blocks() -> None:
    """403s from WAF are no 5xx: a ticket on the rate-limit rule's sustained blocks, for
    the public ALB's ACL only, never a page (an attack blocked is the rule working)."""
    planned = model(MIXED, extra="  security: {waf: true}\n")
    waf = [a for a in planned.monitoring.alarms["prod"].alarms if a.check == "waf-rate-limit"]
    assert [a.target for a in waf] == ["load_balancer:public"]
    [alarm] = waf
    [metric] = alarm.metrics
    assert (metric.namespace, metric.metric_name, metric.statistic) == (
        "AWS/WAFV2",
        "BlockedRequests",
        "Sum",
    )
    assert metric.dimensions == {
        "WebACL": "load_balancer:public.waf_acl",
        "Rule": "load_balancer:public.waf_rate_rule",
        "Region": "load_balancer:public.region",
    }
    assert (alarm.threshold, alarm.period_seconds, alarm.evaluation_periods) == (0, 300, 3)
    assert alarm.datapoints_to_alarm == 3 and alarm.treat_missing_data == "notBreaching"
    assert alarm.pages is False and alarm.runbook.endswith("#alarm-waf")
    without = model(MIXED).monitoring.alarms["prod"].alarms
    assert not [a for a in without if a.check == "waf-rate-limit"]


@pytest.mark.parametrize(
    ("performance", "limit"),
    [
        ("", 2000),  # no peak: the 2,000 every ACL had (6.7 rps per IP)
        ("  performance: {peak_rps: 50}\n", 2000),  # a tenth of 15,000 is less
        ("  performance: {peak_rps: 1500}\n", 45000),  # 1500 × 300 / 10: 150 rps per IP
    ],
)
def test_the_rate_limit_lets_a_shared_nat_carry_a_tenth_of_the_peak(
    performance: str, limit: int
) -> None:
    """140 offices behind one NAT at a 1,500 rps peak would all be blocked at 2,000 per 5
    minutes: the limit is a tenth of the peak's 5 minutes when that is more, a decision
    with its reason, and the program reads it from the stack config."""
    planned = model(MIXED, extra="  security: {waf: true}\n" + performance)
    prod = planned.environment("prod")
    public = next(b for b in prod.load_balancers if b.name == "public")
    internal = next(b for b in prod.load_balancers if b.name == "internal")
    assert (public.waf_rate_limit, internal.waf_rate_limit) == (limit, None)
    decision = prod.decision("load_balancers.public.waf_rate_limit")
    assert decision.value == limit and "behind one NAT" in decision.reason
    assert "clinic" not in decision.reason  # domain-neutral: any spec's users
    if limit > 2000:
        assert "(an office, a partner's gateway)" in decision.reason
    assert model(MIXED).environment("prod").load_balancers[0].waf_rate_limit is None


def test_a_web_acl_blocking_a_large_share_of_requests_pages_in_production() -> None:
    """A managed rule's false positive is a 403 no 5xx alarm, SLO or health check sees:
    blocked over all judged requests (Rule=ALL), above 5% in 10 of 15 minutes, over the
    paging ratios' request floor; a page in production, a ticket elsewhere; a static
    site's CloudFront ACL too, in us-east-1 without the Region dimension."""
    static = "  site: {type: static, source: public}\n"
    planned = model(MIXED + static, extra="  security: {waf: true}\n")
    for env, pages in (("dev", False), ("prod", True)):
        share = {
            a.target: a
            for a in planned.monitoring.alarms[env].alarms
            if a.check == "waf-blocked-share"
        }
        assert set(share) == {"load_balancer:public", "static_site:site"}
        alb, site = share["load_balancer:public"], share["static_site:site"]
        assert [m.metric_name for m in alb.metrics] == ["BlockedRequests", "AllowedRequests"]
        assert alb.metrics[0].dimensions == {
            "WebACL": "load_balancer:public.waf_acl",
            "Rule": "load_balancer:public.waf_all_rules",
            "Region": "load_balancer:public.region",
        }
        assert site.metrics[0].dimensions == {
            "WebACL": "static_site:site.waf_acl",
            "Rule": "static_site:site.waf_all_rules",
        }
        assert (alb.region, site.region) == (None, "us-east-1")
        floor = 20  # no performance.peak_rps: the paging ratios' floor of 20 requests a minute
        assert alb.expression == (
            f"IF((FILL(blocked, 0) + FILL(allowed, 0)) >= {floor}, "
            "100 * FILL(blocked, 0) / (FILL(blocked, 0) + FILL(allowed, 0)), 0)"
        )
        for alarm in (alb, site):
            assert (alarm.threshold, alarm.period_seconds) == (5, 60)
            assert (alarm.datapoints_to_alarm, alarm.evaluation_periods) == (10, 15)
            assert alarm.pages is pages and alarm.runbook.endswith("#alarm-waf")
    without = model(MIXED + static).monitoring.alarms["prod"].alarms
    assert not [a for a in without if a.check == "waf-blocked-share"]


# Deployment strategy ---------------------------------------------------------------

SERVICES = (
    WEB
    + "  worker: {type: worker, image: x:1}\n"
    + "  nightly: {type: job, image: x:1, schedule: 'rate(1 day)'}\n"
)


@pytest.mark.parametrize(
    ("availability", "prod_web"),
    [(99.0, "ROLLING"), (99.5, "ROLLING"), (99.9, "CANARY"), (99.99, "CANARY")],
)
def test_auto_strategy(availability: float, prod_web: str) -> None:
    dev, prod = envs(services=SERVICES, availability=availability)
    assert dev.service("web").deployment.strategy == "ROLLING"
    assert prod.service("web").deployment.strategy == prod_web
    for environment in (dev, prod):
        assert environment.service("worker").deployment.strategy == "ROLLING"
        assert environment.service("nightly").deployment.strategy == "ROLLING"


@pytest.mark.parametrize(
    ("asked", "strategy"),
    [
        ("rolling", "ROLLING"),
        ("blue-green", "BLUE_GREEN"),
        ("canary", "CANARY"),
        ("linear", "LINEAR"),
    ],
)
def test_an_explicit_strategy_applies_to_web_services_only(asked: str, strategy: str) -> None:
    dev, prod = envs(services=SERVICES, extra=f"delivery: {{strategy: {asked}}}\n")
    for environment in (dev, prod):
        assert environment.service("web").deployment.strategy == strategy
        assert environment.service("worker").deployment.strategy == "ROLLING"
    balancer = prod.load_balancers[0]
    assert balancer.needs_test_listener == (strategy != "ROLLING")
    assert prod.service("web").deployment.bake_time_minutes == (0 if strategy == "ROLLING" else 15)


# Alarms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slos", "error_rate", "latency"),
    [
        ("", 1.44, 1000),  # no SLO: the availability requirement, no latency target
        ("    - {service: web, objective: 99.0, sli: availability}\n", 14.4, 1000),
        ("    - {service: web, objective: 99.99, sli: availability}\n", 1.0, 1000),  # floor 1%
        ("    - {service: web, objective: 99, sli: latency, threshold_ms: 250}\n", 1.44, 250),
    ],
)
def test_alarm_thresholds_come_from_the_slos(slos: str, error_rate: float, latency: int) -> None:
    extra = f"observability:\n  slos:\n{slos}" if slos else ""
    prod = model(extra=extra).environment("prod")
    alarms = prod.service("web").alarms
    assert alarms is not None
    assert (alarms.error_rate_percent, alarms.latency_p99_ms) == (error_rate, latency)


def test_the_latency_requirement_is_the_fallback_alarm() -> None:
    prod = model(extra="  performance: {latency_p99_ms: 400}\n").environment("prod")
    assert prod.service("web").alarms.latency_p99_ms == 400  # type: ignore[union-attr]


def test_only_web_services_have_load_balancer_alarms() -> None:
    prod = model(SERVICES).environment("prod")
    assert prod.service("worker").alarms is None and prod.service("nightly").alarms is None


# Retention and production ------------------------------------------------------------


@pytest.mark.parametrize(
    ("compliance", "dev_days", "prod_days"),
    [("[]", 14, 90), ("[soc2]", 14, 90), ("[pci-dss]", 365, 365), ("[hipaa, soc2]", 365, 365)],
)
def test_log_retention(compliance: str, dev_days: int, prod_days: int) -> None:
    dev, prod = envs(
        services="  web: {type: web, image: x:1, port: 80}\n",
        extra=(
            f"  security: {{compliance: {compliance}}}\n"
            "observability: {alert_email: ops@example.com}\n"
        ),
    )
    assert (dev.log_retention_days, prod.log_retention_days) == (dev_days, prod_days)
    assert (dev.alarms_page, prod.alarms_page) == (False, True)


@pytest.mark.parametrize(
    ("environments", "production"),
    [
        ("{dev: {}, prod: {}}", {"dev": False, "prod": True}),
        ("{staging: {}, production: {}}", {"staging": False, "production": True}),
        ("{qa: {}, prd: {}}", {"qa": False, "prd": True}),
        ("{test: {}, live: {}}", {"test": False, "live": True}),
        ("{main: {}}", {"main": True}),  # the only environment
        ("{dev: {}, main: {}}", {"dev": False, "main": False}),
        ("{dev: {}, main: {production: true}}", {"dev": False, "main": True}),
        ("{prod: {production: false}}", {"prod": False}),
        ("{preprod: {}, prod: {}}", {"preprod": False, "prod": True}),
    ],
)
def test_production_detection(environments: str, production: dict[str, bool]) -> None:
    spec = shipspec.loads(HEADER + f"environments: {environments}\nservices:\n{WEB}")
    assert {name: is_production(spec, name)[0] for name in spec.environments} == production
    planned = plan(spec)
    assert {e.name: e.production for e in planned.environments} == production
    assert all(e.decision("production").reason for e in planned.environments)


def test_the_production_property_is_the_last_production_environment() -> None:
    planned = model(environments="{dev: {}, prod: {}, dr: {production: true}}")
    assert planned.production.name == "dr"
    assert model(environments="{dev: {}, qa: {}}").production.name == "qa"


def test_promotion_order_is_the_spec_order() -> None:
    planned = model(environments="{prod: {}, dev: {}, staging: {approval: required}}")
    assert [e.name for e in planned.environments] == ["prod", "dev", "staging"]
    assert [e.approval_required for e in planned.environments] == [False, False, True]


# Properties of every plan ------------------------------------------------------------

EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def _expected_decisions(environment: EnvironmentPlan) -> dict[str, object]:
    """Every derived value of an environment, by the key of the Decision that explains it."""
    expected: dict[str, object] = {
        "production": environment.production,
        "network.az_count": environment.network.az_count,
        "network.nat_gateway_count": environment.network.nat_gateway_count,
        "network.interface_endpoints": environment.network.interface_endpoints,
        "network.flow_log_retention_days": environment.network.flow_log_retention_days,
        "log_retention_days": environment.log_retention_days,
        "alarms_page": environment.alarms_page,
    }
    for s in environment.services:
        key = f"services.{s.name}"
        # With the managed Prometheus collector, the task's size is the one that holds it
        # (a scheduled job runs none: its own size).
        size = "collector_size" if environment.prometheus and s.kind != "job" else "size"
        expected[f"{key}.{size}"] = {"cpu": s.cpu, "memory": s.memory}
        expected[f"{key}.min_count"] = s.min_count
        expected[f"{key}.max_count"] = s.max_count
        expected[f"{key}.desired_count"] = s.desired_count
        expected[f"{key}.strategy"] = s.deployment.strategy
        if s.alarms is not None:
            expected[f"{key}.alarms.error_rate_percent"] = s.alarms.error_rate_percent
            expected[f"{key}.alarms.latency_p99_ms"] = s.alarms.latency_p99_ms
    for b in environment.load_balancers:
        expected[f"load_balancers.{b.name}.https"] = b.https
        expected[f"load_balancers.{b.name}.services"] = b.services
        if b.internet_facing:
            expected[f"load_balancers.{b.name}.waf"] = b.waf
    for d in environment.datastores:
        key = f"datastores.{d.name}"
        if d.engine in ("postgres", "mysql"):
            for field in (
                "instance_class",
                "storage_gb",
                "max_storage_gb",
                "multi_az",
                "backup_days",
                "deletion_protection",
            ):
                expected[f"{key}.{field}"] = getattr(d, field)
        elif d.engine == "redis":
            expected[f"{key}.node_type"] = d.instance_class
            expected[f"{key}.replicas"] = d.replicas
            expected[f"{key}.backup_days"] = d.backup_days
        elif d.engine == "s3":
            expected[f"{key}.force_destroy"] = d.force_destroy
        elif d.engine == "sqs":
            expected[f"{key}.dead_letter"] = d.dead_letter
    return expected


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_every_derived_value_has_a_decision_that_matches_it(name: str) -> None:
    planned = plan(shipspec.load(EXAMPLES / f"{name}.yaml"))
    for environment in planned.environments:
        decided = {d.key: d for d in environment.decisions}
        for key, value in _expected_decisions(environment).items():
            assert key in decided, f"{environment.name}: no decision for {key}"
            assert decided[key].value == value, f"{environment.name}: {key}"
        assert all(d.reason.strip() for d in environment.decisions)
        assert len(decided) == len(environment.decisions), "a key decided twice"


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_plan_is_deterministic(name: str) -> None:
    first = plan(shipspec.load(EXAMPLES / f"{name}.yaml"))
    second = plan(shipspec.load(EXAMPLES / f"{name}.yaml"))
    assert first == second
    assert first.model_dump_json() == second.model_dump_json()


def test_plan_does_not_depend_on_the_order_of_maps_that_carry_no_order() -> None:
    """Datastores and env listed in another order give the same resources."""
    text = (EXAMPLES / "shop.yaml").read_text()
    swapped = text.replace(
        '  db:      {engine: postgres, version: "16", storage_gb: 50, backup_days: 14}\n'
        "  cache:   {engine: redis}\n",
        "  cache:   {engine: redis}\n"
        '  db:      {engine: postgres, version: "16", storage_gb: 50, backup_days: 14}\n',
    )
    assert swapped != text
    one, two = plan(shipspec.loads(text)), plan(shipspec.loads(swapped))
    for a, b in zip(one.environments, two.environments, strict=True):
        assert sorted(a.datastores, key=lambda d: d.name) == sorted(
            b.datastores, key=lambda d: d.name
        )
        assert a.services == b.services


def test_the_model_names_the_spec_file() -> None:
    spec = shipspec.load(EXAMPLES / "minimal.yaml")
    assert plan(spec, spec_file="examples/minimal.yaml").spec_file == "examples/minimal.yaml"
    assert plan(spec).spec_file == "handoff.yaml"


def test_an_unknown_environment_is_a_key_error_naming_the_known_ones() -> None:
    planned = model()
    with pytest.raises(KeyError, match="dev, prod"):
        planned.environment("staging")
    with pytest.raises(KeyError, match="no decision"):
        planned.environment("prod").decision("nope")


def test_every_engine_the_spec_accepts_has_a_component() -> None:
    """An engine the spec accepts but the program cannot deploy would fail only at `pulumi up`."""
    from typing import get_args

    from shipspec.render.targets.pulumi import DATASTORE_COMPONENTS
    from shipspec.spec.models import Datastore

    accepted = set(get_args(Datastore.model_fields["engine"].annotation))
    assert accepted == set(DATASTORE_COMPONENTS)
