"""A web service's listener rule conditions and transforms, and its target group's probe.

Paths and hosts become one ``path-pattern`` and one ``host-header`` condition (a request
must match both; any value within one). ``strip_prefix`` becomes a ``url-rewrite``
transform: the rule still routes on the original path, the target gets the rewritten one
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-transforms.html).
A gRPC target group speaks HTTP/2 to the tasks (protocol version ``GRPC``) and its health
check passes on gRPC status codes, not HTTP ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi_aws as aws

PROTOCOL_VERSIONS = {"http": "HTTP1", "grpc": "GRPC"}


def rule_conditions(
    paths: Sequence[str], hosts: Sequence[str]
) -> list[aws.lb.ListenerRuleConditionArgs]:
    conditions = []
    if paths:
        conditions.append(
            aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=list(paths))
            )
        )
    if hosts:
        conditions.append(
            aws.lb.ListenerRuleConditionArgs(
                host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(values=list(hosts))
            )
        )
    if not conditions:
        raise ValueError("a listener rule needs path_patterns or host_patterns")
    return conditions


def rule_transforms(
    path_rewrite: tuple[str, str] | None,
) -> list[aws.lb.ListenerRuleTransformArgs] | None:
    """``(regex, replacement)`` -> the url-rewrite transform, or None."""
    if path_rewrite is None:
        return None
    regex, replace = path_rewrite
    return [
        aws.lb.ListenerRuleTransformArgs(
            type="url-rewrite",
            url_rewrite_config=aws.lb.ListenerRuleTransformUrlRewriteConfigArgs(
                rewrite=aws.lb.ListenerRuleTransformUrlRewriteConfigRewriteArgs(
                    regex=regex, replace=replace
                )
            ),
        )
    ]


def protocol_version(protocol: str) -> str:
    if protocol not in PROTOCOL_VERSIONS:
        raise ValueError(f"an ALB serves http or grpc, got {protocol!r} (tcp/udp: NetworkService)")
    return PROTOCOL_VERSIONS[protocol]
