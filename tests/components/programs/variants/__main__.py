"""An internal app: HTTP-only internal ALB, linear and blue/green services, MySQL."""

import pulumi
import pulumi_aws as aws
from components import Bucket, Database, LoadBalancer, Network, Queue, WebService

network = Network("net", cidr_block="10.20.0.0/20", az_count=2, nat_gateway_count=1)
cluster = aws.ecs.Cluster("cluster")
load_balancer = LoadBalancer(
    "internal",
    vpc_id=network.vpc_id,
    vpc_cidr=network.vpc_cidr,
    subnet_ids=network.private_subnet_ids,
    internet_facing=False,
    needs_test_listener=True,
)
db = Database(
    "db",
    engine="mysql",
    engine_version="8.0.39",
    instance_class="db.t4g.small",
    allocated_storage=20,
    max_allocated_storage=0,
    multi_az=False,
    backup_retention_days=1,
    deletion_protection=False,
    vpc_id=network.vpc_id,
    subnet_ids=network.private_subnet_ids,
    performance_insights=False,
)
scratch = Bucket("scratch", versioning=False, force_destroy=True)
jobs = Queue("jobs", dead_letter=False)

for name, strategy, priority in (("linear", "LINEAR", 10), ("bluegreen", "BLUE_GREEN", 20)):
    WebService(
        name,
        cluster_arn=cluster.arn,
        cluster_name=cluster.name,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        load_balancer=load_balancer,
        image=f"registry.example.com/{name}:1",
        port=3000,
        cpu=256,
        memory=512,
        desired_count=1,
        min_count=1,
        max_count=1,
        cpu_target=70,
        health_check_path="/up",
        latency_p99_ms=800,
        error_rate_percent=5.0,
        listener_priority=priority,
        path_patterns=[f"/{name}/*"],
        uses={"MYSQL": db, "SCRATCH": scratch, "JOBS": jobs},
        strategy=strategy,
        bake_time_minutes=5,
        linear_step_percent=25.0,
        linear_step_bake_minutes=2,
        cpu_architecture="ARM64",
    )

pulumi.export("url", load_balancer.url)
