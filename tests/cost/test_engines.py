"""Every datastore engine and the stack's monitoring, priced by hand from the price table.

``examples/full.yaml`` has every engine. Moved to us-east-1 it checks that region's
rows, moved to eu-west-1 Ireland's; as written (eu-central-1) it is priced at Frankfurt
rates, which version 1 replaced with us-east-1's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import shipspec
from shipspec.cost import Usage, estimate, load_prices, money
from shipspec.plan.model import DeploymentModel
from tests.conftest import EXAMPLES, example_names

from .test_estimate import line


@pytest.fixture(scope="module")
def full() -> DeploymentModel:
    text = (EXAMPLES / "full.yaml").read_text().replace("eu-central-1", "us-east-1")
    return shipspec.plan(shipspec.loads(text))


@pytest.fixture(scope="module")
def full_in_frankfurt() -> DeploymentModel:
    return shipspec.plan(shipspec.load(EXAMPLES / "full.yaml"))


@pytest.fixture(scope="module")
def full_in_ireland() -> DeploymentModel:
    text = (EXAMPLES / "full.yaml").read_text().replace("eu-central-1", "eu-west-1")
    return shipspec.plan(shipspec.loads(text))


@pytest.fixture(scope="module")
def shop() -> DeploymentModel:
    return shipspec.plan(shipspec.load(EXAMPLES / "shop.yaml"))


def test_every_engine_in_production_by_hand(full: DeploymentModel) -> None:
    main = estimate(full, "main")  # us-east-1 rates
    expected = {
        # PostgreSQL, MySQL and MariaDB db.m7g.large Multi-AZ: 730 h × $0.336 each
        ("RDS instance", "db"): Decimal("245.28"),
        ("RDS storage", "db"): Decimal("23.00"),  # 100 GB × 0.23
        ("RDS instance", "search"): Decimal("245.28"),
        ("RDS storage", "search"): Decimal("4.60"),  # 20 GB × 0.23
        ("RDS instance", "ledger"): Decimal("245.28"),
        ("RDS storage", "ledger"): Decimal("9.20"),  # 40 GB × 0.23
        # Redis: a primary and 2 replicas; Memcached: a node in each of 3 AZs; both on the
        # non-burstable cache.m7g.large at 99.95%: 3 × 730 × 0.158
        ("ElastiCache", "cache"): Decimal("346.02"),
        ("ElastiCache", "sessions"): Decimal("346.02"),
        # DocumentDB: a primary and 2 replicas of db.r6g.large: 3 × 730 h × $0.26315
        ("DocumentDB instances", "catalog"): Decimal("576.2985"),
        ("DocumentDB storage", "catalog"): Decimal("5.00"),  # 50 GB × 0.10
        ("DocumentDB I/O", "catalog"): Decimal("20.00"),  # 100 million × 0.20
        # RabbitMQ cluster: 3 brokers of mq.m7g.large: 3 × 730 h × $0.2734
        ("Amazon MQ broker", "broker"): Decimal("598.746"),
        ("Amazon MQ storage", "broker"): Decimal("1.50"),  # 3 nodes × 5 GB × 0.10
        ("S3 storage", "assets"): Decimal("1.15"),  # 50 GB × 0.023
        ("SQS requests", "events"): Decimal("4.00"),  # 10 million × 0.40
        # Static sites: 50 GB × $0.085 out of CloudFront, 5 million HTTPS requests at $0.01
        # per 10,000, 1 GB stored, and the 5xx alarm's metric
        ("CloudFront data out", "storefront"): Decimal("4.250"),
        ("CloudFront HTTPS requests", "storefront"): Decimal("5.0000"),
        ("S3 storage", "handbook"): Decimal("0.023"),
        # requirements.security.waf: each site's CloudFront web ACL ($5), its 2 managed rule
        # groups ($1 each) and the 5 million requests it inspects ($0.60 per million)
        ("WAF web ACL", "storefront"): Decimal("5.00"),
        ("WAF rules", "storefront"): Decimal("2.00"),
        ("WAF requests", "handbook"): Decimal("3.000"),
        # indexer scales on its queue down to zero: no standing task, its wake alarm's two
        # metrics instead (its tasks are in the headroom)
        ("Fargate vCPU", "indexer"): Decimal("0"),
        # SQL Server Standard (license included) db.r5.large Multi-AZ: 730 h × $2.25
        ("RDS instance", "legacy"): Decimal("1642.50"),
        ("RDS storage", "legacy"): Decimal("23.00"),  # 100 GB × 0.23
        # OpenSearch: a data node in each of 3 AZs (730 h × $0.167) and 3 dedicated masters
        # (730 h × $0.128), 50 GB of gp3 per data node × $0.122
        ("OpenSearch data nodes", "fulltext"): Decimal("365.730"),
        ("OpenSearch master nodes", "fulltext"): Decimal("280.320"),
        ("OpenSearch storage", "fulltext"): Decimal("18.300"),
    }
    for (component, resource), amount in expected.items():
        assert line(main, component, resource) == amount, (component, resource)
    priced = {i.resource for i in main.items}
    assert {d.name for d in full.environment("main").datastores} <= priced
    assert main.notes == []
    # Monitoring: 200 alarm metrics × $0.10 and 24 composites (8 burn-rate, 3 service-down,
    # 13 rollback: 5xx ratio, low-traffic 5xx, unhealthy, latency per web service = 12, and
    # api's Service Connect 5xx ratio, now a rollback alarm too: 12 + 1 = 13) × $0.50,
    # with the ELB 5xx, healthy-host and latency burn-rate alarms and api's Service Connect
    # 5xx ratio (admin calls api: 2 metrics, in its rollback alarm); docs (a public web service) and
    # ingest (TCP behind its NLB: health, resets, ECS) add 16 metrics and 4 composites, SQL
    # Server 2 and OpenSearch 11 metrics (yellow, nodes, master reachable, master heap, KMS key
    # among them), the broker's free disk against its limit 2; admin's no-tasks alarm 1
    # (ingest, TCP behind its NLB, has a service-down composite instead); the low-traffic 5xx
    # alarms 13, the reports job's long-run alarm 1 (its schedule is too sparse for a
    # missed-runs alarm) and the domain's Route 53 health check alarm 1 (HealthCheckStatus);
    # the health check itself, HTTPS: $0.50 + $1.00; the queue's dead-letter alarm reads the
    # DLQ's visible and in-flight counts (1 more metric). The ACM certificates' DaysToExpiry,
    # a renewal ticket and an expiry page each, of the public and internal load balancers and
    # the storefront and handbook sites: 4 × 2 = 8, the uploads volume's PercentIOLimit 1 and
    # the broker's ConsumerCount (no consumer connected while services use it) 1:
    # 190 + 8 + 1 + 1 = 200, and the public web ACL's rate-limit BlockedRequests 1: 201; the
    # blocked share of the public, storefront and handbook web ACLs (BlockedRequests and
    # AllowedRequests, Rule=ALL) 3 × 2: 207. The Redis is a store (`cache: false`): its
    # evictions alarm reads Evictions alone, not CacheHitRate too, on each of its 3 nodes: 204.
    # Each service-down composite's tasks-missing-share member (api, docs, ingest) reads
    # running and desired tasks: 3 × 2, 210. The queue's oldest-message alarm also reads its
    # visible messages (a backlog, not one poison message): 211.
    monitoring = {(i.component, i.quantity) for i in main.items if i.resource == "monitoring"}
    assert {("CloudWatch alarms", 211), ("CloudWatch composite alarms", 24)} <= monitoring
    assert ("Route 53 health checks", 1) in monitoring
    assert line(main, "Route 53 health checks", "monitoring") == Decimal("1.50")
    # The stack deploys into existing VPCs (cloud.network): no NAT gateways or endpoints,
    # only the flow log it adds to the VPC.
    assert {i.component for i in main.items if i.resource == "network"} == {"VPC flow logs"}
    # ingest's Network Load Balancer: 730 h at the ALB's hourly rate ($0.0225 × 730).
    assert line(main, "Network load balancer", "ingest") == Decimal("16.425")
    # $3,707.41 with burstable caches; the managed Prometheus path (the collector's memory in
    # every task, and the workspace) adds $31.80 of it; SQL Server and OpenSearch $2,329.85;
    # ingest's NLB and docs' tasks $107.01; indexer scaling to zero (-$52.55 of standing
    # tasks) and the two static sites (+$18.95), and their web ACLs (+$20.00); the no-task
    # pages and the cache CPU alarms (+$1.10); OpenSearch's further recommended alarms and
    # the broker's free disk (+$0.70); the domain's Route 53 health check and its alarm
    # (+$1.60); the dead-letter alarm's in-flight count (+$0.10); api's Service Connect 5xx
    # ratio as a rollback alarm, its composite (+$0.50): $6,386.17 + $0.60 = $6,386.77; the
    # certificates' expiry alarms and the volume's I/O alarm, 9 metrics × $0.10 (+$0.90):
    # $6,386.77 + $0.90 = $6,387.67; the broker's ConsumerCount alarm, 1 metric × $0.10:
    # $6,387.67 + $0.10 = $6,387.77; the public web ACL's rate-limit BlockedRequests alarm,
    # 1 metric × $0.10: $6,387.77 + $0.10 = $6,387.87; the three web ACLs' blocked-share
    # alarms, 6 metrics × $0.10: $6,387.87 + $0.60 = $6,388.47; the public web ACL's 5
    # rules, not 3 (+$2.00): $6,390.47; each static site's errors alarm reads three
    # metrics (5xx and 4xx rates, requests), not one: 2 × 2 × $0.10 (+$0.40): $6,390.87; the
    # Redis store's evictions alarm reads no CacheHitRate on its 3 nodes (-$0.30): $6,390.57;
    # the tasks-missing-share alarms of api, docs and ingest (service-down members), 6
    # metrics × $0.10 (+$0.60): $6,391.17; the reports job without the collector's memory,
    # 0.5 GB not 1 GB a run (21.7 runs × 15 min × 0.5 GB × $0.00511, -$0.02): $6,391.15;
    # the queue's oldest-message alarm reads its visible messages too (+$0.10): $6,391.25;
    # the MySQL 8.0 `search` past RDS end of standard support: Extended Support for the
    # db.m7g.large primary and standby, 2 × 2 vCPU × 730 h × $0.100 (us-east-1's rate,
    # Frankfurt's is not in the table) (+$292.00): $6,683.25.
    assert line(main, "RDS Extended Support", "search") == Decimal("292.000")
    assert money(main.total) == "$6,683.25"


def test_every_engine_outside_production_by_hand(full: DeploymentModel) -> None:
    dev = estimate(full, "dev")
    expected = {
        ("RDS instance", "search"): Decimal("11.680"),  # MySQL db.t4g.micro: 730 × 0.016
        ("RDS instance", "ledger"): Decimal("11.680"),  # MariaDB db.t4g.micro
        ("ElastiCache", "sessions"): Decimal("11.680"),  # 1 Memcached cache.t4g.micro node
        # one db.t4g.medium instance: 730 h × $0.07566; 10 GB × 0.10; 10 million × 0.20
        ("DocumentDB instances", "catalog"): Decimal("55.2318"),
        ("DocumentDB storage", "catalog"): Decimal("1.00"),
        ("DocumentDB I/O", "catalog"): Decimal("2.00"),
        # a single mq.m7g.medium broker: 730 h × $0.0904; 1 node × 1 GB × 0.10
        ("Amazon MQ broker", "broker"): Decimal("65.9920"),
        ("Amazon MQ storage", "broker"): Decimal("0.10"),
    }
    for (component, resource), amount in expected.items():
        assert line(dev, component, resource) == amount, (component, resource)
    details = {(i.component, i.resource): i.detail for i in dev.items}
    assert details["DocumentDB instances", "catalog"] == "one instance: 1 × db.t4g.medium × 730 h"
    assert details["Amazon MQ broker", "broker"] == "single instance: 1 × mq.m7g.medium × 730 h"
    assert details["RDS instance", "search"] == "MySQL db.t4g.micro Single-AZ × 730 h"
    assert details["ElastiCache", "sessions"] == "Memcached: 1 × cache.t4g.micro × 730 h"


def test_a_test_stack_sized_past_express_is_priced_as_standard(full: DeploymentModel) -> None:
    """environments.dev.datastores.legacy.storage_gb: 100 is more than Express's 10 GB per
    database: the dev stack runs Standard edition, single-AZ, and costs what it runs."""
    # Express as written: 730 h × $0.044
    assert line(estimate(full, "dev"), "RDS instance", "legacy") == Decimal("32.120")
    text = (EXAMPLES / "full.yaml").read_text().replace("eu-central-1", "us-east-1")
    text = text.replace("  dev: {}\n", "  dev: {datastores: {legacy: {storage_gb: 100}}}\n", 1)
    sized = shipspec.plan(shipspec.loads(text))
    dev = estimate(sized, "dev")
    # db.m5.large Standard, license included, Single-AZ: 730 h × $0.977; 100 GB gp3 × 0.115
    assert line(dev, "RDS instance", "legacy") == Decimal("713.210")
    assert line(dev, "RDS storage", "legacy") == Decimal("11.500")
    details = {(i.component, i.resource): i.detail for i in dev.items}
    assert details["RDS instance", "legacy"] == (
        "SQL Server (sqlserver-se) db.m5.large Single-AZ × 730 h"
    )


def test_frankfurt_is_priced_at_frankfurt_rates(full_in_frankfurt: DeploymentModel) -> None:
    """Version 1 had no eu-central-1 table and priced the stack at us-east-1 rates."""
    main = estimate(full_in_frankfurt, "main")
    assert (main.region, main.requested_region, main.notes) == ("eu-central-1", "eu-central-1", [])
    # api: 3 tasks × 730 h × 1 vCPU × $0.04656 (Fargate, EU (Frankfurt))
    assert line(main, "Fargate vCPU", "api") == Decimal("101.96640")
    # full deploys into existing VPCs; shop creates its network: 3 NAT × 730 h × $0.052
    shop = (EXAMPLES / "shop.yaml").read_text().replace("eu-west-1", "eu-central-1")
    shop_prod = estimate(shipspec.plan(shipspec.loads(shop)), "prod")
    assert line(shop_prod, "NAT gateway", "network") == Decimal("113.880")
    assert line(main, "DocumentDB storage", "catalog") == Decimal("5.950")  # 50 GB × 0.119
    fargate = next(i for i in main.items if i.component == "Fargate vCPU")
    assert (
        fargate.verified
        and "EU (Frankfurt)" in load_prices().regions["eu-central-1"]["fargate_vcpu_hour"].source
    )


def test_oregon_is_priced_with_its_own_table() -> None:
    text = (EXAMPLES / "shop.yaml").read_text().replace("eu-west-1", "us-west-2")
    result = estimate(shipspec.plan(shipspec.loads(text)))
    assert (result.region, result.notes) == ("us-west-2", [])


def test_every_engine_at_eu_west_1_rates(full_in_ireland: DeploymentModel) -> None:
    main = estimate(full_in_ireland, "main")
    assert main.region == "eu-west-1" and main.notes == []
    assert line(main, "RDS instance", "search") == Decimal("268.640")  # 730 × 0.368
    assert line(main, "RDS instance", "ledger") == Decimal("268.640")
    assert line(main, "ElastiCache", "sessions") == Decimal("385.440")  # 3 × 730 × 0.176 (m7g)
    assert line(main, "DocumentDB instances", "catalog") == Decimal("634.0050")  # 3×730×0.2895
    assert line(main, "DocumentDB storage", "catalog") == Decimal("5.50")  # 50 GB × 0.11
    assert line(main, "DocumentDB I/O", "catalog") == Decimal("22.00")  # 100 million × 0.22
    assert line(main, "Amazon MQ broker", "broker") == Decimal("658.5330")  # 3 × 730 × 0.3007
    assert line(main, "Amazon MQ storage", "broker") == Decimal("1.65")  # 15 GB × 0.11
    assert line(main, "CloudWatch alarms", "monitoring") == Decimal("21.10")  # 211 × 0.10
    assert line(main, "OpenSearch data nodes", "fulltext") == Decimal("402.960")  # 3×730×0.184


def test_unconfirmed_prices_are_flagged(full_in_ireland: DeploymentModel) -> None:
    main = estimate(full_in_ireland, "main")
    flagged = {(i.component, i.resource) for i in main.unverified}
    assert ("DocumentDB instances", "catalog") in flagged
    assert ("Amazon MQ broker", "broker") in flagged
    assert ("RDS instance", "search") in flagged
    assert ("CloudWatch alarms", "monitoring") not in flagged  # an EU (Ireland) bill line


def test_monitoring_by_hand(shop: DeploymentModel) -> None:
    prod = estimate(shop, "prod")  # eu-west-1
    # 45 alarms reading 127 metrics. The canary web service has two target groups, so each
    # of its target-group metrics counts twice: 5xx (2 metrics, plus the load balancer's
    # own 5xx once), latency, unhealthy and healthy hosts (1 each) = 11; eight
    # availability burn-rate windows of 2 target-group metrics and the ELB's 5xx = 40;
    # eight latency windows of 2 (percentile rank, requests) = 32. Then web and mailer CPU,
    # memory and running tasks (1, 1, 2) = 8, mailer's no-tasks 1 (a worker that must run),
    # the nightly job 3 (failed invocations, long run, missed runs), db 3, the Redis cache's
    # memory, engine CPU, evictions and hit rate once per node of 3 = 12, the queue's 4
    # (oldest message and visible messages; dead letters: its DLQ's visible and in-flight
    # counts, whose rise notifies),
    # web's low-traffic 5xx (2 target groups × 2 and the load balancer's 5xx) 5, and the
    # Route 53 health check of shop.example.com 1 (HealthCheckStatus, in us-east-1), and the
    # load balancer certificate's DaysToExpiry 2 (the renewal ticket and the expiry page),
    # and the public web ACL's rate-limit BlockedRequests 1 and blocked share 2, and web's
    # tasks-missing-share (running and desired tasks, the service-down member) 2:
    # 11 + 40 + 32 + 8 + 1 + 3 + 3 + 12 + 4 + 5 + 1 + 2 + 1 + 2 + 2 = 127 alarm metrics × $0.10.
    assert line(prod, "CloudWatch alarms", "monitoring") == Decimal("12.70")
    # 8 burn-rate composites, web's service-down, the queue's backlog (muted by mailer's
    # no-tasks) and one per rollback alarm of web (4): 14 × $0.50
    assert line(prod, "CloudWatch composite alarms", "monitoring") == Decimal("7.00")
    assert line(prod, "CloudWatch dashboard", "monitoring") == Decimal("3.00")
    assert line(prod, "KMS key", "monitoring") == Decimal("1.00")
    # The health check itself: an HTTPS check of an AWS endpoint, $0.50 + $1.00 HTTPS.
    assert line(prod, "Route 53 health checks", "monitoring") == Decimal("1.50")
    details = {i.component: i.detail for i in prod.items if i.resource == "monitoring"}
    assert details["CloudWatch alarms"] == "45 metric alarms reading 127 metrics"
    assert details["Route 53 health checks"] == "1 HTTPS check of https://shop.example.com/healthz"
    assert details["CloudWatch composite alarms"] == (
        "8 burn-rate + 1 service-down + 1 queue backlog + 4 rollback"
    )
    # $1,777.78 before the Route 53 health check ($1.50) and its alarm ($0.10), $1,779.38
    # before the dead-letter alarm read the DLQ's in-flight count too ($0.10), $1,779.48
    # before the certificate's renewal and expiry alarms (2 × $0.10), $1,779.68 before the
    # web ACL's rate-limit alarm ($0.10), $1,779.78 before its blocked-share alarm (2 × $0.10),
    # $1,779.98 while the web ACL was priced at 3 rules instead of its 5 (+$2.00), $1,781.98
    # before web's tasks-missing-share alarm (2 × $0.10), $1,782.18 before the queue's
    # oldest-message alarm read its visible messages too ($0.10)
    assert money(prod.total) == "$1,782.28"  # $1,543.26 with a burstable cache


def test_alarm_metrics_follow_the_deployment_strategy(full: DeploymentModel) -> None:
    # full's api, admin and docs deploy linearly (two target groups each), the rolling indexer 4,
    # reports 1, three RDS databases 9, DocumentDB 3, the broker 3 (memory: used and limit; ready
    # messages), Redis 2 × 3 nodes (memory, engine CPU, evictions with the hit rate) 4 × 3,
    # Memcached 4 (CPU, evictions with gets and misses), the queue 3 (its DLQ's visible and
    # in-flight counts for new dead letters), api's availability and latency
    # burn rates, api's Service Connect 5xx ratio (admin's 5xx by TargetDiscoveryName, and api's
    # requests) 2, ingest behind its NLB (health 2, TCP resets 2, ECS 4, no tasks 1), admin's no
    # tasks 1, the public ALB's own 5xx, watched once now that api and docs share it, SQL Server 2
    # (CPU, free storage), OpenSearch's recommended alarms 11 (with CPU, and the master and KMS key
    # ones of a domain with dedicated masters and a customer-managed key), the broker's free disk
    # against its limit 2, the low-traffic 5xx of api, docs (2 target groups × 2) and admin (2 and
    # the ALB's 5xx) 13, reports' long run 1, the domain's Route 53 health check 1 (190), four
    # ACM certificates' DaysToExpiry (two load balancers, two sites) × renewal and expiry 8 and
    # the uploads volume's PercentIOLimit 1, and the broker's ConsumerCount 1:
    # the public web ACL's rate-limit BlockedRequests 1, and the blocked share of three web
    # ACLs (public, storefront, handbook: BlockedRequests and AllowedRequests) 3 × 2:
    # 190 + 8 + 1 + 1 + 1 + 6 = 207, in 90 + 9 + 1 + 1 + 3 = 104 alarms; less the Redis
    # store's CacheHitRate on its 3 nodes (a store's evictions alarm reads Evictions alone): 204;
    # and the tasks-missing-share alarm (running and desired tasks) of each service-down
    # composite, api's, docs' and ingest's: 3 alarms, 6 metrics, 210; the queue's
    # oldest-message alarm reads its visible messages too: 211.
    main = estimate(full, "main")
    alarms = next(i for i in main.items if i.component == "CloudWatch alarms")
    assert alarms.quantity == 211
    assert alarms.detail == "107 metric alarms reading 211 metrics"
    composites = next(i for i in main.items if i.component == "CloudWatch composite alarms")
    # api's connect-5xx-ratio is a rollback alarm: 12 + 1 = 13.
    assert composites.detail == "8 burn-rate + 3 service-down + 13 rollback"


@pytest.mark.parametrize("name", example_names())
def test_every_planned_alarm_is_standard_resolution(name: str) -> None:
    """The estimate prices alarms at the standard-resolution rate; the plan must agree."""
    model = shipspec.plan(shipspec.load(EXAMPLES / f"{name}.yaml"))
    for planned in model.monitoring.alarms.values():
        for alarm in planned.alarms:
            assert alarm.period_seconds >= 60, alarm.name


@pytest.mark.parametrize("name", example_names())
def test_nothing_planned_goes_unpriced(name: str) -> None:
    model = shipspec.plan(shipspec.load(EXAMPLES / f"{name}.yaml"))
    for env in model.environments:
        result = estimate(model, env)
        assert not [n for n in result.notes if "not included" in n or "rate" in n], env.name
        priced = {i.resource for i in result.items}
        assert {d.name for d in env.datastores} <= priced, env.name
        assert "monitoring" in priced


def test_the_assumptions_name_what_the_new_lines_assume(full: DeploymentModel) -> None:
    text = " ".join(estimate(full, "main").assumptions)
    assert "each DocumentDB cluster stores 50 GB and makes 100 million storage I/Os" in text
    assert "each Amazon MQ broker node stores 5 GB of messages in production" in text
    assert "a cluster deployment bills three broker instances" in text
    assert "once per target group of a blue/green, canary or linear web service" in text
    assert "the account's free tier (10 alarm metrics, 3 dashboards) is not deducted" in text
    assert "SNS email notifications are too few to price" in text
    assert "alarms and dashboards are not included" not in text


def test_document_db_and_broker_assumptions_change_the_figures(full: DeploymentModel) -> None:
    usage = Usage(
        docdb_gb_production=Decimal(500),
        docdb_io_million_production=Decimal(2000),
        broker_gb_production=Decimal(20),
    )
    main = estimate(full, "main", usage=usage)
    assert line(main, "DocumentDB storage", "catalog") == Decimal("50.00")  # 500 × 0.10
    assert line(main, "DocumentDB I/O", "catalog") == Decimal("400.00")  # 2000 × 0.20
    assert line(main, "Amazon MQ storage", "broker") == Decimal("6.00")  # 3 × 20 × 0.10
    assert "each DocumentDB cluster stores 500 GB and makes 2000 million" in " ".join(
        main.assumptions
    )
