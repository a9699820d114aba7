"""WAFv2 web ACL in front of the load balancer.

AWS's managed rule groups cover the common exploit patterns and known bad inputs
without rules to maintain; the per-IP rate limit blunts floods and credential stuffing.
Every rule reports metrics and sampled requests, so a block can be explained.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")


def _visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _managed(name: str, priority: int, group: str) -> aws.wafv2.WebAclRuleArgs:
    return aws.wafv2.WebAclRuleArgs(
        name=group,
        priority=priority,
        # "none" keeps each managed rule's own action (block) in force.
        override_action=aws.wafv2.WebAclRuleOverrideActionArgs(
            none=aws.wafv2.WebAclRuleOverrideActionNoneArgs()
        ),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                name=group, vendor_name="AWS"
            )
        ),
        visibility_config=_visibility(f"{name}-{group}"),
    )


def web_acl(
    owner: pulumi.Resource, name: str, *, resource_arn: pulumi.Input[str], rate_limit: int
) -> aws.wafv2.WebAcl:
    """Regional web ACL (rate limit, then managed rule groups) on ``resource_arn``."""
    child = pulumi.ResourceOptions(parent=owner)
    rate_limit_rule = aws.wafv2.WebAclRuleArgs(
        name="rate-limit",
        priority=0,  # first: the cheapest rule sheds floods before the others run
        action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                limit=rate_limit, aggregate_key_type="IP", evaluation_window_sec=300
            )
        ),
        visibility_config=_visibility(f"{name}-rate-limit"),
    )
    acl = aws.wafv2.WebAcl(
        name,
        scope="REGIONAL",
        description="AWS managed protections and a per-IP rate limit",
        default_action=aws.wafv2.WebAclDefaultActionArgs(
            allow=aws.wafv2.WebAclDefaultActionAllowArgs()
        ),
        rules=[
            rate_limit_rule,
            *(_managed(name, i + 1, group) for i, group in enumerate(MANAGED_RULE_GROUPS)),
        ],
        visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
            cloudwatch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
        ),
        opts=child,
    )
    aws.wafv2.WebAclAssociation(name, resource_arn=resource_arn, web_acl_arn=acl.arn, opts=child)
    return acl
