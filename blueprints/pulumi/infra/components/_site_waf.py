"""A static site's WAFv2 web ACL, in front of its CloudFront distribution.

CloudFront takes a WAFv2 web ACL by its ARN in the distribution's ``web_acl_id``, and
only one of scope CLOUDFRONT, which AWS WAF keeps in us-east-1 (WAFv2 API, CreateWebACL
``Scope``: "To work with CloudFront, you must also specify the Region US East (N.
Virginia)"); the ACL sets pulumi-aws 7's per-resource ``region`` for that, as the
site's certificate does.

Its rules are the AWS managed groups the load balancer's ACL runs (``_waf``) that apply
to files served from a bucket: the common rule set and known bad inputs (exploit probes,
Log4j lookups, bad paths). There is no database behind a static site for the SQL
injection set to protect, and CloudFront absorbs floods at its edges. Blocked and counted
requests are logged, credentials redacted, as for the load balancer.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ._waf import _managed, acl_metric_name, log_requests

CLOUDFRONT_REGION = "us-east-1"
SITE_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")


def cloudfront_web_acl(
    owner: pulumi.Resource, site: str, log_retention_days: int
) -> aws.wafv2.WebAcl:
    """The site's CLOUDFRONT-scope web ACL in us-east-1, logged; attach it by ``arn``."""
    child = pulumi.ResourceOptions(parent=owner)
    name = f"{site}-waf"
    acl = aws.wafv2.WebAcl(
        name,
        scope="CLOUDFRONT",
        region=CLOUDFRONT_REGION,
        description="AWS managed protections for a static site",
        default_action=aws.wafv2.WebAclDefaultActionArgs(
            allow=aws.wafv2.WebAclDefaultActionAllowArgs()
        ),
        rules=[_managed(name, i, group) for i, group in enumerate(SITE_RULE_GROUPS)],
        visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
            cloudwatch_metrics_enabled=True,
            metric_name=acl_metric_name(name),
            sampled_requests_enabled=True,
        ),
        opts=child,
    )
    log_requests(owner, name, acl, log_retention_days, region=CLOUDFRONT_REGION)
    return acl
