"""The numbers the planner uses, in one place, each with the reason it is that number.

Changing a rule here changes every generated stack; the tests pin the outcomes.
"""

from __future__ import annotations

# Availability → AZs, task floors and peak headroom: shared with the spec's check that
# an explicit scaling.max suffices (see spec.capacity for the reasons).
from ..spec.capacity import PEAK_HEADROOM as PEAK_HEADROOM
from ..spec.capacity import THREE_AZ_AVAILABILITY as THREE_AZ_AVAILABILITY
from ..spec.capacity import TWO_TASK_AVAILABILITY as TWO_TASK_AVAILABILITY

PRODUCTION_NAMES = frozenset({"prod", "production", "prd", "live"})


NON_PROD_MAX_TASKS = 2
VPC_CIDR = "10.0.0.0/16"
PROD_INTERFACE_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")

LOG_RETENTION_PROD = 90
LOG_RETENTION_NON_PROD = 14
# PCI DSS 4.0 req 10.5.1 and HIPAA audit controls: a year of history.
LOG_RETENTION_REGULATED = 365
REGULATED = frozenset({"pci-dss", "hipaa"})
# Frameworks whose data each service reaches as its own database user (IAM
# authentication, rds-db:connect on that user only) instead of the shared master user:
# PCI DSS's and HIPAA's unique, least-privilege identities, and SOC 2's logical access
# restricted per identity (CC6.1, CC6.3). Production data is what the audit samples, but
# every environment of such a spec does the same, so the sign-in path production relies on
# (IAM auth, the db-admin task's grants, token generation) runs in staging first.
OWN_DB_USERS = REGULATED | {"soc2"}

# MariaDB 11.4 is the long-term-support series RDS offers in every region.
DB_DEFAULT_VERSION = {"postgres": "16", "mysql": "8.0", "mariadb": "11.4"}
DB_CLASS_PROD_HA = "db.m7g.large"
DB_CLASS_PROD = "db.t4g.medium"
DB_CLASS_NON_PROD = "db.t4g.micro"
DB_STORAGE_DEFAULT_GB = 20
DB_BACKUP_DAYS_PROD = 7
DB_BACKUP_DAYS_NON_PROD = 1

CACHE_DEFAULT_VERSION = "7.1"
CACHE_NODE_PROD = "cache.t4g.medium"
# Burstable (t*) nodes throttle to their baseline once CPU credits run out, a silent
# latency cliff under sustained load: production at >= 99.9% gets a fixed-performance
# Graviton node (the smallest m7g) instead.
CACHE_NODE_PROD_STEADY = "cache.m7g.large"
CACHE_NODE_NON_PROD = "cache.t4g.micro"

# ElastiCache takes a full Memcached version; TLS needs 1.6.12 or later.
MEMCACHED_VERSIONS = {"1.6": "1.6.22"}
MEMCACHED_DEFAULT_VERSION = "1.6"

# DocumentDB (mongodb): t4g.medium is its smallest class; r6g.large is the smallest
# class without CPU credits. 5.0 is offered in every region DocumentDB runs in.
DOCDB_DEFAULT_VERSION = "5.0"
DOCDB_CLASS_PROD = "db.r6g.large"
DOCDB_CLASS_NON_PROD = "db.t4g.medium"
DOCDB_BACKUP_DAYS_MIN = 1  # DocumentDB always keeps 1-35 days of backups

# Amazon MQ (rabbitmq): RabbitMQ 4.2 runs only on m7g brokers, which also run 3.13;
# AWS recommends medium for tests only.
MQ_DEFAULT_VERSION = "4.2"
MQ_INSTANCE_PROD = "mq.m7g.large"
MQ_INSTANCE_NON_PROD = "mq.m7g.medium"

# Versions the managed service runs, where it runs only a few; others are refused.
# Memcached: only releases from 1.6.12 on encrypt connections.

# SQS visibility timeout: the default a queue gets, the API maximum (12 hours), and the
# least margin above a consumer's timeout_seconds (SQS API reference, SetQueueAttributes).
SQS_DEFAULT_VISIBILITY_SECONDS = 30
SQS_MAX_VISIBILITY_SECONDS = 43200
SQS_VISIBILITY_MIN_MARGIN_SECONDS = 30

# ECS native deployment strategies.
CANARY_PERCENT = 10.0
CANARY_BAKE_MINUTES = 10
LINEAR_STEP_PERCENT = 20.0
LINEAR_STEP_BAKE_MINUTES = 5
BAKE_TIME_MINUTES = 15

# Deployment rollback alarm: the SRE workbook's fast-burn rate of the error budget.
FAST_BURN_RATE = 14.4
MIN_ERROR_RATE_PERCENT = 1.0
DEFAULT_LATENCY_P99_MS = 1000

# Slow-query logs (the slowquery, postgresql and profiler exports): a statement is logged
# when it takes at least SLOW_QUERY_SHARE of its tightest consumer's p99 latency target (it
# alone then spends half the request's budget), never under SLOW_QUERY_MIN_MS: below that a
# busy database logs a large share of its statements, paying for it in I/O on the instance
# and CloudWatch Logs ingestion (DocumentDB's profiler guide warns that 50 ms can hurt a
# high-throughput cluster, and its threshold's minimum is 50 ms).
SLOW_QUERY_SHARE = 0.5
SLOW_QUERY_MIN_MS = 100

# Static sites. CloudFront price classes (CreateDistribution, DistributionConfig.PriceClass):
# PriceClass_All serves from every edge location; PriceClass_100 from North America and
# Europe only, the cheapest per GB.
CLOUDFRONT_PRICE_CLASS_PROD = "PriceClass_All"
CLOUDFRONT_PRICE_CLASS_NON_PROD = "PriceClass_100"
# CloudFront's 5xxErrorRate (AWS/CloudFront, Region=Global, in us-east-1) above this for
# five minutes: the origin or the distribution fails many visitors, not a stray request.
STATIC_SITE_5XX_RATE_PERCENT = 5.0
# ... or its 4xxErrorRate above this share in the same minutes (one alarm fires on either):
# a broken bucket policy or origin access control, a deleted bucket or deleted files make
# S3 answer CloudFront 403/404, which reaches every visitor (an SPA's custom error responses
# need /index.html itself), so the share is near 100%. Normal traffic stays far below half:
# an SPA answers unknown paths with its index and 200, and a site without one gets bots'
# probes and stale links, a few percent of a busy minute.
STATIC_SITE_4XX_SHARE_PERCENT = 50.0
# ... judged only in minutes with at least this many requests: at night one error in a
# handful of requests is a 20% rate, not an outage.
STATIC_SITE_MIN_REQUESTS = 100

# WAF. The load balancer's per-IP rate limit (requests per client IP per 5 minutes, the
# rate-based rule's evaluation window): 2,000 (6.7 rps), the limit every ACL had before it
# was planned, unless a tenth of the spec's peak 5 minutes is more; see
# network.waf_rate_limit.
WAF_RATE_LIMIT_DEFAULT = 2000
WAF_RATE_LIMIT_PEAK_SHARE = 0.1
WAF_RATE_LIMIT_WINDOW_SECONDS = 300
# The web-ACL-level alarm: blocked requests above this share of all requests the ACL judged
# (BlockedRequests and AllowedRequests, Rule=ALL) in 10 of 15 minutes.
WAF_BLOCKED_PERCENT = 5.0
WAF_BLOCKED_MINUTES, WAF_BLOCKED_OF_MINUTES = 10, 15

# Queue consumers: the backlog per task target tracking holds when the spec gives none.
QUEUE_MESSAGES_PER_TASK = 10
# Persistent volumes (EFS): daily AWS Backup recovery points kept this long, as databases.
VOLUME_BACKUP_DAYS_PROD = DB_BACKUP_DAYS_PROD
VOLUME_BACKUP_DAYS_NON_PROD = DB_BACKUP_DAYS_NON_PROD

# Outside-in checks (Route 53 health checks of a public domain). A checker requests the
# health path every 30 seconds (the standard interval; 10 seconds is a billed option) and
# calls the endpoint unhealthy after 3 failures in a row (Route 53's default), so a broken
# DNS record or certificate turns HealthCheckStatus to 0 within about 90 seconds.
OUTSIDE_IN_REQUEST_INTERVAL = 30
OUTSIDE_IN_FAILURE_THRESHOLD = 3
OUTSIDE_IN_PORT = 443  # the HTTPS listener a domain gets
# Route 53 publishes health check metrics (AWS/Route53 HealthCheckStatus) in us-east-1 only.
ROUTE53_METRICS_REGION = "us-east-1"
# ACM renews a managed certificate 60 days before it expires (ACM User Guide, "Managed
# certificate renewal"): under 30 days left, renewal failed (a ticket); under 7, a page.
CERTIFICATE_RENEWAL_DAYS = 30
CERTIFICATE_EXPIRY_DAYS = 7
# AWS/EFS PercentIOLimit (General Purpose mode): a ticket above this share of the I/O limit.
EFS_IO_LIMIT_PERCENT = 90
