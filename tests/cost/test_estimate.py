"""The monthly estimate against figures computed by hand from the price table."""

from __future__ import annotations

from decimal import Decimal

import pytest

import shipspec
from shipspec.cost import Usage, cost_line, estimate, load_prices, money, runs_per_month
from shipspec.cost.estimate import EXTENDED_SUPPORT
from shipspec.plan import rules
from shipspec.plan.model import DeploymentModel
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def shop() -> DeploymentModel:
    return shipspec.plan(shipspec.load(EXAMPLES / "shop.yaml"))


def line(result, component: str, resource: str) -> Decimal:
    matches = [i for i in result.items if i.component == component and i.resource == resource]
    assert len(matches) == 1, (component, resource, [i.component for i in result.items])
    return matches[0].monthly


def test_production_lines_by_hand(shop: DeploymentModel) -> None:
    prod = estimate(shop, "prod")  # eu-west-1 prices of the shipped table
    # web: 3 tasks × 730 h × 0.5 vCPU × $0.04048, and × 1 GB × $0.004445
    assert line(prod, "Fargate vCPU", "web") == Decimal("44.32560")
    assert line(prod, "Fargate memory", "web") == Decimal("9.734550")
    # db.m7g.large Multi-AZ: 730 h × $0.368; 50 GB gp3 Multi-AZ × $0.254
    assert line(prod, "RDS instance", "db") == Decimal("268.640")
    assert line(prod, "RDS storage", "db") == Decimal("12.700")
    # Redis: a primary and 2 replicas of cache.m7g.large: 3 × 730 h × $0.176
    assert line(prod, "ElastiCache", "cache") == Decimal("385.440")  # 3 × 730 × 0.176 (m7g)
    # NAT per AZ: 3 × 730 h × $0.048, and 100 GB × $0.048
    assert line(prod, "NAT gateway", "network") == Decimal("105.120")
    assert line(prod, "NAT data", "network") == Decimal("4.800")
    # 4 interface endpoints in 3 AZs: 4 × 3 × 730 h × $0.011
    assert line(prod, "Interface endpoints", "network") == Decimal("96.360")
    # peak 900 req/s, 30% on average: 270 req/s ÷ 25 = 10.8 LCU × 730 h × $0.008
    assert line(prod, "Load balancer LCU", "public") == Decimal("63.072")
    # WAF: 270 req/s × 730 h × 3600 s = 709.56 million × $0.60
    assert line(prod, "WAF requests", "public") == Decimal("425.736")
    # Version 1 priced 1 GB per task and nothing for flow logs or Container Insights.
    # Logs: 5 tasks × 1 GB + 709.56 million requests × 400 B = 288.824 GB × $0.57
    assert line(prod, "CloudWatch Logs", "services") == Decimal("164.62968")
    # Flow logs: 3 AZs × 2 GB + 709.56 million × 2 records × 130 B = 190.4856 GB × $0.57
    assert line(prod, "VPC flow logs", "network") == Decimal("108.576792")
    # Container Insights: 10 + 2 services × 13 + 2 task families × 8 = 52 metrics × $0.30
    assert line(prod, "Container Insights metrics", "cluster") == Decimal("15.60")
    assert line(prod, "Container Insights events", "cluster") == Decimal("0.285")  # 0.5 GB
    assert prod.headroom == (10 - 3) * 730 * (
        Decimal("0.5") * Decimal("0.04048") + Decimal("0.004445")
    ) + (4 - 2) * 730 * (
        Decimal("0.25") * Decimal("0.04048") + Decimal("0.5") * Decimal("0.004445")
    )


def test_a_development_environment_by_hand(shop: DeploymentModel) -> None:
    dev = estimate(shop, "dev")
    expected = {
        ("Fargate vCPU", "web"): Decimal("14.7752"),  # 1 × 730 × 0.5 × 0.04048
        ("Fargate memory", "web"): Decimal("3.24485"),  # 1 × 730 × 1 × 0.004445
        ("Fargate vCPU", "mailer"): Decimal("7.3876"),
        ("Fargate memory", "mailer"): Decimal("1.622425"),
        ("Load balancer", "public"): Decimal("18.396"),  # 730 × 0.0252
        ("Load balancer LCU", "public"): Decimal("5.840"),  # 1 LCU × 730 × 0.008
        ("WAF web ACL", "public"): Decimal("5.00"),
        ("WAF rules", "public"): Decimal("5.00"),  # a rate limit and four managed groups
        ("WAF requests", "public"): Decimal("0.60"),
        ("NAT gateway", "network"): Decimal("35.040"),  # one NAT outside production
        ("NAT data", "network"): Decimal("0.960"),
        ("RDS instance", "db"): Decimal("13.140"),  # db.t4g.micro Single-AZ: 730 × 0.018
        ("RDS storage", "db"): Decimal("2.540"),  # 20 GB × 0.127
        ("ElastiCache", "cache"): Decimal("12.410"),  # 730 × 0.017
        ("S3 storage", "uploads"): Decimal("0.115"),
        ("SQS requests", "orders"): Decimal("0.40"),
        ("CloudWatch Logs", "services"): Decimal("1.14"),  # 2 tasks × 1 GB × 0.57
        # pci-dss keeps flow logs everywhere: 2 AZs × 2 GB × 0.57 (no traffic outside prod)
        ("VPC flow logs", "network"): Decimal("2.28"),
        ("Container Insights metrics", "cluster"): Decimal("15.60"),  # 52 × 0.30
        ("Container Insights events", "cluster"): Decimal("0.114"),  # 2 × 0.1 GB × 0.57
        # Alarm metrics: web's 5xx and low-traffic 5xx (2 each), latency, unhealthy and
        # healthy hosts (1 each) over a canary's 2 target groups and the load balancer's
        # 5xx twice = 16, web and mailer CPU, memory, running-tasks 2 × 4 = 8, web's
        # tasks-missing-share (running and desired, the service-down member) 2, mailer's
        # no-tasks 1, nightly 3 (failed invocations, long run, missed runs), db 3, cache 4
        # (memory, engine CPU, evictions and hit rate; one node), orders 4 (oldest message
        # and visible messages; the DLQ's visible and in-flight counts for new dead letters),
        # the public web ACL's rate-limit BlockedRequests 1, and its blocked share
        # (BlockedRequests and AllowedRequests, Rule=ALL) 2: 44 × $0.10
        ("CloudWatch alarms", "monitoring"): Decimal("4.40"),
        # web's service-down and 4 rollback composites × 0.50
        ("CloudWatch composite alarms", "monitoring"): Decimal("2.50"),
        ("CloudWatch dashboard", "monitoring"): Decimal("3.00"),
        ("KMS key", "monitoring"): Decimal("1.00"),
    }
    for (component, resource), amount in expected.items():
        assert line(dev, component, resource) == amount, (component, resource)
    job = sum(i.monthly for i in dev.items if i.resource == "nightly")
    runs = Decimal(1) * Decimal("30.4167")  # daily at 03:00, 15 minutes each
    assert job == runs * Decimal(15) / 60 * (
        Decimal("0.25") * Decimal("0.04048") + Decimal("0.5") * Decimal("0.004445")
    )
    assert dev.total == sum(expected.values()) + job
    # $154.00, and the public web ACL's rate-limit alarm (+$0.10): $154.10, and its
    # blocked-share alarm (2 metrics, +$0.20): $154.30, and the ACL's 5 rules, not 3 (+$2.00),
    # and web's tasks-missing-share alarm (2 metrics, +$0.20): $156.50, and the queue's
    # oldest-message alarm reading its visible messages too (+$0.10)
    assert money(dev.total) == "$156.60"


def test_assumptions_change_the_figures(shop: DeploymentModel) -> None:
    usage = Usage(nat_gb_non_production=Decimal(1000))
    dev = estimate(shop, "dev", usage=usage)
    assert line(dev, "NAT data", "network") == Decimal("48.000")
    assert "NAT gateways process 100 GB a month in production and 1000 GB elsewhere" in " ".join(
        dev.assumptions
    )


def test_cost_line(shop: DeploymentModel) -> None:
    total = money(estimate(shop).total, cents=False)
    assert cost_line(shop) == (
        f"Estimated cost: {total}/month (prices of {load_prices().as_of}, eu-west-1; "
        "see docs/operations/handoff.md)"
    )


def test_a_region_without_prices_says_which_it_used() -> None:
    text = (EXAMPLES / "shop.yaml").read_text().replace("eu-west-1", "ap-south-1")
    model = shipspec.plan(shipspec.loads(text))
    result = estimate(model)
    assert result.region == "us-east-1"
    assert result.notes[0] == "no prices for ap-south-1 in the table: priced at us-east-1"
    assert "us-east-1 rates for ap-south-1" in cost_line(model)


@pytest.mark.parametrize(
    ("schedule", "runs", "exact"),
    [
        ("rate(1 hour)", Decimal(24) * Decimal("30.4167"), True),
        ("rate(15 minutes)", Decimal(96) * Decimal("30.4167"), True),
        ("rate(2 days)", Decimal("0.5") * Decimal("30.4167"), True),
        ("cron(0 3 * * ? *)", Decimal("30.4167"), True),
        ("cron(0/15 * * * ? *)", Decimal(96) * Decimal("30.4167"), True),
        ("cron(0 9,17 ? * MON-FRI *)", Decimal(2) * 5 * Decimal("30.4167") / 7, True),
        ("cron(0 3 1 * ? *)", Decimal(1), True),
        ("cron(0 3 1 JAN,JUL ? *)", Decimal(2) / 12, True),
        ("cron(0 3 L * ? *)", Decimal("30.4167"), False),
    ],
)
def test_runs_per_month(schedule: str, runs: Decimal, exact: bool) -> None:
    got, got_exact = runs_per_month(schedule)
    assert (round(got, 6), got_exact) == (round(runs, 6), exact)


def test_money_rounds_half_up() -> None:
    assert money(Decimal("0.005")) == "$0.01"
    assert money(Decimal("1234.5"), cents=False) == "$1,235"


def test_the_table_prices_what_the_planner_chooses() -> None:
    table = load_prices()
    chosen = {
        prefix: [v for k, v in vars(rules).items() if k.startswith(prefix)]
        for prefix in ("DB_CLASS", "CACHE_NODE", "DOCDB_CLASS", "MQ_INSTANCE")
    }
    assert all(chosen.values()), "the planner's instance classes moved; update this test"
    wanted = [
        f"{kind}:{engine}:{name}"
        for name in chosen["DB_CLASS"]
        for kind in ("rds", "rds-multi-az")
        for engine in ("postgres", "mysql", "mariadb")
    ]
    wanted += [f"elasticache:{name}" for name in chosen["CACHE_NODE"]]
    wanted += [f"docdb:{name}" for name in chosen["DOCDB_CLASS"]]
    wanted += [f"mq:{name}" for name in chosen["MQ_INSTANCE"]]
    keys = set(table.regions["us-east-1"])
    for region, prices in table.regions.items():
        # RDS Extended Support is priced at us-east-1's rate elsewhere, with a note: no
        # stored source gave another region's.
        assert set(prices) == keys - ({EXTENDED_SUPPORT} if region != "us-east-1" else set())
        for key in wanted:
            assert key in prices, (region, key)
        for key, price in prices.items():
            assert price.usd > 0 and price.source and price.unit, (region, key)
            if "no stored source" in price.source:
                assert not price.verified, (region, key)
