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

from ._names import physical_name
from ._waf import LOGGED_ACTIONS, REDACTED_HEADERS, _managed

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
            cloudwatch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
        ),
        opts=child,
    )
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        # WAF delivers only to log groups whose name starts with aws-waf-logs-, in the
        # web ACL's own region.
        name=f"aws-waf-logs-{physical_name(name)}",
        region=CLOUDFRONT_REGION,
        retention_in_days=log_retention_days,
        opts=child,
    )
    action = aws.wafv2.WebAclLoggingConfigurationLoggingFilterFilterConditionActionConditionArgs
    aws.wafv2.WebAclLoggingConfiguration(
        f"{name}-logging",
        region=CLOUDFRONT_REGION,
        resource_arn=acl.arn,
        log_destination_configs=[log_group.arn],
        redacted_fields=[
            aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(
                    name=header
                )
            )
            for header in REDACTED_HEADERS
        ],
        logging_filter=aws.wafv2.WebAclLoggingConfigurationLoggingFilterArgs(
            default_behavior="DROP",
            filters=[
                aws.wafv2.WebAclLoggingConfigurationLoggingFilterFilterArgs(
                    behavior="KEEP",
                    requirement="MEETS_ANY",
                    conditions=[
                        aws.wafv2.WebAclLoggingConfigurationLoggingFilterFilterConditionArgs(
                            action_condition=action(action=logged)
                        )
                        for logged in LOGGED_ACTIONS
                    ],
                )
            ],
        ),
        opts=child,
    )
    return acl
