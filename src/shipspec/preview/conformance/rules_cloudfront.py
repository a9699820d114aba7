"""Conformance rules for static sites' CloudFront distributions. One AWS constraint each,
with its source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .model import Finding, Predicate, Resource, Rule, is_unknown

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
# CloudFront takes a WAFv2 web ACL by ARN, and only a global one: scope CLOUDFRONT, which
# AWS WAF keeps in us-east-1 (DistributionConfig.WebACLId's example,
# arn:aws:wafv2:us-east-1:123456789012:global/webacl/ExampleWebACL/<id>).
_CLOUDFRONT_ACL = re.compile(r"^arn:aws[\w-]*:wafv2:us-east-1:\d{12}:global/webacl/[^/]+/.+$")


def _web_acl(r: Resource) -> Iterable[Finding]:
    value = r.inputs.get("webAclId")
    # Not an ARN: a WAF Classic web ACL id, which CloudFront still takes as is.
    if not isinstance(value, str) or is_unknown(value) or not value.startswith("arn:"):
        return
    if not _CLOUDFRONT_ACL.match(value):
        yield Finding(
            "webAclId",
            value,
            "a WAFv2 web ACL of scope CLOUDFRONT, created in us-east-1 (its ARN reads "
            "arn:aws:wafv2:us-east-1:<account>:global/webacl/...)",
        )


CLOUDFRONT_RULES: list[Rule] = [
    Rule(
        "cloudfront.distribution.web-acl",
        DISTRIBUTION,
        "webAclId",
        Predicate("a global (CLOUDFRONT-scope) WAFv2 web ACL in us-east-1", _web_acl),
        "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html"
        " (WebACLId)",
    ),
]
