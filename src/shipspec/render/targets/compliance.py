"""Compliance target: ``docs/operations/compliance.md`` — each control, its rule, its status.

Lists the rules of ``baseline`` and of every pack the spec's ``compliance`` list turns
on, grouped by pack and ordered by control, with a status per environment computed
from the model alone (:mod:`shipspec.policy.static`): pass/FAIL for decisions the
plan made, FAIL (or "warns", for a warning-severity rule) where the spec asked for
something a rule refuses, n/a where a rule does not apply, and "check" where the
generated program must be previewed (``shipspec check``, the authoritative status).

The refused things are listed first, as exceptions the spec declared, so the page never
claims a control holds (the baseline's "only a load balancer's web ports are open") for a
stack that breaks it.
"""

from __future__ import annotations

import re
from typing import Any

from ...plan.key_uses import describe_gaps, describe_uses, key_gaps, key_uses
from ...plan.model import DeploymentModel, EnvironmentPlan
from ...policy.pack import builtin_packs
from ...policy.static import RuleStatus, exceptions, mentions, static_statuses
from . import target
from ._transit import transit_claims

WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
# The TLS listeners' policy, infra/components/_dns.py's TLS_POLICY (a test compares them).
NLB_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
_SHOWN = {"pass": "pass", "fail": "**FAIL**", "n/a": "n/a", "check": "check"}
_TITLES = {
    "baseline": "Baseline: shipspec's secure defaults",
    "pci-dss": "PCI DSS v4.0",
    "hipaa": "HIPAA Security Rule",
    "soc2": "SOC 2 Trust Services Criteria",
}


@target("compliance")
def context(model: DeploymentModel) -> dict[str, Any]:
    """docs/operations/compliance.md"""
    packs = builtin_packs(["baseline", *model.compliance])
    statuses = static_statuses(model, packs)
    sections = []
    for pack in packs:
        rows = sorted((s for s in statuses if s.rule.pack == pack.name), key=_control_order)
        sections.append(
            {
                "name": pack.name,
                "title": _TITLES.get(pack.name, pack.name),
                "description": pack.description,
                "rows": [_row(s, model) for s in rows],
            }
        )
    counts = {k: 0 for k in _SHOWN}
    for status in statuses:
        for _, value in status.statuses:
            counts[value] += 1
    return {
        "compliance_exceptions": exceptions(model, packs),
        "compliance_sections": sections,
        "compliance_envs": [e.name for e in model.environments],
        "compliance_counts": counts,
        "key_claims": _key_claims(model),
        "transit_claims": transit_claims(model),
    }


def _key_claims(model: DeploymentModel) -> list[dict[str, Any]]:
    """What each stack gives the data key (``plan/key_uses.py``, the list the program's
    comment and the handoff also print), environments with the same list grouped."""
    groups: list[dict[str, Any]] = []
    for env in model.environments:
        if not env.customer_managed_key:
            continue
        uses, gaps = describe_uses(key_uses(env)), describe_gaps(key_gaps(env))
        same = [g for g in groups if (g["uses"], g["gaps"]) == (uses, gaps)]
        if same:
            same[0]["environments"].append(env.name)
        else:
            groups.append({"environments": [env.name], "uses": uses, "gaps": gaps})
    return groups


def _row(status: RuleStatus, model: DeploymentModel) -> dict[str, Any]:
    rule = status.rule
    description = rule.description
    if mentions(rule.schema, WAF_ASSOCIATION):
        scopes = [
            f"{env}: {scope}"
            for env, value in status.statuses
            if value != "n/a" and (scope := waf_scope(model.environment(env)))
        ]
        if scopes:
            description += " Here, " + "; ".join(scopes) + "."
    return {
        "control": rule.control or "-",
        "rule": rule.qualified_id,
        "description": description.replace("|", "\\|"),
        "checks": f"model: {rule.model}" if rule.model else "program",
        "severity": rule.severity,
        "statuses": [_shown(value, rule.severity) for _, value in status.statuses],
    }


def waf_scope(env: EnvironmentPlan) -> str:
    """What a web ACL association rule covers in ``env`` and what it cannot: AWS WAF
    protects Application Load Balancers and CloudFront distributions, never a Network Load
    Balancer (AWS WAF Developer Guide, "Resources that you can protect"), so a public TCP,
    UDP or TLS service's own NLB is named with what stands in for the WAF."""
    parts = []
    albs = [lb for lb in env.load_balancers if lb.internet_facing]
    if albs:
        parts.append(
            "covers "
            + ", ".join(
                f"the {lb.name} Application Load Balancer ("
                + ("web ACL planned" if lb.waf else "no web ACL planned")
                + ")"
                for lb in albs
            )
        )
    sites = [s.name for s in env.static_sites if s.waf]
    if sites:
        parts.append(
            "the static sites' CloudFront distributions ("
            + ", ".join(f"`{name}`" for name in sites)
            + ") carry their own web ACL in us-east-1, which this rule does not check"
        )
    for s in env.services:
        if s.kind != "web" or s.load_balancer is not None or not s.public:
            continue
        if s.protocol == "tls":
            control = (
                f"a TLS-only listener on port {s.port} ({NLB_TLS_POLICY}: TLS 1.2 or newer, "
                f"certificate for {s.domain or 'its domain'})"
            )
        elif s.app_tls:
            control = f"TLS by the application itself on TCP port {s.port} (`app_tls`)"
        else:
            control = f"no encryption on {s.protocol.upper()} port {s.port}"
        parts.append(
            f"cannot cover `{s.name}`, whose own internet-facing Network Load Balancer AWS "
            f"WAF cannot protect: compensating control {control}, and a security group "
            f"admitting {s.protocol.replace('tls', 'tcp').upper()} port {s.port} only"
        )
    return "; ".join(parts)


def _shown(value: str, severity: str) -> str:
    """A failing warning-severity rule warns in ``shipspec check`` (exit 0): say so."""
    return "**warns**" if value == "fail" and severity == "warning" else _SHOWN[value]


def _control_order(status: RuleStatus) -> tuple[Any, ...]:
    """Natural order: "req 3.5.1" before "req 10.2.1", rules without a control last."""
    control = status.rule.control or "~"
    parts = tuple(
        (0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", control) if p
    )
    return (parts, status.rule.id)
