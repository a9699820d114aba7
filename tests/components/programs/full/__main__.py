"""A four-service shop: canary web app, rolling API, worker and nightly job."""

import pulumi
import pulumi_aws as aws
from components import (
    AppSecret,
    Bucket,
    Cache,
    Database,
    LoadBalancer,
    Network,
    Queue,
    ScheduledJob,
    Use,
    WebService,
    WorkerService,
)

config = pulumi.Config()
prod = config.get_bool("prod") or False

network = Network(
    "network",
    cidr_block="10.0.0.0/16",
    az_count=3,
    nat_gateway_count=config.require_int("natGateways"),
    interface_endpoints=["ecr.api", "ecr.dkr", "logs", "secretsmanager"],
    flow_log_retention_days=90,
)
cluster = aws.ecs.Cluster(
    "cluster",
    settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
)
load_balancer = LoadBalancer(
    "public",
    vpc_id=network.vpc_id,
    vpc_cidr=network.vpc_cidr,
    subnet_ids=network.public_subnet_ids,
    internet_facing=True,
    domain="shop.example.com",
    hosted_zone_name="example.com",
    waf=True,
    deletion_protection=prod,
    needs_test_listener=True,
    log_retention_days=90,
)
db = Database(
    "db",
    engine="postgres",
    engine_version="16",
    instance_class="db.t4g.medium",
    allocated_storage=50,
    max_allocated_storage=200,
    multi_az=prod,
    backup_retention_days=14,
    deletion_protection=prod,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    log_retention_days=90,
)
cache = Cache(
    "cache",
    node_type="cache.t4g.small",
    replicas=1 if prod else 0,
    engine_version="7.1",
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    snapshot_retention_days=3,
)
uploads = Bucket("uploads", versioning=True, force_destroy=not prod)
orders = Queue("orders", dead_letter=True, visibility_timeout_seconds=60, max_receive_count=5)
stripe_key = AppSecret("stripe-key", description="Stripe API key, set by the payments team")

web = WebService(
    "web",
    cluster_name=cluster.name,
    load_balancer=load_balancer,
    image="ghcr.io/example/shop-web:1.4.2",
    port=8080,
    cpu=512,
    memory=1024,
    desired_count=2,
    min_count=2,
    max_count=10,
    cpu_target=60,
    health_check_path="/healthz",
    latency_p99_ms=300,
    error_rate_percent=1.0,
    listener_priority=100,
    path_patterns=["/*"],
    environment={"LOG_LEVEL": "info"},
    secrets={"STRIPE_KEY": stripe_key.arn},
    uses={
        # The prod stack passes a user (IAM tokens), the dev stack none (the master secret
        # by ARN): this program exercises both of the component's paths.
        "DB": Use(db, db_user="web" if prod else None),
        "CACHE": cache,
        "UPLOADS": Use(uploads, access="read-write"),
        "ORDERS": Use(orders, access="produce"),
    },
    strategy="CANARY",
    bake_time_minutes=15,
    canary_percent=10.0,
    canary_bake_minutes=10,
    cluster_arn=cluster.arn,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    log_retention_days=90,
)
api = WebService(
    "api",
    cluster_name=cluster.name,
    load_balancer=load_balancer,
    image="ghcr.io/example/shop-api:3.1.0",
    port=9000,
    cpu=256,
    memory=512,
    desired_count=2,
    min_count=2,
    max_count=2,
    cpu_target=60,
    health_check_path="/health",
    latency_p99_ms=500,
    error_rate_percent=2.0,
    listener_priority=10,
    path_patterns=["/api/*"],
    uses={"ORDERS": orders},
    strategy="ROLLING",
    cluster_arn=cluster.arn,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    log_retention_days=90,
)
mailer = WorkerService(
    "mailer",
    cluster_name=cluster.name,
    image="ghcr.io/example/mailer:2.0",
    cpu=256,
    memory=512,
    desired_count=1,
    min_count=1,
    max_count=3,
    uses={"ORDERS": Use(orders, access="consume")},
    cluster_arn=cluster.arn,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    log_retention_days=90,
)
nightly = ScheduledJob(
    "nightly",
    image="ghcr.io/example/jobs:1.0",
    cpu=256,
    memory=512,
    schedule="cron(0 3 * * ? *)",
    uses={"UPLOADS": Use(uploads, access="read-write-delete")},
    cluster_arn=cluster.arn,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    log_retention_days=90,
)

pulumi.export("url", web.url)
pulumi.export("api_url", api.url)
pulumi.export("db_secret_arn", db.secret_arn)
pulumi.export("cache_id", cache.identifier)
pulumi.export("cache_endpoint", cache.primary_endpoint)
