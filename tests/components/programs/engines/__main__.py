"""A worker using one datastore of each imported engine, and a second using only the broker."""

import pulumi
import pulumi_aws as aws
from components import Database, DocumentDB, Memcached, MessageBroker, Network, WorkerService

config = pulumi.Config()
prod = config.get_bool("prod") or False

network = Network(
    "network",
    cidr_block="10.0.0.0/16",
    az_count=3,
    nat_gateway_count=1,
    interface_endpoints=[],
    flow_log_retention_days=None,
)
cluster = aws.ecs.Cluster("cluster")
ledger = Database(
    "ledger",
    engine="mariadb",
    engine_version="10.11",
    instance_class="db.m7g.large" if prod else "db.t4g.micro",
    allocated_storage=40,
    max_allocated_storage=80 if prod else 0,  # RDS refuses a ceiling equal to the allocation
    multi_az=prod,
    backup_retention_days=14 if prod else 1,
    deletion_protection=prod,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    log_retention_days=14,
)
catalog = DocumentDB(
    "catalog",
    engine_version="5.0",
    instance_class="db.r6g.large" if prod else "db.t4g.medium",
    instances=3 if prod else 1,
    backup_retention_days=10 if prod else 1,
    deletion_protection=prod,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    log_retention_days=14,
)
broker = MessageBroker(
    "broker",
    engine_version="4.2",
    instance_type="mq.m7g.large" if prod else "mq.m7g.medium",
    cluster=prod,
    protect=prod,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
)
sessions = Memcached(
    "sessions",
    engine_version="1.6.22",
    node_type="cache.t4g.medium" if prod else "cache.t4g.micro",
    nodes=3 if prod else 1,
    data_classification="internal",
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
)

app = WorkerService(
    "app",
    cluster_arn=cluster.arn,
    cluster_name=cluster.name,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    image="ghcr.io/example/app:1.0",
    cpu=256,
    memory=512,
    desired_count=1,
    min_count=1,
    max_count=1,
    uses={"LEDGER": ledger, "CATALOG": catalog, "EVENTS": broker, "SESSIONS": sessions},
    log_retention_days=14,
)
relay = WorkerService(
    "relay",
    cluster_arn=cluster.arn,
    cluster_name=cluster.name,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    image="ghcr.io/example/relay:1.0",
    cpu=256,
    memory=512,
    desired_count=1,
    min_count=1,
    max_count=1,
    uses={"EVENTS": broker},
    log_retention_days=14,
)

pulumi.export("catalog_endpoint", catalog.endpoint)
pulumi.export("broker_endpoint", broker.endpoint)
pulumi.export("sessions_endpoint", sessions.configuration_endpoint)
pulumi.export(
    "ids", [ledger.identifier, catalog.identifier, broker.identifier, sessions.identifier]
)
