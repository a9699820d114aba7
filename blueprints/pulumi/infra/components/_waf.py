"""WAFv2 web ACL in front of the load balancer.

AWS's managed rule groups cover known-bad source IPs, the common exploit patterns, known
bad inputs and SQL injection without rules to maintain; the per-IP rate limit blunts
floods and credential stuffing. Every rule reports metrics and sampled requests, so a
block can be explained.

The web ACL logs to CloudWatch Logs the requests it blocked or counted, with the
Authorization and Cookie headers redacted so no credential lands in a log. Requests it
allowed are left out: they are in the load balancer's access log already (in S3), and
logging each one again would add a CloudWatch ingestion charge that grows with traffic.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from ._names import physical_name

# The IP reputation list first: 25 capacity units that drop known-bad sources before the
# costlier groups inspect them. 25 + 700 + 200 + 200 + the rate rule stay under the
# 1,500 units a web ACL includes in its price.
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
# Rules counted instead of blocking: the common set's SizeRestrictions_BODY blocks any
# body over 8 KB, which API requests (JSON documents, uploads) routinely exceed.
COUNTED_RULES = {"AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",)}
# The CloudWatch Rule dimension value that sums every rule of a web ACL and its default
# action (AWS WAF Developer Guide, "AWS WAF metrics and dimensions").
ALL_RULES = "ALL"
REDACTED_HEADERS = ("authorization", "cookie")  # lowercase, as WAF requires
# Every action but ALLOW: what WAF did to a request instead of letting it through.
LOGGED_ACTIONS = ("BLOCK", "COUNT", "CAPTCHA", "CHALLENGE", "EXCLUDED_AS_COUNT")
# CreateWebACL VisibilityConfig.MetricName: 1-255 characters of [\w#:.\-/].
METRIC_NAME_MAX = 255


def acl_metric_name(name: str) -> str:
    """The web ACL's own metric name, its CloudWatch metrics' ``WebACL`` dimension:
    ``<app>-<stack>-<name>``. WAF keys the metrics by this name alone, not by the ACL, so
    an ACL named the same in two stacks of one account would share them (staging's blocks
    in production's alarm). Its rules' metric names stay ``<name>-<rule>``: their metrics
    carry the ACL's ``WebACL`` dimension too."""
    return physical_name(name, max_length=METRIC_NAME_MAX)


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
                name=group,
                vendor_name="AWS",
                rule_action_overrides=[_count(rule) for rule in COUNTED_RULES.get(group, ())]
                or None,
            )
        ),
        visibility_config=_visibility(f"{name}-{group}"),
    )


def _count(
    rule: str,
) -> aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs:
    override = (
        aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs
    )
    count = (
        aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseCountArgs
    )
    return aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs(
        name=rule, action_to_use=override(count=count())
    )


def web_acl(
    owner: pulumi.Resource,
    name: str,
    *,
    resource_arn: pulumi.Input[str],
    rate_limit: int,
    log_retention_days: int,
    kms_key_arn: pulumi.Input[str] | None = None,
) -> aws.wafv2.WebAcl:
    """Regional web ACL (rate limit, then managed rule groups) on ``resource_arn``, logged
    (to a log group encrypted with ``kms_key_arn`` when given)."""
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
            cloudwatch_metrics_enabled=True,
            metric_name=acl_metric_name(name),
            sampled_requests_enabled=True,
        ),
        opts=child,
    )
    aws.wafv2.WebAclAssociation(name, resource_arn=resource_arn, web_acl_arn=acl.arn, opts=child)
    log_requests(owner, name, acl, log_retention_days, kms_key_arn=kms_key_arn)
    return acl


def log_requests(
    owner: pulumi.Resource,
    name: str,
    acl: aws.wafv2.WebAcl,
    retention_days: int,
    region: str | None = None,
    kms_key_arn: pulumi.Input[str] | None = None,
) -> None:
    """Log the blocked and counted requests of ``acl``, credentials redacted.

    ``region``: the ACL's own region when it is not the stack's (CloudFront's ACLs live in
    us-east-1); WAF delivers only to a log group in the ACL's region. ``kms_key_arn``:
    the stack's data key for the group (a KMS key serves only its own region).
    """
    child = pulumi.ResourceOptions(parent=owner)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        # WAF delivers only to log groups whose name starts with aws-waf-logs-.
        name=f"aws-waf-logs-{physical_name(name)}",
        region=region,
        retention_in_days=retention_days,
        kms_key_id=kms_key_arn,
        opts=child,
    )
    action = aws.wafv2.WebAclLoggingConfigurationLoggingFilterFilterConditionActionConditionArgs
    aws.wafv2.WebAclLoggingConfiguration(
        f"{name}-logging",
        region=region,
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
