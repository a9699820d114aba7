"""The runbook's WAF section: the web ACLs the program creates, their rules' metric names
and log groups, as ``components/_waf.py`` and ``components/_site_waf.py`` name them.

A load balancer's ACL is ``<lb>-waf`` (REGIONAL, in the stack's region): the rate limit,
then AWS's managed groups; a static site's is ``<site>-waf`` (CLOUDFRONT, in us-east-1)
with two managed groups. The ACL's own visibility metric name, its metrics' ``WebACL``
dimension, is ``<app>-<stack>-<acl>``: unique per stack, so two stacks in one account never
share metrics. Each rule's ``Rule`` dimension is its visibility metric name,
``<acl>-<rule>`` (scoped by ``WebACL``); the log group is
``aws-waf-logs-<app>-<stack>-<acl>``. A preview test compares these with the recorded web ACLs.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...plan.model import DeploymentModel
from ...plan.physical_names import physical_name

WAF_LOGS_PREFIX = "aws-waf-logs-"  # WAF delivers only to log groups named so
# CreateWebACL VisibilityConfig.MetricName: 1-255 characters of [\w#:.\-/] (botocore's
# wafv2 model; the conformance rules check it), as components/_waf.py cuts it.
METRIC_NAME_MAX = 255

# components/_waf.py MANAGED_RULE_GROUPS, after its "rate-limit" rule, and _site_waf.py's.
ALB_RULES = (
    "rate-limit",
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)
SITE_RULES = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
CLOUDFRONT_REGION = "us-east-1"


@dataclass(frozen=True)
class WebAcl:
    owner: str  # the load balancer or static site
    kind: str  # "load balancer" | "static site"
    name: str  # the component's name for the ACL: its Pulumi name, its rules' metric prefix
    scope: str  # REGIONAL | CLOUDFRONT
    region: str | None  # None: the stack's own
    rules: tuple[str, ...]
    service: str | None  # a service behind the load balancer, to find its ARN from

    def metric(self, rule: str) -> str:
        return f"{self.name}-{rule}"

    def metric_name(self, app: str, env: str) -> str:
        """The ACL's visibility metric name in ``env``'s stack: its ``WebACL`` dimension."""
        return physical_name(app, env, self.name, max_length=METRIC_NAME_MAX)

    def log_group(self, app: str, env: str) -> str:
        """``components/_waf.py``'s ``log_requests``: the prefix, then the physical name."""
        return WAF_LOGS_PREFIX + physical_name(app, env, self.name, max_length=63)


def web_acls(model: DeploymentModel) -> list[WebAcl]:
    """The production stack's web ACLs (every stack has the same ones where it has a WAF)."""
    env = model.production
    found = []
    for lb in env.load_balancers:
        if lb.waf:
            behind = [s.name for s in env.services if s.load_balancer == lb.name]
            found.append(
                WebAcl(
                    lb.name,
                    "load balancer",
                    f"{lb.name}-waf",
                    "REGIONAL",
                    None,
                    ALB_RULES,
                    behind[0] if behind else None,
                )
            )
    for site in env.static_sites:
        if site.waf:
            found.append(
                WebAcl(
                    site.name,
                    "static site",
                    f"{site.name}-waf",
                    "CLOUDFRONT",
                    CLOUDFRONT_REGION,
                    SITE_RULES,
                    None,
                )
            )
    return found
