"""Rules for where OpenSearch Service publishes its logs, and CloudWatch Logs' resource policies.

A domain names a log group per log type (``LogPublishingOptions``, a map keyed by the log
type in the API, a list in the provider); CloudWatch Logs admits the service through a
resource policy, of which an account holds few. Types, lengths and sizes are read from
botocore's models; the rest cite the AWS page that states them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .model import Botocore, Finding, Predicate, Resource, Rule, StackPredicate

DOMAIN = "aws:opensearch/domain:Domain"
RESOURCE_POLICY = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
OPENSEARCH_GUIDE = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide"
LOGS_QUOTAS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html"
# "CloudWatch Logs resource policies: up to 10 per Region per account; this quota can't be
# changed" (CloudWatch Logs quotas).
RESOURCE_POLICIES_PER_REGION = 10


def _options(r: Resource) -> list[dict[str, object]]:
    options = r.inputs.get("logPublishingOptions")
    return [o for o in options if isinstance(o, dict)] if isinstance(options, list) else []


def _log_type_once(r: Resource) -> Iterable[Finding]:
    seen: set[object] = set()
    for option in _options(r):
        kind = option.get("logType")
        if isinstance(kind, str) and kind in seen:
            yield Finding("logPublishingOptions[].logType", kind, "each log type at most once")
        seen.add(kind)


def _audit_needs_fgac(r: Resource) -> Iterable[Finding]:
    audit = any(
        o.get("logType") == "AUDIT_LOGS" and o.get("enabled", True) is not False
        for o in _options(r)
    )
    security = r.inputs.get("advancedSecurityOptions") or {}
    if audit and not (isinstance(security, dict) and security.get("enabled") is True):
        yield Finding(
            "logPublishingOptions[].logType",
            "AUDIT_LOGS",
            "audit logs need fine-grained access control (advancedSecurityOptions.enabled)",
        )


def _policy_count(policies: Sequence[Resource]) -> Iterable[tuple[Resource, Finding]]:
    if len(policies) > RESOURCE_POLICIES_PER_REGION:
        yield (
            policies[-1],
            Finding(
                "policyName",
                policies[-1].inputs.get("policyName"),
                f"{len(policies)} resource policies in one stack; an account holds "
                f"{RESOURCE_POLICIES_PER_REGION} per region",
            ),
        )


LOG_RULES: list[Rule] = [
    Rule(
        "opensearch.log-type",
        DOMAIN,
        "logPublishingOptions[].logType",
        Botocore("opensearch", "CreateDomain", "LogPublishingOptions{key}", "enum"),
        "",
    ),
    Rule(
        "opensearch.log-group-arn",
        DOMAIN,
        "logPublishingOptions[].cloudwatchLogGroupArn",
        Botocore(
            "opensearch",
            "CreateDomain",
            "LogPublishingOptions{value}.CloudWatchLogsLogGroupArn",
            "length",
        ),
        "",
    ),
    Rule(
        "opensearch.log-type-once",
        DOMAIN,
        "logPublishingOptions[].logType",
        Predicate("each log type once (the API takes a map keyed by it)", _log_type_once),
        "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_CreateDomain.html"
        " (LogPublishingOptions)",
    ),
    Rule(
        "opensearch.audit-logs-need-fgac",
        DOMAIN,
        "logPublishingOptions[].logType, advancedSecurityOptions.enabled",
        Predicate("AUDIT_LOGS only with fine-grained access control", _audit_needs_fgac),
        f"{OPENSEARCH_GUIDE}/audit-logs.html",
    ),
    Rule(
        "logs.resource-policy.document",
        RESOURCE_POLICY,
        "policyDocument",
        Botocore("logs", "PutResourcePolicy", "policyDocument", "length"),
        "",
    ),
    Rule(
        "logs.resource-policy.count",
        RESOURCE_POLICY,
        "policyName",
        StackPredicate(
            f"at most {RESOURCE_POLICIES_PER_REGION} per region and account", _policy_count
        ),
        f"{LOGS_QUOTAS} (resource policies)",
    ),
]
