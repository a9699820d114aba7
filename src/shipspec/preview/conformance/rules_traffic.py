"""Conformance rules for the traffic features: gRPC target groups, NLB health checks on
UDP, HTTPS and TLS listeners' certificates, and listener rule conditions and transforms.
One AWS constraint each, with its source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .model import Finding, Predicate, Resource, Rule

ELB = "https://docs.aws.amazon.com/elasticloadbalancing/latest"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
# ALB rule conditions: 3 values per condition, 5 per rule; transforms: regex and
# replacement of at most 1024 characters.
VALUES_PER_CONDITION, VALUES_PER_RULE, REWRITE_LENGTH = 3, 5, 1024


def grpc_target_group(r: Resource) -> bool:
    return str(r.inputs.get("protocolVersion", "")).upper() == "GRPC"


def _grpc_matcher(r: Resource) -> Iterable[Finding]:
    """A gRPC target group's matcher is gRPC status codes (Matcher.GrpcCode): 0-99."""
    if not grpc_target_group(r):
        return
    matcher = (r.inputs.get("healthCheck") or {}).get("matcher")
    if not isinstance(matcher, str):
        yield Finding(
            "healthCheck.matcher", matcher, "a gRPC health check needs gRPC codes, e.g. 0"
        )
        return
    for part in re.split(r"[,-]", matcher):
        if not part.strip().isdigit() or not 0 <= int(part) <= 99:
            yield Finding("healthCheck.matcher", matcher, "gRPC status codes are 0-99")
            return


def _udp_health_check(r: Resource) -> Iterable[Finding]:
    if str(r.inputs.get("protocol", "")).upper() not in ("UDP", "TCP_UDP"):
        return
    check = r.inputs.get("healthCheck") or {}
    protocol = str(check.get("protocol", "")).upper()
    if protocol not in ("TCP", "HTTP", "HTTPS"):
        yield Finding(
            "healthCheck.protocol",
            check.get("protocol"),
            "UDP targets are checked over TCP or HTTP(S)",
        )


def _listener_certificate(r: Resource) -> Iterable[Finding]:
    """CreateListener: an HTTPS or TLS listener takes exactly one default certificate; an
    ALPN policy is for TLS listeners only."""
    protocol = str(r.inputs.get("protocol", "")).upper()
    if protocol in ("HTTPS", "TLS") and not r.inputs.get("certificateArn"):
        yield Finding(
            "certificateArn", None, f"a {protocol} listener needs its default certificate"
        )
    if r.inputs.get("alpnPolicy") is not None and protocol != "TLS":
        yield Finding("alpnPolicy", r.inputs.get("alpnPolicy"), "ALPN is for TLS listeners")


def _conditions(r: Resource) -> Iterable[Finding]:
    total = 0
    for condition in r.inputs.get("conditions") or []:
        for kind, value in (condition or {}).items():
            values = value.get("values") if isinstance(value, dict) else None
            if isinstance(values, list):
                total += len(values)
                if len(values) > VALUES_PER_CONDITION:
                    yield Finding(
                        f"conditions.{kind}", values, f"at most {VALUES_PER_CONDITION} values"
                    )
    if total > VALUES_PER_RULE:
        yield Finding("conditions", total, f"at most {VALUES_PER_RULE} values in a rule")


def _transforms(r: Resource) -> Iterable[Finding]:
    for transform in r.inputs.get("transforms") or []:
        rewrite: dict[str, Any] = (
            transform.get("urlRewriteConfig") or transform.get("hostHeaderRewriteConfig") or {}
        ).get("rewrite") or {}
        for key in ("regex", "replace"):
            value = rewrite.get(key)
            if not isinstance(value, str) or not 1 <= len(value) <= REWRITE_LENGTH:
                yield Finding(f"transforms.{key}", value, f"1-{REWRITE_LENGTH} characters")
        regex = rewrite.get("regex")
        if isinstance(regex, str) and re.search(r"\(\?[=!<]|\\[1-9]", regex):
            yield Finding("transforms.regex", regex, "no lookarounds or backreferences")


TRAFFIC_RULES: list[Rule] = [
    Rule(
        "lb.target-group.grpc-matcher",
        TARGET_GROUP,
        "healthCheck.matcher",
        Predicate("gRPC target groups match gRPC status codes 0-99", _grpc_matcher),
        f"{ELB}/APIReference/API_Matcher.html",
    ),
    Rule(
        "lb.target-group.udp-health-check",
        TARGET_GROUP,
        "healthCheck.protocol",
        Predicate("a UDP target group's health check is TCP, HTTP or HTTPS", _udp_health_check),
        f"{ELB}/network/target-group-health-checks.html",
    ),
    Rule(
        "lb.listener.certificate",
        LISTENER,
        "certificateArn",
        Predicate(
            "an HTTPS or TLS listener has a certificate; ALPN only on TLS", _listener_certificate
        ),
        f"{ELB}/APIReference/API_CreateListener.html",
    ),
    Rule(
        "lb.listener-rule.condition-values",
        LISTENER_RULE,
        "conditions",
        Predicate(
            f"{VALUES_PER_CONDITION} values per condition, {VALUES_PER_RULE} per rule", _conditions
        ),
        f"{ELB}/application/rule-condition-types.html",
    ),
    Rule(
        "lb.listener-rule.transform",
        LISTENER_RULE,
        "transforms",
        Predicate(
            f"regex and replacement of 1-{REWRITE_LENGTH} characters, no lookarounds or "
            "backreferences",
            _transforms,
        ),
        f"{ELB}/application/rule-transforms.html",
    ),
]
