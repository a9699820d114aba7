"""What a static site costs: CloudFront's data out and requests, its bucket, its alarms.

CloudFront bills the bytes and HTTPS requests it serves (origin fetches from S3 are
free); the site's bucket bills its storage; its errors alarm (us-east-1) one alarm metric per
metric its math reads: the 5xx and 4xx rates and the requests, three.
A queue consumer's wake alarm (scale to zero) reads two metrics. CloudFront's always-free
tier (1 TB and 10 million requests a month) is per account and not deducted, like the
CloudWatch free tier. Source: https://aws.amazon.com/cloudfront/pricing/ (United States
and Europe: $0.085 per GB for the first 10 TB; HTTPS requests per 10,000). With
`requirements.security.waf`, the site's CloudFront web ACL bills like the load balancer's
(https://aws.amazon.com/waf/pricing/): the ACL, each rule (a managed rule group counts as
one) and every request it inspects, which is every request the site serves.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ..plan.model import EnvironmentPlan
from .usage import Usage, num

Add = Callable[[str, str, Decimal, str, str], None]


def static_site_lines(add: Add, env: EnvironmentPlan, usage: Usage) -> None:
    prod = env.production
    for site in env.static_sites:
        gb = usage.static_gb_production if prod else usage.static_gb_non_production
        million = (
            usage.static_requests_million_production
            if prod
            else usage.static_requests_million_non_production
        )
        add("CloudFront data out", site.name, gb, "cloudfront_gb", f"{num(gb)} GB")
        add(
            "CloudFront HTTPS requests",
            site.name,
            million * 100,
            "cloudfront_https_10k",
            f"{num(million)} million requests",
        )
        stored = usage.static_site_gb
        add("S3 storage", site.name, stored, "s3_gb_month", f"{num(stored)} GB with old versions")
        add(
            "CloudWatch alarm metrics",
            site.name,
            Decimal(3),
            "cloudwatch_alarm_metric_month",
            "the errors alarm (us-east-1): 5xx rate, 4xx rate, requests",
        )
        if site.waf:
            rules = Decimal(usage.site_waf_rules)
            add("WAF web ACL", site.name, Decimal(1), "waf_acl_month", "1 web ACL (CloudFront)")
            add("WAF rules", site.name, rules, "waf_rule_month", f"{rules} managed rule groups")
            add(
                "WAF requests",
                site.name,
                million,
                "waf_million",
                f"{num(million)} million (every request the site serves)",
            )
    for service in env.services:
        if service.queue_scaling is not None and service.queue_scaling.wake_from_zero:
            add(
                "CloudWatch alarm metrics",
                service.name,
                Decimal(2),
                "cloudwatch_alarm_metric_month",
                "the wake-from-zero alarm: visible messages and desired tasks",
            )
